// WebAssembly SIMD128 instantiation of the GEMM body (wasm build only; empty elsewhere): 4×8 micro-tile.
// 8 accumulators + 2 B vectors + 1 broadcast + the product of the unfused multiply-add fit in the 15 vector
// registers V8 allocates on x86-64 (xmm15 is its scratch); 6 rows, as in the AVX2 tile, would spill.
#if defined(__wasm_simd128__)
#include "simd_wasm.h"

#define MINDLET_GEMM_NS simd128
#define MINDLET_GEMM_VEC ::mindlet::simd::VecWasm
#define MINDLET_GEMM_MR 4
#define MINDLET_GEMM_NV 2
#include "gemm_impl.h"

namespace mindlet::gemm {

static const IsaKernels k_simd128 = {simd128::MR,        simd128::NR,           256,
                                     96 * 1024,          simd128::pack_a_full,  simd128::pack_b_full,
                                     simd128::run_task,  simd128::epilogue,     simd128::pack_a_panels,
                                     simd128::pack_b_panels};
const IsaKernels& kernels_simd128() { return k_simd128; }

}  // namespace mindlet::gemm
#endif
