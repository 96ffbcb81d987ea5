// Runs the FMA peak loop on several threads at once and reports the best window's GFLOP/s. Threads are not pinned:
// with as many loops as the bench has engine threads, the scheduler spreads them as it spreads the engine's.
#include "fma_peak.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace mindlet::probe {

namespace {

using Clock = std::chrono::steady_clock;

// Blocks between clock reads: 4096 × 24 FMAs is ~50k cycles (~15 µs), long enough that reading the clock costs
// nothing measurable, short enough that a window overruns its end by a negligible fraction.
constexpr uint64_t kBlocksPerChunk = 4096;
// One warm-up window (clock ramp-up, AVX-512 frequency licence, page faults of the thread stacks), then these.
constexpr int kMeasuredWindows = 4;

std::atomic<float> g_sink{0};  // keeps every loop's result observable

// One window: every thread spins until all are started, then runs chunks until the window's end. Returns the sum
// of the threads' own rates (FLOPs over each thread's own elapsed time), in GFLOP/s.
double run_window(int threads, double milliseconds, bool avx512) {
  const int lanes = avx512 ? 16 : 8;
  const double flops_per_chunk = double(kBlocksPerChunk) * kFmaPerBlock * lanes * 2;  // multiply-add = 2
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<double> rates(size_t(threads), 0.0);
  auto body = [&](int t) {
    ready.fetch_add(1);
    while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
    const auto start = Clock::now();
    const auto end = start + std::chrono::duration<double, std::milli>(milliseconds);
    uint64_t chunks = 0;
    float keep = 0;
    auto now = start;
    do {
      keep += avx512 ? fma_blocks_avx512(kBlocksPerChunk) : fma_blocks_avx2(kBlocksPerChunk);
      ++chunks;
      now = Clock::now();
    } while (now < end);
    const double seconds = std::chrono::duration<double>(now - start).count();
    rates[size_t(t)] = double(chunks) * flops_per_chunk / seconds / 1e9;
    g_sink.store(keep, std::memory_order_relaxed);
  };
  std::vector<std::thread> pool;
  pool.reserve(size_t(threads));
  for (int t = 0; t < threads; ++t) pool.emplace_back(body, t);
  while (ready.load() < threads) std::this_thread::yield();
  go.store(true, std::memory_order_release);
  for (auto& th : pool) th.join();
  double total = 0;
  for (double r : rates) total += r;
  return total;
}

}  // namespace

bool probe_has_avx512() {
#if defined(__x86_64__) || defined(__i386__)
  static const bool has = __builtin_cpu_supports("avx512f");
  return has;
#else
  return false;
#endif
}

FmaPeak measure_fma_peak(int threads, double milliseconds, ProbeIsa isa) {
  threads = std::max(threads, 1);
  const bool avx512 = isa != ProbeIsa::Avx2 && probe_has_avx512();
  const double window = milliseconds / (kMeasuredWindows + 1);
  run_window(threads, window, avx512);  // warm-up, discarded
  double best = 0;
  for (int w = 0; w < kMeasuredWindows; ++w) best = std::max(best, run_window(threads, window, avx512));
  FmaPeak result;
  result.isa = avx512 ? "avx512" : "avx2";
  result.threads = threads;
  result.gflops_total = best;
  result.gflops_per_thread = best / threads;
  return result;
}

}  // namespace mindlet::probe
