// Single-precision GEMM with pre-packed operands, implicit-im2col packing and fused epilogues:
//   C[M,N] = epilogue(A[M,K] · B[K,N])
// A and B are either pre-packed (constant weights, packed once at load) or strided views packed per run;
// B may also be an NCHW image read through an implicit im2col (convolution without an im2col buffer).
#pragma once
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "epilogue.h"

namespace mindlet {
class ThreadPool;
}

namespace mindlet::gemm {

// Simd128 is WebAssembly SIMD (the only one in the wasm build; x86 builds never choose it).
enum class Isa : uint8_t { Avx2, Avx512, Simd128 };
// The best ISA this CPU supports, unless a test forced one with set_isa_override (always Simd128 in wasm).
Isa active_isa();
bool cpu_has_avx512();
// Forces an ISA for everything packed or run afterwards (tests/benchmarks); -1 restores auto-detection.
void set_isa_override(int isa);
const char* isa_name(Isa isa);

// 64-byte aligned float storage (packed weights, per-thread buffers).
struct AlignedFloats {
  std::unique_ptr<float, void (*)(void*)> ptr{nullptr, std::free};
  size_t size = 0;
  void resize(size_t n);  // discards contents
  float* data() const { return ptr.get(); }
};

// A strided matrix view: element (r, c) at p[r*rs + c*cs]. Transposes are a swap of rs and cs.
struct MatRef {
  const float* p = nullptr;
  int64_t rs = 0, cs = 1;
};

// A operand packed in panels of MR rows (zero padded): panel i holds K×MR floats, k-major.
struct PackedA {
  Isa isa = Isa::Avx2;
  int64_t M = 0, K = 0;
  int mr = 0;
  AlignedFloats data;
};
// B operand packed in panels of NR columns (zero padded): panel j holds K×NR floats, k-major.
struct PackedB {
  Isa isa = Isa::Avx2;
  int64_t K = 0, N = 0;
  int nr = 0;
  AlignedFloats data;
};
PackedA pack_a(MatRef a, int64_t M, int64_t K, Isa isa);
PackedB pack_b(MatRef b, int64_t K, int64_t N, Isa isa);
inline PackedA pack_a(MatRef a, int64_t M, int64_t K) { return pack_a(a, M, K, active_isa()); }
inline PackedB pack_b(MatRef b, int64_t K, int64_t N) { return pack_b(b, K, N, active_isa()); }

// B[k][n] of a convolution over one NCHW image (one group): k = (c, ky, kx), n = (oy, ox).
struct Im2col {
  const float* x = nullptr;  // first channel of the group
  int64_t H = 0, W = 0;      // input plane
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, pt = 0, pl = 0;
  int64_t OH = 0, OW = 0;
};

struct GemmDesc {
  int64_t M = 0, N = 0, K = 0;
  const PackedA* pa = nullptr;  // else `a_packed`, else `a`
  // A already in the panel layout of the call's ISA (MR-row panels of K×MR floats, zero padded; see
  // packed_a_floats), e.g. written by a convolution's im2col. The ISA is pb's, or active_isa() without pb.
  const float* a_packed = nullptr;
  MatRef a;
  const PackedB* pb = nullptr;  // else `b_packed`, else `im2col` when set, else `b`
  // B already in the packed layout of pa's ISA (NR-column panels of K×NR floats, zero padded), written by a
  // producer such as the Winograd input transform. Requires `pa`.
  const float* b_packed = nullptr;
  const Im2col* im2col = nullptr;
  MatRef b;
  float* c = nullptr;
  int64_t ldc = 0;
  Epilogue epi;
};

// Floats of an M×K operand in A panel layout for `isa` (panel p at p*K*MR, element (i,k) at [k*MR + i%MR]).
int64_t packed_a_floats(int64_t M, int64_t K, Isa isa);

// Runs the GEMM on `pool` (nullptr: the calling thread only). The pre-packed operands decide the ISA.
void sgemm(const GemmDesc& d, ThreadPool* pool);

// Applies an epilogue to rows [0, m) × columns [0, n) of C (already holding A·B); r0/c0 are the absolute
// row/column of C's first element (for bias and residual indexing).
void apply_epilogue(float* c, int64_t ldc, int64_t m, int64_t n, const Epilogue& e, int64_t r0, int64_t c0);

// Micro-tile of an ISA (rows × columns).
int tile_mr(Isa isa);
int tile_nr(Isa isa);

}  // namespace mindlet::gemm
