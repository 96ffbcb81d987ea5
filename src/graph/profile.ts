/**
 * Per-model figures for `mindlet inspect` and the placement policy: FLOPs per node (multiply-add = 2), activation
 * bytes and the peak of live activations in topological order, parameter and constant weight totals.
 * Dynamic dims (-1) count as 1, so figures are per unit of each dynamic dimension (batch 1 for a -1 batch): shapes are
 * inferred again from inputs with those dims set to 1, so a Reshape to [-1, 768] of a [batch, 128, 768] activation
 * counts its 128 rows, not one.
 * Values whose shape is unknown count 0 bytes and their nodes 0 FLOPs.
 */
import { byteLength, elementCount } from './dtype.js';
import { asInts, asNumber, attrOrConstInput, inferShapes, isNhwc, REDUCE_OPS, spatialPair } from './shape-inference.js';
import type { AttrValue, Graph, GraphNode, Model, ModelProfile, TensorInfo } from './types.js';

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

/**
 * FLOPs per output element of ops that do more than one operation per element. Rough by design:
 * Softmax/LogSoftmax 5 (max, subtract, exp, sum, divide); LayerNorm 8 (mean, subtract, square, variance, rsqrt,
 * normalize, scale, shift); BatchNorm 4 at inference (subtract mean, multiply by 1/sqrt(var+eps), scale, shift);
 * transcendental activations a few each; bilinear resize 4 (weights of four neighbours).
 */
export const FLOPS_PER_ELEMENT: Readonly<Record<string, number>> = {
  Softmax: 5,
  LogSoftmax: 5,
  LayerNorm: 8,
  BatchNorm: 4,
  GeLU: 8,
  FastGeLU: 6,
  Sigmoid: 4,
  Tanh: 4,
  HSwish: 4,
  HSigmoid: 3,
  SiLU: 5,
  Swish: 5,
  Mish: 6,
  Erf: 6,
  L2Normalize: 3,
  ResizeBilinear: 4,
  ResizeBilinearV2: 4,
};

/** Ops that only move, view or relabel data: 0 FLOPs. */
const DATA_MOVEMENT = new Set([
  'Reshape',
  'Flatten',
  'Transpose',
  'Squeeze',
  'ExpandDims',
  'Concat',
  'Split',
  'Gather',
  'GatherV2',
  'Shape',
  'Tile',
  'Cast',
  'StridedSlice',
  'Identity',
  'Pad',
  'Dropout',
  'OneHot',
  'ZerosLike',
  'OnesLike',
  'StopGradient',
  'ResizeNearestNeighbor',
  'ResizeNearestNeighborV2',
  'Call',
  'Assign',
]);

/** Ops that visit every input element once (reductions and adaptive pooling). */
const PER_INPUT_ELEMENT = new Set([
  ...REDUCE_OPS,
  'AdaptiveAvgPool2D',
  'Argmax',
  'Argmin',
  'ArgMaxWithValue',
  'ArgMinWithValue',
]);

function info(graph: Graph, name: string | undefined): TensorInfo | undefined {
  return name === undefined ? undefined : graph.values.get(name);
}

function flagOf(value: AttrValue | undefined): boolean {
  return asNumber(value) === 1;
}

/** kh·kw of a 4-D convolution weight: [Cout, Cin/g, kh, kw] (NCHW) or [Cout, kh, kw, Cin/g] (NHWC). */
function kernelArea(weight: number[], nhwc: boolean): number {
  return nhwc ? elementCount(weight.slice(1, 3)) : elementCount(weight.slice(2));
}

