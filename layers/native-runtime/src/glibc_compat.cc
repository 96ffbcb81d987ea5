// Keeps the addon loadable on Lambda's Amazon Linux 2023 (glibc 2.34) although we build on Debian 12 (glibc
// 2.36): the static libstdc++ pulls in std::random_device, which references arc4random (new in glibc 2.36).
// Defining it here binds that reference at link time, so the .node imports no symbol newer than GLIBC_2.34.
// The engine itself never draws random numbers; this is a correct implementation all the same.
#include <sys/random.h>

#include <cstdint>

extern "C" __attribute__((visibility("hidden"))) uint32_t arc4random(void) {
  uint32_t value = 0;
  while (getrandom(&value, sizeof value, 0) != static_cast<ssize_t>(sizeof value)) {
  }
  return value;
}
