/**
 * Static shape and dtype inference over a clean graph, in topological order. Starts from what the loader put in
 * `graph.values` (inputs, weights, and the output abstracts MindSpore recorded) and fills or refines node outputs.
 * Attributes may arrive as constant inputs instead (MindSpore 2.3+ primitive functions), so rules read both.
 */
import { MindletError } from '../errors.js';
import { tensorIntegers } from './tensors.js';
import type { AttrValue, DType, Graph, GraphNode, Shape, TensorInfo } from './types.js';

type Inferred = { dtype: DType; shape: Shape } | undefined;

/** What a rule sees of one node. */
export interface RuleContext {
  node: GraphNode;
  graph: Graph;
  /** Known input infos by position (undefined where unknown). */
  inputs: Array<TensorInfo | undefined>;
  /** Attribute by name, else the constant at `inputIndex` (2.3+ passes attributes as inputs). */
  attr(name: string, inputIndex?: number): AttrValue | undefined;
  /** Integers of an attribute or constant input (a tuple or an int tensor). */
  ints(name: string, inputIndex?: number): number[] | undefined;
  fail(message: string): never;
}

type Rule = (c: RuleContext) => Inferred[] | undefined;

const UNARY = [
  'ReLU',
  'ReLU6',
  'Sigmoid',
  'Tanh',
  'GeLU',
  'FastGeLU',
  'HSwish',
  'HSigmoid',
  'Erf',
  'Exp',
  'Log',
  'Sqrt',
  'Rsqrt',
  'Neg',
  'Abs',
  'Square',
  'Reciprocal',
  'Softmax',
  'LogSoftmax',
  'Identity',
  'Sin',
  'Cos',
  'Floor',
  'Ceil',
  'Round',
  'Elu',
  'LeakyReLU',
  'SeLU',
  'Softplus',
  'Mish',
  'SiLU',
  'Swish',
  'ZerosLike',
  'OnesLike',
  'BiasAdd',
  'PReLU',
  'ClipByValue',
  'L2Normalize',
  'LRN',
  'Sign',
  'Assign',
  'StopGradient',
];
const BROADCAST = [
  'Add',
  'Sub',
  'Mul',
  'RealDiv',
  'Div',
  'DivNoNan',
  'FloorDiv',
  'FloorMod',
  'Mod',
  'Maximum',
  'Minimum',
  'Pow',
  'SquaredDifference',
  'Atan2',
  'AddV2',
];
const COMPARE = ['Equal', 'NotEqual', 'Greater', 'GreaterEqual', 'Less', 'LessEqual', 'LogicalAnd', 'LogicalOr'];
const REDUCE = [
  'ReduceMean',
  'ReduceSum',
  'ReduceMax',
  'ReduceMin',
  'ReduceProd',
  'ReduceAll',
  'ReduceAny',
  'MeanExt',
  'SumExt',
];

function same(c: RuleContext, index = 0): Inferred[] | undefined {
  const x = c.inputs[index];
  return x ? [{ dtype: x.dtype, shape: [...x.shape] }] : undefined;
}

export function broadcastShapes(a: Shape, b: Shape, fail: (m: string) => never): Shape {
  const rank = Math.max(a.length, b.length);
  const out: Shape = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x === y || y === 1) out.push(x);
    else if (x === 1) out.push(y);
    else if (x < 0 || y < 0) out.push(x < 0 ? y : x);
    else fail(`cannot broadcast [${a.join(',')}] with [${b.join(',')}]`);
  }
  return out;
}

function normalizeAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

function asNumber(value: AttrValue | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (Array.isArray(value) && value.length === 1) return asNumber(value[0]);
  if (value && typeof value === 'object' && !Array.isArray(value) && value.kind === 'tensor')
    return tensorIntegers(value.tensor)?.[0];
  return undefined;
}

/** 2.x PadMode enum: 0 PAD, 1 SAME, 2 VALID; strings in any case. */
function padMode(value: AttrValue | undefined): 'pad' | 'same' | 'valid' {
  if (typeof value === 'string') return value.toLowerCase() as 'pad' | 'same' | 'valid';
  const n = asNumber(value);
  return n === 1 ? 'same' : n === 2 ? 'valid' : n === 0 ? 'pad' : 'valid';
}

