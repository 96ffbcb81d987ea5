/** `.npy` objects: rows streamed from ranged reads, every header variant, object-level errors, and the writer. */
import { describe, expect, it } from 'vitest';
import { NPY_CODEC } from '../../../src/batch/formats/npy.js';
import {
  type BatchSignature,
  DEFAULT_BATCH_LIMITS,
  type GoodRecord,
  type InputRecord,
  type OutputRecord,
} from '../../../src/batch/types.js';
import { decodeNpy, encodeNpy } from '../../../src/tensor/npy.js';
import { decodeNpz } from '../../../src/tensor/npz.js';
import type { Tensor } from '../../../src/tensor/types.js';
import { MemorySink, memorySource } from '../memory-bytes.js';
import {
  BATCHED,
  bytesOf,
  collect,
  elements,
  mindletError,
  npyDict,
  npyFile,
  ONE_OUTPUT,
  plain,
  UNBATCHED,
} from './fixtures.js';

const URI = 's3://bucket/in/images.npy';
const ROWS = 5;
const VALUES = Float32Array.from({ length: ROWS * 16 }, (_, i) => i * 0.5 - 7);
const IMAGES = encodeNpy({ dtype: 'float32', shape: [ROWS, 1, 4, 4], data: VALUES });

async function open(bytes: Uint8Array, signature: BatchSignature = BATCHED, chunkSize?: number, limits = {}) {
  const source = memorySource(bytes, { uri: URI, chunkSize });
  const reader = await NPY_CODEC.openReader(source, signature, { ...DEFAULT_BATCH_LIMITS, ...limits });
  return { source, reader };
}

function good(record: InputRecord | undefined): GoodRecord {
  if (!record || 'error' in record) throw new Error(`expected a good record, got ${JSON.stringify(record)}`);
  return record;
}

