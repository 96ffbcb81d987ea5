// AVX2 instantiation of the Winograd transforms.
#include "kernels/gemm/simd_avx2.h"

#define MINDLET_WINO_NS avx2
#define MINDLET_WINO_VEC ::mindlet::simd::VecAvx2
#include "winograd_impl.h"
