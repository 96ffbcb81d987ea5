/**
 * Orders request tensors as a served model's `run` takes them, checking each against its input (tensor/signature.ts).
 * Both protocols go through here, so a wrong dtype or shape reads the same whichever protocol sent it.
 */
import { ServingError } from '../errors.js';
import { checkTensor, namesAgainst } from '../tensor/signature.js';
import type { Tensor } from '../tensor/types.js';
import type { ServedModel } from './types.js';

/**
 * Request tensors by name → the model's inputs in order. Unknown names and missing inputs are 422 and list what the
 * model takes, so a client can fix its request from the message alone.
 */
export function orderInputs(model: ServedModel, named: ReadonlyMap<string, Tensor>): Tensor[] {
  const expected = model.inputs.map((info) => info.name);
  const { unknown, missing } = namesAgainst(expected, [...named.keys()]);
  if (unknown.length)
    throw new ServingError(
      'INVALID_INPUT',
      `unknown input${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; model ${model.name} takes ${expected.join(', ') || '(none)'}`,
    );
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
