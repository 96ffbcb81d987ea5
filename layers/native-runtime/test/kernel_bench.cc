// GFLOP/s of the Conv2D / MatMul / BatchMatMul kernels on ResNet-50, MobileNetV2 and BERT-base (seq 128)
// shapes, batch 1, through the same load/infer/run path the session uses, on 1 and 2 threads.
//   kernel_bench [resnet|mobilenet|bert|all] [avx2|avx512]
// env BENCH_MS: time per shape (default 150); BENCH_FILTER: only conv shapes whose description contains it;
// BENCH_ONE_THREAD: skip the 2-thread runs of conv shapes (for profiling); CONV_ALGO: -1 auto, 0 direct, 1 winograd, 2 transposed (where
// the forced algorithm does not apply, Conv2D uses direct).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>

#include "harness.h"
#include "kernels/conv/conv_params.h"
#include "kernels/gemm/sgemm.h"

using namespace harness;

struct ConvShape {
  const char* net;
  int count;  // occurrences in the network
  int64_t C, H, OC, K, s, group;
  const char* act;
};

static double time_ms() { return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// Best time of repeated runs (ms), after a warm-up.
template <class F>
static double best_ms(F&& f) {
  static const double budget = std::getenv("BENCH_MS") ? std::atof(std::getenv("BENCH_MS")) : 150.0;
  f();
  double best = 1e30, start = time_ms();
  int reps = 0;
  while (reps < 3 || (time_ms() - start < budget && reps < 2000)) {
    double t0 = time_ms();
    f();
    best = std::min(best, time_ms() - t0);
    ++reps;
  }
  return best;
}

static std::vector<float> filled(int64_t n) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = u(rng);
  return v;
}

static double bench_conv(const ConvShape& c, ThreadPool& pool, double* flops_out) {
  const int64_t pad = c.K / 2, OH = (c.H + 2 * pad - c.K) / c.s + 1;
  Attrs a;
  a.items["kernel_size"] = ints({c.K, c.K});
  a.items["stride"] = ints({c.s, c.s});
  a.items["pad_mode"] = str("pad");
  a.items["pad_list"] = ints({pad, pad, pad, pad});
  a.items["group"] = num(double(c.group));
  a.set_int("mindlet.has_bias", 1);
  a.set_string("mindlet.activation", c.act);
  std::vector<In> ins{{{1, c.C, c.H, c.H}, filled(c.C * c.H * c.H), false},
                      {{c.OC, c.C / c.group, c.K, c.K}, filled(c.OC * (c.C / c.group) * c.K * c.K), true},
                      {{c.OC}, filled(c.OC), true}};
  auto l = load("Conv2D", a, ins);
  auto p = prepare(*l);
  *flops_out = 2.0 * c.OC * OH * OH * (c.C / c.group) * c.K * c.K;
  return best_ms([&] { run(*l, *p, pool); });
}

