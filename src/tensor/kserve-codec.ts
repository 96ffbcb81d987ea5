/**
 * Open Inference Protocol (KServe v2) inference bodies ↔ tensors: the JSON form, and Triton's binary tensor data
 * extension (a JSON header of `Inference-Header-Content-Length` bytes, then raw little-endian tensor bytes).
 * Everything a client sends is checked here before a buffer is sized from it.
 */

import { clip, ServingError } from '../errors.js';
import { DTYPE_SIZES } from '../graph/dtype.js';
import { typedArrayConstructor } from '../graph/typed-arrays.js';
import type { DType } from '../graph/types.js';
import { flattenNested, jsonToTensorData, tensorDataToJson } from './json.js';
import { parseJsonBody } from './json-body.js';
import type { StringTensor, Tensor, TensorData } from './types.js';

/** The header that splits a binary request or response into its JSON part and its tensor bytes. */
export const INFERENCE_HEADER_LENGTH = 'inference-header-content-length';

const DATATYPE_DTYPES: Readonly<Record<string, DType>> = {
  BOOL: 'bool',
  UINT8: 'uint8',
  UINT16: 'uint16',
  UINT32: 'uint32',
  UINT64: 'uint64',
  INT8: 'int8',
  INT16: 'int16',
  INT32: 'int32',
  INT64: 'int64',
  FP16: 'float16',
  FP32: 'float32',
  FP64: 'float64',
  BF16: 'bfloat16',
  BYTES: 'string',
};

const DTYPE_DATATYPES = new Map<DType, string>(Object.entries(DATATYPE_DTYPES).map(([k, v]) => [v, k]));

/** KServe's datatype name for a dtype (`float32` → `FP32`); undefined for dtypes the protocol has no name for. */
export function kserveDatatype(dtype: DType): string | undefined {
  return DTYPE_DATATYPES.get(dtype);
}

/** The dtype a KServe datatype names; undefined for unknown names. */
export function dtypeOfDatatype(datatype: string): DType | undefined {
  return Object.hasOwn(DATATYPE_DTYPES, datatype) ? DATATYPE_DTYPES[datatype] : undefined;
}

export interface RequestedOutput {
  name: string;
  /** The output's own `binary_data` parameter; undefined leaves it to the request's `binary_data_output`. */
  binary: boolean | undefined;
  /** The `classification` parameter (classification extension): return the top this-many classes, not the tensor. */
  classification?: number;
}

export interface InferRequest {
  id: string | undefined;
  /** Request tensors by input name, in request order. */
  inputs: Map<string, Tensor>;
  /** The outputs asked for, in request order; undefined means all. */
  outputs: RequestedOutput[] | undefined;
  /** `parameters.binary_data_output`: every output as binary unless it says otherwise. */
  binaryOutput: boolean;
}

/**
 * An inference request body → tensors. `headerLength` is the `Inference-Header-Content-Length` value (null for a
 * plain JSON body). Malformed requests are 400; tensors over `maxTensorElements` are 413 before any allocation.
 */
