// Shared by kernel_test.cc and kernel_bench.cc: builds a one-node graph around a registered kernel and runs it
// the way the session does (factory at load, infer per shape, run with scratch and a thread pool).
#pragma once
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "engine/graph.h"
#include "engine/kernel.h"
#include "engine/thread_pool.h"

namespace harness {
using namespace mindlet;

struct In {
  Shape shape;
  std::vector<float> data;  // deliberately only malloc-aligned: kernels must not assume more of inputs
  bool constant = false;
};

inline Attr num(double v) {
  Attr a;
  a.kind = Attr::Kind::Number;
  a.number = v;
  return a;
}
inline Attr ints(std::vector<int64_t> v) {
  Attr a;
  a.kind = Attr::Kind::List;
  for (auto x : v) a.list.push_back(num(double(x)));
  return a;
}
inline Attr str(const std::string& s) {
  Attr a;
  a.kind = Attr::Kind::String;
  a.str = s;
  return a;
}
inline Attr boolean(bool b) {
  Attr a;
  a.kind = Attr::Kind::Bool;
  a.boolean = b;
  return a;
}

// A loaded kernel plus the graph it was loaded from (constants stay alive with it).
struct Loaded {
  Graph graph;
  std::unique_ptr<Kernel> kernel;
  std::vector<In> inputs;
};

inline std::unique_ptr<Loaded> load(const std::string& op, const Attrs& attrs, std::vector<In> inputs) {
  auto l = std::make_unique<Loaded>();
  l->inputs = std::move(inputs);
  Node n;
  n.name = "test_" + op;
  n.op = op;
  n.attrs = attrs;
  for (auto& in : l->inputs) {
    ValueInfo v;
    v.name = "in" + std::to_string(l->graph.values.size());
    v.shape = in.shape;
    v.rank_known = true;
    if (in.constant) {
      auto t = make_owned_tensor(DType::F32, in.shape);
      std::memcpy(t->owned.data(), in.data.data(), in.data.size() * sizeof(float));
      v.constant = t;
    }
    n.inputs.push_back(l->graph.add_value(v));
  }
  ValueInfo out;
  out.name = "out";
  n.outputs.push_back(l->graph.add_value(out));
  l->graph.nodes.push_back(n);
  const KernelFactory* f = find_kernel(op);
  if (!f) throw std::runtime_error("no kernel " + op);
  LoadContext lc(l->graph, l->graph.nodes[0]);
  l->kernel = (*f)(lc);
  return l;
}

// 64-byte aligned like the session's arena, so vector stores do not split cache lines.
template <class T>
struct Aligned64 {
  using value_type = T;
  Aligned64() = default;
  template <class U>
  Aligned64(const Aligned64<U>&) {}
  T* allocate(size_t n) { return static_cast<T*>(std::aligned_alloc(64, (n * sizeof(T) + 63) / 64 * 64)); }
  void deallocate(T* p, size_t) { std::free(p); }
  bool operator==(const Aligned64&) const { return true; }
  bool operator!=(const Aligned64&) const { return false; }
};

struct Prepared {
  Shape out_shape;
  std::vector<float, Aligned64<float>> out;
  void* scratch = nullptr;
  size_t scratch_bytes = 0;
  ~Prepared() { std::free(scratch); }
};

inline std::unique_ptr<Prepared> prepare(Loaded& l, const std::vector<std::vector<int64_t>>* const_ints = nullptr) {
  std::vector<ValueDesc> descs;
  for (auto& in : l.inputs) descs.push_back(ValueDesc{DType::F32, in.shape, in.constant ? in.data.data() : nullptr});
  InferContext ic(l.graph.nodes[0], descs);
  l.kernel->infer(ic);
  auto p = std::make_unique<Prepared>();
  p->out_shape = ic.outputs()[0].shape;
  p->out.assign(size_t(shape_numel(p->out_shape)), -12345.f);
  p->scratch_bytes = ic.scratch_bytes();
  if (p->scratch_bytes) p->scratch = std::aligned_alloc(64, (p->scratch_bytes + 63) / 64 * 64);
  return p;
}

inline void run(Loaded& l, Prepared& p, ThreadPool& pool) {
  std::vector<TensorView> ins;
  for (auto& in : l.inputs) ins.push_back(TensorView{DType::F32, in.shape, const_cast<float*>(in.data.data())});
  std::vector<TensorView> outs{TensorView{DType::F32, p.out_shape, p.out.data()}};
  RunContext rc(ins, outs, p.scratch, pool);
  l.kernel->run(rc);
}

}  // namespace harness
