#!/bin/sh
# Builds the standalone kernel test and benchmark (not part of the addon): test/build.sh [test|bench|all]
set -e
cd "$(dirname "$0")/.."
OUT=${OUT_DIR:-${TMPDIR:-/tmp}/mindlet-kernel-test}  # outside build/, which node-gyp rebuild wipes
mkdir -p "$OUT"
CXX=${CXX:-g++}
FLAGS="-O3 -mavx2 -mfma -mf16c -fno-math-errno -std=c++17 -pthread -Isrc -Wall -Wno-unused-parameter -Wno-sign-compare ${EXTRA_FLAGS:-}"
SRCS="src/engine/tensor.cc src/engine/kernel.cc src/engine/thread_pool.cc $(find src/kernels/gemm src/kernels/conv src/kernels/matmul -name '*.cc' | sort)"
what=${1:-all}
# Objects once, then both programs link them.
OBJS=""
for s in $SRCS; do
  o="$OUT/$(echo "$s" | tr / _ | sed 's/\.cc$/.o/')"
  if [ ! -f "$o" ] || [ "$s" -nt "$o" ] || [ -n "$(find src/kernels src/engine -name '*.h' -newer "$o" | head -1)" ]; then
    $CXX $FLAGS -c "$s" -o "$o" &
  fi
  OBJS="$OBJS $o"
done
wait
if [ "$what" = test ] || [ "$what" = all ]; then $CXX $FLAGS test/kernel_test.cc $OBJS -o "$OUT/kernel_test"; fi
if [ "$what" = bench ] || [ "$what" = all ]; then $CXX $FLAGS test/kernel_bench.cc $OBJS -o "$OUT/kernel_bench"; fi
echo "built in $OUT"