/** Spatial pair from a 2- or 4-element attribute (4-element ones follow the data format's layout). */
function pair(values: number[] | undefined, nhwc: boolean, fallback: number): [number, number] {
  if (!values || values.length === 0) return [fallback, fallback];
  if (values.length === 1) return [values[0]!, values[0]!];
  if (values.length === 4) return nhwc ? [values[1]!, values[2]!] : [values[2]!, values[3]!];
  return [values[0]!, values[1]!];
}

function windowOut(
  size: number,
  kernel: number,
  stride: number,
  dilation: number,
  mode: string,
  padTotal: number,
): number {
  if (size < 0) return -1;
  const effective = (kernel - 1) * dilation + 1;
  if (mode === 'same') return Math.ceil(size / stride);
  if (mode === 'valid') return Math.floor((size - effective) / stride) + 1;
  return Math.floor((size + padTotal - effective) / stride) + 1;
}

const conv: Rule = (c) => {
  const [x, w] = c.inputs;
  if (!x || x.shape.length !== 4) return undefined;
  const nhwc = c.attr('format') === 'NHWC' || c.attr('data_format') === 'NHWC';
  const [n, ch, h, wd] = nhwc
    ? [x.shape[0]!, x.shape[3]!, x.shape[1]!, x.shape[2]!]
    : (x.shape as [number, number, number, number]);
  const kernel = pair(c.ints('kernel_size'), false, w ? w.shape[2]! : 1);
  const stride = pair(c.ints('stride') ?? c.ints('strides'), nhwc, 1);
  const dilation = pair(c.ints('dilation'), nhwc, 1);
  const pads = c.ints('pad_list') ?? c.ints('pad') ?? [0, 0, 0, 0];
  const mode = padMode(c.attr('pad_mode'));
  const group = asNumber(c.attr('group') ?? c.attr('groups')) ?? 1;
  let out = asNumber(c.attr('out_channel'));
  if (c.node.op === 'DepthwiseConv2dNative') out = ch * (asNumber(c.attr('channel_multiplier')) ?? 1);
  if (w && w.shape.length === 4) {
    out ??= w.shape[0];
    const wIn = w.shape[1]!;
    if (c.node.op === 'Conv2D' && ch > 0 && wIn > 0 && wIn * group !== ch) {
      c.fail(
        `Conv2D input has ${ch} channels, weight [${w.shape.join(',')}] with group ${group} expects ${wIn * group}`,
      );
    }
  }
  const oh = windowOut(h, kernel[0], stride[0], dilation[0], mode, (pads[0] ?? 0) + (pads[1] ?? 0));
  const ow = windowOut(wd, kernel[1], stride[1], dilation[1], mode, (pads[2] ?? 0) + (pads[3] ?? 0));
  const shape = nhwc ? [n, oh, ow, out ?? -1] : [n, out ?? -1, oh, ow];
  return [{ dtype: x.dtype, shape }];
};

const pool: Rule = (c) => {
  const x = c.inputs[0];
  if (!x || x.shape.length !== 4) return undefined;
  const nhwc = c.attr('format') === 'NHWC' || c.attr('data_format') === 'NHWC';
  const [n, ch, h, w] = nhwc
    ? [x.shape[0]!, x.shape[3]!, x.shape[1]!, x.shape[2]!]
    : (x.shape as [number, number, number, number]);
  const kernel = pair(c.ints('kernel_size', 1), nhwc, 1);
  const stride = pair(c.ints('strides', 2), nhwc, 1);
  const mode = padMode(c.attr('pad_mode'));
  const pads = c.ints('pad_list') ?? [0, 0, 0, 0];
  const oh = windowOut(h, kernel[0], stride[0], 1, mode, (pads[0] ?? 0) + (pads[1] ?? 0));
  const ow = windowOut(w, kernel[1], stride[1], 1, mode, (pads[2] ?? 0) + (pads[3] ?? 0));
  return [{ dtype: x.dtype, shape: nhwc ? [n, oh, ow, ch] : [n, ch, oh, ow] }];
};

