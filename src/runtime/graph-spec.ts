/**
 * Turns the loader's typed graph into the plain description the native engine reads: values by index (weights
 * passed as views of the model's bytes, never copied), nodes with their attributes. Constants that are not
 * tensors (a dtype given to Cast, a None) become attributes `mindlet.input<k>` of the nodes that read them.
 */
import { MindletError } from '../errors.js';
import { byteLength } from '../graph/dtype.js';
import type { AttrValue, DType, Graph, Model, TensorInfo } from '../graph/types.js';

export interface SpecTensor {
  dtype: DType;
  shape: number[];
  data: Uint8Array;
}

export interface SpecValue {
  name: string;
  dtype: DType;
  shape: number[] | null;
  tensor?: SpecTensor;
}

export interface SpecNode {
  name: string;
  op: string;
  inputs: number[];
  outputs: number[];
  attrs: Record<string, unknown>;
}

export interface GraphSpec {
  values: SpecValue[];
  inputs: number[];
  outputs: number[];
  nodes: SpecNode[];
}

export function buildGraphSpec(model: Model): GraphSpec {
  const graph = model.graph;
  const file = model.source;
  const values: SpecValue[] = [];
  const index = new Map<string, number>();
  const nonTensor = new Map<string, AttrValue>();

  const info = (name: string): TensorInfo | undefined => graph.values.get(name);
  const add = (value: SpecValue): number => {
    const existing = index.get(value.name);
    if (existing !== undefined) return existing;
    values.push(value);
    index.set(value.name, values.length - 1);
    return values.length - 1;
  };

  for (const input of graph.inputs) add({ name: input.name, dtype: input.dtype, shape: input.shape });
  for (const [name, weight] of graph.parameters) {
    if (weight.data.byteLength === 0 && byteLength(weight.dtype, weight.shape) > 0) {
      throw new MindletError(
        'INVALID_GRAPH',
        `parameter ${name} has no data in the file (apply a checkpoint with applyCheckpoint first)`,
        { file },
      );
    }
    add({
      name,
      dtype: weight.dtype,
      shape: weight.shape,
      tensor: { dtype: weight.dtype, shape: weight.shape, data: weight.data },
    });
  }
  for (const [name, value] of graph.constants) {
    const tensor = constantTensor(value, info(name)?.dtype);
    if (tensor) add({ name, dtype: tensor.dtype, shape: tensor.shape, tensor });
    else nonTensor.set(name, value);
  }

  const nodes: SpecNode[] = [];
  for (const node of graph.nodes) {
    if (node.callee) {
      throw new MindletError(
        'UNSUPPORTED',
        `calls graph ${node.callee}: control flow and sub-graph calls are not supported by the engine yet`,
        { file, node: node.name },
      );
    }
    const attrs: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node.attrs)) {
      const converted = attrToSpec(value);
      if (converted !== undefined) attrs[key] = converted;
    }
    const inputs: number[] = [];
    node.inputs.forEach((name, k) => {
      if (nonTensor.has(name)) {
        attrs[`mindlet.input${k}`] = attrToSpec(nonTensor.get(name) ?? null) ?? null;
        return;
      }
      let at = index.get(name);
      if (at === undefined) {
        // A value defined by an earlier node; declared dtype/shape where the loader inferred them.
        const known = info(name);
        at = add({ name, dtype: known?.dtype ?? 'float32', shape: known?.shape ?? null });
      }
      inputs.push(at);
    });
    const outputs = node.outputs.map((name) => {
      const known = info(name);
      return add({ name, dtype: known?.dtype ?? 'float32', shape: known?.shape ?? null });
    });
    nodes.push({ name: node.name, op: node.op, inputs, outputs, attrs });
  }
  const outputs = graph.outputs.map((output) => {
    const at = index.get(output.name);
    if (at === undefined) {
      throw new MindletError('INVALID_GRAPH', `graph output ${output.name} is not computed by any node`, { file });
    }
    return at;
  });
  return { values, inputs: graph.inputs.map((input) => index.get(input.name) ?? -1), outputs, nodes };
}

/** A constant as a tensor, or undefined when it is not tensor-like (a dtype, a string, None...). */
function constantTensor(value: AttrValue, declared: DType | undefined): SpecTensor | undefined {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && 'kind' in value) {
    if (value.kind === 'tensor') {
      const t = value.tensor;
      return { dtype: t.dtype, shape: t.shape, data: t.data };
    }
    return undefined;
  }
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    return scalarTensor([value], [], declared);
  }
  if (
    Array.isArray(value) &&
    value.every((v) => typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean')
  ) {
    return scalarTensor(value as Array<number | bigint | boolean>, [value.length], declared);
  }
  return undefined;
}

function scalarTensor(
  items: Array<number | bigint | boolean>,
  shape: number[],
  declared: DType | undefined,
): SpecTensor {
  const allBool = items.length > 0 && items.every((v) => typeof v === 'boolean');
  const allInt = items.every((v) => typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v)));
  let dtype: DType = declared ?? (allBool ? 'bool' : allInt ? 'int64' : 'float32');
  if (!['float32', 'float64', 'int32', 'int64', 'bool', 'int8', 'uint8', 'int16'].includes(dtype)) dtype = 'float32';
  const numbers = items.map((v) => (typeof v === 'boolean' ? (v ? 1 : 0) : v));
  let data: Uint8Array;
  switch (dtype) {
    case 'int64':
      data = new Uint8Array(BigInt64Array.from(numbers, (v) => BigInt(v)).buffer);
      break;
    case 'int32':
      data = new Uint8Array(Int32Array.from(numbers, (v) => Number(v)).buffer);
      break;
    case 'float64':
      data = new Uint8Array(Float64Array.from(numbers, (v) => Number(v)).buffer);
      break;
    case 'bool':
    case 'uint8':
      data = Uint8Array.from(numbers, (v) => Number(v));
      break;
    case 'int8':
      data = new Uint8Array(Int8Array.from(numbers, (v) => Number(v)).buffer);
      break;
    case 'int16':
      data = new Uint8Array(Int16Array.from(numbers, (v) => Number(v)).buffer);
      break;
    default:
      data = new Uint8Array(Float32Array.from(numbers, (v) => Number(v)).buffer);
  }
  return { dtype, shape, data };
}

/** Attribute values the engine reads: numbers, bigints, strings, lists, tensors and dtypes. */
function attrToSpec(value: AttrValue): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(attrToSpec);
  switch (value.kind) {
    case 'tensor':
      return { tensor: { dtype: value.tensor.dtype, shape: value.tensor.shape, data: value.tensor.data } };
    case 'type':
      return { type: value.dtype };
    default:
      return undefined;
  }
}

/** Ops of the model's main graph the engine has no kernel for, with the first node of each. */
export function unsupportedOps(graph: Graph, supported: ReadonlySet<string>): Array<{ op: string; node: string }> {
  const seen = new Map<string, string>();
  for (const node of graph.nodes) {
    if (node.callee) continue;
    if (!supported.has(node.op) && !seen.has(node.op)) seen.set(node.op, node.name);
  }
  return [...seen].map(([op, node]) => ({ op, node }));
}
