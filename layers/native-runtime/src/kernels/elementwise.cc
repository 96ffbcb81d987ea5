// Elementwise kernels: unary math and activations, binary arithmetic and comparisons with numpy broadcasting,
// Select, AddN and BiasAdd. Float math is vectorized where it is the hot path (activations, Add, Mul): AVX2 on
// x86-64, SIMD128 in the WebAssembly build.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>

#include "engine/kernel.h"
#if defined(__x86_64__)
#include "gemm/simd_avx2.h"
#else
#include "gemm/simd_wasm.h"
#endif
#include "gemm/vmath.h"
#include "vmath.h"

namespace mindlet {
namespace {

constexpr int64_t kGrain = 16384;  // elements per parallel chunk: below this a thread hand-off costs more

// ---------------------------------------------------------------- unary

enum class Unary {
  Relu, Relu6, Sigmoid, Tanh, Gelu, FastGelu, HSwish, HSigmoid, Silu, Sqrt, Rsqrt, Exp, Log, Neg, Abs, Erf,
  Square, Reciprocal, Floor, Ceil, Round, Sin, Cos, Sign, Softplus, LeakyRelu, Elu, LogicalNot, Identity
};

float unary_scalar(Unary op, float x, float alpha) {
  switch (op) {
    case Unary::Relu: return x > 0 ? x : 0;
    case Unary::Relu6: return std::fmin(std::fmax(x, 0.0f), 6.0f);
    case Unary::Sigmoid: return vmath::sigmoid(x);
    case Unary::Tanh: return std::tanh(x);
    case Unary::Gelu: return vmath::gelu(x);
    case Unary::FastGelu: return vmath::fast_gelu(x);
    case Unary::HSwish: return x * vmath::hsigmoid(x);
    case Unary::HSigmoid: return vmath::hsigmoid(x);
    case Unary::Silu: return x * vmath::sigmoid(x);
    case Unary::Sqrt: return std::sqrt(x);
    case Unary::Rsqrt: return 1.0f / std::sqrt(x);
    case Unary::Exp: return std::exp(x);
    case Unary::Log: return std::log(x);
    case Unary::Neg: return -x;
    case Unary::Abs: return std::fabs(x);
    case Unary::Erf: return std::erf(x);
    case Unary::Square: return x * x;
    case Unary::Reciprocal: return 1.0f / x;
    case Unary::Floor: return std::floor(x);
    case Unary::Ceil: return std::ceil(x);
    case Unary::Round: return std::nearbyint(x);  // MindSpore rounds half to even
    case Unary::Sin: return std::sin(x);
    case Unary::Cos: return std::cos(x);
    case Unary::Sign: return float((x > 0) - (x < 0));
    case Unary::Softplus: return x > 20 ? x : std::log1p(std::exp(x));
    case Unary::LeakyRelu: return x >= 0 ? x : x * alpha;
    case Unary::Elu: return x > 0 ? x : alpha * (std::exp(x) - 1.0f);
    case Unary::LogicalNot: return x == 0 ? 1.0f : 0.0f;
    case Unary::Identity: return x;
  }
  return x;
}

// Returns false when the op has no vector form; the scalar loop then does the work.
// The activation a unary op shares with the GEMM epilogue, or None.
Activation as_activation(Unary op) {
  switch (op) {
    case Unary::Relu: return Activation::Relu;
    case Unary::Relu6: return Activation::Relu6;
    case Unary::Sigmoid: return Activation::Sigmoid;
    case Unary::Tanh: return Activation::Tanh;
    case Unary::Gelu: return Activation::GeluTanh;
    case Unary::FastGelu: return Activation::FastGelu;
    case Unary::HSwish: return Activation::HSwish;
    case Unary::HSigmoid: return Activation::HSigmoid;
    case Unary::Silu: return Activation::Silu;
    default: return Activation::None;
  }
}

// Returns false when the op has no vector form; the scalar loop then does the work.
bool unary_vector(Unary op, const float* x, float* y, int64_t n, int64_t& done) {
#if defined(__x86_64__)
  using V = simd::VecAvx2;
  int64_t i = 0;
  const Activation act = as_activation(op);
  if (act != Activation::None) {
    for (; i + 8 <= n; i += 8) V::store(y + i, simd::vactivation<V>(V::load(x + i), act));
  } else if (op == Unary::Erf) {
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, vmath::erf8(_mm256_loadu_ps(x + i)));
  } else if (op == Unary::Exp) {
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, vmath::exp8(_mm256_loadu_ps(x + i)));
  } else {
    return false;
  }
#else
  using V = simd::VecWasm;
  int64_t i = 0;
  const Activation act = as_activation(op);
  if (act != Activation::None) {
    for (; i + 4 <= n; i += 4) V::store(y + i, simd::vactivation<V>(V::load(x + i), act));
  } else if (op == Unary::Erf) {
    for (; i + 4 <= n; i += 4) V::store(y + i, vmath::erf4(V::load(x + i)));
  } else if (op == Unary::Exp) {
    for (; i + 4 <= n; i += 4) V::store(y + i, vmath::exp4(V::load(x + i)));
  } else {
    return false;
  }
#endif
  done = i;
  return true;
}

