// Standalone checks of the data-movement, pooling, reduction and normalization kernels against hand-worked
// cases and naive references. Built with ASan/UBSan by test/build-ops-test.sh; exits non-zero on failure.
// Float tolerance: 1e-5 absolute + 1e-5 relative. The kernels' only approximation is the AVX2 exp (about 2 ulp,
// ~2.4e-7 relative) plus float accumulation order over at most a few hundred terms; 1e-5 leaves a wide margin
// while still catching any wrong element (errors from indexing are O(1)).
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "engine/kernel.h"

using namespace mindlet;

static int g_failures = 0, g_checks = 0;
#define CHECK(cond, what)                                                       \
  do {                                                                          \
    ++g_checks;                                                                 \
    if (!(cond)) {                                                              \
      ++g_failures;                                                             \
      std::fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, std::string(what).c_str()); \
    }                                                                           \
  } while (0)

struct In {
  DType dt;
  Shape shape;
  std::vector<uint8_t> bytes;
  bool is_const;
};
template <class E>
In tensor(Shape s, std::vector<E> v, DType dt, bool c = false) {
  In t{dt, std::move(s), {}, c};
  t.bytes.resize(v.size() * sizeof(E));
  if (!v.empty()) std::memcpy(t.bytes.data(), v.data(), t.bytes.size());
  return t;
}
In f32(Shape s, std::vector<float> v, bool c = false) { return tensor(std::move(s), std::move(v), DType::F32, c); }
In i64c(std::vector<int64_t> v) { return tensor<int64_t>({int64_t(v.size())}, v, DType::I64, true); }
In i64s(int64_t v) { return tensor<int64_t>({}, {v}, DType::I64, true); }
std::vector<float> iota_f(int64_t n, float start = 0) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[size_t(i)] = start + float(i);
  return v;
}

Attr a_int(int64_t v) { Attr a; a.kind = Attr::Kind::Int; a.integer = v; return a; }
Attr a_num(double v) { Attr a; a.kind = Attr::Kind::Number; a.number = v; return a; }
Attr a_bool(bool v) { Attr a; a.kind = Attr::Kind::Bool; a.boolean = v; return a; }
Attr a_str(std::string v) { Attr a; a.kind = Attr::Kind::String; a.str = std::move(v); return a; }
Attr a_ints(std::vector<int64_t> v) {
  Attr a;
  a.kind = Attr::Kind::List;
  for (auto x : v) a.list.push_back(a_int(x));
  return a;
}
Attr a_list(std::vector<Attr> v) { Attr a; a.kind = Attr::Kind::List; a.list = std::move(v); return a; }

struct Out {
  DType dt;
  Shape shape;
  std::vector<uint8_t> bytes;
  template <class E>
  E at(int64_t i) const { E e; std::memcpy(&e, bytes.data() + size_t(i) * sizeof(E), sizeof(E)); return e; }
  std::vector<float> f() const { std::vector<float> v(bytes.size() / 4); std::memcpy(v.data(), bytes.data(), bytes.size()); return v; }
  template <class E>
  std::vector<E> as() const { std::vector<E> v(bytes.size() / sizeof(E)); if (!v.empty()) std::memcpy(v.data(), bytes.data(), bytes.size()); return v; }
};

static ThreadPool* g_pool;

std::vector<Out> run_op(const std::string& op, std::map<std::string, Attr> attrs, const std::vector<In>& ins,
                        int n_out = 1) {
  Graph g;
  Node n;
  n.name = "test_" + op;
  n.op = op;
  n.attrs.items = std::move(attrs);
  std::vector<std::shared_ptr<ConstTensor>> consts;
  for (auto& in : ins) {
    ValueInfo v;
    v.dtype = in.dt;
    v.shape = in.shape;
    v.rank_known = true;
    if (in.is_const) {
      auto c = std::make_shared<ConstTensor>();
      c->dtype = in.dt;
      c->shape = in.shape;
      c->data = in.bytes.data();
      v.constant = c;
    }
    n.inputs.push_back(g.add_value(v));
  }
  for (int i = 0; i < n_out; ++i) n.outputs.push_back(g.add_value(ValueInfo{}));
  const KernelFactory* f = find_kernel(op);
  if (!f) throw std::runtime_error("no kernel " + op);
  LoadContext lc(g, n);
  auto k = (*f)(lc);
  std::vector<ValueDesc> descs;
  for (auto& in : ins) descs.push_back(ValueDesc{in.dt, in.shape, in.is_const ? in.bytes.data() : nullptr});
  InferContext ic(n, descs);
  k->infer(ic);
  std::vector<Out> outs;
  std::vector<TensorView> ov, iv;
  for (auto& d : ic.outputs()) outs.push_back(Out{d.dtype, d.shape, std::vector<uint8_t>(size_t(d.numel()) * dtype_size(d.dtype))});
  // Exact-size heap buffers (no slack) so ASan catches any write past the end.
  std::vector<std::unique_ptr<uint8_t[]>> heap;
  for (auto& o : outs) {
    heap.emplace_back(new uint8_t[o.bytes.size() + 1]);
    std::memset(heap.back().get(), 0xCD, o.bytes.size() + 1);
    ov.push_back(TensorView{o.dt, o.shape, o.bytes.empty() ? nullptr : heap.back().get()});
  }
  std::vector<std::unique_ptr<uint8_t[]>> inheap;
  for (auto& in : ins) {
    inheap.emplace_back(new uint8_t[in.bytes.size() + 1]);
    if (!in.bytes.empty()) std::memcpy(inheap.back().get(), in.bytes.data(), in.bytes.size());
    iv.push_back(TensorView{in.dt, in.shape, inheap.back().get()});
  }
  std::unique_ptr<uint8_t[]> scratch(new uint8_t[ic.scratch_bytes() + 1]);
  RunContext rc(iv, ov, scratch.get(), *g_pool);
  k->run(rc);
  for (size_t i = 0; i < outs.size(); ++i)
    if (!outs[i].bytes.empty()) std::memcpy(outs[i].bytes.data(), heap[i].get(), outs[i].bytes.size());
  return outs;
}

