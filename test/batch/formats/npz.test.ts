/** `.npz` objects: members streamed in lockstep from ranged reads (stored, deflated, zip64), checks, and the writer. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NPZ_CODEC, openNpzWriter } from '../../../src/batch/formats/npz.js';
import { memberBytes, memberDataStart, readZipDirectory } from '../../../src/batch/formats/zip-read.js';
import {
  type BatchSignature,
  DEFAULT_BATCH_LIMITS,
  type GoodRecord,
  type InputRecord,
  type OutputRecord,
} from '../../../src/batch/types.js';
import { decodeNpy, encodeNpy } from '../../../src/tensor/npy.js';
import { decodeNpz, encodeNpz } from '../../../src/tensor/npz.js';
import type { Tensor } from '../../../src/tensor/types.js';
import { hasNumpy } from '../../tools/numpy.js';
import { MemorySink, memorySource } from '../memory-bytes.js';
import {
  BATCHED,
  collect,
  elements,
  mindletError,
  plain,
  TWO_INPUTS,
  type ZipMemberSpec,
  zipArchive,
} from './fixtures.js';

const URI = 's3://bucket/in/batch.npz';
const ROWS = 4;
const X: Tensor = { dtype: 'float32', shape: [ROWS, 3], data: Float32Array.from({ length: ROWS * 3 }, (_, i) => i) };
const MASK: Tensor = {
  dtype: 'int64',
  shape: [ROWS, 2],
  data: BigInt64Array.from({ length: ROWS * 2 }, (_, i) => BigInt(-i)),
};

function members(method = 0, arrays: Record<string, Tensor> = { x: X, mask: MASK }): ZipMemberSpec[] {
  return Object.entries(arrays).map(([name, tensor]) => ({ name: `${name}.npy`, data: encodeNpy(tensor), method }));
}

async function open(bytes: Uint8Array, signature: BatchSignature = TWO_INPUTS, chunkSize?: number) {
  const source = memorySource(bytes, { uri: URI, chunkSize });
  const reader = await NPZ_CODEC.openReader(source, signature, DEFAULT_BATCH_LIMITS);
  return { source, reader };
}

function good(record: InputRecord | undefined): GoodRecord {
  if (!record || 'error' in record) throw new Error(`expected a good record, got ${JSON.stringify(record)}`);
  return record;
}

/** Records as [x row, mask row], for comparing with the arrays the archive was built from. */
async function rows(bytes: Uint8Array, chunkSize?: number) {
  const records = (await collect((await open(bytes, TWO_INPUTS, chunkSize)).reader)).map(good);
  return records.map((record) => record.inputs.map((tensor) => elements(tensor.data)));
}

const EXPECTED_ROWS = Array.from({ length: ROWS }, (_, r) => [
  [3 * r, 3 * r + 1, 3 * r + 2],
  [BigInt(-2 * r), BigInt(-2 * r - 1)],
]);

