/**
 * The committed WebAssembly engine (layers/native-runtime/prebuilt/mindlet-engine.wasm) is what its sources build:
 * its record names the digest of every file the wasm build reads, and that digest must be today's. A source change
 * without `npm run build:wasm` fails here on any machine, toolchain or not; CI also rebuilds it and compares the
 * bytes (`npm run check:wasm`).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  PREBUILT_RECORD,
  PREBUILT_WASM,
  sha256File,
  wasmInputs,
  wasmInputsDigest,
} from '../../layers/native-runtime/scripts/wasm-inputs.mjs';

const record = JSON.parse(readFileSync(PREBUILT_RECORD, 'utf8')) as {
  bytes: number;
  sha256: string;
  inputsSha256: string;
  inputs: number;
  toolchain: string;
};

describe('the committed WebAssembly engine', () => {
  it('was built from the sources as they are now', () => {
    expect(
      wasmInputsDigest(),
      'engine, kernel or wasm sources changed since prebuilt/mindlet-engine.wasm was built: run npm run build:wasm and commit layers/native-runtime/prebuilt/',
    ).toBe(record.inputsSha256);
    expect(wasmInputs()).toHaveLength(record.inputs);
  });

  it('is the file its record describes, a WebAssembly 1.0 binary, with the toolchain named', () => {
    const bytes = readFileSync(PREBUILT_WASM);
    expect(bytes.byteLength).toBe(record.bytes);
    expect(sha256File(PREBUILT_WASM)).toBe(record.sha256);
    expect([...bytes.subarray(0, 8)]).toEqual([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]); // \0asm, version 1
    expect(record.toolchain).toMatch(/clang version \d+/);
  });

  it('reads no x86-only kernel unit and includes the build script', () => {
    const inputs = wasmInputs();
    expect(inputs).toContain('scripts/build-wasm.sh');
    expect(inputs.some((f) => /_(avx2|avx512)\.cc$/.test(f))).toBe(false);
    expect(inputs.some((f) => f.startsWith('src/wasm/'))).toBe(true);
  });
});