bool near(float a, float b) { return std::fabs(a - b) <= 1e-5f + 1e-5f * std::fabs(b); }
void expect_f(const std::string& what, const Out& o, const std::vector<float>& want) {
  auto got = o.f();
  bool ok = got.size() == want.size();
  size_t bad = 0;
  for (size_t i = 0; ok && i < got.size(); ++i)
    if (!near(got[i], want[i])) ok = false, bad = i;
  CHECK(ok, what + (got.size() != want.size() ? " size " + std::to_string(got.size()) + " vs " + std::to_string(want.size())
                                               : " at " + std::to_string(bad) + ": " + std::to_string(got[bad]) + " vs " + std::to_string(want[bad])));
}
template <class E>
void expect_eq(const std::string& what, const std::vector<E>& got, const std::vector<E>& want) {
  CHECK(got == want, what);
}
void expect_shape(const std::string& what, const Out& o, Shape s) { CHECK(o.shape == s, what + " shape " + shape_str(o.shape) + " want " + shape_str(s)); }
void expect_throw(const std::string& what, const std::function<void()>& fn, const std::string& needle) {
  try {
    fn();
    CHECK(false, what + ": no error");
  } catch (const EngineError& e) {
    CHECK(std::string(e.what()).find(needle) != std::string::npos, what + ": message '" + e.what() + "' lacks '" + needle + "'");
  }
}

// ---- naive references ----
std::vector<float> ref_transpose(const std::vector<float>& x, const Shape& s, const std::vector<int64_t>& perm) {
  size_t r = s.size();
  Shape os(r);
  for (size_t i = 0; i < r; ++i) os[i] = s[size_t(perm[i])];
  std::vector<int64_t> is(r, 1);
  for (size_t i = r - 1; i-- > 0;) is[i] = is[i + 1] * s[i + 1];
  std::vector<float> y(x.size());
  std::vector<int64_t> idx(r, 0);
  for (size_t k = 0; k < y.size(); ++k) {
    int64_t off = 0;
    for (size_t i = 0; i < r; ++i) off += idx[i] * is[size_t(perm[i])];
    y[k] = x[size_t(off)];
    for (size_t i = r; i-- > 0;) {
      if (++idx[i] < os[i]) break;
      idx[i] = 0;
    }
  }
  return y;
}

