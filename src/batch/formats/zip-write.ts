/**
 * A zip archive of stored (uncompressed) members written front to back, as `numpy.savez` lays it out: each local
 * header with its data, then the central directory and the end records. Zip64 records are added exactly where a
 * size, an offset or the member count needs them.
 */
import {
  CENTRAL_SIGNATURE,
  CENTRAL_SIZE,
  EOCD_SIGNATURE,
  EOCD_SIZE,
  FLAG_UTF8,
  LOCAL_SIGNATURE,
  LOCAL_SIZE,
  METHOD_STORED,
  ZIP64_END_SIGNATURE,
  ZIP64_END_SIZE,
  ZIP64_EXTRA_ID,
  ZIP64_LOCATOR_SIGNATURE,
  ZIP64_LOCATOR_SIZE,
} from '../../tensor/zip.js';
import type { BufferedSink } from './buffered-sink.js';

const MAX_32 = 0xffffffff;
const MAX_16 = 0xffff;
const VERSION_DEFAULT = 20; // 2.0: deflate and folders
const VERSION_ZIP64 = 45; // 4.5: zip64
const DOS_DATE_1980 = (0 << 9) | (1 << 5) | 1; // 1980-01-01, fixed so equal results give equal archives

/** A member to store: its size and CRC-32 known up front (it was spooled), its bytes streamed when its turn comes. */
export interface StoredMember {
  name: string;
  size: number;
  crc: number;
  data(): AsyncIterable<Uint8Array>;
}

export interface ZipWriteOptions {
  /** Write zip64 records even where nothing needs them (so readers' zip64 paths can be tested on small archives). */
  forceZip64?: boolean;
}

export async function writeStoredZip(
  out: BufferedSink,
  members: readonly StoredMember[],
  options: ZipWriteOptions = {},
): Promise<void> {
  const force = options.forceZip64 ?? false;
  const encoder = new TextEncoder();
  const written: Array<{ name: Uint8Array; member: StoredMember; offset: number }> = [];
  for (const member of members) {
    const name = encoder.encode(member.name);
    const offset = out.bytes;
    await out.write(localHeader(name, member, force || member.size >= MAX_32));
    let size = 0;
    for await (const chunk of member.data()) {
      size += chunk.length;
      await out.write(chunk);
    }
    if (size !== member.size)
      throw new Error(`zip member ${member.name}: ${size} bytes spooled, ${member.size} expected`);
    written.push({ name, member, offset });
  }
  const directoryOffset = out.bytes;
  for (const { name, member, offset } of written) await out.write(centralHeader(name, member, offset, force));
  const directorySize = out.bytes - directoryOffset;
  const zip64 = force || written.length >= MAX_16 || directoryOffset >= MAX_32 || directorySize >= MAX_32;
  if (zip64) {
    const endOffset = out.bytes;
    await out.write(zip64End(written.length, directorySize, directoryOffset));
    await out.write(zip64Locator(endOffset));
  }
  const end = new DataView(new ArrayBuffer(EOCD_SIZE));
  end.setUint32(0, EOCD_SIGNATURE, true);
  // Values too large for these fields are all ones, which sends readers to the zip64 record (as Python writes it).
  end.setUint16(8, Math.min(written.length, MAX_16), true);
  end.setUint16(10, Math.min(written.length, MAX_16), true);
  end.setUint32(12, Math.min(directorySize, MAX_32), true);
  end.setUint32(16, Math.min(directoryOffset, MAX_32), true);
  await out.write(new Uint8Array(end.buffer));
}