function matmulDims(c: RuleContext, ta: boolean, tb: boolean): Inferred[] | undefined {
  const [a, b] = c.inputs;
  if (!a || !b || a.shape.length < 2 || b.shape.length < 2) return undefined;
  const m = a.shape.at(ta ? -1 : -2)!;
  const k = a.shape.at(ta ? -2 : -1)!;
  const k2 = b.shape.at(tb ? -1 : -2)!;
  const n = b.shape.at(tb ? -2 : -1)!;
  if (k >= 0 && k2 >= 0 && k !== k2)
    c.fail(`${c.node.op} inner dimensions differ: [${a.shape.join(',')}] x [${b.shape.join(',')}]`);
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), c.fail);
  return [{ dtype: a.dtype, shape: [...batch, m, n] }];
}

const flag = (c: RuleContext, ...names: string[]) => names.some((n) => c.attr(n) === true || asNumber(c.attr(n)) === 1);

const reduce: Rule = (c) => {
  const x = c.inputs[0];
  if (!x) return undefined;
  const rank = x.shape.length;
  const axes = (c.ints('axis', 1) ?? []).map((a) => normalizeAxis(a, rank));
  const keep = flag(c, 'keep_dims') || asNumber(c.attr('keep_dims', 2)) === 1;
  const all = axes.length === 0;
  const shape: Shape = [];
  x.shape.forEach((d, i) => {
    if (all || axes.includes(i)) {
      if (keep) shape.push(1);
    } else shape.push(d);
  });
  return [{ dtype: x.dtype, shape }];
};

const reshape: Rule = (c) => {
  const x = c.inputs[0];
  const target = c.ints('shape', 1);
  if (!x || !target) return undefined;
  const known = target.reduce((p, d) => (d > 0 ? p * d : p), 1);
  const total = x.shape.every((d) => d >= 0) ? x.shape.reduce((p, d) => p * d, 1) : -1;
  const shape = target.map((d, i) => (d === 0 ? (x.shape[i] ?? 0) : d));
  const unknown = shape.indexOf(-1);
  if (unknown >= 0) shape[unknown] = total >= 0 && known > 0 ? total / known : -1;
  if (total >= 0 && shape.every((d) => d >= 0) && shape.reduce((p, d) => p * d, 1) !== total) {
    c.fail(`cannot reshape [${x.shape.join(',')}] to [${target.join(',')}]`);
  }
  return [{ dtype: x.dtype, shape }];
};

