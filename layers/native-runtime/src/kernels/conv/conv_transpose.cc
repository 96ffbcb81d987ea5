// Conv2DTranspose / Conv2DBackpropInput (NCHW): the gradient of a forward Conv2D with respect to its input.
// cols[(co,ky,kx), (oy,ox)] = Wᵀ · dout as a GEMM (Wᵀ pre-packed when constant), then col2im scatters the
// columns into the output planes, and the epilogue adds bias / activation.
#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "conv_params.h"
#include "engine/kernel.h"
#include "engine/thread_pool.h"
#include "kernels/gemm/sgemm.h"

namespace mindlet::conv {
namespace {

struct TShapes {
  int64_t N, Cy, Hy, Wy;  // dout (the forward conv's output)
  int64_t Cx, H, W;       // result (the forward conv's input)
  int64_t KH, KW, Cxg, Cyg;
  int64_t pt, pl;
};

class ConvTransposeKernel : public Kernel {
 public:
  explicit ConvTransposeKernel(LoadContext& ctx) {
    const Node& node = ctx.node();
    where_ = node.op + " node " + node.name;
    p_ = parse_conv_params(node.attrs, where_);
    input_size_attr_ = node.attrs.get_ints("input_size");
    has_bias_ = node.attrs.get_int("mindlet.has_bias", 0) != 0;
    act_ = activation_from_name(node.attrs.get_string("mindlet.activation", ""));
    // Inputs: dout, weight[, input_size][, bias]; input_size is a tensor input when there are 3 or more
    // inputs and the fused bias is not one of them.
    const int base = ctx.input_count() - (has_bias_ ? 1 : 0);
    size_idx_ = base >= 3 ? 2 : -1;
    bias_idx_ = has_bias_ ? base : -1;
    if (ctx.input_count() < 2) ctx.fail("expects dout and weight inputs");
    if (const ConstTensor* w = ctx.constant(1); w && w->dtype == DType::F32 && w->shape.size() == 4) {
      const int64_t Cy = w->shape[0], Mk = w->shape[1] * w->shape[2] * w->shape[3], G = p_.group;
      if (Cy % G != 0) ctx.fail("weight rows not divisible by group");
      const int64_t Cyg = Cy / G;
      const float* wd = static_cast<const float*>(w->data);
      for (int64_t g = 0; g < G; ++g)
        packed_.push_back(gemm::pack_a(gemm::MatRef{wd + g * Cyg * Mk, 1, Mk}, Mk, Cyg));
    }
  }

  void infer(InferContext& ctx) const override {
    if (ctx.input(0).dtype != DType::F32 || ctx.input(1).dtype != DType::F32)
      MINDLET_FAIL("UNSUPPORTED", where_ + ": only float32 is supported");
    std::vector<int64_t> size = input_size_attr_;
    if (size_idx_ >= 0) size = ctx.const_ints(size_idx_);
    TShapes s = shapes(ctx.input(0).shape, ctx.input(1).shape, size, [&](const std::string& m) { ctx.fail(m); });
    if (has_bias_ && ctx.input(bias_idx_).numel() != s.Cx) ctx.fail("bias length differs from the output channels");
    ctx.set_output(0, DType::F32, Shape{s.N, s.Cx, s.H, s.W});
    ctx.request_scratch(size_t(s.Cxg * s.KH * s.KW * s.Hy * s.Wy) * sizeof(float));
  }

  void run(const RunContext& ctx) const override {
    const TensorView& out = ctx.output(0);
    std::vector<int64_t> size{out.shape[0], out.shape[1], out.shape[2], out.shape[3]};
    TShapes s = shapes(ctx.input(0).shape, ctx.input(1).shape, size,
                       [&](const std::string& m) { MINDLET_FAIL("INVALID_ARGUMENT", where_ + ": " + m); });
    const float* dy = ctx.input(0).as<float>();
    const float* w = ctx.input(1).as<float>();
    float* y = out.as<float>();
    float* cols = static_cast<float*>(ctx.scratch());
    const int64_t G = p_.group, Mk = s.Cxg * s.KH * s.KW, HWy = s.Hy * s.Wy, HW = s.H * s.W;
    ThreadPool& pool = ctx.pool();
    for (int64_t n = 0; n < s.N; ++n) {
      for (int64_t g = 0; g < G; ++g) {
        gemm::GemmDesc d;
        d.M = Mk;
        d.N = HWy;
        d.K = s.Cyg;
        if (!packed_.empty()) d.pa = &packed_[size_t(g)];
        else d.a = gemm::MatRef{w + g * s.Cyg * Mk, 1, Mk};
        d.b = gemm::MatRef{dy + (n * s.Cy + g * s.Cyg) * HWy, HWy, 1};
        d.c = cols;
        d.ldc = HWy;
        gemm::sgemm(d, &pool);
        float* yg = y + (n * s.Cx + g * s.Cxg) * HW;
        pool.parallel_for(s.Cxg, 1, [&](int64_t c0, int64_t c1) {
          for (int64_t co = c0; co < c1; ++co) col2im_plane(s, cols + co * s.KH * s.KW * HWy, yg + co * HW);
        });
      }
    }
    Epilogue epi;
    epi.act = act_;
    if (has_bias_) {
      epi.bias_kind = BiasKind::PerRow;
      epi.bias = ctx.input(bias_idx_).as<float>();
    }
    if (!epi.empty())
      for (int64_t n = 0; n < s.N; ++n) gemm::apply_epilogue(y + n * s.Cx * HW, HW, s.Cx, HW, epi, 0, 0);
  }