describe('.npz reader', () => {
  it('pulls one row of every array per record, in signature order, whatever the archive order', async () => {
    const archive = encodeNpz(
      new Map([
        ['mask', MASK],
        ['x', X],
      ]),
    );
    const { source, reader } = await open(archive);
    expect(reader.total).toBe(ROWS);
    const records = (await collect(reader)).map(good);
    expect(records.map((record) => record.index)).toEqual([0, 1, 2, 3]);
    expect(records[0]!.inputs.map((tensor) => tensor.shape)).toEqual([[3], [2]]);
    expect(records.map((record) => record.inputs.map((tensor) => elements(tensor.data)))).toEqual(EXPECTED_ROWS);
    // Ranged reads only: the tail, the local headers, the .npy headers, then one stream per member.
    expect(source.streams).toHaveLength(2);
    expect(source.reads.every(([start, end]) => end - start <= archive.length)).toBe(true);
    expect(reader.bytesRead).toBeGreaterThan(0);
  });

  it('reads deflated members (numpy.savez_compressed) and the same rows in any chunking', async () => {
    const stored = zipArchive(members(0));
    const deflated = zipArchive(members(8));
    expect(await rows(stored)).toEqual(EXPECTED_ROWS);
    for (const chunkSize of [1, 7, undefined]) expect(await rows(deflated, chunkSize)).toEqual(EXPECTED_ROWS);
    const expected = plain(await collect((await open(deflated)).reader));
    expect(plain(await collect((await open(stored, TWO_INPUTS, 1)).reader))).toEqual(expected);
  });

  it('reads a zip64 central directory and zip64 member sizes and offsets', async () => {
    const archive = zipArchive(members(8), { zip64: true });
    expect(await rows(archive, 7)).toEqual(EXPECTED_ROWS);
    const { members: listed } = await readZipDirectory(memorySource(archive));
    expect(listed.map((member) => member.name)).toEqual(['x.npy', 'mask.npy']);
  });

  it('takes one array of any name (numpy default arr_0) for a one-input model', async () => {
    const images = encodeNpy({
      dtype: 'float32',
      shape: [2, 1, 4, 4],
      data: Float32Array.from({ length: 32 }, (_, i) => i),
    });
    const archive = zipArchive([{ name: 'arr_0.npy', data: images, method: 8 }]);
    const records = (await collect((await open(archive, BATCHED)).reader)).map(good);
    expect(records.map((record) => record.inputs[0]!.shape)).toEqual([
      [1, 4, 4],
      [1, 4, 4],
    ]);
    expect(elements(records[1]!.inputs[0]!.data)[0]).toBe(16);
  });

  it('fails on a CRC mismatch once the member has streamed', async () => {
    const specs = members(0);
    specs[1] = { ...specs[1]!, crc: 0x12345678 };
    const { reader } = await open(zipArchive(specs), TWO_INPUTS, 7);
    const error = await mindletError(() => collect(reader));
    expect(error.code).toBe('INVALID_FORMAT');
    expect(error.message).toBe(`${URI}: member "mask.npy": CRC-32 mismatch (corrupted)`);
  });

  it('fails on corrupt deflate data', async () => {
    const archive = zipArchive(members(8));
    const dataStart = 30 + 'x.npy'.length;
    const invalidBlock = archive.slice();
    invalidBlock[dataStart] = 0xff; // block type 3, which deflate reserves
    const error = await mindletError(async () => collect((await open(invalidBlock)).reader));
    expect(error.code).toBe('INVALID_FORMAT');
    expect(error.message).toBe(`${URI}: member "x.npy": bad deflate data`);
    const garbled = archive.slice();
    garbled.fill(0xff, dataStart + 20, dataStart + 40);
    const garbledError = await mindletError(async () => collect((await open(garbled)).reader));
    expect(garbledError.code).toBe('INVALID_FORMAT');
    expect(garbledError.message).toMatch(
      /member "x.npy": (bad deflate data|more than the 176 bytes|CRC-32|\d+ bytes, the)/,
    );
  });

  it.each<[string, Uint8Array, string, RegExp]>([
    [
      'a missing and an extra array',
      zipArchive(members(0, { x: X, other: MASK })),
      'INVALID_ARGUMENT',
      /the archive holds "x", "other"; the model takes inputs x, mask \(missing mask; not model inputs: "other"\)/,
    ],
    [
      'arrays of different lengths',
      zipArchive(members(0, { x: X, mask: { ...MASK, shape: [2, 2], data: MASK.data.subarray(0, 4) } })),
      'INVALID_ARGUMENT',
      /different first-axis lengths \(x.npy 4, mask.npy 2\)/,
    ],
    [
      'another dtype',
      zipArchive(members(0, { x: X, mask: { ...X, shape: [6, 2] } })),
      'INVALID_ARGUMENT',
      /mask.npy: the array holds float32/,
    ],
    [
      'an array named twice',
      zipArchive([...members(0), { name: 'x', data: encodeNpy(X) }]),
      'INVALID_FORMAT',
      /array "x" appears twice/,
    ],
    [
      'a member shorter than its header says',
      zipArchive([members(0)[0]!, { name: 'mask.npy', data: encodeNpy(MASK).subarray(0, 150) }]),
      'INVALID_FORMAT',
      /mask.npy: the header says 4 records of 16 bytes/,
    ],
    ['not a zip', encodeNpy(X), 'INVALID_FORMAT', /not a zip archive/],
    ['a cut-off archive', zipArchive(members(0)).subarray(0, 300), 'INVALID_FORMAT', /not a zip archive/],
    [
      'a compression method other than stored and deflate',
      zipArchive([{ ...members(0)[0]!, method: 12 }]),
      'UNSUPPORTED',
      /compression method 12/,
    ],
  ])('refuses %s as a whole object', async (_, bytes, code, message) => {
    const error = await mindletError(() => open(bytes));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(URI)).toBe(true);
  });
});

