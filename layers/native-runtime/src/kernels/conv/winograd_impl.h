// ISA-generic Winograd F(4×4, 3×3) transforms, included by winograd_avx2.cc / winograd_avx512.cc with
// MINDLET_WINO_NS and MINDLET_WINO_VEC defined. Vectors run over W consecutive tiles; a tile's 6×6 input patch
// is gathered from a zero-padded copy of the channel plane, so no bounds checks remain in the transform.
#include "kernels/gemm/vmath.h"
#include "winograd_internal.h"

namespace mindlet::conv::MINDLET_WINO_NS {

using V = MINDLET_WINO_VEC;
using T = typename V::T;
constexpr int W = V::W;

static inline int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }

// o = Bᵀ·d over 6 values (d[i*s]).
static inline void bt6(const T* d, int s, T* o, int os) {
  const T d0 = d[0], d1 = d[s], d2 = d[2 * s], d3 = d[3 * s], d4 = d[4 * s], d5 = d[5 * s];
  const T four = V::set1(4.f), five = V::set1(5.f), two = V::set1(2.f);
  o[0] = V::fnmadd(five, d2, V::fmadd(four, d0, d4));
  const T t1 = V::fnmadd(four, d2, V::add(d3, d4));  // -4d2 + d3 + d4 (uses d4 + d3)
  const T t1b = V::fnmadd(four, d2, V::sub(d4, d3));
  o[os] = V::fnmadd(four, d1, t1);
  o[2 * os] = V::fmadd(four, d1, t1b);
  const T t3 = V::sub(d4, d2);
  const T u3 = V::mul(two, V::sub(d3, d1));
  o[3 * os] = V::add(t3, u3);
  o[4 * os] = V::sub(t3, u3);
  o[5 * os] = V::fnmadd(five, d3, V::fmadd(four, d1, d5));
}

// o = Aᵀ·m over 6 values (4 outputs).
static inline void at6(const T* m, int s, T* o, int os) {
  const T m0 = m[0], m1 = m[s], m2 = m[2 * s], m3 = m[3 * s], m4 = m[4 * s], m5 = m[5 * s];
  const T s12 = V::add(m1, m2), d12 = V::sub(m1, m2), s34 = V::add(m3, m4), d34 = V::sub(m3, m4);
  o[0] = V::add(V::add(m0, s12), s34);
  o[os] = V::fmadd(V::set1(2.f), d34, d12);
  o[2 * os] = V::fmadd(V::set1(4.f), s34, s12);
  o[3 * os] = V::add(V::fmadd(V::set1(8.f), d34, d12), m5);
}

void wino_input(const WinoBlock& b, int64_t c0, int64_t c1, float* plane) {
  const WinogradDesc& d = *b.d;
  const int64_t TH = (b.T + b.TW - 1) / b.TW;
  const int64_t Wp = b.TW * 4 + 2, Hp = TH * 4 + 2;
  // Rows of the padded plane this block touches.
  const int64_t ty0 = b.t0 / b.TW, ty1 = (b.t0 + b.tb - 1) / b.TW;
  const int64_t r0 = ty0 * 4, r1 = imin(Hp, ty1 * 4 + 6);
  for (int64_t c = c0; c < c1; ++c) {
    const float* xc = d.x + c * d.H * d.W;
    for (int64_t r = r0; r < r1; ++r) {
      float* row = plane + r * Wp;
      const int64_t iy = r - d.pt;
      if (iy < 0 || iy >= d.H) {
        for (int64_t s = 0; s < Wp; ++s) row[s] = 0.f;
        continue;
      }
      const float* xr = xc + iy * d.W;
      for (int64_t s = 0; s < Wp; ++s) {
        const int64_t ix = s - d.pl;
        row[s] = (ix >= 0 && ix < d.W) ? xr[ix] : 0.f;
      }
    }
    for (int64_t g0 = 0; g0 < b.tb; g0 += W) {
      const int lanes = int(imin(W, b.tb - g0));
      // Each lane's tile origin in the padded plane; lanes past the block repeat tile 0 (their columns of
      // the packed operand are zeroed below).
      alignas(64) int32_t origin[W];
      int64_t t = b.t0 + g0, ty = t / b.TW, tx = t - ty * b.TW;
      for (int L = 0; L < W; ++L) {
        origin[L] = L < lanes ? int32_t(ty * 4 * Wp + tx * 4) : 0;
        if (++tx == b.TW) {
          tx = 0;
          ++ty;
        }
      }
      const typename V::I idx = V::index(origin);
      T dv[36], e1[36], o[36];
      for (int r = 0; r < 6; ++r)
        for (int j = 0; j < 6; ++j) dv[r * 6 + j] = V::gather(plane + r * Wp + j, idx);
      if (lanes < W)
        for (int e = 0; e < 36; ++e) dv[e] = V::load_mask(reinterpret_cast<const float*>(dv + e), V::mask(lanes));
      for (int j = 0; j < 6; ++j) bt6(dv + j, 6, e1 + j, 6);  // columns: e1[k][j] = Σ_r Bᵀ[k][r] d[r][j]
      for (int k = 0; k < 6; ++k) bt6(e1 + k * 6, 1, o + k * 6, 1);  // rows
      // Tile t (block-relative g0+L) → panel (g0/nr), lane (g0%nr + L) of each ξ's packed B.
      const int64_t panel = g0 / b.nr, lane = g0 % b.nr;
      float* dst = b.vp + (panel * d.C + c) * b.nr + lane;
      for (int e = 0; e < 36; ++e) V::store(dst + e * b.vp_stride, o[e]);
    }
    // Lanes of the last panel past the block stay zero (the GEMM reads whole panels).
    const int64_t full = (b.tb + b.nr - 1) / b.nr * b.nr;
    for (int64_t g0 = (b.tb + W - 1) / W * W; g0 < full; g0 += W) {
      float* dst = b.vp + ((g0 / b.nr) * d.C + c) * b.nr + g0 % b.nr;
      for (int e = 0; e < 36; ++e) V::store(dst + e * b.vp_stride, V::zero());
    }
  }
}

