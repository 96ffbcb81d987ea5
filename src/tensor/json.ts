/**
 * JSON values ↔ typed tensor data, shared by both protocols. JSON carries no dtype, so values are converted to the
 * dtype the request or the model names, and anything that would not survive the conversion (a fraction for an
 * integer, an out-of-range integer, a string for a number) is refused rather than rounded or wrapped.
 */

import { ServingError } from '../errors.js';
import { typedArrayConstructor } from '../graph/typed-arrays.js';
import type { DType } from '../graph/types.js';
import { bfloat16BitsToNumber, float16BitsToNumber, float32ToBfloat16Bits, float32ToFloat16Bits } from './float16.js';
import type { TensorData } from './types.js';

const INT_RANGES: Partial<Record<DType, [number, number]>> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
  uint8: [0, 255],
  uint16: [0, 65535],
  uint32: [0, 4294967295],
};

/** Dtypes a JSON number array can fill. */
export function isJsonNumericDType(dtype: DType): boolean {
  return dtype === 'bool' || dtype === 'float16' || dtype === 'bfloat16' || typedArrayConstructor(dtype) !== undefined;
}

/**
 * Nested JSON arrays → their shape and the flat row-major leaves. Ragged nesting is a 400; more than `maxElements`
 * leaves is a 413, found before the whole value is walked.
 */
export function flattenNested(
  value: unknown,
  label: string,
  maxElements: number,
): { shape: number[]; values: unknown[] } {
  const shape: number[] = [];
  for (let probe: unknown = value; Array.isArray(probe); probe = probe[0]) {
    shape.push(probe.length);
    if (probe.length === 0) break;
  }
  let count = 1;
  for (const dim of shape) count *= dim;
  if (count > maxElements)
    throw new ServingError('PAYLOAD_TOO_LARGE', `${label}: ${count} elements exceed the limit of ${maxElements}`);
  const values: unknown[] = [];
  const walk = (node: unknown, depth: number): void => {
    if (depth === shape.length) {
      if (Array.isArray(node)) throw ragged(label);
      values.push(node);
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) throw ragged(label);
    for (const child of node) walk(child, depth + 1);
  };
  walk(value, 0);
  return { shape, values };
}

/** Flat JSON leaves → a typed array of `dtype`. */
export function jsonToTensorData(values: readonly unknown[], dtype: DType, label: string): TensorData {
  if (dtype === 'bool') {
    const out = new Uint8Array(values.length);
    values.forEach((v, i) => {
      if (typeof v === 'boolean') out[i] = v ? 1 : 0;
      else if (v === 0 || v === 1) out[i] = v;
      else throw badValue(label, i, v, 'a boolean');
    });
    return out;
  }
  if (dtype === 'float16' || dtype === 'bfloat16') {
    const out = new Uint16Array(values.length);
    values.forEach((v, i) => {
      if (typeof v !== 'number') throw badValue(label, i, v, 'a number');
      out[i] = dtype === 'float16' ? float32ToFloat16Bits(v) : float32ToBfloat16Bits(v);
    });
    return out;
  }
  if (dtype === 'float32' || dtype === 'float64') {
    const out = dtype === 'float32' ? new Float32Array(values.length) : new Float64Array(values.length);
    values.forEach((v, i) => {
      if (typeof v !== 'number') throw badValue(label, i, v, 'a number');
      out[i] = v;
    });
    return out;
  }
  if (dtype === 'int64' || dtype === 'uint64') {
    const out = dtype === 'int64' ? new BigInt64Array(values.length) : new BigUint64Array(values.length);
    const [min, max] = dtype === 'int64' ? [-(2n ** 63n), 2n ** 63n - 1n] : [0n, 2n ** 64n - 1n];
    values.forEach((v, i) => {
      // Integers past 2^53 arrive already rounded by JSON.parse; only exact ones are accepted.
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw badValue(label, i, v, `an integer (${dtype})`);
      const big = BigInt(v);
      if (big < min || big > max) throw badValue(label, i, v, `an integer in ${dtype}'s range`);
      out[i] = big;
    });
    return out;
  }
  const range = INT_RANGES[dtype];
  const ctor = typedArrayConstructor(dtype);
  if (!range || !ctor)
    throw new ServingError('INVALID_INPUT', `${label}: dtype ${dtype} cannot be given as JSON numbers`);
  const out = new (ctor as Int32ArrayConstructor)(values.length);
  values.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < range[0] || v > range[1])
      throw badValue(label, i, v, `an integer in ${dtype}'s range`);
    out[i] = v;
  });
  return out;
}

/**
 * Typed tensor data → JSON numbers (booleans for bool). int64 beyond 2^53 loses precision, as it does in every JSON
 * client; non-finite floats become null because JSON has no NaN or Infinity.
 */
export function tensorDataToJson(data: TensorData, dtype: DType): Array<number | boolean | null> {
  const out: Array<number | boolean | null> = new Array(data.length);
  if (dtype === 'bool') {
    for (let i = 0; i < data.length; i++) out[i] = data[i] !== 0;
    return out;
  }
  for (let i = 0; i < data.length; i++) {
    const raw = data[i]!;
    let v: number;
    if (typeof raw === 'bigint') v = Number(raw);
    else if (dtype === 'float16') v = float16BitsToNumber(raw);
    else if (dtype === 'bfloat16') v = bfloat16BitsToNumber(raw);
    else v = raw;
    out[i] = Number.isFinite(v) ? v : null;
  }
  return out;
}

function ragged(label: string): ServingError {
  return new ServingError('BAD_REQUEST', `${label}: nested lists must be rectangular (every row the same length)`);
}

function badValue(label: string, index: number, value: unknown, expected: string): ServingError {
  const shown = JSON.stringify(value)?.slice(0, 40) ?? String(value);
  return new ServingError('BAD_REQUEST', `${label}: element ${index} is ${shown}, expected ${expected}`);
}
