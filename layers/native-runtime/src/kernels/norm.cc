// BatchNorm (inference), LayerNorm, L2Normalize and PReLU, float32.
#include "kernels/common.h"

namespace mindlet {
namespace {

using namespace kern;

bool channels_last(const Attrs& a) {
  for (const char* k : {"data_format", "format"}) {
    const Attr* f = a.find(k);
    if (!f || f->kind == Attr::Kind::None) continue;
    if (f->kind == Attr::Kind::String) return f->str == "NHWC";
    return a.get_int(k, 0) == 1;  // MindSpore Format enum: NCHW 0, NHWC 1
  }
  return false;
}

// BatchNorm(x, scale, bias, mean, variance) in inference mode: y = (x - mean) * scale / sqrt(var + eps) + bias.
// MindSpore's 5 outputs: y, batch_mean, batch_variance, reserve_space_1, reserve_space_2 (the last 4 are [C]);
// here they carry the moving mean and variance.
class BatchNormKernel : public Kernel {
 public:
  explicit BatchNormKernel(LoadContext& c) : id_(c.node()) {
    const Attrs& a = c.node().attrs;
    if (a.get_bool("is_training", false)) id_.unsupported("is_training=True is not supported for inference");
    eps_ = a.get_float("epsilon", 1e-5);
    nhwc_ = channels_last(a);
    if (c.input_count() < 5) id_.fail("expects 5 inputs (x, scale, bias, mean, variance)");
  }
  int64_t channels(const Shape& s) const {
    if (s.size() < 2) id_.fail("expects rank >= 2, got " + shape_str(s));
    return nhwc_ ? s.back() : s[1];
  }
  void infer(InferContext& ctx) const override {
    const ValueDesc& x = ctx.input(0);
    if (x.dtype != DType::F32) id_.unsupported("supports float32 only");
    int64_t ch = channels(x.shape);
    for (int i = 1; i < 5; ++i) {
      const ValueDesc& p = ctx.input(i);
      if (p.dtype != DType::F32 || p.numel() != ch)
        id_.fail("parameter " + std::to_string(i) + " must be float32 with " + std::to_string(ch) + " elements, got " +
                 shape_str(p.shape));
    }
    ctx.set_output(0, x.dtype, x.shape);
    for (size_t i = 1; i < ctx.node().outputs.size() && i < 5; ++i) ctx.set_output(int(i), DType::F32, {ch});
    ctx.request_scratch(size_t(2 * ch) * sizeof(float));
  }
  void run(const RunContext& ctx) const override {
    const TensorView& xv = ctx.input(0);
    int64_t ch = channels(xv.shape);
    float* a = static_cast<float*>(ctx.scratch());
    float* b = a + ch;
    const float *scale = ctx.input(1).as<float>(), *bias = ctx.input(2).as<float>(),
                *mean = ctx.input(3).as<float>(), *var = ctx.input(4).as<float>();
    for (int64_t c = 0; c < ch; ++c) {
      a[c] = scale[c] / std::sqrt(var[c] + float(eps_));
      b[c] = bias[c] - mean[c] * a[c];
    }
    const float* x = xv.as<float>();
    float* y = ctx.output(0).as<float>();
    int64_t n = xv.numel();
    if (nhwc_) {
      int64_t rows = n / std::max<int64_t>(ch, 1);
      ctx.pool().parallel_for(rows, grain_for(ch), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r)
          for (int64_t c = 0; c < ch; ++c) y[r * ch + c] = x[r * ch + c] * a[c] + b[c];
      });
    } else {
      int64_t inner = prod(xv.shape, 2, xv.shape.size());
      int64_t planes = n / std::max<int64_t>(inner, 1);
      ctx.pool().parallel_for(planes, grain_for(inner), [&](int64_t p0, int64_t p1) {
        for (int64_t p = p0; p < p1; ++p) {
          float s = a[p % ch], t = b[p % ch];
          const float* xp = x + p * inner;
          float* yp = y + p * inner;
          for (int64_t i = 0; i < inner; ++i) yp[i] = xp[i] * s + t;
        }
      });
    }
    for (int i = 1; i < 5 && size_t(i) < ctx_outputs_; ++i)
      if (ctx.output(i).data) std::memcpy(ctx.output(i).data, (i % 2 ? mean : var), size_t(ch) * 4);
  }
  void set_outputs(size_t n) { ctx_outputs_ = n; }

 private:
  NodeId id_;
  double eps_;
  bool nhwc_;
  size_t ctx_outputs_ = 1;
};

