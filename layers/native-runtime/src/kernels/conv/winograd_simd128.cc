// WebAssembly SIMD128 instantiation of the Winograd transforms (wasm build only; empty elsewhere).
#if defined(__wasm_simd128__)
#include "kernels/gemm/simd_wasm.h"

#define MINDLET_WINO_NS simd128
#define MINDLET_WINO_VEC ::mindlet::simd::VecWasm
#include "winograd_impl.h"
#endif