class UnaryKernel : public Kernel {
 public:
  UnaryKernel(LoadContext& c, Unary op) : op_(op), alpha_(float(c.node().attrs.get_float("alpha", 0.2))) {
    if (op == Unary::Elu) alpha_ = float(c.node().attrs.get_float("alpha", 1.0));
  }
  void infer(InferContext& ctx) const override {
    const ValueDesc& x = ctx.input(0);
    bool int_ok = op_ == Unary::Neg || op_ == Unary::Abs || op_ == Unary::Relu || op_ == Unary::Square ||
                  op_ == Unary::Sign || op_ == Unary::Identity || op_ == Unary::LogicalNot;
    if (x.dtype != DType::F32 && !(int_ok && (x.dtype == DType::I32 || x.dtype == DType::I64 || x.dtype == DType::Bool)))
      ctx.fail(std::string("does not support ") + dtype_name(x.dtype) + " input");
    ctx.set_output(0, op_ == Unary::LogicalNot ? DType::Bool : x.dtype, x.shape);
  }
  void run(const RunContext& ctx) const override {
    const TensorView& x = ctx.input(0);
    const TensorView& y = ctx.output(0);
    int64_t n = x.numel();
    if (x.dtype != DType::F32) {
      for (int64_t i = 0; i < n; ++i) write_from_double(y.data, y.dtype, i, unary_scalar(op_, float(read_as_double(x.data, x.dtype, i)), alpha_));
      return;
    }
    const float* xp = x.as<float>();
    float* yp = y.as<float>();
    ctx.pool().parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
      int64_t done = 0;
      unary_vector(op_, xp + b, yp + b, e - b, done);
      for (int64_t i = b + done; i < e; ++i) yp[i] = unary_scalar(op_, xp[i], alpha_);
    });
  }

 private:
  Unary op_;
  float alpha_;
};

#define UNARY(name, op) MINDLET_KERNEL(name, [](LoadContext& c) { return std::make_unique<UnaryKernel>(c, Unary::op); })
UNARY("ReLU", Relu);
UNARY("ReLU6", Relu6);
UNARY("Sigmoid", Sigmoid);
UNARY("Tanh", Tanh);
UNARY("GeLU", Gelu);
UNARY("Gelu", Gelu);
UNARY("FastGeLU", FastGelu);
UNARY("FastGelu", FastGelu);
UNARY("HSwish", HSwish);
UNARY("HSigmoid", HSigmoid);
UNARY("SiLU", Silu);
UNARY("Sqrt", Sqrt);
UNARY("Rsqrt", Rsqrt);
UNARY("Exp", Exp);
UNARY("Log", Log);
UNARY("Neg", Neg);
UNARY("Abs", Abs);
UNARY("Erf", Erf);
UNARY("Square", Square);
UNARY("Reciprocal", Reciprocal);
UNARY("Floor", Floor);
UNARY("Ceil", Ceil);
UNARY("Round", Round);
UNARY("Sin", Sin);
UNARY("Cos", Cos);
UNARY("Sign", Sign);
UNARY("Softplus", Softplus);
UNARY("LeakyReLU", LeakyRelu);
UNARY("Elu", Elu);
UNARY("LogicalNot", LogicalNot);
#undef UNARY

// ---------------------------------------------------------------- broadcasting

