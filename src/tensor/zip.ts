/**
 * Minimal zip archives, as numpy's `.npz` uses them: reading stored and deflated members through the central
 * directory, and writing stored members. No zip64, no encryption, no multi-disk archives: those fail clearly.
 */
import { crc32, inflateRawSync } from 'node:zlib';
import { MindletError } from '../errors.js';

/** One member of an archive: its name as written and its uncompressed bytes. */
export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

export interface ZipReadOptions {
  /** Most uncompressed bytes all members may hold together (guards against deflate bombs). Default 2 GiB. */
  maxTotalBytes?: number;
}

export const EOCD_SIGNATURE = 0x06054b50;
export const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
// Zip64 records (read and written by the streaming .npz codec in src/batch/formats).
export const ZIP64_END_SIGNATURE = 0x06064b50;
export const ZIP64_END_SIZE = 56;
export const ZIP64_LOCATOR_SIZE = 20;
export const ZIP64_EXTRA_ID = 0x0001;
export const CENTRAL_SIGNATURE = 0x02014b50;
export const LOCAL_SIGNATURE = 0x04034b50;
export const EOCD_SIZE = 22;
export const CENTRAL_SIZE = 46;
export const LOCAL_SIZE = 30;
export const MAX_COMMENT = 0xffff;
const DEFAULT_MAX_TOTAL = 2 * 1024 ** 3;
export const METHOD_STORED = 0;
export const METHOD_DEFLATE = 8;
export const FLAG_ENCRYPTED = 0x1;
export const FLAG_UTF8 = 0x800;

/** Reads every member of a zip archive; directories (names ending in '/') are skipped. */
export function readZip(bytes: Uint8Array, label = 'zip archive', options: ZipReadOptions = {}): ZipEntry[] {
  const fail = (message: string) => new MindletError('INVALID_FORMAT', message, { file: label });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = findEndOfCentralDirectory(view);
  if (eocd < 0) throw fail('not a zip archive (no end of central directory record)');
  if (eocd >= 20 && view.getUint32(eocd - 20, true) === ZIP64_LOCATOR_SIGNATURE)
    throw new MindletError('UNSUPPORTED', 'zip64 archives are not supported (archive over 4 GiB or 65535 members)', {
      file: label,
    });
  const disk = view.getUint16(eocd + 4, true);
  const centralDisk = view.getUint16(eocd + 6, true);
  const count = view.getUint16(eocd + 10, true);
  const centralSize = view.getUint32(eocd + 12, true);
  const centralOffset = view.getUint32(eocd + 16, true);
  if (disk !== 0 || centralDisk !== 0 || view.getUint16(eocd + 8, true) !== count)
    throw new MindletError('UNSUPPORTED', 'multi-disk zip archives are not supported', { file: label });
  if (count === 0xffff || centralSize === 0xffffffff || centralOffset === 0xffffffff)
    throw new MindletError('UNSUPPORTED', 'zip64 archives are not supported', { file: label });
  if (centralOffset + centralSize > eocd) throw fail('central directory lies outside the archive (truncated?)');

  const maxTotal = options.maxTotalBytes ?? DEFAULT_MAX_TOTAL;
  let total = 0;
  const entries: ZipEntry[] = [];
  let at = centralOffset;
  for (let index = 0; index < count; index++) {
    if (at + CENTRAL_SIZE > centralOffset + centralSize || view.getUint32(at, true) !== CENTRAL_SIGNATURE)
      throw fail(`central directory entry ${index} is damaged`);
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    const compressedSize = view.getUint32(at + 20, true);
    const size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const localOffset = view.getUint32(at + 42, true);
    const next = at + CENTRAL_SIZE + nameLength + extraLength + commentLength;
    if (next > centralOffset + centralSize) throw fail(`central directory entry ${index} is damaged`);
    const name = decodeName(bytes.subarray(at + CENTRAL_SIZE, at + CENTRAL_SIZE + nameLength), flags);
    at = next;
    const where = `member ${JSON.stringify(name)}`;
    if (compressedSize === 0xffffffff || size === 0xffffffff || localOffset === 0xffffffff)
      throw new MindletError('UNSUPPORTED', `${where}: zip64 members are not supported`, { file: label });
    if (flags & FLAG_ENCRYPTED)
      throw new MindletError('UNSUPPORTED', `${where}: encrypted zip members are not supported`, { file: label });
    if (name.endsWith('/')) continue;
    if (method !== METHOD_STORED && method !== METHOD_DEFLATE)
      throw new MindletError('UNSUPPORTED', `${where}: compression method ${method} (only stored and deflate)`, {
        file: label,
      });
    total += size;
    if (total > maxTotal)
      throw new MindletError('LIMIT_EXCEEDED', `members hold more than ${maxTotal} bytes uncompressed`, {
        file: label,
      });

    if (localOffset + LOCAL_SIZE > centralOffset || view.getUint32(localOffset, true) !== LOCAL_SIGNATURE)
      throw fail(`${where}: local header is missing or damaged`);
    const start =
      localOffset + LOCAL_SIZE + view.getUint16(localOffset + 26, true) + view.getUint16(localOffset + 28, true);
    if (start + compressedSize > centralOffset) throw fail(`${where}: data runs past the archive (truncated?)`);
    const stored = bytes.subarray(start, start + compressedSize);
    const data = method === METHOD_STORED ? stored : inflate(stored, size, where, label);
    if (data.length !== size) throw fail(`${where}: ${data.length} bytes, the directory says ${size}`);
    if (crc32(data) !== crc) throw fail(`${where}: CRC-32 mismatch (corrupted)`);
    entries.push({ name, data });
  }
  return entries;
}

