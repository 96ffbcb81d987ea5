/**
 * MindSpore checkpoints (.ckpt): a flat list of named tensors (Checkpoint.Value: tag + TensorProto with dims,
 * tensor_type such as "Float32", tensor_content), used to replace a loaded model's weights without re-export.
 *
 * What save_checkpoint writes (mindspore/python/mindspore/train/serialization.py), and how it is read here:
 * - one serialized Checkpoint per value, appended to the file, so the file parses as one message;
 * - tensors over 512 MiB as several consecutive values with the same tag and the full dims, joined in file order;
 * - scalars with dims [] (MindSpore 1.x wrote dims [0] and one element, read as a scalar, as MindSpore does);
 * - text (append_dict strings) as tensor_type "str", dims [0], numpy UTF-32LE: returned as dtype 'string', shape []
 *   and UTF-8 bytes (a copy);
 * - MapParameter values as maptensor entries (keys, values, status): not supported, skipped with a warning;
 * - with crc_check, a trailer "crc_num" + CRC-32 of all bytes before it (10 bytes, big-endian): checked, stripped;
 * - with enc_key, the whole file in MindIR's encrypted block format: decrypted with `options.key`.
 */
import { readFile } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import protobuf from 'protobufjs/minimal.js';
import { isMindletError, MindletError } from '../errors.js';
import { byteLength } from '../graph/dtype.js';
import type { DType, Graph, Model, Shape, WeightTensor } from '../graph/types.js';
import { decryptMindir, isEncryptedMindir, parseKey } from './encryption.js';
import { Checkpoint as CheckpointProto, type TensorProto } from './proto/checkpoint.gen.js';
import { safeInt } from './proto-values.js';

export interface Checkpoint {
  source: string;
  tensors: Map<string, WeightTensor>;
  warnings: string[];
}

export interface CheckpointOptions {
  /** Key of a checkpoint saved with enc_key (hex string or bytes); ignored for plain files once validated. */
  key?: string | Uint8Array;
}

/** tensor_type strings MindSpore writes (str(Tensor.dtype); "str" for text; "Int4" since 2.5). */
const CHECKPOINT_DTYPES: Readonly<Record<string, DType>> = {
  Float32: 'float32',
  Float16: 'float16',
  BFloat16: 'bfloat16',
  Float64: 'float64',
  Int8: 'int8',
  Int16: 'int16',
  Int32: 'int32',
  Int64: 'int64',
  UInt8: 'uint8',
  UInt16: 'uint16',
  UInt32: 'uint32',
  UInt64: 'uint64',
  Bool: 'bool',
  Complex64: 'complex64',
  Complex128: 'complex128',
  Int4: 'qint4x2',
  str: 'string',
};

const CRC_MARK = 'crc_num';
const CRC_DIGITS_BYTES = 10;
const CRC_TRAILER_BYTES = CRC_MARK.length + CRC_DIGITS_BYTES;

/** Consecutive values with one tag: the slices of one tensor (or of one map tensor). */
interface Run {
  tag: string;
  tensors: TensorProto.$Properties[];
  isMap: boolean;
}

/** Decodes checkpoint bytes (zero-copy: tensor data are views into `bytes`, except split tensors which must be joined). */
export function decodeCheckpoint(bytes: Uint8Array, label: string, options: CheckpointOptions = {}): Checkpoint {
  const file = label;
  if (bytes.byteLength === 0) throw new MindletError('INVALID_FORMAT', 'checkpoint is empty', { file });
  let plain = bytes;
  if (isEncryptedMindir(bytes)) plain = decryptMindir(bytes, options.key, file);
  else if (options.key !== undefined) validateKey(options.key, file);
  const warnings: string[] = [];
  try {
    const runs = readRuns(withoutCrcTrailer(plain, file), file);
    const tensors = new Map<string, WeightTensor>();
    const seen = new Set<string>();
    for (const run of runs) {
      if (seen.has(run.tag)) {
        // MindSpore's load_checkpoint keeps the last of non-adjacent duplicates; so do we.
        warnings.push(`${run.tag}: appears more than once; the last one is used`);
        tensors.delete(run.tag);
      }
      seen.add(run.tag);
      if (run.isMap) {
        warnings.push(`${run.tag}: map tensors (MapParameter) are not supported; skipped`);
        continue;
      }
      const tensor = tensorFromRun(run, file, warnings);
      if (tensor) tensors.set(run.tag, tensor);
    }
    return { source: file, tensors, warnings };
  } catch (error) {
    if (isMindletError(error)) throw error;
    throw new MindletError('INVALID_FORMAT', `cannot read checkpoint: ${(error as Error).message}`, {
      file,
      cause: error,
    });
  }
}