/** Floating point operations of one node at the shapes in `graph.values` (multiply-add = 2). */
export function nodeFlops(graph: Graph, node: GraphNode): number {
  const out = info(graph, node.outputs[0]);
  if (!out) return 0;
  const outElements = elementCount(out.shape);
  const x = info(graph, node.inputs[0]);
  const w = info(graph, node.inputs[1]);
  const attr = (name: string, index?: number) => attrOrConstInput(graph, node, name, index);
  switch (node.op) {
    case 'Conv2D':
    case 'Conv2DExt':
      // 2·N·Cout·Hout·Wout · (Cin/group)·kh·kw; the weight holds the last three factors.
      return w?.shape.length === 4 ? 2 * outElements * elementCount(w.shape.slice(1)) : 0;
    case 'DepthwiseConv2dNative':
      // Each output channel sees one input channel: kh·kw multiply-adds per output element.
      return w?.shape.length === 4 ? 2 * outElements * kernelArea(w.shape, isNhwc({ attr })) : 0;
    case 'Conv2DTranspose':
    case 'Conv2DBackpropInput':
      // Every input (dout) element scatters into (Cout/group)·kh·kw outputs; weight [Cdout, Cout/g, kh, kw].
      return x && w?.shape.length === 4 ? 2 * elementCount(x.shape) * elementCount(w.shape.slice(1)) : 0;
    case 'MatMul':
    case 'BatchMatMul':
    case 'MatMulExt':
    case 'BatchMatMulExt':
    case 'Dense': {
      if (!x || x.shape.length < 2) return 0;
      const transposeA = node.op !== 'Dense' && (flagOf(attr('transpose_a', 2)) || flagOf(node.attrs.transpose_x1));
      // Output [batch…, M, N] times K multiply-adds each.
      return 2 * outElements * elementCount([x.shape.at(transposeA ? -2 : -1)!]);
    }
    case 'MaxPool':
    case 'AvgPool':
    case 'MaxPoolWithArgmax': {
      const nhwc = isNhwc({ attr }, 4);
      const [kh, kw] = spatialPair(asInts(attr('kernel_size', 1)), nhwc, 1);
      return outElements * Math.max(kh, 1) * Math.max(kw, 1);
    }
    default:
      if (PER_INPUT_ELEMENT.has(node.op)) return x ? elementCount(x.shape) : 0;
      if (DATA_MOVEMENT.has(node.op)) return 0;
      // Elementwise and anything unmodelled: the stated per-element cost, else one per output element.
      return outElements * (FLOPS_PER_ELEMENT[node.op] ?? 1);
  }
}

function isTensorValue(value: AttrValue | undefined): value is Extract<AttrValue, { kind: 'tensor' }> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && value.kind === 'tensor';
}

/**
 * The graph with every dynamic input dim set to 1 and shapes inferred again from there (a copy: the model's own
 * values keep their -1s). The graph itself when no input is dynamic.
 */
function concreteGraph(graph: Graph): Graph {
  if (!graph.inputs.some((input) => input.shape.some((dim) => dim < 0))) return graph;
  const values = new Map(graph.values);
  const inputs = graph.inputs.map((input) => ({ ...input, shape: input.shape.map((dim) => (dim < 0 ? 1 : dim)) }));
  for (const input of inputs) values.set(input.name, input);
  const concrete: Graph = { ...graph, inputs, values, outputs: [...graph.outputs] };
  try {
    inferShapes(concrete, []);
  } catch {
    // A contradiction only a concrete size reveals: profile the shapes as recorded.
    return graph;
  }
  return concrete;
}

export function profileModel(model: Model): ModelProfile {
  const graph = concreteGraph(model.graph);
  let parameterBytes = 0;
  let parameterElements = 0;
  for (const weight of graph.parameters.values()) {
    // The bytes in the file where it has them, else the size the dtype and shape call for (checkpoint-filled).
    parameterBytes += weight.data.byteLength || byteLength(weight.dtype, weight.shape);
    parameterElements += elementCount(weight.shape);
  }
  let constantTensorCount = 0;
  let constantTensorBytes = 0;
  for (const value of graph.constants.values()) {
    if (!isTensorValue(value)) continue;
    constantTensorCount++;
    constantTensorBytes += value.tensor.data.byteLength || byteLength(value.tensor.dtype, value.tensor.shape);
  }

  // Lifetimes: a node output lives from its producer to its last consumer; graph outputs to the end.
  const end = graph.nodes.length;
  const lastUse = new Map<string, number>();
  graph.nodes.forEach((node, step) => {
    for (const input of node.inputs) lastUse.set(input, step);
  });
  for (const output of graph.outputs) lastUse.set(output.name, end);
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
      // An unused output is freed right after its producer; a consumer listed earlier (not topological) too.
      const release = Math.max(step, lastUse.get(output) ?? step);
      releaseAt.set(release, (releaseAt.get(release) ?? 0) + bytes);
    }
    // While a node runs, its inputs and its outputs are all live.
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