void test_pooling() {
  auto x44 = f32({1, 1, 4, 4}, iota_f(16));
  auto o = run_op("MaxPool", {{"kernel_size", a_ints({1, 1, 2, 2})}, {"strides", a_ints({1, 1, 2, 2})}, {"pad_mode", a_str("VALID")}}, {x44});
  expect_shape("maxpool valid", o[0], {1, 1, 2, 2});
  expect_f("maxpool valid", o[0], {5, 7, 13, 15});

  auto x55 = f32({1, 1, 5, 5}, iota_f(25));
  o = run_op("MaxPool", {{"kernel_size", a_int(3)}, {"strides", a_int(2)}, {"pad_mode", a_str("same")}}, {x55});
  // SAME: out 3x3, total pad 2 split 1/1; window rows/cols {-1..1},{1..3},{3..5}.
  expect_f("maxpool same", o[0], {6, 8, 9, 16, 18, 19, 21, 23, 24});
  o = run_op("MaxPool", {{"kernel_size", a_int(2)}, {"strides", a_int(2)}, {"pad_mode", a_int(2)}, {"ceil_mode", a_bool(true)}}, {x55});
  expect_shape("maxpool ceil", o[0], {1, 1, 3, 3});
  expect_f("maxpool ceil", o[0], {6, 8, 9, 16, 18, 19, 21, 23, 24});
  o = run_op("AvgPool", {{"kernel_size", a_int(2)}, {"strides", a_int(2)}, {"pad_mode", a_str("valid")}, {"ceil_mode", a_bool(true)}}, {x55});
  // Partial windows average only their real elements: (4+9)/2, (20+21)/2, 24.
  expect_f("avgpool ceil", o[0], {3, 5, 6.5f, 13, 15, 16.5f, 20.5f, 22.5f, 24});

  auto x33 = f32({1, 1, 3, 3}, iota_f(9, 1));
  o = run_op("AvgPool", {{"kernel_size", a_int(3)}, {"strides", a_int(1)}, {"pad_mode", a_str("SAME")}}, {x33});
  // SAME excludes padding from the count (TF): corner = mean(1,2,4,5) = 3, edge = mean(1..6) = 3.5, center 5.
  expect_f("avgpool same", o[0], {3, 3.5f, 4, 4.5f, 5, 5.5f, 6, 6.5f, 7});
  o = run_op("AvgPool", {{"kernel_size", a_int(3)}, {"strides", a_int(1)}, {"pad_mode", a_str("pad")}, {"pad_list", a_ints({1, 1, 1, 1})}, {"count_include_pad", a_bool(true)}}, {x33});
  expect_f("avgpool pad include", o[0], {12.f / 9, 21.f / 9, 16.f / 9, 27.f / 9, 45.f / 9, 33.f / 9, 24.f / 9, 39.f / 9, 28.f / 9});
  o = run_op("AvgPool", {{"kernel_size", a_int(3)}, {"strides", a_int(1)}, {"pad_mode", a_int(0)}, {"pad_list", a_ints({1, 1, 1, 1})}, {"count_include_pad", a_bool(false)}}, {x33});
  expect_f("avgpool pad exclude", o[0], {3, 3.5f, 4, 4.5f, 5, 5.5f, 6, 6.5f, 7});
  o = run_op("MaxPool", {{"kernel_size", a_int(2)}, {"strides", a_int(1)}, {"pad_mode", a_str("pad")}, {"pad_list", a_ints({1, 0, 0, 1})}}, {x33});
  // Pad top 1, right 1: out 3x3; first row sees only input row 0.
  expect_f("maxpool pad asym", o[0], {2, 3, 3, 5, 6, 6, 8, 9, 9});
  // 2.3+ style: kernel_size/strides/pad_mode as constant inputs; multi-channel batch.
  std::vector<float> big = iota_f(2 * 3 * 7 * 9);
  o = run_op("MaxPool", {}, {f32({2, 3, 7, 9}, big), i64c({3, 3}), i64c({2, 2}), i64s(2)});
  expect_shape("maxpool const inputs", o[0], {2, 3, 3, 4});
  // Values increase along rows and columns, so each window's max is its bottom-right element.
  CHECK(o[0].f()[0] == big[2 * 9 + 2] && o[0].f().back() == big[(5 * 7 + 6) * 9 + 8], "maxpool const inputs values");
  o = run_op("AdaptiveAvgPool2D", {{"output_size", a_ints({2, 2})}}, {x33});
  // Cells: rows [0,2) and [1,3), same for cols.
  expect_f("adaptive avg", o[0], {3, 4, 6, 7});
  expect_throw("pool window too big", [&] { run_op("MaxPool", {{"kernel_size", a_int(5)}, {"pad_mode", a_str("valid")}}, {x33}); }, "larger");
}

