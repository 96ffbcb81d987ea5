/**
 * A zip archive read with ranged reads only, as a `.npz` in object storage must be: the end records from the tail,
 * the central directory (zip64 included, bounded), each member's local header, then each member's bytes streamed,
 * inflated as they come (deflate) and checked against their size and CRC-32 at the end.
 */
import { Readable } from 'node:stream';
import { crc32, createInflateRaw } from 'node:zlib';
import { MindletError } from '../../errors.js';
import {
  CENTRAL_SIGNATURE,
  CENTRAL_SIZE,
  decodeName,
  EOCD_SIZE,
  FLAG_ENCRYPTED,
  findEndOfCentralDirectory,
  LOCAL_SIGNATURE,
  LOCAL_SIZE,
  MAX_COMMENT,
  METHOD_DEFLATE,
  METHOD_STORED,
  ZIP64_END_SIGNATURE,
  ZIP64_END_SIZE,
  ZIP64_EXTRA_ID,
  ZIP64_LOCATOR_SIGNATURE,
  ZIP64_LOCATOR_SIZE,
} from '../../tensor/zip.js';
import type { ByteSource } from '../types.js';

const MAX_ENTRIES = 0xffff;
const MAX_DIRECTORY_BYTES = 16 * 1024 * 1024;

/** One member as the central directory describes it. */
export interface ZipMember {
  name: string;
  method: typeof METHOD_STORED | typeof METHOD_DEFLATE;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/** The archive's members (directories left out), in directory order, and where the central directory starts. */
export interface ZipDirectory {
  members: ZipMember[];
  directoryOffset: number;
}

export async function readZipDirectory(source: ByteSource): Promise<ZipDirectory> {
  const label = source.uri;
  const fail = (message: string) => new MindletError('INVALID_FORMAT', message, { file: label });
  const unsupported = (message: string) => new MindletError('UNSUPPORTED', message, { file: label });
  if (source.size < EOCD_SIZE) throw fail(`not a zip archive (${source.size} bytes)`);
  const tailStart = Math.max(0, source.size - (EOCD_SIZE + MAX_COMMENT + ZIP64_LOCATOR_SIZE));
  const tail = await source.read(tailStart, source.size);
  const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  const eocd = findEndOfCentralDirectory(view);
  if (eocd < 0) throw fail('not a zip archive (no end of central directory record)');
  if (view.getUint16(eocd + 4, true) !== 0 || view.getUint16(eocd + 6, true) !== 0)
    throw unsupported('multi-disk zip archives are not supported');

  let count = view.getUint16(eocd + 10, true);
  let directorySize = view.getUint32(eocd + 12, true);
  let directoryOffset = view.getUint32(eocd + 16, true);
  // The central directory must end before whatever record follows it.
  let directoryLimit = tailStart + eocd;
  const locator = eocd - ZIP64_LOCATOR_SIZE;
  if (locator >= 0 && view.getUint32(locator, true) === ZIP64_LOCATOR_SIGNATURE) {
    if (view.getUint32(locator + 4, true) !== 0 || view.getUint32(locator + 16, true) > 1)
      throw unsupported('multi-disk zip archives are not supported');
    const endOffset = safeNumber(view.getBigUint64(locator + 8, true), 'zip64 end record offset', label);
    if (endOffset + ZIP64_END_SIZE > tailStart + locator) throw fail('zip64 end record lies outside the archive');
    const end = await source.read(endOffset, endOffset + ZIP64_END_SIZE);
    const endView = new DataView(end.buffer, end.byteOffset, end.byteLength);
    if (endView.getUint32(0, true) !== ZIP64_END_SIGNATURE) throw fail('zip64 end record is missing or damaged');
    if (endView.getUint32(16, true) !== 0 || endView.getUint32(20, true) !== 0)
      throw unsupported('multi-disk zip archives are not supported');
    const onDisk = endView.getBigUint64(24, true);
    const entries = endView.getBigUint64(32, true);
    if (onDisk !== entries) throw unsupported('multi-disk zip archives are not supported');
    if (entries > BigInt(MAX_ENTRIES))
      throw new MindletError('LIMIT_EXCEEDED', `${entries} zip members (at most ${MAX_ENTRIES})`, { file: label });
    count = Number(entries);
    directorySize = safeNumber(endView.getBigUint64(40, true), 'central directory size', label);
    directoryOffset = safeNumber(endView.getBigUint64(48, true), 'central directory offset', label);
    directoryLimit = endOffset;
  } else {
    if (view.getUint16(eocd + 8, true) !== count) throw unsupported('multi-disk zip archives are not supported');
    if (directorySize === 0xffffffff || directoryOffset === 0xffffffff)
      throw fail('the end record points to zip64 fields, but there is no zip64 locator');
  }
  if (directorySize > MAX_DIRECTORY_BYTES)
    throw new MindletError(
      'LIMIT_EXCEEDED',
      `central directory of ${directorySize} bytes (at most ${MAX_DIRECTORY_BYTES})`,
      { file: label },
    );
  if (directoryOffset + directorySize > directoryLimit)
    throw fail('central directory lies outside the archive (truncated?)');
  const directory =
    directoryOffset >= tailStart
      ? tail.subarray(directoryOffset - tailStart, directoryOffset - tailStart + directorySize)
      : await source.read(directoryOffset, directoryOffset + directorySize);
  return { members: parseDirectory(directory, count, directoryOffset, label), directoryOffset };
}

function parseDirectory(directory: Uint8Array, count: number, directoryOffset: number, label: string): ZipMember[] {
  const fail = (message: string) => new MindletError('INVALID_FORMAT', message, { file: label });
  const view = new DataView(directory.buffer, directory.byteOffset, directory.byteLength);
  const members: ZipMember[] = [];
  let at = 0;
  for (let index = 0; index < count; index++) {
    if (at + CENTRAL_SIZE > directory.length || view.getUint32(at, true) !== CENTRAL_SIGNATURE)
      throw fail(`central directory entry ${index} is damaged`);
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    let compressedSize = view.getUint32(at + 20, true);
    let size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    let localOffset = view.getUint32(at + 42, true);
    const extraStart = at + CENTRAL_SIZE + nameLength;
    const next = extraStart + extraLength + commentLength;
    if (next > directory.length) throw fail(`central directory entry ${index} is damaged`);
    const name = decodeName(directory.subarray(at + CENTRAL_SIZE, extraStart), flags);
    const where = `member ${JSON.stringify(name)}`;
    if (size === 0xffffffff || compressedSize === 0xffffffff || localOffset === 0xffffffff) {
      // zip64: the extra field holds, in this order, only the values whose 32-bit field is all ones.
      const extra = zip64Extra(view, extraStart, extraStart + extraLength);
      let field = 0;
      const take = (what: string): number => {
        if (!extra || field + 8 > extra.length) throw fail(`${where}: the zip64 extra field has no ${what}`);
        const value = view.getBigUint64(extra.start + field, true);
        field += 8;
        return safeNumber(value, `${where} ${what}`, label);
      };
      if (size === 0xffffffff) size = take('size');
      if (compressedSize === 0xffffffff) compressedSize = take('compressed size');
      if (localOffset === 0xffffffff) localOffset = take('local header offset');
    }
    at = next;
    if (name.endsWith('/')) continue;
    if (flags & FLAG_ENCRYPTED)
      throw new MindletError('UNSUPPORTED', `${where}: encrypted zip members are not supported`, { file: label });
    if (method !== METHOD_STORED && method !== METHOD_DEFLATE)
      throw new MindletError('UNSUPPORTED', `${where}: compression method ${method} (only stored and deflate)`, {
        file: label,
      });
    if (method === METHOD_STORED && compressedSize !== size)
      throw fail(`${where}: stored with ${compressedSize} bytes, the directory says ${size}`);
    if (localOffset + LOCAL_SIZE > directoryOffset) throw fail(`${where}: local header lies outside the archive`);
    members.push({ name, method, crc, compressedSize, size, localOffset });
  }
  return members;
}

/** Where the zip64 extended-information field's data lies in an extra block, if it has one. */
function zip64Extra(view: DataView, start: number, end: number): { start: number; length: number } | undefined {
  for (let at = start; at + 4 <= end; ) {
    const id = view.getUint16(at, true);
    const length = view.getUint16(at + 2, true);
    if (at + 4 + length > end) return undefined;
    if (id === ZIP64_EXTRA_ID) return { start: at + 4, length };
    at += 4 + length;
  }
  return undefined;
}

function safeNumber(value: bigint, what: string, label: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER))
    throw new MindletError('INVALID_FORMAT', `${what} ${value} is beyond any object's size`, { file: label });
  return Number(value);
}

