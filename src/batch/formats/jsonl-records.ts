/**
 * One JSONL line → one record, in either style a line may take:
 * - KServe v2: `{"id"?, "parameters"?, "inputs": [{"name", "shape", "datatype", "data"}, ...]}`, one inference
 *   request per line;
 * - instance: `{"<input>": value, ...}`, one element of MindSpore Serving's `instances` list.
 * Values go through the serving codecs, so a line is read exactly as the same request would be over HTTP. Anything
 * wrong with a line is a BadRecord whose message names the record and the input, never a thrown error.
 */
import { MindletError, ServingError } from '../../errors.js';
import type { TensorInfo } from '../../graph/types.js';
import { flattenNested, jsonToTensorData } from '../../tensor/json.js';
import { dtypeOfDatatype, kserveDatatype } from '../../tensor/kserve-codec.js';
import { decodeInstanceValue } from '../../tensor/mindspore-serving-codec.js';
import { formatShape, shapeMatches } from '../../tensor/signature.js';
import type { Tensor } from '../../tensor/types.js';
import type { BatchLimits, BatchSignature, InputRecord, RecordStyle } from '../types.js';

/** numpy's own rank limit: deeper nesting is refused before it is walked (the walk recurses per level). */
const MAX_RANK = 64;
const MAX_NAME_SHOWN = 100;

/** A record-level failure; turned into a BadRecord by `decodeLine`. */
class LineError extends Error {}

/** Parses and checks one non-blank line's text. */
export function decodeLine(text: string, index: number, signature: BatchSignature, limits: BatchLimits): InputRecord {
  const prefix = `record ${index}`;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { index, error: `${prefix}: not valid JSON (${clip((error as Error).message, 200)})` };
  }
  if (!isObject(value))
    return {
      index,
      error: `${prefix}: a line must be a JSON object (KServe v2 "inputs", or an instance mapping input names to values), got ${describe(value)}`,
    };
  const style: RecordStyle =
    Array.isArray(value.inputs) && !signature.inputs.some((info) => info.name === 'inputs') ? 'kserve' : 'instance';
  const id = style === 'kserve' && typeof value.id === 'string' ? value.id : undefined;
  const meta = { index, style, ...(id !== undefined ? { id } : {}) };
  try {
    const inputs =
      style === 'kserve'
        ? decodeKserveLine(value, prefix, signature, limits)
        : decodeInstanceLine(value, prefix, signature, limits);
    return { ...meta, inputs };
  } catch (error) {
    if (error instanceof LineError || error instanceof ServingError || error instanceof MindletError) {
      const message = error.message.startsWith(prefix) ? error.message : `${prefix}: ${error.message}`;
      return { ...meta, error: message };
    }
    throw error;
  }
}

function decodeKserveLine(
  line: Record<string, unknown>,
  prefix: string,
  signature: BatchSignature,
  limits: BatchLimits,
): Tensor[] {
  if (line.id !== undefined && typeof line.id !== 'string') throw new LineError(`${prefix}: id must be a string`);
  if (line.parameters !== undefined && !isObject(line.parameters))
    throw new LineError(`${prefix}: parameters must be an object`);
  const tensors = new Map<string, Tensor>();
  (line.inputs as unknown[]).forEach((raw, position) => {
    if (!isObject(raw)) throw new LineError(`${prefix}: inputs[${position}] must be an object`);
    const { name } = raw;
    if (typeof name !== 'string' || name.length === 0)
      throw new LineError(`${prefix}: inputs[${position}].name must be a non-empty string`);
    const label = `${prefix}: input ${clip(name, MAX_NAME_SHOWN)}`;
    if (tensors.has(name)) throw new LineError(`${label} is given more than once`);
    const info = signature.inputs.find((candidate) => candidate.name === name);
    if (!info) throw new LineError(`${prefix}: unknown input ${clip(name, MAX_NAME_SHOWN)}; ${takes(signature)}`);
    tensors.set(name, decodeKserveTensor(raw, info, label, signature.batched, limits));
  });
  const missing = signature.inputs.filter((info) => !tensors.has(info.name)).map((info) => info.name);
  if (missing.length)
    throw new LineError(
      `${prefix}: missing input${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; ${takes(signature)}`,
    );
  return signature.inputs.map((info) => tensors.get(info.name)!);
}

