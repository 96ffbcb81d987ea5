/**
 * Micro-batching over a model's leading batch dimension, shared by the MindSpore Serving protocol (instances in one
 * request) and batch prediction (records in one object): find the batch dimension, stack single samples into one
 * tensor, and take each sample's rows back out of a batched output.
 */
import type { TensorInfo } from '../graph/types.js';
import type { Tensor, TensorData } from './types.js';

/**
 * The model's batch dimension: the first dim every input shares (-1 dynamic, or a fixed N) and every output has
 * too (or leaves dynamic). Undefined when there is none; then each sample is one whole set of model inputs.
 */
export function batchDimension(model: {
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
}): number | undefined {
  const first = model.inputs[0]?.shape[0];
  if (first === undefined || first === 0) return undefined;
  if (!model.inputs.every((info) => info.shape.length > 0 && info.shape[0] === first)) return undefined;
  if (!model.outputs.every((info) => info.shape.length > 0 && (info.shape[0] === first || info.shape[0]! < 0)))
    return undefined;
  return first < 0 ? -1 : first;
}

/**
 * Samples of one shape and dtype → one tensor with a leading batch dimension: a view when the samples already lie
 * side by side in one buffer (rows cut from one slab), else a copy.
 */
export function stackSamples(samples: readonly Tensor[]): Tensor {
  const first = samples[0];
  if (!first) throw new RangeError('stackSamples needs at least one sample');
  const per = first.data.length;
  const adjacent = samples.every(
    (sample, row) =>
      sample.data.buffer === first.data.buffer &&
      sample.data.length === per &&
      sample.data.byteOffset === first.data.byteOffset + row * first.data.byteLength,
  );
  if (adjacent) {
    const Typed = first.data.constructor as new (buffer: ArrayBufferLike, offset: number, length: number) => TensorData;
    return {
      dtype: first.dtype,
      shape: [samples.length, ...first.shape],
      data: new Typed(first.data.buffer, first.data.byteOffset, per * samples.length),
    };
  }
  const data = new (first.data.constructor as new (length: number) => TensorData)(per * samples.length);
  samples.forEach((sample, row) => {
    if (sample.data.length !== per)
      throw new RangeError(`sample ${row} has ${sample.data.length} elements, not ${per}`);
    (data as Float32Array).set(sample.data as Float32Array, row * per);
  });
  return { dtype: first.dtype, shape: [samples.length, ...first.shape], data };
}

/**
 * Row `row` of a batched tensor of `rows` rows, without its batch dimension: a view, not a copy. Undefined when
 * the tensor's first dimension is not `rows` (an output the batch does not split).
 */
export function sampleOf(tensor: Tensor, row: number, rows: number): Tensor | undefined {
  if (tensor.shape[0] !== rows) return undefined;
  const per = tensor.data.length / rows;
  return { dtype: tensor.dtype, shape: tensor.shape.slice(1), data: tensor.data.subarray(row * per, (row + 1) * per) };
}
