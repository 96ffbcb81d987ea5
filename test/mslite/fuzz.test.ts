/**
 * The `.ms` loader on mutated real files: every outcome is a model or a one-line MindletError — never a
 * RangeError, TypeError, hang or huge allocation. FlatBuffers put the root table and vtables at the front of the
 * file and weight bytes behind them, so half the mutations aim at the first 4 KiB.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMindletError } from '../../src/errors.js';
import { profileModel } from '../../src/graph/profile.js';
import { decodeModel } from '../../src/model/load.js';
import { decodeMsLite } from '../../src/mslite/loader.js';
import { type Mutation, mutate, mutationArbitrary } from '../tools/mutate.js';
import { liteFixture } from '../tools/proto-encode.js';

const files = ['lenet_tod_infer.ms', 'mobilefacenet0924.ms'];
const corpus = files.map((name) => readFileSync(liteFixture(name)));
/** MobileFaceNet is 4 MB and lowering permutes its weights, so it gets fewer runs. */
const RUNS: Record<string, number> = { 'lenet_tod_infer.ms': 4000, 'mobilefacenet0924.ms': 300 };

function loadsCleanly(bytes: Uint8Array, label: string): boolean {
  try {
    profileModel(decodeMsLite(bytes, { label }));
    return true;
  } catch (error) {
    if (!isMindletError(error)) throw error;
    if (error.message.includes('\n') || !error.message.startsWith(label)) {
      throw new Error(`badly formed error: ${error.message}`);
    }
    return true;
  }
}

/** Positions modulo 4 KiB half the time: the structural part of the file. */
const aimed = mutationArbitrary().chain((m) =>
  fc.boolean().map((front): Mutation => {
    if (!front) return m;
    const at = (n: number) => n % 4096;
    switch (m.kind) {
      case 'truncate':
        return { ...m, at: at(m.at) };
      case 'flip':
        return { ...m, bits: m.bits.map(([p, b]) => [at(p), b]) };
      case 'bytes':
        return { ...m, writes: m.writes.map(([p, v]) => [at(p), v]) };
      default:
        return m;
    }
  }),
);

describe('fuzzing the .ms loader with mutated real files', () => {
  files.forEach((name, index) => {
    it(`${name}: ${RUNS[name]} mutations give models or clean errors`, () => {
      const original = corpus[index] as Uint8Array;
      fc.assert(
        fc.property(aimed, (mutation) => loadsCleanly(mutate(original, mutation, corpus), name)),
        { numRuns: RUNS[name] as number, seed: Number(process.env.FUZZ_SEED ?? 20261125) },
      );
    }, 300_000);
  });

  it('a vector claiming 4 G elements is refused without allocating it', () => {
    const bytes = new Uint8Array(corpus[0] as Uint8Array);
    const view = new DataView(bytes.buffer);
    // The root table's first vector field: point it at a length word of 0xffffffff.
    const root = view.getUint32(0, true);
    const vtable = root - view.getInt32(root, true);
    const inputIndexSlot = view.getUint16(vtable + 4 + 2 * 3, true);
    const at = root + inputIndexSlot;
    view.setUint32(at + view.getUint32(at, true), 0xffffffff, true);
    expect(() => decodeMsLite(bytes, { label: 'lie.ms' })).toThrow(/lie\.ms: not a valid MindSpore Lite model/);
  });

  it('truncated files name the file and say so', () => {
    const lenet = corpus[0] as Uint8Array;
    // (The last few bytes can be alignment padding, so the latest cut leaves 64 bytes off.)
    for (const cut of [0, 7, 12, 100, 4096, lenet.byteLength - 64]) {
      expect(() => decodeMsLite(lenet.subarray(0, cut), { label: 'cut.ms' })).toThrow(/^cut\.ms: /);
    }
  });

  it('routes .ms bytes to the Lite loader whatever the file is called', () => {
    for (const bytes of corpus) expect(decodeModel(bytes, { label: 'model.bin' }).format).toBe('mslite');
  });
});
