// The kernel interface and registry: one kernel class per operator, registered by MindSpore primitive name.
//
// Life of a kernel (onnxruntime/XNNPACK style: pack once, plan per shape, run without allocating):
//  - created once per node at load by its factory, which validates attributes and may pre-pack constant inputs
//    (weights) through LoadContext;
//  - infer(): once per distinct input shape, computes output dtypes/shapes and the scratch bytes run() needs;
//  - run(): many times, possibly from several threads at once (concurrent inferences), so a kernel keeps no
//    mutable state after construction: everything per-shape is recomputed from the shapes in RunContext.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "graph.h"
#include "tensor.h"
#include "thread_pool.h"

namespace mindlet {

// What the planner knows about a value: dtype, shape, and its bytes when they are known before running
// (weights, constants, and results folded at plan time such as Shape outputs).
struct ValueDesc {
  DType dtype = DType::F32;
  Shape shape;
  const void* const_data = nullptr;
  int64_t numel() const { return shape_numel(shape); }
};

class LoadContext {
 public:
  LoadContext(const Graph& g, const Node& n) : graph_(g), node_(n) {}
  const Node& node() const { return node_; }
  int input_count() const { return int(node_.inputs.size()); }
  // The constant behind input i (a weight or constant), or nullptr when it is computed at run time.
  const ConstTensor* constant(int i) const;
  // Declared dtype/shape of input i (shape may hold -1 or be unknown).
  const ValueInfo& input_info(int i) const;
  [[noreturn]] void fail(const std::string& msg) const;

 private:
  const Graph& graph_;
  const Node& node_;
};

class InferContext {
 public:
  InferContext(const Node& n, std::vector<ValueDesc> in) : node_(n), inputs_(std::move(in)) {
    outputs_.resize(n.outputs.size());
  }
  const Node& node() const { return node_; }
  int input_count() const { return int(inputs_.size()); }
  const ValueDesc& input(int i) const;
  // Input i's values as integers; fails with a clear error when they are not known before running.
  std::vector<int64_t> const_ints(int i) const;
  bool is_const(int i) const { return input(i).const_data != nullptr; }
  void set_output(int i, DType dtype, Shape shape);
  // Scratch memory run() may use (64-byte aligned), planned with the activations.
  void request_scratch(size_t bytes) { scratch_bytes_ = bytes; }
  [[noreturn]] void fail(const std::string& msg) const;

  std::vector<ValueDesc>& outputs() { return outputs_; }
  size_t scratch_bytes() const { return scratch_bytes_; }

 private:
  const Node& node_;
  std::vector<ValueDesc> inputs_;
  std::vector<ValueDesc> outputs_;
  size_t scratch_bytes_ = 0;
};

class RunContext {
 public:
  // Views are borrowed: the session keeps one set per planned step and only patches data pointers per run.
  RunContext(const std::vector<TensorView>& in, const std::vector<TensorView>& out, void* scratch, ThreadPool& pool)
      : inputs_(in), outputs_(out), scratch_(scratch), pool_(pool) {}
  // Temporaries would dangle: callers keep the view vectors alive for the context's lifetime.
  RunContext(std::vector<TensorView>&&, const std::vector<TensorView>&, void*, ThreadPool&) = delete;
  RunContext(const std::vector<TensorView>&, std::vector<TensorView>&&, void*, ThreadPool&) = delete;
  RunContext(std::vector<TensorView>&&, std::vector<TensorView>&&, void*, ThreadPool&) = delete;
  int input_count() const { return int(inputs_.size()); }
  const TensorView& input(int i) const { return inputs_[size_t(i)]; }
  const TensorView& output(int i) const { return outputs_[size_t(i)]; }
  int output_count() const { return int(outputs_.size()); }
  void* scratch() const { return scratch_; }
  ThreadPool& pool() const { return pool_; }

 private:
  const std::vector<TensorView>& inputs_;
  const std::vector<TensorView>& outputs_;
  void* scratch_;
  ThreadPool& pool_;
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  virtual void infer(InferContext& ctx) const = 0;
  virtual void run(const RunContext& ctx) const = 0;
  // True when output 0 is input 0's bytes under another shape (Reshape, Squeeze...): the planner aliases the
  // buffers and run() is never called.
  virtual bool is_view() const { return false; }
  // False when run() never reads constant input i because the factory packed it: the session then frees the
  // original bytes (and unpins the model file) after load.
  virtual bool reads_constant_at_run(int input) const { return true; }
};

using KernelFactory = std::function<std::unique_ptr<Kernel>(LoadContext&)>;

// Registers `factory` for primitive `op`; later registrations of the same name replace earlier ones.
struct KernelRegistrar {
  KernelRegistrar(const char* op, KernelFactory factory);
};
const KernelFactory* find_kernel(const std::string& op);
std::vector<std::string> registered_ops();

#define MINDLET_CONCAT_INNER(a, b) a##b
#define MINDLET_CONCAT(a, b) MINDLET_CONCAT_INNER(a, b)
// MINDLET_KERNEL("ReLU", [](LoadContext& c) { return std::make_unique<ReluKernel>(c); });
#define MINDLET_KERNEL(op, factory) \
  static ::mindlet::KernelRegistrar MINDLET_CONCAT(mindlet_kernel_registrar_, __COUNTER__)(op, factory)

// Helpers many kernels share.
inline int64_t normalize_axis(int64_t axis, int64_t rank, const InferContext& ctx) {
  if (axis < -rank || axis >= (rank == 0 ? 1 : rank))
    ctx.fail("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

}  // namespace mindlet