 private:
  // out[iy][ix] = Σ cols[(ky,kx)][(oy,ox)] over the (oy,ox,ky,kx) with iy = oy*sh - pt + ky*dh (same for x).
  void col2im_plane(const TShapes& s, const float* cols, float* out) const {
    std::fill(out, out + s.H * s.W, 0.f);
    for (int64_t ky = 0; ky < s.KH; ++ky)
      for (int64_t kx = 0; kx < s.KW; ++kx) {
        const float* c = cols + (ky * s.KW + kx) * s.Hy * s.Wy;
        const int64_t ix0 = kx * p_.dw - s.pl;
        const int64_t lo = ix0 >= 0 ? 0 : (-ix0 + p_.sw - 1) / p_.sw;
        const int64_t hi = std::min<int64_t>(s.Wy, s.W - 1 - ix0 < 0 ? 0 : (s.W - 1 - ix0) / p_.sw + 1);
        for (int64_t oy = 0; oy < s.Hy; ++oy) {
          const int64_t iy = oy * p_.sh - s.pt + ky * p_.dh;
          if (iy < 0 || iy >= s.H) continue;
          float* orow = out + iy * s.W + ix0;
          const float* crow = c + oy * s.Wy;
          if (p_.sw == 1)
            for (int64_t ox = lo; ox < hi; ++ox) orow[ox] += crow[ox];
          else
            for (int64_t ox = lo; ox < hi; ++ox) orow[ox * p_.sw] += crow[ox];
        }
      }
  }

  template <class Fail>
  TShapes shapes(const Shape& ys, const Shape& ws, const std::vector<int64_t>& size, Fail&& fail) const {
    if (ys.size() != 4 || ws.size() != 4) fail("dout and weight must be 4-D, got " + shape_str(ys) + " and " + shape_str(ws));
    TShapes s{};
    s.N = ys[0];
    s.Cy = ys[1];
    s.Hy = ys[2];
    s.Wy = ys[3];
    s.KH = ws[2];
    s.KW = ws[3];
    const int64_t G = p_.group;
    if (ws[0] != s.Cy) fail("weight has " + std::to_string(ws[0]) + " rows for " + std::to_string(s.Cy) + " dout channels");
    if (s.Cy % G != 0) fail("dout channels not divisible by group");
    s.Cyg = s.Cy / G;
    s.Cxg = ws[1];
    s.Cx = s.Cxg * G;
    const int64_t spanh = (s.KH - 1) * p_.dh + 1, spanw = (s.KW - 1) * p_.dw + 1;
    if (size.size() == 4) {
      if (size[0] != s.N || size[1] != s.Cx) fail("input_size " + shape_str(size) + " disagrees with dout/weight");
      s.H = size[2];
      s.W = size[3];
    } else if (size.size() == 2) {
      s.H = size[0];
      s.W = size[1];
    } else if (size.empty()) {  // no input_size: the smallest input that gives this dout
      if (p_.pad_mode == PadMode::Same) {
        s.H = s.Hy * p_.sh;
        s.W = s.Wy * p_.sw;
      } else {
        const bool pad = p_.pad_mode == PadMode::Pad;
        s.H = (s.Hy - 1) * p_.sh + spanh - (pad ? p_.pad[0] + p_.pad[1] : 0);
        s.W = (s.Wy - 1) * p_.sw + spanw - (pad ? p_.pad[2] + p_.pad[3] : 0);
      }
    } else {
      fail("input_size must have 4 values, got " + shape_str(size));
    }
    if (s.H <= 0 || s.W <= 0) fail("output size is empty");
    if (p_.pad_mode == PadMode::Same) {
      s.pt = std::max<int64_t>((s.Hy - 1) * p_.sh + spanh - s.H, 0) / 2;
      s.pl = std::max<int64_t>((s.Wy - 1) * p_.sw + spanw - s.W, 0) / 2;
    } else if (p_.pad_mode == PadMode::Pad) {
      s.pt = p_.pad[0];
      s.pl = p_.pad[2];
    }
    if (!packed_.empty() && (int64_t(packed_.size()) != G || packed_[0].K != s.Cyg || packed_[0].M != s.Cxg * s.KH * s.KW))
      fail("weight shape changed since load");
    return s;
  }

  std::string where_;
  ConvParams p_;
  std::vector<int64_t> input_size_attr_;
  int size_idx_ = -1, bias_idx_ = -1;
  bool has_bias_ = false;
  Activation act_ = Activation::None;
  std::vector<gemm::PackedA> packed_;
};

}  // namespace

MINDLET_KERNEL("Conv2DTranspose", [](LoadContext& c) { return std::make_unique<ConvTransposeKernel>(c); });
MINDLET_KERNEL("Conv2DBackpropInput", [](LoadContext& c) { return std::make_unique<ConvTransposeKernel>(c); });

}  // namespace mindlet::conv
