/** Element sizes and counts. */
import type { DType, Shape } from './types.js';

/** Bytes per element; qint4x2 packs two 4-bit values per byte; strings have no fixed size (0). */
export const DTYPE_SIZES: Readonly<Record<DType, number>> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  float64: 8,
  int8: 1,
  int16: 2,
  int32: 4,
  int64: 8,
  uint8: 1,
  uint16: 2,
  uint32: 4,
  uint64: 8,
  bool: 1,
  string: 0,
  complex64: 8,
  complex128: 16,
  qint4x2: 0.5,
};

/** Elements in a shape; dynamic dims (-1) count as 1, so estimates stay finite (the batch-1 figure). */
export function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const dim of shape) count *= dim < 0 ? 1 : dim;
  return count;
}

export function byteLength(dtype: DType, shape: Shape): number {
  return Math.ceil(elementCount(shape) * DTYPE_SIZES[dtype]);
}
