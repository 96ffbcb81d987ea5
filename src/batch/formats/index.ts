/** The batch input formats, chosen by the input key's extension. */
import type { FormatCodec } from '../types.js';
import { JSONL_CODEC } from './jsonl.js';
import { NPY_CODEC } from './npy.js';
import { NPZ_CODEC } from './npz.js';

export { JSONL_CODEC } from './jsonl.js';
export { NPY_CODEC } from './npy.js';
export { NPZ_CODEC } from './npz.js';

const BY_EXTENSION: ReadonlyArray<[string, FormatCodec]> = [
  ['.jsonl', JSONL_CODEC],
  ['.ndjson', JSONL_CODEC],
  ['.npy', NPY_CODEC],
  ['.npz', NPZ_CODEC],
];

/** The codec for an object key (or file name) by its extension, case-insensitive; undefined for other keys. */
export function codecForKey(key: string): FormatCodec | undefined {
  const lower = key.toLowerCase();
  return BY_EXTENSION.find(([extension]) => lower.endsWith(extension))?.[1];
}
