// Winograd F(4×4, 3×3) driver: weight transform at load, then per block of tiles: input transform (per channel),
// 36 GEMMs on the packed transformed operands, output transform with the fused epilogue (per output channel).
#include "winograd.h"

#include <algorithm>

#include "engine/thread_pool.h"
#include "winograd_internal.h"

namespace mindlet::conv {

WinogradWeights winograd_pack_weights(const float* w, int64_t OC, int64_t C) {
  static const double G[6][3] = {{1.0 / 4, 0, 0},          {-1.0 / 6, -1.0 / 6, -1.0 / 6}, {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                 {1.0 / 24, 1.0 / 12, 1.0 / 6}, {1.0 / 24, -1.0 / 12, 1.0 / 6}, {0, 0, 1}};
  WinogradWeights out;
  out.isa = gemm::active_isa();
  out.OC = OC;
  out.C = C;
  std::vector<float> u(size_t(36 * OC * C));
  for (int64_t oc = 0; oc < OC; ++oc)
    for (int64_t c = 0; c < C; ++c) {
      const float* g = w + (oc * C + c) * 9;
      double t[6][3];  // G·g
      for (int k = 0; k < 6; ++k)
        for (int j = 0; j < 3; ++j) t[k][j] = G[k][0] * g[j] + G[k][1] * g[3 + j] + G[k][2] * g[6 + j];
      for (int k = 0; k < 6; ++k)
        for (int l = 0; l < 6; ++l)
          u[size_t(((k * 6 + l) * OC + oc) * C + c)] = float(t[k][0] * G[l][0] + t[k][1] * G[l][1] + t[k][2] * G[l][2]);
    }
  for (int e = 0; e < 36; ++e)
    out.u.push_back(gemm::pack_a(gemm::MatRef{u.data() + e * OC * C, C, 1}, OC, C, out.isa));
  return out;
}

bool winograd_worthwhile(int64_t C, int64_t OC, int64_t OH, int64_t OW) {
  // Transforms cost O(C + OC) per tile against O(C·OC) saved; tiny maps waste most of a 4×4 tile.
  return C >= 16 && OC >= 16 && ((OH + 3) / 4) * ((OW + 3) / 4) >= 9;
}

static float* thread_buffer(int slot, size_t floats) {
  static thread_local gemm::AlignedFloats bufs[2];
  if (bufs[slot].size < floats) bufs[slot].resize(floats);
  return bufs[slot].data();
}

void winograd_conv(const WinogradWeights& u, const WinogradDesc& d, ThreadPool* pool) {
#if defined(__wasm__)
  auto input = simd128::wino_input;
  auto output = simd128::wino_output;
#else
  const bool wide = u.isa == gemm::Isa::Avx512;
  auto input = wide ? avx512::wino_input : avx2::wino_input;
  auto output = wide ? avx512::wino_output : avx2::wino_output;
#endif
  const int nr = gemm::tile_nr(u.isa);
  const int64_t TW = (d.OW + 3) / 4, TH = (d.OH + 3) / 4, T = TW * TH;
  // Tiles per block: the 36 transformed inputs of a block (36·C·tb floats) stay within ~L2.
  int64_t tb = std::max<int64_t>(nr, (98304 / (36 * d.C)) / nr * nr);
  if (tb >= T) tb = T;
  const int64_t nblocks = (T + tb - 1) / tb;
  const int threads = pool ? pool->size() : 1;
  const size_t plane_floats = size_t((TH * 4 + 2) * (TW * 4 + 2) + 64);
  // +16/+80 floats: consecutive ξ must not sit a multiple of 4 KiB apart (L1 set aliasing on the 36 stores).
  const int64_t vp_stride = (tb + nr - 1) / nr * nr * d.C + 16, mb_stride = d.OC * tb + 80;
  const size_t work_floats = size_t(36 * (vp_stride + mb_stride));

  auto make_block = [&](int64_t bi, float* work) {
    WinoBlock b;
    b.d = &d;
    b.TW = TW;
    b.T = T;
    b.t0 = bi * tb;
    b.tb = std::min(tb, T - b.t0);
    b.nr = nr;
    b.vp = work;
    b.vp_stride = vp_stride;
    b.mb = work + 36 * vp_stride;
    b.mb_stride = mb_stride;
    return b;
  };
  auto gemm_xi = [&](const WinoBlock& b, int e, ThreadPool* p) {
    gemm::GemmDesc g;
    g.M = d.OC;
    g.N = b.tb;
    g.K = d.C;
    g.pa = &u.u[size_t(e)];
    g.b_packed = b.vp + e * b.vp_stride;
    g.c = b.mb + e * b.mb_stride;
    g.ldc = b.tb;
    gemm::sgemm(g, p);
  };

  if (threads == 1 || nblocks >= 2 * threads) {
    // Whole blocks per thread: every phase of a block stays in that core's cache.
    auto body = [&](int64_t b0, int64_t b1) {
      float* work = thread_buffer(0, work_floats);
      float* plane = thread_buffer(1, plane_floats);
      for (int64_t bi = b0; bi < b1; ++bi) {
        WinoBlock b = make_block(bi, work);
        input(b, 0, d.C, plane);
        for (int e = 0; e < 36; ++e) gemm_xi(b, e, nullptr);
        output(b, 0, d.OC);
      }
    };
    if (threads == 1) body(0, nblocks);
    else pool->parallel_for(nblocks, 1, body);
    return;
  }
  // Few blocks: split each phase of a block across the threads instead.
  float* work = thread_buffer(0, work_floats);
  for (int64_t bi = 0; bi < nblocks; ++bi) {
    WinoBlock b = make_block(bi, work);
    pool->parallel_for(d.C, 8, [&](int64_t c0, int64_t c1) { input(b, c0, c1, thread_buffer(1, plane_floats)); });
    pool->parallel_for(36, 1, [&](int64_t e0, int64_t e1) {
      for (int64_t e = e0; e < e1; ++e) gemm_xi(b, int(e), nullptr);
    });
    pool->parallel_for(d.OC, 8, [&](int64_t o0, int64_t o1) { output(b, o0, o1); });
  }
}

}  // namespace mindlet::conv
