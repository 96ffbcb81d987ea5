// 16-lane float vector operations (AVX-512F); include only from *_avx512.cc files after their target pragma.
#pragma once
#include <immintrin.h>

#include <cstdint>

namespace mindlet::simd {

struct VecAvx512 {
  using T = __m512;
  using M = __mmask16;
  static constexpr int W = 16;
  static inline T zero() { return _mm512_setzero_ps(); }
  static inline T set1(float v) { return _mm512_set1_ps(v); }
  static inline T load(const float* p) { return _mm512_loadu_ps(p); }
  static inline void store(float* p, T v) { _mm512_storeu_ps(p, v); }
  static inline M mask(int n) { return M((1u << n) - 1u); }
  static inline M mask_range(int a, int b) { return M(((1u << b) - 1u) & ~((1u << a) - 1u)); }
  static inline T load_mask(const float* p, M m) { return _mm512_maskz_loadu_ps(m, p); }
  static inline void store_mask(float* p, M m, T v) { _mm512_mask_storeu_ps(p, m, v); }
  static inline T fmadd(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }
  static inline T fnmadd(T a, T b, T c) { return _mm512_fnmadd_ps(a, b, c); }
  static inline T add(T a, T b) { return _mm512_add_ps(a, b); }
  static inline T sub(T a, T b) { return _mm512_sub_ps(a, b); }
  static inline T mul(T a, T b) { return _mm512_mul_ps(a, b); }
  static inline T div(T a, T b) { return _mm512_div_ps(a, b); }
  static inline T max(T a, T b) { return _mm512_max_ps(a, b); }
  static inline T min(T a, T b) { return _mm512_min_ps(a, b); }
  static inline T abs(T a) { return _mm512_abs_ps(a); }
  static inline T round(T a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static inline T pow2i(T n) {
    __m512i i = _mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127));
    return _mm512_castsi512_ps(_mm512_slli_epi32(i, 23));
  }
  using I = __m512i;
  static inline I index(const int32_t* p) { return _mm512_loadu_si512(p); }
  static inline T gather(const float* base, I idx) { return _mm512_i32gather_ps(idx, base, 4); }
  static inline void deinterleave2(const float* p, T* even, T* odd) {
    const T a = _mm512_loadu_ps(p), b = _mm512_loadu_ps(p + 16);
    const __m512i ie = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    *even = _mm512_permutex2var_ps(a, ie, b);
    *odd = _mm512_permutex2var_ps(a, _mm512_add_epi32(ie, _mm512_set1_epi32(1)), b);
  }
  static inline T select_nonneg(T x, T a, T b) {
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ), a, b);
  }
};

}  // namespace mindlet::simd