Shape broadcast_shape(const Shape& a, const Shape& b, const InferContext& ctx) {
  size_t r = std::max(a.size(), b.size());
  Shape out(r);
  for (size_t i = 0; i < r; ++i) {
    int64_t da = i + a.size() >= r ? a[i + a.size() - r] : 1;
    int64_t db = i + b.size() >= r ? b[i + b.size() - r] : 1;
    if (da != db && da != 1 && db != 1) ctx.fail("cannot broadcast shapes " + shape_str(a) + " and " + shape_str(b));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

// Element strides of `s` broadcast to `out` (0 along broadcast dimensions).
std::vector<int64_t> broadcast_strides(const Shape& s, const Shape& out) {
  std::vector<int64_t> st(out.size(), 0);
  int64_t acc = 1;
  for (size_t k = 0; k < s.size(); ++k) {
    size_t i = s.size() - 1 - k, o = out.size() - 1 - k;
    st[o] = s[i] == 1 ? 0 : acc;
    acc *= s[i];
  }
  return st;
}

// Iterates `out` as rows of its last (coalesced) dimension, calling fn(out_off, a_off, b_off, len, sa, sb)
// where sa/sb are the inner strides (0 or 1).
struct BroadcastLoop {
  Shape dims;
  std::vector<int64_t> sa, sb;
  BroadcastLoop(const Shape& a, const Shape& b, const Shape& out) {
    auto ta = broadcast_strides(a, out), tb = broadcast_strides(b, out);
    // Merge adjacent dimensions whose strides stay contiguous for both inputs.
    for (size_t i = 0; i < out.size(); ++i) {
      if (out[i] == 1) continue;
      if (!dims.empty() && sa.back() == ta[i] * out[i] && sb.back() == tb[i] * out[i]) {
        dims.back() *= out[i];
        sa.back() = ta[i];
        sb.back() = tb[i];
        continue;
      }
      dims.push_back(out[i]);
      sa.push_back(ta[i]);
      sb.push_back(tb[i]);
    }
    if (dims.empty()) {
      dims = {1};
      sa = {0};
      sb = {0};
    }
  }
  int64_t rows() const {
    int64_t r = 1;
    for (size_t i = 0; i + 1 < dims.size(); ++i) r *= dims[i];
    return r;
  }
  template <class F>
  void for_rows(int64_t row_begin, int64_t row_end, F&& fn) const {
    const size_t r = dims.size();
    const int64_t len = dims[r - 1];
    for (int64_t row = row_begin; row < row_end; ++row) {
      int64_t rem = row, oa = 0, ob = 0;
      for (size_t k = r - 1; k-- > 0;) {
        int64_t idx = rem % dims[k];
        rem /= dims[k];
        oa += idx * sa[k];
        ob += idx * sb[k];
      }
      fn(row * len, oa, ob, len, sa[r - 1], sb[r - 1]);
    }
  }
};

// ---------------------------------------------------------------- binary

enum class Binary { Add, Sub, Mul, Div, FloorDiv, FloorMod, Mod, Pow, Max, Min, SqDiff, Eq, Ne, Lt, Le, Gt, Ge, And, Or };

bool is_compare(Binary op) { return op >= Binary::Eq; }

template <class T>
inline T apply(Binary op, T a, T b) {
  switch (op) {
    case Binary::Add: return a + b;
    case Binary::Sub: return a - b;
    case Binary::Mul: return a * b;
    case Binary::Div:
      if constexpr (std::is_integral_v<T>) return b == 0 ? T(0) : T(a / b);
      else return a / b;
    case Binary::FloorDiv:
      if constexpr (std::is_integral_v<T>) {
        if (b == 0) return T(0);
        T q = a / b;
        return (q * b != a && ((a < 0) != (b < 0))) ? T(q - 1) : q;
      } else return std::floor(a / b);
    case Binary::FloorMod:
      if constexpr (std::is_integral_v<T>) {
        if (b == 0) return T(0);
        T r = a % b;
        return (r != 0 && ((r < 0) != (b < 0))) ? T(r + b) : r;
      } else {
        T r = std::fmod(a, b);
        return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
      }
    case Binary::Mod:
      if constexpr (std::is_integral_v<T>) return b == 0 ? T(0) : T(a % b);
      else return std::fmod(a, b);
    case Binary::Pow: return T(std::pow(double(a), double(b)));
    case Binary::Max: return a > b ? a : b;
    case Binary::Min: return a < b ? a : b;
    case Binary::SqDiff: return (a - b) * (a - b);
    case Binary::Eq: return a == b;
    case Binary::Ne: return a != b;
    case Binary::Lt: return a < b;
    case Binary::Le: return a <= b;
    case Binary::Gt: return a > b;
    case Binary::Ge: return a >= b;
    case Binary::And: return a && b;
    case Binary::Or: return a || b;
  }
  return a;
}

// The fast float row loop: contiguous or scalar-broadcast operands, AVX2 for the common ops.
inline void float_row(Binary op, const float* a, const float* b, float* o, int64_t n, int64_t sa, int64_t sb) {
  int64_t i = 0;
  if (op == Binary::Add || op == Binary::Sub || op == Binary::Mul || op == Binary::Div || op == Binary::Max || op == Binary::Min) {
#if defined(__x86_64__)
    for (; i + 8 <= n; i += 8) {
      __m256 va = sa ? _mm256_loadu_ps(a + i) : _mm256_set1_ps(a[0]);
      __m256 vb = sb ? _mm256_loadu_ps(b + i) : _mm256_set1_ps(b[0]);
      __m256 r;
      switch (op) {
        case Binary::Add: r = _mm256_add_ps(va, vb); break;
        case Binary::Sub: r = _mm256_sub_ps(va, vb); break;
        case Binary::Mul: r = _mm256_mul_ps(va, vb); break;
        case Binary::Div: r = _mm256_div_ps(va, vb); break;
        case Binary::Max: r = _mm256_max_ps(va, vb); break;
        default: r = _mm256_min_ps(va, vb); break;
      }
      _mm256_storeu_ps(o + i, r);
    }
#else
    using V = simd::VecWasm;
    for (; i + 4 <= n; i += 4) {
      V::T va = sa ? V::load(a + i) : V::set1(a[0]);
      V::T vb = sb ? V::load(b + i) : V::set1(b[0]);
      V::T r;
      switch (op) {
        case Binary::Add: r = V::add(va, vb); break;
        case Binary::Sub: r = V::sub(va, vb); break;
        case Binary::Mul: r = V::mul(va, vb); break;
        case Binary::Div: r = V::div(va, vb); break;
        case Binary::Max: r = V::max(va, vb); break;
        default: r = V::min(va, vb); break;
      }
      V::store(o + i, r);
    }
#endif
  }
  for (; i < n; ++i) o[i] = apply<float>(op, a[i * sa], b[i * sb]);
}

// The type both operands are computed in; kNoCommon when there is none.
constexpr DType kNoCommon = DType::BF16;
DType common_dtype(DType a, int64_t na, DType b, int64_t nb) {
  if (a == b) return a;
  // MindSpore promotes a Python scalar to the tensor's type; we do the same for any one-element operand.
  if (nb == 1 && (is_float(a) || !is_float(b))) return a;
  if (na == 1 && (is_float(b) || !is_float(a))) return b;
  if (is_float(a) && !is_float(b)) return a;
  if (is_float(b) && !is_float(a)) return b;
  return kNoCommon;
}

class BinaryKernel : public Kernel {
 public:
  BinaryKernel(LoadContext&, Binary op) : op_(op) {}
  void infer(InferContext& ctx) const override {
    if (ctx.input_count() != 2) ctx.fail("expects 2 inputs, got " + std::to_string(ctx.input_count()));
    const ValueDesc &a = ctx.input(0), &b = ctx.input(1);
    DType t = common_dtype(a.dtype, a.numel(), b.dtype, b.numel());
    if (t == kNoCommon) ctx.fail(std::string("operands have different types: ") + dtype_name(a.dtype) + " and " + dtype_name(b.dtype));
    if (t == DType::F16) ctx.fail(std::string("does not support ") + dtype_name(t));
    ctx.set_output(0, is_compare(op_) ? DType::Bool : t, broadcast_shape(a.shape, b.shape, ctx));
    // Operands of another type are converted into scratch first.
    size_t extra = 0;
    if (a.dtype != t) extra += size_t(a.numel()) * dtype_size(t) + 64;
    if (b.dtype != t) extra += size_t(b.numel()) * dtype_size(t) + 64;
    ctx.request_scratch(extra);
  }
  void run(const RunContext& ctx) const override {
    TensorView a = ctx.input(0), b = ctx.input(1);
    const TensorView& o = ctx.output(0);
    DType t = common_dtype(a.dtype, a.numel(), b.dtype, b.numel());
    uint8_t* scratch = static_cast<uint8_t*>(ctx.scratch());
    auto convert = [&](TensorView& v) {
      if (v.dtype == t) return;
      for (int64_t i = 0; i < v.numel(); ++i) write_from_double(scratch, t, i, read_as_double(v.data, v.dtype, i));
      v.data = scratch;
      v.dtype = t;
      scratch += (size_t(v.numel()) * dtype_size(t) + 63) / 64 * 64;
    };
    convert(a);
    convert(b);
    BroadcastLoop loop(a.shape, b.shape, o.shape);
    int64_t rows = loop.rows(), len = loop.dims.back();
    int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(len, 1));
    switch (t) {
      case DType::F32: dispatch<float>(ctx, loop, a, b, o, rows, grain); break;
      case DType::F64: dispatch<double>(ctx, loop, a, b, o, rows, grain); break;
      case DType::I32: dispatch<int32_t>(ctx, loop, a, b, o, rows, grain); break;
      case DType::I64: dispatch<int64_t>(ctx, loop, a, b, o, rows, grain); break;
      case DType::I8: dispatch<int8_t>(ctx, loop, a, b, o, rows, grain); break;
      case DType::I16: dispatch<int16_t>(ctx, loop, a, b, o, rows, grain); break;
      case DType::U8: case DType::Bool: dispatch<uint8_t>(ctx, loop, a, b, o, rows, grain); break;
      case DType::U16: dispatch<uint16_t>(ctx, loop, a, b, o, rows, grain); break;
      case DType::U32: dispatch<uint32_t>(ctx, loop, a, b, o, rows, grain); break;
      case DType::U64: dispatch<uint64_t>(ctx, loop, a, b, o, rows, grain); break;
      default: MINDLET_FAIL("UNSUPPORTED", std::string("elementwise op on ") + dtype_name(t));
    }
  }

 private:
  template <class T>
  void dispatch(const RunContext& ctx, const BroadcastLoop& loop, const TensorView& a, const TensorView& b,
                const TensorView& o, int64_t rows, int64_t grain) const {
    const T* ap = a.as<T>();
    const T* bp = b.as<T>();
    ctx.pool().parallel_for(rows, grain, [&](int64_t r0, int64_t r1) {
      loop.for_rows(r0, r1, [&](int64_t oo, int64_t oa, int64_t ob, int64_t n, int64_t sa, int64_t sb) {
        if (is_compare(op_)) {
          uint8_t* op = o.as<uint8_t>() + oo;
          for (int64_t i = 0; i < n; ++i) op[i] = apply<T>(op_, ap[oa + i * sa], bp[ob + i * sb]) ? 1 : 0;
        } else if constexpr (std::is_same_v<T, float>) {
          float_row(op_, ap + oa, bp + ob, o.as<float>() + oo, n, sa, sb);
        } else {
          T* op = o.as<T>() + oo;
          for (int64_t i = 0; i < n; ++i) op[i] = apply<T>(op_, ap[oa + i * sa], bp[ob + i * sb]);
        }
      });
    });
  }
  Binary op_;
};

#define BINARY(name, op) MINDLET_KERNEL(name, [](LoadContext& c) { return std::make_unique<BinaryKernel>(c, Binary::op); })
BINARY("Add", Add);
BINARY("AddV2", Add);
BINARY("Sub", Sub);
BINARY("Mul", Mul);
BINARY("RealDiv", Div);
BINARY("Div", Div);
BINARY("DivNoNan", Div);
BINARY("FloorDiv", FloorDiv);
BINARY("FloorMod", FloorMod);
BINARY("Mod", Mod);
BINARY("Pow", Pow);
BINARY("Maximum", Max);
BINARY("Minimum", Min);
BINARY("SquaredDifference", SqDiff);
BINARY("Equal", Eq);
BINARY("NotEqual", Ne);
BINARY("Less", Lt);
BINARY("LessEqual", Le);
BINARY("Greater", Gt);
BINARY("GreaterEqual", Ge);
BINARY("LogicalAnd", And);
BINARY("LogicalOr", Or);
#undef BINARY

// ---------------------------------------------------------------- BiasAdd, AddN, Select

// BiasAdd: x + bias along the channel axis (axis 1 for NCHW / NCDHW, the last axis for NHWC).
class BiasAddKernel : public Kernel {
 public:
  explicit BiasAddKernel(LoadContext& c) {
    std::string fmt = c.node().attrs.get_string("format", c.node().attrs.get_string("data_format", "NCHW"));
    channels_last_ = fmt == "NHWC" || fmt == "NWC";
  }
  void infer(InferContext& ctx) const override {
    const ValueDesc &x = ctx.input(0), &b = ctx.input(1);
    if (x.dtype != DType::F32 || b.dtype != DType::F32) ctx.fail("supports float32 only");
    if (x.shape.size() < 2) ctx.fail("input must have rank ≥ 2, got " + shape_str(x.shape));
    int64_t c = channels_last_ ? x.shape.back() : x.shape[1];
    if (b.numel() != c) ctx.fail("bias has " + std::to_string(b.numel()) + " values for " + std::to_string(c) + " channels");
    ctx.set_output(0, DType::F32, x.shape);
  }
  void run(const RunContext& ctx) const override {
    const TensorView &x = ctx.input(0), &b = ctx.input(1), &o = ctx.output(0);
    const float* xp = x.as<float>();
    const float* bp = b.as<float>();
    float* op = o.as<float>();
    int64_t c = channels_last_ ? x.shape.back() : x.shape[1];
    int64_t inner = 1;
    if (!channels_last_)
      for (size_t i = 2; i < x.shape.size(); ++i) inner *= x.shape[i];
    int64_t rows = x.numel() / (channels_last_ ? c : inner);
    int64_t len = channels_last_ ? c : inner;
    ctx.pool().parallel_for(rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(len, 1)), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        if (channels_last_) float_row(Binary::Add, xp + r * c, bp, op + r * c, c, 1, 1);
        else float_row(Binary::Add, xp + r * inner, bp + r % c, op + r * inner, inner, 1, 0);
      }
    });
  }

 private:
  bool channels_last_ = false;
};
MINDLET_KERNEL("BiasAdd", [](LoadContext& c) { return std::make_unique<BiasAddKernel>(c); });

