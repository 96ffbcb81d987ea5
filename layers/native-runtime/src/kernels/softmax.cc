// Softmax and LogSoftmax over one axis (MindSpore's Softmax axis is a tuple; one entry is supported), float32.
// The last axis runs per contiguous row with vector exp (AVX2, or SIMD128 in the WebAssembly build); other axes
// run 8 columns at a time over strided rows.
#include "kernels/common.h"

namespace mindlet {
namespace {

using namespace kern;

#if defined(__x86_64__)
// y = exp(x - max) / sum, or x - max - log(sum) for log; row of n contiguous floats.
void softmax_row(const float* x, float* y, int64_t n, bool log) {
  float m = max_f32(x, n);
  __m256 vm = _mm256_set1_ps(m), acc = _mm256_setzero_ps();
  int64_t i = 0;
  if (log) {
    for (; i + 8 <= n; i += 8) acc = _mm256_add_ps(acc, exp256(_mm256_sub_ps(_mm256_loadu_ps(x + i), vm)));
    float s = hsum256(acc);
    for (; i < n; ++i) s += std::exp(x[i] - m);
    float shift = m + std::log(s);
    for (int64_t k = 0; k < n; ++k) y[k] = x[k] - shift;
    return;
  }
  for (; i + 8 <= n; i += 8) {
    __m256 e = exp256(_mm256_sub_ps(_mm256_loadu_ps(x + i), vm));
    _mm256_storeu_ps(y + i, e);
    acc = _mm256_add_ps(acc, e);
  }
  float s = hsum256(acc);
  for (; i < n; ++i) s += (y[i] = std::exp(x[i] - m));
  float inv = 1.f / s;
  for (int64_t k = 0; k < n; ++k) y[k] *= inv;
}

// Softmax along a strided axis: x[r * stride + c] for r < len, columns c0..c0+8 (masked tail done scalar).
void softmax_cols8(const float* x, float* y, int64_t len, int64_t stride, bool log) {
  __m256 m = _mm256_loadu_ps(x);
  for (int64_t r = 1; r < len; ++r) m = _mm256_max_ps(m, _mm256_loadu_ps(x + r * stride));
  __m256 s = _mm256_setzero_ps();
  for (int64_t r = 0; r < len; ++r) {
    __m256 e = exp256(_mm256_sub_ps(_mm256_loadu_ps(x + r * stride), m));
    if (!log) _mm256_storeu_ps(y + r * stride, e);
    s = _mm256_add_ps(s, e);
  }
  if (log) {
    alignas(32) float sv[8], mv[8];
    _mm256_store_ps(sv, s);
    _mm256_store_ps(mv, m);
    for (int k = 0; k < 8; ++k) mv[k] += std::log(sv[k]);
    __m256 shift = _mm256_load_ps(mv);
    for (int64_t r = 0; r < len; ++r) _mm256_storeu_ps(y + r * stride, _mm256_sub_ps(_mm256_loadu_ps(x + r * stride), shift));
    return;
  }
  __m256 inv = _mm256_div_ps(_mm256_set1_ps(1.f), s);
  for (int64_t r = 0; r < len; ++r) _mm256_storeu_ps(y + r * stride, _mm256_mul_ps(_mm256_loadu_ps(y + r * stride), inv));
}

#elif defined(__wasm_simd128__)
// softmax_row above with 4-lane vectors.
void softmax_row(const float* x, float* y, int64_t n, bool log) {
  float m = max_f32(x, n);
  v128_t vm = wasm_f32x4_splat(m), acc = wasm_f32x4_const_splat(0.f);
  int64_t i = 0;
  if (log) {
    for (; i + 4 <= n; i += 4) acc = wasm_f32x4_add(acc, exp128(wasm_f32x4_sub(wasm_v128_load(x + i), vm)));
    float s = hsum128(acc);
    for (; i < n; ++i) s += std::exp(x[i] - m);
    float shift = m + std::log(s);
    for (int64_t k = 0; k < n; ++k) y[k] = x[k] - shift;
    return;
  }
  for (; i + 4 <= n; i += 4) {
    v128_t e = exp128(wasm_f32x4_sub(wasm_v128_load(x + i), vm));
    wasm_v128_store(y + i, e);
    acc = wasm_f32x4_add(acc, e);
  }
  float s = hsum128(acc);
  for (; i < n; ++i) s += (y[i] = std::exp(x[i] - m));
  float inv = 1.f / s;
  for (int64_t k = 0; k < n; ++k) y[k] *= inv;
}

// softmax_cols8 above for 4 columns.
void softmax_cols4(const float* x, float* y, int64_t len, int64_t stride, bool log) {
  v128_t m = wasm_v128_load(x);
  for (int64_t r = 1; r < len; ++r) m = max128(m, wasm_v128_load(x + r * stride));
  v128_t s = wasm_f32x4_const_splat(0.f);
  for (int64_t r = 0; r < len; ++r) {
    v128_t e = exp128(wasm_f32x4_sub(wasm_v128_load(x + r * stride), m));
    if (!log) wasm_v128_store(y + r * stride, e);
    s = wasm_f32x4_add(s, e);
  }
  if (log) {
    alignas(16) float sv[4], mv[4];
    wasm_v128_store(sv, s);
    wasm_v128_store(mv, m);
    for (int k = 0; k < 4; ++k) mv[k] += std::log(sv[k]);
    v128_t shift = wasm_v128_load(mv);
    for (int64_t r = 0; r < len; ++r) wasm_v128_store(y + r * stride, wasm_f32x4_sub(wasm_v128_load(x + r * stride), shift));
    return;
  }
  v128_t inv = wasm_f32x4_div(wasm_f32x4_splat(1.f), s);
  for (int64_t r = 0; r < len; ++r) wasm_v128_store(y + r * stride, wasm_f32x4_mul(wasm_v128_load(y + r * stride), inv));
}

void softmax_cols8(const float* x, float* y, int64_t len, int64_t stride, bool log) {
  softmax_cols4(x, y, len, stride, log);
  softmax_cols4(x + 4, y + 4, len, stride, log);
}
#endif

void softmax_col1(const float* x, float* y, int64_t len, int64_t stride, bool log) {
  float m = x[0];
  for (int64_t r = 1; r < len; ++r) m = std::max(m, x[r * stride]);
  float s = 0;
  for (int64_t r = 0; r < len; ++r) s += std::exp(x[r * stride] - m);
  if (log) {
    float shift = m + std::log(s);
    for (int64_t r = 0; r < len; ++r) y[r * stride] = x[r * stride] - shift;
  } else {
    float inv = 1.f / s;
    for (int64_t r = 0; r < len; ++r) y[r * stride] = std::exp(x[r * stride] - m) * inv;
  }
}

class SoftmaxKernel : public Kernel {
 public:
  SoftmaxKernel(LoadContext& c, bool log) : id_(c.node()), attrs_(c.node().attrs), log_(log) {}
  template <class Ctx>
  int64_t axis(const Ctx& c, const Shape& s) const {
    std::vector<int64_t> axes;
    if (!param_ints(attrs_, "axis", c, 1, axes) || axes.empty()) axes = {-1};
    if (axes.size() != 1) id_.unsupported("supports one axis only");
    return norm_axis(axes[0], int64_t(s.size()), id_);
  }
  void infer(InferContext& ctx) const override {
    const ValueDesc& x = ctx.input(0);
    if (x.dtype != DType::F32) id_.unsupported("supports float32 only");
    axis(ctx, x.shape);
    ctx.set_output(0, x.dtype, x.shape);
  }
  void run(const RunContext& ctx) const override {
    const Shape& s = ctx.input(0).shape;
    if (ctx.input(0).numel() == 0) return;
    int64_t a = s.empty() ? 0 : axis(ctx, s);
    int64_t outer = prod(s, 0, size_t(a)), len = s.empty() ? 1 : s[size_t(a)], inner = prod(s, size_t(a) + 1, s.size());
    const float* x = ctx.input(0).as<float>();
    float* y = ctx.output(0).as<float>();
    bool log = log_;
    if (inner == 1) {
      ctx.pool().parallel_for(outer, grain_for(len * 8), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) softmax_row(x + r * len, y + r * len, len, log);
      });
      return;
    }
    int64_t groups = (inner + 7) / 8;
    ctx.pool().parallel_for(outer * groups, grain_for(len * 64), [&](int64_t g0, int64_t g1) {
      for (int64_t g = g0; g < g1; ++g) {
        int64_t o = g / groups, c0 = (g % groups) * 8;
        const float* xs = x + o * len * inner;
        float* ys = y + o * len * inner;
        if (c0 + 8 <= inner) softmax_cols8(xs + c0, ys + c0, len, inner, log);
        else
          for (int64_t c = c0; c < inner; ++c) softmax_col1(xs + c, ys + c, len, inner, log);
      }
    });
  }

 private:
  NodeId id_;
  Attrs attrs_;
  bool log_;
};

MINDLET_KERNEL("Softmax", [](LoadContext& c) { return std::make_unique<SoftmaxKernel>(c, false); });
MINDLET_KERNEL("LogSoftmax", [](LoadContext& c) { return std::make_unique<SoftmaxKernel>(c, true); });

}  // namespace
}  // namespace mindlet
