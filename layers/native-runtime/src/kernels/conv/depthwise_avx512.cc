// AVX-512 instantiation of the depthwise kernel. Headers with shared inline code come before the target pragma.
#include <immintrin.h>

#include <cstdint>

#include "depthwise_internal.h"
#include "kernels/gemm/epilogue.h"
#pragma GCC target("avx512f,avx512bw,avx512dq,avx512vl")
// GCC 12 warns about the intrinsics' own deliberately undefined pass-through operands.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include "kernels/gemm/simd_avx512.h"

#define MINDLET_DW_NS avx512
#define MINDLET_DW_VEC ::mindlet::simd::VecAvx512
#include "depthwise_impl.h"
