// Concat (any number of tensor inputs; axis attribute, or a trailing constant scalar input in MindSpore 2.3+),
// Split (axis, output_num) and SplitV (size_splits, split_dim), any dtype, copied as bytes per outer row.
#include "kernels/common.h"

namespace mindlet {
namespace {

using namespace kern;

class ConcatKernel : public Kernel {
 public:
  explicit ConcatKernel(LoadContext& c) : id_(c.node()) {
    const Attrs& a = c.node().attrs;
    tensors_ = c.input_count();
    if (a.has("axis")) {
      axis_ = a.get_int("axis", 0);
    } else if (const ConstTensor* t = c.constant(c.input_count() - 1);
               t && c.input_count() >= 2 && t->shape.empty() && !is_float(t->dtype)) {
      // 2.3+ Concat(tensors, axis): the axis arrives as the last input, a rank-0 integer (tensors have rank >= 1).
      axis_ = read_as_int(t->data, t->dtype, 0);
      tensors_ = c.input_count() - 1;
    }
    if (tensors_ < 1) id_.fail("needs at least one input");
  }
  int64_t axis(const Shape& s) const { return norm_axis(axis_, int64_t(s.size()), id_); }
  void infer(InferContext& ctx) const override {
    const ValueDesc& first = ctx.input(0);
    if (first.shape.empty()) id_.fail("cannot concatenate rank-0 tensors");
    int64_t ax = axis(first.shape);
    Shape out = first.shape;
    out[size_t(ax)] = 0;
    for (int i = 0; i < tensors_; ++i) {
      const ValueDesc& in = ctx.input(i);
      if (in.dtype != first.dtype) id_.fail("inputs differ in dtype");
      if (in.shape.size() != out.size()) id_.fail("inputs differ in rank: " + shape_str(first.shape) + " and " + shape_str(in.shape));
      for (size_t d = 0; d < out.size(); ++d)
        if (int64_t(d) != ax && in.shape[d] != first.shape[d])
          id_.fail("inputs differ off the axis: " + shape_str(first.shape) + " and " + shape_str(in.shape));
      out[size_t(ax)] += in.shape[size_t(ax)];
    }
    ctx.set_output(0, first.dtype, out);
  }
  void run(const RunContext& ctx) const override {
    const Shape& s0 = ctx.input(0).shape;
    int64_t ax = axis(s0);
    size_t es = dtype_size(ctx.input(0).dtype);
    int64_t outer = prod(s0, 0, size_t(ax)), inner = prod(s0, size_t(ax) + 1, s0.size());
    const Shape& os = ctx.output(0).shape;
    int64_t out_row = os[size_t(ax)] * inner * int64_t(es);
    auto* dst = static_cast<uint8_t*>(ctx.output(0).data);
    int64_t total = ctx.output(0).numel() * int64_t(es);
    auto copy_rows = [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; ++o) {
        uint8_t* d = dst + o * out_row;
        for (int i = 0; i < tensors_; ++i) {
          const TensorView& in = ctx.input(i);
          int64_t chunk = in.shape[size_t(ax)] * inner * int64_t(es);
          if (chunk > 0) std::memcpy(d, static_cast<const uint8_t*>(in.data) + o * chunk, size_t(chunk));
          d += chunk;
        }
      }
    };
    if (total < (1 << 18) || outer == 1) copy_rows(0, outer);
    else ctx.pool().parallel_for(outer, grain_for(out_row, 1 << 16), copy_rows);
  }

 private:
  NodeId id_;
  int64_t axis_ = 0;
  int tensors_ = 0;
};

// Split into equal parts (output_num) or SplitV by size_splits (one entry may be -1: the rest).
class SplitKernel : public Kernel {
 public:
  SplitKernel(LoadContext& c, bool v) : id_(c.node()), attrs_(c.node().attrs), v_(v), outputs_(int(c.node().outputs.size())) {}
  template <class Ctx>
  void sizes(const Ctx& c, const Shape& s, int64_t& ax, std::vector<int64_t>& out) const {
    ax = norm_axis(v_ ? param_int(attrs_, "split_dim", c, 2, 0) : param_int(attrs_, "axis", c, 1, 0), int64_t(s.size()), id_);
    int64_t dim = s[size_t(ax)];
    if (v_) {
      if (!param_ints(attrs_, "size_splits", c, 1, out)) id_.fail("needs size_splits");
      int64_t known = 0, unknown = -1;
      for (size_t i = 0; i < out.size(); ++i) {
        if (out[i] == -1 && unknown < 0) unknown = int64_t(i);
        else if (out[i] < 0) id_.fail("size_splits may hold one -1 and no other negative entry");
        else known += out[i];
      }
      if (unknown >= 0) out[size_t(unknown)] = dim - known;
      if ((unknown >= 0 && known > dim) || (unknown < 0 && known != dim))
        id_.fail("size_splits do not add up to " + std::to_string(dim));
    } else {
      int64_t n = param_int(attrs_, "output_num", c, 2, outputs_);
      if (n < 1 || dim % n != 0) id_.fail("cannot split " + std::to_string(dim) + " into " + std::to_string(n) + " equal parts");
      out.assign(size_t(n), dim / n);
    }
    if (int64_t(out.size()) != outputs_)
      id_.fail("splits into " + std::to_string(out.size()) + " parts but the node has " + std::to_string(outputs_) + " outputs");
  }
  void infer(InferContext& ctx) const override {
    const ValueDesc& x = ctx.input(0);
    if (x.shape.empty()) id_.fail("cannot split a rank-0 tensor");
    int64_t ax;
    std::vector<int64_t> parts;
    sizes(ctx, x.shape, ax, parts);
    for (size_t i = 0; i < parts.size(); ++i) {
      Shape o = x.shape;
      o[size_t(ax)] = parts[i];
      ctx.set_output(int(i), x.dtype, o);
    }
  }
  void run(const RunContext& ctx) const override {
    const TensorView& x = ctx.input(0);
    int64_t ax;
    std::vector<int64_t> parts;
    sizes(ctx, x.shape, ax, parts);
    size_t es = dtype_size(x.dtype);
    int64_t outer = prod(x.shape, 0, size_t(ax)), inner = prod(x.shape, size_t(ax) + 1, x.shape.size()) * int64_t(es);
    int64_t in_row = x.shape[size_t(ax)] * inner;
    const auto* src = static_cast<const uint8_t*>(x.data);
    auto copy_rows = [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; ++o) {
        const uint8_t* sp = src + o * in_row;
        for (size_t i = 0; i < parts.size(); ++i) {
          int64_t chunk = parts[i] * inner;
          if (chunk > 0) std::memcpy(static_cast<uint8_t*>(ctx.output(int(i)).data) + o * chunk, sp, size_t(chunk));
          sp += chunk;
        }
      }
    };
    if (x.bytes() < (1u << 18) || outer == 1) copy_rows(0, outer);
    else ctx.pool().parallel_for(outer, grain_for(in_row, 1 << 16), copy_rows);
  }

 private:
  NodeId id_;
  Attrs attrs_;
  bool v_;
  int outputs_;
};

MINDLET_KERNEL("Concat", [](LoadContext& c) { return std::make_unique<ConcatKernel>(c); });
MINDLET_KERNEL("Split", [](LoadContext& c) { return std::make_unique<SplitKernel>(c, false); });
MINDLET_KERNEL("SplitV", [](LoadContext& c) { return std::make_unique<SplitKernel>(c, true); });

}  // namespace
}  // namespace mindlet
