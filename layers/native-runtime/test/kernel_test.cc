// Compares every GEMM/convolution/matmul kernel path against naive double-precision references: both ISAs
// (AVX2 and, where the CPU has it, AVX-512, forced through set_isa_override), 1 and 2 threads, constant and
// run-time weights, and every Conv2D algorithm that applies to a case (direct, Winograd, transposed).
//
// Error bound: each output is a sum of K products (+ bias + residual) accumulated in float32 with FMAs, in
// k-blocks of at most 384 terms. Rounding errors are independent with random signs, so the expected error is
// about sqrt(K)·2^-24·Σ|terms| (≤ 5e-6·Σ|terms| for K ≤ 4608); worst case K·2^-24. The bound used,
// 3e-5·Σ|terms|, is several standard deviations above the expected error yet far below what a wrong index or
// a missed term causes (≥ the magnitude of one term, ~1/K of Σ|terms|, since inputs are O(1) random values).
// Activations are applied to that result: their slope is ≤ 1.13 and the vector approximations add ≤ 2e-6
// absolute. Winograd transforms multiply the rounding error by their coefficient growth (F(4x4,3x3) matrices
// hold entries up to 8 and weights are scaled by 1/24..1/4), so its bound is 10× wider: 3e-4·Σ|terms|
// (VERBOSE=1 prints err/bound per check; measured Winograd errors stay below 1% of that bound).
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <string>

#include "harness.h"
#include "kernels/conv/conv_params.h"
#include "kernels/gemm/sgemm.h"

using namespace harness;
using mindlet::gemm::Isa;

static int g_failures = 0, g_checks = 0;
static std::mt19937 g_rng(12345);

static std::vector<float> rand_vec(int64_t n, float lo = -1.f, float hi = 1.f) {
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = u(g_rng);
  return v;
}

static double act_ref(double x, const std::string& a) {
  if (a.empty()) return x;
  if (a == "relu") return x > 0 ? x : 0;
  if (a == "relu6") return std::min(std::max(x, 0.0), 6.0);
  if (a == "sigmoid") return 1 / (1 + std::exp(-x));
  if (a == "tanh") return std::tanh(x);
  if (a == "gelu") return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
  if (a == "gelu_tanh") return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
  if (a == "fast_gelu") return x / (1 + std::exp(-1.702 * x));
  if (a == "hswish") return x * std::min(std::max(x + 3, 0.0), 6.0) / 6;
  if (a == "hsigmoid") return std::min(std::max(x + 3, 0.0), 6.0) / 6;
  if (a == "silu") return x / (1 + std::exp(-x));
  throw std::runtime_error("unknown activation " + a);
}

// Expected value and Σ|terms| for each output.
struct Ref {
  std::vector<double> val, mag;
};

template <class Vec>
static void check(const std::string& name, const Ref& ref, const Vec& got, const std::string& act,
                  double rel_tol) {
  ++g_checks;
  if (got.size() != ref.val.size()) {
    std::printf("FAIL %s: %zu outputs, expected %zu\n", name.c_str(), got.size(), ref.val.size());
    ++g_failures;
    return;
  }
  double worst = 0;
  size_t bad = 0, first_bad = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double want = act_ref(ref.val[i], act);
    const double err = std::fabs(double(got[i]) - want);
    const double allowed = 1.2 * rel_tol * ref.mag[i] + 2e-6 + 1e-6 * std::fabs(want);
    const double ratio = err / allowed;
    if (!(ratio <= 1.0)) {
      if (!bad) first_bad = i;
      ++bad;
    }
    if (ratio > worst || std::isnan(ratio)) worst = std::isnan(ratio) ? 1e30 : ratio;
  }
  if (bad) {
    ++g_failures;
    std::printf("FAIL %s: %zu/%zu outside bound (worst err/bound %.3g; first at %zu: got %g want %g)\n", name.c_str(),
                bad, got.size(), worst, first_bad, got[first_bad], act_ref(ref.val[first_bad], act));
  } else if (std::getenv("VERBOSE")) {
    std::printf("ok   %s (worst err/bound %.3g)\n", name.c_str(), worst);
  }
}

