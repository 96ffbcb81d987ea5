// Gather / GatherV2 (params, indices int32/int64, axis from input 2 or attribute; batch_dims), any dtype.
// An index outside [0, dim) is an error at run time (MindSpore's CPU kernel writes zeros; ONNX wraps negatives).
#include "kernels/common.h"

namespace mindlet {
namespace {

using namespace kern;

class GatherKernel : public Kernel {
 public:
  explicit GatherKernel(LoadContext& c) : id_(c.node()), attrs_(c.node().attrs) {}
  struct Dims {
    int64_t batch, outer, dim, nidx, inner;
    Shape out;
  };
  template <class Ctx>
  Dims dims(const Ctx& c, const Shape& ps, const Shape& is) const {
    int64_t prank = int64_t(ps.size()), irank = int64_t(is.size());
    int64_t axis = norm_axis(param_int(attrs_, "axis", c, 2, 0), prank, id_);
    int64_t bd = param_int(attrs_, "batch_dims", c, 3, 0);
    if (bd < 0) bd += irank;
    if (bd < 0 || bd > irank || bd > axis) id_.fail("batch_dims " + std::to_string(bd) + " is out of range");
    for (int64_t i = 0; i < bd; ++i)
      if (ps[size_t(i)] != is[size_t(i)]) id_.fail("params and indices differ in batch dims: " + shape_str(ps) + " and " + shape_str(is));
    if (prank == 0) id_.fail("params must have rank >= 1");
    Dims d{prod(ps, 0, size_t(bd)), prod(ps, size_t(bd), size_t(axis)), ps[size_t(axis)], prod(is, size_t(bd), is.size()),
           prod(ps, size_t(axis) + 1, ps.size()), {}};
    d.out.assign(ps.begin(), ps.begin() + axis);
    d.out.insert(d.out.end(), is.begin() + bd, is.end());
    d.out.insert(d.out.end(), ps.begin() + axis + 1, ps.end());
    return d;
  }
  void infer(InferContext& ctx) const override {
    const ValueDesc& p = ctx.input(0);
    const ValueDesc& i = ctx.input(1);
    if (i.dtype != DType::I32 && i.dtype != DType::I64) id_.unsupported(std::string("indices must be int32 or int64, got ") + dtype_name(i.dtype));
    ctx.set_output(0, p.dtype, dims(ctx, p.shape, i.shape).out);
  }
  void run(const RunContext& ctx) const override {
    const TensorView& p = ctx.input(0);
    const TensorView& iv = ctx.input(1);
    Dims d = dims(ctx, p.shape, iv.shape);
    size_t es = dtype_size(p.dtype);
    int64_t row = d.inner * int64_t(es);
    // Check every index first so a bad one fails before any output is written.
    int64_t nall = iv.numel();
    for (int64_t k = 0; k < nall; ++k) {
      int64_t v = iv.dtype == DType::I64 ? iv.as<int64_t>()[k] : iv.as<int32_t>()[k];
      if (v < 0 || v >= d.dim)
        id_.fail("index " + std::to_string(v) + " is out of range [0, " + std::to_string(d.dim) + ") on axis of size " + std::to_string(d.dim));
    }
    const auto* src = static_cast<const uint8_t*>(p.data);
    auto* dst = static_cast<uint8_t*>(ctx.output(0).data);
    int64_t jobs = d.batch * d.outer * d.nidx;
    auto body = [&](int64_t a, int64_t b) {
      for (int64_t j = a; j < b; ++j) {
        int64_t k = j % d.nidx, bo = j / d.nidx, o = bo % d.outer, bt = bo / d.outer;
        int64_t ii = bt * d.nidx + k;
        int64_t v = iv.dtype == DType::I64 ? iv.as<int64_t>()[ii] : iv.as<int32_t>()[ii];
        const uint8_t* s = src + ((bt * d.outer + o) * d.dim + v) * row;
        uint8_t* t = dst + j * row;
        if (es == 4 && d.inner == 1) *reinterpret_cast<uint32_t*>(t) = *reinterpret_cast<const uint32_t*>(s);
        else std::memcpy(t, s, size_t(row));
      }
    };
    if (row == 0) return;
    if (jobs * row < (1 << 18)) body(0, jobs);
    else ctx.pool().parallel_for(jobs, grain_for(row, 1 << 16), body);
  }

 private:
  NodeId id_;
  Attrs attrs_;
};

MINDLET_KERNEL("Gather", [](LoadContext& c) { return std::make_unique<GatherKernel>(c); });
MINDLET_KERNEL("GatherV2", [](LoadContext& c) { return std::make_unique<GatherKernel>(c); });

}  // namespace
}  // namespace mindlet
