// AVX-512 instantiation of the GEMM body. Headers with shared inline code come before the target pragma so
// nothing this file emits outside its own namespace is compiled for AVX-512.
#include <immintrin.h>

#include <cstdint>

#include "epilogue.h"
#include "gemm_internal.h"
#pragma GCC target("avx512f,avx512bw,avx512dq,avx512vl")
// GCC 12 warns about the intrinsics' own deliberately undefined pass-through operands.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include "simd_avx512.h"

#define MINDLET_GEMM_NS avx512
#define MINDLET_GEMM_VEC ::mindlet::simd::VecAvx512
#define MINDLET_GEMM_MR 14
#define MINDLET_GEMM_NV 2
#include "gemm_impl.h"

namespace mindlet::gemm {

static const IsaKernels k_avx512 = {avx512::MR,          avx512::NR,          384,
                                    128 * 1024,          avx512::pack_a_full, avx512::pack_b_full,
                                    avx512::run_task,    avx512::epilogue, avx512::pack_a_panels, avx512::pack_b_panels};
const IsaKernels& kernels_avx512() { return k_avx512; }

}  // namespace mindlet::gemm
