/**
 * Writes MindSpore .ckpt bytes for tests, laid out as save_checkpoint lays them out
 * (mindspore/python/mindspore/train/serialization.py): one serialized Checkpoint per value, appended; big tensors
 * as consecutive values with one tag and the full dims; an optional crc_check trailer. Encodes with protobufjs
 * reflection over proto/checkpoint.proto (the shipped decoder is decode-only).
 */
import path from 'node:path';
import { crc32 } from 'node:zlib';
import protobuf from 'protobufjs';
import { repoRoot } from './proto-encode.js';

const CheckpointType = protobuf.loadSync(path.join(repoRoot, 'proto', 'checkpoint.proto')).lookupType('Checkpoint');

export interface CheckpointEntry {
  tag: string;
  /** MindSpore dtype name ("Float32", "Int64", "str"). */
  type: string;
  dims: number[];
  content: Uint8Array;
}

/** A MapParameter as _write_mapparameter saves it: keys, values and status tensors, numpy dtype names. */
export interface MapCheckpointEntry {
  tag: string;
  map: Array<{ type: string; dims: number[]; content: Uint8Array }>;
}

export interface WriteOptions {
  /** Contents larger than this are written as several values with the same tag (MindSpore: 512 MiB). */
  sliceBytes?: number;
  /** Append save_checkpoint's crc_check trailer: "crc_num" + CRC-32 of the bytes before it, 10 bytes big-endian. */
  crc?: boolean;
}

export function encodeCheckpoint(
  entries: Array<CheckpointEntry | MapCheckpointEntry>,
  options: WriteOptions = {},
): Uint8Array {
  const { sliceBytes = 512 * 1024 * 1024, crc = false } = options;
  const messages: Uint8Array[] = [];
  for (const entry of entries) {
    if ('map' in entry) {
      const tensor = entry.map.map((t) => ({ dims: t.dims, tensorType: t.type, tensorContent: t.content }));
      messages.push(CheckpointType.encode({ value: [{ tag: entry.tag, maptensor: { tensor } }] }).finish());
      continue;
    }
    // Like _write_parameter_bytes_data: one value even for empty content, slices of sliceBytes otherwise.
    for (let at = 0; at === 0 || at < entry.content.byteLength; at += sliceBytes) {
      const tensorContent = entry.content.subarray(at, at + sliceBytes);
      const value = [{ tag: entry.tag, tensor: { dims: entry.dims, tensorType: entry.type, tensorContent } }];
      messages.push(CheckpointType.encode({ value }).finish());
    }
  }
  const body = Buffer.concat(messages);
  if (!crc) return body;
  const trailer = Buffer.alloc(17);
  trailer.write('crc_num', 'latin1');
  trailer.writeUInt32BE(crc32(body), 13);
  return Buffer.concat([body, trailer]);
}

/** Text as numpy's str dtype stores it (np.array(text).tobytes()): UTF-32LE code units. */
export function utf32(text: string): Uint8Array {
  const codePoints = [...text].map((c) => c.codePointAt(0)!);
  const bytes = Buffer.alloc(codePoints.length * 4);
  for (const [i, code] of codePoints.entries()) bytes.writeUInt32LE(code, i * 4);
  return bytes;
}
