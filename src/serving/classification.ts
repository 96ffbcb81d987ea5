/**
 * Triton's classification extension for KServe v2: an output requested with `parameters: {classification: k}` comes
 * back as its k highest-valued classes instead of the raw tensor, each a BYTES element "<value>:<index>[:<label>]",
 * labels from the model's manifest. The first dimension of an output of rank 2 or more is the batch and is kept; the
 * other dimensions together are the classes (Triton's [batch-size, k]); a rank-1 output is one row ([k]); the rule is
 * `outputClassCount`, which the manifest's label check shares.
 */

import { ServingError } from '../errors.js';
import { outputClassCount } from '../store/manifest.js';
import { bfloat16BitsToNumber, float16BitsToNumber } from '../tensor/float16.js';
import type { StringTensor, Tensor } from '../tensor/types.js';

/**
 * The top `count` classes of each row, highest value first (ties: lower index first, so answers are stable). NaN
 * ranks below every number. Values print with 6 decimals, as Triton prints them.
 */
export function classify(
  name: string,
  tensor: Tensor,
  count: number,
  labels: readonly string[] | undefined,
): StringTensor {
  const { dtype, shape, data } = tensor;
  if (dtype === 'bool' || dtype === 'string' || typeof data[0] === 'bigint')
    throw new ServingError('INVALID_INPUT', `output ${name} is ${dtype}: classification needs a numeric output`);
  // Run-time shapes are concrete, so the class count is always known here.
  const classes = outputClassCount(shape) ?? 0;
  const rows = shape.length <= 1 ? 1 : shape[0]!;
  if (count > classes)
    throw new ServingError(
      'INVALID_INPUT',
      `output ${name}: classification ${count} asks for more classes than the output's ${classes}`,
    );
  const raw = data as ArrayLike<number>;
  // float16 and bfloat16 tensors hold their bits.
  const value =
    dtype === 'float16'
      ? (i: number) => float16BitsToNumber(raw[i]!)
      : dtype === 'bfloat16'
        ? (i: number) => bfloat16BitsToNumber(raw[i]!)
        : (i: number) => raw[i]!;
  const order = new Int32Array(classes);
  const result: string[] = [];
  for (let row = 0; row < rows; row++) {
    const base = row * classes;
    for (let i = 0; i < classes; i++) order[i] = i;
    const key = (i: number) => {
      const v = value(base + i);
      return Number.isNaN(v) ? Number.NEGATIVE_INFINITY : v;
    };
    // A partial selection would do for small k; classes are at most a few thousand, so a sort is simple and enough.
    const ranked = Array.from(order).sort((a, b) => key(b) - key(a) || a - b);
    for (const index of ranked.slice(0, count)) {
      const label = labels?.[index];
      result.push(`${value(base + index).toFixed(6)}:${index}${label === undefined ? '' : `:${label}`}`);
    }
  }
  return { shape: shape.length <= 1 ? [count] : [rows, count], values: result };
}
