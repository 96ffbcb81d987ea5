/**
 * Tensors against a declared signature: shape matching (-1 matches any size), the 422/400 a mismatched request
 * tensor gets, and which names are unknown or missing. The serving protocols and the engine session share these
 * rules; each reports them in its own error type.
 */
import { ServingError } from '../errors.js';
import { elementCount } from '../graph/dtype.js';
import type { TensorInfo } from '../graph/types.js';
import type { Tensor } from './types.js';

/** Shape as `[1,-1,3]` text for messages. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** Does `shape` fit `declared` (same rank; -1 in `declared` matches any size)? */
export function shapeMatches(declared: readonly number[], shape: readonly number[]): boolean {
  return declared.length === shape.length && declared.every((dim, i) => dim < 0 || dim === shape[i]);
}

/** One request tensor against one declared input: 422 naming the input on any mismatch. */
export function checkTensor(info: TensorInfo, tensor: Tensor, label = `input ${info.name}`): void {
  if (tensor.dtype !== info.dtype)
    throw new ServingError('INVALID_INPUT', `${label}: expected dtype ${info.dtype}, got ${tensor.dtype}`);
  if (!shapeMatches(info.shape, tensor.shape))
    throw new ServingError(
      'INVALID_INPUT',
      `${label}: expected shape ${formatShape(info.shape)}, got ${formatShape(tensor.shape)}`,
    );
  if (tensor.data.length !== elementCount(tensor.shape))
    throw new ServingError(
      'BAD_REQUEST',
      `${label}: shape ${formatShape(tensor.shape)} needs ${elementCount(tensor.shape)} elements, got ${tensor.data.length}`,
    );
}

/** Given names against expected ones: those not expected, and those expected but not given (each in its list's order). */
export function namesAgainst(
  expected: readonly string[],
  given: readonly string[],
): { unknown: string[]; missing: string[] } {
  return {
    unknown: given.filter((name) => !expected.includes(name)),
    missing: expected.filter((name) => !given.includes(name)),
  };
}
