// Transpose of any dtype (copied by element size). Dims that stay adjacent are merged first, so BERT's
// [0,2,1,3] becomes a copy of contiguous rows and NCHW<->NHWC becomes a batched 2-D transpose done in
// cache-sized tiles; other permutations walk the output with an odometer.
#include "kernels/common.h"

namespace mindlet {
namespace {

using namespace kern;

struct Plan {
  Shape out;
  std::vector<int64_t> dims;  // merged input dims
  std::vector<int> perm;      // merged permutation (output dim i reads merged input dim perm[i])
};

// Batched 2-D transpose: src [rows, cols] -> dst [cols, rows], in 32x32 tiles.
template <class T>
void transpose2d(const T* src, T* dst, int64_t rows, int64_t cols, int64_t r0, int64_t r1) {
  constexpr int64_t B = 32;
  for (int64_t rb = r0; rb < r1; rb += B) {
    int64_t re = std::min(rb + B, r1);
    for (int64_t cb = 0; cb < cols; cb += B) {
      int64_t ce = std::min(cb + B, cols);
      for (int64_t c = cb; c < ce; ++c)
        for (int64_t r = rb; r < re; ++r) dst[c * rows + r] = src[r * cols + c];
    }
  }
}

#if defined(__x86_64__)
// 8x8 float tile transpose with AVX2 shuffles.
inline void tile8x8(const float* src, int64_t ss, float* dst, int64_t ds) {
  __m256 r0 = _mm256_loadu_ps(src), r1 = _mm256_loadu_ps(src + ss), r2 = _mm256_loadu_ps(src + 2 * ss),
         r3 = _mm256_loadu_ps(src + 3 * ss), r4 = _mm256_loadu_ps(src + 4 * ss), r5 = _mm256_loadu_ps(src + 5 * ss),
         r6 = _mm256_loadu_ps(src + 6 * ss), r7 = _mm256_loadu_ps(src + 7 * ss);
  __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1), t2 = _mm256_unpacklo_ps(r2, r3),
         t3 = _mm256_unpackhi_ps(r2, r3), t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5),
         t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE), u2 = _mm256_shuffle_ps(t1, t3, 0x44),
         u3 = _mm256_shuffle_ps(t1, t3, 0xEE), u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE),
         u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  _mm256_storeu_ps(dst, _mm256_permute2f128_ps(u0, u4, 0x20));
  _mm256_storeu_ps(dst + ds, _mm256_permute2f128_ps(u1, u5, 0x20));
  _mm256_storeu_ps(dst + 2 * ds, _mm256_permute2f128_ps(u2, u6, 0x20));
  _mm256_storeu_ps(dst + 3 * ds, _mm256_permute2f128_ps(u3, u7, 0x20));
  _mm256_storeu_ps(dst + 4 * ds, _mm256_permute2f128_ps(u0, u4, 0x31));
  _mm256_storeu_ps(dst + 5 * ds, _mm256_permute2f128_ps(u1, u5, 0x31));
  _mm256_storeu_ps(dst + 6 * ds, _mm256_permute2f128_ps(u2, u6, 0x31));
  _mm256_storeu_ps(dst + 7 * ds, _mm256_permute2f128_ps(u3, u7, 0x31));
}
#else
// 4x4 float tile transpose with SIMD128 shuffles.
inline void tile4x4(const float* src, int64_t ss, float* dst, int64_t ds) {
  const v128_t r0 = wasm_v128_load(src), r1 = wasm_v128_load(src + ss), r2 = wasm_v128_load(src + 2 * ss),
               r3 = wasm_v128_load(src + 3 * ss);
  const v128_t t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7),
               t2 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
  wasm_v128_store(dst, wasm_i64x2_shuffle(t0, t2, 0, 2));
  wasm_v128_store(dst + ds, wasm_i64x2_shuffle(t0, t2, 1, 3));
  wasm_v128_store(dst + 2 * ds, wasm_i64x2_shuffle(t1, t3, 0, 2));
  wasm_v128_store(dst + 3 * ds, wasm_i64x2_shuffle(t1, t3, 1, 3));
}

// The 8x8 tile as four 4x4 ones.
inline void tile8x8(const float* src, int64_t ss, float* dst, int64_t ds) {
  tile4x4(src, ss, dst, ds);
  tile4x4(src + 4, ss, dst + 4 * ds, ds);
  tile4x4(src + 4 * ss, ss, dst + 4, ds);
  tile4x4(src + 4 * ss + 4, ss, dst + 4 * ds + 4, ds);
}
#endif

