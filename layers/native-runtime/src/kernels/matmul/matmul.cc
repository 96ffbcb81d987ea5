// MatMul, BatchMatMul and Dense on the packed GEMM; constant operands are packed once at load and the
// fused epilogue (per-column bias, residual, activation) is applied while the output tile is in cache.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "engine/kernel.h"
#include "engine/thread_pool.h"
#include "kernels/gemm/sgemm.h"

namespace mindlet::matmul {
namespace {

bool attr_flag(const Attrs& a, const char* name, const char* alt) {
  if (a.has(name)) return a.get_bool(name, false);
  return alt && a.get_bool(alt, false);
}

// Operand views of a row-major [rows, cols] matrix, optionally used transposed.
gemm::MatRef view_a(const float* p, int64_t M, int64_t K, bool t) {
  return t ? gemm::MatRef{p, 1, M} : gemm::MatRef{p, K, 1};
}
gemm::MatRef view_b(const float* p, int64_t K, int64_t N, bool t) {
  return t ? gemm::MatRef{p, 1, K} : gemm::MatRef{p, N, 1};
}

void require_f32(const InferContext& ctx, int n) {
  for (int i = 0; i < n; ++i)
    if (ctx.input(i).dtype != DType::F32)
      MINDLET_FAIL("UNSUPPORTED", ctx.node().op + " node " + ctx.node().name + ": only float32 is supported, input " +
                                           std::to_string(i) + " is " + dtype_name(ctx.input(i).dtype));
}

// Shared by MatMul and BatchMatMul: A[..., M, K] · B[..., K, N] with numpy batch broadcasting.
class MatMulKernel : public Kernel {
 public:
  MatMulKernel(LoadContext& ctx, bool batched) : batched_(batched) {
    const Attrs& at = ctx.node().attrs;
    ta_ = attr_flag(at, "transpose_a", "transpose_x1");
    tb_ = attr_flag(at, "transpose_b", "transpose_x2");
    has_bias_ = at.get_int("mindlet.has_bias", 0) != 0;
    has_residual_ = at.get_int("mindlet.has_residual", 0) != 0;
    act_ = activation_from_name(at.get_string("mindlet.activation", ""));
    int next = 2;
    bias_idx_ = has_bias_ ? next++ : -1;
    res_idx_ = has_residual_ ? next++ : -1;
    if (ctx.input_count() < next) ctx.fail("expects " + std::to_string(next) + " inputs");
    // Pack whichever operand is a constant weight (B preferred: x·W is the common case).
    if (const ConstTensor* b = ctx.constant(1); b && b->dtype == DType::F32 && b->shape.size() >= 2) {
      const int64_t r = int64_t(b->shape.size());
      const int64_t K = tb_ ? b->shape[r - 1] : b->shape[r - 2], N = tb_ ? b->shape[r - 2] : b->shape[r - 1];
      const int64_t batches = shape_numel(b->shape) / std::max<int64_t>(1, K * N);
      const float* bd = static_cast<const float*>(b->data);
      for (int64_t i = 0; i < batches; ++i) pb_.push_back(gemm::pack_b(view_b(bd + i * K * N, K, N, tb_), K, N));
      pb_shape_ = b->shape;
    } else if (const ConstTensor* a = ctx.constant(0); a && a->dtype == DType::F32 && a->shape.size() >= 2) {
      const int64_t r = int64_t(a->shape.size());
      const int64_t M = ta_ ? a->shape[r - 1] : a->shape[r - 2], K = ta_ ? a->shape[r - 2] : a->shape[r - 1];
      const int64_t batches = shape_numel(a->shape) / std::max<int64_t>(1, M * K);
      const float* ad = static_cast<const float*>(a->data);
      for (int64_t i = 0; i < batches; ++i) pa_.push_back(gemm::pack_a(view_a(ad + i * M * K, M, K, ta_), M, K));
      pa_shape_ = a->shape;
    }
  }

