// WebAssembly SIMD128 instantiation of the depthwise kernel (wasm build only; empty elsewhere).
#if defined(__wasm_simd128__)
#include "kernels/gemm/simd_wasm.h"

#define MINDLET_DW_NS simd128
#define MINDLET_DW_VEC ::mindlet::simd::VecWasm
#include "depthwise_impl.h"
#endif
