// ReduceMean/Sum/Max/Min/Prod/All/Any over any set of axes (attribute or constant input; empty = all axes).
// Adjacent dims with the same reduced/kept status are merged; then [kept, reduced] (row reduce) and
// [reduced, kept] (column reduce, vectorized over the kept run) are fast, other patterns use an odometer.
#include <limits>

#include "kernels/common.h"

namespace mindlet {
namespace {

using namespace kern;

enum class Op { Sum, Mean, Max, Min, Prod, All, Any };

struct Plan {
  Shape out_shape;
  bool identity = false;
  // Merged dims, outermost first, with their reduced flags.
  std::vector<int64_t> dims;
  std::vector<bool> red;
  int64_t count = 1;  // elements reduced into each output
};

template <class T>
struct Combine {
  Op op;
  T init() const {
    switch (op) {
      case Op::Max: return std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::lowest();
      case Op::Min: return std::numeric_limits<T>::has_infinity ? std::numeric_limits<T>::infinity() : std::numeric_limits<T>::max();
      case Op::Prod: case Op::All: return T(1);
      default: return T(0);
    }
  }
};

template <class T>
inline T apply(Op op, T a, T b) {
  switch (op) {
    case Op::Max: return b > a || b != b ? b : a;
    case Op::Min: return b < a || b != b ? b : a;
    case Op::Prod: return a * b;
    case Op::All: return T(a && b);
    case Op::Any: return T(a || b);
    default: return a + b;
  }
}

class ReduceKernel : public Kernel {
 public:
  ReduceKernel(LoadContext& c, Op op) : id_(c.node()), attrs_(c.node().attrs), op_(op) {}

  template <class Ctx>
  Plan plan(const Ctx& c, const Shape& s) const {
    Plan p;
    std::vector<int64_t> axes;
    param_ints(attrs_, "axis", c, 1, axes);
    bool keep = param_int(attrs_, "keep_dims", c, 2, 0) != 0;
    bool skip = param_int(attrs_, "skip_mode", c, 3, 0) != 0;
    int64_t rank = int64_t(s.size());
    std::vector<bool> red(size_t(rank), axes.empty());
    for (int64_t a : axes) red[size_t(norm_axis(a, rank, id_))] = true;
    if (axes.empty() && skip) {
      p.identity = true;  // ReduceSum's skip_mode: no axes means no reduction
      p.out_shape = s;
      return p;
    }
    for (int64_t i = 0; i < rank; ++i) {
      if (red[size_t(i)]) {
        p.count *= s[size_t(i)];
        if (keep) p.out_shape.push_back(1);
      } else {
        p.out_shape.push_back(s[size_t(i)]);
      }
      if (s[size_t(i)] == 1) continue;  // size-1 dims change nothing
      if (!p.dims.empty() && p.red.back() == red[size_t(i)]) p.dims.back() *= s[size_t(i)];
      else p.dims.push_back(s[size_t(i)]), p.red.push_back(red[size_t(i)]);
    }
    return p;
  }

  void infer(InferContext& ctx) const override {
    const ValueDesc& x = ctx.input(0);
    DType t = x.dtype;
    bool logical = op_ == Op::All || op_ == Op::Any;
    if (logical ? t != DType::Bool : !(t == DType::F32 || t == DType::F64 || t == DType::I32 || t == DType::I64))
      id_.unsupported(std::string("does not support ") + dtype_name(t));
    Plan p = plan(ctx, x.shape);
    ctx.set_output(0, t, p.out_shape);
  }

  void run(const RunContext& ctx) const override {
    const TensorView& x = ctx.input(0);
    Plan p = plan(ctx, x.shape);
    switch (x.dtype) {
      case DType::F32: go<float>(ctx, p); break;
      case DType::F64: go<double>(ctx, p); break;
      case DType::I32: go<int32_t>(ctx, p); break;
      case DType::I64: go<int64_t>(ctx, p); break;
      case DType::Bool: go<uint8_t>(ctx, p); break;
      default: id_.unsupported(std::string("does not support ") + dtype_name(x.dtype));
    }
  }

