// GEMM dispatch: ISA choice, cache-block sizes, task split over the thread pool, per-thread pack buffers.
#include "sgemm.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <new>

#include "engine/tensor.h"
#include "engine/thread_pool.h"
#include "gemm_internal.h"

namespace mindlet::gemm {

static std::atomic<int> g_isa_override{-1};

#if defined(__wasm__)
// One ISA: the wasm build has neither cpuid nor x86 kernels.
bool cpu_has_avx512() { return false; }

Isa active_isa() { return Isa::Simd128; }
#else
bool cpu_has_avx512() {
  static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  return has;
}

Isa active_isa() {
  int o = g_isa_override.load(std::memory_order_relaxed);
  if (o == int(Isa::Avx2)) return Isa::Avx2;
  if (o == int(Isa::Avx512) && cpu_has_avx512()) return Isa::Avx512;
  return cpu_has_avx512() ? Isa::Avx512 : Isa::Avx2;
}
#endif

void set_isa_override(int isa) { g_isa_override.store(isa, std::memory_order_relaxed); }

const char* isa_name(Isa isa) { return isa == Isa::Avx512 ? "avx512" : isa == Isa::Simd128 ? "simd128" : "avx2"; }

#if defined(__wasm__)
static const IsaKernels& kernels_for(Isa) { return kernels_simd128(); }
#else
static const IsaKernels& kernels_for(Isa isa) { return isa == Isa::Avx512 ? kernels_avx512() : kernels_avx2(); }
#endif

int tile_mr(Isa isa) { return kernels_for(isa).mr; }
int tile_nr(Isa isa) { return kernels_for(isa).nr; }

void AlignedFloats::resize(size_t n) {
  size_t bytes = ((n * sizeof(float) + 63) / 64) * 64 + 64;  // a vector of slack past the end
  void* p = std::aligned_alloc(64, bytes);
  if (!p) engine_out_of_memory();
  std::memset(p, 0, bytes);
  ptr.reset(static_cast<float*>(p));
  size = n;
}

PackedA pack_a(MatRef a, int64_t M, int64_t K, Isa isa) {
  const IsaKernels& k = kernels_for(isa);
  PackedA out;
  out.isa = isa;
  out.M = M;
  out.K = K;
  out.mr = k.mr;
  int64_t panels = (M + k.mr - 1) / k.mr;
  out.data.resize(size_t(std::max<int64_t>(1, panels * K * k.mr)));
  if (M > 0 && K > 0) k.pack_a_full(a, M, K, out.data.data());
  return out;
}

PackedB pack_b(MatRef b, int64_t K, int64_t N, Isa isa) {
  const IsaKernels& k = kernels_for(isa);
  PackedB out;
  out.isa = isa;
  out.K = K;
  out.N = N;
  out.nr = k.nr;
  int64_t panels = (N + k.nr - 1) / k.nr;
  out.data.resize(size_t(std::max<int64_t>(1, panels * K * k.nr)));
  if (N > 0 && K > 0) k.pack_b_full(b, K, N, out.data.data());
  return out;
}

// Slot 0: a task's pack buffers; slot 1: operands packed once per call and shared by the tasks.
static float* thread_buffer(int slot, size_t floats) {
  static thread_local AlignedFloats bufs[2];
  if (bufs[slot].size < floats) bufs[slot].resize(floats);
  return bufs[slot].data();
}

int64_t packed_a_floats(int64_t M, int64_t K, Isa isa) {
  const int64_t mr = kernels_for(isa).mr;
  return (M + mr - 1) / mr * mr * K;
}

void sgemm(const GemmDesc& d, ThreadPool* pool) {
  if (d.M <= 0 || d.N <= 0) return;
  if (d.pa && d.pb && d.pa->isa != d.pb->isa)
    MINDLET_FAIL("INVALID_ARGUMENT", "sgemm: operands were packed for different instruction sets");
  if ((d.pa && (d.pa->M != d.M || d.pa->K != d.K)) || (d.pb && (d.pb->K != d.K || d.pb->N != d.N)))
    MINDLET_FAIL("INVALID_ARGUMENT", "sgemm: packed operand does not match the product's shape");
  const Isa isa = d.pa ? d.pa->isa : d.pb ? d.pb->isa : active_isa();
  const IsaKernels& k = kernels_for(isa);
  const int64_t MR = k.mr, NR = k.nr;

  Plan p;
  p.pa = d.pa ? d.pa->data.data() : d.a_packed;
  p.pb = d.pb ? d.pb->data.data() : d.b_packed;
  if (d.b_packed && !d.pa) MINDLET_FAIL("INVALID_ARGUMENT", "sgemm: b_packed needs a packed A");
  p.has_epilogue = !d.epi.empty();
  const int64_t nk = std::max<int64_t>(1, (d.K + k.kc_max - 1) / k.kc_max);
  p.kc = std::max<int64_t>(1, (d.K + nk - 1) / nk);
  const int threads = pool ? pool->size() : 1;
  // Enough tasks to balance the threads: split N first (each column block packs its B once), and split M only
  // when N is too narrow (M chunks repeat the B packing of their column block).
  const int64_t want = threads > 1 ? int64_t(threads) * 4 : 1;
  int64_t nc_max = std::max<int64_t>(NR, (k.b_block_floats / p.kc) / NR * NR);
  if (threads > 1) {
    const int64_t split = ((d.N + want - 1) / want + NR - 1) / NR * NR;
    nc_max = std::max<int64_t>(std::min<int64_t>(nc_max, split), std::min<int64_t>(nc_max, 2 * NR));
  }
  const int64_t nb = (d.N + nc_max - 1) / nc_max;
  p.nc = ((d.N + nb - 1) / nb + NR - 1) / NR * NR;
  p.nblocks = (d.N + p.nc - 1) / p.nc;
  const int64_t mpanels = (d.M + MR - 1) / MR;
  int64_t mchunks = 1;
  if (p.nblocks < want) mchunks = std::min(mpanels, (want + p.nblocks - 1) / p.nblocks);
  p.mchunk_panels = (mpanels + mchunks - 1) / mchunks;
  p.mchunks = (mpanels + p.mchunk_panels - 1) / p.mchunk_panels;
  const int64_t tasks = p.nblocks * p.mchunks;
  const size_t bfloats = size_t(p.kc * p.nc), afloats = size_t(p.kc * MR);

  const bool parallel = pool && threads > 1 && tasks > 1;
  // An operand every column block (A) or every row chunk (B) would pack again is packed once, shared.
  const bool share_a = !p.pa && p.nblocks > 1 && d.K > 0, share_b = !p.pb && p.mchunks > 1 && d.K > 0;
  if (share_a || share_b) {
    const int64_t npanels = (d.N + NR - 1) / NR;
    const int64_t a_floats = share_a ? mpanels * MR * d.K : 0, b_floats = share_b ? npanels * NR * d.K : 0;
    float* shared = thread_buffer(1, size_t(a_floats + b_floats + 16));
    float* sa = shared;
    float* sb = shared + a_floats;
    auto pack = [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) {
        if (share_a && i < mpanels) k.pack_a_panels(d.a, d.M, d.K, i, i + 1, sa);
        const int64_t j = share_a ? i - mpanels : i;
        if (share_b && j >= 0 && j < npanels) k.pack_b_panels(d, j, j + 1, sb);
      }
    };
    const int64_t items = (share_a ? mpanels : 0) + (share_b ? npanels : 0);
    if (parallel) pool->parallel_for(items, 1, pack);
    else pack(0, items);
    if (share_a) p.pa = sa;
    if (share_b) p.pb = sb;
  }
  auto body = [&](int64_t t0, int64_t t1) {
    float* buf = thread_buffer(0, bfloats + afloats + 16);
    for (int64_t t = t0; t < t1; ++t) k.run_task(d, p, t, buf, buf + bfloats);
  };
  if (parallel) pool->parallel_for(tasks, 1, body);
  else body(0, tasks);
}

void apply_epilogue(float* c, int64_t ldc, int64_t m, int64_t n, const Epilogue& e, int64_t r0, int64_t c0) {
  if (m <= 0 || n <= 0 || e.empty()) return;
  kernels_for(active_isa()).epilogue(c, ldc, m, n, e, r0, c0);
}

}  // namespace mindlet::gemm
