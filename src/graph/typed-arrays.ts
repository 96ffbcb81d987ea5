/**
 * Typed arrays over tensor bytes, for every format: the array class of each dtype (float16 and bfloat16 as raw
 * Uint16 bits), a view of a weight's bytes, and small integer tensors read as numbers (shape targets, axes).
 */
import { MindletError } from '../errors.js';
import { elementCount } from './dtype.js';
import type { DType, WeightTensor } from './types.js';

/** The typed arrays tensor data lives in (float16/bfloat16 as Uint16 bits, bool and qint4x2 as bytes). */
export type TypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array;

/**
 * A typed array over a weight's bytes: a view when the bytes are aligned, else one copy (protobuf fields are not
 * aligned). float16/bfloat16 come back as raw Uint16 bits; bool and qint4x2 as bytes.
 */
export function tensorView(tensor: WeightTensor): TypedArray {
  const ctor = TYPED_ARRAYS[tensor.dtype];
  if (!ctor) throw new MindletError('UNSUPPORTED', `tensor ${tensor.name}: no typed array for ${tensor.dtype}`);
  const { data } = tensor;
  const size = ctor.BYTES_PER_ELEMENT;
  // Uint8Array's slice copies; Buffer's would not, and data may be a Buffer view.
  const aligned = data.byteOffset % size === 0 ? data : Uint8Array.prototype.slice.call(data);
  return new ctor(
    aligned.buffer as ArrayBuffer,
    aligned.byteOffset,
    Math.floor(aligned.byteLength / size),
  ) as TypedArray;
}

export type TypedArrayConstructor =
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | Int8ArrayConstructor
  | Int16ArrayConstructor
  | Int32ArrayConstructor
  | BigInt64ArrayConstructor
  | Uint8ArrayConstructor
  | Uint16ArrayConstructor
  | Uint32ArrayConstructor
  | BigUint64ArrayConstructor;

const TYPED_ARRAYS: Partial<Record<DType, TypedArrayConstructor>> = {
  float32: Float32Array,
  float64: Float64Array,
  float16: Uint16Array,
  bfloat16: Uint16Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  uint64: BigUint64Array,
  bool: Uint8Array,
  qint4x2: Uint8Array,
  complex64: Float32Array,
  complex128: Float64Array,
};

/** The typed array class holding `dtype`'s elements (float16 and bfloat16 as raw Uint16Array), if any. */
export function typedArrayConstructor(dtype: DType): TypedArrayConstructor | undefined {
  return TYPED_ARRAYS[dtype];
}

/** Integer values of a small int tensor (shape targets, axes) as numbers; `undefined` for other dtypes. */
export function tensorIntegers(tensor: WeightTensor): number[] | undefined {
  if (!['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64'].includes(tensor.dtype))
    return undefined;
  if (elementCount(tensor.shape) > 1 << 20) return undefined;
  return Array.from(tensorView(tensor) as ArrayLike<number | bigint>, (v) => Number(v));
}