// ---------------------------------------------------------------- convolution

struct ConvCase {
  std::string name;
  int64_t N = 1, C, H, W, OC, KH, KW;
  int64_t sh = 1, sw = 1, dh = 1, dw = 1, group = 1;
  std::string pad_mode = "valid";  // "same" / "valid" / "pad", or "int:0/1/2"
  std::vector<int64_t> pads = {0, 0, 0, 0};
  bool bias = false, residual = false;
  std::string act;
  bool stride4 = false;  // stride/dilation written as [1,1,h,w]
  double tol = 3e-5;
};

// Independent of conv_params.cc: SAME padding as TensorFlow/MindSpore define it.
static void expected_pads(const ConvCase& c, int64_t* pads, int64_t* OH, int64_t* OW) {
  std::string mode = c.pad_mode;
  if (mode == "int:0") mode = "pad";
  if (mode == "int:1" || mode == "SAME") mode = "same";
  if (mode == "int:2" || mode == "VALID") mode = "valid";
  auto axis = [&](int64_t in, int64_t k, int64_t s, int64_t d, int64_t* before, int64_t* after) {
    if (mode == "same") {
      int64_t out = (in + s - 1) / s;
      int64_t total = std::max<int64_t>((out - 1) * s + (k - 1) * d + 1 - in, 0);
      *before = total / 2;
      *after = total - total / 2;
    } else if (mode == "valid") {
      *before = *after = 0;
    }
    return (in + *before + *after - ((k - 1) * d + 1)) / s + 1;
  };
  for (int i = 0; i < 4; ++i) pads[i] = c.pads[size_t(i)];
  *OH = axis(c.H, c.KH, c.sh, c.dh, &pads[0], &pads[1]);
  *OW = axis(c.W, c.KW, c.sw, c.dw, &pads[2], &pads[3]);
}

static Ref conv_ref(const ConvCase& c, const std::vector<float>& x, const std::vector<float>& w,
                    const std::vector<float>& b, const std::vector<float>& r) {
  int64_t pads[4], OH, OW;
  expected_pads(c, pads, &OH, &OW);
  const int64_t ICg = c.C / c.group, OCg = c.OC / c.group;
  Ref ref;
  ref.val.resize(size_t(c.N * c.OC * OH * OW));
  ref.mag.resize(ref.val.size());
  for (int64_t n = 0; n < c.N; ++n)
    for (int64_t oc = 0; oc < c.OC; ++oc) {
      const int64_t g = oc / OCg;
      for (int64_t oy = 0; oy < OH; ++oy)
        for (int64_t ox = 0; ox < OW; ++ox) {
          double s = 0, m = 0;
          for (int64_t ic = 0; ic < ICg; ++ic)
            for (int64_t ky = 0; ky < c.KH; ++ky)
              for (int64_t kx = 0; kx < c.KW; ++kx) {
                const int64_t iy = oy * c.sh - pads[0] + ky * c.dh, ix = ox * c.sw - pads[2] + kx * c.dw;
                if (iy < 0 || iy >= c.H || ix < 0 || ix >= c.W) continue;
                const double t = double(x[size_t(((n * c.C + g * ICg + ic) * c.H + iy) * c.W + ix)]) *
                                 w[size_t(((oc * ICg + ic) * c.KH + ky) * c.KW + kx)];
                s += t;
                m += std::fabs(t);
              }
          const size_t o = size_t(((n * c.OC + oc) * OH + oy) * OW + ox);
          if (!b.empty()) s += b[size_t(oc)], m += std::fabs(b[size_t(oc)]);
          if (!r.empty()) s += r[o], m += std::fabs(r[o]);
          ref.val[o] = s;
          ref.mag[o] = m;
        }
    }
  return ref;
}

