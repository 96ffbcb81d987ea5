// The machine's float32 FMA peak, measured: a register-only multiply-add loop per thread, no memory traffic, so
// the figure is what the FMA pipes deliver at the clock the cores hold under full vector load. Benchmarks divide
// achieved GFLOP/s by it instead of quoting a number measured on some other machine.
// Not part of the engine: nothing under src/engine or src/kernels uses it, and the WebAssembly build leaves it out.
#pragma once
#include <cstdint>
#include <string>

namespace mindlet::probe {

enum class ProbeIsa { Auto, Avx2, Avx512 };

struct FmaPeak {
  std::string isa;              // "avx512" or "avx2": the loop that ran
  int threads = 0;              // loops run at once, one per thread
  double gflops_total = 0;      // all threads together, best window
  double gflops_per_thread = 0; // gflops_total / threads
};

// True when the CPU can run the AVX-512 loop (AVX-512F is all it uses).
bool probe_has_avx512();

// Runs `threads` loops at once for about `milliseconds` in all (a warm-up window, then measured windows; the best
// measured window counts, since a noisy neighbour only ever lowers it). Blocks the calling thread meanwhile.
// Auto picks AVX-512 when the CPU has it, else AVX2; asking for AVX-512 on a CPU without it runs AVX2.
FmaPeak measure_fma_peak(int threads, double milliseconds, ProbeIsa isa = ProbeIsa::Auto);

// The per-ISA loops (fma_peak_avx2.cc, fma_peak_avx512.cc): `blocks` blocks of kFmaPerBlock independent FMAs.
// They return a value derived from every accumulator, so the compiler cannot drop the work.
constexpr int kAccumulators = 12;  // ≥ FMA latency (4) × FMA pipes (2) on Zen 4/5 and Intel cores, with slack
constexpr int kFmaPerBlock = 2 * kAccumulators;
float fma_blocks_avx2(uint64_t blocks);
float fma_blocks_avx512(uint64_t blocks);

}  // namespace mindlet::probe
