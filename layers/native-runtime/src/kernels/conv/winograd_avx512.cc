// AVX-512 instantiation of the Winograd transforms. Headers with shared inline code come before the target pragma.
#include <immintrin.h>

#include <cstdint>

#include "kernels/gemm/epilogue.h"
#include "kernels/gemm/sgemm.h"
#include "winograd_internal.h"
#pragma GCC target("avx512f,avx512bw,avx512dq,avx512vl")
// GCC 12 warns about the intrinsics' own deliberately undefined pass-through operands.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include "kernels/gemm/simd_avx512.h"

#define MINDLET_WINO_NS avx512
#define MINDLET_WINO_VEC ::mindlet::simd::VecAvx512
#include "winograd_impl.h"