static Attrs conv_attrs(const ConvCase& c) {
  Attrs a;
  a.items["kernel_size"] = ints({c.KH, c.KW});
  a.items["stride"] = c.stride4 ? ints({1, 1, c.sh, c.sw}) : ints({c.sh, c.sw});
  a.items["dilation"] = c.stride4 ? ints({1, 1, c.dh, c.dw}) : ints({c.dh, c.dw});
  if (c.pad_mode.rfind("int:", 0) == 0) a.items["pad_mode"] = num(double(c.pad_mode[4] - '0'));
  else a.items["pad_mode"] = str(c.pad_mode);
  a.items["pad_list"] = ints(c.pads);
  a.items["pad"] = ints(c.pads);
  a.items["group"] = num(double(c.group));
  a.items["out_channel"] = num(double(c.OC));
  a.items["format"] = str("NCHW");
  if (c.bias) a.set_int("mindlet.has_bias", 1);
  if (c.residual) a.set_int("mindlet.has_residual", 1);
  if (!c.act.empty()) a.set_string("mindlet.activation", c.act);
  return a;
}

static void test_conv(const ConvCase& c, ThreadPool& pool) {
  int64_t pads[4], OH, OW;
  expected_pads(c, pads, &OH, &OW);
  auto x = rand_vec(c.N * c.C * c.H * c.W);
  auto w = rand_vec(c.OC * (c.C / c.group) * c.KH * c.KW);
  auto b = c.bias ? rand_vec(c.OC) : std::vector<float>();
  auto r = c.residual ? rand_vec(c.N * c.OC * OH * OW) : std::vector<float>();
  Ref ref = conv_ref(c, x, w, b, r);
  using mindlet::conv::ConvAlgo;
  const bool wino_ok = c.KH == 3 && c.KW == 3 && c.sh == 1 && c.sw == 1 && c.dh == 1 && c.dw == 1 && c.group == 1;
  const bool depthwise = c.group > 1 && c.group == c.C;
  for (int variant = 0; variant < 5; ++variant) {
    // 0: constant w, direct; 1: runtime w; 2: Winograd; 3: transposed, constant w; 4: transposed, runtime w.
    const bool wconst = variant != 1 && variant != 4, wino = variant == 2, transposed = variant >= 3;
    if ((wino && !wino_ok) || (transposed && c.group != 1) || (depthwise && variant > 1)) continue;
    mindlet::conv::set_conv_algo_override(wino ? ConvAlgo::Winograd : transposed ? ConvAlgo::Transposed : ConvAlgo::Direct);
    std::vector<In> ins{{{c.N, c.C, c.H, c.W}, x, false}, {{c.OC, c.C / c.group, c.KH, c.KW}, w, wconst}};
    if (c.bias) ins.push_back({{c.OC}, b, true});
    if (c.residual) ins.push_back({{c.N, c.OC, OH, OW}, r, false});
    auto l = load("Conv2D", conv_attrs(c), ins);
    auto p = prepare(*l);
    run(*l, *p, pool);
    std::string name = "Conv2D " + c.name + (wino ? " [winograd]" : transposed ? " [transposed]" : "") +
                       (wconst ? " [const w]" : " [runtime w]") + " isa=" +
                       mindlet::gemm::isa_name(mindlet::gemm::active_isa()) + " threads=" + std::to_string(pool.size());
    if (p->out_shape != Shape{c.N, c.OC, OH, OW}) {
      std::printf("FAIL %s: output shape %s, expected [%lld,%lld,%lld,%lld]\n", name.c_str(),
                  shape_str(p->out_shape).c_str(), (long long)c.N, (long long)c.OC, (long long)OH, (long long)OW);
      ++g_failures;
      continue;
    }
    check(name, ref, p->out, c.act, wino ? 3e-4 : c.tol);
  }
  mindlet::conv::set_conv_algo_override(ConvAlgo::Auto);
}