/** Where a member's data starts: after its local header, whose name and extra lengths may differ from the directory's. */
export async function memberDataStart(source: ByteSource, member: ZipMember, directoryOffset: number): Promise<number> {
  const where = `member ${JSON.stringify(member.name)}`;
  const local = await source.read(member.localOffset, member.localOffset + LOCAL_SIZE);
  const view = new DataView(local.buffer, local.byteOffset, local.byteLength);
  if (view.getUint32(0, true) !== LOCAL_SIGNATURE)
    throw new MindletError('INVALID_FORMAT', `${where}: local header is missing or damaged`, { file: source.uri });
  const start = member.localOffset + LOCAL_SIZE + view.getUint16(26, true) + view.getUint16(28, true);
  if (start + member.compressedSize > directoryOffset)
    throw new MindletError('INVALID_FORMAT', `${where}: data runs past the archive (truncated?)`, {
      file: source.uri,
    });
  return start;
}

/**
 * A member's uncompressed bytes, streamed. At the end the byte count and CRC-32 are checked (INVALID_FORMAT on a
 * mismatch), so a consumer that reads to the end has verified data; `onBytes` counts the archive bytes read.
 */
export async function* memberBytes(
  source: ByteSource,
  member: ZipMember,
  dataStart: number,
  onBytes: (bytes: number) => void = () => {},
): AsyncGenerator<Uint8Array> {
  const label = source.uri;
  const where = `member ${JSON.stringify(member.name)}`;
  const counted = async function* (): AsyncGenerator<Uint8Array> {
    if (member.compressedSize === 0) return;
    for await (const chunk of source.stream(dataStart, dataStart + member.compressedSize)) {
      onBytes(chunk.length);
      yield chunk;
    }
  };
  let produced = 0;
  let crc = 0;
  const chunks = member.method === METHOD_STORED ? counted() : inflated(counted(), where, label);
  for await (const chunk of chunks) {
    produced += chunk.length;
    // Checked per chunk, so a member inflating far past its size (a deflate bomb) stops within one chunk.
    if (produced > member.size)
      throw new MindletError('INVALID_FORMAT', `${where}: more than the ${member.size} bytes the directory says`, {
        file: label,
      });
    crc = crc32(chunk, crc);
    yield chunk;
  }
  if (produced !== member.size)
    throw new MindletError('INVALID_FORMAT', `${where}: ${produced} bytes, the directory says ${member.size}`, {
      file: label,
    });
  if (crc >>> 0 !== member.crc >>> 0)
    throw new MindletError('INVALID_FORMAT', `${where}: CRC-32 mismatch (corrupted)`, { file: label });
}

/** Raw deflate → bytes, through zlib's streaming inflater (bounded by its buffers, whatever the member's size). */
async function* inflated(compressed: AsyncIterable<Uint8Array>, where: string, label: string): AsyncGenerator<Buffer> {
  const inflater = createInflateRaw();
  const input = Readable.from(compressed);
  let sourceError: unknown;
  input.once('error', (error) => {
    sourceError = error;
    inflater.destroy(error);
  });
  input.pipe(inflater);
  try {
    for await (const chunk of inflater) yield chunk as Buffer;
  } catch (error) {
    // The object's own errors (a broken connection, the object changing) pass through as they are.
    if (sourceError !== undefined && error === sourceError) throw error;
    throw new MindletError('INVALID_FORMAT', `${where}: bad deflate data`, { file: label, cause: error });
  } finally {
    input.destroy();
    inflater.destroy();
  }
}