export function decodeInferRequest(
  body: Uint8Array,
  headerLength: string | null,
  maxTensorElements: number,
): InferRequest {
  let json = body;
  let binary: Uint8Array | undefined;
  if (headerLength !== null) {
    const length = Number(headerLength.trim());
    if (!/^\d+$/.test(headerLength.trim()) || !Number.isSafeInteger(length))
      throw new ServingError(
        'BAD_REQUEST',
        `invalid Inference-Header-Content-Length ${JSON.stringify(clip(headerLength, 40))}`,
      );
    if (length > body.byteLength)
      throw new ServingError(
        'BAD_REQUEST',
        `Inference-Header-Content-Length ${length} exceeds the ${body.byteLength}-byte request body`,
      );
    json = body.subarray(0, length);
    binary = body.subarray(length);
  }
  const request = parseJsonBody(json, binary ? 'inference request header' : 'inference request');
  if (!isObject(request)) throw new ServingError('BAD_REQUEST', 'inference request must be a JSON object');

  const id = request.id;
  if (id !== undefined && typeof id !== 'string') throw new ServingError('BAD_REQUEST', 'id must be a string');
  const parameters = optionalObject(request.parameters, 'parameters');
  const binaryOutput = optionalBoolean(parameters?.binary_data_output, 'parameters.binary_data_output') ?? false;

  if (!Array.isArray(request.inputs) || request.inputs.length === 0)
    throw new ServingError('BAD_REQUEST', 'inputs must be a non-empty array of tensors');
  const inputs = new Map<string, Tensor>();
  let offset = 0;
  request.inputs.forEach((raw: unknown, index: number) => {
    if (!isObject(raw)) throw new ServingError('BAD_REQUEST', `inputs[${index}] must be an object`);
    const name = raw.name;
    if (typeof name !== 'string' || name.length === 0)
      throw new ServingError('BAD_REQUEST', `inputs[${index}].name must be a non-empty string`);
    const label = `input ${clip(name, 100)}`;
    if (inputs.has(name)) throw new ServingError('BAD_REQUEST', `${label} is given more than once`);
    const dtype = requestDtype(raw.datatype, label);
    const shape = requestShape(raw.shape, label);
    const count = checkedElementCount(shape, label, maxTensorElements);
    const size = optionalSize(optionalObject(raw.parameters, `${label} parameters`)?.binary_data_size, label);
    if (size === undefined) {
      if (raw.data === undefined) throw new ServingError('BAD_REQUEST', `${label} has no data (nor binary_data_size)`);
      const { values } = flattenNested(raw.data, label, maxTensorElements);
      if (values.length !== count)
        throw new ServingError(
          'BAD_REQUEST',
          `${label}: shape [${shape.join(',')}] needs ${count} elements, data has ${values.length}`,
        );
      inputs.set(name, { dtype, shape, data: jsonToTensorData(values, dtype, label) });
      return;
    }
    if (!binary)
      throw new ServingError(
        'BAD_REQUEST',
        `${label} has binary_data_size but the request has no Inference-Header-Content-Length header`,
      );
    if (raw.data !== undefined) throw new ServingError('BAD_REQUEST', `${label} has both data and binary_data_size`);
    const expected = count * DTYPE_SIZES[dtype];
    if (size !== expected)
      throw new ServingError(
        'BAD_REQUEST',
        `${label}: binary_data_size ${size} does not match shape [${shape.join(',')}] of ${raw.datatype} (${expected} bytes)`,
      );
    if (offset + size > binary.byteLength)
      throw new ServingError(
        'BAD_REQUEST',
        `${label}: binary_data_size ${size} runs past the end of the body (${binary.byteLength - offset} bytes left)`,
      );
    inputs.set(name, { dtype, shape, data: tensorDataFromBytes(binary.subarray(offset, offset + size), dtype, label) });
    offset += size;
  });
  if (binary && offset !== binary.byteLength)
    throw new ServingError(
      'BAD_REQUEST',
      `binary tensor data is ${binary.byteLength} bytes but the inputs' binary_data_size add up to ${offset}`,
    );
  return { id, inputs, outputs: requestedOutputs(request.outputs), binaryOutput };
}

export interface ResponseOutput {
  name: string;
  /** The output tensor, or for a classification request its classes as BYTES elements. */
  tensor: Tensor | StringTensor;
  binary: boolean;
}

export interface EncodedResponse {
  body: Uint8Array;
  contentType: string;
  /** Set when some output is binary: the byte length of the JSON part. */
  headerLength: number | undefined;
}

