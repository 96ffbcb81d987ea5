// Depthwise convolution dispatch: padded-phase geometry and tap offsets once per call, one task per input
// channel, per-thread phase buffers, ISA chosen at run time.
#include "depthwise.h"

#include <algorithm>
#include <vector>

#include "depthwise_internal.h"
#include "engine/thread_pool.h"
#include "kernels/gemm/sgemm.h"

namespace mindlet::conv {

static float* thread_buffer(size_t floats) {
  static thread_local gemm::AlignedFloats buf;
  if (buf.size < floats) buf.resize(floats);
  return buf.data();
}

void depthwise_conv(const DepthwiseDesc& d, ThreadPool* pool) {
  DwGeometry g;
  // Padded extent the taps reach, in phase units.
  const int64_t wp = (d.OW - 1) * d.sw + (d.KW - 1) * d.dw + 1, hp = (d.OH - 1) * d.sh + (d.KH - 1) * d.dh + 1;
  g.Wq = (wp + d.sw - 1) / d.sw;
  g.Rq = (hp + d.sh - 1) / d.sh;
  const int64_t W = 16;  // widest vector; spans are padded for it
  g.span = (d.OH * g.Wq + 4 * W - 1) / (4 * W) * (4 * W);
  // Vectors past the last output row read up to span + the largest tap offset: slack covers it.
  g.phase_floats = std::max(g.Rq * g.Wq, g.span + g.Rq * g.Wq - d.OH * g.Wq) + g.Wq + 4 * W;
  const size_t floats = size_t(g.phase_floats * d.sh * d.sw + g.span + 4 * W);
  std::vector<int64_t> taps(size_t(d.KH * d.KW));
  for (int64_t ky = 0; ky < d.KH; ++ky)
    for (int64_t kx = 0; kx < d.KW; ++kx) {
      const int64_t ty = ky * d.dh, tx = kx * d.dw;
      taps[size_t(ky * d.KW + kx)] = ((ty % d.sh) * d.sw + tx % d.sw) * g.phase_floats + (ty / d.sh) * g.Wq + tx / d.sw;
    }
  g.tap_offset = taps.data();
#if defined(__wasm__)
  auto body = [&](int64_t b, int64_t e) {
    float* buf = thread_buffer(floats);
    for (int64_t t = b; t < e; ++t) simd128::channel(d, g, t, buf);
  };
#else
  const bool wide = gemm::active_isa() == gemm::Isa::Avx512;
  auto body = [&](int64_t b, int64_t e) {
    float* buf = thread_buffer(floats);
    for (int64_t t = b; t < e; ++t) {
      if (wide) avx512::channel(d, g, t, buf);
      else avx2::channel(d, g, t, buf);
    }
  };
#endif
  const int64_t tasks = d.N * d.C;
  if (pool) pool->parallel_for(tasks, 1, body);
  else body(0, tasks);
}

}  // namespace mindlet::conv