static std::vector<ConvCase> conv_cases() {
  std::vector<ConvCase> v;
  auto add = [&](ConvCase c) { v.push_back(c); };
  ConvCase c;
  c = {};
  c.name = "7x7 s2 pad3 C3 odd";
  c.C = 3, c.H = 23, c.W = 21, c.OC = 16, c.KH = c.KW = 7, c.sh = c.sw = 2, c.pad_mode = "pad", c.pads = {3, 3, 3, 3};
  c.bias = true, c.act = "relu";
  add(c);
  c = {};
  c.name = "1x1 pointwise residual relu6";
  c.C = 64, c.H = c.W = 14, c.OC = 40, c.KH = c.KW = 1, c.bias = true, c.residual = true, c.act = "relu6";
  add(c);
  c = {};
  c.name = "1x1 s2 valid";
  c.C = 24, c.H = c.W = 15, c.OC = 33, c.KH = c.KW = 1, c.sh = c.sw = 2;
  add(c);
  c = {};
  c.name = "3x3 same s1 sigmoid";
  c.C = 32, c.H = c.W = 17, c.OC = 48, c.KH = c.KW = 3, c.pad_mode = "same", c.bias = true, c.act = "sigmoid";
  add(c);
  c = {};
  c.name = "3x3 same s2 even (asymmetric pad)";
  c.C = 8, c.H = 16, c.W = 12, c.OC = 20, c.KH = c.KW = 3, c.sh = c.sw = 2, c.pad_mode = "SAME";
  add(c);
  c = {};
  c.name = "3x3 pad_mode int 1 (same) stride [1,1,2,2]";
  c.C = 5, c.H = 15, c.W = 9, c.OC = 7, c.KH = c.KW = 3, c.sh = c.sw = 2, c.pad_mode = "int:1", c.stride4 = true;
  add(c);
  c = {};
  c.name = "3x3 dilation 2 pad 2 (int 0)";
  c.C = 6, c.H = c.W = 13, c.OC = 10, c.KH = c.KW = 3, c.dh = c.dw = 2, c.pad_mode = "int:0", c.pads = {2, 2, 2, 2};
  add(c);
  c = {};
  c.name = "asymmetric pads 1,0,2,1 kernel 2x3";
  c.C = 4, c.H = 9, c.W = 10, c.OC = 6, c.KH = 2, c.KW = 3, c.pad_mode = "pad", c.pads = {1, 0, 2, 1};
  add(c);
  c = {};
  c.name = "group 4 3x3";
  c.C = 16, c.H = c.W = 11, c.OC = 24, c.KH = c.KW = 3, c.group = 4, c.pad_mode = "same", c.bias = true;
  c.residual = true, c.act = "hswish";
  add(c);
  c = {};
  c.name = "depthwise 3x3 s1 same relu6";
  c.C = 32, c.H = c.W = 19, c.OC = 32, c.KH = c.KW = 3, c.group = 32, c.pad_mode = "same", c.bias = true;
  c.act = "relu6";
  add(c);
  c = {};
  c.name = "depthwise 3x3 s2 same";
  c.C = 24, c.H = c.W = 18, c.OC = 24, c.KH = c.KW = 3, c.sh = c.sw = 2, c.group = 24, c.pad_mode = "same";
  c.residual = true;
  add(c);
  c = {};
  c.name = "depthwise 5x5 pad 2 dilation 2";
  c.C = 8, c.H = 12, c.W = 14, c.OC = 8, c.KH = c.KW = 5, c.group = 8, c.pad_mode = "pad", c.pads = {2, 1, 0, 3};
  c.dh = 2, c.dw = 1;
  add(c);
  c = {};
  c.name = "depthwise multiplier 2";
  c.C = 8, c.H = c.W = 10, c.OC = 16, c.KH = c.KW = 3, c.group = 8, c.pad_mode = "same", c.bias = true;
  add(c);
  c = {};
  c.name = "3x3 valid batch 2 residual tanh";
  c.N = 2, c.C = 12, c.H = 10, c.W = 9, c.OC = 18, c.KH = c.KW = 3, c.residual = true, c.act = "tanh";
  add(c);
  c = {};
  c.name = "3x3 same K=2304 (k-blocks)";
  c.C = 256, c.H = c.W = 7, c.OC = 36, c.KH = c.KW = 3, c.pad_mode = "same", c.bias = true;
  add(c);
  c = {};
  c.name = "1x1 C=1000 OC=70 (k-blocks, row tail)";
  c.C = 1000, c.H = c.W = 6, c.OC = 70, c.KH = c.KW = 1, c.bias = true, c.act = "relu";
  add(c);
  c = {};
  c.name = "3x3 same 56x56 C64 (resnet-like)";
  c.C = 64, c.H = c.W = 56, c.OC = 64, c.KH = c.KW = 3, c.pad_mode = "same", c.bias = true, c.residual = true;
  c.act = "relu";
  add(c);
  c = {};
  c.name = "3x3 same 14x14 C128 OC 96";
  c.C = 128, c.H = c.W = 14, c.OC = 96, c.KH = c.KW = 3, c.pad_mode = "same", c.bias = true;
  add(c);
  c = {};
  c.name = "3x3 pad1 odd 13x11 C40";
  c.C = 40, c.H = 13, c.W = 11, c.OC = 30, c.KH = c.KW = 3, c.pad_mode = "pad", c.pads = {1, 1, 1, 1}, c.bias = true;
  c.act = "silu";
  add(c);
  c = {};
  c.name = "3x3 s2 pad1 wide odd row (vector im2col)";
  c.C = 4, c.H = 9, c.W = 69, c.OC = 8, c.KH = c.KW = 3, c.sh = c.sw = 2, c.pad_mode = "pad", c.pads = {1, 1, 1, 1};
  add(c);
  c = {};
  c.name = "1x1 s2 wide even row";
  c.C = 5, c.H = 6, c.W = 66, c.OC = 9, c.KH = c.KW = 1, c.sh = c.sw = 2;
  add(c);
  c = {};
  c.name = "7x7 s2 pad3 wide (resnet stem-like)";
  c.C = 3, c.H = 12, c.W = 71, c.OC = 16, c.KH = c.KW = 7, c.sh = c.sw = 2, c.pad_mode = "pad", c.pads = {3, 3, 3, 3};
  c.bias = true, c.act = "relu";
  add(c);
  c = {};
  c.name = "depthwise 3x3 s2 wide odd row";
  c.C = 6, c.H = 9, c.W = 69, c.OC = 6, c.KH = c.KW = 3, c.sh = c.sw = 2, c.group = 6, c.pad_mode = "same";
  c.bias = true, c.act = "relu6";
  add(c);
  c = {};
  c.name = "depthwise 3x3 s2 valid even row";
  c.C = 5, c.H = 8, c.W = 70, c.OC = 5, c.KH = c.KW = 3, c.sh = c.sw = 2, c.group = 5;
  add(c);
  c = {};
  c.name = "depthwise 3x3 s1 wide";
  c.C = 3, c.H = 5, c.W = 67, c.OC = 3, c.KH = c.KW = 3, c.group = 3, c.pad_mode = "same", c.residual = true;
  add(c);
  for (const char* act : {"relu", "relu6", "sigmoid", "tanh", "gelu", "gelu_tanh", "fast_gelu", "hswish", "hsigmoid",
                          "silu"}) {
    c = {};
    c.name = std::string("1x1 activation ") + act;
    c.C = 8, c.H = 5, c.W = 7, c.OC = 19, c.KH = c.KW = 1, c.bias = true, c.act = act;
    add(c);
  }
  return v;
}