  void infer(InferContext& ctx) const override {
    require_f32(ctx, 2);
    Geometry g = geometry(ctx.input(0).shape, ctx.input(1).shape, [&](const std::string& m) { ctx.fail(m); });
    if (has_bias_ && ctx.input(bias_idx_).numel() != g.N)
      ctx.fail("bias has " + std::to_string(ctx.input(bias_idx_).numel()) + " values for " + std::to_string(g.N) +
               " columns");
    if (has_residual_ && ctx.input(res_idx_).shape != g.out)
      ctx.fail("residual shape " + shape_str(ctx.input(res_idx_).shape) + " differs from output " + shape_str(g.out));
    ctx.set_output(0, DType::F32, g.out);
  }

  void run(const RunContext& ctx) const override {
    const std::string where = "MatMul";
    Geometry g = geometry(ctx.input(0).shape, ctx.input(1).shape,
                          [&](const std::string& m) { MINDLET_FAIL("INVALID_ARGUMENT", where + ": " + m); });
    const float* a = ctx.input(0).as<float>();
    const float* b = ctx.input(1).as<float>();
    float* c = ctx.output(0).as<float>();
    Epilogue epi;
    epi.act = act_;
    if (has_bias_) {
      epi.bias_kind = BiasKind::PerCol;
      epi.bias = ctx.input(bias_idx_).as<float>();
    }
    const float* res = has_residual_ ? ctx.input(res_idx_).as<float>() : nullptr;
    const int64_t batches = shape_numel(g.batch);
    auto one = [&](int64_t bi, ThreadPool* pool) {
      // Broadcast batch index → operand batch offsets.
      int64_t ai = 0, bj = 0, rem = bi;
      for (int64_t d = int64_t(g.batch.size()) - 1; d >= 0; --d) {
        const int64_t idx = rem % g.batch[size_t(d)];
        rem /= g.batch[size_t(d)];
        ai += (g.abatch[size_t(d)] == 1 ? 0 : idx) * g.astride[size_t(d)];
        bj += (g.bbatch[size_t(d)] == 1 ? 0 : idx) * g.bstride[size_t(d)];
      }
      gemm::GemmDesc d;
      d.M = g.M;
      d.N = g.N;
      d.K = g.K;
      if (!pa_.empty()) d.pa = &pa_[size_t(ai)];
      else d.a = view_a(a + ai * g.M * g.K, g.M, g.K, ta_);
      if (!pb_.empty() && pa_.empty()) d.pb = &pb_[size_t(bj)];
      else d.b = view_b(b + bj * g.K * g.N, g.K, g.N, tb_);
      d.c = c + bi * g.M * g.N;
      d.ldc = g.N;
      d.epi = epi;
      if (res) {
        d.epi.residual = res + bi * g.M * g.N;
        d.epi.ldr = g.N;
      }
      gemm::sgemm(d, pool);
    };
    ThreadPool& pool = ctx.pool();
    // Many small products (attention heads): one product per thread; otherwise split each product.
    const bool per_batch = batches >= pool.size() && pool.size() > 1 && g.M * g.N * g.K < (int64_t(1) << 22);
    if (per_batch) {
      pool.parallel_for(batches, 1, [&](int64_t b0, int64_t b1) {
        for (int64_t i = b0; i < b1; ++i) one(i, nullptr);
      });
    } else {
      for (int64_t i = 0; i < batches; ++i) one(i, &pool);
    }
  }

 private:
  struct Geometry {
    int64_t M = 0, N = 0, K = 0;
    Shape batch, abatch, bbatch;  // aligned to the same rank
    std::vector<int64_t> astride, bstride;  // in matrices
    Shape out;
  };

