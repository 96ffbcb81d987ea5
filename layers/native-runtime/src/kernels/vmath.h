// Vectorized float math (AVX2, 8 lanes) shared by elementwise kernels: exp, and the activations built on it.
// Accuracy: exp has ≈1 ulp relative error over [-87, 88]; erf ≈1.5e-7 absolute (Abramowitz & Stegun 7.1.26),
// which keeps GeLU within 1e-6 relative of the erf formula where it matters.
#pragma once
#include <immintrin.h>

#include <cmath>

namespace mindlet::vmath {

inline __m256 exp8(__m256 x) {
  const __m256 hi = _mm256_set1_ps(88.3762626647949f), lo = _mm256_set1_ps(-88.3762626647949f);
  x = _mm256_min_ps(_mm256_max_ps(x, lo), hi);
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
  __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

inline __m256 sigmoid8(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.0f);
  return _mm256_div_ps(one, _mm256_add_ps(one, exp8(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}

// tanh(x) = 1 - 2 / (exp(2x) + 1); saturates correctly at both ends because exp8 clamps.
inline __m256 tanh8(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.0f), two = _mm256_set1_ps(2.0f);
  __m256 e = exp8(_mm256_mul_ps(x, two));
  return _mm256_sub_ps(one, _mm256_div_ps(two, _mm256_add_ps(e, one)));
}

inline __m256 erf8(__m256 x) {
  const __m256 sign_mask = _mm256_set1_ps(-0.0f);
  __m256 sign = _mm256_and_ps(x, sign_mask);
  __m256 a = _mm256_andnot_ps(sign_mask, x);
  __m256 t = _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_fmadd_ps(_mm256_set1_ps(0.3275911f), a, _mm256_set1_ps(1.0f)));
  __m256 y = _mm256_set1_ps(1.061405429f);
  y = _mm256_fmadd_ps(y, t, _mm256_set1_ps(-1.453152027f));
  y = _mm256_fmadd_ps(y, t, _mm256_set1_ps(1.421413741f));
  y = _mm256_fmadd_ps(y, t, _mm256_set1_ps(-0.284496736f));
  y = _mm256_fmadd_ps(y, t, _mm256_set1_ps(0.254829592f));
  y = _mm256_mul_ps(y, t);
  __m256 e = exp8(_mm256_sub_ps(_mm256_setzero_ps(), _mm256_mul_ps(a, a)));
  __m256 r = _mm256_fnmadd_ps(y, e, _mm256_set1_ps(1.0f));
  return _mm256_or_ps(r, sign);
}

// GeLU, erf form: x/2 (1 + erf(x/√2)).
inline __m256 gelu8(__m256 x) {
  __m256 e = erf8(_mm256_mul_ps(x, _mm256_set1_ps(0.70710678118654752f)));
  return _mm256_mul_ps(_mm256_mul_ps(x, _mm256_set1_ps(0.5f)), _mm256_add_ps(e, _mm256_set1_ps(1.0f)));
}

inline float gelu(float x) { return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f)); }
// MindSpore's FastGeLU: x / (1 + exp(-1.702 |x|)) * exp(0.851 (x - |x|)).
inline float fast_gelu(float x) {
  float a = std::fabs(x);
  return x / (1.0f + std::exp(-1.702f * a)) * std::exp(0.851f * (x - a));
}
inline float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }
inline float hsigmoid(float x) { return std::fmin(std::fmax(x + 3.0f, 0.0f), 6.0f) / 6.0f; }

}  // namespace mindlet::vmath
