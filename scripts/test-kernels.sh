#!/usr/bin/env bash
# `npm run test:kernels`: the engine's C++ unit tests, built with AddressSanitizer + UndefinedBehaviorSanitizer:
# GEMM/convolution/matmul kernels against a double-precision reference (both ISAs forced), and every other
# kernel against hand-worked cases. Part of `npm test`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root/layers/native-runtime"
out="$root/.tmp/kernel-test"
OUT_DIR="$out" EXTRA_FLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined" \
  sh test/build.sh test >/dev/null
"$out/kernel_test"
sh test/build-ops-test.sh
