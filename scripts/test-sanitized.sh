#!/usr/bin/env bash
# `npm run test:sanitize`: builds the native engine with AddressSanitizer + UndefinedBehaviorSanitizer in a scratch
# copy (the normal build stays as it is), then runs the engine's tests through it. Node itself is not built with
# ASan, so the runtime is preloaded; leak checking is off because Node keeps memory alive at exit by design.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/.tmp/sanitize"
rm -rf "$out"
mkdir -p "$out"
cp -r "$root/layers/native-runtime/binding.gyp" "$root/layers/native-runtime/scripts" "$root/layers/native-runtime/src" "$out/"
MINDLET_SANITIZE=1 node "$root/scripts/build-native.mjs" -C "$out" >/dev/null
export MINDLET_NATIVE_ADDON="$out/build/Release/mindlet_native.node"
export LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
cd "$root"
# The engine tests and the CLI that drives it (the C++ kernel tests run sanitized in `npm test` already).
npx vitest run test/runtime test/cli/predict.test.ts test/mslite/golden.test.ts "$@"