// LayerNorm(x, gamma, beta): normalizes over dims >= begin_norm_axis; gamma/beta cover dims >= begin_params_axis.
// Outputs y, mean, variance; mean/variance keep the leading dims and have 1 for each normalized dim.
class LayerNormKernel : public Kernel {
 public:
  explicit LayerNormKernel(LoadContext& c) : id_(c.node()), attrs_(c.node().attrs), outputs_(c.node().outputs.size()) {}
  struct Dims {
    int64_t rows, d, params;
    Shape stats;
    double eps;
  };
  template <class Ctx>
  Dims dims(const Ctx& c, const Shape& s, int64_t gamma_n) const {
    int64_t rank = int64_t(s.size());
    int64_t b = norm_axis(param_int(attrs_, "begin_norm_axis", c, 3, 1), rank, id_);
    int64_t bp = norm_axis(param_int(attrs_, "begin_params_axis", c, 4, 1), rank, id_);
    Dims d{prod(s, 0, size_t(b)), prod(s, size_t(b), s.size()), prod(s, size_t(bp), s.size()), {}, 0};
    d.eps = param_float(attrs_, "epsilon", c, 5, 1e-7);
    if (gamma_n != d.params && gamma_n != d.d)
      id_.fail("gamma/beta have " + std::to_string(gamma_n) + " elements; expected " + std::to_string(d.params));
    d.params = gamma_n;
    for (int64_t i = 0; i < rank; ++i) d.stats.push_back(i < b ? s[size_t(i)] : 1);
    return d;
  }
  void infer(InferContext& ctx) const override {
    const ValueDesc& x = ctx.input(0);
    if (x.dtype != DType::F32) id_.unsupported("supports float32 only");
    if (ctx.input(1).numel() != ctx.input(2).numel()) id_.fail("gamma and beta differ in size");
    Dims d = dims(ctx, x.shape, ctx.input(1).numel());
    ctx.set_output(0, x.dtype, x.shape);
    for (size_t i = 1; i < outputs_ && i < 3; ++i) ctx.set_output(int(i), x.dtype, d.stats);
  }
  void run(const RunContext& ctx) const override {
    const TensorView& xv = ctx.input(0);
    Dims d = dims(ctx, xv.shape, ctx.input(1).numel());
    const float* x = xv.as<float>();
    const float *g = ctx.input(1).as<float>(), *be = ctx.input(2).as<float>();
    float* y = ctx.output(0).as<float>();
    // Unused statistics outputs may have no buffer.
    float* mo = outputs_ > 1 ? ctx.output(1).as<float>() : nullptr;
    float* vo = outputs_ > 2 ? ctx.output(2).as<float>() : nullptr;
    int64_t D = d.d;
    float eps = float(d.eps);
    ctx.pool().parallel_for(d.rows, grain_for(D * 4), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const float* xr = x + r * D;
        float* yr = y + r * D;
        float mean = D ? sum_f32(xr, D) / float(D) : 0.f;
        // Two-pass variance: exact for rows with a large mean, unlike E[x^2] - mean^2.
#if defined(__x86_64__)
        __m256 vm = _mm256_set1_ps(mean), acc = _mm256_setzero_ps();
        int64_t i = 0;
        for (; i + 8 <= D; i += 8) {
          __m256 t = _mm256_sub_ps(_mm256_loadu_ps(xr + i), vm);
          acc = _mm256_fmadd_ps(t, t, acc);
        }
        float var = hsum256(acc);
#else
        v128_t vm = wasm_f32x4_splat(mean), acc = wasm_f32x4_const_splat(0.f);
        int64_t i = 0;
        for (; i + 4 <= D; i += 4) {
          v128_t t = wasm_f32x4_sub(wasm_v128_load(xr + i), vm);
          acc = wasm_f32x4_add(wasm_f32x4_mul(t, t), acc);
        }
        float var = hsum128(acc);
#endif
        for (; i < D; ++i) var += (xr[i] - mean) * (xr[i] - mean);
        var = D ? var / float(D) : 0.f;
        float inv = 1.f / std::sqrt(var + eps);
        if (d.params == D) {
          for (int64_t k = 0; k < D; ++k) yr[k] = (xr[k] - mean) * inv * g[k] + be[k];
        } else {
          for (int64_t k = 0; k < D; ++k) {
            int64_t p = (r * D + k) % d.params;
            yr[k] = (xr[k] - mean) * inv * g[p] + be[p];
          }
        }
        if (mo) mo[r] = mean;
        if (vo) vo[r] = var;
      }
    });
  }

 private:
  NodeId id_;
  Attrs attrs_;
  size_t outputs_;
};