void test_reduce() {
  auto x = f32({2, 3, 4}, iota_f(24));
  auto o = run_op("ReduceMean", {{"axis", a_ints({1})}, {"keep_dims", a_bool(true)}}, {x});
  expect_shape("mean keep", o[0], {2, 1, 4});
  expect_f("mean keep", o[0], {4, 5, 6, 7, 16, 17, 18, 19});
  o = run_op("ReduceSum", {}, {x, i64c({}), tensor<uint8_t>({}, {0}, DType::Bool, true)});
  expect_shape("sum all", o[0], {});
  expect_f("sum all", o[0], {276});
  o = run_op("ReduceMax", {{"axis", a_int(-1)}}, {x});
  expect_f("max last", o[0], {3, 7, 11, 15, 19, 23});
  o = run_op("ReduceMin", {}, {x, i64c({0, 2}), tensor<uint8_t>({}, {1}, DType::Bool, true)});
  expect_shape("min const axes keep", o[0], {1, 3, 1});
  expect_f("min const axes keep", o[0], {0, 4, 8});
  o = run_op("ReduceSum", {{"skip_mode", a_bool(true)}}, {x, i64c({})});
  expect_f("sum skip_mode", o[0], iota_f(24));
  auto x4 = f32({2, 3, 2, 5}, iota_f(60));
  o = run_op("ReduceSum", {{"axis", a_ints({1, 3})}}, {x4});
  // Generic pattern [K,R,K,R]: sum over c and w of x[n,c,h,w] = n*30 + c*10 + h*5 + w.
  std::vector<float> want;
  for (int n = 0; n < 2; ++n)
    for (int h = 0; h < 2; ++h) {
      float s = 0;
      for (int c = 0; c < 3; ++c)
        for (int w = 0; w < 5; ++w) s += float(n * 30 + c * 10 + h * 5 + w);
      want.push_back(s);
    }
  expect_f("sum generic", o[0], want);
  o = run_op("ReduceProd", {{"axis", a_ints({0})}}, {f32({2, 2}, {1, 2, 3, 4})});
  expect_f("prod", o[0], {3, 8});
  o = run_op("ReduceSum", {{"axis", a_ints({0})}}, {tensor<int32_t>({3, 2}, {1, 2, 3, 4, 5, 6}, DType::I32)});
  expect_eq("sum int32", o[0].as<int32_t>(), {9, 12});
  o = run_op("ReduceMax", {{"axis", a_ints({1})}}, {tensor<int64_t>({2, 3}, {5, -1, 9, -7, -3, -4}, DType::I64)});
  expect_eq("max int64", o[0].as<int64_t>(), {9, -3});
  // Column reduce with an odd, wide kept run (vector path + tail) and a long row reduce.
  std::vector<float> w(3 * 1001);
  for (size_t i = 0; i < w.size(); ++i) w[i] = float((i * 37) % 101) - 50.f;
  o = run_op("ReduceMean", {{"axis", a_ints({0})}}, {f32({3, 1001}, w)});
  std::vector<float> wm(1001);
  for (int j = 0; j < 1001; ++j) wm[size_t(j)] = (w[size_t(j)] + w[size_t(1001 + j)] + w[size_t(2002 + j)]) / 3.f;
  expect_f("mean columns", o[0], wm);
  o = run_op("ReduceSum", {{"axis", a_ints({1})}}, {f32({3, 1001}, w)});
  std::vector<float> ws(3, 0);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 1001; ++j) ws[size_t(i)] += w[size_t(i * 1001 + j)];
  expect_f("sum rows", o[0], ws);
  expect_throw("reduce bad axis", [&] { run_op("ReduceSum", {{"axis", a_ints({3})}}, {x}); }, "out of range");

  o = run_op("Argmax", {}, {f32({2, 3}, {1, 5, 5, 7, 0, 2})});
  expect_eq("argmax", o[0].as<int32_t>(), {1, 0});
  o = run_op("ArgMinWithValue", {{"axis", a_int(0)}, {"keep_dims", a_bool(true)}}, {f32({2, 3}, {1, 5, 5, 7, 0, 2})}, 2);
  expect_shape("argminwv", o[0], {1, 3});
  expect_eq("argminwv idx", o[0].as<int32_t>(), {0, 1, 1});
  expect_f("argminwv val", o[1], {1, 0, 2});
  Attr t64;
  t64.kind = Attr::Kind::Type;
  t64.str = "int64";
  o = run_op("Argmin", {{"axis", a_int(1)}, {"output_type", t64}}, {tensor<int32_t>({2, 2}, {3, -1, 4, 4}, DType::I32)});
  expect_eq("argmin int64 out", o[0].as<int64_t>(), {1, 0});
}

