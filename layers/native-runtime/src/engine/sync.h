// A mutex and its guard: std::mutex natively; no-ops in the single-threaded WebAssembly build, whose libc++ is
// built without thread support (no std::mutex at all).
#pragma once
#if defined(__wasm__)
namespace mindlet {
struct Mutex {
  void lock() {}
  void unlock() {}
};
template <class M>
struct LockGuard {
  explicit LockGuard(M&) {}
};
}  // namespace mindlet
#else
#include <mutex>
namespace mindlet {
using Mutex = std::mutex;
template <class M>
using LockGuard = std::lock_guard<M>;
}  // namespace mindlet
#endif
