/** Writes MindSpore .ckpt bytes (proto/checkpoint.proto, as save_checkpoint lays them out), for tests. */
import path from 'node:path';
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

/** `sliceBytes` splits contents larger than it into several values with the same tag, as save_checkpoint does. */
export function encodeCheckpoint(entries: CheckpointEntry[], sliceBytes = Number.POSITIVE_INFINITY): Uint8Array {
  const value = entries.flatMap((entry) => {
    const slices: Uint8Array[] = [];
    for (let at = 0; at < Math.max(entry.content.byteLength, 1); at += sliceBytes) {
      slices.push(entry.content.subarray(at, Math.min(at + sliceBytes, entry.content.byteLength)));
    }
    return slices.map((content) => ({
      tag: entry.tag,
      tensor: { dims: entry.dims, tensorType: entry.type, tensorContent: content },
    }));
  });
  return CheckpointType.encode({ value }).finish();
}