// ---------------------------------------------------------------- matmul

static Ref matmul_ref(const std::vector<float>& a, const std::vector<float>& b, int64_t M, int64_t K, int64_t N,
                      bool ta, bool tb, int64_t aoff, int64_t boff, const float* bias, Ref* into, int64_t coff) {
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      double s = 0, m = 0;
      for (int64_t k = 0; k < K; ++k) {
        double t = double(a[size_t(aoff + (ta ? k * M + i : i * K + k))]) * b[size_t(boff + (tb ? j * K + k : k * N + j))];
        s += t;
        m += std::fabs(t);
      }
      if (bias) s += bias[j], m += std::fabs(bias[j]);
      into->val[size_t(coff + i * N + j)] = s;
      into->mag[size_t(coff + i * N + j)] = m;
    }
  return *into;
}

struct MmCase {
  std::string name;
  Shape as, bs;
  bool ta = false, tb = false, aconst = false, bconst = false, bias = false, batched = false;
  std::string act;
};

static void test_matmul(const MmCase& c, ThreadPool& pool) {
  const size_t ra = c.as.size(), rb = c.bs.size();
  const int64_t M = c.ta ? c.as[ra - 1] : c.as[ra - 2], K = c.ta ? c.as[ra - 2] : c.as[ra - 1];
  const int64_t N = c.tb ? c.bs[rb - 2] : c.bs[rb - 1];
  auto a = rand_vec(shape_numel(c.as));
  auto b = rand_vec(shape_numel(c.bs));
  auto bias = c.bias ? rand_vec(N) : std::vector<float>();
  // Broadcast batch dims (right-aligned).
  const size_t rank = std::max(ra, rb) - 2;
  Shape ab(rank, 1), bb(rank, 1), ob(rank);
  for (size_t i = 0; i + 2 < ra; ++i) ab[rank - (ra - 2) + i] = c.as[i];
  for (size_t i = 0; i + 2 < rb; ++i) bb[rank - (rb - 2) + i] = c.bs[i];
  for (size_t i = 0; i < rank; ++i) ob[i] = std::max(ab[i], bb[i]);
  const int64_t batches = shape_numel(ob);
  Ref ref;
  ref.val.resize(size_t(batches * M * N));
  ref.mag.resize(ref.val.size());
  for (int64_t bi = 0; bi < batches; ++bi) {
    int64_t rem = bi, ai = 0, bj = 0, sa = 1, sb = 1;
    for (size_t d = rank; d-- > 0;) {
      int64_t idx = rem % ob[d];
      rem /= ob[d];
      ai += (ab[d] == 1 ? 0 : idx) * sa;
      bj += (bb[d] == 1 ? 0 : idx) * sb;
      sa *= ab[d];
      sb *= bb[d];
    }
    matmul_ref(a, b, M, K, N, c.ta, c.tb, ai * M * K, bj * K * N, c.bias ? bias.data() : nullptr, &ref, bi * M * N);
  }
  Attrs at;
  at.items["transpose_a"] = boolean(c.ta);
  at.items["transpose_b"] = boolean(c.tb);
  if (c.bias) at.set_int("mindlet.has_bias", 1);
  if (!c.act.empty()) at.set_string("mindlet.activation", c.act);
  std::vector<In> ins{{c.as, a, c.aconst}, {c.bs, b, c.bconst}};
  if (c.bias) ins.push_back({{N}, bias, true});
  auto l = load(c.batched ? "BatchMatMul" : "MatMul", at, ins);
  auto p = prepare(*l);
  run(*l, *p, pool);
  check((c.batched ? "BatchMatMul " : "MatMul ") + c.name + " isa=" + mindlet::gemm::isa_name(mindlet::gemm::active_isa()) +
            " threads=" + std::to_string(pool.size()),
        ref, p->out, c.act, 3e-5);
}