  template <class Fail>
  Geometry geometry(const Shape& as, const Shape& bs, Fail&& fail) const {
    Geometry g;
    if (as.size() < 2 || bs.size() < 2)
      fail("operands must have rank 2 or more, got " + shape_str(as) + " and " + shape_str(bs));
    if (!batched_ && (as.size() != 2 || bs.size() != 2) && (ta_ || bs.size() != 2))
      fail("MatMul operands must be 2-D, got " + shape_str(as) + " and " + shape_str(bs));
    Shape a2 = as, b2 = bs;
    if (!batched_ && as.size() > 2) {  // [..., K] · [K, N]: leading dims fold into M
      int64_t rows = 1;
      for (size_t i = 0; i + 1 < as.size(); ++i) rows *= as[i];
      a2 = {rows, as.back()};
    }
    const size_t ra = a2.size(), rb = b2.size();
    g.M = ta_ ? a2[ra - 1] : a2[ra - 2];
    const int64_t ka = ta_ ? a2[ra - 2] : a2[ra - 1];
    g.K = tb_ ? b2[rb - 1] : b2[rb - 2];
    g.N = tb_ ? b2[rb - 2] : b2[rb - 1];
    if (ka != g.K) fail("inner dimensions differ: " + shape_str(as) + " and " + shape_str(bs));
    const size_t rank = std::max(ra, rb) - 2;
    g.abatch.assign(rank, 1);
    g.bbatch.assign(rank, 1);
    for (size_t i = 0; i + 2 < ra; ++i) g.abatch[rank - (ra - 2) + i] = a2[i];
    for (size_t i = 0; i + 2 < rb; ++i) g.bbatch[rank - (rb - 2) + i] = b2[i];
    g.batch.resize(rank);
    for (size_t i = 0; i < rank; ++i) {
      const int64_t x = g.abatch[i], y = g.bbatch[i];
      if (x != y && x != 1 && y != 1) fail("batch dimensions do not broadcast: " + shape_str(as) + " and " + shape_str(bs));
      g.batch[i] = x == 1 ? y : x;
    }
    g.astride.assign(rank, 0);
    g.bstride.assign(rank, 0);
    int64_t sa = 1, sb = 1;
    for (size_t i = rank; i-- > 0;) {
      g.astride[i] = sa;
      g.bstride[i] = sb;
      sa *= g.abatch[i];
      sb *= g.bbatch[i];
    }
    if (!pb_.empty() && pa_.empty() && bs != pb_shape_) fail("weight shape changed since load");
    if (!pa_.empty() && as != pa_shape_) fail("weight shape changed since load");
    if (!batched_ && as.size() > 2) {
      g.out = Shape(as.begin(), as.end() - 1);
      g.out.push_back(g.N);
    } else {
      g.out = g.batch;
      g.out.push_back(g.M);
      g.out.push_back(g.N);
    }
    return g;
  }

  bool batched_;
  bool ta_ = false, tb_ = false;
  bool has_bias_ = false, has_residual_ = false;
  int bias_idx_ = -1, res_idx_ = -1;
  Activation act_ = Activation::None;
  std::vector<gemm::PackedB> pb_;
  std::vector<gemm::PackedA> pa_;

 public:
  // run() reads the packed copy of a constant operand, never the original.
  bool reads_constant_at_run(int input) const override {
    return !((input == 1 && !pb_.empty() && pa_.empty()) || (input == 0 && !pa_.empty()));
  }

 private:
  Shape pb_shape_, pa_shape_;
};

// Dense: y[..., out] = x[..., in] · w[out, in]ᵀ (+ b), w packed at load when constant.
class DenseKernel : public Kernel {
 public:
  explicit DenseKernel(LoadContext& ctx) {
    const Attrs& at = ctx.node().attrs;
    has_bias_ = ctx.input_count() >= 3 && at.get_bool("has_bias", true);
    act_ = activation_from_name(at.get_string("mindlet.activation", ""));
    has_residual_ = at.get_int("mindlet.has_residual", 0) != 0;
    res_idx_ = has_residual_ ? (has_bias_ ? 3 : 2) : -1;
    if (has_residual_ && ctx.input_count() <= res_idx_) ctx.fail("expects a residual input");
    if (const ConstTensor* w = ctx.constant(1); w && w->dtype == DType::F32 && w->shape.size() <= 2) {
      const int64_t out = w->shape.size() == 2 ? w->shape[0] : 1, in = w->shape.empty() ? 1 : w->shape.back();
      pb_ = std::make_unique<gemm::PackedB>(gemm::pack_b(gemm::MatRef{static_cast<const float*>(w->data), 1, in}, in, out));
      w_shape_ = w->shape;
    }
  }

