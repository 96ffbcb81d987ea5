// What the committed WebAssembly engine (prebuilt/mindlet-engine.wasm) is built from, and the record kept beside it
// (prebuilt/mindlet-engine.wasm.json). The digest covers every file the wasm build reads from this repository: the
// engine, kernel and wasm sources with their headers, and the build script. A test compares it with the record on
// every machine, so a source change without a rebuild fails `npm test` even where no wasm toolchain is installed;
// CI rebuilds with the recorded toolchain and compares the bytes (build-wasm.sh --check).
//
//   node scripts/wasm-inputs.mjs                 prints the inputs digest
//   node scripts/wasm-inputs.mjs --record TOOLCHAIN   writes the record for the built .wasm
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const NATIVE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const PREBUILT_WASM = path.join(NATIVE_ROOT, 'prebuilt', 'mindlet-engine.wasm');
export const PREBUILT_RECORD = `${PREBUILT_WASM}.json`;
/** Folders the wasm build compiles (minus the x86-only *_avx2.cc / *_avx512.cc units, which it never reads). */
const SOURCE_DIRS = ['src/engine', 'src/kernels', 'src/wasm'];
const BUILD_SCRIPT = 'scripts/build-wasm.sh';

function walk(dir) {
  return readdirSync(path.join(NATIVE_ROOT, dir))
    .flatMap((name) => {
      const rel = `${dir}/${name}`;
      return statSync(path.join(NATIVE_ROOT, rel)).isDirectory() ? walk(rel) : [rel];
    })
    .filter((rel) => !/_(avx2|avx512)\.cc$/.test(rel));
}

/** Files the build reads, relative to layers/native-runtime, sorted. */
export function wasmInputs() {
  return [...SOURCE_DIRS.flatMap(walk), BUILD_SCRIPT].sort();
}

/** SHA-256 over each input's path and bytes, in order. */
export function wasmInputsDigest() {
  const hash = createHash('sha256');
  for (const rel of wasmInputs()) {
    const bytes = readFileSync(path.join(NATIVE_ROOT, rel));
    hash.update(`${rel}\0${bytes.byteLength}\0`);
    hash.update(bytes);
  }
  return hash.digest('hex');
}

export function sha256File(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--record');
  if (at < 0) {
    console.log(wasmInputsDigest());
  } else {
    const wasm = process.argv[at + 2] ?? PREBUILT_WASM;
    const record = {
      file: path.basename(wasm),
      bytes: statSync(wasm).size,
      sha256: sha256File(wasm),
      inputsSha256: wasmInputsDigest(),
      inputs: wasmInputs().length,
      toolchain: process.argv[at + 1],
    };
    writeFileSync(`${wasm}.json`, `${JSON.stringify(record, null, 2)}\n`);
  }
}
