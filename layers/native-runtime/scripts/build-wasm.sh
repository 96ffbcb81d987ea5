#!/usr/bin/env bash
# Builds the engine as WebAssembly (SIMD128, single-threaded, no exceptions): the same engine/ and kernels/
# sources as the native addon, minus the x86-only *_avx2.cc / *_avx512.cc units, plus the C ABI in src/wasm/.
# Output: dist/mindlet-engine.wasm (a WASI "reactor": call _initialize once, then the exports).
# Needs clang with the wasm32-wasi target and a wasi-libc + libc++ sysroot (Debian: clang-14 lld-14 wasi-libc
# libc++-14-dev-wasm32 libc++abi-14-dev-wasm32 libclang-rt-14-dev-wasm32). Env: WASM_CXX (compiler),
# WASI_SYSROOT (default /usr), OUT (output file), JOBS (parallel compiles).
set -euo pipefail
cd "$(dirname "$0")/.."

sysroot=${WASI_SYSROOT:-/usr}
out=${OUT:-dist/mindlet-engine.wasm}
cxx=${WASM_CXX:-}
if [ -z "$cxx" ]; then
  for c in clang++-14 clang++ clang++-15 clang++-16 clang++-17 clang++-18 clang++-19; do
    # Compiling a libc++ header proves both the wasm32 target and the sysroot.
    if command -v "$c" >/dev/null 2>&1 &&
      printf '#include <vector>\nint f() { return int(std::vector<int>(1).size()); }\n' |
      "$c" --target=wasm32-wasi "--sysroot=$sysroot" -x c++ -c - -o /dev/null 2>/dev/null; then
      cxx=$c
      break
    fi
  done
fi
if [ -z "$cxx" ]; then
  message="no clang++ with a wasm32-wasi target and sysroot ($sysroot) found (Debian: clang-14 lld-14 wasi-libc libc++-14-dev-wasm32 libc++abi-14-dev-wasm32 libclang-rt-14-dev-wasm32)"
  # npm install (prepare) passes --if-toolchain: the native engine works without it; only the Workers target needs it.
  if [ "${1:-}" = "--if-toolchain" ]; then
    echo "build-wasm: skipped: $message; the WebAssembly engine (Cloudflare Workers target) is not built" >&2
    exit 0
  fi
  echo "build-wasm: $message" >&2
  exit 1
fi

objdir=$(mktemp -d "${TMPDIR:-/tmp}/mindlet-wasm.XXXXXX")
trap 'rm -rf "$objdir"' EXIT

# -fno-math-errno: as the native build (lets std::sqrt etc. inline). -fvisibility=hidden: only the ABI below is
# exported (src/wasm/binding.cc marks it).
flags=(--target=wasm32-wasi "--sysroot=$sysroot" -std=c++17 -O3 -msimd128 -fno-exceptions -fno-math-errno
  -fvisibility=hidden -ffunction-sections -fdata-sections -Isrc -Wall -Wno-unused-parameter -Wno-sign-compare)

mapfile -t sources < <(find src/engine src/kernels src/wasm -name '*.cc' ! -name '*_avx2.cc' ! -name '*_avx512.cc' | sort)
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
objs=()
pids=()
for src in "${sources[@]}"; do
  obj="$objdir/$(echo "$src" | tr / _).o"
  objs+=("$obj")
  "$cxx" "${flags[@]}" -c "$src" -o "$obj" &
  pids+=($!)
  if [ "${#pids[@]}" -ge "$jobs" ]; then
    wait "${pids[0]}"
    pids=("${pids[@]:1}")
  fi
done
for pid in "${pids[@]}"; do wait "$pid"; done

mkdir -p "$(dirname "$out")"
# Reactor: no main; _initialize runs the static constructors (the kernel registry). Memory grows on demand up
# to wasm32's 4 GiB. --strip-all drops names and debug info.
"$cxx" "${flags[@]}" -mexec-model=reactor "${objs[@]}" -o "$out" \
  -Wl,--gc-sections -Wl,--strip-all -Wl,--max-memory=4294967296 -Wl,-z,stack-size=1048576
size=$(wc -c <"$out")
echo "built $out: $size bytes ($((size / 1024)) KiB)"
