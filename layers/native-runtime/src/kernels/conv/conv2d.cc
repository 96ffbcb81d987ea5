// Conv2D (NCHW): depthwise kernel, Winograd F(4×4,3×3), a GEMM over an implicit im2col (1×1 reads x directly),
// or the transposed GEMM for small output planes; constant weights are packed at load for the algorithm the
// declared input shape selects; bias, residual and activation are fused into the output pass.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "conv_params.h"
#include "depthwise.h"
#include "engine/kernel.h"
#include "engine/thread_pool.h"
#include "kernels/gemm/sgemm.h"
#include "winograd.h"

namespace mindlet::conv {
namespace {

struct Shapes {
  int64_t N, C, H, W, OC, ICg, KH, KW, OH, OW;
  Axis ay, ax;
};

enum class Path { Depthwise, Direct, Winograd, Transposed };

class Conv2DKernel : public Kernel {
 public:
  explicit Conv2DKernel(LoadContext& ctx) {
    const Node& node = ctx.node();
    where_ = "Conv2D node " + node.name;
    p_ = parse_conv_params(node.attrs, where_);
    has_bias_ = node.attrs.get_int("mindlet.has_bias", 0) != 0;
    has_residual_ = node.attrs.get_int("mindlet.has_residual", 0) != 0;
    act_ = activation_from_name(node.attrs.get_string("mindlet.activation", ""));
    int next = 2;
    bias_idx_ = has_bias_ ? next++ : -1;
    res_idx_ = has_residual_ ? next++ : -1;
    if (ctx.input_count() < next) ctx.fail("expects " + std::to_string(next) + " inputs");
    const ConstTensor* w = ctx.constant(1);
    if (!w) return;
    if (w->dtype != DType::F32) MINDLET_FAIL("UNSUPPORTED", where_ + ": only float32 weights are supported");
    if (w->shape.size() != 4) ctx.fail("weight must be 4-D [out, in/group, kh, kw]");
    const int64_t OC = w->shape[0], K = w->shape[1] * w->shape[2] * w->shape[3], G = p_.group;
    if (OC % G != 0) ctx.fail("out channels " + std::to_string(OC) + " not divisible by group " + std::to_string(G));
    const float* wd = static_cast<const float*>(w->data);
    // Pack for the path the declared input shape selects; with an unknown shape, for Direct (and Winograd
    // when it may apply). Any path still runs without its packing by reading w at run time.
    bool direct = true, wino = winograd_applies(w->shape), transposed = false;
    const ValueInfo& xi = ctx.input_info(0);
    bool shape_known = false;
    if (xi.rank_known && xi.shape.size() == 4 && xi.shape[1] > 0 && xi.shape[2] > 0 && xi.shape[3] > 0) {
      Shapes s;
      bool ok = true;
      s = shapes(xi.shape, w->shape, [&](const std::string&) { ok = false; });
      if (ok) {
        shape_known = true;
        Path path = choose(s);
        direct = path == Path::Direct;
        wino = path == Path::Winograd;
        transposed = path == Path::Transposed;
      }
    }
    if (w->shape[1] == 1 && G > 1) direct = wino = transposed = false;  // depthwise reads w as is
    if (wino) wino_ = std::make_unique<WinogradWeights>(winograd_pack_weights(wd, OC, w->shape[1]));
    if (transposed) wt_ = std::make_unique<gemm::PackedB>(gemm::pack_b(gemm::MatRef{wd, 1, K}, K, OC));
    if (direct) {
      const int64_t OCg = OC / G;
      for (int64_t g = 0; g < G; ++g) packed_.push_back(gemm::pack_a(gemm::MatRef{wd + g * OCg * K, K, 1}, OCg, K));
    }
    // With the spatial shape fixed, run() takes the path chosen here, whose packed weights exist: the session
    // may then free the original weights.
    packed_for_run_ = shape_known && conv_algo_override() == ConvAlgo::Auto &&
                      ((direct && !packed_.empty()) || (wino && wino_) || (transposed && wt_));
  }