class AddNKernel : public Kernel {
 public:
  explicit AddNKernel(LoadContext&) {}
  void infer(InferContext& ctx) const override {
    const ValueDesc& x = ctx.input(0);
    for (int i = 1; i < ctx.input_count(); ++i)
      if (ctx.input(i).shape != x.shape || ctx.input(i).dtype != x.dtype) ctx.fail("inputs must have the same shape and type");
    if (x.dtype != DType::F32) ctx.fail("supports float32 only");
    ctx.set_output(0, x.dtype, x.shape);
  }
  void run(const RunContext& ctx) const override {
    float* o = ctx.output(0).as<float>();
    int64_t n = ctx.output(0).numel();
    ctx.pool().parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
      std::memcpy(o + b, ctx.input(0).as<float>() + b, size_t(e - b) * 4);
      for (int k = 1; k < ctx.input_count(); ++k) float_row(Binary::Add, o + b, ctx.input(k).as<float>() + b, o + b, e - b, 1, 1);
    });
  }
};
MINDLET_KERNEL("AddN", [](LoadContext& c) { return std::make_unique<AddNKernel>(c); });

// Select(cond, x, y): x where cond else y, all three broadcast together.
class SelectKernel : public Kernel {
 public:
  explicit SelectKernel(LoadContext&) {}
  void infer(InferContext& ctx) const override {
    const ValueDesc &c = ctx.input(0), &x = ctx.input(1), &y = ctx.input(2);
    if (x.dtype != y.dtype) ctx.fail("x and y must have the same type");
    Shape s = broadcast_shape(broadcast_shape(c.shape, x.shape, ctx), y.shape, ctx);
    ctx.set_output(0, x.dtype, s);
  }
  void run(const RunContext& ctx) const override {
    const TensorView &c = ctx.input(0), &x = ctx.input(1), &y = ctx.input(2), &o = ctx.output(0);
    auto sc = broadcast_strides(c.shape, o.shape), sx = broadcast_strides(x.shape, o.shape), sy = broadcast_strides(y.shape, o.shape);
    size_t es = dtype_size(o.dtype);
    int64_t n = o.numel();
    const size_t r = o.shape.size();
    for (int64_t i = 0; i < n; ++i) {
      int64_t rem = i, ic = 0, ix = 0, iy = 0;
      for (size_t k = r; k-- > 0;) {
        int64_t idx = rem % o.shape[k];
        rem /= o.shape[k];
        ic += idx * sc[k];
        ix += idx * sx[k];
        iy += idx * sy[k];
      }
      bool take = read_as_double(c.data, c.dtype, ic) != 0;
      std::memcpy(static_cast<uint8_t*>(o.data) + size_t(i) * es,
                  static_cast<const uint8_t*>(take ? x.data : y.data) + size_t(take ? ix : iy) * es, es);
    }
  }
};
MINDLET_KERNEL("Select", [](LoadContext& c) { return std::make_unique<SelectKernel>(c); });

}  // namespace
}  // namespace mindlet
