/**
 * MindSpore checkpoints (.ckpt): a flat list of named tensors (Checkpoint.Value: tag + TensorProto with dims,
 * tensor_type such as "Float32", tensor_content). save_checkpoint splits very large tensors into several values
 * with the same tag; they are joined in file order. Used to replace a loaded model's weights without re-export.
 */
import { readFile } from 'node:fs/promises';
import protobuf from 'protobufjs/minimal.js';
import { isMindletError, MindletError } from '../errors.js';
import { byteLength } from './dtype.js';
import { decryptMindir, isEncryptedMindir } from './encryption.js';
import { Checkpoint as CheckpointProto } from './proto/checkpoint.gen.js';
import { safeInt } from './proto-values.js';
import type { DType, Graph, Model, WeightTensor } from './types.js';

export interface Checkpoint {
  source: string;
  tensors: Map<string, WeightTensor>;
  warnings: string[];
}

/** MindSpore's dtype names as save_checkpoint writes them (str(Tensor.dtype)); "str" holds UTF-8 text. */
const CHECKPOINT_DTYPES: Record<string, DType> = {
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
  str: 'string',
  String: 'string',
};

export interface CheckpointOptions {
  /** Key for checkpoints saved with enc_key (same block format as encrypted MindIR). */
  key?: string | Uint8Array;
}

export function decodeCheckpoint(bytes: Uint8Array, label: string, options: CheckpointOptions = {}): Checkpoint {
  const file = label;
  const plain = isEncryptedMindir(bytes) ? decryptMindir(bytes, options.key, file) : bytes;
  if (plain.byteLength === 0) throw new MindletError('INVALID_FORMAT', 'checkpoint is empty', { file });
  let proto: CheckpointProto;
  try {
    const reader = protobuf.Reader.create(plain);
    proto = CheckpointProto.decode(reader);
  } catch (error) {
    throw new MindletError(
      'INVALID_FORMAT',
      `not a valid MindSpore checkpoint (protobuf: ${(error as Error).message})`,
      { file, cause: error },
    );
  }
  const warnings: string[] = [];
  const pieces = new Map<string, { dtype: DType; shape: number[]; parts: Uint8Array[] }>();
  try {
    for (const value of proto.value ?? []) {
      const tag = value.tag ?? '';
      if (!tag) throw new MindletError('INVALID_FORMAT', 'checkpoint entry without a name', { file });
      if (value.maptensor) {
        warnings.push(`${tag}: map tensors (MapParameter) are not supported; skipped`);
        continue;
      }
      const tensor = value.tensor;
      if (!tensor) throw new MindletError('INVALID_FORMAT', `entry ${tag} has no tensor`, { file });
      const dtype = CHECKPOINT_DTYPES[tensor.tensorType ?? ''];
      if (!dtype)
        throw new MindletError('UNSUPPORTED', `entry ${tag}: unknown tensor type "${tensor.tensorType}"`, { file });
      const shape = (tensor.dims ?? []).map((d) => {
        const dim = safeInt(d);
        if (dim === undefined || dim < 0)
          throw new MindletError('INVALID_FORMAT', `entry ${tag}: invalid dimension`, { file });
        return dim;
      });
      const content = tensor.tensorContent ?? new Uint8Array(0);
      const known = pieces.get(tag);
      if (known) known.parts.push(content);
      else pieces.set(tag, { dtype, shape, parts: [content] });
    }
  } catch (error) {
    if (isMindletError(error)) throw error;
    throw new MindletError('INVALID_FORMAT', `cannot read checkpoint: ${(error as Error).message}`, {
      file,
      cause: error,
    });
  }
  const tensors = new Map<string, WeightTensor>();
  for (const [name, { dtype, shape, parts }] of pieces) {
    // One piece stays a view of the file; a split tensor is joined once.
    const data = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    if (dtype !== 'string') {
      const expected = byteLength(dtype, shape);
      if (data.byteLength !== expected) {
        throw new MindletError(
          'INVALID_FORMAT',
          `entry ${name}: ${dtype}[${shape.join(',')}] needs ${expected} bytes, file has ${data.byteLength}`,
          { file },
        );
      }
    }
    tensors.set(name, { name, dtype, shape, data, storage: { kind: 'inline' } });
  }
  return { source: file, tensors, warnings };
}

export async function readCheckpoint(path: string, options: CheckpointOptions = {}): Promise<Checkpoint> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new MindletError('NOT_FOUND', 'no such file', { file: path });
    throw new MindletError('INVALID_ARGUMENT', `cannot read: ${(error as Error).message}`, {
      file: path,
      cause: error,
    });
  }
  return decodeCheckpoint(bytes, path, options);
}

export interface ApplyCheckpointResult {
  /** Model parameter names whose weights were replaced. */
  replaced: string[];
  /** Model parameters the checkpoint has no entry for. */
  missing: string[];
  /** Checkpoint entries no parameter matched (optimizer state, step counters, ...). */
  unused: string[];
}

/**
 * Replaces the model's parameters from a checkpoint. A checkpoint tag matches a parameter's MindSpore key
 * (ref_key, e.g. "conv1.weight"), its full name, or its name after the last ':' (MindIR names parameters
 * "<graph>:conv1.weight"). Shapes and dtypes must agree. `strict` makes a missing parameter an error.
 */
export function applyCheckpoint(
  model: Model,
  checkpoint: Checkpoint,
  options: { strict?: boolean } = {},
): ApplyCheckpointResult {
  const graphs: Graph[] = [model.graph, ...model.subgraphs.values()];
  const used = new Set<string>();
  const replaced: string[] = [];
  const missing: string[] = [];
  const plan: Array<[Graph, string, WeightTensor]> = [];
  for (const graph of graphs) {
    for (const [name, weight] of graph.parameters) {
      const candidates = [weight.key, name, name.slice(name.lastIndexOf(':') + 1)];
      const tag = candidates.find((c) => c !== undefined && checkpoint.tensors.has(c));
      if (tag === undefined) {
        missing.push(name);
        continue;
      }
      const source = checkpoint.tensors.get(tag)!;
      if (
        source.dtype !== weight.dtype ||
        source.shape.length !== weight.shape.length ||
        source.shape.some((d, i) => d !== weight.shape[i])
      ) {
        throw new MindletError(
          'INVALID_ARGUMENT',
          `parameter ${name}: checkpoint entry ${tag} is ${source.dtype}[${source.shape.join(',')}], model expects ${weight.dtype}[${weight.shape.join(',')}]`,
          { file: checkpoint.source },
        );
      }
      used.add(tag);
      plan.push([graph, name, source]);
    }
  }
  if (options.strict && missing.length) {
    throw new MindletError(
      'INVALID_ARGUMENT',
      `checkpoint has no entry for ${missing.length} parameter(s): ${missing.slice(0, 5).join(', ')}`,
      {
        file: checkpoint.source,
      },
    );
  }
  // Validate everything first, then mutate: a failed apply leaves the model untouched.
  for (const [graph, name, source] of plan) {
    const weight = graph.parameters.get(name)!;
    graph.parameters.set(name, { ...weight, data: source.data, storage: { kind: 'inline' } });
    replaced.push(name);
  }
  const unused = [...checkpoint.tensors.keys()].filter((tag) => !used.has(tag));
  return { replaced, missing, unused };
}
