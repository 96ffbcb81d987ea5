/**
 * The loader on mutated real files: every outcome is a model or a one-line MindletError — never a RangeError,
 * TypeError, hang or huge allocation. 100,000+ inputs per CI run; `npm run fuzz` runs longer campaigns.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMindletError } from '../../src/errors.js';
import { profileModel } from '../../src/graph/profile.js';
import { decodeMindir } from '../../src/mindir/loader.js';
import { mutate, mutationArbitrary } from '../tools/mutate.js';
import { fixture } from '../tools/proto-encode.js';

const KEY = Buffer.from('0123456789ABCDEF', 'ascii');
const files = ['relu.mindir', 'add_no_encrpty.mindir', 'add_encrpty_key_0123456789ABCDEF.mindir', 'ori_net.mindir'];
const corpus = files.map((name) => readFileSync(fixture(name)));
/** Runs per file; the sum (160,000) is the CI budget, at least 100,000. ori_net is 250 KB, the others under 1 KB. */
const RUNS: Record<string, number> = {
  'relu.mindir': 40_000,
  'add_no_encrpty.mindir': 40_000,
  'add_encrpty_key_0123456789ABCDEF.mindir': 20_000,
  'ori_net.mindir': 60_000,
};

function loadsCleanly(bytes: Uint8Array, label: string): boolean {
  try {
    const model = decodeMindir(bytes, { label, key: KEY });
    profileModel(model);
    return true;
  } catch (error) {
    if (!isMindletError(error)) throw error;
    if (error.message.includes('\n') || !error.message.startsWith(label))
      throw new Error(`badly formed error: ${error.message}`);
    return true;
  }
}

describe('fuzzing the loader with mutated corpus files', () => {
  files.forEach((name, index) => {
    it(`${name}: ${RUNS[name]} mutations give models or clean errors`, () => {
      const original = corpus[index]!;
      fc.assert(
        fc.property(mutationArbitrary(), (mutation) => loadsCleanly(mutate(original, mutation, corpus), name)),
        { numRuns: RUNS[name]!, seed: Number(process.env.FUZZ_SEED ?? 20261125) },
      );
    }, 300_000);
  });

  it('a length field claiming 2 GiB is refused without allocating it', () => {
    // Field 7 (graph), wire type 2, length varint 0x7fffffff, then almost nothing.
    const lie = new Uint8Array([0x3a, 0xff, 0xff, 0xff, 0xff, 0x07, 0x0a, 0x00]);
    const before = process.memoryUsage().arrayBuffers;
    expect(() => decodeMindir(lie, { label: 'lie.mindir' })).toThrow(/lie\.mindir: not a valid MindIR file/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('text, empty and random bytes are not MindIR', () => {
    expect(() => decodeMindir(Buffer.from('hello, this is not a model\n'), { label: 'a.txt' })).toThrow(/a\.txt: /);
    expect(() => decodeMindir(new Uint8Array(0), { label: 'empty' })).toThrow(/empty: file is empty/);
    const random = new Uint8Array(4096).map((_, i) => (i * 2654435761) >>> 24);
    expect(() => decodeMindir(random, { label: 'random' })).toThrow(/random: /);
  });

  it('every truncation inside the ori_net graph is a clean error', () => {
    // Protobuf has no end marker: a cut after the graph field could decode, so cut only within its first 90%.
    const original = corpus[3]!;
    for (let cut = 0; cut < original.byteLength * 0.9; cut += 97) {
      expect(() => decodeMindir(original.subarray(0, cut), { label: 'cut' })).toThrow(/^cut: /);
    }
  });
});
