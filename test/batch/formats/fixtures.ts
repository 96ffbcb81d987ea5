/** Signatures, file builders and helpers shared by the batch format tests. */
import { crc32, deflateRawSync } from 'node:zlib';
import type { BatchSignature, InputRecord, RecordReader } from '../../../src/batch/types.js';
import { MindletError } from '../../../src/errors.js';
import type { TensorData } from '../../../src/tensor/types.js';

/** One float32 image input per sample, two outputs: the shape of a small classifier with a box head. */
export const BATCHED: BatchSignature = {
  inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 1, 4, 4] }],
  outputs: [
    { name: 'logits', dtype: 'float32', shape: [-1, 10] },
    { name: 'box', dtype: 'float32', shape: [-1, 3] },
  ],
  batched: true,
};

export const ONE_OUTPUT: BatchSignature = { ...BATCHED, outputs: [BATCHED.outputs[0]!] };

/** Two inputs of different dtypes, no batch dimension: each record is one whole set of inputs. */
export const UNBATCHED: BatchSignature = {
  inputs: [
    { name: 'a', dtype: 'int32', shape: [2, 3] },
    { name: 'b', dtype: 'float32', shape: [4] },
  ],
  outputs: [{ name: 'y', dtype: 'float32', shape: [2] }],
  batched: false,
};

/** Two batched inputs, for .npz archives of several arrays. */
export const TWO_INPUTS: BatchSignature = {
  inputs: [
    { name: 'x', dtype: 'float32', shape: [-1, 3] },
    { name: 'mask', dtype: 'int64', shape: [-1, 2] },
  ],
  outputs: [{ name: 'y', dtype: 'float32', shape: [-1, 2] }],
  batched: true,
};

export async function collect(reader: RecordReader): Promise<InputRecord[]> {
  const records: InputRecord[] = [];
  for await (const record of reader) records.push(record);
  return records;
}

/** Records as plain values, so records read in different chunkings can be compared with toEqual. */
export function plain(records: readonly InputRecord[]): unknown[] {
  return records.map((record) =>
    'error' in record
      ? record
      : {
          ...record,
          inputs: record.inputs.map((tensor) => ({ ...tensor, data: elements(tensor.data) })),
        },
  );
}

export function elements(data: TensorData): Array<number | bigint> {
  return Array.from(data as ArrayLike<number | bigint>);
}

/** The MindletError an async action throws (fails the test when it throws anything else, or nothing). */
export async function mindletError(action: () => Promise<unknown>): Promise<MindletError> {
  try {
    await action();
  } catch (error) {
    if (error instanceof MindletError) return error;
    throw new Error(`expected a MindletError, got ${String(error)}`);
  }
  throw new Error('expected a MindletError, nothing was thrown');
}

const MAGIC = [0x93, ...Buffer.from('NUMPY')];

/** A .npy file from its parts as the format spec lays them out: magic, version, header length, header, data. */
export function npyFile(header: string, data: Uint8Array, version: 1 | 2 | 3 = 1): Uint8Array {
  const text = Buffer.from(header, version === 3 ? 'utf8' : 'latin1');
  const length = Buffer.alloc(version === 1 ? 2 : 4);
  if (version === 1) length.writeUInt16LE(text.length);
  else length.writeUInt32LE(text.length);
  return new Uint8Array(Buffer.concat([Buffer.from([...MAGIC, version, 0]), length, text, Buffer.from(data)]));
}

export function npyDict(descr: string, shape: readonly number[], fortran = false): string {
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  return `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${tuple}, }\n`;
}

export function bytesOf(data: TensorData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export interface ZipMemberSpec {
  name: string;
  data: Uint8Array;
  /** 0 stored (default), 8 deflate. */
  method?: number;
  /** A CRC to declare instead of the real one. */
  crc?: number;
}

/**
 * A zip archive per APPNOTE, built here from the spec rather than by the code under test. With `zip64`, every size
 * and offset goes through zip64 extra fields and the end records (as a writer does for archives over 4 GiB).
 */
export function zipArchive(members: readonly ZipMemberSpec[], options: { zip64?: boolean } = {}): Uint8Array {
  const zip64 = options.zip64 ?? false;
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const member of members) {
    const method = member.method ?? 0;
    const body = method === 8 ? deflateRawSync(member.data) : Buffer.from(member.data);
    const name = Buffer.from(member.name);
    const crc = member.crc ?? crc32(member.data);
    const localExtra = zip64 ? Buffer.alloc(20) : Buffer.alloc(0);
    if (zip64) {
      localExtra.writeUInt16LE(1, 0);
      localExtra.writeUInt16LE(16, 2);
      localExtra.writeBigUInt64LE(BigInt(member.data.length), 4);
      localExtra.writeBigUInt64LE(BigInt(body.length), 12);
    }
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(zip64 ? 45 : 20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(zip64 ? 0xffffffff : body.length, 18);
    local.writeUInt32LE(zip64 ? 0xffffffff : member.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(localExtra.length, 28);
    locals.push(local, name, localExtra, body);

    const centralExtra = zip64 ? Buffer.alloc(28) : Buffer.alloc(0);
    if (zip64) {
      centralExtra.writeUInt16LE(1, 0);
      centralExtra.writeUInt16LE(24, 2);
      centralExtra.writeBigUInt64LE(BigInt(member.data.length), 4);
      centralExtra.writeBigUInt64LE(BigInt(body.length), 12);
      centralExtra.writeBigUInt64LE(BigInt(offset), 20);
    }
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(zip64 ? 45 : 20, 4);
    central.writeUInt16LE(zip64 ? 45 : 20, 6);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(zip64 ? 0xffffffff : body.length, 20);
    central.writeUInt32LE(zip64 ? 0xffffffff : member.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(centralExtra.length, 30);
    central.writeUInt32LE(zip64 ? 0xffffffff : offset, 42);
    centrals.push(central, name, centralExtra);
    offset += local.length + name.length + localExtra.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const tail: Buffer[] = [];
  if (zip64) {
    const end64 = Buffer.alloc(56);
    end64.writeUInt32LE(0x06064b50, 0);
    end64.writeBigUInt64LE(44n, 4);
    end64.writeUInt16LE(45, 12);
    end64.writeUInt16LE(45, 14);
    end64.writeBigUInt64LE(BigInt(members.length), 24);
    end64.writeBigUInt64LE(BigInt(members.length), 32);
    end64.writeBigUInt64LE(BigInt(directory.length), 40);
    end64.writeBigUInt64LE(BigInt(offset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(offset + directory.length), 8);
    locator.writeUInt32LE(1, 16);
    tail.push(end64, locator);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(zip64 ? 0xffff : members.length, 8);
  end.writeUInt16LE(zip64 ? 0xffff : members.length, 10);
  end.writeUInt32LE(zip64 ? 0xffffffff : directory.length, 12);
  end.writeUInt32LE(zip64 ? 0xffffffff : offset, 16);
  return new Uint8Array(Buffer.concat([...locals, directory, ...tail, end]));
}
