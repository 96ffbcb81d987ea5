// 8-lane float vector operations (AVX2+FMA) in the shape the ISA-generic kernel templates expect.
#pragma once
#include <immintrin.h>

#include <cstdint>

namespace mindlet::simd {

struct VecAvx2 {
  using T = __m256;
  using M = __m256i;
  static constexpr int W = 8;
  static inline T zero() { return _mm256_setzero_ps(); }
  static inline T set1(float v) { return _mm256_set1_ps(v); }
  static inline T load(const float* p) { return _mm256_loadu_ps(p); }
  static inline void store(float* p, T v) { _mm256_storeu_ps(p, v); }
  // Lanes [0, n) on, n in [0, W].
  static inline M mask(int n) {
    const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), idx);
  }
  // Lanes [a, b) on, 0 <= a <= b <= W.
  static inline M mask_range(int a, int b) { return _mm256_andnot_si256(mask(a), mask(b)); }
  static inline T load_mask(const float* p, M m) { return _mm256_maskload_ps(p, m); }
  static inline void store_mask(float* p, M m, T v) { _mm256_maskstore_ps(p, m, v); }
  static inline T fmadd(T a, T b, T c) { return _mm256_fmadd_ps(a, b, c); }
  static inline T fnmadd(T a, T b, T c) { return _mm256_fnmadd_ps(a, b, c); }
  static inline T add(T a, T b) { return _mm256_add_ps(a, b); }
  static inline T sub(T a, T b) { return _mm256_sub_ps(a, b); }
  static inline T mul(T a, T b) { return _mm256_mul_ps(a, b); }
  static inline T div(T a, T b) { return _mm256_div_ps(a, b); }
  static inline T max(T a, T b) { return _mm256_max_ps(a, b); }
  static inline T min(T a, T b) { return _mm256_min_ps(a, b); }
  static inline T abs(T a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
  static inline T round(T a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  // 2^n for integral n in [-126, 127].
  static inline T pow2i(T n) {
    __m256i i = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
    return _mm256_castsi256_ps(_mm256_slli_epi32(i, 23));
  }
  using I = __m256i;
  static inline I index(const int32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
  // base[idx[lane]]
  static inline T gather(const float* base, I idx) { return _mm256_i32gather_ps(base, idx, 4); }
  // Even and odd elements of p[0, 2W).
  static inline void deinterleave2(const float* p, T* even, T* odd) {
    const T a = _mm256_loadu_ps(p), b = _mm256_loadu_ps(p + 8);
    *even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0x88)), 0xd8));
    *odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0xdd)), 0xd8));
  }
  // x >= 0 ? a : b
  static inline T select_nonneg(T x, T a, T b) {
    return _mm256_blendv_ps(a, b, _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ));
  }
};

}  // namespace mindlet::simd