function decodeKserveTensor(
  raw: Record<string, unknown>,
  info: TensorInfo,
  label: string,
  batched: boolean,
  limits: BatchLimits,
): Tensor {
  const { datatype } = raw;
  if (typeof datatype !== 'string') throw new LineError(`${label}: datatype must be a string`);
  const dtype = dtypeOfDatatype(datatype);
  const wanted = kserveDatatype(info.dtype) ?? info.dtype;
  if (dtype === undefined)
    throw new LineError(`${label}: unknown datatype ${JSON.stringify(clip(datatype, 40))}; the model takes ${wanted}`);
  if (dtype !== info.dtype) throw new LineError(`${label}: expected datatype ${wanted}, got ${datatype}`);
  if (raw.parameters !== undefined) {
    if (!isObject(raw.parameters)) throw new LineError(`${label}: parameters must be an object`);
    if (raw.parameters.binary_data_size !== undefined)
      throw new LineError(`${label}: binary_data_size has no binary part in JSONL; give the values in data`);
  }
  const { shape } = raw;
  if (
    !Array.isArray(shape) ||
    shape.length > MAX_RANK ||
    !shape.every((dim) => typeof dim === 'number' && Number.isSafeInteger(dim) && dim >= 0)
  )
    throw new LineError(`${label}: shape must be a list of at most ${MAX_RANK} non-negative integers`);
  const tensorShape = fitRecordShape(shape as number[], info, batched, label);
  const count = tensorShape.reduce((product, dim) => product * dim, 1);
  if (count > limits.maxTensorElements)
    throw new LineError(
      `${label}: shape ${formatShape(shape as number[])} has ${count} elements, more than the limit of ${limits.maxTensorElements} (maxTensorElements)`,
    );
  if (raw.data === undefined) throw new LineError(`${label} has no data`);
  checkNesting(raw.data, label);
  const { values } = flattenNested(raw.data, label, limits.maxTensorElements);
  if (values.length !== count)
    throw new LineError(
      `${label}: shape ${formatShape(shape as number[])} needs ${count} elements, data has ${values.length}`,
    );
  return { dtype, shape: tensorShape, data: jsonToTensorData(values, dtype, label) };
}

function decodeInstanceLine(
  line: Record<string, unknown>,
  prefix: string,
  signature: BatchSignature,
  limits: BatchLimits,
): Tensor[] {
  const names = signature.inputs.map((info) => info.name);
  const unknown = Object.keys(line).filter((key) => !names.includes(key));
  if (unknown.length)
    throw new LineError(
      `${prefix}: unknown input${unknown.length > 1 ? 's' : ''} ${unknown.map((key) => clip(key, MAX_NAME_SHOWN)).join(', ')}; ${takes(signature)}`,
    );
  const missing = names.filter((name) => !Object.hasOwn(line, name));
  if (missing.length)
    throw new LineError(
      `${prefix}: missing input${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; ${takes(signature)}`,
    );
  return signature.inputs.map((info) => {
    const label = `${prefix}: input ${info.name}`;
    const value = line[info.name];
    checkNesting(value, label);
    const sample = signature.batched ? info.shape.slice(1) : info.shape;
    const tensor = decodeInstanceValue(value, {
      dtype: info.dtype,
      shapes: signature.batched ? [sample, [1, ...sample]] : [info.shape],
      maxElements: limits.maxTensorElements,
      label,
    });
    const shape = fitRecordShape(tensor.shape, info, signature.batched, label);
    return shape === tensor.shape ? tensor : { ...tensor, shape };
  });
}

/**
 * A line's tensor shape → the record's: as the record shape says, or (batched) with a leading batch dimension of 1,
 * which is dropped. One line is one record, so a batch of several is refused.
 */
function fitRecordShape(shape: number[], info: TensorInfo, batched: boolean, label: string): number[] {
  const expected = batched ? info.shape.slice(1) : info.shape;
  if (shapeMatches(expected, shape)) return shape;
  if (batched && shape.length === expected.length + 1 && shapeMatches(expected, shape.slice(1))) {
    if (shape[0] === 1) return shape.slice(1);
    throw new LineError(
      `${label}: shape ${formatShape(shape)} holds a batch of ${shape[0]}; one line is one record, shaped ${formatShape(expected)} or ${formatShape([1, ...expected])}`,
    );
  }
  throw new LineError(`${label}: expected shape ${formatShape(expected)}, got ${formatShape(shape)}`);
}

/** Refuses lists nested deeper than any tensor before they are walked. */
function checkNesting(value: unknown, label: string): void {
  let depth = 0;
  for (let probe = value; Array.isArray(probe); probe = probe[0])
    if (++depth > MAX_RANK) throw new LineError(`${label}: lists nested more than ${MAX_RANK} deep`);
}

function takes(signature: BatchSignature): string {
  return `the model takes ${signature.inputs.map((info) => info.name).join(', ') || '(no inputs)'}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return `a ${typeof value}`;
}

function clip(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length)}…` : text;
}
