/**
 * Checks request tensors against a served model's signature and orders them as `run` takes them. Both protocols go
 * through here, so a wrong dtype or shape reads the same whichever protocol sent it.
 */

import { ServingError } from '../errors.js';
import { elementCount } from '../graph/dtype.js';
import type { TensorInfo } from '../graph/types.js';
import type { Tensor } from '../runtime/types.js';
import type { ServedModel } from './types.js';

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

/**
 * Request tensors by name → the model's inputs in order. Unknown names and missing inputs are 422 and list what the
 * model takes, so a client can fix its request from the message alone.
 */
export function orderInputs(model: ServedModel, named: ReadonlyMap<string, Tensor>): Tensor[] {
  const expected = model.inputs.map((info) => info.name);
  const unknown = [...named.keys()].filter((name) => !expected.includes(name));
  if (unknown.length)
    throw new ServingError(
      'INVALID_INPUT',
      `unknown input${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; model ${model.name} takes ${expected.join(', ') || '(none)'}`,
    );
  const missing = expected.filter((name) => !named.has(name));
  if (missing.length)
    throw new ServingError(
      'INVALID_INPUT',
      `missing input${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; model ${model.name} takes ${expected.join(', ')}`,
    );
  return model.inputs.map((info) => {
    const tensor = named.get(info.name)!;
    checkTensor(info, tensor);
    return tensor;
  });
}
