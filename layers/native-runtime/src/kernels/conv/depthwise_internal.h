// Shared between depthwise.cc (dispatch) and the per-ISA depthwise units.
#pragma once
#include "depthwise.h"

namespace mindlet::conv {

// Stride-phase layout of one zero-padded input plane (see depthwise_impl.h).
struct DwGeometry {
  int64_t Wq = 0, Rq = 0;               // phase pitch (>= OW) and rows
  int64_t phase_floats = 0;             // floats per phase including read-past slack
  int64_t span = 0;                     // OH×Wq rounded up to 4 vectors: the flattened output grid
  const int64_t* tap_offset = nullptr;  // per tap (ky,kx): where it reads, relative to the phase buffer start
};

#if defined(__wasm__)
namespace simd128 {
void channel(const DepthwiseDesc& d, const DwGeometry& g, int64_t task, float* buf);
}
#else
namespace avx2 {
void channel(const DepthwiseDesc& d, const DwGeometry& g, int64_t task, float* buf);
}
namespace avx512 {
void channel(const DepthwiseDesc& d, const DwGeometry& g, int64_t task, float* buf);
}
#endif

}  // namespace mindlet::conv
