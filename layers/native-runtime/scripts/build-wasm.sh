#!/usr/bin/env bash
# Builds the engine as WebAssembly (SIMD128, single-threaded, no exceptions): the same engine/ and kernels/
# sources as the native addon, minus the x86-only *_avx2.cc / *_avx512.cc units, plus the C ABI in src/wasm/.
# Output: prebuilt/mindlet-engine.wasm (a WASI "reactor": call _initialize once, then the exports), committed with
# its record prebuilt/mindlet-engine.wasm.json (inputs digest, toolchain, SHA-256; scripts/wasm-inputs.mjs), so
# `npm install` needs no wasm toolchain. The build is reproducible: the same toolchain gives the same bytes from any
# folder (no paths or debug info in the stripped output).
#   build-wasm.sh           rebuild the committed engine and its record (after changing engine/kernel/wasm sources)
#   build-wasm.sh --check   rebuild into a scratch file and fail unless it is byte for byte the committed one (CI)
# Needs clang with the wasm32-wasi target and a wasi-libc + libc++ sysroot (Debian 12: clang-14 lld-14 wasi-libc
# libc++-14-dev-wasm32 libc++abi-14-dev-wasm32 libclang-rt-14-dev-wasm32). Env: WASM_CXX (compiler),
# WASI_SYSROOT (default /usr), OUT (output file), JOBS (parallel compiles).
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-build}
case "$mode" in build | --check) ;; *) echo "usage: build-wasm.sh [--check]" >&2; exit 2 ;; esac
sysroot=${WASI_SYSROOT:-/usr}
prebuilt=prebuilt/mindlet-engine.wasm
out=${OUT:-$prebuilt}
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
  echo "build-wasm: no clang++ with a wasm32-wasi target and sysroot ($sysroot) found (Debian: clang-14 lld-14 wasi-libc libc++-14-dev-wasm32 libc++abi-14-dev-wasm32 libclang-rt-14-dev-wasm32)" >&2
  exit 1
fi
# What built it: the compiler's own line, and the sysroot packages' versions where dpkg knows them.
toolchain=$("$cxx" --version | head -n 1)
if command -v dpkg-query >/dev/null 2>&1; then
  packages=$(dpkg-query -W -f '${Package} ${Version}, ' wasi-libc libc++-14-dev-wasm32 libc++abi-14-dev-wasm32 lld-14 2>/dev/null || true)
  [ -n "$packages" ] && toolchain="$toolchain; ${packages%, }"
fi

objdir=$(mktemp -d "${TMPDIR:-/tmp}/mindlet-wasm.XXXXXX")
trap 'rm -rf "$objdir"' EXIT
[ "$mode" = --check ] && out="$objdir/mindlet-engine.wasm"

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
if [ "$mode" = --check ]; then
  if cmp -s "$out" "$prebuilt"; then
    echo "build-wasm: $prebuilt is reproducible: the rebuild is byte for byte the same ($size bytes)"
    exit 0
  fi
  recorded=$(node -p "require('./$prebuilt.json').toolchain" 2>/dev/null || echo unknown)
  echo "build-wasm: $prebuilt differs from a rebuild of the sources ($(sha256sum "$prebuilt" | cut -c1-16)… committed, $(sha256sum "$out" | cut -c1-16)… rebuilt)." >&2
  echo "  committed with: $recorded" >&2
  echo "  rebuilt with:   $toolchain" >&2
  echo "  Same toolchain: the committed engine is stale; run npm run build:wasm and commit prebuilt/." >&2
  exit 1
fi
[ "$out" = "$prebuilt" ] && node scripts/wasm-inputs.mjs --record "$toolchain" "$out"
echo "built $out: $size bytes ($((size / 1024)) KiB)"
