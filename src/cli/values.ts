/** Tensor element values for people and JSON: half floats decoded, 64-bit integers kept exact, non-finite named. */

import { bfloat16BitsToNumber, float16BitsToNumber } from '../tensor/float16.js';
import type { Tensor } from '../tensor/types.js';

/** Element `index` of a tensor as a number or bigint (64-bit integers stay exact). */
export function elementAt(tensor: Tensor, index: number): number | bigint {
  const value = tensor.data[index]!;
  if (tensor.dtype === 'float16') return float16BitsToNumber(value as number);
  if (tensor.dtype === 'bfloat16') return bfloat16BitsToNumber(value as number);
  return value;
}

/** A JSON-safe element: exact integers as numbers when safe else strings, NaN/±Infinity as strings, bools as booleans. */
export function jsonValue(tensor: Tensor, index: number): number | string | boolean {
  const value = elementAt(tensor, index);
  if (tensor.dtype === 'bool') return value !== 0;
  if (typeof value === 'bigint') {
    const asNumber = Number(value);
    return Number.isSafeInteger(asNumber) ? asNumber : value.toString();
  }
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  return value;
}

/** A short display form: six significant digits for floats, integers in full. */
export function formatValue(value: number | bigint | boolean): string {
  if (typeof value !== 'number' || Number.isInteger(value)) return String(value);
  if (!Number.isFinite(value)) return String(value);
  return String(Number(value.toPrecision(6)));
}

export interface ValueStats {
  min: number;
  max: number;
  mean: number;
  /** NaN elements, left out of min, max and mean. */
  nans: number;
}

/** Min, max and mean over the non-NaN elements (as numbers); undefined when there are none. */
export function valueStats(tensor: Tensor): ValueStats | undefined {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  let counted = 0;
  let nans = 0;
  for (let index = 0; index < tensor.data.length; index++) {
    const value = Number(elementAt(tensor, index));
    if (Number.isNaN(value)) {
      nans++;
      continue;
    }
    if (value < min) min = value;
    if (value > max) max = value;
    sum += value;
    counted++;
  }
  return counted ? { min, max, mean: sum / counted, nans } : undefined;
}