void test_softmax_norm() {
  std::vector<float> v(2 * 13);
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(float(i)) * 10.f;
  auto ref = [&](const std::vector<float>& x, int64_t outer, int64_t len, int64_t inner, bool log) {
    std::vector<float> y(x.size());
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t k = 0; k < inner; ++k) {
        double m = -1e30, s = 0;
        for (int64_t j = 0; j < len; ++j) m = std::max(m, double(x[size_t((o * len + j) * inner + k)]));
        for (int64_t j = 0; j < len; ++j) s += std::exp(double(x[size_t((o * len + j) * inner + k)]) - m);
        for (int64_t j = 0; j < len; ++j) {
          double e = double(x[size_t((o * len + j) * inner + k)]) - m;
          y[size_t((o * len + j) * inner + k)] = float(log ? e - std::log(s) : std::exp(e) / s);
        }
      }
    return y;
  };
  auto o = run_op("Softmax", {{"axis", a_ints({-1})}}, {f32({2, 13}, v)});
  expect_f("softmax last", o[0], ref(v, 2, 13, 1, false));
  o = run_op("LogSoftmax", {{"axis", a_int(1)}}, {f32({2, 13}, v)});
  expect_f("logsoftmax last", o[0], ref(v, 2, 13, 1, true));
  o = run_op("Softmax", {{"axis", a_ints({0})}}, {f32({2, 13}, v)});
  expect_f("softmax axis0 (8-wide + tail)", o[0], ref(v, 1, 2, 13, false));
  o = run_op("LogSoftmax", {{"axis", a_int(-2)}}, {f32({2, 13}, v)});
  expect_f("logsoftmax axis0", o[0], ref(v, 1, 2, 13, true));
  o = run_op("Softmax", {}, {f32({1, 3}, {1000, 0, -1000})});
  expect_f("softmax extreme", o[0], {1, 0, 0});

  // LayerNorm over the last dim with gamma/beta; stats [2,3,1].
  std::vector<float> x(2 * 3 * 5), g(5), b(5);
  for (size_t i = 0; i < x.size(); ++i) x[i] = float((i * 7) % 11) + 100.f;
  for (int i = 0; i < 5; ++i) g[size_t(i)] = 0.5f + float(i), b[size_t(i)] = float(i) - 2;
  o = run_op("LayerNorm", {{"begin_norm_axis", a_int(-1)}, {"begin_params_axis", a_int(-1)}, {"epsilon", a_num(1e-5)}}, {f32({2, 3, 5}, x), f32({5}, g, true), f32({5}, b, true)}, 3);
  std::vector<float> y, mean, var;
  for (int r = 0; r < 6; ++r) {
    double m = 0, s = 0;
    for (int j = 0; j < 5; ++j) m += x[size_t(r * 5 + j)];
    m /= 5;
    for (int j = 0; j < 5; ++j) s += (x[size_t(r * 5 + j)] - m) * (x[size_t(r * 5 + j)] - m);
    s /= 5;
    mean.push_back(float(m)), var.push_back(float(s));
    for (int j = 0; j < 5; ++j) y.push_back(float((x[size_t(r * 5 + j)] - m) / std::sqrt(s + 1e-5) * g[size_t(j)] + b[size_t(j)]));
  }
  expect_f("layernorm y", o[0], y);
  expect_shape("layernorm mean", o[1], {2, 3, 1});
  expect_f("layernorm mean", o[1], mean);
  expect_f("layernorm var", o[2], var);
  // begin_norm_axis 1 with params only over the last dim (broadcast).
  o = run_op("LayerNorm", {{"begin_norm_axis", a_int(1)}, {"begin_params_axis", a_int(2)}}, {f32({2, 3, 5}, x), f32({5}, g), f32({5}, b)}, 3);
  expect_shape("layernorm stats 2", o[1], {2, 1, 1});

  // BatchNorm: y = (x - mean) * scale / sqrt(var + eps) + bias, channel = dim 1.
  auto xb = f32({1, 2, 1, 2}, {1, 2, 3, 4});
  o = run_op("BatchNorm", {{"epsilon", a_num(0)}, {"is_training", a_bool(false)}},
             {xb, f32({2}, {2, 1}, true), f32({2}, {0, 10}, true), f32({2}, {1, 3}, true), f32({2}, {4, 1}, true)}, 5);
  expect_f("batchnorm", o[0], {0, 1, 10, 11});
  expect_f("batchnorm mean out", o[1], {1, 3});
  expect_f("batchnorm var out", o[2], {4, 1});
  expect_throw("batchnorm training", [&] {
    run_op("BatchNorm", {{"is_training", a_bool(true)}}, {xb, f32({2}, {2, 1}), f32({2}, {0, 10}), f32({2}, {1, 3}), f32({2}, {4, 1})}, 5);
  }, "is_training");

  o = run_op("L2Normalize", {{"axis", a_ints({1})}, {"epsilon", a_num(1e-4)}}, {f32({2, 2}, {3, 4, 0, 0})});
  expect_f("l2normalize", o[0], {0.6f, 0.8f, 0, 0});
  o = run_op("PReLU", {}, {f32({1, 2, 2}, {-1, 2, -3, 4}), f32({2}, {0.5f, 0.25f})});
  expect_f("prelu", o[0], {-0.5f, 2, -0.75f, 4});
}

void test_transpose() {
  struct Case { Shape s; std::vector<int64_t> perm; };
  std::vector<Case> cases = {{{2, 3, 4, 5}, {0, 2, 1, 3}}, {{2, 3, 4, 5}, {0, 2, 3, 1}}, {{2, 5, 3, 4}, {0, 3, 1, 2}},
                             {{3, 17, 13}, {0, 2, 1}},      {{17, 13}, {1, 0}},           {{2, 3, 4}, {2, 0, 1}},
                             {{4, 1, 3, 1, 2}, {4, 3, 0, 1, 2}}, {{2, 3, 4, 5}, {3, 1, 2, 0}}, {{40, 33}, {1, 0}}};
  for (auto& c : cases) {
    auto x = iota_f(shape_numel(c.s));
    auto o = run_op("Transpose", {}, {f32(c.s, x), i64c(c.perm)});
    expect_f("transpose " + shape_str(c.s) + " perm " + shape_str(c.perm), o[0], ref_transpose(x, c.s, c.perm));
  }
  // dtype-generic: int64 and bool.
  auto o = run_op("Transpose", {{"perm", a_ints({1, 0})}}, {tensor<int64_t>({2, 3}, {1, 2, 3, 4, 5, 6}, DType::I64)});
  expect_eq("transpose int64", o[0].as<int64_t>(), {1, 4, 2, 5, 3, 6});
  o = run_op("Transpose", {{"perm", a_ints({1, 0})}}, {tensor<uint8_t>({2, 3}, {1, 0, 0, 0, 1, 1}, DType::Bool)});
  expect_eq("transpose bool", o[0].as<uint8_t>(), {1, 0, 0, 1, 0, 1});
  expect_throw("transpose bad perm", [&] { run_op("Transpose", {{"perm", a_ints({0, 0})}}, {f32({2, 2}, iota_f(4))}); }, "repeats");
}

