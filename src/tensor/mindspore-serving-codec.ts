/**
 * MindSpore Serving's instance values ↔ tensors: JSON scalars and nested lists, `{"b64", "type", "shape"}` raw
 * little-endian tensors, and outputs back as JSON numbers, booleans and nested lists shaped like the tensor.
 */

import { ServingError } from '../errors.js';
import { DTYPE_SIZES } from '../graph/dtype.js';
import { typedArrayConstructor } from '../graph/typed-arrays.js';
import type { DType } from '../graph/types.js';
import { flattenNested, isJsonNumericDType, jsonToTensorData, tensorDataToJson } from './json.js';
import { formatShape } from './signature.js';
import type { Tensor, TensorData } from './types.js';

/**
 * MindSpore Serving's `type` names (http_process.cc `str2_infer_type`). 'bytes', the default, carries raw bytes the
 * servable interprets; with no preprocessing here they are read as the model input's own dtype.
 */
const B64_TYPES: Readonly<Record<string, DType | 'bytes' | 'str'>> = {
  int8: 'int8',
  int16: 'int16',
  int32: 'int32',
  int64: 'int64',
  uint8: 'uint8',
  uint16: 'uint16',
  uint32: 'uint32',
  uint64: 'uint64',
  fp16: 'float16',
  fp32: 'float32',
  fp64: 'float64',
  float16: 'float16',
  float32: 'float32',
  float64: 'float64',
  bool: 'bool',
  str: 'str',
  bytes: 'bytes',
};

/** Canonical base64 with padding, as MindSpore Serving's decoder requires; no whitespace, no URL-safe alphabet. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** What one instance value is decoded against. */
export interface ValueTarget {
  /** The model input's element type; every value is converted to (or must be given as) this. */
  dtype: DType;
  /**
   * Shapes a `{"b64"}` value without `shape` may take, most preferred first (one sample, then the whole input);
   * a single -1 in one of them is inferred from the byte count.
   */
  shapes: readonly (readonly number[])[];
  /** Most elements one value may carry. */
  maxElements: number;
  /** `instance 0, input x`, for messages. */
  label: string;
}

/** One instance value (scalar, nested list or `{"b64"}` object) → a tensor of the model input's dtype. */
export function decodeInstanceValue(value: unknown, target: ValueTarget): Tensor {
  const { dtype, label } = target;
  if (!isJsonNumericDType(dtype))
    throw new ServingError('INVALID_INPUT', `${label}: the model takes ${dtype}, which this protocol cannot carry`);
  if (value === null || value === undefined) throw new ServingError('BAD_REQUEST', `${label}: value is null`);
  if (typeof value === 'string')
    throw new ServingError('INVALID_INPUT', `${label}: got a string, the model takes ${dtype}`);
  if (typeof value === 'object' && !Array.isArray(value))
    return decodeB64Object(value as Record<string, unknown>, target);
  const { shape, values } = flattenNested(value, label, target.maxElements);
  return { dtype, shape, data: jsonToTensorData(values, dtype, label) };
}

