/**
 * Builds small in-memory models (the loader's typed graph) for engine tests: a few nodes over named inputs and
 * constants, without going through a file.
 */
import type { AttrValue, DType, Graph, GraphNode, Model, TensorInfo, WeightTensor } from '../../src/graph/types.js';

export interface OpModelSpec {
  inputs: TensorInfo[];
  /** Constant tensors by name (weights), as float32 unless a dtype is given. */
  constants?: Record<string, { shape: number[]; data: ArrayLike<number> | BigInt64Array; dtype?: DType }>;
  /** Non-tensor constants (a dtype for Cast, a tuple for Reshape) by name. */
  values?: Record<string, AttrValue>;
  nodes: Array<{ op: string; inputs: string[]; outputs?: string[]; attrs?: Record<string, AttrValue> }>;
  /** Output value names; default: the last node's outputs. */
  outputs?: string[];
}

function bytesOf(dtype: DType, data: ArrayLike<number> | BigInt64Array): Uint8Array {
  switch (dtype) {
    case 'int32':
      return new Uint8Array(Int32Array.from(data as ArrayLike<number>).buffer);
    case 'int64':
      return new Uint8Array(
        data instanceof BigInt64Array
          ? data.buffer
          : BigInt64Array.from(data as ArrayLike<number>, (v) => BigInt(v)).buffer,
      );
    case 'bool':
    case 'uint8':
      return Uint8Array.from(data as ArrayLike<number>);
    default:
      return new Uint8Array(Float32Array.from(data as ArrayLike<number>).buffer);
  }
}

export function opModel(spec: OpModelSpec): Model {
  const parameters = new Map<string, WeightTensor>();
  for (const [name, c] of Object.entries(spec.constants ?? {})) {
    const dtype = c.dtype ?? 'float32';
    parameters.set(name, { name, dtype, shape: c.shape, data: bytesOf(dtype, c.data), storage: { kind: 'inline' } });
  }
  const constants = new Map<string, AttrValue>(Object.entries(spec.values ?? {}));
  const nodes: GraphNode[] = spec.nodes.map((n, i) => ({
    name: `node${i}_${n.op}`,
    op: n.op,
    inputs: n.inputs,
    outputs: n.outputs ?? [`node${i}_out`],
    attrs: n.attrs ?? {},
  }));
  const outputNames = spec.outputs ?? nodes[nodes.length - 1]?.outputs ?? [];
  const graph: Graph = {
    name: 'test',
    inputs: spec.inputs,
    outputs: outputNames.map((name) => ({ name, dtype: 'float32', shape: [] })),
    parameters,
    constants,
    nodes,
    values: new Map(spec.inputs.map((i) => [i.name, i])),
  };
  return {
    source: 'test-model',
    format: 'mindir',
    producer: 'test',
    producerVersion: '',
    irVersion: '',
    mindIrVersion: 0,
    encrypted: false,
    graph,
    subgraphs: new Map(),
    warnings: [],
  };
}

/** A float32 tensor from nested shape and a generator of values. */
export function f32(
  shape: number[],
  fill: (i: number) => number,
): { dtype: 'float32'; shape: number[]; data: Float32Array } {
  const n = shape.reduce((a, b) => a * b, 1);
  return { dtype: 'float32', shape, data: Float32Array.from({ length: n }, (_, i) => fill(i)) };
}

/** A deterministic pseudo-random stream in [-1, 1) (mulberry32), so failures reproduce. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}
