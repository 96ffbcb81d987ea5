// 4-lane float vector operations (WebAssembly SIMD128) in the shape the ISA-generic kernel templates expect.
// Baseline SIMD128 has no fused multiply-add: fmadd is a multiply then an add (two roundings), so results differ
// from the AVX2 build by float rounding only. max/min follow x86 maxps/minps exactly (the second operand when
// either is NaN), so ReLU and the clamps treat NaN the same way in both builds.
#pragma once
#include <wasm_simd128.h>

#include <cstdint>

namespace mindlet::simd {

struct VecWasm {
  using T = v128_t;
  using M = v128_t;  // all-ones lanes are on
  static constexpr int W = 4;
  static inline T zero() { return wasm_f32x4_const_splat(0.f); }
  static inline T set1(float v) { return wasm_f32x4_splat(v); }
  static inline T load(const float* p) { return wasm_v128_load(p); }
  static inline void store(float* p, T v) { wasm_v128_store(p, v); }
  // Lanes [0, n) on, n in [0, W].
  static inline M mask(int n) { return wasm_i32x4_gt(wasm_i32x4_splat(n), wasm_i32x4_make(0, 1, 2, 3)); }
  // Lanes [a, b) on, 0 <= a <= b <= W.
  static inline M mask_range(int a, int b) { return wasm_v128_andnot(mask(b), mask(a)); }
  // Masked lanes are neither read nor written (like AVX maskload/maskstore): a tail may end the allocation.
  static inline T load_mask(const float* p, M m) {
    alignas(16) float v[4] = {0.f, 0.f, 0.f, 0.f};
    if (wasm_i32x4_extract_lane(m, 0)) v[0] = p[0];
    if (wasm_i32x4_extract_lane(m, 1)) v[1] = p[1];
    if (wasm_i32x4_extract_lane(m, 2)) v[2] = p[2];
    if (wasm_i32x4_extract_lane(m, 3)) v[3] = p[3];
    return wasm_v128_load(v);
  }
  static inline void store_mask(float* p, M m, T v) {
    if (wasm_i32x4_extract_lane(m, 0)) p[0] = wasm_f32x4_extract_lane(v, 0);
    if (wasm_i32x4_extract_lane(m, 1)) p[1] = wasm_f32x4_extract_lane(v, 1);
    if (wasm_i32x4_extract_lane(m, 2)) p[2] = wasm_f32x4_extract_lane(v, 2);
    if (wasm_i32x4_extract_lane(m, 3)) p[3] = wasm_f32x4_extract_lane(v, 3);
  }
  static inline T fmadd(T a, T b, T c) { return wasm_f32x4_add(wasm_f32x4_mul(a, b), c); }
  static inline T fnmadd(T a, T b, T c) { return wasm_f32x4_sub(c, wasm_f32x4_mul(a, b)); }
  static inline T add(T a, T b) { return wasm_f32x4_add(a, b); }
  static inline T sub(T a, T b) { return wasm_f32x4_sub(a, b); }
  static inline T mul(T a, T b) { return wasm_f32x4_mul(a, b); }
  static inline T div(T a, T b) { return wasm_f32x4_div(a, b); }
  // pmax(b, a) = b < a ? a : b, which is x86's maxps(a, b) = a > b ? a : b, NaN cases included.
  static inline T max(T a, T b) { return wasm_f32x4_pmax(b, a); }
  static inline T min(T a, T b) { return wasm_f32x4_pmin(b, a); }
  static inline T abs(T a) { return wasm_f32x4_abs(a); }
  // Round half to even, like _MM_FROUND_TO_NEAREST_INT.
  static inline T round(T a) { return wasm_f32x4_nearest(a); }
  // 2^n for integral n in [-126, 127].
  static inline T pow2i(T n) {
    v128_t i = wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127));
    return wasm_i32x4_shl(i, 23);
  }
  using I = v128_t;
  static inline I index(const int32_t* p) { return wasm_v128_load(p); }
  // base[idx[lane]]
  static inline T gather(const float* base, I idx) {
    return wasm_f32x4_make(base[wasm_i32x4_extract_lane(idx, 0)], base[wasm_i32x4_extract_lane(idx, 1)],
                           base[wasm_i32x4_extract_lane(idx, 2)], base[wasm_i32x4_extract_lane(idx, 3)]);
  }
  // Even and odd elements of p[0, 2W).
  static inline void deinterleave2(const float* p, T* even, T* odd) {
    const T a = wasm_v128_load(p), b = wasm_v128_load(p + 4);
    *even = wasm_i32x4_shuffle(a, b, 0, 2, 4, 6);
    *odd = wasm_i32x4_shuffle(a, b, 1, 3, 5, 7);
  }
  // x >= 0 ? a : b (a NaN x picks a, like the AVX2 blend on an ordered less-than).
  static inline T select_nonneg(T x, T a, T b) { return wasm_v128_bitselect(b, a, wasm_f32x4_lt(x, zero())); }
};

}  // namespace mindlet::simd