static const ConvShape kShapes[] = {
    // ResNet-50 v1.5 (stride on the 3×3), 224×224
    {"resnet", 1, 3, 224, 64, 7, 2, 1, "relu"},
    {"resnet", 1, 64, 56, 64, 1, 1, 1, "relu"},
    {"resnet", 3, 64, 56, 64, 3, 1, 1, "relu"},
    {"resnet", 4, 64, 56, 256, 1, 1, 1, "relu"},
    {"resnet", 2, 256, 56, 64, 1, 1, 1, "relu"},
    {"resnet", 1, 256, 56, 128, 1, 1, 1, "relu"},
    {"resnet", 1, 128, 56, 128, 3, 2, 1, "relu"},
    {"resnet", 3, 128, 28, 128, 3, 1, 1, "relu"},
    {"resnet", 4, 128, 28, 512, 1, 1, 1, "relu"},
    {"resnet", 1, 256, 56, 512, 1, 2, 1, ""},
    {"resnet", 3, 512, 28, 128, 1, 1, 1, "relu"},
    {"resnet", 1, 512, 28, 256, 1, 1, 1, "relu"},
    {"resnet", 1, 256, 28, 256, 3, 2, 1, "relu"},
    {"resnet", 5, 256, 14, 256, 3, 1, 1, "relu"},
    {"resnet", 6, 256, 14, 1024, 1, 1, 1, "relu"},
    {"resnet", 1, 512, 28, 1024, 1, 2, 1, ""},
    {"resnet", 5, 1024, 14, 256, 1, 1, 1, "relu"},
    {"resnet", 1, 1024, 14, 512, 1, 1, 1, "relu"},
    {"resnet", 1, 512, 14, 512, 3, 2, 1, "relu"},
    {"resnet", 2, 512, 7, 512, 3, 1, 1, "relu"},
    {"resnet", 3, 512, 7, 2048, 1, 1, 1, "relu"},
    {"resnet", 1, 1024, 14, 2048, 1, 2, 1, ""},
    {"resnet", 2, 2048, 7, 512, 1, 1, 1, "relu"},
    // MobileNetV2 1.0, 224×224
    {"mobilenet", 1, 3, 224, 32, 3, 2, 1, "relu6"},
    {"mobilenet", 1, 32, 112, 32, 3, 1, 32, "relu6"},
    {"mobilenet", 1, 32, 112, 16, 1, 1, 1, ""},
    {"mobilenet", 1, 16, 112, 96, 1, 1, 1, "relu6"},
    {"mobilenet", 1, 96, 112, 96, 3, 2, 96, "relu6"},
    {"mobilenet", 1, 96, 56, 24, 1, 1, 1, ""},
    {"mobilenet", 2, 24, 56, 144, 1, 1, 1, "relu6"},
    {"mobilenet", 1, 144, 56, 144, 3, 1, 144, "relu6"},
    {"mobilenet", 1, 144, 56, 24, 1, 1, 1, ""},
    {"mobilenet", 1, 144, 56, 144, 3, 2, 144, "relu6"},
    {"mobilenet", 1, 144, 28, 32, 1, 1, 1, ""},
    {"mobilenet", 3, 32, 28, 192, 1, 1, 1, "relu6"},
    {"mobilenet", 2, 192, 28, 192, 3, 1, 192, "relu6"},
    {"mobilenet", 2, 192, 28, 32, 1, 1, 1, ""},
    {"mobilenet", 1, 192, 28, 192, 3, 2, 192, "relu6"},
    {"mobilenet", 1, 192, 14, 64, 1, 1, 1, ""},
    {"mobilenet", 4, 64, 14, 384, 1, 1, 1, "relu6"},
    {"mobilenet", 4, 384, 14, 384, 3, 1, 384, "relu6"},
    {"mobilenet", 3, 384, 14, 64, 1, 1, 1, ""},
    {"mobilenet", 1, 384, 14, 96, 1, 1, 1, ""},
    {"mobilenet", 3, 96, 14, 576, 1, 1, 1, "relu6"},
    {"mobilenet", 2, 576, 14, 576, 3, 1, 576, "relu6"},
    {"mobilenet", 2, 576, 14, 96, 1, 1, 1, ""},
    {"mobilenet", 1, 576, 14, 576, 3, 2, 576, "relu6"},
    {"mobilenet", 1, 576, 7, 160, 1, 1, 1, ""},
    {"mobilenet", 3, 160, 7, 960, 1, 1, 1, "relu6"},
    {"mobilenet", 3, 960, 7, 960, 3, 1, 960, "relu6"},
    {"mobilenet", 2, 960, 7, 160, 1, 1, 1, ""},
    {"mobilenet", 1, 960, 7, 320, 1, 1, 1, ""},
    {"mobilenet", 1, 320, 7, 1280, 1, 1, 1, "relu6"},
};

struct MmShape {
  int count;
  bool batched;
  Shape a, b;
  bool tb;
  const char* act;
  const char* what;
};

static const MmShape kBert[] = {
    {48, false, {128, 768}, {768, 768}, false, "", "QKV/out proj 128x768x768"},
    {12, false, {128, 768}, {768, 3072}, false, "gelu", "FFN up 128x768x3072 +gelu"},
    {12, false, {128, 3072}, {3072, 768}, false, "", "FFN down 128x3072x768"},
    {12, true, {12, 128, 64}, {12, 128, 64}, true, "", "QK^T 12x128x64x128"},
    {12, true, {12, 128, 128}, {12, 128, 64}, false, "", "PV 12x128x128x64"},
};

