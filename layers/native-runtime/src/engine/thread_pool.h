// A fixed pool of worker threads; the calling thread takes part in every parallel_for.
// The WebAssembly build is single-threaded: there the pool has no workers and runs all work inline, whatever
// size it was asked for (size() is 1), with no std::thread, mutex or condition variable in the build.
#pragma once
#include <cstdint>
#include <functional>
#if !defined(__wasm__)
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>
#endif

namespace mindlet {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  int size() const { return threads_; }
  // Calls fn(begin, end) on disjoint chunks covering [0, n); returns when all are done. Chunks are handed out
  // dynamically, `grain` items at a time at least. Not reentrant: a kernel must not nest parallel_for.
  void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);
  // Runs fn(t) once on each of the pool's threads (t in [0, size())), for kernels that partition work themselves.
  void run_on_all(const std::function<void(int)>& fn);

 private:
#if defined(__wasm__)
  int threads_ = 1;
#else
  void worker(int index);
  int threads_;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_start_;
  const std::function<void(int)>* job_ = nullptr;
  // Workers spin briefly on `generation_` before sleeping: kernels come back to back within microseconds, and a
  // futex wake-up per kernel would cost more than small kernels take.
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
#endif
};

}  // namespace mindlet
