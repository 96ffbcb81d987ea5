// The ISA-generic GEMM body: packing, register-blocked micro-kernels, epilogue and the per-task loop.
// Included once per ISA by sgemm_avx2.cc / sgemm_avx512.cc, which define MINDLET_GEMM_NS (a namespace),
// MINDLET_GEMM_VEC (a simd traits type), MINDLET_GEMM_MR (tile rows) and MINDLET_GEMM_NV (tile vectors).
// No std templates here: the AVX-512 instantiation must not emit shared (COMDAT) code that a
// non-AVX-512 CPU could end up running.
#include "gemm_internal.h"
#include "vmath.h"

namespace mindlet::gemm::MINDLET_GEMM_NS {

using V = MINDLET_GEMM_VEC;
using T = typename V::T;
constexpr int MR = MINDLET_GEMM_MR;
constexpr int NV = MINDLET_GEMM_NV;
constexpr int W = V::W;
constexpr int NR = NV * W;

static inline int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t imax(int64_t a, int64_t b) { return a > b ? a : b; }

using MicroFn = void (*)(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int nr, bool acc_c);

// C[M rows][nr cols] (+)= A panel (kc×MR) · B panel (kc×NR), accumulators in registers.
template <int M, int N>
static void micro(int64_t kc, const float* __restrict a, const float* __restrict b, float* __restrict c, int64_t ldc,
                  int nr, bool acc_c) {
  T acc[M][N];
#pragma GCC unroll 16
  for (int i = 0; i < M; ++i)
#pragma GCC unroll 4
    for (int j = 0; j < N; ++j) acc[i][j] = V::zero();
  for (int64_t k = 0; k < kc; ++k) {
    T bv[N];
#pragma GCC unroll 4
    for (int j = 0; j < N; ++j) bv[j] = V::load(b + j * W);
#pragma GCC unroll 16
    for (int i = 0; i < M; ++i) {
      T av = V::set1(a[i]);
#pragma GCC unroll 4
      for (int j = 0; j < N; ++j) acc[i][j] = V::fmadd(av, bv[j], acc[i][j]);
    }
    a += MR;
    b += NR;
  }
#pragma GCC unroll 16
  for (int i = 0; i < M; ++i) {
    float* ci = c + i * ldc;
#pragma GCC unroll 4
    for (int j = 0; j < N; ++j) {
      int rem = nr - j * W;
      if (rem >= W) {
        T v = acc[i][j];
        if (acc_c) v = V::add(v, V::load(ci + j * W));
        V::store(ci + j * W, v);
      } else if (rem > 0) {
        auto m = V::mask(rem);
        T v = acc[i][j];
        if (acc_c) v = V::add(v, V::load_mask(ci + j * W, m));
        V::store_mask(ci + j * W, m, v);
      }
    }
  }
}

template <int M, int N>
static MicroFn pick_n(int n) {
  if constexpr (N == 0) {
    return nullptr;
  } else {
    if (n == N) return &micro<M, N>;
    return pick_n<M, N - 1>(n);
  }
}

template <int M>
static MicroFn pick(int m, int n) {
  if constexpr (M == 0) {
    return nullptr;
  } else {
    if (m == M) return pick_n<M, NV>(n);
    return pick<M - 1>(m, n);
  }
}

static void zero_floats(float* d, int64_t n) {
  for (int64_t i = 0; i < n; ++i) d[i] = 0.f;
}

// Packs B[k0..k0+kc) × [n0..n0+nc) into NR-column panels (panel j at dst + j*kc*NR), zero padded.
static void pack_b_block(MatRef b, int64_t k0, int64_t kc, int64_t n0, int64_t nc, float* dst) {
  for (int64_t j0 = 0; j0 < nc; j0 += NR) {
    const int64_t w = imin(NR, nc - j0);
    float* d = dst + (j0 / NR) * kc * NR;
    const float* src = b.p + k0 * b.rs + (n0 + j0) * b.cs;
    if (b.cs == 1) {
      if (w == NR) {
        for (int64_t k = 0; k < kc; ++k)
#pragma GCC unroll 4
          for (int v = 0; v < NV; ++v) V::store(d + k * NR + v * W, V::load(src + k * b.rs + v * W));
      } else {
        for (int64_t k = 0; k < kc; ++k)
          for (int v = 0; v < NV; ++v) {
            int rem = int(w) - v * W;
            T x = rem >= W ? V::load(src + k * b.rs + v * W)
                           : rem > 0 ? V::load_mask(src + k * b.rs + v * W, V::mask(rem)) : V::zero();
            V::store(d + k * NR + v * W, x);
          }
      }
    } else {
      if (w < NR) zero_floats(d, kc * NR);
      if (b.rs == 1) {
        for (int64_t j = 0; j < w; ++j) {
          const float* s = src + j * b.cs;
          for (int64_t k = 0; k < kc; ++k) d[k * NR + j] = s[k];
        }
      } else {
        for (int64_t k = 0; k < kc; ++k)
          for (int64_t j = 0; j < w; ++j) d[k * NR + j] = src[k * b.rs + j * b.cs];
      }
    }
  }
}

// Packs rows [i0, i0+m) × columns [k0, k0+kc) of A as one MR-row panel (k-major), zero padded.
static void pack_a_panel(MatRef a, int64_t i0, int64_t m, int64_t k0, int64_t kc, float* d) {
  if (m < MR) zero_floats(d, kc * MR);
  if (a.cs == 1) {
    for (int64_t i = 0; i < m; ++i) {
      const float* s = a.p + (i0 + i) * a.rs + k0;
      for (int64_t k = 0; k < kc; ++k) d[k * MR + i] = s[k];
    }
  } else {
    for (int64_t k = 0; k < kc; ++k) {
      const float* s = a.p + (k0 + k) * a.cs + i0 * a.rs;
      for (int64_t i = 0; i < m; ++i) d[k * MR + i] = s[i * a.rs];
    }
  }
}

static void fill_row(float* d, const float* s, int64_t lo, int64_t hi, int64_t run) {
  int64_t t = 0;
  for (; t < lo; ++t) d[t] = 0.f;
  for (; t < hi; ++t) d[t] = s[t];
  for (; t < run; ++t) d[t] = 0.f;
}

// Packs the implicit im2col matrix of a convolution, same layout as pack_b_block.
static void pack_b_im2col(const Im2col& g, int64_t k0, int64_t kc, int64_t n0, int64_t nc, float* dst) {
  const int64_t khw = g.kh * g.kw;
  for (int64_t kk = 0; kk < kc; ++kk) {
    const int64_t k = k0 + kk, ch = k / khw, r = k - ch * khw, ky = r / g.kw, kx = r - ky * g.kw;
    const float* xc = g.x + ch * g.H * g.W;
    const int64_t iy_off = ky * g.dh - g.pt, ix_off = kx * g.dw - g.pl;
    for (int64_t j0 = 0; j0 < nc; j0 += NR) {
      float* d = dst + (j0 / NR) * kc * NR + kk * NR;
      const int64_t w = imin(NR, nc - j0);
      int64_t n = n0 + j0, oy = n / g.OW, ox = n - oy * g.OW;
      int64_t j = 0;
      while (j < w) {
        const int64_t run = imin(w - j, g.OW - ox);
        const int64_t iy = oy * g.sh + iy_off;
        if (iy < 0 || iy >= g.H) {
          zero_floats(d + j, run);
        } else {
          const float* xr = xc + iy * g.W;
          if (g.sw == 1) {
            const int64_t lo = imin(imax(-ix_off - ox, 0), run);
            const int64_t hi = imax(imin(g.W - ix_off - ox, run), lo);
            fill_row(d + j, xr + ox + ix_off, lo, hi, run);
          } else if (g.sw == 2) {
            // Valid t: 0 <= 2(ox+t) + ix_off < W; vectors also read the odd element after their last pixel.
            const int64_t base = 2 * ox + ix_off;
            const int64_t lo = imin(imax((-base + 1) / 2, 0), run);
            const int64_t hi = imax(imin(g.W - base <= 0 ? 0 : (g.W - base + 1) / 2, run), lo);
            const int64_t vend = imax(imin(hi, g.W - 1 - base <= 0 ? 0 : (g.W - 1 - base + 1) / 2), lo);
            float* dd = d + j;
            const float* src = xr + base;
            int64_t t = 0;
            for (; t < lo; ++t) dd[t] = 0.f;
            for (; t + W <= vend; t += W) {
              T e, o;
              V::deinterleave2(src + 2 * t, &e, &o);
              V::store(dd + t, e);
            }
            for (; t < hi; ++t) dd[t] = src[2 * t];
            for (; t < run; ++t) dd[t] = 0.f;
          } else {
            for (int64_t t = 0; t < run; ++t) {
              const int64_t ix = (ox + t) * g.sw + ix_off;
              d[j + t] = (ix >= 0 && ix < g.W) ? xr[ix] : 0.f;
            }
          }
        }
        j += run;
        ox += run;
        if (ox == g.OW) {
          ox = 0;
          ++oy;
        }
      }
      zero_floats(d + w, NR - w);
    }
  }
}

static void epilogue(float* c, int64_t ldc, int64_t m, int64_t n, const Epilogue& e, int64_t r0, int64_t c0) {
  const float* cb = e.bias_kind == BiasKind::PerCol ? e.bias + c0 : nullptr;
  for (int64_t i = 0; i < m; ++i) {
    float* row = c + i * ldc;
    const float* res = e.residual ? e.residual + (r0 + i) * e.ldr + c0 : nullptr;
    const T rb = e.bias_kind == BiasKind::PerRow ? V::set1(e.bias[r0 + i]) : V::zero();
    int64_t j = 0;
    for (; j + W <= n; j += W) {
      T v = V::add(V::load(row + j), rb);
      if (cb) v = V::add(v, V::load(cb + j));
      if (res) v = V::add(v, V::load(res + j));
      V::store(row + j, simd::vactivation<V>(v, e.act));
    }
    if (j < n) {
      auto mk = V::mask(int(n - j));
      T v = V::add(V::load_mask(row + j, mk), rb);
      if (cb) v = V::add(v, V::load_mask(cb + j, mk));
      if (res) v = V::add(v, V::load_mask(res + j, mk));
      V::store_mask(row + j, mk, simd::vactivation<V>(v, e.act));
    }
  }
}

static void pack_a_full(MatRef a, int64_t M, int64_t K, float* dst) {
  for (int64_t i0 = 0; i0 < M; i0 += MR) pack_a_panel(a, i0, imin(MR, M - i0), 0, K, dst + (i0 / MR) * K * MR);
}

static void pack_b_full(MatRef b, int64_t K, int64_t N, float* dst) { pack_b_block(b, 0, K, 0, N, dst); }

static void pack_a_panels(MatRef a, int64_t M, int64_t K, int64_t p0, int64_t p1, float* dst) {
  for (int64_t p = p0; p < p1; ++p) pack_a_panel(a, p * MR, imin(MR, M - p * MR), 0, K, dst + p * K * MR);
}

static void pack_b_panels(const GemmDesc& d, int64_t p0, int64_t p1, float* dst) {
  const int64_t n0 = p0 * NR, nc = imin(p1 * NR, d.N) - n0;
  if (d.im2col) pack_b_im2col(*d.im2col, 0, d.K, n0, nc, dst + p0 * d.K * NR);
  else pack_b_block(d.b, 0, d.K, n0, nc, dst + p0 * d.K * NR);
}

static void run_task(const GemmDesc& d, const Plan& p, int64_t task, float* bbuf, float* abuf) {
  const int64_t nb = task % p.nblocks, mc = task / p.nblocks;
  const int64_t n0 = nb * p.nc, ncur = imin(p.nc, d.N - n0);
  const int64_t mpanels = (d.M + MR - 1) / MR;
  const int64_t ip0 = mc * p.mchunk_panels, ip1 = imin(mpanels, ip0 + p.mchunk_panels);
  if (ip0 >= ip1 || ncur <= 0) return;
  int64_t k0 = 0;
  do {
    const int64_t kc = imin(p.kc, d.K - k0);
    const bool last = k0 + kc >= d.K;
    const float* bblk;
    int64_t bstride;
    if (p.pb) {
      bblk = p.pb + (n0 / NR) * d.K * NR + k0 * NR;
      bstride = d.K * NR;
    } else {
      if (d.im2col) pack_b_im2col(*d.im2col, k0, kc, n0, ncur, bbuf);  // (per task: B is not shared)
      else pack_b_block(d.b, k0, kc, n0, ncur, bbuf);
      bblk = bbuf;
      bstride = kc * NR;
    }
    for (int64_t ip = ip0; ip < ip1; ++ip) {
      const int64_t i0 = ip * MR, m = imin(MR, d.M - i0);
      const float* ap;
      if (p.pa) {
        ap = p.pa + ip * d.K * MR + k0 * MR;
      } else {
        pack_a_panel(d.a, i0, m, k0, kc, abuf);
        ap = abuf;
      }
      for (int64_t j0 = 0; j0 < ncur; j0 += NR) {
        const int nr = int(imin(NR, ncur - j0));
        float* ct = d.c + i0 * d.ldc + n0 + j0;
        pick<MR>(int(m), (nr + W - 1) / W)(kc, ap, bblk + (j0 / NR) * bstride, ct, d.ldc, nr, k0 > 0);
        if (last && p.has_epilogue) epilogue(ct, d.ldc, m, nr, d.epi, i0, n0 + j0);
      }
    }
    k0 += kc;
  } while (k0 < d.K);
}

}  // namespace mindlet::gemm::MINDLET_GEMM_NS
