// Range(start, limit, delta) and TopK(x, k) along the last axis (values, int32 indices; sorted descending,
// ties keep the lower index).
#include "kernels/common.h"

namespace mindlet {
namespace {

using namespace kern;

class RangeKernel : public Kernel {
 public:
  explicit RangeKernel(LoadContext& c) : id_(c.node()) {
    if (c.input_count() < 3) id_.fail("expects inputs (start, limit, delta)");
  }
  template <class Ctx>
  int64_t count(const Ctx& c, double& start, double& delta) const {
    InputData s = input_data(c, 0), l = input_data(c, 1), d = input_data(c, 2);
    if (!s.data || !l.data || !d.data) id_.unsupported("start, limit and delta must be known before running");
    start = read_as_double(s.data, s.dtype, 0), delta = read_as_double(d.data, d.dtype, 0);
    double limit = read_as_double(l.data, l.dtype, 0);
    if (delta == 0) id_.fail("delta must not be 0");
    double n = std::ceil((limit - start) / delta);
    if (!is_float(s.dtype)) {
      int64_t a = int64_t(start), b = int64_t(limit), dd = int64_t(delta);
      n = double(dd > 0 ? (b - a + dd - 1) / dd : (a - b - dd - 1) / -dd);
    }
    return std::max<int64_t>(0, int64_t(n));
  }
  void infer(InferContext& ctx) const override {
    double s, d;
    ctx.set_output(0, ctx.input(0).dtype, {count(ctx, s, d)});
  }
  void run(const RunContext& ctx) const override {
    double s, d;
    int64_t n = count(ctx, s, d);
    const TensorView& y = ctx.output(0);
    if (y.dtype == DType::I64) {
      int64_t a = int64_t(s), dd = int64_t(d);
      for (int64_t i = 0; i < n; ++i) y.as<int64_t>()[i] = a + i * dd;
    } else if (y.dtype == DType::I32) {
      int64_t a = int64_t(s), dd = int64_t(d);
      for (int64_t i = 0; i < n; ++i) y.as<int32_t>()[i] = int32_t(a + i * dd);
    } else {
      for (int64_t i = 0; i < n; ++i) write_from_double(y.data, y.dtype, i, s + double(i) * d);
    }
  }

 private:
  NodeId id_;
};

class TopKKernel : public Kernel {
 public:
  explicit TopKKernel(LoadContext& c) : id_(c.node()), attrs_(c.node().attrs) {}
  template <class Ctx>
  int64_t k_of(const Ctx& c, const Shape& s) const {
    if (s.empty()) id_.fail("expects rank >= 1");
    int64_t k = param_int(attrs_, "k", c, 1, -1);
    if (k < 0 || k > s.back()) id_.fail("k " + std::to_string(k) + " is out of range for last dim " + std::to_string(s.back()));
    return k;
  }
  void infer(InferContext& ctx) const override {
    const ValueDesc& x = ctx.input(0);
    if (x.dtype != DType::F32) id_.unsupported("supports float32 only");
    Shape o = x.shape;
    o.back() = k_of(ctx, x.shape);
    ctx.set_output(0, x.dtype, o);
    if (ctx.node().outputs.size() > 1) ctx.set_output(1, DType::I32, o);
    ctx.request_scratch(size_t(x.numel()) * sizeof(int32_t));
  }
  void run(const RunContext& ctx) const override {
    const TensorView& xv = ctx.input(0);
    int64_t k = k_of(ctx, xv.shape), n = xv.shape.back(), rows = n ? xv.numel() / n : 0;
    const float* x = xv.as<float>();
    float* vals = ctx.output(0).as<float>();
    int32_t* idx = two_ ? ctx.output(1).as<int32_t>() : nullptr;
    auto* scratch = static_cast<int32_t*>(ctx.scratch());
    ctx.pool().parallel_for(rows, grain_for(n * 8), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const float* xr = x + r * n;
        int32_t* order = scratch + r * n;
        for (int64_t i = 0; i < n; ++i) order[i] = int32_t(i);
        std::partial_sort(order, order + k, order + n, [&](int32_t a, int32_t b) {
          return xr[a] > xr[b] || (xr[a] == xr[b] && a < b);
        });
        for (int64_t i = 0; i < k; ++i) {
          vals[r * k + i] = xr[order[i]];
          if (idx) idx[r * k + i] = order[i];
        }
      }
    });
  }
  void set_two(bool t) { two_ = t; }

 private:
  NodeId id_;
  Attrs attrs_;
  bool two_ = false;
};

MINDLET_KERNEL("Range", [](LoadContext& c) { return std::make_unique<RangeKernel>(c); });
MINDLET_KERNEL("TopK", [](LoadContext& c) {
  auto k = std::make_unique<TopKKernel>(c);
  k->set_two(c.node().outputs.size() > 1);
  return k;
});

}  // namespace
}  // namespace mindlet
