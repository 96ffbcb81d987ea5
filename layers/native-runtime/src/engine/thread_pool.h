// A fixed pool of worker threads; the calling thread takes part in every parallel_for.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

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
};

}  // namespace mindlet
