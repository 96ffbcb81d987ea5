/**
 * Tensors at the edges: plain data (dtype, shape, a typed array in row-major order) that the engine sessions, the
 * protocols, batch files and the CLI all pass around, and BYTES tensors (strings) for protocol outputs.
 */
import type { TypedArray } from '../graph/typed-arrays.js';
import type { DType } from '../graph/types.js';

/** Typed arrays a tensor's data may be, by dtype: float32 → Float32Array, int64 → BigInt64Array, bool → Uint8Array. */
export type TensorData = TypedArray;

/** A dense tensor in row-major order. `data.length` equals the product of `shape` (1 for a scalar `[]`). */
export interface Tensor {
  dtype: DType;
  shape: number[];
  data: TensorData;
}

/** A session output: a tensor with the graph output's name. */
export interface NamedTensor extends Tensor {
  name: string;
}

/** A BYTES tensor (KServe's string datatype): strings in row-major order. */
export interface StringTensor {
  shape: number[];
  values: string[];
}