/** `{"b64": "...", "type": "float32", "shape": [1, 32, 32]}` → a tensor; every key but b64 is optional. */
function decodeB64Object(object: Record<string, unknown>, target: ValueTarget): Tensor {
  const { label } = target;
  const extra = Object.keys(object).filter((key) => key !== 'b64' && key !== 'type' && key !== 'shape');
  if (extra.length)
    throw new ServingError(
      'BAD_REQUEST',
      `${label}: unknown key${extra.length > 1 ? 's' : ''} ${extra.map((k) => JSON.stringify(k.slice(0, 40))).join(', ')}; a b64 object takes b64, type, shape`,
    );
  const { b64, type, shape } = object;
  if (typeof b64 !== 'string') throw new ServingError('BAD_REQUEST', `${label}: "b64" must be a base64 string`);

  let dtype = target.dtype;
  if (type !== undefined) {
    const named = typeof type === 'string' && Object.hasOwn(B64_TYPES, type) ? B64_TYPES[type] : undefined;
    if (named === undefined)
      throw new ServingError(
        'BAD_REQUEST',
        `${label}: "type" ${JSON.stringify(type)?.slice(0, 40)} is not one of ${Object.keys(B64_TYPES).join(', ')}`,
      );
    if (named === 'str') throw new ServingError('INVALID_INPUT', `${label}: got type str, the model takes ${dtype}`);
    if (named !== 'bytes' && named !== dtype)
      throw new ServingError('INVALID_INPUT', `${label}: got type ${type}, the model takes ${dtype}`);
    if (named !== 'bytes') dtype = named;
  }

  const given = shape === undefined ? undefined : checkGivenShape(shape, target);
  const bytes = decodeBase64(b64, label);
  const size = DTYPE_SIZES[dtype];
  if (bytes.byteLength % size !== 0)
    throw new ServingError('BAD_REQUEST', `${label}: ${bytes.byteLength} bytes is not a whole number of ${dtype}s`);
  const count = bytes.byteLength / size;
  const tensorShape = given ?? inferShape(count, target);
  const expected = tensorShape.reduce((a, b) => a * b, 1);
  if (expected > target.maxElements)
    throw new ServingError(
      'PAYLOAD_TOO_LARGE',
      `${label}: ${expected} elements exceed the limit of ${target.maxElements}`,
    );
  if (expected !== count)
    throw new ServingError(
      'BAD_REQUEST',
      `${label}: shape ${formatShape(tensorShape)} of ${dtype} needs ${expected * size} bytes, b64 carries ${bytes.byteLength}`,
    );
  return { dtype, shape: tensorShape, data: bytesToTensorData(bytes, dtype, label) };
}

function checkGivenShape(shape: unknown, target: ValueTarget): number[] {
  if (!Array.isArray(shape) || !shape.every((dim) => Number.isSafeInteger(dim) && dim >= 0))
    throw new ServingError('BAD_REQUEST', `${target.label}: "shape" must be a list of non-negative integers`);
  return shape as number[];
}

/** No `shape` given: the first shape the model takes that `count` elements fill (one -1 may be inferred). */
function inferShape(count: number, target: ValueTarget): number[] {
  for (const candidate of target.shapes) {
    const dynamic = candidate.filter((dim) => dim < 0).length;
    const known = candidate.reduce((product, dim) => (dim < 0 ? product : product * dim), 1);
    if (dynamic === 0 && known === count) return [...candidate];
    if (dynamic === 1 && known > 0 && count % known === 0)
      return candidate.map((dim) => (dim < 0 ? count / known : dim));
  }
  throw new ServingError(
    'BAD_REQUEST',
    `${target.label}: ${count} ${target.dtype} elements fit no shape the model takes (${target.shapes.map(formatShape).join(' or ')}); give "shape"`,
  );
}

function decodeBase64(text: string, label: string): Uint8Array {
  if (text.length % 4 !== 0 || !BASE64.test(text))
    throw new ServingError('BAD_REQUEST', `${label}: "b64" is not valid base64 (standard alphabet, padded)`);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Raw little-endian bytes → a typed array (the bytes are a fresh, aligned buffer from decodeBase64). */
function bytesToTensorData(bytes: Uint8Array, dtype: DType, label: string): TensorData {
  const ctor = typedArrayConstructor(dtype)!;
  const data = new ctor(bytes.buffer as ArrayBuffer, 0, bytes.byteLength / DTYPE_SIZES[dtype]) as TensorData;
  if (dtype === 'bool') {
    const bad = (data as Uint8Array).findIndex((v) => v > 1);
    if (bad >= 0)
      throw new ServingError('BAD_REQUEST', `${label}: bool element ${bad} is ${data[bad]}, expected 0 or 1`);
  }
  return data;
}

/** Tensor data → a JSON value: a scalar for shape [], else nested lists shaped like `shape`. */
export function tensorToJsonValue(data: TensorData, dtype: DType, shape: readonly number[]): unknown {
  const flat = tensorDataToJson(data, dtype);
  if (shape.length === 0) return flat[0];
  const strides = shape.map((_, depth) => shape.slice(depth + 1).reduce((a, b) => a * b, 1));
  const nest = (depth: number, offset: number): unknown[] =>
    depth === shape.length - 1
      ? flat.slice(offset, offset + shape[depth]!)
      : Array.from({ length: shape[depth]! }, (_, i) => nest(depth + 1, offset + i * strides[depth]!));
  return nest(0, 0);
}