const RULES: Record<string, Rule> = {
  Cast: (c) => {
    const x = c.inputs[0];
    const to = c.attr('dst_type', 1) ?? c.attr('to');
    const dtype = to && typeof to === 'object' && !Array.isArray(to) && to.kind === 'type' ? to.dtype : undefined;
    return x && dtype ? [{ dtype, shape: [...x.shape] }] : undefined;
  },
  MatMul: (c) => matmulDims(c, flag(c, 'transpose_a', 'transpose_x1'), flag(c, 'transpose_b', 'transpose_x2')),
  BatchMatMul: (c) => matmulDims(c, flag(c, 'transpose_a', 'transpose_x1'), flag(c, 'transpose_b', 'transpose_x2')),
  Dense: (c) => matmulDims(c, false, true),
  Conv2D: conv,
  DepthwiseConv2dNative: conv,
  MaxPool: pool,
  AvgPool: pool,
  AdaptiveAvgPool2D: (c) => {
    const x = c.inputs[0];
    const size = c.ints('output_size', 1);
    if (!x || !size) return undefined;
    const hw = size.length === 1 ? [size[0]!, size[0]!] : size.slice(0, 2);
    return [
      { dtype: x.dtype, shape: [...x.shape.slice(0, -2), ...hw.map((d, i) => (d < 0 ? x.shape.at(i - 2)! : d))] },
    ];
  },
  Reshape: reshape,
  Flatten: (c) => {
    const x = c.inputs[0];
    if (!x) return undefined;
    const rest = x.shape.slice(1);
    return [
      { dtype: x.dtype, shape: [x.shape[0] ?? 1, rest.some((d) => d < 0) ? -1 : rest.reduce((p, d) => p * d, 1)] },
    ];
  },
  Transpose: (c) => {
    const x = c.inputs[0];
    const perm = c.ints('perm', 1);
    if (!x || !perm) return undefined;
    if (perm.length !== x.shape.length)
      c.fail(`Transpose perm [${perm.join(',')}] does not match rank ${x.shape.length}`);
    return [{ dtype: x.dtype, shape: perm.map((p) => x.shape[normalizeAxis(p, perm.length)]!) }];
  },
  Squeeze: (c) => {
    const x = c.inputs[0];
    if (!x) return undefined;
    const axes = (c.ints('axis', 1) ?? []).map((a) => normalizeAxis(a, x.shape.length));
    return [{ dtype: x.dtype, shape: x.shape.filter((d, i) => (axes.length ? !axes.includes(i) : d !== 1)) }];
  },
  ExpandDims: (c) => {
    const x = c.inputs[0];
    const axis = c.ints('axis', 1)?.[0];
    if (!x || axis === undefined) return undefined;
    const shape = [...x.shape];
    shape.splice(normalizeAxis(axis, x.shape.length + 1), 0, 1);
    return [{ dtype: x.dtype, shape }];
  },
  Concat: (c) => {
    const count = c.node.inputGroups?.[0] ?? c.inputs.length;
    const parts = c.inputs.slice(0, count);
    if (parts.length === 0 || parts.some((p) => !p)) return undefined;
    const first = parts[0]!;
    const axis = normalizeAxis(c.ints('axis', count)?.[0] ?? 0, first.shape.length);
    const shape = [...first.shape];
    shape[axis] = parts.some((p) => p!.shape[axis]! < 0) ? -1 : parts.reduce((s, p) => s + p!.shape[axis]!, 0);
    return [{ dtype: first.dtype, shape }];
  },
  Split: (c) => {
    const x = c.inputs[0];
    const n = asNumber(c.attr('output_num', 2)) ?? c.node.outputs.length;
    if (!x) return undefined;
    const axis = normalizeAxis(c.ints('axis', 1)?.[0] ?? 0, x.shape.length);
    const shape = [...x.shape];
    if (shape[axis]! >= 0 && shape[axis]! % n !== 0) c.fail(`Split: cannot split ${shape[axis]} into ${n} equal parts`);
    shape[axis] = shape[axis]! < 0 ? -1 : shape[axis]! / n;
    return Array.from({ length: n }, () => ({ dtype: x.dtype, shape: [...shape] }));
  },
  Dropout: (c) => {
    const x = c.inputs[0];
    return x
      ? [
          { dtype: x.dtype, shape: [...x.shape] },
          { dtype: x.dtype, shape: [...x.shape] },
        ]
      : undefined;
  },
  BatchNorm: (c) => {
    const x = c.inputs[0];
    if (!x) return undefined;
    const nhwc = c.attr('format') === 'NHWC' || c.attr('data_format') === 'NHWC';
    const channels = [x.shape[nhwc ? x.shape.length - 1 : 1] ?? -1];
    return [
      { dtype: x.dtype, shape: [...x.shape] },
      ...Array.from({ length: 4 }, () => ({ dtype: x.dtype, shape: [...channels] })),
    ];
  },
  LayerNorm: (c) => {
    const x = c.inputs[0];
    if (!x) return undefined;
    const begin = normalizeAxis(asNumber(c.attr('begin_norm_axis', 3)) ?? -1, x.shape.length);
    const stats = x.shape.map((d, i) => (i < begin ? d : 1));
    return [
      { dtype: x.dtype, shape: [...x.shape] },
      { dtype: x.dtype, shape: stats },
      { dtype: x.dtype, shape: [...stats] },
    ];
  },
  Gather: (c) => {
    const [params, indices] = c.inputs;
    if (!params || !indices) return undefined;
    const axis = normalizeAxis(c.ints('axis', 2)?.[0] ?? 0, params.shape.length);
    return [
      {
        dtype: params.dtype,
        shape: [...params.shape.slice(0, axis), ...indices.shape, ...params.shape.slice(axis + 1)],
      },
    ];
  },
  Shape: (c) => (c.inputs[0] ? [{ dtype: 'int64', shape: [c.inputs[0].shape.length] }] : undefined),
  Tile: (c) => {
    const x = c.inputs[0];
    const multiples = c.ints('multiples', 1);
    if (!x || !multiples) return undefined;
    const padded = [...Array(Math.max(0, multiples.length - x.shape.length)).fill(1), ...x.shape];
    return [{ dtype: x.dtype, shape: padded.map((d, i) => (d < 0 ? -1 : d * (multiples[i] ?? 1))) }];
  },
  Pad: (c) => {
    const x = c.inputs[0];
    const paddings = c.attr('paddings', 1);
    if (!x || !Array.isArray(paddings)) return undefined;
    return [
      {
        dtype: x.dtype,
        shape: x.shape.map((d, i) => {
          const p = paddings[i];
          const [a, b] = Array.isArray(p) ? p.map((v) => asNumber(v) ?? 0) : [0, 0];
          return d < 0 ? -1 : d + (a ?? 0) + (b ?? 0);
        }),
      },
    ];
  },
  OneHot: (c) => {
    const x = c.inputs[0];
    const depth = asNumber(c.attr('depth', 1));
    if (!x || depth === undefined) return undefined;
    const shape = [...x.shape];
    shape.splice(normalizeAxis(asNumber(c.attr('axis')) ?? -1, x.shape.length + 1), 0, depth);
    return [{ dtype: c.inputs[2]?.dtype ?? 'float32', shape }];
  },
  Argmax: (c) => {
    const x = c.inputs[0];
    if (!x) return undefined;
    const axis = normalizeAxis(asNumber(c.attr('axis', 1)) ?? -1, x.shape.length);
    return [{ dtype: 'int32', shape: x.shape.filter((_, i) => i !== axis) }];
  },
  ArgMaxWithValue: (c) => {
    const x = c.inputs[0];
    if (!x) return undefined;
    const axis = normalizeAxis(asNumber(c.attr('axis', 1)) ?? 0, x.shape.length);
    const keep = flag(c, 'keep_dims');
    const shape = x.shape.flatMap((d, i) => (i === axis ? (keep ? [1] : []) : [d]));
    return [
      { dtype: 'int32', shape },
      { dtype: x.dtype, shape: [...shape] },
    ];
  },
  ResizeBilinear: (c) => resize(c),
  ResizeNearestNeighbor: (c) => resize(c),
  StridedSlice: (c) => {
    const x = c.inputs[0];
    const begin = c.ints('begin', 1);
    const end = c.ints('end', 2);
    const strides = c.ints('strides', 3);
    if (!x || !begin || !end || !strides || x.shape.some((d) => d < 0)) return undefined;
    const beginMask = asNumber(c.attr('begin_mask')) ?? 0;
    const endMask = asNumber(c.attr('end_mask')) ?? 0;
    const shrink = asNumber(c.attr('shrink_axis_mask')) ?? 0;
    if ((asNumber(c.attr('ellipsis_mask')) ?? 0) || (asNumber(c.attr('new_axis_mask')) ?? 0)) return undefined;
    const shape: Shape = [];
    x.shape.forEach((d, i) => {
      if (i >= begin.length) {
        shape.push(d);
        return;
      }
      if (shrink & (1 << i)) return;
      const s = strides[i] ?? 1;
      const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + d : v, s > 0 ? 0 : -1), s > 0 ? d : d - 1);
      const b = beginMask & (1 << i) ? (s > 0 ? 0 : d - 1) : clamp(begin[i]!);
      const e = endMask & (1 << i) ? (s > 0 ? d : -1) : clamp(end[i]!);
      shape.push(Math.max(0, Math.ceil((e - b) / s)));
    });
    return [{ dtype: x.dtype, shape }];
  },
};