  bool reads_constant_at_run(int input) const override { return input != 1 || !packed_for_run_; }

  void infer(InferContext& ctx) const override {
    const ValueDesc& x = ctx.input(0);
    const ValueDesc& w = ctx.input(1);
    if (x.dtype != DType::F32 || w.dtype != DType::F32)
      MINDLET_FAIL("UNSUPPORTED", where_ + ": only float32 is supported");
    Shapes s = shapes(x.shape, w.shape, [&](const std::string& m) { ctx.fail(m); });
    Shape out{s.N, s.OC, s.OH, s.OW};
    if (has_bias_) {
      const ValueDesc& b = ctx.input(bias_idx_);
      if (b.numel() != s.OC)
        ctx.fail("bias has " + std::to_string(b.numel()) + " values for " + std::to_string(s.OC) + " channels");
    }
    if (has_residual_ && ctx.input(res_idx_).shape != out)
      ctx.fail("residual shape " + shape_str(ctx.input(res_idx_).shape) + " differs from output " + shape_str(out));
    ctx.set_output(0, DType::F32, out);
    if (choose(s) == Path::Transposed) ctx.request_scratch(transposed_scratch_floats(s) * sizeof(float));
  }

  void run(const RunContext& ctx) const override {
    const TensorView& x = ctx.input(0);
    const TensorView& w = ctx.input(1);
    Shapes s = shapes(x.shape, w.shape,
                      [&](const std::string& m) { MINDLET_FAIL("INVALID_ARGUMENT", where_ + ": " + m); });
    const float* xd = x.as<float>();
    const float* wd = w.as<float>();
    float* yd = ctx.output(0).as<float>();
    Epilogue epi;
    epi.act = act_;
    if (has_bias_) {
      epi.bias_kind = BiasKind::PerRow;
      epi.bias = ctx.input(bias_idx_).as<float>();
    }
    const float* res = has_residual_ ? ctx.input(res_idx_).as<float>() : nullptr;
    const Path path = choose(s);
    if (path == Path::Depthwise) return run_depthwise(s, xd, wd, yd, epi, res, ctx.pool());
    if (path == Path::Transposed)
      return run_transposed(s, xd, wd, yd, epi, res, static_cast<float*>(ctx.scratch()), ctx.pool());
    // A batch that splits evenly over the threads runs one image per thread, each GEMM single-threaded: no
    // hand-off per GEMM and each thread's panels stay in its own cache.
    ThreadPool& pool = ctx.pool();
    const int threads = pool.size();
    auto images = [&](int64_t n0, int64_t n1, ThreadPool* p) {
      Shapes part = s;
      part.N = n1 - n0;
      const int64_t in_stride = s.C * s.H * s.W, out_stride = s.OC * s.OH * s.OW;
      const float* r = res ? res + n0 * out_stride : nullptr;
      if (path == Path::Winograd && wino_) run_winograd(part, xd + n0 * in_stride, yd + n0 * out_stride, epi, r, p);
      else run_direct(part, xd + n0 * in_stride, wd, yd + n0 * out_stride, epi, r, p);
    };
    if (threads > 1 && s.N >= threads && s.N % threads == 0)
      pool.parallel_for(s.N, 1, [&](int64_t n0, int64_t n1) { images(n0, n1, nullptr); });
    else
      images(0, s.N, &pool);
  }

 private:
  bool winograd_applies(const Shape& ws) const {
    return ws.size() == 4 && ws[2] == 3 && ws[3] == 3 && p_.group == 1 && p_.sh == 1 && p_.sw == 1 && p_.dh == 1 &&
           p_.dw == 1;
  }