describe('.npy reader', () => {
  it('reads one record per row with ranged reads: the header, then one stream of the data', async () => {
    const { source, reader } = await open(IMAGES);
    expect(reader.total).toBe(ROWS);
    const records = (await collect(reader)).map(good);
    expect(records).toHaveLength(ROWS);
    records.forEach((record, index) => {
      expect(record.index).toBe(index);
      expect(record.inputs[0]!.shape).toEqual([1, 4, 4]);
      expect(elements(record.inputs[0]!.data)).toEqual(elements(VALUES.subarray(index * 16, index * 16 + 16)));
      // Rows are copied out of the source's chunks into one slab, side by side (so a micro-batch stacks as a view).
      expect(record.inputs[0]!.data.buffer).toBe(records[0]!.inputs[0]!.data.buffer);
      expect(record.inputs[0]!.data.byteOffset).toBe(index * 64);
    });
    expect(source.reads).toEqual([[0, IMAGES.length]]);
    expect(source.streams).toEqual([[128, IMAGES.length]]);
    expect(reader.bytesRead).toBe(IMAGES.length);
  });

  it('reads the same records whatever the chunk size', async () => {
    const expected = plain(await collect((await open(IMAGES)).reader));
    expect(plain(await collect((await open(IMAGES, BATCHED, 1)).reader))).toEqual(expected);
    expect(plain(await collect((await open(IMAGES, BATCHED, 7)).reader))).toEqual(expected);
  });

  it('byte-swaps big-endian data and reads versions 2 and 3 and long headers', async () => {
    const swapped = Buffer.from(bytesOf(VALUES));
    swapped.swap32();
    const header = npyDict('>f4', [ROWS, 1, 4, 4]);
    const longHeader = `${header.slice(0, -1)}${' '.repeat(6000)}\n`;
    for (const file of [npyFile(header, swapped), npyFile(header, swapped, 2), npyFile(longHeader, swapped, 3)]) {
      const records = (await collect((await open(file, BATCHED, 7)).reader)).map(good);
      expect(records.flatMap((record) => elements(record.inputs[0]!.data))).toEqual(elements(VALUES));
    }
  });

  it('reads int64 and bool rows (any non-zero byte is True)', async () => {
    const signature: BatchSignature = {
      inputs: [{ name: 'ids', dtype: 'int64', shape: [-1, 2] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: [-1] }],
      batched: true,
    };
    const ids = encodeNpy({ dtype: 'int64', shape: [2, 2], data: BigInt64Array.from([1n, -2n, 2n ** 40n, 4n]) });
    const records = (await collect((await open(ids, signature, 3)).reader)).map(good);
    expect(records.map((record) => elements(record.inputs[0]!.data))).toEqual([
      [1n, -2n],
      [2n ** 40n, 4n],
    ]);
    const flags = npyFile(npyDict('|b1', [2, 3]), Uint8Array.from([0, 1, 7, 1, 0, 0]));
    const boolSignature: BatchSignature = { ...signature, inputs: [{ name: 'f', dtype: 'bool', shape: [-1, 3] }] };
    const rows = (await collect((await open(flags, boolSignature)).reader)).map(good);
    expect(rows.map((record) => elements(record.inputs[0]!.data))).toEqual([
      [0, 1, 1],
      [1, 0, 0],
    ]);
  });

  it('takes whole inputs per row when the signature has no batch dimension', async () => {
    const signature: BatchSignature = { ...UNBATCHED, inputs: [UNBATCHED.inputs[0]!] };
    const file = encodeNpy({ dtype: 'int32', shape: [2, 2, 3], data: Int32Array.from({ length: 12 }, (_, i) => i) });
    const records = (await collect((await open(file, signature)).reader)).map(good);
    expect(records.map((record) => record.inputs[0]!.shape)).toEqual([
      [2, 3],
      [2, 3],
    ]);
    expect(elements(records[1]!.inputs[0]!.data)).toEqual([6, 7, 8, 9, 10, 11]);
  });

  it('fails a truncated object while iterating, after the records it holds', async () => {
    const { reader } = await open(IMAGES.subarray(0, IMAGES.length - 10), BATCHED, 7);
    const seen: number[] = [];
    const error = await mindletError(async () => {
      for await (const record of reader) seen.push(record.index);
    });
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(error.code).toBe('INVALID_FORMAT');
    expect(error.message).toBe(`${URI}: truncated: the header says 5 records of 64 bytes, the data ends in record 4`);
  });

  it.each<[string, Uint8Array, BatchSignature, string, RegExp]>([
    [
      'a model with two inputs',
      IMAGES,
      { ...UNBATCHED, batched: true },
      'INVALID_ARGUMENT',
      /^s3:\/\/bucket\/in\/images.npy: a .npy holds one array; model takes inputs a, b: use .npz$/,
    ],
    [
      'another dtype',
      encodeNpy({ dtype: 'float64', shape: [2, 1, 4, 4], data: new Float64Array(32) }),
      BATCHED,
      'INVALID_ARGUMENT',
      /holds float64 \('<f8'\), model input x takes float32/,
    ],
    [
      'another row shape',
      encodeNpy({ dtype: 'float32', shape: [2, 16], data: new Float32Array(32) }),
      BATCHED,
      'INVALID_ARGUMENT',
      /shape \(2, 16\) has records of shape \[16\]; model input x takes \[1,4,4\]/,
    ],
    [
      'a 0-d array',
      encodeNpy({ dtype: 'float32', shape: [], data: new Float32Array(1) }),
      BATCHED,
      'INVALID_ARGUMENT',
      /0-d/,
    ],
    [
      'Fortran order',
      npyFile(npyDict('<f4', [2, 1, 4, 4], true), new Uint8Array(128)),
      BATCHED,
      'UNSUPPORTED',
      /Fortran \(column-major\) order, which cannot be streamed by record/,
    ],
    [
      'bytes after the data',
      new Uint8Array([...IMAGES, 1, 2, 3]),
      BATCHED,
      'INVALID_FORMAT',
      /3 bytes after the data of 5 records of 64 bytes/,
    ],
    ['not a .npy', new TextEncoder().encode('{"x": 1}\n'), BATCHED, 'INVALID_FORMAT', /not a .npy file/],
    ['a header cut short', IMAGES.subarray(0, 60), BATCHED, 'INVALID_FORMAT', /truncated in the header/],
    ['an empty object', new Uint8Array(0), BATCHED, 'INVALID_FORMAT', /empty/],
  ])('refuses %s as a whole object', async (_, bytes, signature, code, message) => {
    const error = await mindletError(() => open(bytes, signature));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(URI)).toBe(true);
  });

  it('refuses rows over maxTensorElements and objects over maxObjectBytes before reading rows', async () => {
    expect((await mindletError(() => open(IMAGES, BATCHED, undefined, { maxTensorElements: 8 }))).code).toBe(
      'LIMIT_EXCEEDED',
    );
    const source = memorySource(IMAGES, { uri: URI });
    const error = await mindletError(() =>
      NPY_CODEC.openReader(source, BATCHED, { ...DEFAULT_BATCH_LIMITS, maxObjectBytes: 100 }),
    );
    expect(error.code).toBe('LIMIT_EXCEEDED');
    expect(source.reads).toEqual([]);
  });
});

