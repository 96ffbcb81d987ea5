// AVX-512F peak loop: 12 independent zmm accumulators, two FMAs on each per block. Compiled for AVX-512 with a
// target pragma (the addon's baseline is AVX2) and called only when the CPU reports AVX-512F.
#include <immintrin.h>

#include "fma_peak.h"
#pragma GCC target("avx512f")
// GCC 12 warns about the intrinsics' own deliberately undefined pass-through operands.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

namespace mindlet::probe {

float fma_blocks_avx512(uint64_t blocks) {
  // acc = acc·a + b converges to b / (1 − a) = 1: values stay normal (no denormal slow path) and finite.
  const __m512 a = _mm512_set1_ps(0.999999f);
  const __m512 b = _mm512_set1_ps(1e-6f);
  __m512 acc[kAccumulators];
#pragma GCC unroll 12
  for (int k = 0; k < kAccumulators; ++k) acc[k] = _mm512_set1_ps(0.5f + 0.01f * float(k));
  for (uint64_t i = 0; i < blocks; ++i) {
#pragma GCC unroll 12
    for (int k = 0; k < kAccumulators; ++k) acc[k] = _mm512_fmadd_ps(acc[k], a, b);
#pragma GCC unroll 12
    for (int k = 0; k < kAccumulators; ++k) acc[k] = _mm512_fmadd_ps(acc[k], a, b);
  }
  __m512 sum = acc[0];
  for (int k = 1; k < kAccumulators; ++k) sum = _mm512_add_ps(sum, acc[k]);
  return _mm512_reduce_add_ps(sum);
}

}  // namespace mindlet::probe