/** The local header; with zip64 its sizes move to an extra field (which must then hold both). */
function localHeader(name: Uint8Array, member: StoredMember, zip64: boolean): Uint8Array {
  const extraLength = zip64 ? 20 : 0;
  const bytes = new Uint8Array(LOCAL_SIZE + name.length + extraLength);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, LOCAL_SIGNATURE, true);
  commonFields(view, 4, name, member, zip64);
  view.setUint32(18, zip64 ? MAX_32 : member.size, true);
  view.setUint32(22, zip64 ? MAX_32 : member.size, true);
  view.setUint16(26, name.length, true);
  view.setUint16(28, extraLength, true);
  bytes.set(name, LOCAL_SIZE);
  if (zip64) {
    const at = LOCAL_SIZE + name.length;
    view.setUint16(at, ZIP64_EXTRA_ID, true);
    view.setUint16(at + 2, 16, true);
    view.setBigUint64(at + 4, BigInt(member.size), true);
    view.setBigUint64(at + 12, BigInt(member.size), true);
  }
  return bytes;
}

/** The central directory entry; its zip64 extra holds only the values too large for their 32-bit fields. */
function centralHeader(name: Uint8Array, member: StoredMember, offset: number, force: boolean): Uint8Array {
  const bigSize = force || member.size >= MAX_32;
  const bigOffset = force || offset >= MAX_32;
  const values = [...(bigSize ? [member.size, member.size] : []), ...(bigOffset ? [offset] : [])];
  const extraLength = values.length ? 4 + 8 * values.length : 0;
  const bytes = new Uint8Array(CENTRAL_SIZE + name.length + extraLength);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, CENTRAL_SIGNATURE, true);
  view.setUint16(4, values.length ? VERSION_ZIP64 : VERSION_DEFAULT, true); // made by: MS-DOS attributes
  commonFields(view, 6, name, member, values.length > 0);
  view.setUint32(20, bigSize ? MAX_32 : member.size, true);
  view.setUint32(24, bigSize ? MAX_32 : member.size, true);
  view.setUint16(28, name.length, true);
  view.setUint16(30, extraLength, true);
  // comment length, disk, internal and external attributes stay zero
  view.setUint32(42, bigOffset ? MAX_32 : offset, true);
  bytes.set(name, CENTRAL_SIZE);
  if (values.length) {
    const at = CENTRAL_SIZE + name.length;
    view.setUint16(at, ZIP64_EXTRA_ID, true);
    view.setUint16(at + 2, 8 * values.length, true);
    values.forEach((value, i) => {
      view.setBigUint64(at + 4 + 8 * i, BigInt(value), true);
    });
  }
  return bytes;
}

/** Version needed, flags, method, time, date and CRC: the same in both headers. */
function commonFields(view: DataView, at: number, name: Uint8Array, member: StoredMember, zip64: boolean): void {
  view.setUint16(at, zip64 ? VERSION_ZIP64 : VERSION_DEFAULT, true);
  view.setUint16(at + 2, name.some((byte) => byte > 0x7f) ? FLAG_UTF8 : 0, true);
  view.setUint16(at + 4, METHOD_STORED, true);
  view.setUint16(at + 6, 0, true);
  view.setUint16(at + 8, DOS_DATE_1980, true);
  view.setUint32(at + 10, member.crc >>> 0, true);
}

function zip64End(count: number, directorySize: number, directoryOffset: number): Uint8Array {
  const view = new DataView(new ArrayBuffer(ZIP64_END_SIZE));
  view.setUint32(0, ZIP64_END_SIGNATURE, true);
  view.setBigUint64(4, BigInt(ZIP64_END_SIZE - 12), true); // size of the rest of the record
  view.setUint16(12, VERSION_ZIP64, true);
  view.setUint16(14, VERSION_ZIP64, true);
  // this disk and the directory's disk stay 0
  view.setBigUint64(24, BigInt(count), true);
  view.setBigUint64(32, BigInt(count), true);
  view.setBigUint64(40, BigInt(directorySize), true);
  view.setBigUint64(48, BigInt(directoryOffset), true);
  return new Uint8Array(view.buffer);
}

function zip64Locator(endOffset: number): Uint8Array {
  const view = new DataView(new ArrayBuffer(ZIP64_LOCATOR_SIZE));
  view.setUint32(0, ZIP64_LOCATOR_SIGNATURE, true);
  view.setBigUint64(8, BigInt(endOffset), true);
  view.setUint32(16, 1, true); // total disks
  return new Uint8Array(view.buffer);
}
