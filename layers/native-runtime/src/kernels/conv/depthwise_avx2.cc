// AVX2 instantiation of the depthwise kernel.
#include "kernels/gemm/simd_avx2.h"

#define MINDLET_DW_NS avx2
#define MINDLET_DW_VEC ::mindlet::simd::VecAvx2
#include "depthwise_impl.h"