describe('.npy writer', () => {
  const model = { name: 'm', version: '1' };
  const row = (values: number[]): Tensor => ({
    dtype: 'float32',
    shape: [values.length],
    data: Float32Array.from(values),
  });
  const logits = (base: number) => row(Array.from({ length: 10 }, (_, i) => base + i));

  async function write(signature: BatchSignature, records: OutputRecord[], total = records.length) {
    const sink = new MemorySink('s3://bucket/out/images.npy');
    const writer = await NPY_CODEC.openWriter(sink, signature, { total, model });
    for (const record of records) await writer.write(record);
    await writer.finish();
    return sink;
  }

  it('round-trips through decodeNpy, failed records as NaN rows', async () => {
    const sink = await write(ONE_OUTPUT, [
      { index: 0, outputs: [logits(0)] },
      { index: 1, error: 'record 1: bad' },
      { index: 2, outputs: [logits(20)] },
    ]);
    expect(sink.closed).toBe(true);
    const tensor = decodeNpy(sink.bytes());
    expect(tensor.shape).toEqual([3, 10]);
    const values = elements(tensor.data) as number[];
    expect(values.slice(0, 10)).toEqual(elements(logits(0).data));
    expect(values.slice(10, 20).every(Number.isNaN)).toBe(true);
    expect(values.slice(20)).toEqual(elements(logits(20).data));
  });

  it('fixes a dynamic row shape from the first good record, holding back failed rows before it', async () => {
    const signature: BatchSignature = { ...ONE_OUTPUT, outputs: [{ name: 'tokens', dtype: 'int32', shape: [-1, -1] }] };
    const ints = (values: number[]): Tensor => ({
      dtype: 'int32',
      shape: [values.length],
      data: Int32Array.from(values),
    });
    const sink = await write(signature, [
      { index: 0, error: 'a' },
      { index: 1, error: 'b' },
      { index: 2, outputs: [ints([5, 6, 7])] },
      { index: 3, error: 'c' },
    ]);
    const tensor = decodeNpy(sink.bytes());
    expect(tensor.shape).toEqual([4, 3]);
    expect(elements(tensor.data)).toEqual([0, 0, 0, 0, 0, 0, 5, 6, 7, 0, 0, 0]);

    const allFailed = decodeNpy((await write(signature, [{ index: 0, error: 'a' }])).bytes());
    expect(allFailed.shape).toEqual([1, 0]);
    const none = decodeNpy((await write(ONE_OUTPUT, [])).bytes());
    expect(none.shape).toEqual([0, 10]);
  });

  it('refuses a second row shape, results out of order and a wrong count', async () => {
    const signature: BatchSignature = { ...ONE_OUTPUT, outputs: [{ name: 'y', dtype: 'float32', shape: [-1, -1] }] };
    const sink = new MemorySink('s3://bucket/out/y.npy');
    const writer = await NPY_CODEC.openWriter(sink, signature, { total: 3, model });
    await writer.write({ index: 0, outputs: [row([1, 2])] });
    const shape = await mindletError(() => writer.write({ index: 1, outputs: [row([1, 2, 3])] }));
    expect(shape.code).toBe('UNSUPPORTED');
    expect(shape.message).toBe('s3://bucket/out/y.npy: .npy output y needs one row shape ([2]); record 1 gave [3]');
    await writer.abort();
    expect(sink.aborted).toBe(true);

    const short = await NPY_CODEC.openWriter(new MemorySink(), ONE_OUTPUT, { total: 2, model });
    await short.write({ index: 0, outputs: [logits(0)] });
    expect((await mindletError(() => short.write({ index: 2, outputs: [logits(0)] }))).message).toMatch(/out of order/);
    expect((await mindletError(() => short.finish())).message).toMatch(/1 results were written for 2 input records/);
    const wrongShape = await NPY_CODEC.openWriter(new MemorySink(), ONE_OUTPUT, { total: 1, model });
    expect((await mindletError(() => wrongShape.write({ index: 0, outputs: [row([1])] }))).code).toBe('UNSUPPORTED');
  });

  it('writes through in chunks of about 1 MiB', async () => {
    const signature: BatchSignature = { ...ONE_OUTPUT, outputs: [{ name: 'y', dtype: 'float64', shape: [-1, 1000] }] };
    const total = 600; // 8000-byte rows: 4.8 MB
    const sink = new MemorySink();
    const writer = await NPY_CODEC.openWriter(sink, signature, { total, model });
    const values = new Float64Array(1000).fill(2.5);
    for (let index = 0; index < total; index++)
      await writer.write({ index, outputs: [{ dtype: 'float64', shape: [1000], data: values }] });
    expect(sink.chunks.length).toBe(4); // written before finish: memory holds one chunk
    await writer.finish();
    expect(sink.chunks.length).toBe(5);
    expect(sink.chunks.slice(0, 4).every((chunk) => chunk.length === 1 << 20)).toBe(true);
    expect(decodeNpy(sink.bytes()).shape).toEqual([600, 1000]);
  });

  it('writes a .npz when the model has several outputs, named after the input', async () => {
    expect(NPY_CODEC.outputName('dir/images.NPY', BATCHED)).toBe('dir/images.npz');
    expect(NPY_CODEC.outputName('dir/images.npy', ONE_OUTPUT)).toBe('dir/images.npy');
    const sink = await write(BATCHED, [
      { index: 0, outputs: [logits(0), row([1, 2, 3])] },
      { index: 1, error: 'x' },
    ]);
    const arrays = decodeNpz(sink.bytes());
    expect([...arrays.keys()]).toEqual(['logits', 'box']);
    expect(arrays.get('box')!.shape).toEqual([2, 3]);
    expect((elements(arrays.get('box')!.data) as number[]).slice(0, 3)).toEqual([1, 2, 3]);
  });
});
