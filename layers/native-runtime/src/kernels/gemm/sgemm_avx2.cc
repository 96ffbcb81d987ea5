// AVX2+FMA instantiation of the GEMM body: 6×16 micro-tile (12 accumulators + 2 B vectors + 1 broadcast).
#include "simd_avx2.h"

#define MINDLET_GEMM_NS avx2
#define MINDLET_GEMM_VEC ::mindlet::simd::VecAvx2
#define MINDLET_GEMM_MR 6
#define MINDLET_GEMM_NV 2
#include "gemm_impl.h"

namespace mindlet::gemm {

static const IsaKernels k_avx2 = {avx2::MR,      avx2::NR,          256, 96 * 1024, avx2::pack_a_full,
                                  avx2::pack_b_full, avx2::run_task, avx2::epilogue, avx2::pack_a_panels, avx2::pack_b_panels};
const IsaKernels& kernels_avx2() { return k_avx2; }

}  // namespace mindlet::gemm