  void infer(InferContext& ctx) const override {
    require_f32(ctx, 2);
    Geo g = geo(ctx.input(0).shape, ctx.input(1).shape, [&](const std::string& m) { ctx.fail(m); });
    if (has_bias_ && ctx.input(2).numel() != g.out_features)
      ctx.fail("bias has " + std::to_string(ctx.input(2).numel()) + " values for " + std::to_string(g.out_features) +
               " outputs");
    if (has_residual_ && ctx.input(res_idx_).shape != g.out) ctx.fail("residual shape differs from the output");
    ctx.set_output(0, DType::F32, g.out);
  }

  void run(const RunContext& ctx) const override {
    Geo g = geo(ctx.input(0).shape, ctx.input(1).shape,
                [&](const std::string& m) { MINDLET_FAIL("INVALID_ARGUMENT", "Dense: " + m); });
    gemm::GemmDesc d;
    d.M = g.rows;
    d.N = g.out_features;
    d.K = g.in;
    d.a = gemm::MatRef{ctx.input(0).as<float>(), g.in, 1};
    if (pb_) d.pb = pb_.get();
    else d.b = gemm::MatRef{ctx.input(1).as<float>(), 1, g.in};
    d.c = ctx.output(0).as<float>();
    d.ldc = g.out_features;
    d.epi.act = act_;
    if (has_bias_) {
      d.epi.bias_kind = BiasKind::PerCol;
      d.epi.bias = ctx.input(2).as<float>();
    }
    if (has_residual_) {
      d.epi.residual = ctx.input(res_idx_).as<float>();
      d.epi.ldr = g.out_features;
    }
    gemm::sgemm(d, &ctx.pool());
  }

 private:
  struct Geo {
    int64_t rows = 1, in = 0, out_features = 0;
    Shape out;
  };
  template <class Fail>
  Geo geo(const Shape& xs, const Shape& ws, Fail&& fail) const {
    Geo g;
    if (xs.empty() || ws.empty() || ws.size() > 2) fail("expects x [..., in] and w [out, in], got " + shape_str(xs) + " and " + shape_str(ws));
    g.in = xs.back();
    if (ws.back() != g.in) fail("x " + shape_str(xs) + " and w " + shape_str(ws) + " disagree on in_channels");
    g.out_features = ws.size() == 2 ? ws[0] : 1;
    for (size_t i = 0; i + 1 < xs.size(); ++i) g.rows *= xs[i];
    g.out = Shape(xs.begin(), xs.end() - 1);
    if (ws.size() == 2) g.out.push_back(g.out_features);
    if (pb_ && ws != w_shape_) fail("weight shape changed since load");
    return g;
  }

  bool has_bias_ = false, has_residual_ = false;
  int res_idx_ = -1;
  Activation act_ = Activation::None;
  std::unique_ptr<gemm::PackedB> pb_;
  Shape w_shape_;

 public:
  bool reads_constant_at_run(int input) const override { return !(input == 1 && pb_); }
};

}  // namespace

MINDLET_KERNEL("MatMul", [](LoadContext& c) { return std::make_unique<MatMulKernel>(c, false); });
MINDLET_KERNEL("BatchMatMul", [](LoadContext& c) { return std::make_unique<MatMulKernel>(c, true); });
MINDLET_KERNEL("Dense", [](LoadContext& c) { return std::make_unique<DenseKernel>(c); });

}  // namespace mindlet::matmul