/** Writes members uncompressed ("stored"), as `numpy.savez` does. */
export function writeZip(entries: readonly ZipEntry[], label = 'zip archive'): Uint8Array {
  const encoder = new TextEncoder();
  const names = entries.map((entry) => encoder.encode(entry.name));
  let localSize = 0;
  for (const [index, entry] of entries.entries()) localSize += LOCAL_SIZE + names[index]!.length + entry.data.length;
  const centralSize = names.reduce((sum, name) => sum + CENTRAL_SIZE + name.length, 0);
  if (entries.length >= 0xffff || localSize + centralSize >= 0xffffffff)
    throw new MindletError('LIMIT_EXCEEDED', 'archive would need zip64 (over 4 GiB or 65535 members)', {
      file: label,
    });
  for (const name of names)
    if (name.length > 0xffff)
      throw new MindletError('INVALID_ARGUMENT', 'member name longer than 65535 bytes', { file: label });

  const out = new Uint8Array(localSize + centralSize + EOCD_SIZE);
  const view = new DataView(out.buffer);
  const offsets: number[] = [];
  const crcs: number[] = [];
  let at = 0;
  for (const [index, entry] of entries.entries()) {
    const name = names[index]!;
    const crc = crc32(entry.data);
    offsets.push(at);
    crcs.push(crc);
    view.setUint32(at, LOCAL_SIGNATURE, true);
    writeCommonHeader(view, at + 4, name, crc, entry.data.length);
    view.setUint16(at + 26, name.length, true);
    view.setUint16(at + 28, 0, true);
    out.set(name, at + LOCAL_SIZE);
    out.set(entry.data, at + LOCAL_SIZE + name.length);
    at += LOCAL_SIZE + name.length + entry.data.length;
  }
  const centralOffset = at;
  for (const [index, entry] of entries.entries()) {
    const name = names[index]!;
    view.setUint32(at, CENTRAL_SIGNATURE, true);
    view.setUint16(at + 4, 20, true); // made by: version 2.0, MS-DOS attributes
    writeCommonHeader(view, at + 6, name, crcs[index]!, entry.data.length);
    view.setUint16(at + 28, name.length, true);
    // extra length, comment length, disk, internal and external attributes stay zero
    view.setUint32(at + 42, offsets[index]!, true);
    out.set(name, at + CENTRAL_SIZE);
    at += CENTRAL_SIZE + name.length;
  }
  view.setUint32(at, EOCD_SIGNATURE, true);
  view.setUint16(at + 8, entries.length, true);
  view.setUint16(at + 10, entries.length, true);
  view.setUint32(at + 12, centralSize, true);
  view.setUint32(at + 16, centralOffset, true);
  return out;
}

/** Fields shared by local and central headers, from "version needed" to the uncompressed size. */
function writeCommonHeader(view: DataView, at: number, name: Uint8Array, crc: number, size: number): void {
  view.setUint16(at, 20, true); // version needed: 2.0
  view.setUint16(at + 2, name.some((byte) => byte > 0x7f) ? FLAG_UTF8 : 0, true);
  view.setUint16(at + 4, METHOD_STORED, true);
  view.setUint16(at + 6, 0, true); // time 00:00:00: fixed so equal inputs give equal archives
  view.setUint16(at + 8, (0 << 9) | (1 << 5) | 1, true); // date 1980-01-01
  view.setUint32(at + 10, crc, true);
  view.setUint32(at + 14, size, true);
  view.setUint32(at + 18, size, true);
}

/**
 * Offset in `view` of the end of central directory record, or -1. `view` must end where the archive ends (a tail
 * of at most EOCD_SIZE + MAX_COMMENT bytes is enough).
 */
export function findEndOfCentralDirectory(view: DataView): number {
  const last = view.byteLength - EOCD_SIZE;
  const first = Math.max(0, last - MAX_COMMENT);
  for (let at = last; at >= first; at--) {
    // The comment length must reach exactly to the end, which rules out a signature inside member data.
    if (
      view.getUint32(at, true) === EOCD_SIGNATURE &&
      at + EOCD_SIZE + view.getUint16(at + 20, true) === view.byteLength
    )
      return at;
  }
  return -1;
}

/** A member name as stored: UTF-8 when the flag says so, else byte for byte. */
export function decodeName(raw: Uint8Array, flags: number): string {
  // Names without the UTF-8 flag are CP437 by the spec; numpy writes ASCII, so latin1 keeps bytes 1:1 for the rest.
  return flags & FLAG_UTF8 ? new TextDecoder('utf-8').decode(raw) : Buffer.from(raw).toString('latin1');
}

function inflate(stored: Uint8Array, size: number, where: string, label: string): Uint8Array {
  try {
    // maxOutputLength stops a member that inflates past its declared size before it fills memory.
    return inflateRawSync(stored, { maxOutputLength: Math.max(size, 1) });
  } catch (error) {
    const reason =
      (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE'
        ? 'inflates past its declared size'
        : 'bad deflate data';
    throw new MindletError('INVALID_FORMAT', `${where}: ${reason}`, { file: label, cause: error });
  }
}