static double bench_mm(const MmShape& m, ThreadPool& pool, double* flops_out) {
  Attrs a;
  a.items["transpose_b"] = boolean(m.tb);
  a.set_int("mindlet.has_bias", m.batched ? 0 : 1);
  a.set_string("mindlet.activation", m.act);
  const int64_t N = m.tb ? m.b[m.b.size() - 2] : m.b.back();
  std::vector<In> ins{{m.a, filled(shape_numel(m.a)), false}, {m.b, filled(shape_numel(m.b)), !m.batched}};
  if (!m.batched) ins.push_back({{N}, filled(N), true});
  auto l = load(m.batched ? "BatchMatMul" : "MatMul", a, ins);
  auto p = prepare(*l);
  *flops_out = 2.0 * double(shape_numel(p->out_shape)) * double(m.a.back());
  return best_ms([&] { run(*l, *p, pool); });
}

int main(int argc, char** argv) {
  std::string which = argc > 1 ? argv[1] : "all";
  if (argc > 2) mindlet::gemm::set_isa_override(std::strcmp(argv[2], "avx2") == 0 ? 0 : 1);
  if (const char* a = std::getenv("CONV_ALGO")) mindlet::conv::set_conv_algo_override(mindlet::conv::ConvAlgo(std::atoi(a)));
  std::printf("isa %s, conv algorithm %d (-1 auto, 0 direct, 1 winograd, 2 transposed)\n",
              mindlet::gemm::isa_name(mindlet::gemm::active_isa()), int(mindlet::conv::conv_algo_override()));
  ThreadPool p1(1), p2(2);
  for (const char* net : {"resnet", "mobilenet"}) {
    if (which != "all" && which != net) continue;
    std::printf("\n%-10s %-28s %5s %9s %9s %9s %9s\n", net, "conv (C,H->OC,KxK,s,g)", "count", "ms 1t", "GF/s 1t",
                "ms 2t", "GF/s 2t");
    double total1 = 0, total2 = 0, flops_total = 0;
    for (const ConvShape& c : kShapes) {
      if (std::strcmp(c.net, net) != 0) continue;
      char desc[64];
      std::snprintf(desc, sizeof desc, "%lld,%lld->%lld,%lldx%lld,s%lld,g%lld", (long long)c.C, (long long)c.H,
                    (long long)c.OC, (long long)c.K, (long long)c.K, (long long)c.s, (long long)c.group);
      if (std::getenv("BENCH_FILTER") && !std::strstr(desc, std::getenv("BENCH_FILTER"))) continue;
      double flops;
      const bool only1 = std::getenv("BENCH_ONE_THREAD") != nullptr;
      const double t1 = bench_conv(c, p1, &flops), t2 = only1 ? t1 : bench_conv(c, p2, &flops);
      std::printf("%-10s %-28s %5d %9.3f %9.1f %9.3f %9.1f\n", "", desc, c.count, t1, flops / t1 * 1e-6, t2,
                  flops / t2 * 1e-6);
      total1 += c.count * t1;
      total2 += c.count * t2;
      flops_total += c.count * flops;
    }
    std::printf("%-10s %-28s %5s %9.3f %9.1f %9.3f %9.1f   (all convs, weighted by count)\n", "", "TOTAL", "",
                total1, flops_total / total1 * 1e-6, total2, flops_total / total2 * 1e-6);
  }
  if (which == "all" || which == "bert") {
    std::printf("\n%-10s %-28s %5s %9s %9s %9s %9s\n", "bert", "matmul", "count", "ms 1t", "GF/s 1t", "ms 2t",
                "GF/s 2t");
    double total1 = 0, total2 = 0, flops_total = 0;
    for (const MmShape& m : kBert) {
      double flops;
      const double t1 = bench_mm(m, p1, &flops), t2 = bench_mm(m, p2, &flops);
      std::printf("%-10s %-28s %5d %9.3f %9.1f %9.3f %9.1f\n", "", m.what, m.count, t1, flops / t1 * 1e-6, t2,
                  flops / t2 * 1e-6);
      total1 += m.count * t1;
      total2 += m.count * t2;
      flops_total += m.count * flops;
    }
    std::printf("%-10s %-28s %5s %9.3f %9.1f %9.3f %9.1f   (all matmuls, weighted by count)\n", "", "TOTAL", "",
                total1, flops_total / total1 * 1e-6, total2, flops_total / total2 * 1e-6);
  }
  return 0;
}
