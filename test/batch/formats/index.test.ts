/** Choosing a codec by the key's extension, and the output names each codec gives. */
import { describe, expect, it } from 'vitest';
import { codecForKey, JSONL_CODEC, NPY_CODEC, NPZ_CODEC } from '../../../src/batch/formats/index.js';
import { BATCHED, ONE_OUTPUT } from './fixtures.js';

describe('codecForKey', () => {
  it.each([
    ['in/a.jsonl', JSONL_CODEC],
    ['in/a.NDJSON', JSONL_CODEC],
    ['s3://bucket/in/x.Npy', NPY_CODEC],
    ['x.npz', NPZ_CODEC],
    ['x.json', undefined],
    ['x.npy.tmp', undefined],
    ['npz', undefined],
  ])('%s', (key, codec) => {
    expect(codecForKey(key)).toBe(codec);
  });

  it('names outputs after inputs: a multi-output model turns .npy into .npz', () => {
    expect(JSONL_CODEC.outputName('d/a.ndjson', BATCHED)).toBe('d/a.ndjson');
    expect(NPY_CODEC.outputName('d/a.npy', ONE_OUTPUT)).toBe('d/a.npy');
    expect(NPY_CODEC.outputName('d/a.npy', BATCHED)).toBe('d/a.npz');
    expect(NPZ_CODEC.outputName('d/a.npz', BATCHED)).toBe('d/a.npz');
    expect([JSONL_CODEC.format, NPY_CODEC.format, NPZ_CODEC.format]).toEqual(['jsonl', 'npy', 'npz']);
  });
});
