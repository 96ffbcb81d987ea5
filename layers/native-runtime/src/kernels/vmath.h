// Vectorized float math for elementwise kernels: exp with expf's overflow semantics and erf; AVX2 (8 lanes) on
// x86-64, the same polynomials on WebAssembly SIMD128 (4 lanes; multiply then add where AVX2 fuses them).
// The activations (sigmoid, tanh, GeLU...) come from gemm/vmath.h, shared with the GEMM epilogue.
// Accuracy: exp ≈1 ulp relative over [-86, 88.7] (+inf above, like expf); erf a few ulp (rational fit).
#pragma once
#if defined(__x86_64__)
#include <immintrin.h>
#elif defined(__wasm_simd128__)
#include <wasm_simd128.h>
#else
#error "mindlet's engine needs x86-64 (AVX2) or WebAssembly SIMD128"
#endif

#include <cmath>

namespace mindlet::vmath {

#if defined(__x86_64__)

inline __m256 exp8(__m256 x) {
  // Above 88.72 the result overflows float: return +inf like expf. Below -86 we flush gradually (|error| < 5e-38).
  __m256 overflow = _mm256_cmp_ps(x, _mm256_set1_ps(88.72283905206835f), _CMP_GT_OQ);
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-86.0f)), _mm256_set1_ps(88.72283905206835f));
  // exp(x) = 2^n * exp(r), n = round(x / ln2), r = x - n ln2 (ln2 split in two for precision).
  __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500E-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507E-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073E-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894E-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459E-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201E-1f));
  __m256 r2 = _mm256_mul_ps(r, r);
  p = _mm256_fmadd_ps(p, r2, _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  // 2^n built as 2 * 2^(n-1) so n = 128 still has a finite exponent field.
  __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(126)), 23);
  __m256 y = _mm256_mul_ps(_mm256_mul_ps(p, _mm256_castsi256_ps(e)), _mm256_set1_ps(2.0f));
  return _mm256_blendv_ps(y, _mm256_set1_ps(INFINITY), overflow);
}

// erf as x·P(x²)/Q(x²) on [-4, 4] (erf is ±1 in float beyond): a minimax rational fit, a few ulp.
inline __m256 erf8(__m256 x) {
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-4.0f)), _mm256_set1_ps(4.0f));
  __m256 x2 = _mm256_mul_ps(x, x);
  __m256 p = _mm256_set1_ps(-2.72614225801306e-10f);
  p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(2.77068142495902e-08f));
  p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(-2.10102402082508e-06f));
  p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(-5.69250639462346e-05f));
  p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(-7.34990630326855e-04f));
  p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(-2.95459980854025e-03f));
  p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(-1.60960333262415e-02f));
  p = _mm256_mul_ps(p, x);
  __m256 q = _mm256_set1_ps(-1.45660718464996e-05f);
  q = _mm256_fmadd_ps(q, x2, _mm256_set1_ps(-2.13374055278905e-04f));
  q = _mm256_fmadd_ps(q, x2, _mm256_set1_ps(-1.68282697438203e-03f));
  q = _mm256_fmadd_ps(q, x2, _mm256_set1_ps(-7.37332916720468e-03f));
  q = _mm256_fmadd_ps(q, x2, _mm256_set1_ps(-1.42647390514189e-02f));
  return _mm256_div_ps(p, q);
}

#else

namespace wasm {
inline v128_t fmadd(v128_t a, v128_t b, v128_t c) { return wasm_f32x4_add(wasm_f32x4_mul(a, b), c); }
inline v128_t fnmadd(v128_t a, v128_t b, v128_t c) { return wasm_f32x4_sub(c, wasm_f32x4_mul(a, b)); }
inline v128_t k(float v) { return wasm_f32x4_splat(v); }
// x86 minps/maxps operand order (see simd_wasm.h).
inline v128_t min(v128_t a, v128_t b) { return wasm_f32x4_pmin(b, a); }
inline v128_t max(v128_t a, v128_t b) { return wasm_f32x4_pmax(b, a); }
}  // namespace wasm

// exp8's method and constants, 4 lanes.
inline v128_t exp4(v128_t x) {
  using namespace wasm;
  const v128_t overflow = wasm_f32x4_gt(x, k(88.72283905206835f));
  x = min(max(x, k(-86.0f)), k(88.72283905206835f));
  const v128_t n = wasm_f32x4_nearest(wasm_f32x4_mul(x, k(1.44269504088896341f)));
  v128_t r = fnmadd(n, k(0.693359375f), x);
  r = fnmadd(n, k(-2.12194440e-4f), r);
  v128_t p = k(1.9875691500E-4f);
  p = fmadd(p, r, k(1.3981999507E-3f));
  p = fmadd(p, r, k(8.3334519073E-3f));
  p = fmadd(p, r, k(4.1665795894E-2f));
  p = fmadd(p, r, k(1.6666665459E-1f));
  p = fmadd(p, r, k(5.0000001201E-1f));
  const v128_t r2 = wasm_f32x4_mul(r, r);
  p = fmadd(p, r2, wasm_f32x4_add(r, k(1.0f)));
  const v128_t e = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(126)), 23);
  const v128_t y = wasm_f32x4_mul(wasm_f32x4_mul(p, e), k(2.0f));
  return wasm_v128_bitselect(k(INFINITY), y, overflow);
}

// erf8's rational fit, 4 lanes.
inline v128_t erf4(v128_t x) {
  using namespace wasm;
  x = min(max(x, k(-4.0f)), k(4.0f));
  const v128_t x2 = wasm_f32x4_mul(x, x);
  v128_t p = k(-2.72614225801306e-10f);
  p = fmadd(p, x2, k(2.77068142495902e-08f));
  p = fmadd(p, x2, k(-2.10102402082508e-06f));
  p = fmadd(p, x2, k(-5.69250639462346e-05f));
  p = fmadd(p, x2, k(-7.34990630326855e-04f));
  p = fmadd(p, x2, k(-2.95459980854025e-03f));
  p = fmadd(p, x2, k(-1.60960333262415e-02f));
  p = wasm_f32x4_mul(p, x);
  v128_t q = k(-1.45660718464996e-05f);
  q = fmadd(q, x2, k(-2.13374055278905e-04f));
  q = fmadd(q, x2, k(-1.68282697438203e-03f));
  q = fmadd(q, x2, k(-7.37332916720468e-03f));
  q = fmadd(q, x2, k(-1.42647390514189e-02f));
  return wasm_f32x4_div(p, q);
}

#endif

inline float gelu(float x) { return 0.5f * x * (1.0f + std::tanh(0.7978845608028654f * (x + 0.044715f * x * x * x))); }
// MindSpore's FastGeLU: x / (1 + exp(-1.702 |x|)) * exp(0.851 (x - |x|)).
inline float fast_gelu(float x) {
  float a = std::fabs(x);
  return x / (1.0f + std::exp(-1.702f * a)) * std::exp(0.851f * (x - a));
}
inline float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }
inline float hsigmoid(float x) { return std::fmin(std::fmax(x + 3.0f, 0.0f), 6.0f) / 6.0f; }

}  // namespace mindlet::vmath