void test_concat_split_slice() {
  auto a = f32({2, 2}, {1, 2, 3, 4}), b = f32({2, 1}, {5, 6});
  auto o = run_op("Concat", {{"axis", a_int(-1)}}, {a, b});
  expect_f("concat axis -1", o[0], {1, 2, 5, 3, 4, 6});
  o = run_op("Concat", {}, {a, f32({1, 2}, {7, 8}), i64s(0)});
  expect_shape("concat axis input", o[0], {3, 2});
  expect_f("concat axis input", o[0], {1, 2, 3, 4, 7, 8});
  o = run_op("Concat", {{"axis", a_int(0)}}, {tensor<int32_t>({1}, {1}, DType::I32), tensor<int32_t>({2}, {2, 3}, DType::I32)});
  expect_eq("concat int32", o[0].as<int32_t>(), {1, 2, 3});
  expect_throw("concat mismatch", [&] { run_op("Concat", {{"axis", a_int(0)}}, {a, b}); }, "differ");

  auto x = f32({2, 6}, iota_f(12));
  o = run_op("Split", {{"axis", a_int(1)}, {"output_num", a_int(3)}}, {x}, 3);
  expect_f("split 0", o[0], {0, 1, 6, 7});
  expect_f("split 2", o[2], {4, 5, 10, 11});
  o = run_op("SplitV", {{"size_splits", a_ints({1, -1})}, {"split_dim", a_int(-1)}, {"num_split", a_int(2)}}, {x}, 2);
  expect_f("splitv 1", o[1], {1, 2, 3, 4, 5, 7, 8, 9, 10, 11});
  expect_throw("split uneven", [&] { run_op("Split", {{"axis", a_int(1)}, {"output_num", a_int(4)}}, {x}, 4); }, "equal");

  auto x3 = f32({3, 4, 5}, iota_f(60));
  o = run_op("Slice", {}, {x3, i64c({1, 0, 2}), i64c({2, -1, 2})});
  expect_shape("slice", o[0], {2, 4, 2});
  std::vector<float> want;
  for (int i = 1; i < 3; ++i)
    for (int j = 0; j < 4; ++j)
      for (int k = 2; k < 4; ++k) want.push_back(float(i * 20 + j * 5 + k));
  expect_f("slice", o[0], want);
  expect_throw("slice out of range", [&] { run_op("Slice", {}, {x3, i64c({0, 0, 4}), i64c({1, 1, 2})}); }, "outside");

  auto ss = [&](std::vector<int64_t> b, std::vector<int64_t> e, std::vector<int64_t> s, std::map<std::string, Attr> m) {
    return run_op("StridedSlice", m, {x3, i64c(b), i64c(e), i64c(s)});
  };
  // x3[::-1, 1:3, ::2]
  o = ss({0, 1, 0}, {0, 3, 0}, {-1, 1, 2}, {{"begin_mask", a_int(5)}, {"end_mask", a_int(5)}});
  expect_shape("ss reverse", o[0], {3, 2, 3});
  want.clear();
  for (int i = 2; i >= 0; --i)
    for (int j = 1; j < 3; ++j)
      for (int k = 0; k < 5; k += 2) want.push_back(float(i * 20 + j * 5 + k));
  expect_f("ss reverse", o[0], want);
  // x3[1, :, -1] (shrink dims 0 and 2)
  o = ss({1, 0, -1}, {2, 0, 0}, {1, 1, 1}, {{"end_mask", a_int(2)}, {"shrink_axis_mask", a_int(5)}});
  expect_shape("ss shrink", o[0], {4});
  expect_f("ss shrink", o[0], {24, 29, 34, 39});
  // x3[..., 1] (ellipsis then shrink the last)
  o = ss({0, 1}, {0, 2}, {1, 1}, {{"ellipsis_mask", a_int(1)}, {"shrink_axis_mask", a_int(2)}});
  expect_shape("ss ellipsis", o[0], {3, 4});
  CHECK(o[0].f()[5] == 1 * 20 + 1 * 5 + 1, "ss ellipsis value");
  // x3[None, 2, ..., 4:1:-2] -> new axis, shrink, ellipsis, negative stride with clamped start
  o = ss({0, 2, 0, 4}, {0, 3, 0, 1}, {1, 1, 1, -2}, {{"new_axis_mask", a_int(1)}, {"shrink_axis_mask", a_int(2)}, {"ellipsis_mask", a_int(4)}});
  expect_shape("ss mixed", o[0], {1, 4, 2});
  expect_f("ss mixed", o[0], {44, 42, 49, 47, 54, 52, 59, 57});
  // Out-of-range begin/end clamp; negative stride to the start: x3[0, 0, 10:-100:-1] = whole row reversed.
  o = ss({0, 0, 10}, {1, 1, -100}, {1, 1, -1}, {{"shrink_axis_mask", a_int(3)}});
  expect_f("ss clamp", o[0], {4, 3, 2, 1, 0});
  o = ss({0, 0, 3}, {1, 1, 1}, {1, 1, 1}, {{"shrink_axis_mask", a_int(3)}});
  expect_shape("ss empty", o[0], {0});
  expect_throw("ss shrink oob", [&] { ss({5}, {6}, {1}, {{"shrink_axis_mask", a_int(1)}}); }, "out of range");
  // int64 data through StridedSlice with a 4-byte-unaligned stride path.
  o = run_op("StridedSlice", {}, {tensor<int64_t>({5}, {0, 1, 2, 3, 4}, DType::I64), i64c({-1}), i64c({-6}), i64c({-2})});
  expect_eq("ss int64 neg", o[0].as<int64_t>(), {4, 2, 0});
}

