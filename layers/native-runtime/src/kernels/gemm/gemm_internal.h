// What each ISA translation unit (sgemm_avx2.cc, sgemm_avx512.cc) exports to the dispatcher in sgemm.cc.
// Plain function pointers and PODs only: the AVX-512 unit must not instantiate shared inline/template code.
#pragma once
#include "sgemm.h"

namespace mindlet::gemm {

// How one sgemm call is cut into tasks: tasks = nblocks (of nc columns) × mchunks (of mchunk_panels MR-panels).
struct Plan {
  int64_t kc = 0, nc = 0, nblocks = 0, mchunks = 0, mchunk_panels = 0;
  const float* pa = nullptr;  // pre-packed A / B data when the GemmDesc has them
  const float* pb = nullptr;
  bool has_epilogue = false;
};

struct IsaKernels {
  int mr, nr;
  int64_t kc_max;       // k-block: A micro-panel (kc×MR) stays in L1
  int64_t b_block_floats;  // kc×nc budget: the packed B block stays in L2
  void (*pack_a_full)(MatRef a, int64_t M, int64_t K, float* dst);
  void (*pack_b_full)(MatRef b, int64_t K, int64_t N, float* dst);
  // bbuf holds kc×nc floats, abuf kc×MR floats (both thread-private).
  void (*run_task)(const GemmDesc& d, const Plan& p, int64_t task, float* bbuf, float* abuf);
  void (*epilogue)(float* c, int64_t ldc, int64_t m, int64_t n, const Epilogue& e, int64_t r0, int64_t c0);
  // Pack A panels [p0, p1) / B panels [p0, p1) of a whole operand (full K) into dst laid out like PackedA/B.
  void (*pack_a_panels)(MatRef a, int64_t M, int64_t K, int64_t p0, int64_t p1, float* dst);
  void (*pack_b_panels)(const GemmDesc& d, int64_t p0, int64_t p1, float* dst);
};

#if defined(__wasm__)
const IsaKernels& kernels_simd128();
#else
const IsaKernels& kernels_avx2();
const IsaKernels& kernels_avx512();
#endif

}  // namespace mindlet::gemm
