#!/bin/sh
# Builds and runs the kernel unit test under AddressSanitizer + UndefinedBehaviorSanitizer (no Node needed).
# Each source compiles to its own object in parallel; the engine files that need Node headers are left out.
set -e
cd "$(dirname "$0")/.."
mkdir -p build-test
FLAGS="-std=c++17 -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined \
  -mavx2 -mfma -mf16c -Wall -Wno-sign-compare -Wno-unused-parameter -Isrc"
OBJS=""
PIDS=""
for src in test/ops_test.cc src/engine/tensor.cc src/engine/kernel.cc src/engine/thread_pool.cc src/kernels/*.cc; do
  obj="build-test/$(echo "$src" | tr '/' '_').o"
  OBJS="$OBJS $obj"
  g++ $FLAGS -c "$src" -o "$obj" &
  PIDS="$PIDS $!"
done
for pid in $PIDS; do wait "$pid"; done
g++ -fsanitize=address,undefined $OBJS -pthread -o build-test/ops_test
./build-test/ops_test