static void test_dense(int64_t rows, int64_t in, int64_t out, bool bias, bool wconst, ThreadPool& pool) {
  auto x = rand_vec(rows * in), w = rand_vec(out * in), b = rand_vec(out);
  Ref ref;
  ref.val.resize(size_t(rows * out));
  ref.mag.resize(ref.val.size());
  matmul_ref(x, w, rows, in, out, false, true, 0, 0, bias ? b.data() : nullptr, &ref, 0);
  Attrs at;
  at.items["has_bias"] = boolean(bias);
  std::vector<In> ins{{{rows / 2, 2, in}, x, false}, {{out, in}, w, wconst}};
  if (bias) ins.push_back({{out}, b, true});
  auto l = load("Dense", at, ins);
  auto p = prepare(*l);
  run(*l, *p, pool);
  check("Dense " + std::to_string(rows) + "x" + std::to_string(in) + "->" + std::to_string(out) +
            (bias ? " bias" : "") + (wconst ? " const" : ""),
        ref, p->out, "", 3e-5);
}

static std::vector<MmCase> mm_cases() {
  std::vector<MmCase> v;
  v.push_back({"1x1", {1, 1}, {1, 1}});
  v.push_back({"odd 13x7x29", {13, 7}, {7, 29}});
  v.push_back({"ta", {40, 13}, {40, 35}, true});
  v.push_back({"tb const", {17, 50}, {33, 50}, false, true, false, true});
  v.push_back({"ta tb", {50, 17}, {33, 50}, true, true});
  v.push_back({"const A", {30, 70}, {70, 45}, false, false, true, false});
  v.push_back({"bert qkv const bias", {128, 768}, {768, 768}, false, false, false, true, true, false});
  v.push_back({"bert ffn gelu", {128, 768}, {768, 3072}, false, false, false, true, true, false, "gelu"});
  v.push_back({"bert ffn2 tb", {128, 3072}, {768, 3072}, false, true, false, true, true});
  v.push_back({"3d a folds into rows", {4, 8, 20}, {20, 12}, false, false, false, true, true, false, "fast_gelu"});
  v.push_back({"batched QK^T", {12, 128, 64}, {12, 128, 64}, false, true, false, false, false, true});
  v.push_back({"batched PV", {12, 128, 128}, {12, 128, 64}, false, false, false, false, false, true});
  v.push_back({"broadcast [2,3,..]x[3,..]", {2, 3, 9, 11}, {3, 11, 5}, false, false, false, false, false, true});
  v.push_back({"broadcast [1,..]x[4,..] ta", {1, 11, 9}, {4, 11, 6}, true, false, false, false, false, true});
  v.push_back({"batched const B", {3, 10, 16}, {3, 16, 20}, false, false, false, true, true, true, "relu"});
  v.push_back({"batched 2-D const B", {5, 10, 16}, {16, 20}, false, false, false, true, false, true});
  return v;
}

