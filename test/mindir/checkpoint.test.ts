/** MindSpore checkpoints: decoding as save_checkpoint writes them, bad files, and swapping a model's weights. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isMindletError, type MindletError } from '../../src/errors.js';
import { tensorView } from '../../src/graph/typed-arrays.js';
import type { DType, Graph, Model, WeightTensor } from '../../src/graph/types.js';
import { applyCheckpoint, type Checkpoint, decodeCheckpoint, readCheckpoint } from '../../src/mindir/checkpoint.js';
import { loadMindir } from '../../src/mindir/loader.js';
import { encodeCheckpoint, utf32 } from '../tools/checkpoint-writer.js';
import { encryptMindir } from '../tools/encrypt-mindir.js';
import { fixture } from '../tools/proto-encode.js';

const f32 = (values: number[]) => new Uint8Array(new Float32Array(values).buffer);
const i64 = (values: bigint[]) => new Uint8Array(new BigInt64Array(values).buffer);
const i32 = (values: number[]) => new Uint8Array(new Int32Array(values).buffer);
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

function thrown(run: () => unknown): MindletError {
  try {
    run();
  } catch (error) {
    if (isMindletError(error)) return error;
    throw new Error(`expected a MindletError, got ${String(error)}`);
  }
  throw new Error('expected an error');
}

describe('decodeCheckpoint', () => {
  const entries = [
    { tag: 'conv.weight', type: 'Float32', dims: [2, 2], content: f32([1, -2, 3.5, 4]) },
    { tag: 'half', type: 'Float16', dims: [3], content: randomBytes(6) },
    { tag: 'bf', type: 'BFloat16', dims: [2], content: randomBytes(4) },
    { tag: 'ids', type: 'Int32', dims: [2], content: i32([7, -9]) },
    { tag: 'global_step', type: 'Int64', dims: [], content: i64([123456789012n]) },
    { tag: 'mask', type: 'Bool', dims: [4], content: new Uint8Array([1, 0, 1, 0]) },
    { tag: 'pixels', type: 'UInt8', dims: [1, 3], content: new Uint8Array([0, 128, 255]) },
    { tag: 'lr', type: 'Float32', dims: [], content: f32([0.01]) },
    { tag: 'packed', type: 'Int4', dims: [3], content: new Uint8Array([0x21, 0x03]) },
  ];

  it('reads names, dtypes, shapes and bytes of each dtype, scalars included', () => {
    const ckpt = decodeCheckpoint(encodeCheckpoint(entries), 'a.ckpt');
    expect(ckpt.source).toBe('a.ckpt');
    expect(ckpt.warnings).toEqual([]);
    expect([...ckpt.tensors.keys()]).toEqual(entries.map((e) => e.tag));
    const dtypes: DType[] = ['float32', 'float16', 'bfloat16', 'int32', 'int64', 'bool', 'uint8', 'float32', 'qint4x2'];
    entries.forEach((entry, i) => {
      const tensor = ckpt.tensors.get(entry.tag)!;
      expect(tensor).toMatchObject({
        name: entry.tag,
        dtype: dtypes[i],
        shape: entry.dims,
        storage: { kind: 'inline' },
      });
      expect(same(tensor.data, entry.content)).toBe(true);
    });
    expect(Array.from(tensorView(ckpt.tensors.get('conv.weight')!) as Float32Array)).toEqual([1, -2, 3.5, 4]);
    expect(Array.from(tensorView(ckpt.tensors.get('global_step')!) as BigInt64Array)).toEqual([123456789012n]);
    expect(Array.from(tensorView(ckpt.tensors.get('ids')!) as Int32Array)).toEqual([7, -9]);
  });

  it('tensor data are views of the input buffer, not copies', () => {
    const bytes = encodeCheckpoint(entries);
    const ckpt = decodeCheckpoint(bytes, 'a.ckpt');
    for (const tensor of ckpt.tensors.values()) {
      expect(tensor.data.buffer).toBe(bytes.buffer);
      expect(tensor.data.byteOffset).toBeGreaterThanOrEqual(bytes.byteOffset);
      expect(tensor.data.byteOffset + tensor.data.byteLength).toBeLessThanOrEqual(bytes.byteOffset + bytes.byteLength);
    }
  });

  it('reads MindSpore 1.x scalars (dims [0], one element) as scalars, and empty [0] tensors as empty', () => {
    const ckpt = decodeCheckpoint(
      encodeCheckpoint([
        { tag: 'loss_scale', type: 'Float32', dims: [0], content: f32([1024]) },
        { tag: 'nothing', type: 'Float32', dims: [0], content: new Uint8Array(0) },
      ]),
      'old.ckpt',
    );
    expect(ckpt.tensors.get('loss_scale')).toMatchObject({ shape: [] });
    expect(Array.from(tensorView(ckpt.tensors.get('loss_scale')!) as Float32Array)).toEqual([1024]);
    expect(ckpt.tensors.get('nothing')).toMatchObject({ shape: [0] });
  });

  it('reads append_dict text (numpy UTF-32) as a UTF-8 string tensor', () => {
    const text = 'epoch 3 ✓ 🙂';
    const ckpt = decodeCheckpoint(
      encodeCheckpoint([
        { tag: 'note', type: 'str', dims: [0], content: utf32(text) },
        { tag: 'padded', type: 'str', dims: [0], content: Buffer.concat([utf32('ab'), new Uint8Array(8)]) },
      ]),
      's.ckpt',
    );
    expect(ckpt.tensors.get('note')).toMatchObject({ dtype: 'string', shape: [] });
    expect(Buffer.from(ckpt.tensors.get('note')!.data).toString('utf8')).toBe(text);
    expect(Buffer.from(ckpt.tensors.get('padded')!.data).toString('utf8')).toBe('ab');
    const odd = thrown(() =>
      decodeCheckpoint(encodeCheckpoint([{ tag: 'note', type: 'str', dims: [0], content: new Uint8Array(5) }]), 's'),
    );
    expect(odd.code).toBe('INVALID_FORMAT');
    expect(odd.message).toMatch(/note.*not UTF-32/);
  });

  it('joins tensors save_checkpoint split into consecutive values, in file order', () => {
    const values = Array.from({ length: 100 }, (_, i) => i * 1.5 - 20);
    const bytes = encodeCheckpoint(
      [
        { tag: 'before', type: 'Int32', dims: [1], content: i32([5]) },
        { tag: 'big', type: 'Float32', dims: [10, 10], content: f32(values) },
        { tag: 'after', type: 'Int32', dims: [1], content: i32([6]) },
      ],
      { sliceBytes: 64 },
    );
    const ckpt = decodeCheckpoint(bytes, 'b.ckpt');
    expect([...ckpt.tensors.keys()]).toEqual(['before', 'big', 'after']);
    expect(ckpt.tensors.get('big')).toMatchObject({ shape: [10, 10], dtype: 'float32' });
    expect(Array.from(tensorView(ckpt.tensors.get('big')!) as Float32Array)).toEqual(values);
    expect(Array.from(tensorView(ckpt.tensors.get('after')!) as Int32Array)).toEqual([6]);
  });

  it('refuses slices of one tag that disagree on type or shape', () => {
    const bytes = Buffer.concat([
      encodeCheckpoint([{ tag: 'w', type: 'Float32', dims: [4], content: f32([1, 2]) }]),
      encodeCheckpoint([{ tag: 'w', type: 'Float32', dims: [5], content: f32([3, 4]) }]),
    ]);
    const error = thrown(() => decodeCheckpoint(bytes, 'c.ckpt'));
    expect(error.code).toBe('INVALID_FORMAT');
    expect(error.message).toMatch(/^c\.ckpt: entry w: its slices disagree/);
  });

  it('keeps the last of repeated non-adjacent tags, with a warning (as MindSpore does)', () => {
    const ckpt = decodeCheckpoint(
      encodeCheckpoint([
        { tag: 'w', type: 'Float32', dims: [1], content: f32([1]) },
        { tag: 'x', type: 'Float32', dims: [1], content: f32([2]) },
        { tag: 'w', type: 'Float32', dims: [2], content: f32([3, 4]) },
      ]),
      'd.ckpt',
    );
    expect([...ckpt.tensors.keys()]).toEqual(['x', 'w']);
    expect(ckpt.tensors.get('w')!.shape).toEqual([2]);
    expect(ckpt.warnings).toEqual([expect.stringMatching(/^w: appears more than once/)]);
  });

  it('skips map tensors and entries of unknown types with warnings naming them', () => {
    const keys = new Uint8Array(new BigInt64Array([1n, 2n]).buffer);
    const mapSlice = {
      map: [
        { type: 'int64', dims: [2], content: keys },
        { type: 'float32', dims: [2, 2], content: f32([1, 2, 3, 4]) },
        { type: 'int32', dims: [2], content: i32([0, 0]) },
      ],
    };
    const ckpt = decodeCheckpoint(
      encodeCheckpoint([
        { tag: 'embedding', ...mapSlice },
        { tag: 'embedding', ...mapSlice },
        { tag: 'random_op', type: 'random_op', dims: [], content: randomBytes(8) },
        { tag: 'fc.weight', type: 'Float32', dims: [1], content: f32([9]) },
      ]),
      'm.ckpt',
    );
    expect([...ckpt.tensors.keys()]).toEqual(['fc.weight']);
    expect(ckpt.warnings).toEqual([
      expect.stringMatching(/^embedding: map tensors \(MapParameter\) are not supported/),
      expect.stringMatching(/^random_op: tensor type "random_op" is not supported/),
    ]);
  });

  it("checks and strips save_checkpoint's crc_check trailer", () => {
    const plainEntries = [{ tag: 'w', type: 'Float32', dims: [3], content: f32([1, 2, 3]) }];
    const withCrc = encodeCheckpoint(plainEntries, { crc: true });
    expect(withCrc.byteLength).toBe(encodeCheckpoint(plainEntries).byteLength + 17);
    const ckpt = decodeCheckpoint(withCrc, 'crc.ckpt');
    expect(Array.from(tensorView(ckpt.tensors.get('w')!) as Float32Array)).toEqual([1, 2, 3]);
    const damaged = Buffer.from(withCrc);
    damaged[damaged.byteLength - 20]! ^= 0x40; // inside the tensor bytes: still parses, CRC must catch it
    const error = thrown(() => decodeCheckpoint(damaged, 'crc.ckpt'));
    expect(error.code).toBe('INVALID_FORMAT');
    expect(error.message).toMatch(/^crc\.ckpt: checkpoint CRC-32 is 0x[0-9a-f]{8}, the file records/);
  });

  it('decrypts checkpoints saved with enc_key (MindIR block format) when given the key', () => {
    const plain = encodeCheckpoint([{ tag: 'w', type: 'Float32', dims: [2], content: f32([5, 6]) }]);
    const key = randomBytes(16);
    for (const mode of ['AES-GCM', 'AES-CBC'] as const) {
      const encrypted = encryptMindir(plain, key, mode, { blockSize: 16 });
      const ckpt = decodeCheckpoint(encrypted, 'enc.ckpt', { key });
      expect(Array.from(tensorView(ckpt.tensors.get('w')!) as Float32Array)).toEqual([5, 6]);
      expect(thrown(() => decodeCheckpoint(encrypted, 'enc.ckpt')).code).toBe('DECRYPTION_FAILED');
    }
    expect(thrown(() => decodeCheckpoint(plain, 'p.ckpt', { key: 'not hex' })).code).toBe('INVALID_ARGUMENT');
  });

  it('validates byte lengths, dims and names, naming the entry', () => {
    const cases: Array<[Parameters<typeof encodeCheckpoint>[0], RegExp]> = [
      [
        [{ tag: 'w', type: 'Float32', dims: [5], content: f32([1, 2]) }],
        /entry w: float32\[5\] needs 20 bytes, the file has 8/,
      ],
      [[{ tag: 'b', type: 'Bool', dims: [2, 2], content: new Uint8Array(3) }], /entry b: bool\[2,2\] needs 4 bytes/],
      [[{ tag: 'h', type: 'Int64', dims: [], content: new Uint8Array(4) }], /entry h: int64\[\] needs 8 bytes/],
      // int64 dims beyond 2^32 arrive as Long objects: converted, then refused by the length check.
      [[{ tag: 'huge', type: 'UInt8', dims: [2 ** 33], content: new Uint8Array(1) }], /huge: uint8\[8589934592\]/],
      [[{ tag: 'neg', type: 'Float32', dims: [-1], content: new Uint8Array(0) }], /entry neg: invalid dimension -1/],
      [[{ tag: '', type: 'Float32', dims: [1], content: f32([1]) }], /entry without a name/],
    ];
    for (const [bad, pattern] of cases) {
      const error = thrown(() => decodeCheckpoint(encodeCheckpoint(bad), 'v.ckpt'));
      expect(error.code).toBe('INVALID_FORMAT');
      expect(error.message).toMatch(/^v\.ckpt: /);
      expect(error.message).toMatch(pattern);
    }
  });

  it('truncated, garbage and empty bytes are one-line INVALID_FORMAT errors naming the file', () => {
    const good = encodeCheckpoint(entries);
    for (let cut = 0; cut < good.byteLength; cut++) {
      let ckpt: Checkpoint | undefined;
      try {
        ckpt = decodeCheckpoint(good.subarray(0, cut), 'cut.ckpt');
      } catch (error) {
        expect(isMindletError(error)).toBe(true);
        expect((error as MindletError).code).toBe('INVALID_FORMAT');
        expect((error as MindletError).message).toMatch(/^cut\.ckpt: [^\n]+$/);
      }
      // A cut between two values leaves a shorter, valid checkpoint: never a wrong tensor.
      if (ckpt)
        for (const [tag, t] of ckpt.tensors)
          expect(same(t.data, entries.find((e) => e.tag === tag)!.content)).toBe(true);
    }
    for (const garbage of [Buffer.from('not a checkpoint at all'), new Uint8Array(0), new Uint8Array([0xff, 0xff])]) {
      const error = thrown(() => decodeCheckpoint(garbage, 'g.ckpt'));
      expect(error.code).toBe('INVALID_FORMAT');
      expect(error.message).toMatch(/^g\.ckpt: [^\n]+$/);
    }
    for (let i = 0; i < 200; i++) {
      try {
        decodeCheckpoint(randomBytes(1 + (i % 64)), 'r.ckpt');
      } catch (error) {
        expect(isMindletError(error)).toBe(true);
      }
    }
  });
});

describe('readCheckpoint', () => {
  it('reads a file from disk, and reports a missing one as NOT_FOUND', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mindlet-ckpt-'));
    const file = path.join(dir, 'net.ckpt');
    writeFileSync(file, encodeCheckpoint([{ tag: 'fc.bias', type: 'Float32', dims: [2], content: f32([1, 2]) }]));
    const ckpt = await readCheckpoint(file);
    expect(ckpt.source).toBe(file);
    expect(Array.from(tensorView(ckpt.tensors.get('fc.bias')!) as Float32Array)).toEqual([1, 2]);
    await expect(readCheckpoint(path.join(dir, 'missing.ckpt'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(readCheckpoint(dir)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('applyCheckpoint', () => {
  function weight(name: string, dtype: DType, shape: number[], key?: string): WeightTensor {
    const size = shape.reduce((a, b) => a * b, 1) * (dtype === 'float16' ? 2 : 4);
    const tensor: WeightTensor = { name, dtype, shape, data: new Uint8Array(size), storage: { kind: 'inline' } };
    if (key) tensor.key = key;
    return tensor;
  }

  function graph(name: string, parameters: WeightTensor[]): Graph {
    return {
      name,
      inputs: [],
      outputs: [],
      parameters: new Map(parameters.map((p) => [p.name, p])),
      constants: new Map(),
      nodes: [],
      values: new Map(),
    };
  }

  const CONV = '17_1_construct.Default_wrapper.5:conv1.weight';
  const BN = '17_1_construct.Default_wrapper.5:bn.gamma';
  const LOST = '17_1_construct.Default_wrapper.5:unmatched.w';
  const HEAD = '3_body.8:head.weight';

  /** A model whose parameters match a checkpoint by key (conv1, head), by name (fc.bias) and by suffix (bn). */
  function model(): Model {
    const conv = weight(CONV, 'float32', [2, 1, 1, 1], 'conv1.weight');
    conv.storage = { kind: 'external', location: 'net_variables/data_0', offset: 64, length: 8 };
    conv.compression = 'FSE';
    return {
      source: 'hand-built.mindir',
      format: 'mindir',
      producer: 'MindSpore',
      producerVersion: '2.3.0',
      irVersion: '0.1.1',
      mindIrVersion: 2,
      encrypted: false,
      graph: graph('main', [
        conv,
        weight('fc.bias', 'float32', [3]),
        weight(BN, 'float16', [2]),
        weight(LOST, 'float32', [1]),
      ]),
      subgraphs: new Map([['body', graph('body', [weight(HEAD, 'float32', [2, 2], 'head.weight')])]]),
      warnings: [],
    };
  }

  function checkpoint(extra: Parameters<typeof encodeCheckpoint>[0] = []): Checkpoint {
    return decodeCheckpoint(
      encodeCheckpoint([
        { tag: 'conv1.weight', type: 'Float32', dims: [2, 1, 1, 1], content: f32([0.5, -0.5]) },
        { tag: 'moments.conv1.weight', type: 'Float32', dims: [2, 1, 1, 1], content: f32([0, 0]) },
        { tag: 'fc.bias', type: 'Float32', dims: [3], content: f32([1, 2, 3]) },
        { tag: 'bn.gamma', type: 'Float16', dims: [2], content: new Uint8Array([0, 0x3c, 0, 0x40]) },
        { tag: 'head.weight', type: 'Float32', dims: [2, 2], content: f32([1, 0, 0, 1]) },
        { tag: 'global_step', type: 'Int32', dims: [], content: i32([100]) },
        ...extra,
      ]),
      'net.ckpt',
    );
  }

  it('replaces weights matched by key, name and name suffix, in the main graph and subgraphs', () => {
    const m = model();
    const ckpt = checkpoint();
    const result = applyCheckpoint(m, ckpt);
    expect(result.replaced.sort()).toEqual([CONV, BN, HEAD, 'fc.bias'].sort());
    expect(result.missing).toEqual([LOST]);
    expect(result.unused).toEqual(['moments.conv1.weight', 'global_step']);
    const conv = m.graph.parameters.get(CONV)!;
    expect(conv.data).toBe(ckpt.tensors.get('conv1.weight')!.data); // a view of the checkpoint, not a copy
    expect(conv.storage).toEqual({ kind: 'inline' });
    expect(conv.compression).toBeUndefined();
    expect(conv).toMatchObject({ dtype: 'float32', shape: [2, 1, 1, 1], key: 'conv1.weight' });
    expect(Array.from(tensorView(m.graph.parameters.get('fc.bias')!) as Float32Array)).toEqual([1, 2, 3]);
    expect(same(m.graph.parameters.get(BN)!.data, new Uint8Array([0, 0x3c, 0, 0x40]))).toBe(true);
    expect(Array.from(tensorView(m.subgraphs.get('body')!.parameters.get(HEAD)!) as Float32Array)).toEqual([
      1, 0, 0, 1,
    ]);
    expect(m.graph.parameters.get(LOST)!.data).toEqual(new Uint8Array(4));
  });

  it('prefers the key over the name, and reads cache-enabled "__param_key__" tags by their plain name', () => {
    const m = model();
    m.graph.parameters.get('fc.bias')!.key = 'fc.bias.renamed';
    const ckpt = checkpoint([
      { tag: 'fc.bias.renamed', type: 'Float32', dims: [3], content: f32([4, 5, 6]) },
      { tag: 'conv1.weight.__param_key__3', type: 'Float32', dims: [1], content: f32([1]) },
      { tag: 'unmatched.w.__param_key__7', type: 'Float32', dims: [1], content: f32([42]) },
    ]);
    const result = applyCheckpoint(m, ckpt);
    expect(m.graph.parameters.get(CONV)!.data).toBe(ckpt.tensors.get('conv1.weight')!.data);
    expect(Array.from(tensorView(m.graph.parameters.get(LOST)!) as Float32Array)).toEqual([42]);
    expect(result.missing).toEqual([]);
    expect(Array.from(tensorView(m.graph.parameters.get('fc.bias')!) as Float32Array)).toEqual([4, 5, 6]);
    expect(result.unused).toEqual(['moments.conv1.weight', 'fc.bias', 'global_step', 'conv1.weight.__param_key__3']);
  });

  it('refuses shape and dtype mismatches naming the parameter and both sides, leaving the model untouched', () => {
    const m = model();
    const before = m.graph.parameters.get(CONV)!.data;
    const wrongShape = thrown(() =>
      applyCheckpoint(m, checkpoint([{ tag: 'fc.bias', type: 'Float32', dims: [4], content: f32([1, 2, 3, 4]) }])),
    );
    expect(wrongShape.code).toBe('INVALID_ARGUMENT');
    expect(wrongShape.message).toBe(
      'net.ckpt: parameter fc.bias: checkpoint entry fc.bias is float32[4], the model expects float32[3]',
    );
    const wrongType = thrown(() =>
      applyCheckpoint(m, checkpoint([{ tag: 'bn.gamma', type: 'Float32', dims: [2], content: f32([1, 1]) }])),
    );
    expect(wrongType.code).toBe('INVALID_ARGUMENT');
    expect(wrongType.message).toMatch(
      new RegExp(`parameter ${BN}: checkpoint entry bn.gamma is float32\\[2\\], the model expects float16\\[2\\]`),
    );
    expect(m.graph.parameters.get(CONV)!.data).toBe(before);
    expect(m.graph.parameters.get(CONV)!.storage.kind).toBe('external');
  });

  it('accepts trailing 1s in the checkpoint shape, as load_param_into_net does', () => {
    const m = model();
    const ckpt = checkpoint([{ tag: 'fc.bias', type: 'Float32', dims: [3, 1, 1], content: f32([7, 8, 9]) }]);
    expect(applyCheckpoint(m, ckpt).replaced).toContain('fc.bias');
    const bias = m.graph.parameters.get('fc.bias')!;
    expect(bias.shape).toEqual([3]);
    expect(Array.from(tensorView(bias) as Float32Array)).toEqual([7, 8, 9]);
    const m2 = model();
    const padded = checkpoint([{ tag: 'fc.bias', type: 'Float32', dims: [3, 2], content: new Uint8Array(24) }]);
    expect(thrown(() => applyCheckpoint(m2, padded)).code).toBe('INVALID_ARGUMENT');
  });

  it('strict mode makes a missing parameter an error and changes nothing', () => {
    const m = model();
    const error = thrown(() => applyCheckpoint(m, checkpoint(), { strict: true }));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe(`net.ckpt: checkpoint has no entry for 1 parameter(s): ${LOST}`);
    expect(m.graph.parameters.get('fc.bias')!.data).toEqual(new Uint8Array(12));
    const complete = checkpoint([{ tag: 'unmatched.w', type: 'Float32', dims: [1], content: f32([3]) }]);
    const result = applyCheckpoint(m, complete, { strict: true });
    expect(result.missing).toEqual([]);
    expect(result.replaced).toHaveLength(5);
  });
});

describe('applyCheckpoint on a model MindSpore exported', () => {
  it("fills LeNet's conv weights from a checkpoint keyed as save_checkpoint names them", async () => {
    const model = await loadMindir(fixture('ori_net.mindir'));
    const params = [...model.graph.parameters.values()];
    expect(params.length).toBeGreaterThan(0);
    const fresh = new Map(params.map((p) => [p.key!, f32(Array.from({ length: p.data.byteLength / 4 }, Math.random))]));
    const ckpt = decodeCheckpoint(
      encodeCheckpoint(
        params.map((p) => ({ tag: p.key!, type: 'Float32', dims: p.shape, content: fresh.get(p.key!)! })),
      ),
      'lenet.ckpt',
    );
    const result = applyCheckpoint(model, ckpt, { strict: true });
    expect(result.replaced.sort()).toEqual([...model.graph.parameters.keys()].sort());
    expect(result.unused).toEqual([]);
    for (const p of model.graph.parameters.values()) expect(same(p.data, fresh.get(p.key!)!)).toBe(true);
  });
});