  Path choose(const Shapes& s) const {
    if (s.ICg == 1 && p_.group > 1) return Path::Depthwise;
    const bool wino_ok = winograd_applies(Shape{s.OC, s.ICg, s.KH, s.KW});
    const int64_t ohw = s.OH * s.OW;
    // Transposed pays off when the plane is narrower than a few vectors and OC is wide enough to amortize the
    // im2col and the final transposition (measured: ResNet's 7×7 stage gains, MobileNet's OC=160 stage loses).
    const bool transposed_ok = p_.group == 1;
    switch (conv_algo_override()) {
      case ConvAlgo::Direct: return Path::Direct;
      case ConvAlgo::Winograd: return wino_ok ? Path::Winograd : Path::Direct;
      case ConvAlgo::Transposed: return transposed_ok ? Path::Transposed : Path::Direct;
      case ConvAlgo::Auto: break;
    }
    if (wino_ok && winograd_worthwhile(s.C, s.OC, s.OH, s.OW)) return Path::Winograd;
    if (transposed_ok && ohw < 100 && s.OC >= 256 && ohw % 16 != 0) return Path::Transposed;
    return Path::Direct;
  }

  static int64_t transposed_scratch_floats(const Shapes& s) {
    const int64_t K = s.ICg * s.KH * s.KW, ohw = s.OH * s.OW;
    return (ohw + 16) * K + ohw * s.OC + 64;  // packed im2col (any ISA's row panels) + Cᵀ
  }

  void run_depthwise(const Shapes& s, const float* xd, const float* wd, float* yd, const Epilogue& epi,
                     const float* res, ThreadPool& pool) const {
    DepthwiseDesc d;
    d.x = xd;
    d.w = wd;
    d.y = yd;
    d.N = s.N;
    d.C = s.C;
    d.H = s.H;
    d.W = s.W;
    d.mult = s.OC / p_.group;
    d.KH = s.KH;
    d.KW = s.KW;
    d.sh = p_.sh;
    d.sw = p_.sw;
    d.dh = p_.dh;
    d.dw = p_.dw;
    d.pt = s.ay.pad_before;
    d.pl = s.ax.pad_before;
    d.OH = s.OH;
    d.OW = s.OW;
    d.epi = epi;
    d.epi.residual = res;
    depthwise_conv(d, &pool);
  }

  void run_winograd(const Shapes& s, const float* xd, float* yd, const Epilogue& epi, const float* res,
                    ThreadPool* pool) const {
    const int64_t OHW = s.OH * s.OW;
    for (int64_t n = 0; n < s.N; ++n) {
      WinogradDesc d;
      d.x = xd + n * s.C * s.H * s.W;
      d.y = yd + n * s.OC * OHW;
      d.C = s.C;
      d.H = s.H;
      d.W = s.W;
      d.OC = s.OC;
      d.OH = s.OH;
      d.OW = s.OW;
      d.pt = s.ay.pad_before;
      d.pl = s.ax.pad_before;
      d.epi = epi;
      if (res) d.epi.residual = res + n * s.OC * OHW;
      winograd_conv(*wino_, d, pool);
    }
  }

  gemm::Im2col im2col_of(const Shapes& s, const float* xg) const {
    gemm::Im2col im;
    im.x = xg;
    im.H = s.H;
    im.W = s.W;
    im.kh = s.KH;
    im.kw = s.KW;
    im.sh = p_.sh;
    im.sw = p_.sw;
    im.dh = p_.dh;
    im.dw = p_.dw;
    im.pt = s.ay.pad_before;
    im.pl = s.ax.pad_before;
    im.OH = s.OH;
    im.OW = s.OW;
    return im;
  }

  bool pointwise(const Shapes& s) const {
    return s.KH == 1 && s.KW == 1 && p_.sh == 1 && p_.sw == 1 && s.ay.pad_before == 0 && s.ax.pad_before == 0 &&
           s.OH == s.H && s.OW == s.W;
  }