void transpose2d_f32(const float* src, float* dst, int64_t rows, int64_t cols, int64_t r0, int64_t r1) {
  constexpr int64_t B = 32;
  for (int64_t rb = r0; rb < r1; rb += B) {
    int64_t re = std::min(rb + B, r1);
    for (int64_t cb = 0; cb < cols; cb += B) {
      int64_t ce = std::min(cb + B, cols);
      int64_t r = rb;
      for (; r + 8 <= re; r += 8) {
        int64_t c = cb;
        for (; c + 8 <= ce; c += 8) tile8x8(src + r * cols + c, cols, dst + c * rows + r, rows);
        for (; c < ce; ++c)
          for (int64_t k = 0; k < 8; ++k) dst[c * rows + r + k] = src[(r + k) * cols + c];
      }
      for (; r < re; ++r)
        for (int64_t c = cb; c < ce; ++c) dst[c * rows + r] = src[r * cols + c];
    }
  }
}

class TransposeKernel : public Kernel {
 public:
  explicit TransposeKernel(LoadContext& c) : id_(c.node()), attrs_(c.node().attrs) {
    if (!attrs_.has("perm") && attrs_.has("input_perm")) attrs_.items["perm"] = *attrs_.find("input_perm");
  }
  template <class Ctx>
  Plan plan(const Ctx& c, const Shape& s) const {
    std::vector<int64_t> perm;
    if (!param_ints(attrs_, "perm", c, 1, perm)) id_.fail("needs perm");
    int64_t rank = int64_t(s.size());
    if (int64_t(perm.size()) != rank) id_.fail("perm has " + std::to_string(perm.size()) + " entries for rank " + std::to_string(rank));
    std::vector<bool> seen(size_t(rank), false);
    Plan p;
    for (auto& a : perm) {
      a = norm_axis(a, rank, id_);
      if (seen[size_t(a)]) id_.fail("perm repeats axis " + std::to_string(a));
      seen[size_t(a)] = true;
      p.out.push_back(s[size_t(a)]);
    }
    // Drop size-1 dims, then merge input dims that stay consecutive in the output.
    std::vector<int64_t> kept;
    for (auto a : perm)
      if (s[size_t(a)] != 1) kept.push_back(a);
    std::vector<std::vector<int64_t>> groups;
    for (size_t i = 0; i < kept.size(); ++i) {
      if (!groups.empty() && groups.back().back() + 1 == kept[i]) {
        // consecutive unless a dropped size-1 dim sits between (it does not matter either way)
        groups.back().push_back(kept[i]);
      } else if (!groups.empty()) {
        // merge also when only size-1 dims separate them
        int64_t prev = groups.back().back();
        bool gap_ones = kept[i] > prev;
        for (int64_t k = prev + 1; gap_ones && k < kept[i]; ++k) gap_ones = s[size_t(k)] == 1;
        if (gap_ones) groups.back().push_back(kept[i]);
        else groups.push_back({kept[i]});
      } else {
        groups.push_back({kept[i]});
      }
    }
    // Merged input order is groups sorted by their first dim.
    std::vector<int> order(groups.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = int(i);
    std::sort(order.begin(), order.end(), [&](int a, int b) { return groups[size_t(a)][0] < groups[size_t(b)][0]; });
    std::vector<int> pos(groups.size());
    for (size_t k = 0; k < order.size(); ++k) pos[size_t(order[k])] = int(k);
    p.dims.resize(groups.size());
    for (size_t g = 0; g < groups.size(); ++g) {
      int64_t d = 1;
      for (auto a : groups[g]) d *= s[size_t(a)];
      p.dims[size_t(pos[g])] = d;
    }
    for (size_t g = 0; g < groups.size(); ++g) p.perm.push_back(pos[g]);
    return p;
  }
  void infer(InferContext& ctx) const override {
    const ValueDesc& x = ctx.input(0);
    ctx.set_output(0, x.dtype, plan(ctx, x.shape).out);
  }
  void run(const RunContext& ctx) const override {
    const TensorView& x = ctx.input(0);
    Plan p = plan(ctx, x.shape);
    switch (dtype_size(x.dtype)) {
      case 1: go<uint8_t>(ctx, p); break;
      case 2: go<uint16_t>(ctx, p); break;
      case 4: go<uint32_t>(ctx, p); break;
      case 8: go<uint64_t>(ctx, p); break;
      default: id_.unsupported("unsupported element size");
    }
  }

 private:
  template <class T>
  void go(const RunContext& ctx, const Plan& p) const {
    const T* src = static_cast<const T*>(ctx.input(0).data);
    T* dst = static_cast<T*>(ctx.output(0).data);
    int64_t n = ctx.input(0).numel();
    size_t r = p.dims.size();
    bool identity = true;
    for (size_t i = 0; i < r; ++i) identity = identity && p.perm[i] == int(i);
    if (n == 0) return;
    if (identity) {
      std::memcpy(dst, src, size_t(n) * sizeof(T));
      return;
    }
    // Input strides of merged dims.
    std::vector<int64_t> istr(r);
    int64_t s = 1;
    for (size_t i = r; i-- > 0;) istr[i] = s, s *= p.dims[i];
    std::vector<int64_t> od(r), os(r);  // output dims and the input stride each walks
    for (size_t i = 0; i < r; ++i) od[i] = p.dims[size_t(p.perm[i])], os[i] = istr[size_t(p.perm[i])];

    if (p.perm.back() == int(r) - 1) {
      // Last dim stays last: copy contiguous rows of od.back() elements.
      int64_t row = od.back(), rows = n / row;
      ctx.pool().parallel_for(rows, grain_for(row * int64_t(sizeof(T)) / 4), [&](int64_t a, int64_t b) {
        std::vector<int64_t> idx(r, 0);
        int64_t t = a;
        for (size_t i = r - 1; i-- > 0;) idx[i] = t % od[i], t /= od[i];
        for (int64_t k = a; k < b; ++k) {
          int64_t off = 0;
          for (size_t i = 0; i + 1 < r; ++i) off += idx[i] * os[i];
          std::memcpy(dst + k * row, src + off, size_t(row) * sizeof(T));
          for (size_t i = r - 1; i-- > 0;) {
            if (++idx[i] < od[i]) break;
            idx[i] = 0;
          }
        }
      });
      return;
    }
    // [B, R, C] -> [B, C, R] (after merging: NCHW->NHWC, NHWC->NCHW, plain 2-D).
    if ((r == 2 && p.perm[0] == 1) || (r == 3 && p.perm[0] == 0 && p.perm[1] == 2 && p.perm[2] == 1)) {
      int64_t batch = r == 3 ? p.dims[0] : 1, rows = p.dims[r - 2], cols = p.dims[r - 1];
      int64_t rblocks = (rows + 31) / 32;
      ctx.pool().parallel_for(batch * rblocks, grain_for(32 * cols), [&](int64_t a, int64_t b) {
        for (int64_t k = a; k < b; ++k) {
          int64_t bi = k / rblocks, r0 = (k % rblocks) * 32, r1 = std::min(rows, r0 + 32);
          const T* sb = src + bi * rows * cols;
          T* db = dst + bi * rows * cols;
          if constexpr (sizeof(T) == 4)
            transpose2d_f32(reinterpret_cast<const float*>(sb), reinterpret_cast<float*>(db), rows, cols, r0, r1);
          else
            transpose2d(sb, db, rows, cols, r0, r1);
        }
      });
      return;
    }
    // General: odometer over output rows, strided gather along the last output dim.
    int64_t row = od.back(), rows = n / row, st = os.back();
    ctx.pool().parallel_for(rows, grain_for(row), [&](int64_t a, int64_t b) {
      std::vector<int64_t> idx(r, 0);
      int64_t t = a;
      for (size_t i = r - 1; i-- > 0;) idx[i] = t % od[i], t /= od[i];
      for (int64_t k = a; k < b; ++k) {
        int64_t off = 0;
        for (size_t i = 0; i + 1 < r; ++i) off += idx[i] * os[i];
        T* d = dst + k * row;
        const T* sp = src + off;
        for (int64_t j = 0; j < row; ++j) d[j] = sp[j * st];
        for (size_t i = r - 1; i-- > 0;) {
          if (++idx[i] < od[i]) break;
          idx[i] = 0;
        }
      }
    });
  }
  NodeId id_;
  Attrs attrs_;
};

MINDLET_KERNEL("Transpose", [](LoadContext& c) { return std::make_unique<TransposeKernel>(c); });

}  // namespace
}  // namespace mindlet