void wino_output(const WinoBlock& b, int64_t o0, int64_t o1) {
  const WinogradDesc& d = *b.d;
  alignas(64) float tmp[16 * W];
  alignas(64) float rt[16 * W];
  const Activation act = d.epi.act;
  for (int64_t oc = o0; oc < o1; ++oc) {
    const T bias = d.epi.bias_kind == BiasKind::PerRow ? V::set1(d.epi.bias[oc]) : V::zero();
    float* y = d.y + oc * d.OH * d.OW;
    const float* res = d.epi.residual ? d.epi.residual + oc * d.OH * d.OW : nullptr;
    for (int64_t g0 = 0; g0 < b.tb; g0 += W) {
      const int lanes = int(imin(W, b.tb - g0));
      const int64_t t = b.t0 + g0, ty0 = t / b.TW, tx0 = t - ty0 * b.TW;
      if (res) {  // the residual's pixels in the same tile-lane layout
        int64_t ty = ty0, tx = tx0;
        for (int L = 0; L < lanes; ++L) {
          const int64_t oy0 = ty * 4, ox0 = tx * 4;
          for (int64_t i = 0; i < 4; ++i)
            for (int64_t j = 0; j < 4; ++j)
              rt[(i * 4 + j) * W + L] = (oy0 + i < d.OH && ox0 + j < d.OW) ? res[(oy0 + i) * d.OW + ox0 + j] : 0.f;
          if (++tx == b.TW) {
            tx = 0;
            ++ty;
          }
        }
      }
      const float* src = b.mb + oc * b.tb + g0;
      T m[36], e1[24], o[16];
      for (int e = 0; e < 36; ++e) m[e] = V::load(src + e * b.mb_stride);
      for (int l = 0; l < 6; ++l) at6(m + l, 6, e1 + l, 6);  // e1[i][l] = Σ_k Aᵀ[i][k] m[k][l]
      for (int i = 0; i < 4; ++i) at6(e1 + i * 6, 1, o + i * 4, 1);
      for (int e = 0; e < 16; ++e) {
        T v = V::add(o[e], bias);
        if (res) v = V::add(v, V::load(rt + e * W));
        V::store(tmp + e * W, simd::vactivation<V>(v, act));
      }
      int64_t ty = ty0, tx = tx0;
      for (int L = 0; L < lanes; ++L) {
        const int64_t oy0 = ty * 4, ox0 = tx * 4;
        const int64_t ni = imin(4, d.OH - oy0), nj = imin(4, d.OW - ox0);
        for (int64_t i = 0; i < ni; ++i) {
          float* yr = y + (oy0 + i) * d.OW + ox0;
          for (int64_t j = 0; j < nj; ++j) yr[j] = tmp[(i * 4 + j) * W + L];
        }
        if (++tx == b.TW) {
          tx = 0;
          ++ty;
        }
      }
    }
  }
}

}  // namespace mindlet::conv::MINDLET_WINO_NS