 private:
  template <class T>
  void go(const RunContext& ctx, const Plan& p) const {
    const T* x = ctx.input(0).as<T>();
    T* y = ctx.output(0).as<T>();
    int64_t n_out = shape_numel(p.out_shape), n_in = ctx.input(0).numel();
    if (p.identity || p.count == 1) {
      std::memcpy(y, x, size_t(n_in) * sizeof(T));
      return;
    }
    Op op = op_ == Op::Mean ? Op::Sum : op_;
    T init = Combine<T>{op}.init();
    if (n_in == 0) {
      for (int64_t i = 0; i < n_out; ++i) y[i] = op_ == Op::Mean ? T(NAN) : init;
      return;
    }
    const auto& d = p.dims;
    // Shapes: [R], [K,R] -> row reduce; [R,K], [K,R,K] -> column reduce; else generic.
    if (!p.red.empty() && p.red.back()) {
      bool simple = p.red.size() == 1 || (p.red.size() == 2 && !p.red[0]);
      if (simple) {
        int64_t rlen = d.back(), rows = n_out;
        ctx.pool().parallel_for(rows, grain_for(rlen), [&](int64_t r0, int64_t r1) {
          for (int64_t r = r0; r < r1; ++r) y[r] = finish(row_reduce(op, x + r * rlen, rlen, init), p.count);
        });
        return;
      }
    } else if (p.red.size() >= 2 && p.red.size() <= 3 && p.red[p.red.size() - 2]) {
      bool simple = p.red.size() == 2 || !p.red[0];
      if (simple) {
        int64_t inner = d.back(), rlen = d[d.size() - 2], outer = p.red.size() == 3 ? d[0] : 1;
        // Split the kept run into column blocks so threads share the work even when outer is 1.
        int64_t block = std::max<int64_t>(64, std::min<int64_t>(inner, 4096));
        int64_t nblocks = (inner + block - 1) / block;
        ctx.pool().parallel_for(outer * nblocks, grain_for(rlen * block), [&](int64_t b0, int64_t b1) {
          for (int64_t b = b0; b < b1; ++b) {
            int64_t o = b / nblocks, c0 = (b % nblocks) * block, c1 = std::min(inner, c0 + block);
            const T* xs = x + o * rlen * inner;
            T* ys = y + o * inner;
            for (int64_t c = c0; c < c1; ++c) ys[c] = xs[c];
            for (int64_t r = 1; r < rlen; ++r) {
              const T* row = xs + r * inner;
              combine_row(op, ys + c0, row + c0, c1 - c0);
            }
            for (int64_t c = c0; c < c1; ++c) ys[c] = finish(ys[c], p.count);
          }
        });
        return;
      }
    }
    generic(op, init, x, y, p, n_out);
  }

  template <class T>
  T finish(T v, int64_t count) const {
    return op_ == Op::Mean ? T(v / T(count)) : v;
  }

  template <class T>
  static void combine_row(Op op, T* acc, const T* row, int64_t n) {
    switch (op) {
      case Op::Sum: for (int64_t i = 0; i < n; ++i) acc[i] += row[i]; break;
      case Op::Max: for (int64_t i = 0; i < n; ++i) acc[i] = apply(Op::Max, acc[i], row[i]); break;
      case Op::Min: for (int64_t i = 0; i < n; ++i) acc[i] = apply(Op::Min, acc[i], row[i]); break;
      default: for (int64_t i = 0; i < n; ++i) acc[i] = apply(op, acc[i], row[i]); break;
    }
  }

  template <class T>
  static T row_reduce(Op op, const T* x, int64_t n, T init) {
    if constexpr (std::is_same_v<T, float>) {
      if (op == Op::Sum) return sum_f32(x, n);
      if (op == Op::Max) return max_f32(x, n);
    }
    T acc = init;
    if (op == Op::Sum) {
      for (int64_t i = 0; i < n; ++i) acc += x[i];
      return acc;
    }
    for (int64_t i = 0; i < n; ++i) acc = apply(op, acc, x[i]);
    return acc;
  }

  template <class T>
  void generic(Op op, T init, const T* x, T* y, const Plan& p, int64_t n_out) const {
    for (int64_t i = 0; i < n_out; ++i) y[i] = init;
    size_t r = p.dims.size();
    // Output strides of each merged dim (0 for reduced ones).
    std::vector<int64_t> ostride(r, 0);
    int64_t s = 1;
    for (size_t i = r; i-- > 0;)
      if (!p.red[i]) ostride[i] = s, s *= p.dims[i];
    std::vector<int64_t> idx(r, 0);
    int64_t n_in = 1;
    for (auto v : p.dims) n_in *= v;
    int64_t inner = p.dims.back(), os_inner = ostride.back();
    for (int64_t base = 0; base < n_in; base += inner) {
      int64_t off = 0;
      for (size_t i = 0; i + 1 < r; ++i) off += idx[i] * ostride[i];
      const T* row = x + base;
      if (os_inner == 0) {
        y[off] = apply(op, y[off], row_reduce(op, row, inner, init));
      } else {
        for (int64_t k = 0; k < inner; ++k) y[off + k] = apply(op, y[off + k], row[k]);
      }
      for (size_t i = r - 1; i-- > 0;) {
        if (++idx[i] < p.dims[i]) break;
        idx[i] = 0;
      }
    }
    if (op_ == Op::Mean)
      for (int64_t i = 0; i < n_out; ++i) y[i] = finish(y[i], p.count);
  }

