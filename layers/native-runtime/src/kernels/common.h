// Helpers shared by the data-movement and reduction kernels: attribute-or-constant-input parameters, axis
// handling, run-time errors, and vector math (exp, horizontal sums) used by softmax and normalization: AVX2 on
// x86-64, SIMD128 in the WebAssembly build.
#pragma once
#if defined(__x86_64__)
#include <immintrin.h>
#elif defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "engine/kernel.h"
#include "vmath.h"

namespace mindlet {
namespace kern {

// What a kernel needs of one input in both infer() and run(): dtype, shape and bytes (null when not known yet).
struct InputData {
  DType dtype;
  const Shape* shape;
  const void* data;
};
inline InputData input_data(const InferContext& c, int i) {
  const ValueDesc& d = c.input(i);
  return {d.dtype, &d.shape, d.const_data};
}
inline InputData input_data(const RunContext& c, int i) {
  const TensorView& t = c.input(i);
  return {t.dtype, &t.shape, t.data};
}

// Node identity kept by every kernel so run-time errors name the node.
struct NodeId {
  std::string op, name;
  explicit NodeId(const Node& n) : op(n.op), name(n.name) {}
  [[noreturn]] void fail(const std::string& msg) const {
    MINDLET_FAIL("INVALID_ARGUMENT", op + " node " + name + ": " + msg);
  }
  [[noreturn]] void unsupported(const std::string& msg) const {
    MINDLET_FAIL("UNSUPPORTED", op + " node " + name + ": " + msg);
  }
};

// Attribute `name`, else (MindSpore 2.3+ passes attributes as constant inputs) input `idx` when the node has it.
// Returns false when neither exists; fails in infer() when the input is computed at run time.
template <class Ctx>
bool param_ints(const Attrs& attrs, const char* name, const Ctx& c, int idx, std::vector<int64_t>& out) {
  const Attr* a = attrs.find(name);
  if (a && a->kind != Attr::Kind::None) {
    out = attrs.get_ints(name);
    return true;
  }
  if (idx < 0 || idx >= c.input_count()) return false;
  InputData d = input_data(c, idx);
  if (!d.data && shape_numel(*d.shape) != 0)
    MINDLET_FAIL("INVALID_ARGUMENT", std::string("input ") + std::to_string(idx) + " (" + name +
                                              ") must be known before running (a constant or a shape)");
  int64_t n = shape_numel(*d.shape);
  out.resize(size_t(n));
  for (int64_t k = 0; k < n; ++k) out[size_t(k)] = read_as_int(d.data, d.dtype, k);
  return true;
}

template <class Ctx>
int64_t param_int(const Attrs& attrs, const char* name, const Ctx& c, int idx, int64_t def) {
  std::vector<int64_t> v;
  if (!param_ints(attrs, name, c, idx, v) || v.empty()) return def;
  return v[0];
}

template <class Ctx>
double param_float(const Attrs& attrs, const char* name, const Ctx& c, int idx, double def) {
  const Attr* a = attrs.find(name);
  if (a && a->kind != Attr::Kind::None) return attrs.get_float(name, def);
  if (idx < 0 || idx >= c.input_count()) return def;
  InputData d = input_data(c, idx);
  if (!d.data || shape_numel(*d.shape) < 1) return def;
  return read_as_double(d.data, d.dtype, 0);
}

inline int64_t norm_axis(int64_t axis, int64_t rank, const NodeId& id) {
  int64_t r = rank == 0 ? 1 : rank;
  if (axis < -r || axis >= r)
    id.fail("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  return axis < 0 ? axis + r : axis;
}

inline int64_t prod(const Shape& s, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end && i < s.size(); ++i) p *= s[i];
  return p;
}

// Rows of work below which threading costs more than it saves.
inline int64_t grain_for(int64_t work_per_item, int64_t target = 32768) {
  return std::max<int64_t>(1, target / std::max<int64_t>(1, work_per_item));
}

#if defined(__x86_64__)
// exp for 8 floats: the engine's one AVX2 exp (vmath.h).
inline __m256 exp256(__m256 x) { return vmath::exp8(x); }

inline float hsum256(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
inline float hmax256(__m256 v) {
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
inline float hmin256(__m256 v) {
  __m128 s = _mm_min_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_min_ps(s, _mm_movehl_ps(s, s));
  s = _mm_min_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// Sum of n floats with 4 independent vector accumulators.
inline float sum_f32(const float* x, int64_t n) {
  __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    a0 = _mm256_add_ps(a0, _mm256_loadu_ps(x + i));
    a1 = _mm256_add_ps(a1, _mm256_loadu_ps(x + i + 8));
    a2 = _mm256_add_ps(a2, _mm256_loadu_ps(x + i + 16));
    a3 = _mm256_add_ps(a3, _mm256_loadu_ps(x + i + 24));
  }
  for (; i + 8 <= n; i += 8) a0 = _mm256_add_ps(a0, _mm256_loadu_ps(x + i));
  float s = hsum256(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
  for (; i < n; ++i) s += x[i];
  return s;
}

inline float max_f32(const float* x, int64_t n) {
  float m = -INFINITY;
  int64_t i = 0;
  if (n >= 8) {
    __m256 a = _mm256_loadu_ps(x);
    for (i = 8; i + 8 <= n; i += 8) a = _mm256_max_ps(a, _mm256_loadu_ps(x + i));
    m = hmax256(a);
  }
  for (; i < n; ++i) m = x[i] > m || std::isnan(x[i]) ? x[i] : m;
  return m;
}

#elif defined(__wasm_simd128__)
// exp for 4 floats: vmath.h's exp8 on SIMD128.
inline v128_t exp128(v128_t x) { return vmath::exp4(x); }

inline float hsum128(v128_t v) {
  v = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  v = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
  return wasm_f32x4_extract_lane(v, 0);
}
// x86 maxps order (the second operand when either is NaN), as in simd_wasm.h.
inline v128_t max128(v128_t a, v128_t b) { return wasm_f32x4_pmax(b, a); }
inline float hmax128(v128_t v) {
  v = max128(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  v = max128(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
  return wasm_f32x4_extract_lane(v, 0);
}

// Sum of n floats with 4 independent vector accumulators.
inline float sum_f32(const float* x, int64_t n) {
  v128_t a0 = wasm_f32x4_const_splat(0.f), a1 = a0, a2 = a0, a3 = a0;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    a0 = wasm_f32x4_add(a0, wasm_v128_load(x + i));
    a1 = wasm_f32x4_add(a1, wasm_v128_load(x + i + 4));
    a2 = wasm_f32x4_add(a2, wasm_v128_load(x + i + 8));
    a3 = wasm_f32x4_add(a3, wasm_v128_load(x + i + 12));
  }
  for (; i + 4 <= n; i += 4) a0 = wasm_f32x4_add(a0, wasm_v128_load(x + i));
  float s = hsum128(wasm_f32x4_add(wasm_f32x4_add(a0, a1), wasm_f32x4_add(a2, a3)));
  for (; i < n; ++i) s += x[i];
  return s;
}

inline float max_f32(const float* x, int64_t n) {
  float m = -INFINITY;
  int64_t i = 0;
  if (n >= 4) {
    v128_t a = wasm_v128_load(x);
    for (i = 4; i + 4 <= n; i += 4) a = max128(a, wasm_v128_load(x + i));
    m = hmax128(a);
  }
  for (; i < n; ++i) m = x[i] > m || std::isnan(x[i]) ? x[i] : m;
  return m;
}
#endif

// Copies `n` elements of `elem` bytes each; dispatches on size so small copies avoid memcpy call overhead.
inline void copy_elems(void* dst, const void* src, int64_t n, size_t elem) { std::memcpy(dst, src, size_t(n) * elem); }

}  // namespace kern
}  // namespace mindlet
