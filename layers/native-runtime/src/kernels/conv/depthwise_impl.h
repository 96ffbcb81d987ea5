// ISA-generic depthwise convolution of one input channel (all its output channels), included by
// depthwise_avx2.cc / depthwise_avx512.cc with MINDLET_DW_NS and MINDLET_DW_VEC defined.
//
// Method: the zero-padded input plane is split into sh×sw stride phases (phase (py,px) holds the padded pixels
// (r*sh+py, c*sw+px)), so every tap (ky,kx) reads one phase at a fixed offset and the whole output plane, laid
// out with the phase row pitch Wq, is a 1-D convolution over contiguous memory: full vectors regardless of the
// output width (a 7×7 plane is 4 vectors), no masks or bounds checks, 4 independent accumulators. A final
// pass adds the residual, applies the activation and compacts rows of OW out of the Wq pitch into the output.
// Everything stays in L1/L2 (one plane at a time).
#include "depthwise_internal.h"
#include "kernels/gemm/vmath.h"

namespace mindlet::conv::MINDLET_DW_NS {

using V = MINDLET_DW_VEC;
using T = typename V::T;
constexpr int W = V::W;

static inline int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t imax(int64_t a, int64_t b) { return a > b ? a : b; }

static void copy_row(float* d, const float* s, int64_t n) {
  int64_t i = 0;
  for (; i + W <= n; i += W) V::store(d + i, V::load(s + i));
  if (i < n) V::store_mask(d + i, V::mask(int(n - i)), V::load_mask(s + i, V::mask(int(n - i))));
}

static void zero(float* d, int64_t n) {
  int64_t i = 0;
  for (; i + W <= n; i += W) V::store(d + i, V::zero());
  if (i < n) V::store_mask(d + i, V::mask(int(n - i)), V::zero());
}

void channel(const DepthwiseDesc& d, const DwGeometry& g, int64_t task, float* buf) {
  const int64_t n = task / d.C, ic = task % d.C;
  const float* x = d.x + (n * d.C + ic) * d.H * d.W;
  float* phases = buf;
  float* grid = buf + g.phase_floats * d.sh * d.sw;

  // Stride phases of the padded plane: phase (py,px), row r, column c = x[r*sh+py-pt][c*sw+px-pl] or 0.
  for (int64_t py = 0; py < d.sh; ++py) {
    for (int64_t px = 0; px < d.sw; ++px) {
      float* ph = phases + (py * d.sw + px) * g.phase_floats;
      zero(ph + g.Rq * g.Wq, g.phase_floats - g.Rq * g.Wq);  // slack read by the last vectors
      if (d.sw == 2 && px == 1) continue;  // written with phase 0 below
      // Phase columns [lo, hi) read inside the row; the rest is padding.
      auto range = [&](int64_t p, int64_t* lo, int64_t* hi) {
        const int64_t off = p - d.pl;  // input column of phase column c is c*sw + off
        *lo = imin(g.Wq, off >= 0 ? 0 : (-off + d.sw - 1) / d.sw);
        *hi = imax(*lo, imin(g.Wq, d.W - 1 - off < 0 ? 0 : (d.W - 1 - off) / d.sw + 1));
      };
      int64_t lo, hi;
      range(px, &lo, &hi);
      for (int64_t r = 0; r < g.Rq; ++r) {
        float* row = ph + r * g.Wq;
        const int64_t iy = r * d.sh + py - d.pt;
        if (iy < 0 || iy >= d.H) {
          zero(row, g.Wq);
          if (d.sw == 2) zero(row + g.phase_floats, g.Wq);
          continue;
        }
        const float* xr = x + iy * d.W + px - d.pl;
        if (d.sw == 1) {
          zero(row, lo);
          copy_row(row + lo, xr + lo, hi - lo);
          zero(row + hi, g.Wq - hi);
        } else if (d.sw == 2) {
          // Both column phases from one pass: even elements of xr go to phase 0, odd ones to phase 1.
          float* row1 = row + g.phase_floats;
          int64_t lo1, hi1;
          range(1, &lo1, &hi1);
          const int64_t vlo = imax(lo, lo1), vhi = imin(hi, hi1);
          for (int64_t c = 0; c < g.Wq; ++c) {
            if (c >= vlo && c + W <= vhi) {
              T e, o;
              V::deinterleave2(xr + 2 * c, &e, &o);
              V::store(row + c, e);
              V::store(row1 + c, o);
              c += W - 1;
              continue;
            }
            row[c] = (c >= lo && c < hi) ? xr[2 * c] : 0.f;
            row1[c] = (c >= lo1 && c < hi1) ? xr[2 * c + 1] : 0.f;
          }
        } else {
          zero(row, lo);
          for (int64_t c = lo; c < hi; ++c) row[c] = xr[c * d.sw];
          zero(row + hi, g.Wq - hi);
        }
      }
    }
  }

  const int64_t OC = d.C * d.mult, taps = d.KH * d.KW;
  const Activation act = d.epi.act;
  for (int64_t m = 0; m < d.mult; ++m) {
    const int64_t oc = ic * d.mult + m;
    const float* w = d.w + oc * taps;
    const T bias = V::set1(d.epi.bias_kind == BiasKind::PerRow ? d.epi.bias[oc] : 0.f);
    // The 1-D convolution over the phase pitch, 4 vectors at a time (span is a multiple of 4W).
    for (int64_t j = 0; j < g.span; j += 4 * W) {
      T a0 = bias, a1 = bias, a2 = bias, a3 = bias;
      for (int64_t t = 0; t < taps; ++t) {
        const float* src = phases + g.tap_offset[t] + j;
        const T wv = V::set1(w[t]);
        a0 = V::fmadd(wv, V::load(src), a0);
        a1 = V::fmadd(wv, V::load(src + W), a1);
        a2 = V::fmadd(wv, V::load(src + 2 * W), a2);
        a3 = V::fmadd(wv, V::load(src + 3 * W), a3);
      }
      V::store(grid + j, a0);
      V::store(grid + j + W, a1);
      V::store(grid + j + 2 * W, a2);
      V::store(grid + j + 3 * W, a3);
    }
    // Residual, activation, and rows of OW out of the Wq pitch.
    float* y = d.y + (n * OC + oc) * d.OH * d.OW;
    const float* res = d.epi.residual ? d.epi.residual + (n * OC + oc) * d.OH * d.OW : nullptr;
    const int64_t tail = d.OW % W;
    const auto tail_mask = V::mask(int(tail));
    for (int64_t oy = 0; oy < d.OH; ++oy) {
      const float* gr = grid + oy * g.Wq;
      float* yr = y + oy * d.OW;
      const float* rr = res ? res + oy * d.OW : nullptr;
      int64_t ox = 0;
      for (; ox + W <= d.OW; ox += W) {
        T v = V::load(gr + ox);
        if (rr) v = V::add(v, V::load(rr + ox));
        V::store(yr + ox, simd::vactivation<V>(v, act));
      }
      if (tail) {
        T v = V::load(gr + ox);
        if (rr) v = V::add(v, V::load_mask(rr + ox, tail_mask));
        V::store_mask(yr + ox, tail_mask, simd::vactivation<V>(v, act));
      }
    }
  }
}

}  // namespace mindlet::conv::MINDLET_DW_NS