// ---------------------------------------------------------------- transposed convolution

struct TCase {
  std::string name;
  int64_t N, Cy, Hy, Wy, Cx, H, W, KH, KW, s, d, group;
  std::string pad_mode;
  std::vector<int64_t> pads;  // t, b, l, r for "pad"
  bool size_input, bias;
  std::string act;
};

static void test_transpose(const TCase& c, const char* op, ThreadPool& pool) {
  const int64_t Cyg = c.Cy / c.group, Cxg = c.Cx / c.group;
  int64_t pt = 0, pl = 0;
  if (c.pad_mode == "same") {
    pt = std::max<int64_t>((c.Hy - 1) * c.s + (c.KH - 1) * c.d + 1 - c.H, 0) / 2;
    pl = std::max<int64_t>((c.Wy - 1) * c.s + (c.KW - 1) * c.d + 1 - c.W, 0) / 2;
  } else if (c.pad_mode == "pad") {
    pt = c.pads[0];
    pl = c.pads[2];
  }
  auto dy = rand_vec(c.N * c.Cy * c.Hy * c.Wy), w = rand_vec(c.Cy * Cxg * c.KH * c.KW), b = rand_vec(c.Cx);
  Ref ref;
  ref.val.assign(size_t(c.N * c.Cx * c.H * c.W), 0);
  ref.mag.assign(ref.val.size(), 0);
  for (int64_t n = 0; n < c.N; ++n)
    for (int64_t cy = 0; cy < c.Cy; ++cy)
      for (int64_t cxg = 0; cxg < Cxg; ++cxg)
        for (int64_t oy = 0; oy < c.Hy; ++oy)
          for (int64_t ox = 0; ox < c.Wy; ++ox)
            for (int64_t ky = 0; ky < c.KH; ++ky)
              for (int64_t kx = 0; kx < c.KW; ++kx) {
                const int64_t iy = oy * c.s - pt + ky * c.d, ix = ox * c.s - pl + kx * c.d;
                if (iy < 0 || iy >= c.H || ix < 0 || ix >= c.W) continue;
                const int64_t cx = (cy / Cyg) * Cxg + cxg;
                const double t = double(dy[size_t(((n * c.Cy + cy) * c.Hy + oy) * c.Wy + ox)]) *
                                 w[size_t(((cy * Cxg + cxg) * c.KH + ky) * c.KW + kx)];
                const size_t o = size_t(((n * c.Cx + cx) * c.H + iy) * c.W + ix);
                ref.val[o] += t;
                ref.mag[o] += std::fabs(t);
              }
  if (c.bias)
    for (size_t o = 0; o < ref.val.size(); ++o) {
      const int64_t cx = int64_t(o / size_t(c.H * c.W)) % c.Cx;
      ref.val[o] += b[size_t(cx)];
      ref.mag[o] += std::fabs(b[size_t(cx)]);
    }
  Attrs at;
  at.items["kernel_size"] = ints({c.KH, c.KW});
  at.items["stride"] = ints({c.s, c.s});
  at.items["dilation"] = ints({1, 1, c.d, c.d});
  at.items["pad_mode"] = str(c.pad_mode);
  at.items["pad_list"] = ints(c.pads);
  at.items["group"] = num(double(c.group));
  at.items["out_channel"] = num(double(c.Cx));
  if (c.bias) at.set_int("mindlet.has_bias", 1);
  if (!c.act.empty()) at.set_string("mindlet.activation", c.act);
  std::vector<In> ins{{{c.N, c.Cy, c.Hy, c.Wy}, dy, false}, {{c.Cy, Cxg, c.KH, c.KW}, w, true}};
  if (c.size_input) ins.push_back({{4}, {float(c.N), float(c.Cx), float(c.H), float(c.W)}, true});
  if (c.bias) ins.push_back({{c.Cx}, b, true});
  auto l = load(op, at, ins);
  auto p = prepare(*l);
  run(*l, *p, pool);
  std::string name = std::string(op) + " " + c.name + " threads=" + std::to_string(pool.size());
  if (p->out_shape != Shape{c.N, c.Cx, c.H, c.W}) {
    std::printf("FAIL %s: output shape %s\n", name.c_str(), shape_str(p->out_shape).c_str());
    ++g_failures;
    return;
  }
  check(name, ref, p->out, c.act, 3e-5);
}