/** An inference response: JSON alone, or a JSON header followed by the binary outputs' bytes in output order. */
export function encodeInferResponse(
  head: { model_name: string; model_version: string; id: string | undefined },
  outputs: readonly ResponseOutput[],
): EncodedResponse {
  const chunks: Uint8Array[] = [];
  const jsonOutputs = outputs.map(({ name, tensor, binary }) => {
    if ('values' in tensor) {
      const base = { name, datatype: 'BYTES', shape: tensor.shape };
      if (!binary) return { ...base, data: tensor.values };
      const bytes = stringTensorBytes(tensor.values);
      chunks.push(bytes);
      return { ...base, parameters: { binary_data_size: bytes.byteLength } };
    }
    const datatype = kserveDatatype(tensor.dtype);
    if (!datatype || datatype === 'BYTES')
      throw new ServingError('INTERNAL', `output ${name} has dtype ${tensor.dtype}, which KServe v2 cannot carry`);
    const base = { name, datatype, shape: tensor.shape };
    if (!binary) return { ...base, data: tensorDataToJson(tensor.data, tensor.dtype) };
    const bytes = tensorBytes(tensor);
    chunks.push(bytes);
    return { ...base, parameters: { binary_data_size: bytes.byteLength } };
  });
  const response = {
    model_name: head.model_name,
    model_version: head.model_version,
    id: head.id,
    outputs: jsonOutputs,
  };
  const json = new TextEncoder().encode(JSON.stringify(response));
  if (chunks.length === 0) return { body: json, contentType: 'application/json', headerLength: undefined };
  const body = new Uint8Array(json.byteLength + chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
  body.set(json, 0);
  let at = json.byteLength;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return { body, contentType: 'application/octet-stream', headerLength: json.byteLength };
}

/** BYTES elements in the binary extension's form: each a 4-byte little-endian length, then its UTF-8 bytes. */
export function stringTensorBytes(values: readonly string[]): Uint8Array {
  const encoded = values.map((value) => new TextEncoder().encode(value));
  const out = new Uint8Array(encoded.reduce((sum, bytes) => sum + 4 + bytes.byteLength, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const bytes of encoded) {
    view.setUint32(at, bytes.byteLength, true);
    out.set(bytes, at + 4);
    at += 4 + bytes.byteLength;
  }
  return out;
}

/** A tensor's elements as little-endian bytes (typed arrays are host order, and every host Node runs on here is LE). */
export function tensorBytes(tensor: Tensor): Uint8Array {
  const { data } = tensor;
  if (tensor.dtype === 'bool') return Uint8Array.from(data as Uint8Array, (v) => (v ? 1 : 0));
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Raw little-endian bytes → a typed array of `dtype` (copied, so the array is aligned and owns its buffer). */
export function tensorDataFromBytes(bytes: Uint8Array, dtype: DType, label: string): TensorData {
  const Ctor = typedArrayConstructor(dtype);
  if (!Ctor) throw new ServingError('INVALID_INPUT', `${label}: dtype ${dtype} has no binary form here`);
  const copy = bytes.slice();
  if (dtype === 'bool') {
    const bad = copy.findIndex((v) => v > 1);
    if (bad >= 0) throw new ServingError('BAD_REQUEST', `${label}: BOOL byte ${bad} is ${copy[bad]}, expected 0 or 1`);
  }
  return new Ctor(copy.buffer, 0, copy.byteLength / DTYPE_SIZES[dtype]);
}

function requestDtype(datatype: unknown, label: string): DType {
  if (typeof datatype !== 'string') throw new ServingError('BAD_REQUEST', `${label}: datatype must be a string`);
  const dtype = dtypeOfDatatype(datatype);
  if (!dtype)
    throw new ServingError(
      'BAD_REQUEST',
      `${label}: unknown datatype ${JSON.stringify(clip(datatype, 40))}; expected one of ${Object.keys(DATATYPE_DTYPES).join(', ')}`,
    );
  // No model mindlet serves takes strings; say so rather than decoding bytes nothing will accept.
  if (dtype === 'string') throw new ServingError('INVALID_INPUT', `${label}: BYTES tensors are not supported`);
  return dtype;
}

function requestShape(shape: unknown, label: string): number[] {
  if (!Array.isArray(shape)) throw new ServingError('BAD_REQUEST', `${label}: shape must be an array of integers`);
  if (shape.length > 32) throw new ServingError('BAD_REQUEST', `${label}: shape has ${shape.length} dimensions`);
  for (const dim of shape)
    if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < 0)
      throw new ServingError(
        'BAD_REQUEST',
        `${label}: shape dimensions must be non-negative integers, got ${clip(JSON.stringify(dim) ?? String(dim), 40)}`,
      );
  return shape as number[];
}

function checkedElementCount(shape: readonly number[], label: string, max: number): number {
  let count = 1;
  for (const dim of shape) count *= dim;
  // A zero dim makes the product 0 whatever the others, so each dim is bounded too.
  if (count > max || shape.some((dim) => dim > max))
    throw new ServingError(
      'PAYLOAD_TOO_LARGE',
      `${label}: shape [${shape.join(',')}] exceeds the limit of ${max} elements per tensor`,
    );
  return count;
}

function requestedOutputs(outputs: unknown): RequestedOutput[] | undefined {
  if (outputs === undefined) return undefined;
  if (!Array.isArray(outputs)) throw new ServingError('BAD_REQUEST', 'outputs must be an array');
  const seen = new Set<string>();
  return outputs.map((raw: unknown, index: number) => {
    if (!isObject(raw) || typeof raw.name !== 'string' || raw.name.length === 0)
      throw new ServingError('BAD_REQUEST', `outputs[${index}] must be an object with a non-empty name`);
    if (seen.has(raw.name))
      throw new ServingError('BAD_REQUEST', `output ${clip(raw.name, 100)} is requested more than once`);
    seen.add(raw.name);
    const parameters = optionalObject(raw.parameters, `outputs[${index}].parameters`);
    const output: RequestedOutput = {
      name: raw.name,
      binary: optionalBoolean(parameters?.binary_data, `outputs[${index}] binary_data`),
    };
    const classification = parameters?.classification;
    if (classification !== undefined) {
      if (typeof classification !== 'number' || !Number.isSafeInteger(classification) || classification < 1)
        throw new ServingError('BAD_REQUEST', `outputs[${index}] classification must be a positive integer`);
      output.classification = classification;
    }
    return output;
  });
}

function optionalSize(value: unknown, label: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new ServingError('BAD_REQUEST', `${label}: binary_data_size must be a non-negative integer`);
  return value;
}

function optionalObject(value: unknown, what: string): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw new ServingError('BAD_REQUEST', `${what} must be an object`);
  return value;
}

function optionalBoolean(value: unknown, what: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new ServingError('BAD_REQUEST', `${what} must be true or false`);
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
