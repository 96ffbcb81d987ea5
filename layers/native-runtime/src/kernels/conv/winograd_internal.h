// Shared between winograd.cc (dispatch) and the per-ISA transform units.
#pragma once
#include "winograd.h"

namespace mindlet::conv {

// One block of tiles [t0, t0+tb) of one image.
struct WinoBlock {
  const WinogradDesc* d;
  int64_t TW = 0, T = 0;     // tiles per row, tiles in the image
  int64_t t0 = 0, tb = 0;    // block
  int nr = 0;                // GEMM panel width of the ISA
  float* vp = nullptr;       // 36 × [ceil(tb/nr) panels × C × nr]: packed B of each GEMM
  int64_t vp_stride = 0;     // floats per ξ in vp
  float* mb = nullptr;       // 36 × [OC × tb]: GEMM results
  int64_t mb_stride = 0;     // floats per ξ in mb (≥ OC*tb, with slack)
};

#if defined(__wasm__)
namespace simd128 {
void wino_input(const WinoBlock& b, int64_t c0, int64_t c1, float* plane);
void wino_output(const WinoBlock& b, int64_t o0, int64_t o1);
}  // namespace simd128
#else
namespace avx2 {
// Input transform of channels [c0, c1) of the block; `plane` holds (TH*4+2)×(TW*4+2)+64 floats.
void wino_input(const WinoBlock& b, int64_t c0, int64_t c1, float* plane);
// Output transform (+bias, residual, activation) of output channels [o0, o1).
void wino_output(const WinoBlock& b, int64_t o0, int64_t o1);
}  // namespace avx2
namespace avx512 {
void wino_input(const WinoBlock& b, int64_t c0, int64_t c1, float* plane);
void wino_output(const WinoBlock& b, int64_t o0, int64_t o1);
}  // namespace avx512
#endif

}  // namespace mindlet::conv