static std::vector<TCase> t_cases() {
  return {
      {"k3 s2 same odd", 1, 8, 5, 6, 6, 9, 11, 3, 3, 2, 1, 1, "same", {0, 0, 0, 0}, true, true, "relu"},
      {"k4 s2 pad 1", 2, 6, 7, 7, 5, 14, 14, 4, 4, 2, 1, 1, "pad", {1, 1, 1, 1}, true, false, ""},
      {"k3 s1 valid dilation 2 group 2", 1, 8, 6, 5, 4, 10, 9, 3, 3, 1, 2, 2, "valid", {0, 0, 0, 0}, true, false, ""},
      {"k2 s2 valid no input_size", 1, 16, 7, 7, 8, 14, 14, 2, 2, 2, 1, 1, "valid", {0, 0, 0, 0}, false, true, ""},
      {"k3 s2 same 32ch", 1, 32, 14, 14, 24, 28, 28, 3, 3, 2, 1, 1, "same", {0, 0, 0, 0}, true, true, "sigmoid"},
  };
}

int main() {
  const bool avx512 = mindlet::gemm::cpu_has_avx512();
  std::vector<int> isas{int(Isa::Avx2)};
  if (avx512) isas.push_back(int(Isa::Avx512));
  else std::printf("note: no AVX-512 on this CPU; testing the AVX2 path only\n");
  for (int isa : isas) {
    mindlet::gemm::set_isa_override(isa);
    for (int threads : {1, 2}) {
      ThreadPool pool(threads);
      for (auto& c : conv_cases()) test_conv(c, pool);
      for (auto& c : mm_cases()) test_matmul(c, pool);
      test_dense(6, 40, 30, true, true, pool);
      test_dense(8, 33, 17, false, false, pool);
      for (auto& c : t_cases()) {
        test_transpose(c, "Conv2DTranspose", pool);
        test_transpose(c, "Conv2DBackpropInput", pool);
      }
    }
  }
  std::printf("%d checks, %d failures\n", g_checks, g_failures);
  return g_failures ? 1 : 0;
}
