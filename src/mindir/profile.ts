/**
 * Per-model figures for `mindlet inspect` and the placement policy: FLOPs per node (multiply-add = 2), activation
 * bytes and the peak of live activations in topological order, parameter and constant weight totals.
 * Dynamic dims (-1) count as 1, so figures are per unit of each dynamic dimension (batch 1).
 */
import { byteLength, elementCount } from './dtype.js';
import type { Graph, GraphNode, Model, ModelProfile, TensorInfo } from './types.js';

/** Bookkeeping primitives (MindSpore's side-effect tracking and tuple plumbing): no computation. */
export const BOOKKEEPING_OPS: ReadonlySet<string> = new Set([
  'Constant',
  'Load',
  'UpdateState',
  'Depend',
  'MakeTuple',
  'MakeList',
  'TupleGetItem',
  'ListGetItem',
  'Return',
  'UMonad',
  'IOMonad',
]);

/** Per-element costs of ops that are more than one operation per output element (rough, stated). */
const PER_ELEMENT: Record<string, number> = {
  Softmax: 5, // max, subtract, exp, sum, divide
  LogSoftmax: 5,
  GeLU: 8,
  FastGeLU: 6,
  Sigmoid: 4,
  Tanh: 4,
  HSwish: 4,
  Erf: 6,
  LayerNorm: 8, // mean, variance, normalize, scale, shift
  BatchNorm: 4, // inference: scale and shift with folded statistics
  L2Normalize: 3,
};

const NO_FLOPS = new Set([
  'Reshape',
  'Flatten',
  'Transpose',
  'Squeeze',
  'ExpandDims',
  'Concat',
  'Split',
  'Gather',
  'Shape',
  'Tile',
  'Cast',
  'StridedSlice',
  'Identity',
  'Pad',
  'Dropout',
  'Call',
  'Assign',
]);

function info(graph: Graph, name: string | undefined): TensorInfo | undefined {
  return name === undefined ? undefined : graph.values.get(name);
}

export function nodeFlops(graph: Graph, node: GraphNode): number {
  const out = info(graph, node.outputs[0]);
  const outElements = out ? elementCount(out.shape) : 0;
  const x = info(graph, node.inputs[0]);
  const w = info(graph, node.inputs[1]);
  switch (node.op) {
    case 'Conv2D':
    case 'DepthwiseConv2dNative':
    case 'Conv2DTranspose':
    case 'Conv2DBackpropInput': {
      if (!w || w.shape.length !== 4) return 0;
      // Each output element: (Cin/group)·kh·kw multiply-adds; weight [Cout, Cin/group, kh, kw].
      const perOutput = elementCount(w.shape.slice(1));
      const elements = node.op.startsWith('Conv2D') && node.op !== 'Conv2D' && x ? elementCount(x.shape) : outElements;
      return 2 * elements * perOutput;
    }
    case 'MatMul':
    case 'BatchMatMul':
    case 'Dense': {
      if (!x || x.shape.length < 2) return 0;
      const transposeA = node.attrs.transpose_a === true || node.attrs.transpose_x1 === true;
      const k = x.shape.at(transposeA ? -2 : -1)!;
      return 2 * outElements * Math.max(k, 1);
    }
    case 'MaxPool':
    case 'AvgPool': {
      const k = node.attrs.kernel_size;
      const kernel = Array.isArray(k)
        ? (k.slice(-2) as number[]).reduce((p, d) => p * (typeof d === 'number' ? d : 1), 1)
        : 1;
      return outElements * kernel;
    }
    case 'AdaptiveAvgPool2D':
    case 'ReduceMean':
    case 'ReduceSum':
    case 'ReduceMax':
    case 'ReduceMin':
      return x ? elementCount(x.shape) : 0;
    default:
      if (NO_FLOPS.has(node.op)) return 0;
      return outElements * (PER_ELEMENT[node.op] ?? 1);
  }
}

export function profileModel(model: Model): ModelProfile {
  const graph = model.graph;
  let parameterBytes = 0;
  let parameterElements = 0;
  for (const weight of graph.parameters.values()) {
    parameterBytes += weight.data.byteLength || byteLength(weight.dtype, weight.shape);
    parameterElements += elementCount(weight.shape);
  }
  let constantTensorCount = 0;
  let constantTensorBytes = 0;
  for (const value of graph.constants.values()) {
    if (value && typeof value === 'object' && !Array.isArray(value) && value.kind === 'tensor') {
      constantTensorCount++;
      constantTensorBytes += value.tensor.data.byteLength;
    }
  }

  // Lifetimes: a node output lives from its producer to its last consumer; graph outputs to the end.
  const lastUse = new Map<string, number>();
  graph.nodes.forEach((node, step) => {
    for (const input of node.inputs) lastUse.set(input, step);
  });
  for (const output of graph.outputs) lastUse.set(output.name, graph.nodes.length);
  const releaseAt = new Map<number, number>();
  const ops: Record<string, number> = {};
  const nodes: ModelProfile['nodes'] = [];
  let flops = 0;
  let activationBytes = 0;
  let live = 0;
  let peak = 0;
  graph.nodes.forEach((node, step) => {
    if (!BOOKKEEPING_OPS.has(node.op)) ops[node.op] = (ops[node.op] ?? 0) + 1;
    const nodeFlop = nodeFlops(graph, node);
    let outputBytes = 0;
    for (const output of node.outputs) {
      const value = graph.values.get(output);
      const bytes = value ? byteLength(value.dtype, value.shape) : 0;
      outputBytes += bytes;
      const end = lastUse.get(output) ?? step;
      releaseAt.set(end, (releaseAt.get(end) ?? 0) + bytes);
    }
    live += outputBytes;
    peak = Math.max(peak, live);
    live -= releaseAt.get(step) ?? 0;
    flops += nodeFlop;
    activationBytes += outputBytes;
    nodes.push({ name: node.name, op: node.op, flops: nodeFlop, outputBytes });
  });
  return {
    parameterCount: graph.parameters.size,
    parameterBytes,
    parameterElements,
    constantTensorCount,
    constantTensorBytes,
    flops,
    activationBytes,
    peakActivationBytes: peak,
    ops,
    nodes,
  };
}