/** Reads a .ckpt file from disk. NOT_FOUND when missing. */
export async function readCheckpoint(path: string, options: CheckpointOptions = {}): Promise<Checkpoint> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new MindletError('NOT_FOUND', 'no such file', { file: path });
    if (code === 'ERR_FS_FILE_TOO_LARGE') {
      throw new MindletError('LIMIT_EXCEEDED', 'checkpoint is larger than Node can read into one buffer (2 GiB)', {
        file: path,
        cause: error,
      });
    }
    throw new MindletError('INVALID_ARGUMENT', `cannot read: ${(error as Error).message}`, {
      file: path,
      cause: error,
    });
  }
  return decodeCheckpoint(bytes, path, options);
}

function validateKey(key: string | Uint8Array, file: string): void {
  try {
    parseKey(key);
  } catch (error) {
    throw new MindletError('INVALID_ARGUMENT', (error as Error).message, { file });
  }
}

/** Strips save_checkpoint's crc_check trailer after checking it; bytes without one pass through. */
function withoutCrcTrailer(bytes: Uint8Array, file: string): Uint8Array {
  if (bytes.byteLength < CRC_TRAILER_BYTES) return bytes;
  const markAt = bytes.byteLength - CRC_TRAILER_BYTES;
  const mark = Buffer.from(bytes.buffer, bytes.byteOffset + markAt, CRC_MARK.length);
  if (mark.toString('latin1') !== CRC_MARK) return bytes;
  const body = bytes.subarray(0, markAt);
  let stored = 0;
  for (const byte of bytes.subarray(markAt + CRC_MARK.length)) stored = stored * 256 + byte;
  const computed = crc32(body);
  if (stored !== computed) {
    throw new MindletError(
      'INVALID_FORMAT',
      `checkpoint CRC-32 is ${hex(computed)}, the file records ${hex(stored)}: the file is damaged`,
      { file },
    );
  }
  return body;
}

const hex = (value: number) => `0x${value.toString(16).padStart(8, '0')}`;

function readRuns(bytes: Uint8Array, file: string): Run[] {
  let proto: CheckpointProto;
  try {
    proto = CheckpointProto.decode(protobuf.Reader.create(bytes));
  } catch (error) {
    throw new MindletError(
      'INVALID_FORMAT',
      `not a valid MindSpore checkpoint (protobuf: ${(error as Error).message}); truncated or corrupted?`,
      { file, cause: error },
    );
  }
  const values = proto.value ?? [];
  if (values.length === 0) {
    throw new MindletError('INVALID_FORMAT', 'not a MindSpore checkpoint (no tensors in it)', { file });
  }
  const runs: Run[] = [];
  for (const value of values) {
    const tag = value.tag ?? '';
    if (!tag) throw new MindletError('INVALID_FORMAT', 'checkpoint entry without a name', { file });
    const isMap = Boolean(value.maptensor);
    const last = runs.at(-1);
    const run = last && last.tag === tag && last.isMap === isMap ? last : undefined;
    if (isMap) {
      if (run) continue;
      runs.push({ tag, tensors: [], isMap });
      continue;
    }
    if (!value.tensor) throw new MindletError('INVALID_FORMAT', `entry ${tag} has no tensor`, { file });
    if (run) run.tensors.push(value.tensor);
    else runs.push({ tag, tensors: [value.tensor], isMap });
  }
  return runs;
}