void test_gather_tile_onehot() {
  auto p = f32({3, 2}, {1, 2, 3, 4, 5, 6});
  auto o = run_op("Gather", {}, {p, tensor<int64_t>({2, 2}, {2, 0, 1, 1}, DType::I64), i64s(0)});
  expect_shape("gather axis0", o[0], {2, 2, 2});
  expect_f("gather axis0", o[0], {5, 6, 1, 2, 3, 4, 3, 4});
  o = run_op("GatherV2", {}, {p, tensor<int32_t>({1}, {1}, DType::I32), i64s(-1)});
  expect_f("gather axis -1", o[0], {2, 4, 6});
  o = run_op("Gather", {{"batch_dims", a_int(1)}}, {p, tensor<int32_t>({3, 1}, {1, 0, 1}, DType::I32), i64s(1)});
  expect_shape("gather batch_dims", o[0], {3, 1});
  expect_f("gather batch_dims", o[0], {2, 3, 6});
  expect_throw("gather oob", [&] { run_op("Gather", {}, {p, tensor<int32_t>({1}, {3}, DType::I32), i64s(0)}); }, "out of range");
  expect_throw("gather negative", [&] { run_op("Gather", {}, {p, tensor<int64_t>({1}, {-1}, DType::I64), i64s(0)}); }, "out of range");
  o = run_op("Gather", {}, {tensor<uint8_t>({3}, {1, 0, 1}, DType::Bool), tensor<int32_t>({2}, {1, 2}, DType::I32), i64s(0)});
  expect_eq("gather bool", o[0].as<uint8_t>(), {0, 1});

  o = run_op("Tile", {}, {f32({2, 2}, {1, 2, 3, 4}), i64c({2, 1, 3})});
  expect_shape("tile", o[0], {2, 2, 6});
  std::vector<float> row = {1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4};
  std::vector<float> want = row;
  want.insert(want.end(), row.begin(), row.end());
  expect_f("tile", o[0], want);
  o = run_op("Tile", {{"multiples", a_ints({0, 2})}}, {f32({1, 2}, {1, 2})});
  expect_shape("tile zero", o[0], {0, 4});

  auto on = f32({}, {5}), off = f32({}, {-1});
  o = run_op("OneHot", {{"axis", a_int(-1)}}, {tensor<int32_t>({3}, {0, 2, 3}, DType::I32), i64s(3), on, off});
  expect_f("onehot", o[0], {5, -1, -1, -1, -1, 5, -1, -1, -1});
  o = run_op("OneHot", {{"axis", a_int(0)}}, {tensor<int64_t>({2}, {1, -1}, DType::I64), i64s(2), on, off});
  expect_shape("onehot axis0", o[0], {2, 2});
  expect_f("onehot axis0", o[0], {-1, -1, 5, -1});
}

void test_pad_resize_misc() {
  auto x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  auto o = run_op("Pad", {{"paddings", a_list({a_ints({1, 0}), a_ints({0, 2})})}}, {x});
  expect_shape("pad", o[0], {3, 5});
  expect_f("pad", o[0], {0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 4, 5, 6, 0, 0});
  o = run_op("PadV3", {{"mode", a_str("reflect")}}, {x, i64c({2, 1}), f32({}, {0})});
  // torch order: last dim (2 before, 1 after): row 1,2,3 -> 3,2,1,2,3,2
  expect_f("padv3 reflect", o[0], {3, 2, 1, 2, 3, 2, 6, 5, 4, 5, 6, 5});
  o = run_op("PadV3", {{"mode", a_str("edge")}}, {x, i64c({0, 0, 1, 1}), f32({}, {0})});
  expect_f("padv3 edge", o[0], {1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6});
  o = run_op("PadV3", {{"mode", a_str("constant")}}, {x, i64c({1, 1}), f32({}, {9})});
  expect_f("padv3 constant", o[0], {9, 1, 2, 3, 9, 9, 4, 5, 6, 9});
  o = run_op("MirrorPad", {{"mode", a_str("SYMMETRIC")}}, {x, tensor<int64_t>({2, 2}, {0, 0, 2, 1}, DType::I64, true)});
  expect_f("mirrorpad symmetric", o[0], {2, 1, 1, 2, 3, 3, 5, 4, 4, 5, 6, 6});
  expect_throw("reflect too wide", [&] { run_op("PadV3", {{"mode", a_str("reflect")}}, {x, i64c({3, 0}), f32({}, {0})}); }, "smaller");

  auto img = f32({1, 1, 2, 2}, {0, 1, 2, 3});
  o = run_op("ResizeBilinear", {{"size", a_ints({3, 3})}, {"align_corners", a_bool(true)}}, {img});
  expect_f("bilinear align", o[0], {0, 0.5f, 1, 1, 1.5f, 2, 2, 2.5f, 3});
  o = run_op("ResizeBilinearV2", {{"half_pixel_centers", a_bool(true)}}, {img, i64c({4, 4})});
  // half pixel: src = (i+0.5)/2-0.5 = -0.25,0.25,0.75,1.25 -> clamp: 0,0.25,0.75,1
  expect_f("bilinear half", o[0], {0, 0.25f, 0.75f, 1, 0.5f, 0.75f, 1.25f, 1.5f, 1.5f, 1.75f, 2.25f, 2.5f, 2, 2.25f, 2.75f, 3});
  o = run_op("ResizeBilinear", {{"size", a_ints({1, 3})}}, {img});
  // legacy: src = j*2/3 -> 0, 0.667, 1.333 (upper clamps to 1)
  expect_f("bilinear legacy", o[0], {0, 2.f / 3, 1});
  o = run_op("ResizeNearestNeighborV2", {{"half_pixel_centers", a_bool(true)}}, {img, i64c({4, 4})});
  expect_f("nearest half", o[0], {0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3});
  o = run_op("ResizeNearestNeighbor", {{"size", a_ints({3, 3})}, {"align_corners", a_bool(true)}}, {img});
  // align: src = round(j * 0.5) = 0, 1 (0.5 rounds away), 1
  expect_f("nearest align", o[0], {0, 1, 1, 2, 3, 3, 2, 3, 3});

  o = run_op("Range", {}, {tensor<int32_t>({}, {1}, DType::I32, true), tensor<int32_t>({}, {8}, DType::I32, true), tensor<int32_t>({}, {3}, DType::I32, true)});
  expect_eq("range int", o[0].as<int32_t>(), {1, 4, 7});
  o = run_op("Range", {}, {f32({}, {1}, true), f32({}, {0}, true), f32({}, {-0.25f}, true)});
  expect_f("range float neg", o[0], {1, 0.75f, 0.5f, 0.25f});
  o = run_op("TopK", {}, {f32({2, 4}, {1, 9, 3, 9, 0, -1, 5, 2}), i64s(2)}, 2);
  expect_f("topk values", o[0], {9, 9, 5, 2});
  expect_eq("topk indices", o[1].as<int32_t>(), {1, 3, 2, 3});
}