  void run_direct(const Shapes& s, const float* xd, const float* wd, float* yd, const Epilogue& epi,
                  const float* res, ThreadPool* pool) const {
    const int64_t G = p_.group, OCg = s.OC / G, OHW = s.OH * s.OW, K = s.ICg * s.KH * s.KW;
    const bool pw = pointwise(s);
    for (int64_t n = 0; n < s.N; ++n) {
      for (int64_t g = 0; g < G; ++g) {
        const float* xg = xd + (n * s.C + g * s.ICg) * s.H * s.W;
        gemm::GemmDesc d;
        d.M = OCg;
        d.N = OHW;
        d.K = K;
        if (!packed_.empty()) d.pa = &packed_[size_t(g)];
        else d.a = gemm::MatRef{wd + g * OCg * K, K, 1};
        gemm::Im2col im = im2col_of(s, xg);
        if (pw) d.b = gemm::MatRef{xg, OHW, 1};
        else d.im2col = &im;
        d.c = yd + (n * s.OC + g * OCg) * OHW;
        d.ldc = OHW;
        d.epi = epi;
        if (epi.bias) d.epi.bias = epi.bias + g * OCg;
        if (res) {
          d.epi.residual = res + (n * s.OC + g * OCg) * OHW;
          d.epi.ldr = OHW;
        }
        gemm::sgemm(d, pool);
      }
    }
  }

  // im2col(x)ᵀ in the GEMM's A-panel layout: element (i = output pixel, k = (c,ky,kx)).
  static void pack_im2col_rows(const gemm::Im2col& im, int64_t C, int64_t k0, int64_t k1, int mr, int64_t K,
                               int64_t M, float* dst) {
    const int64_t khw = im.kh * im.kw, panels = (M + mr - 1) / mr;
    for (int64_t k = k0; k < k1; ++k) {
      const int64_t c = k / khw, r = k % khw, ky = r / im.kw, kx = r % im.kw;
      const float* xc = im.x + c * im.H * im.W;
      float* panel = dst + k * mr;  // row i goes to panel i/mr, lane i%mr
      int64_t lane = 0;
      for (int64_t oy = 0; oy < im.OH; ++oy) {
        const int64_t iy = oy * im.sh - im.pt + ky * im.dh;
        const bool row_in = iy >= 0 && iy < im.H;
        for (int64_t ox = 0; ox < im.OW; ++ox) {
          const int64_t ix = ox * im.sw - im.pl + kx * im.dw;
          panel[lane] = (row_in && ix >= 0 && ix < im.W) ? xc[iy * im.W + ix] : 0.f;
          if (++lane == mr) {
            lane = 0;
            panel += K * mr;
          }
        }
      }
      for (int64_t i = M; i < panels * mr; ++i) {
        panel[lane] = 0.f;
        if (++lane == mr) {
          lane = 0;
          panel += K * mr;
        }
      }
    }
  }

  void run_transposed(const Shapes& s, const float* xd, const float* wd, float* yd, const Epilogue& epi,
                      const float* res, float* scratch, ThreadPool& pool) const {
    const int64_t OHW = s.OH * s.OW, K = s.ICg * s.KH * s.KW;
    const gemm::Isa isa = wt_ ? wt_->isa : gemm::active_isa();
    const int mr = gemm::tile_mr(isa);
    float* cols = scratch;
    float* ct = scratch + (OHW + 16) * K;
    for (int64_t n = 0; n < s.N; ++n) {
      const float* xn = xd + n * s.C * s.H * s.W;
      const gemm::Im2col im = im2col_of(s, xn);
      gemm::GemmDesc d;
      d.M = OHW;
      d.N = s.OC;
      d.K = K;
      if (pointwise(s)) {
        d.a = gemm::MatRef{xn, 1, OHW};  // xᵀ as it is; the GEMM packs it
      } else {
        pool.parallel_for(K, 16, [&](int64_t k0, int64_t k1) { pack_im2col_rows(im, s.C, k0, k1, mr, K, OHW, cols); });
        d.a_packed = cols;
      }
      if (wt_) d.pb = wt_.get();
      else d.b = gemm::MatRef{wd, 1, K};
      d.c = ct;
      d.ldc = s.OC;
      gemm::sgemm(d, &pool);
      float* yn = yd + n * s.OC * OHW;
      Epilogue e = epi;
      if (res) {
        e.residual = res + n * s.OC * OHW;
        e.ldr = OHW;
      }
      pool.parallel_for(s.OC, 16, [&](int64_t o0, int64_t o1) {
        for (int64_t i0 = 0; i0 < OHW; i0 += 16)  // 16 rows of Cᵀ stay in L1 across consecutive channels
          for (int64_t oc = o0; oc < o1; ++oc)
            for (int64_t i = i0; i < std::min(OHW, i0 + 16); ++i) yn[oc * OHW + i] = ct[i * s.OC + oc];
        gemm::apply_epilogue(yn + o0 * OHW, OHW, o1 - o0, OHW, shifted(e, o0, OHW), 0, 0);
      });
    }
  }

