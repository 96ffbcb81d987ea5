#!/usr/bin/env bash
# `npm run test:sanitize`: builds the native engine with AddressSanitizer + UndefinedBehaviorSanitizer in a scratch
# copy (the normal build stays as it is), then runs the engine's tests through it. Node itself is not built with
# ASan, so the runtime is preloaded; leak checking is off because Node keeps memory alive at exit by design.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/.tmp/sanitize"
rm -rf "$out"
# Build against the running Node's own headers (npm passes its nodedir setting; a direct call falls back to them).
prefix="$(node -p "require('node:path').resolve(process.execPath, '../..')")"
if [ -z "${npm_config_nodedir:-}" ] && [ -d "$prefix/include/node" ]; then export npm_config_nodedir="$prefix"; fi
mkdir -p "$out"
cp -r "$root/layers/native-runtime/binding.gyp" "$root/layers/native-runtime/scripts" "$root/layers/native-runtime/src" "$out/"
(cd "$out" && MINDLET_SANITIZE=1 "$root/node_modules/.bin/node-gyp" rebuild -j max >/dev/null)
export MINDLET_NATIVE_ADDON="$out/build/Release/mindlet_native.node"
export LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
cd "$root"
# The engine tests and the CLI that drives it (the C++ kernel tests run sanitized in `npm test` already).
npx vitest run test/runtime test/cli/predict.test.ts test/mslite/golden.test.ts "$@"
