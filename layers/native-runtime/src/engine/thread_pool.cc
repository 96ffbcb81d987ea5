#include "thread_pool.h"

#include <algorithm>

#if defined(__wasm__)

namespace mindlet {

ThreadPool::ThreadPool(int) {}

ThreadPool::~ThreadPool() = default;

void ThreadPool::run_on_all(const std::function<void(int)>& fn) { fn(0); }

void ThreadPool::parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n > 0) fn(0, n);
}

}  // namespace mindlet

#else

#include <immintrin.h>

#include <chrono>

namespace mindlet {

namespace {
// How long an idle worker polls for the next job before it sleeps (a busy inference issues one every few µs).
constexpr auto kSpin = std::chrono::microseconds(200);
}  // namespace

ThreadPool::ThreadPool(int threads) : threads_(std::max(1, threads)) {
  for (int i = 1; i < threads_; ++i) workers_.emplace_back([this, i] { worker(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_.store(true);
  }
  cv_start_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::worker(int index) {
  uint64_t seen = 0;
  for (;;) {
    auto spin_until = std::chrono::steady_clock::now() + kSpin;
    while (generation_.load(std::memory_order_acquire) == seen && !stop_.load(std::memory_order_relaxed) &&
           std::chrono::steady_clock::now() < spin_until)
      _mm_pause();
    if (generation_.load(std::memory_order_acquire) == seen) {
      std::unique_lock<std::mutex> lock(mu_);
      cv_start_.wait(lock, [&] { return stop_.load() || generation_.load() != seen; });
    }
    if (stop_.load()) return;
    seen = generation_.load(std::memory_order_acquire);
    (*job_)(index);
    pending_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

void ThreadPool::run_on_all(const std::function<void(int)>& fn) {
  if (threads_ == 1) {
    fn(0);
    return;
  }
  job_ = &fn;
  pending_.store(threads_ - 1, std::memory_order_relaxed);
  {
    // Publishing under the lock pairs with a worker that checked the generation and is about to wait.
    std::lock_guard<std::mutex> lock(mu_);
    generation_.fetch_add(1, std::memory_order_acq_rel);
  }
  cv_start_.notify_all();
  fn(0);
  while (pending_.load(std::memory_order_acquire) != 0) _mm_pause();
  job_ = nullptr;
}

void ThreadPool::parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(1, grain);
  if (threads_ == 1 || n <= grain) {
    fn(0, n);
    return;
  }
  // About 4 chunks per thread balances uneven chunks without much handing-out traffic.
  int64_t chunk = std::max(grain, (n + threads_ * 4 - 1) / (threads_ * 4));
  std::atomic<int64_t> next{0};
  run_on_all([&](int) {
    for (;;) {
      int64_t begin = next.fetch_add(chunk);
      if (begin >= n) break;
      fn(begin, std::min(n, begin + chunk));
    }
  });
}

}  // namespace mindlet

#endif