  NodeId id_;
  Attrs attrs_;
  Op op_;
};

// ArgMax/ArgMin (index only) and ArgMaxWithValue/ArgMinWithValue (index int32, value); first index wins ties.
class ArgKernel : public Kernel {
 public:
  ArgKernel(LoadContext& c, bool is_max, bool with_value)
      : id_(c.node()), attrs_(c.node().attrs), max_(is_max), with_value_(with_value),
        two_outputs_(with_value && c.node().outputs.size() > 1) {
    const Attr* t = attrs_.find("output_type");
    if (t && (t->kind == Attr::Kind::Type || t->kind == Attr::Kind::String)) out_type_ = dtype_from_name(t->str);
    if (out_type_ != DType::I32 && out_type_ != DType::I64) id_.unsupported("output_type must be int32 or int64");
  }
  struct Dims {
    int64_t outer, len, inner;
    Shape out;
  };
  template <class Ctx>
  Dims dims(const Ctx& c, const Shape& s) const {
    // ArgMaxWithValue defaults to axis 0, Argmax to -1.
    int64_t axis = norm_axis(param_int(attrs_, "axis", c, 1, with_value_ ? 0 : -1), int64_t(s.size()), id_);
    bool keep = param_int(attrs_, "keep_dims", c, with_value_ ? 2 : -1, 0) != 0;
    Dims d{prod(s, 0, size_t(axis)), s.empty() ? 1 : s[size_t(axis)], prod(s, size_t(axis) + 1, s.size()), {}};
    for (size_t i = 0; i < s.size(); ++i) {
      if (int64_t(i) == axis) {
        if (keep) d.out.push_back(1);
      } else {
        d.out.push_back(s[i]);
      }
    }
    if (d.len == 0) id_.fail("cannot take the arg of an empty axis");
    return d;
  }
  void infer(InferContext& ctx) const override {
    const ValueDesc& x = ctx.input(0);
    if (!(x.dtype == DType::F32 || x.dtype == DType::I32 || x.dtype == DType::I64 || x.dtype == DType::F64))
      id_.unsupported(std::string("does not support ") + dtype_name(x.dtype));
    Dims d = dims(ctx, x.shape);
    ctx.set_output(0, with_value_ ? DType::I32 : out_type_, d.out);
    if (with_value_ && ctx.node().outputs.size() > 1) ctx.set_output(1, x.dtype, d.out);
  }
  void run(const RunContext& ctx) const override {
    switch (ctx.input(0).dtype) {
      case DType::F32: go<float>(ctx); break;
      case DType::F64: go<double>(ctx); break;
      case DType::I32: go<int32_t>(ctx); break;
      case DType::I64: go<int64_t>(ctx); break;
      default: id_.unsupported("unsupported dtype");
    }
  }

 private:
  template <class T>
  void go(const RunContext& ctx) const {
    Dims d = dims(ctx, ctx.input(0).shape);
    const T* x = ctx.input(0).as<T>();
    const TensorView& io = ctx.output(0);
    T* val = two_outputs_ ? ctx.output(1).template as<T>() : nullptr;
    int64_t n = d.outer * d.inner;
    ctx.pool().parallel_for(n, grain_for(d.len), [&](int64_t a, int64_t b) {
      for (int64_t i = a; i < b; ++i) {
        int64_t o = i / d.inner, k = i % d.inner;
        const T* p = x + o * d.len * d.inner + k;
        int64_t best = 0;
        T bv = p[0];
        for (int64_t j = 1; j < d.len; ++j) {
          T v = p[j * d.inner];
          if (max_ ? v > bv : v < bv) bv = v, best = j;
        }
        if (io.dtype == DType::I64) io.as<int64_t>()[i] = best;
        else io.as<int32_t>()[i] = int32_t(best);
        if (val) val[i] = bv;
      }
    });
  }
  NodeId id_;
  Attrs attrs_;
  bool max_, with_value_, two_outputs_;
  DType out_type_ = DType::I32;
};

MINDLET_KERNEL("ReduceSum", [](LoadContext& c) { return std::make_unique<ReduceKernel>(c, Op::Sum); });
MINDLET_KERNEL("ReduceMean", [](LoadContext& c) { return std::make_unique<ReduceKernel>(c, Op::Mean); });
MINDLET_KERNEL("ReduceMax", [](LoadContext& c) { return std::make_unique<ReduceKernel>(c, Op::Max); });
MINDLET_KERNEL("ReduceMin", [](LoadContext& c) { return std::make_unique<ReduceKernel>(c, Op::Min); });
MINDLET_KERNEL("ReduceProd", [](LoadContext& c) { return std::make_unique<ReduceKernel>(c, Op::Prod); });
MINDLET_KERNEL("ReduceAll", [](LoadContext& c) { return std::make_unique<ReduceKernel>(c, Op::All); });
MINDLET_KERNEL("ReduceAny", [](LoadContext& c) { return std::make_unique<ReduceKernel>(c, Op::Any); });
MINDLET_KERNEL("Argmax", [](LoadContext& c) { return std::make_unique<ArgKernel>(c, true, false); });
MINDLET_KERNEL("ArgMax", [](LoadContext& c) { return std::make_unique<ArgKernel>(c, true, false); });
MINDLET_KERNEL("Argmin", [](LoadContext& c) { return std::make_unique<ArgKernel>(c, false, false); });
MINDLET_KERNEL("ArgMin", [](LoadContext& c) { return std::make_unique<ArgKernel>(c, false, false); });
MINDLET_KERNEL("ArgMaxWithValue", [](LoadContext& c) { return std::make_unique<ArgKernel>(c, true, true); });
MINDLET_KERNEL("ArgMinWithValue", [](LoadContext& c) { return std::make_unique<ArgKernel>(c, false, true); });

}  // namespace
}  // namespace mindlet