function resize(c: RuleContext): Inferred[] | undefined {
  const x = c.inputs[0];
  const size = c.ints('size', 1);
  if (!x || !size || x.shape.length !== 4) return undefined;
  return [{ dtype: x.dtype, shape: [x.shape[0]!, x.shape[1]!, size[0]!, size[1]!] }];
}

for (const op of UNARY) RULES[op] = (c) => same(c);
for (const op of [...BROADCAST, ...COMPARE]) {
  const isCompare = COMPARE.includes(op);
  RULES[op] = (c) => {
    const [a, b] = c.inputs;
    if (!a || !b) return undefined;
    return [{ dtype: isCompare ? 'bool' : a.dtype, shape: broadcastShapes(a.shape, b.shape, c.fail) }];
  };
}
for (const op of REDUCE) RULES[op] = reduce;

function constantInfo(graph: Graph, name: string): TensorInfo | undefined {
  const value = graph.constants.get(name);
  if (typeof value === 'number') return { name, dtype: Number.isInteger(value) ? 'int64' : 'float32', shape: [] };
  if (typeof value === 'boolean') return { name, dtype: 'bool', shape: [] };
  if (Array.isArray(value) && value.every((v) => typeof v === 'number'))
    return { name, dtype: 'int64', shape: [value.length] };
  return undefined;
}