describe('.npz writer', () => {
  const model = { name: 'm', version: '1' };
  const f32 = (values: number[]): Tensor => ({
    dtype: 'float32',
    shape: [values.length],
    data: Float32Array.from(values),
  });
  const logits = (base: number) => f32(Array.from({ length: 10 }, (_, i) => base + i));
  let tmp: string;
  let savedTmpdir: string | undefined;

  // os.tmpdir() follows TMPDIR, so spool files land where this test can see them all.
  beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'npz-writer-test-'));
    savedTmpdir = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
  });
  afterEach(() => {
    if (savedTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmpdir;
    rmSync(tmp, { recursive: true, force: true });
  });

  const records: OutputRecord[] = [
    { index: 0, outputs: [logits(0), f32([1, 2, 3])] },
    { index: 1, error: 'record 1: bad' },
    { index: 2, outputs: [logits(20), f32([4, 5, 6])] },
  ];

  it('writes one stored member per output, round-tripping through decodeNpz, failed records as NaN rows', async () => {
    const sink = new MemorySink('s3://bucket/out/batch.npz');
    const writer = await NPZ_CODEC.openWriter(sink, BATCHED, { total: 3, model });
    for (const record of records) await writer.write(record);
    expect(readdirSync(tmp)).toHaveLength(1); // the spool directory
    await writer.finish();
    expect(sink.closed).toBe(true);
    expect(readdirSync(tmp)).toEqual([]);
    const arrays = decodeNpz(sink.bytes());
    expect([...arrays.keys()]).toEqual(['logits', 'box']);
    expect(arrays.get('logits')!.shape).toEqual([3, 10]);
    const box = elements(arrays.get('box')!.data) as number[];
    expect(box.slice(0, 3)).toEqual([1, 2, 3]);
    expect(box.slice(3, 6).every(Number.isNaN)).toBe(true);
    expect(box.slice(6)).toEqual([4, 5, 6]);
    expect(NPZ_CODEC.outputName('a/b.npz', BATCHED)).toBe('a/b.npz');
  });

  async function zip64Archive(): Promise<Uint8Array> {
    const sink = new MemorySink('memory://out.npz');
    const writer = await openNpzWriter(sink, BATCHED, 3, { forceZip64: true });
    for (const record of records) await writer.write(record);
    await writer.finish();
    return sink.bytes();
  }

  it('writes zip64 records where asked, which its reader reads back', async () => {
    const archive = await zip64Archive();
    const source = memorySource(archive);
    const directory = await readZipDirectory(source);
    const member = directory.members[1]!;
    expect(member.name).toBe('box.npy');
    const parts: Uint8Array[] = [];
    const start = await memberDataStart(source, member, directory.directoryOffset);
    for await (const chunk of memberBytes(source, member, start)) parts.push(chunk);
    expect(decodeNpy(Buffer.concat(parts)).shape).toEqual([3, 3]);
  });

  it.skipIf(!hasNumpy)('writes zip64 records that numpy reads back', async () => {
    const file = path.join(tmp, 'zip64.npz');
    writeFileSync(file, await zip64Archive());
    const script = `import numpy as np, zipfile, sys
z = np.load(sys.argv[1])
info = zipfile.ZipFile(sys.argv[1]).infolist()
print(z['logits'].shape, z['box'][2].tolist(), info[0].file_size > 0)`;
    const out = execFileSync('python3', ['-c', script, file], { encoding: 'utf8' });
    expect(out.trim()).toBe('(3, 10) [4.0, 5.0, 6.0] True');
  });

  it('removes its spool files on abort, and aborts the sink', async () => {
    const sink = new MemorySink();
    const writer = await NPZ_CODEC.openWriter(sink, BATCHED, { total: 3, model });
    await writer.write(records[0]!);
    const [spool] = readdirSync(tmp);
    expect(readdirSync(path.join(tmp, spool!))).toHaveLength(2);
    await writer.abort(new Error('stop'));
    await writer.abort(new Error('again'));
    expect(readdirSync(tmp)).toEqual([]);
    expect(sink.aborted).toBe(true);
    expect(sink.closed).toBe(false);
  });

  it('removes its spool files when finish fails', async () => {
    const writer = await NPZ_CODEC.openWriter(new MemorySink(), BATCHED, { total: 3, model });
    await writer.write(records[0]!);
    expect((await mindletError(() => writer.finish())).message).toMatch(/1 results were written for 3/);
    expect(readdirSync(tmp)).toEqual([]);
  });
});