// Large shapes exercise the threaded paths; results must match the single-threaded naive references.
void test_threaded() {
  Shape s = {2, 12, 128, 64};
  auto x = iota_f(shape_numel(s));
  for (auto& v : x) v = std::fmod(v * 0.37f, 13.f);
  auto o = run_op("Transpose", {}, {f32(s, x), i64c({0, 2, 1, 3})});
  expect_f("big transpose bert", o[0], ref_transpose(x, s, {0, 2, 1, 3}));
  o = run_op("Transpose", {}, {f32(s, x), i64c({0, 2, 3, 1})});
  expect_f("big transpose nhwc", o[0], ref_transpose(x, s, {0, 2, 3, 1}));
  o = run_op("ReduceMean", {{"axis", a_ints({2, 3})}, {"keep_dims", a_bool(true)}}, {f32(s, x)});
  std::vector<float> want;
  for (int64_t p = 0; p < 24; ++p) {
    double acc = 0;
    for (int64_t i = 0; i < 128 * 64; ++i) acc += x[size_t(p * 128 * 64 + i)];
    want.push_back(float(acc / (128 * 64)));
  }
  auto got = o[0].f();
  bool ok = true;
  for (size_t i = 0; i < want.size(); ++i) ok = ok && std::fabs(got[i] - want[i]) < 1e-4f * std::fabs(want[i]) + 1e-4f;
  CHECK(ok, "big global mean (float sum of 8192 terms: 1e-4 relative)");
  o = run_op("MaxPool", {{"kernel_size", a_int(3)}, {"strides", a_int(2)}, {"pad_mode", a_str("same")}}, {f32(s, x)});
  expect_shape("big maxpool", o[0], {2, 12, 64, 32});
  auto mp = o[0].f();
  ok = true;
  for (int64_t p = 0; p < 24 && ok; ++p)
    for (int64_t i = 0; i < 64 && ok; ++i)
      for (int64_t j = 0; j < 32; ++j) {
        float m = -INFINITY;
        for (int64_t a = 2 * i; a < 2 * i + 3; ++a)
          for (int64_t b = 2 * j; b < 2 * j + 3; ++b)
            if (a < 128 && b < 64) m = std::max(m, x[size_t(p * 8192 + a * 64 + b)]);
        if (mp[size_t(p * 2048 + i * 32 + j)] != m) { ok = false; break; }
      }
  CHECK(ok, "big maxpool values (SAME pads 0 before, 1 after)");
}

int main() {
  ThreadPool pool(4);
  g_pool = &pool;
  struct { const char* name; void (*fn)(); } tests[] = {
      {"pooling", test_pooling},       {"reduce", test_reduce},     {"softmax_norm", test_softmax_norm},
      {"transpose", test_transpose},   {"concat_split_slice", test_concat_split_slice},
      {"gather_tile_onehot", test_gather_tile_onehot}, {"pad_resize_misc", test_pad_resize_misc}, {"threaded", test_threaded}};
  for (auto& t : tests) {
    try {
      t.fn();
    } catch (const std::exception& e) {
      ++g_failures;
      std::fprintf(stderr, "FAIL %s threw: %s\n", t.name, e.what());
    }
  }
  std::printf("%d checks, %d failures\n", g_checks, g_failures);
  return g_failures ? 1 : 0;
}
