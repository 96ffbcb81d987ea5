// Depthwise convolution (group == in_channels, any channel multiplier), NCHW, with the fused epilogue.
#pragma once
#include <cstdint>

#include "kernels/gemm/epilogue.h"

namespace mindlet {
class ThreadPool;
}

namespace mindlet::conv {

struct DepthwiseDesc {
  const float* x = nullptr;  // [N, C, H, W]
  const float* w = nullptr;  // [C*mult, 1, KH, KW]
  float* y = nullptr;        // [N, C*mult, OH, OW]
  int64_t N = 1, C = 0, H = 0, W = 0, mult = 1;
  int64_t KH = 0, KW = 0, sh = 1, sw = 1, dh = 1, dw = 1, pt = 0, pl = 0, OH = 0, OW = 0;
  // bias: per output channel (PerRow); residual: [N, C*mult, OH, OW] (ldr ignored).
  Epilogue epi;
};

void depthwise_conv(const DepthwiseDesc& d, ThreadPool* pool);

}  // namespace mindlet::conv