/** One tensor from its slices; `undefined` (with a warning) for entries that are not tensors mindlet knows. */
function tensorFromRun(run: Run, file: string, warnings: string[]): WeightTensor | undefined {
  const { tag } = run;
  const first = run.tensors[0]!;
  const type = first.tensorType ?? '';
  const dtype = Object.hasOwn(CHECKPOINT_DTYPES, type) ? CHECKPOINT_DTYPES[type] : undefined;
  if (!dtype) {
    // "random_op" (random generator state, MindSpore 2.0-2.2) and types newer than this reader.
    warnings.push(`${tag}: tensor type "${type}" is not supported; skipped`);
    return undefined;
  }
  const dims = dimsOf(first, tag, file);
  for (const slice of run.tensors.slice(1)) {
    const sliceDims = dimsOf(slice, tag, file);
    if (slice.tensorType !== type || sliceDims.join(',') !== dims.join(',')) {
      throw new MindletError(
        'INVALID_FORMAT',
        `entry ${tag}: its slices disagree (${type}[${dims.join(',')}] then ${slice.tensorType}[${sliceDims.join(',')}])`,
        { file },
      );
    }
  }
  const contents = run.tensors.map((t) => t.tensorContent ?? new Uint8Array(0));
  // One slice stays a view of the file; a split tensor is joined once.
  const data = contents.length === 1 ? contents[0]! : Buffer.concat(contents);
  if (dtype === 'string') return textTensor(tag, data, file);
  const shape = scalarOrShape(dims, dtype, data.byteLength);
  const expected = byteLength(dtype, shape);
  if (data.byteLength !== expected) {
    throw new MindletError(
      'INVALID_FORMAT',
      `entry ${tag}: ${dtype}[${shape.join(',')}] needs ${expected} bytes, the file has ${data.byteLength}`,
      { file },
    );
  }
  return { name: tag, dtype, shape, data, storage: { kind: 'inline' } };
}

function dimsOf(tensor: TensorProto.$Properties, tag: string, file: string): number[] {
  return (tensor.dims ?? []).map((d) => {
    const dim = safeInt(d);
    if (dim === undefined || dim < 0) {
      throw new MindletError('INVALID_FORMAT', `entry ${tag}: invalid dimension ${String(d)}`, { file });
    }
    return dim;
  });
}

/** MindSpore 1.x saved a scalar as dims [0] with one element; MindSpore's loader reads that as shape (). */
function scalarOrShape(dims: number[], dtype: DType, bytes: number): Shape {
  return dims.length === 1 && dims[0] === 0 && bytes > 0 && bytes === byteLength(dtype, []) ? [] : dims;
}

/** numpy's str dtype is UTF-32LE code units, NUL-padded at the end. */
function textTensor(tag: string, content: Uint8Array, file: string): WeightTensor {
  if (content.byteLength % 4 !== 0) {
    throw new MindletError('INVALID_FORMAT', `entry ${tag}: text of ${content.byteLength} bytes is not UTF-32`, {
      file,
    });
  }
  const view = new DataView(content.buffer, content.byteOffset, content.byteLength);
  let end = content.byteLength / 4;
  while (end > 0 && view.getUint32((end - 1) * 4, true) === 0) end--;
  const codePoints: number[] = [];
  for (let i = 0; i < end; i++) {
    const code = view.getUint32(i * 4, true);
    if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      throw new MindletError('INVALID_FORMAT', `entry ${tag}: invalid character U+${code.toString(16)} in text`, {
        file,
      });
    }
    codePoints.push(code);
  }
  let text = '';
  // fromCodePoint takes arguments: feed it in chunks so long texts do not overflow the call stack.
  for (let i = 0; i < codePoints.length; i += 8192) text += String.fromCodePoint(...codePoints.slice(i, i + 8192));
  return { name: tag, dtype: 'string', shape: [], data: Buffer.from(text, 'utf8'), storage: { kind: 'inline' } };
}