// L2Normalize: x / sqrt(max(sum(x^2 over axis), epsilon)) (MindSpore clamps the squared sum, not the norm).
class L2NormalizeKernel : public Kernel {
 public:
  explicit L2NormalizeKernel(LoadContext& c) : id_(c.node()) {
    std::vector<int64_t> axes = c.node().attrs.get_ints("axis");
    axis_ = axes.empty() ? 0 : axes[0];
    if (axes.size() > 1) id_.unsupported("supports one axis only");
    eps_ = float(c.node().attrs.get_float("epsilon", 1e-4));
  }
  void infer(InferContext& ctx) const override {
    const ValueDesc& x = ctx.input(0);
    if (x.dtype != DType::F32) id_.unsupported("supports float32 only");
    norm_axis(axis_, int64_t(x.shape.size()), id_);
    ctx.set_output(0, x.dtype, x.shape);
  }
  void run(const RunContext& ctx) const override {
    const Shape& s = ctx.input(0).shape;
    int64_t a = norm_axis(axis_, int64_t(s.size()), id_);
    int64_t outer = prod(s, 0, size_t(a)), len = s.empty() ? 1 : s[size_t(a)], inner = prod(s, size_t(a) + 1, s.size());
    const float* x = ctx.input(0).as<float>();
    float* y = ctx.output(0).as<float>();
    ctx.pool().parallel_for(outer * inner, grain_for(len), [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) {
        int64_t o = i / inner, k = i % inner;
        const float* p = x + o * len * inner + k;
        float ss = 0;
        for (int64_t j = 0; j < len; ++j) ss += p[j * inner] * p[j * inner];
        float inv = 1.f / std::sqrt(std::max(ss, eps_));
        for (int64_t j = 0; j < len; ++j) y[o * len * inner + k + j * inner] = p[j * inner] * inv;
      }
    });
  }

 private:
  NodeId id_;
  int64_t axis_;
  float eps_;
};

// PReLU(x, weight): weight has one slope per channel (dim 1) or a single slope.
class PReLUKernel : public Kernel {
 public:
  explicit PReLUKernel(LoadContext& c) : id_(c.node()) {}
  void infer(InferContext& ctx) const override {
    const ValueDesc& x = ctx.input(0);
    const ValueDesc& w = ctx.input(1);
    if (x.dtype != DType::F32 || w.dtype != DType::F32) id_.unsupported("supports float32 only");
    int64_t ch = x.shape.size() >= 2 ? x.shape[1] : 1;
    if (w.numel() != 1 && w.numel() != ch) id_.fail("weight must have 1 or " + std::to_string(ch) + " elements");
    ctx.set_output(0, x.dtype, x.shape);
  }
  void run(const RunContext& ctx) const override {
    const TensorView& xv = ctx.input(0);
    const float* x = xv.as<float>();
    const float* w = ctx.input(1).as<float>();
    float* y = ctx.output(0).as<float>();
    int64_t ch = xv.shape.size() >= 2 ? xv.shape[1] : 1;
    int64_t inner = prod(xv.shape, 2, xv.shape.size());
    bool shared = ctx.input(1).numel() == 1;
    int64_t planes = xv.numel() / std::max<int64_t>(1, inner);
    ctx.pool().parallel_for(planes, grain_for(inner), [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; ++p) {
        float s = shared ? w[0] : w[p % ch];
        for (int64_t i = 0; i < inner; ++i) {
          float v = x[p * inner + i];
          y[p * inner + i] = v > 0 ? v : v * s;
        }
      }
    });
  }

 private:
  NodeId id_;
};

MINDLET_KERNEL("BatchNorm", [](LoadContext& c) {
  auto k = std::make_unique<BatchNormKernel>(c);
  k->set_outputs(c.node().outputs.size());
  return k;
});
MINDLET_KERNEL("LayerNorm", [](LoadContext& c) { return std::make_unique<LayerNormKernel>(c); });
MINDLET_KERNEL("L2Normalize", [](LoadContext& c) { return std::make_unique<L2NormalizeKernel>(c); });
MINDLET_KERNEL("PReLU", [](LoadContext& c) { return std::make_unique<PReLUKernel>(c); });

}  // namespace
}  // namespace mindlet
