/**
 * Object size is bounded by storage, not memory: a 64 MiB .npy and a JSONL object with a 64 MiB line stream through
 * their readers from generated sources, and the memory still in use (after a collection, so garbage does not count)
 * stays far below the object's size at every point.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { JSONL_CODEC } from '../../../src/batch/formats/jsonl.js';
import { NPY_CODEC } from '../../../src/batch/formats/npy.js';
import { type BatchSignature, DEFAULT_BATCH_LIMITS } from '../../../src/batch/types.js';
import { encodeNpyHeader } from '../../../src/tensor/npy.js';
import { generatedSource } from '../memory-bytes.js';
import { BATCHED } from './fixtures.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const MiB = 1024 * 1024;
const BOUND = 16 * MiB;

/**
 * Memory held (JS heap and array buffers) after a full collection. Buffers freed by it may still be counted until
 * V8's background sweeper releases them: up to what was allocated since the last sample (64 chunks, 4 MiB of
 * chunks and as much in rows), hence a bound of 16 MiB for a 64 MiB object rather than a tight one.
 */
function retained(): number {
  gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** Wraps a chunk producer so that every `every` chunks the retained memory is sampled; returns the peak seen. */
function sampling(produce: (start: number, end: number) => Uint8Array, every = 64) {
  let calls = 0;
  const state = { peak: 0 };
  const wrapped = (start: number, end: number) => {
    if (++calls % every === 0) state.peak = Math.max(state.peak, retained());
    return produce(start, end);
  };
  return { wrapped, state };
}

describe('memory stays bounded whatever the object size', () => {
  it('streams a 64 MiB .npy record by record', async () => {
    const width = 1024;
    const rows = (64 * MiB) / (width * 4);
    const signature: BatchSignature = { ...BATCHED, inputs: [{ name: 'x', dtype: 'float32', shape: [-1, width] }] };
    const header = encodeNpyHeader('float32', [rows, width]);
    const rowBytes = width * 4;
    const size = header.length + rows * rowBytes;
    // Row r holds the value r everywhere, so each record can be checked against its index.
    const { wrapped, state } = sampling((start, end) => {
      const out = new Uint8Array(end - start);
      if (start < header.length) out.set(header.subarray(start, Math.min(end, header.length)));
      const from = Math.max(start, header.length) - header.length;
      const to = end - header.length;
      for (let row = Math.floor(from / rowBytes); row * rowBytes < to; row++) {
        const bytes = new Uint8Array(new Float32Array(width).fill(row).buffer);
        const lo = Math.max(from, row * rowBytes);
        const hi = Math.min(to, (row + 1) * rowBytes);
        out.set(bytes.subarray(lo - row * rowBytes, hi - row * rowBytes), lo + header.length - start);
      }
      return out;
    });
    const source = generatedSource(size, wrapped, { uri: 'memory://big.npy' });
    const baseline = retained();
    const reader = await NPY_CODEC.openReader(source, signature, DEFAULT_BATCH_LIMITS);
    let count = 0;
    for await (const record of reader) {
      if ('error' in record) throw new Error(record.error);
      const data = record.inputs[0]!.data as Float32Array;
      if (data[0] !== record.index || data[width - 1] !== record.index)
        throw new Error(`record ${record.index} is wrong`);
      count++;
    }
    expect(count).toBe(rows);
    expect(reader.bytesRead).toBe(size);
    expect(state.peak).toBeGreaterThan(0);
    expect(state.peak - baseline).toBeLessThan(BOUND);
  });

  it('skips a 64 MiB JSONL line without buffering it', async () => {
    const lineBytes = 64 * MiB;
    const tail = new TextEncoder().encode(
      `\n${JSON.stringify({
        x: [
          [
            [1, 2, 3, 4],
            [1, 2, 3, 4],
            [1, 2, 3, 4],
            [1, 2, 3, 4],
          ],
        ],
      })}\n`,
    );
    const size = lineBytes + tail.length;
    const { wrapped, state } = sampling((start, end) => {
      const out = new Uint8Array(end - start).fill(0x61); // 'a'
      if (end > lineBytes)
        out.set(tail.subarray(Math.max(0, start - lineBytes), end - lineBytes), Math.max(0, lineBytes - start));
      return out;
    });
    const source = generatedSource(size, wrapped, { uri: 'memory://big.jsonl' });
    const baseline = retained();
    const reader = await JSONL_CODEC.openReader(source, BATCHED, { ...DEFAULT_BATCH_LIMITS, maxLineBytes: MiB });
    const records = [];
    for await (const record of reader) records.push(record);
    expect(records).toHaveLength(2);
    expect(records[0]).toEqual({
      index: 0,
      error: `record 0: line of ${lineBytes} bytes is longer than the limit of ${MiB} (maxLineBytes)`,
    });
    expect('inputs' in records[1]!).toBe(true);
    expect(state.peak - baseline).toBeLessThan(BOUND);
  });
});