export interface ApplyCheckpointResult {
  /** Model parameter names whose weights were replaced. */
  replaced: string[];
  /** Model parameters the checkpoint has no entry for. */
  missing: string[];
  /** Checkpoint entries no parameter matched (optimizer state, step counters, ...). */
  unused: string[];
}

/** MindSpore's cache-enabled (parameter server) parameters are saved as "<name>.__param_key__<n>". */
const PARAM_KEY_SUFFIX = /\.__param_key__\d+$/;

/**
 * Replaces the model's parameters (main graph and subgraphs) from the checkpoint. A checkpoint tag matches a
 * parameter's MindSpore key (ref_key, e.g. "conv1.weight"), its full name, or its name after the last ':' (MindIR
 * names parameters "<graph>:conv1.weight"). Dtypes must agree; shapes must agree, except that the checkpoint may add
 * trailing 1s (MindSpore's load_param_into_net accepts (12,2048,1,1) for (12,2048)). `strict` makes a missing
 * parameter an error. Nothing changes unless every match is valid; replaced weights become inline views of the
 * checkpoint's bytes.
 */
export function applyCheckpoint(
  model: Model,
  checkpoint: Checkpoint,
  options: { strict?: boolean } = {},
): ApplyCheckpointResult {
  const byTag = new Map<string, string>();
  for (const tag of checkpoint.tensors.keys()) byTag.set(tag, tag);
  for (const tag of checkpoint.tensors.keys()) {
    const plain = tag.replace(PARAM_KEY_SUFFIX, '');
    if (!byTag.has(plain)) byTag.set(plain, tag);
  }
  const graphs: Graph[] = [model.graph, ...model.subgraphs.values()];
  const seen = new Set<WeightTensor>();
  const used = new Set<string>();
  const missing = new Set<string>();
  const plan: Array<{ name: string; weight: WeightTensor; source: WeightTensor }> = [];
  for (const graph of graphs) {
    for (const [name, weight] of graph.parameters) {
      if (seen.has(weight)) continue;
      seen.add(weight);
      const candidates = [weight.key, name, name.slice(name.lastIndexOf(':') + 1)];
      const alias = candidates.find((c) => c !== undefined && byTag.has(c));
      const tag = alias === undefined ? undefined : byTag.get(alias);
      const source = tag === undefined ? undefined : checkpoint.tensors.get(tag);
      if (tag === undefined || !source) {
        missing.add(name);
        continue;
      }
      if (source.dtype !== weight.dtype || !shapeFits(source.shape, weight.shape)) {
        throw new MindletError(
          'INVALID_ARGUMENT',
          `parameter ${name}: checkpoint entry ${tag} is ${source.dtype}[${source.shape.join(',')}], ` +
            `the model expects ${weight.dtype}[${weight.shape.join(',')}]`,
          { file: checkpoint.source },
        );
      }
      used.add(tag);
      plan.push({ name, weight, source });
    }
  }
  if (options.strict && missing.size > 0) {
    const names = [...missing];
    const more = names.length > 5 ? ` and ${names.length - 5} more` : '';
    throw new MindletError(
      'INVALID_ARGUMENT',
      `checkpoint has no entry for ${names.length} parameter(s): ${names.slice(0, 5).join(', ')}${more}`,
      { file: checkpoint.source },
    );
  }
  const replaced = new Set<string>();
  for (const { name, weight, source } of plan) {
    weight.data = source.data;
    weight.storage = { kind: 'inline' };
    // The new bytes are plain elements, whatever compression the exported ones had.
    delete weight.compression;
    replaced.add(name);
  }
  const unused = [...checkpoint.tensors.keys()].filter((tag) => !used.has(tag));
  return { replaced: [...replaced], missing: [...missing], unused };
}

/** Same shape, or the model's shape with trailing 1s in the checkpoint (same bytes, as MindSpore accepts). */
function shapeFits(saved: Shape, expected: Shape): boolean {
  if (saved.length < expected.length) return false;
  return saved.every((dim, i) => (i < expected.length ? dim === expected[i] : dim === 1));
}