function attrInts(value: AttrValue | undefined): number[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' || typeof value === 'bigint') return [Number(value)];
  if (Array.isArray(value)) {
    const flat = value.map((v) => asNumber(v));
    return flat.every((v) => v !== undefined) ? (flat as number[]) : undefined;
  }
  if (typeof value === 'object' && value.kind === 'tensor') return tensorIntegers(value.tensor);
  return undefined;
}

function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Refines -1 dims of `recorded` from `inferred` when every known dim agrees. */
function compatible(recorded: Shape, inferred: Shape): boolean {
  return (
    recorded.length === inferred.length && recorded.every((d, i) => d < 0 || inferred[i]! < 0 || d === inferred[i])
  );
}

export function inferShapes(graph: Graph, warnings: string[], options: { file?: string } = {}): void {
  const missingRules = new Map<string, number>();
  for (const node of graph.nodes) {
    const inputs = node.inputs.map((name) => graph.values.get(name) ?? constantInfo(graph, name));
    const context: RuleContext = {
      node,
      graph,
      inputs,
      attr(name, inputIndex) {
        if (name in node.attrs) return node.attrs[name];
        if (inputIndex === undefined) return undefined;
        const input = node.inputs[inputIndex];
        return input === undefined ? undefined : graph.constants.get(input);
      },
      ints(name, inputIndex) {
        return attrInts(this.attr(name, inputIndex));
      },
      fail(message) {
        throw new MindletError('INVALID_GRAPH', message, { file: options.file, node: node.name });
      },
    };
    const rule = RULES[node.op];
    const inferred = rule ? rule(context) : undefined;
    node.outputs.forEach((output, i) => {
      const recorded = graph.values.get(output);
      const guess = inferred?.[i];
      if (!guess) {
        if (!recorded && !rule) missingRules.set(node.op, (missingRules.get(node.op) ?? 0) + 1);
        return;
      }
      if (!recorded) {
        graph.values.set(output, { name: output, dtype: guess.dtype, shape: guess.shape });
      } else if (compatible(recorded.shape, guess.shape)) {
        if (!sameShape(recorded.shape, guess.shape)) {
          graph.values.set(output, { ...recorded, shape: recorded.shape.map((d, k) => (d < 0 ? guess.shape[k]! : d)) });
        }
      } else {
        warnings.push(
          `node ${node.name}: ${node.op} output recorded as [${recorded.shape.join(',')}], inferred [${guess.shape.join(',')}]; keeping the recorded shape`,
        );
      }
    });
  }
  for (const [op, count] of missingRules) {
    warnings.push(
      `shape inference: no rule for op ${op} (${count} output${count === 1 ? '' : 's'} without a recorded shape)`,
    );
  }
  // Graph outputs mirror the values they name.
  graph.outputs = graph.outputs.map((output) => {
    const known = graph.values.get(output.name);
    return known ? { ...known, name: output.name } : output;
  });
}
