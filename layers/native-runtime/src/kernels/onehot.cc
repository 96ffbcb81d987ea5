// OneHot(indices, depth, on_value, off_value) with the axis attribute (default -1); output dtype is on_value's.
// Indices outside [0, depth) give an all-off row (MindSpore and TF; ONNX wraps negative indices instead).
#include "kernels/common.h"

namespace mindlet {
namespace {

using namespace kern;

class OneHotKernel : public Kernel {
 public:
  explicit OneHotKernel(LoadContext& c) : id_(c.node()), attrs_(c.node().attrs) {
    if (c.input_count() < 4) id_.fail("expects inputs (indices, depth, on_value, off_value)");
  }
  template <class Ctx>
  void dims(const Ctx& c, const Shape& s, int64_t& depth, int64_t& outer, int64_t& inner, Shape& out) const {
    depth = param_int(attrs_, "depth", c, 1, -1);
    if (depth < 0) id_.fail("depth must be >= 0");
    int64_t axis = param_int(attrs_, "axis", c, 4, -1);
    int64_t rank = int64_t(s.size());
    if (axis < -1 - rank || axis > rank) id_.fail("axis " + std::to_string(axis) + " out of range");
    if (axis < 0) axis += rank + 1;
    outer = prod(s, 0, size_t(axis));
    inner = prod(s, size_t(axis), s.size());
    out = s;
    out.insert(out.begin() + axis, depth);
  }
  void infer(InferContext& ctx) const override {
    const ValueDesc& x = ctx.input(0);
    if (x.dtype != DType::I32 && x.dtype != DType::I64 && x.dtype != DType::U8)
      id_.unsupported(std::string("indices must be integers, got ") + dtype_name(x.dtype));
    if (ctx.input(2).dtype != ctx.input(3).dtype) id_.fail("on_value and off_value differ in dtype");
    int64_t depth, outer, inner;
    Shape out;
    dims(ctx, x.shape, depth, outer, inner, out);
    ctx.set_output(0, ctx.input(2).dtype, out);
  }
  void run(const RunContext& ctx) const override {
    const TensorView& x = ctx.input(0);
    int64_t depth, outer, inner;
    Shape out;
    dims(ctx, x.shape, depth, outer, inner, out);
    size_t es = dtype_size(ctx.input(2).dtype);
    const auto* on = static_cast<const uint8_t*>(ctx.input(2).data);
    const auto* off = static_cast<const uint8_t*>(ctx.input(3).data);
    auto* y = static_cast<uint8_t*>(ctx.output(0).data);
    int64_t total = ctx.output(0).numel();
    for (int64_t i = 0; i < total; ++i) std::memcpy(y + i * int64_t(es), off, es);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t k = 0; k < inner; ++k) {
        int64_t v = read_as_int(x.data, x.dtype, o * inner + k);
        if (v >= 0 && v < depth) std::memcpy(y + ((o * depth + v) * inner + k) * int64_t(es), on, es);
      }
  }

 private:
  NodeId id_;
  Attrs attrs_;
};

MINDLET_KERNEL("OneHot", [](LoadContext& c) { return std::make_unique<OneHotKernel>(c); });

}  // namespace
}  // namespace mindlet
