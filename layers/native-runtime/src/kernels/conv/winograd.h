// Winograd F(4×4, 3×3) convolution for 3×3, stride 1, dilation 1, group 1 (NCHW): 36 GEMMs over transformed
// tiles instead of one over 9·C-long rows, 4× fewer multiplications, fused bias/residual/activation.
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/gemm/epilogue.h"
#include "kernels/gemm/sgemm.h"

namespace mindlet {
class ThreadPool;
}

namespace mindlet::conv {

// G·g·Gᵀ of every (oc, c) filter, as 36 packed [OC × C] GEMM operands.
struct WinogradWeights {
  gemm::Isa isa = gemm::Isa::Avx2;
  int64_t OC = 0, C = 0;
  std::vector<gemm::PackedA> u;  // 36
};
// w: [OC, C, 3, 3]
WinogradWeights winograd_pack_weights(const float* w, int64_t OC, int64_t C);

struct WinogradDesc {
  const float* x = nullptr;  // one image [C, H, W]
  float* y = nullptr;        // [OC, OH, OW]
  int64_t C = 0, H = 0, W = 0, OC = 0, OH = 0, OW = 0, pt = 0, pl = 0;
  // bias: per output channel (PerRow); residual: this image's [OC, OH, OW].
  Epilogue epi;
};

void winograd_conv(const WinogradWeights& u, const WinogradDesc& d, ThreadPool* pool);

// Whether Winograd is expected to beat the direct GEMM for this shape (measured; see kernel_bench).
bool winograd_worthwhile(int64_t C, int64_t OC, int64_t OH, int64_t OW);

}  // namespace mindlet::conv
