// AVX2 + FMA peak loop: 12 independent ymm accumulators, two FMAs on each per block. The addon's baseline flags
// already enable AVX2 and FMA, so this file needs no target pragma.
#include <immintrin.h>

#include "fma_peak.h"

namespace mindlet::probe {

float fma_blocks_avx2(uint64_t blocks) {
  // acc = acc·a + b converges to b / (1 − a) = 1: values stay normal (no denormal slow path) and finite.
  const __m256 a = _mm256_set1_ps(0.999999f);
  const __m256 b = _mm256_set1_ps(1e-6f);
  __m256 acc[kAccumulators];
#pragma GCC unroll 12
  for (int k = 0; k < kAccumulators; ++k) acc[k] = _mm256_set1_ps(0.5f + 0.01f * float(k));
  for (uint64_t i = 0; i < blocks; ++i) {
#pragma GCC unroll 12
    for (int k = 0; k < kAccumulators; ++k) acc[k] = _mm256_fmadd_ps(acc[k], a, b);
#pragma GCC unroll 12
    for (int k = 0; k < kAccumulators; ++k) acc[k] = _mm256_fmadd_ps(acc[k], a, b);
  }
  __m256 sum = acc[0];
  for (int k = 1; k < kAccumulators; ++k) sum = _mm256_add_ps(sum, acc[k]);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, sum);
  float total = 0;
  for (float v : lanes) total += v;
  return total;
}

}  // namespace mindlet::probe