  // The epilogue of rows [o0, ...) addressed from row 0.
  static Epilogue shifted(Epilogue e, int64_t o0, int64_t ld) {
    if (e.bias) e.bias += o0;
    if (e.residual) e.residual += o0 * ld;
    return e;
  }

  template <class Fail>
  Shapes shapes(const Shape& xs, const Shape& ws, Fail&& fail) const {
    Shapes s{};
    if (xs.size() != 4) {
      fail("input must be 4-D NCHW, got " + shape_str(xs));
      return s;
    }
    if (ws.size() != 4) {
      fail("weight must be 4-D, got " + shape_str(ws));
      return s;
    }
    s.N = xs[0];
    s.C = xs[1];
    s.H = xs[2];
    s.W = xs[3];
    s.OC = ws[0];
    s.ICg = ws[1];
    s.KH = ws[2];
    s.KW = ws[3];
    if ((p_.kh && p_.kh != s.KH) || (p_.kw && p_.kw != s.KW))
      fail("kernel_size does not match the weight shape " + shape_str(ws));
    if (s.ICg * p_.group != s.C)
      fail("input has " + std::to_string(s.C) + " channels, weight expects " + std::to_string(s.ICg) + " × group " +
           std::to_string(p_.group));
    if (s.OC % p_.group != 0) fail("out channels not divisible by group");
    if (wino_ && (wino_->OC != s.OC || wino_->C != s.C)) fail("weight shape changed since load");
    if (!packed_.empty() && (packed_[0].M * p_.group != s.OC || packed_[0].K != s.ICg * s.KH * s.KW))
      fail("weight shape changed since load");
    if (wt_ && (wt_->N != s.OC || wt_->K != s.ICg * s.KH * s.KW)) fail("weight shape changed since load");
    if (!forward_axis(s.H, s.KH, p_.sh, p_.dh, p_.pad_mode, p_.pad[0], p_.pad[1], &s.ay) ||
        !forward_axis(s.W, s.KW, p_.sw, p_.dw, p_.pad_mode, p_.pad[2], p_.pad[3], &s.ax))
      fail("input " + shape_str(xs) + " is smaller than the kernel");
    s.OH = s.ay.out;
    s.OW = s.ax.out;
    return s;
  }

  std::string where_;
  ConvParams p_;
  bool has_bias_ = false, has_residual_ = false;
  int bias_idx_ = -1, res_idx_ = -1;
  Activation act_ = Activation::None;
  bool packed_for_run_ = false;
  std::vector<gemm::PackedA> packed_;       // Direct: W per group
  std::unique_ptr<WinogradWeights> wino_;   // Winograd
  std::unique_ptr<gemm::PackedB> wt_;       // Transposed: Wᵀ
};

}  // namespace

MINDLET_KERNEL("Conv2D", [](LoadContext& c) { return std::make_unique<Conv2DKernel>(c); });

}  // namespace mindlet::conv
