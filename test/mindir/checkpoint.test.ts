/** MindSpore checkpoints: decoding, split tensors, bad files, and swapping a model's weights. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyCheckpoint, decodeCheckpoint, readCheckpoint } from '../../src/mindir/checkpoint.js';
import { loadMindir } from '../../src/mindir/loader.js';
import { tensorView } from '../../src/mindir/tensors.js';
import { encodeCheckpoint } from '../tools/checkpoint-writer.js';
import { fixture } from '../tools/proto-encode.js';

const f32 = (values: number[]) => new Uint8Array(new Float32Array(values).buffer);

describe('decodeCheckpoint', () => {
  it('reads names, dtypes, shapes and bytes as views of the file', () => {
    const bytes = encodeCheckpoint([
      { tag: 'w', type: 'Float32', dims: [2, 2], content: f32([1, 2, 3, 4]) },
      { tag: 'h', type: 'Float16', dims: [3], content: new Uint8Array(6) },
      { tag: 'step', type: 'Int64', dims: [], content: new Uint8Array(new BigInt64Array([7n]).buffer) },
      { tag: 'i', type: 'Int32', dims: [2], content: new Uint8Array(8) },
      { tag: 'mask', type: 'Bool', dims: [4], content: new Uint8Array([1, 0, 1, 0]) },
      { tag: 'ids', type: 'UInt8', dims: [1, 3], content: new Uint8Array(3) },
      { tag: 'note', type: 'str', dims: [], content: Buffer.from('hello') },
    ]);
    const ckpt = decodeCheckpoint(bytes, 'a.ckpt');
    expect([...ckpt.tensors.keys()]).toEqual(['w', 'h', 'step', 'i', 'mask', 'ids', 'note']);
    expect(ckpt.tensors.get('w')).toMatchObject({ dtype: 'float32', shape: [2, 2] });
    expect(Array.from(tensorView(ckpt.tensors.get('w')!) as Float32Array)).toEqual([1, 2, 3, 4]);
    expect(ckpt.tensors.get('step')).toMatchObject({ dtype: 'int64', shape: [] });
    expect(ckpt.tensors.get('w')!.data.buffer).toBe(bytes.buffer);
    expect(Buffer.from(ckpt.tensors.get('note')!.data).toString()).toBe('hello');
  });

  it('joins tensors save_checkpoint split into slices', () => {
    const values = Array.from({ length: 100 }, (_, i) => i);
    const ckpt = decodeCheckpoint(
      encodeCheckpoint([{ tag: 'big', type: 'Float32', dims: [10, 10], content: f32(values) }], 64),
      'b.ckpt',
    );
    expect(Array.from(tensorView(ckpt.tensors.get('big')!) as Float32Array)).toEqual(values);
  });

  it('bad files are one-line errors', async () => {
    const good = encodeCheckpoint([{ tag: 'w', type: 'Float32', dims: [4], content: f32([1, 2, 3, 4]) }]);
    expect(() => decodeCheckpoint(good.subarray(0, good.byteLength - 3), 'c.ckpt')).toThrow(/^c\.ckpt: /);
    expect(() => decodeCheckpoint(Buffer.from('not a checkpoint at all'), 'c.ckpt')).toThrow(/^c\.ckpt: /);
    expect(() =>
      decodeCheckpoint(encodeCheckpoint([{ tag: 'w', type: 'Float32', dims: [5], content: f32([1, 2]) }]), 'c.ckpt'),
    ).toThrow(/entry w: float32\[5\] needs 20 bytes, file has 8/);
    expect(() =>
      decodeCheckpoint(encodeCheckpoint([{ tag: 'w', type: 'Quaternion', dims: [1], content: f32([1]) }]), 'c.ckpt'),
    ).toThrow(/unknown tensor type "Quaternion"/);
    await expect(readCheckpoint('/nonexistent/x.ckpt')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('applyCheckpoint on the real LeNet', () => {
  it('replaces weights matched by key, reports missing and unused, checks shapes', async () => {
    const model = await loadMindir(fixture('ori_net.mindir'));
    const conv1 = [...model.graph.parameters.values()].find((p) => p.key === 'conv1.weight')!;
    const fresh = Array.from({ length: 150 }, (_, i) => i / 10);
    const ckpt = decodeCheckpoint(
      encodeCheckpoint([
        { tag: 'conv1.weight', type: 'Float32', dims: [6, 1, 5, 5], content: f32(fresh) },
        { tag: 'moments.conv1.weight', type: 'Float32', dims: [6, 1, 5, 5], content: f32(fresh) },
      ]),
      'd.ckpt',
    );
    const result = applyCheckpoint(model, ckpt);
    expect(result.replaced).toEqual([conv1.name]);
    expect(result.missing).toHaveLength(1);
    expect(result.unused).toEqual(['moments.conv1.weight']);
    expect(Array.from(tensorView(model.graph.parameters.get(conv1.name)!) as Float32Array)).toEqual(
      Array.from(new Float32Array(fresh)),
    );
    expect(() => applyCheckpoint(model, ckpt, { strict: true })).toThrow(/no entry for 1 parameter/);

    const wrong = decodeCheckpoint(
      encodeCheckpoint([
        { tag: 'conv2.weight', type: 'Float32', dims: [16, 6, 5, 4], content: new Uint8Array(16 * 6 * 5 * 4 * 4) },
      ]),
      'e.ckpt',
    );
    expect(() => applyCheckpoint(model, wrong)).toThrow(
      /conv2\.weight.*float32\[16,6,5,4\], model expects float32\[16,6,5,5\]/,
    );
  });

  it('matches by the name suffix after the graph prefix, from a file on disk', async () => {
    const model = await loadMindir(fixture('ori_net.mindir'));
    for (const weight of model.graph.parameters.values()) delete weight.key;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mindlet-ckpt-'));
    const file = path.join(dir, 'lenet.ckpt');
    writeFileSync(
      file,
      encodeCheckpoint([{ tag: 'conv2.weight', type: 'Float32', dims: [16, 6, 5, 5], content: new Uint8Array(9600) }]),
    );
    const result = applyCheckpoint(model, await readCheckpoint(file));
    expect(result.replaced).toHaveLength(1);
    expect(result.replaced[0]).toMatch(/:conv2\.weight$/);
  });
});
