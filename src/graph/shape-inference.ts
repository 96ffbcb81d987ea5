/**
 * Static shape and dtype inference over a clean graph, in topological order. Starts from what the loader put in
 * `graph.values` (inputs, weights, tensor constants and the output abstracts MindSpore recorded) and fills or
 * refines node outputs. MindSpore 2.3+ passes many attributes as constant inputs instead, so rules read both.
 * A rule that lacks data (dynamic dims, non-constant attributes) answers -1 dims or nothing; it never guesses.
 */
import { MindletError } from '../errors.js';
import { tensorIntegers } from './typed-arrays.js';
import type { AttrValue, DType, Graph, GraphNode, Shape, TensorInfo } from './types.js';

/** One inferred output; `dtype` undefined means "as recorded" (e.g. Cast to a type given as a TypeId number). */
export interface InferredValue {
  dtype: DType | undefined;
  shape: Shape;
}

/** What a rule sees of one node. */
export interface RuleContext {
  node: GraphNode;
  graph: Graph;
  /** Known input infos by position (undefined where unknown). */
  inputs: Array<TensorInfo | undefined>;
  /** Attribute by name, else the constant at `inputIndex` (2.3+ passes attributes as inputs). */
  attr(name: string, inputIndex?: number): AttrValue | undefined;
  /** Integers of an attribute or constant input (an int, a tuple or an int tensor). */
  ints(name: string, inputIndex?: number): number[] | undefined;
  /** True where input `index` exists but is computed at run time (so its value is unknown here). */
  dynamicInput(index: number): boolean;
  /** Throws INVALID_GRAPH naming the file and node: for definite contradictions only. */
  fail(message: string): never;
}

type Rule = (c: RuleContext) => InferredValue[] | undefined;

/** Reads an attribute by name, else the constant the node takes at `inputIndex` (MindSpore 2.3+ style). */
export function attrOrConstInput(
  graph: Graph,
  node: GraphNode,
  attrName: string,
  inputIndex?: number,
): AttrValue | undefined {
  if (Object.hasOwn(node.attrs, attrName)) return node.attrs[attrName];
  if (inputIndex === undefined) return undefined;
  const input = node.inputs[inputIndex];
  return input === undefined ? undefined : graph.constants.get(input);
}

/** A number from an int, bigint, bool, 1-element tuple or 1-element int tensor. */
export function asNumber(value: AttrValue | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (Array.isArray(value)) return value.length === 1 ? asNumber(value[0]) : undefined;
  if (value && typeof value === 'object' && value.kind === 'tensor') {
    const ints = tensorIntegers(value.tensor);
    return ints?.length === 1 ? ints[0] : undefined;
  }
  return undefined;
}

/** Integers of an int, a (nested-free) tuple or an int tensor; undefined when any element is not an integer. */
export function asInts(value: AttrValue | undefined): number[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' || typeof value === 'bigint') return [Number(value)];
  if (Array.isArray(value)) {
    const out: number[] = [];
    for (const item of value) {
      const n = typeof item === 'number' || typeof item === 'bigint' ? Number(item) : undefined;
      if (n === undefined) return undefined;
      out.push(n);
    }
    return out;
  }
  if (typeof value === 'object' && value.kind === 'tensor') return tensorIntegers(value.tensor);
  return undefined;
}

/** True for the NHWC layout, written as a string (any case) or MindSpore's Format enum (NCHW 0, NHWC 1). */
export function isNhwc(c: Pick<RuleContext, 'attr'>, inputIndex?: number): boolean {
  for (const name of ['format', 'data_format']) {
    const value = c.attr(name, inputIndex);
    if (typeof value === 'string') return value.toUpperCase() === 'NHWC';
    if (typeof value === 'number') return value === 1;
  }
  return false;
}

/**
 * The (height, width) pair of a 1-, 2- or 4-element window attribute. Four-element ones are [1,1,h,w] for NCHW;
 * for NHWC MindSpore writes either [1,h,w,1] or [1,1,h,w], so the layout is read from where the 1s are.
 */
export function spatialPair(values: number[] | undefined, nhwc: boolean, fallback: number): [number, number] {
  if (!values || values.length === 0) return [fallback, fallback];
  if (values.length === 1) return [values[0]!, values[0]!];
  if (values.length >= 4) {
    const hwLast = !(nhwc && values[0] === 1 && values[3] === 1);
    return hwLast ? [values.at(-2)!, values.at(-1)!] : [values[1]!, values[2]!];
  }
  return [values[0]!, values[1]!];
}

type PadMode = 'pad' | 'same' | 'valid';

/** MindSpore 2.x PadMode enum (0 PAD, 1 SAME, 2 VALID) or a string in any case; absent means VALID. */
function padModeOf(value: AttrValue | undefined): PadMode {
  if (typeof value === 'string') {
    const mode = value.toLowerCase();
    return mode === 'same' ? 'same' : mode === 'pad' || mode === 'calculated' ? 'pad' : 'valid';
  }
  const n = asNumber(value);
  return n === 0 ? 'pad' : n === 1 ? 'same' : 'valid';
}

/** Output length of a sliding window (convolution or pooling) along one spatial dim. */
function windowOut(
  size: number,
  kernel: number,
  stride: number,
  dilation: number,
  mode: PadMode,
  padTotal: number,
  ceilMode = false,
): number {
  if (size < 0 || kernel < 0 || stride <= 0) return -1;
  const effective = (kernel - 1) * dilation + 1;
  if (mode === 'same') return Math.ceil(size / stride);
  const span = size + (mode === 'pad' ? padTotal : 0) - effective;
  return (ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
}

/** Four pads [top, bottom, left, right] from a 1-, 2- or 4-element attribute. */
function fourPads(values: number[] | undefined): [number, number, number, number] {
  if (!values || values.length === 0) return [0, 0, 0, 0];
  if (values.length === 1) return [values[0]!, values[0]!, values[0]!, values[0]!];
  if (values.length === 2) return [values[0]!, values[0]!, values[1]!, values[1]!];
  return [values[0]!, values[1]!, values[2]!, values[3]!];
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

function product(shape: Shape): number {
  return shape.some((d) => d < 0) ? -1 : shape.reduce((p, d) => p * d, 1);
}

const flag = (c: RuleContext, name: string, inputIndex?: number): boolean => asNumber(c.attr(name, inputIndex)) === 1;

function same(c: RuleContext, dtype?: DType): InferredValue[] | undefined {
  const x = c.inputs[0];
  return x ? [{ dtype: dtype ?? x.dtype, shape: [...x.shape] }] : undefined;
}

// ---- elementwise ----

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
  'Erfc',
  'Exp',
  'Expm1',
  'Log',
  'Log1p',
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
  'Softsign',
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
  'StopGradient',
  'AddN',
];
const BROADCAST = [
  'Add',
  'AddV2',
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
];
const COMPARE = [
  'Equal',
  'NotEqual',
  'Greater',
  'GreaterEqual',
  'Less',
  'LessEqual',
  'LogicalAnd',
  'LogicalOr',
  'LogicalXor',
];

/** Broadcasting binary op; the dtype comes from the first operand that is a tensor, not a scalar constant. */
function binary(c: RuleContext, toBool: boolean): InferredValue[] | undefined {
  const [a, b] = c.inputs;
  if (!a || !b) return undefined;
  const tensor = c.graph.values.has(c.node.inputs[0]!) || !c.graph.values.has(c.node.inputs[1]!) ? a : b;
  return [{ dtype: toBool ? 'bool' : tensor.dtype, shape: broadcastShapes(a.shape, b.shape, c.fail) }];
}

// ---- linear algebra and convolution ----

function matmul(c: RuleContext, ta: boolean, tb: boolean): InferredValue[] | undefined {
  const [a, b] = c.inputs;
  if (!a || !b || a.shape.length < 2 || b.shape.length < 2) return undefined;
  const m = a.shape.at(ta ? -1 : -2)!;
  const k = a.shape.at(ta ? -2 : -1)!;
  const k2 = b.shape.at(tb ? -1 : -2)!;
  const n = b.shape.at(tb ? -2 : -1)!;
  if (k >= 0 && k2 >= 0 && k !== k2)
    c.fail(
      `${c.node.op} inner dimensions differ: [${a.shape.join(',')}] x [${b.shape.join(',')}]${ta || tb ? ` (transpose_a ${ta}, transpose_b ${tb})` : ''}`,
    );
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), c.fail);
  return [{ dtype: a.dtype, shape: [...batch, m, n] }];
}

const transposeFlag = (c: RuleContext, names: string[], inputIndex: number): boolean =>
  names.some((name) => flag(c, name)) || (!names.some((n) => n in c.node.attrs) && flag(c, names[0]!, inputIndex));

/** NCHW view of a 4-D activation: [n, c, h, w]. */
function nchw(shape: Shape, nhwc: boolean): [number, number, number, number] {
  return nhwc ? [shape[0]!, shape[3]!, shape[1]!, shape[2]!] : [shape[0]!, shape[1]!, shape[2]!, shape[3]!];
}

/** Weight [Cout, Cin/group, kh, kw] for NCHW; MindSpore's NHWC weights are [Cout, kh, kw, Cin/group]. */
function weightDims(w: TensorInfo | undefined, nhwc: boolean) {
  if (w?.shape.length !== 4) return undefined;
  const [o, i, kh, kw] = nchw(w.shape, nhwc);
  return { out: o, in: i, kh, kw };
}

const conv2d: Rule = (c) => {
  const [x, w] = c.inputs;
  if (x?.shape.length !== 4) return undefined;
  const nhwc = isNhwc(c);
  const [n, ch, h, wd] = nchw(x.shape, nhwc);
  const weight = weightDims(w, nhwc);
  const depthwise = c.node.op === 'DepthwiseConv2dNative';
  const kernel = spatialPair(c.ints('kernel_size'), false, -1);
  if (kernel[0] < 0 && weight) [kernel[0], kernel[1]] = [weight.kh, weight.kw];
  const stride = spatialPair(c.ints('stride') ?? c.ints('strides'), nhwc, 1);
  const dilation = spatialPair(c.ints('dilation') ?? c.ints('dilations'), nhwc, 1);
  const pads = fourPads(c.ints('pad') ?? c.ints('pad_list'));
  const mode = padModeOf(c.attr('pad_mode'));
  const group = asNumber(c.attr('group') ?? c.attr('groups')) ?? 1;
  let out: number;
  if (depthwise) {
    // Weight [multiplier, Cin, kh, kw]; MindSpore stores the multiplier as channel_multiplier and out_channel.
    const multiplier = asNumber(c.attr('channel_multiplier') ?? c.attr('out_channel')) ?? weight?.out ?? -1;
    if (weight && ch >= 0 && weight.in >= 0 && weight.in !== ch)
      c.fail(`DepthwiseConv2dNative input has ${ch} channels, weight [${w!.shape.join(',')}] expects ${weight.in}`);
    out = ch < 0 || multiplier < 0 ? -1 : ch * multiplier;
  } else {
    const attrOut = asNumber(c.attr('out_channel'));
    if (weight && attrOut !== undefined && weight.out >= 0 && attrOut !== weight.out)
      c.fail(`Conv2D out_channel ${attrOut} differs from weight [${w!.shape.join(',')}]`);
    if (weight && ch >= 0 && weight.in >= 0 && weight.in * group !== ch)
      c.fail(
        `Conv2D input has ${ch} channels, weight [${w!.shape.join(',')}] with group ${group} expects ${weight.in * group}`,
      );
    out = attrOut ?? weight?.out ?? -1;
  }
  const oh = windowOut(h, kernel[0], stride[0], dilation[0], mode, pads[0] + pads[1]);
  const ow = windowOut(wd, kernel[1], stride[1], dilation[1], mode, pads[2] + pads[3]);
  return [{ dtype: x.dtype, shape: nhwc ? [n, oh, ow, out] : [n, out, oh, ow] }];
};

/** MindSpore 2.3+ Conv2DExt / Convolution: (input, weight, bias, stride, padding, dilation, groups) as inputs. */
const conv2dExt: Rule = (c) => {
  const [x, w] = c.inputs;
  if (x?.shape.length !== 4) return undefined;
  const [n, ch, h, wd] = x.shape as [number, number, number, number];
  const weight = weightDims(w, false);
  if (!weight) return undefined;
  const stride = spatialPair(c.ints('stride', 3), false, 1);
  const dilation = spatialPair(c.ints('dilation', 5), false, 1);
  const group = asNumber(c.attr('groups', 6)) ?? 1;
  if (ch >= 0 && weight.in >= 0 && weight.in * group !== ch)
    c.fail(
      `${c.node.op} input has ${ch} channels, weight [${w!.shape.join(',')}] with groups ${group} expects ${weight.in * group}`,
    );
  // Padding is a mode string ('same', 'valid') or per-side (h, w) pads; anything else leaves spatial dims unknown.
  const padding = c.attr('padding', 4);
  const padInts = typeof padding === 'string' ? undefined : asInts(padding);
  const mode: PadMode | undefined = typeof padding === 'string' ? padModeOf(padding) : padInts ? 'pad' : undefined;
  if (mode === undefined) return [{ dtype: x.dtype, shape: [n, weight.out, -1, -1] }];
  const [ph, pw] = spatialPair(padInts, false, 0);
  const oh = windowOut(h, weight.kh, stride[0], dilation[0], mode, 2 * ph);
  const ow = windowOut(wd, weight.kw, stride[1], dilation[1], mode, 2 * pw);
  return [{ dtype: x.dtype, shape: [n, weight.out, oh, ow] }];
};

/**
 * Conv2DTranspose / Conv2DBackpropInput (dout, weight, input_size): the output is `input_size` when it is a
 * constant; otherwise channels come from the weight [Cdout, Cout/group, kh, kw] and spatial dims are exact only
 * for stride 1 (the forward formula rounds, so larger strides leave them -1).
 */
const convTranspose: Rule = (c) => {
  const [dout, w] = c.inputs;
  const nhwc = isNhwc(c);
  const size = c.ints('input_size', 2);
  if (size && size.length === 4) return [{ dtype: dout?.dtype, shape: size }];
  if (dout?.shape.length !== 4) return undefined;
  const [n, ch, h, wd] = nchw(dout.shape, nhwc);
  const weight = weightDims(w, nhwc);
  const group = asNumber(c.attr('group') ?? c.attr('groups')) ?? 1;
  if (weight && ch >= 0 && weight.out >= 0 && weight.out !== ch)
    c.fail(`${c.node.op} input has ${ch} channels, weight [${w!.shape.join(',')}] expects ${weight.out}`);
  const out = weight && weight.in >= 0 ? weight.in * group : -1;
  const kernel = spatialPair(c.ints('kernel_size'), false, -1);
  if (kernel[0] < 0 && weight) [kernel[0], kernel[1]] = [weight.kh, weight.kw];
  const stride = spatialPair(c.ints('stride'), nhwc, 1);
  const dilation = spatialPair(c.ints('dilation'), nhwc, 1);
  const mode = padModeOf(c.attr('pad_mode'));
  const pads = fourPads(c.ints('pad') ?? c.ints('pad_list'));
  const spatial = (size: number, k: number, s: number, d: number, padTotal: number) => {
    if (size < 0 || k < 0 || s !== 1) return -1;
    const effective = (k - 1) * d + 1;
    return mode === 'same' ? size : mode === 'pad' ? size - 1 + effective - padTotal : size - 1 + effective;
  };
  const oh = spatial(h, kernel[0], stride[0], dilation[0], pads[0] + pads[1]);
  const ow = spatial(wd, kernel[1], stride[1], dilation[1], pads[2] + pads[3]);
  return [{ dtype: dout.dtype, shape: nhwc ? [n, oh, ow, out] : [n, out, oh, ow] }];
};

// ---- pooling and resizing ----

function pool(c: RuleContext, outputs: number): InferredValue[] | undefined {
  const x = c.inputs[0];
  if (x?.shape.length !== 4) return undefined;
  // MindSpore 2.3+ passes (kernel_size, strides, pad_mode, data_format) as inputs 1-4.
  const nhwc = isNhwc(c, 4);
  const [n, ch, h, w] = nchw(x.shape, nhwc);
  const kernel = spatialPair(c.ints('kernel_size', 1), nhwc, 1);
  const stride = spatialPair(c.ints('strides', 2), nhwc, 1);
  const mode = padModeOf(c.attr('pad_mode', 3));
  const pads = fourPads(c.ints('pad') ?? c.ints('pad_list'));
  const ceilMode = flag(c, 'ceil_mode');
  const oh = windowOut(h, kernel[0], stride[0], 1, mode, pads[0] + pads[1], ceilMode);
  const ow = windowOut(w, kernel[1], stride[1], 1, mode, pads[2] + pads[3], ceilMode);
  const shape = nhwc ? [n, oh, ow, ch] : [n, ch, oh, ow];
  const result: InferredValue[] = [{ dtype: x.dtype, shape }];
  // MaxPoolWithArgmax's second output holds indices; its integer type varies by version, so take the recorded one.
  if (outputs > 1) result.push({ dtype: undefined, shape: [...shape] });
  return result;
}

const adaptiveAvgPool: Rule = (c) => {
  const x = c.inputs[0];
  const raw = c.attr('output_size', 1);
  if (!x || x.shape.length < 2 || raw === undefined) return undefined;
  // Entries may be None (keep that input dim); a single int means a square output.
  const entries = Array.isArray(raw) ? raw : [raw, raw];
  if (entries.length !== 2) return undefined;
  const hw = entries.map((v, i) => (v === null ? x.shape.at(i - 2)! : (asNumber(v) ?? -1)));
  return [{ dtype: x.dtype, shape: [...x.shape.slice(0, -2), ...hw] }];
};

/** ResizeBilinear(V2) / ResizeNearestNeighbor(V2): NCHW, new (h, w) from the `size` attribute or input 1. */
const resize: Rule = (c) => {
  const x = c.inputs[0];
  if (x?.shape.length !== 4) return undefined;
  const size = c.ints('size', 1);
  const [h, w] = size && size.length === 2 ? size : [-1, -1];
  return [{ dtype: x.dtype, shape: [x.shape[0]!, x.shape[1]!, h!, w!] }];
};

// ---- reductions ----

/** Reduction primitives: one output per kept slice; the profile counts one operation per input element. */
export const REDUCE_OPS: readonly string[] = [
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

const reduce: Rule = (c) => {
  const x = c.inputs[0];
  if (!x) return undefined;
  const rank = x.shape.length;
  const keep = flag(c, 'keep_dims', 2);
  const axesValue = c.attr('axis', 1);
  if (axesValue === undefined && c.dynamicInput(1)) {
    // Axes computed at run time: the rank survives only with keep_dims.
    return keep ? [{ dtype: x.dtype, shape: x.shape.map(() => -1) }] : undefined;
  }
  const axes = (asInts(axesValue) ?? []).map((a) => normalizeAxis(a, rank));
  if (axes.some((a) => a < 0 || a >= rank)) c.fail(`${c.node.op} axis out of range for rank ${rank}`);
  // An empty axis list reduces everything, except where ReduceSum's skip_mode asks for the identity.
  if (axes.length === 0 && flag(c, 'skip_mode', 3)) return same(c);
  const all = axes.length === 0;
  const shape: Shape = [];
  x.shape.forEach((d, i) => {
    if (all || axes.includes(i)) {
      if (keep) shape.push(1);
    } else shape.push(d);
  });
  return [{ dtype: x.dtype, shape }];
};

function argReduce(c: RuleContext, withValue: boolean): InferredValue[] | undefined {
  const x = c.inputs[0];
  if (!x) return undefined;
  const axis = normalizeAxis(asNumber(c.attr('axis', 1)) ?? (withValue ? 0 : -1), x.shape.length);
  const keep = flag(c, 'keep_dims');
  const shape = x.shape.flatMap((d, i) => (i === axis ? (keep ? [1] : []) : [d]));
  if (!withValue) {
    const type = c.attr('output_type');
    const dtype =
      type && typeof type === 'object' && !Array.isArray(type) && type.kind === 'type' ? type.dtype : 'int32';
    return [{ dtype, shape }];
  }
  return [
    { dtype: 'int32', shape },
    { dtype: x.dtype, shape: [...shape] },
  ];
}

// ---- shape manipulation ----

const reshape: Rule = (c) => {
  const x = c.inputs[0];
  if (!x) return undefined;
  const target = c.ints('shape', 1);
  if (!target) {
    // A shape computed at run time: its length still gives the rank.
    const length = c.inputs[1]?.shape;
    return length?.length === 1 && length[0]! >= 0 ? [{ dtype: x.dtype, shape: Array(length[0]).fill(-1) }] : undefined;
  }
  if (target.filter((d) => d === -1).length > 1 || target.some((d) => d < -1))
    c.fail(`Reshape target [${target.join(',')}] may hold at most one -1 and no other negative dims`);
  const total = product(x.shape);
  const known = target.reduce((p, d) => (d >= 0 ? p * d : p), 1);
  const shape = [...target];
  const unknown = shape.indexOf(-1);
  if (unknown >= 0) {
    if (total >= 0 && known > 0 && total % known !== 0)
      c.fail(`cannot reshape [${x.shape.join(',')}] to [${target.join(',')}]`);
    shape[unknown] = total >= 0 && known > 0 ? total / known : -1;
  } else if (total >= 0 && known !== total) {
    c.fail(`cannot reshape [${x.shape.join(',')}] to [${target.join(',')}]`);
  }
  return [{ dtype: x.dtype, shape }];
};

const transpose: Rule = (c) => {
  const x = c.inputs[0];
  const perm = c.ints('perm', 1) ?? c.ints('input_perm', 1);
  if (!x || !perm) return undefined;
  const rank = x.shape.length;
  const axes = perm.map((p) => normalizeAxis(p, rank));
  if (perm.length !== rank || new Set(axes).size !== rank || axes.some((a) => a < 0 || a >= rank))
    c.fail(`Transpose perm [${perm.join(',')}] is not a permutation of rank ${rank}`);
  return [{ dtype: x.dtype, shape: axes.map((a) => x.shape[a]!) }];
};

const squeeze: Rule = (c) => {
  const x = c.inputs[0];
  if (!x) return undefined;
  const axes = (c.ints('axis', 1) ?? []).map((a) => normalizeAxis(a, x.shape.length));
  if (axes.length === 0) {
    // Without axes every size-1 dim goes; a -1 dim might be 1, so the rank is unknown.
    if (x.shape.some((d) => d < 0)) return undefined;
    return [{ dtype: x.dtype, shape: x.shape.filter((d) => d !== 1) }];
  }
  for (const axis of axes) {
    const d = x.shape[axis];
    if (d === undefined || d > 1 || d === 0) c.fail(`Squeeze axis ${axis} of [${x.shape.join(',')}] is not 1`);
  }
  return [{ dtype: x.dtype, shape: x.shape.filter((_, i) => !axes.includes(i)) }];
};

const expandDims: Rule = (c) => {
  const x = c.inputs[0];
  const axis = asNumber(c.attr('axis', 1));
  if (!x || axis === undefined) return undefined;
  const shape = [...x.shape];
  shape.splice(normalizeAxis(axis, x.shape.length + 1), 0, 1);
  return [{ dtype: x.dtype, shape }];
};

const flatten: Rule = (c) => {
  const x = c.inputs[0];
  if (!x) return undefined;
  if (x.shape.length === 0) return [{ dtype: x.dtype, shape: [1, 1] }];
  return [{ dtype: x.dtype, shape: [x.shape[0]!, product(x.shape.slice(1))] }];
};

const concat: Rule = (c) => {
  const count = c.node.inputGroups?.[0] ?? c.inputs.length;
  const parts = c.inputs.slice(0, count);
  if (parts.length === 0 || parts.some((p) => !p)) return undefined;
  const first = parts[0]!;
  const rank = first.shape.length;
  const axis = normalizeAxis(asNumber(c.attr('axis', count)) ?? 0, rank);
  const shape = [...first.shape];
  for (const part of parts) {
    if (part!.shape.length !== rank) c.fail(`Concat inputs have ranks ${rank} and ${part!.shape.length}`);
    part!.shape.forEach((d, i) => {
      if (i === axis) return;
      if (shape[i]! >= 0 && d >= 0 && shape[i] !== d)
        c.fail(`Concat inputs differ off the axis: [${first.shape.join(',')}] and [${part!.shape.join(',')}]`);
      if (shape[i]! < 0) shape[i] = d;
    });
  }
  shape[axis] = parts.some((p) => p!.shape[axis]! < 0) ? -1 : parts.reduce((s, p) => s + p!.shape[axis]!, 0);
  return [{ dtype: first.dtype, shape }];
};

const split: Rule = (c) => {
  const x = c.inputs[0];
  if (!x) return undefined;
  const n = asNumber(c.attr('output_num', 2)) ?? c.node.outputs.length;
  if (n < 1) return undefined;
  const axis = normalizeAxis(asNumber(c.attr('axis', 1)) ?? 0, x.shape.length);
  const shape = [...x.shape];
  const size = shape[axis];
  if (size === undefined) return c.fail(`Split axis out of range for [${x.shape.join(',')}]`);
  if (size >= 0 && size % n !== 0) c.fail(`Split: cannot split ${size} into ${n} equal parts`);
  shape[axis] = size < 0 ? -1 : size / n;
  return Array.from({ length: n }, () => ({ dtype: x.dtype, shape: [...shape] }));
};

/** StridedSlice with begin/end/strides and begin/end/shrink masks; ellipsis and new-axis masks give up. */
const stridedSlice: Rule = (c) => {
  const x = c.inputs[0];
  const begin = c.ints('begin', 1);
  const end = c.ints('end', 2);
  const strides = c.ints('strides', 3);
  if (!x || !begin || !end || !strides) return undefined;
  const mask = (name: string, index: number) => asNumber(c.attr(name, index)) ?? 0;
  const beginMask = mask('begin_mask', 4);
  const endMask = mask('end_mask', 5);
  const ellipsisMask = mask('ellipsis_mask', 6);
  const newAxisMask = mask('new_axis_mask', 7);
  const shrinkMask = mask('shrink_axis_mask', 8);
  if (ellipsisMask || newAxisMask || begin.length > x.shape.length) return undefined;
  const shape: Shape = [];
  for (let i = 0; i < x.shape.length; i++) {
    const d = x.shape[i]!;
    if (i >= begin.length) {
      shape.push(d);
      continue;
    }
    if (shrinkMask & (1 << i)) continue;
    const s = strides[i] ?? 1;
    if (s === 0) c.fail(`StridedSlice stride ${i} is 0`);
    if (d < 0) {
      shape.push(-1);
      continue;
    }
    const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + d : v, s > 0 ? 0 : -1), s > 0 ? d : d - 1);
    const b = beginMask & (1 << i) ? (s > 0 ? 0 : d - 1) : clamp(begin[i]!);
    const e = endMask & (1 << i) ? (s > 0 ? d : -1) : clamp(end[i] ?? d);
    shape.push(Math.max(0, Math.ceil((e - b) / s)));
  }
  return [{ dtype: x.dtype, shape }];
};

const gather: Rule = (c) => {
  const [params, indices] = c.inputs;
  const axisValue = asNumber(c.attr('axis', 2));
  if (!params || !indices || axisValue === undefined) return undefined;
  const axis = normalizeAxis(axisValue, params.shape.length);
  const batchDims = normalizeAxis(asNumber(c.attr('batch_dims', 3)) ?? 0, indices.shape.length);
  if (axis < 0 || axis >= params.shape.length)
    c.fail(`Gather axis ${axisValue} out of range for rank ${params.shape.length}`);
  return [
    {
      dtype: params.dtype,
      shape: [...params.shape.slice(0, axis), ...indices.shape.slice(batchDims), ...params.shape.slice(axis + 1)],
    },
  ];
};

const tile: Rule = (c) => {
  const x = c.inputs[0];
  const multiples = c.ints('multiples', 1) ?? c.ints('dims', 1);
  if (!x || !multiples) return undefined;
  const padded = [...Array(Math.max(0, multiples.length - x.shape.length)).fill(1), ...x.shape];
  const reps = [...Array(Math.max(0, x.shape.length - multiples.length)).fill(1), ...multiples];
  return [{ dtype: x.dtype, shape: padded.map((d, i) => (d < 0 ? -1 : d * reps[i]!)) }];
};

/** Pad: `paddings` as ((before, after), ...) per dim; PadV3 style flat lists are last-dim-first pairs. */
const pad: Rule = (c) => {
  const x = c.inputs[0];
  const paddings = c.attr('paddings', 1);
  if (!x || paddings === undefined) return undefined;
  const rank = x.shape.length;
  const pairs: Array<[number, number]> = Array.from({ length: rank }, () => [0, 0]);
  if (Array.isArray(paddings) && paddings.every(Array.isArray)) {
    if (paddings.length !== rank) c.fail(`Pad paddings have ${paddings.length} pairs for rank ${rank}`);
    paddings.forEach((p, i) => {
      const ints = asInts(p as AttrValue[]);
      pairs[i] = [ints?.[0] ?? 0, ints?.[1] ?? 0];
    });
  } else {
    const flat = asInts(paddings);
    if (!flat || flat.length % 2 !== 0 || flat.length / 2 > rank) return undefined;
    for (let k = 0; k < flat.length / 2; k++) pairs[rank - 1 - k] = [flat[2 * k]!, flat[2 * k + 1]!];
  }
  return [{ dtype: x.dtype, shape: x.shape.map((d, i) => (d < 0 ? -1 : d + pairs[i]![0] + pairs[i]![1])) }];
};

const oneHot: Rule = (c) => {
  const x = c.inputs[0];
  const depth = asNumber(c.attr('depth', 1));
  if (!x || depth === undefined) return undefined;
  const shape = [...x.shape];
  shape.splice(normalizeAxis(asNumber(c.attr('axis', 4)) ?? -1, x.shape.length + 1), 0, depth);
  return [{ dtype: c.inputs[2]?.dtype ?? 'float32', shape }];
};

const cast: Rule = (c) => {
  const x = c.inputs[0];
  if (!x) return undefined;
  const to = c.attr('dst_type', 1) ?? c.attr('to') ?? c.attr('dtype', 1);
  const dtype = to && typeof to === 'object' && !Array.isArray(to) && to.kind === 'type' ? to.dtype : undefined;
  return [{ dtype, shape: [...x.shape] }];
};

// ---- normalization and multi-output ----

/** BatchNorm: y plus batch_mean, batch_variance, reserve_space_1, reserve_space_2, each [C]. */
const batchNorm: Rule = (c) => {
  const x = c.inputs[0];
  if (!x || x.shape.length < 2) return undefined;
  const channels = [x.shape[isNhwc(c) ? x.shape.length - 1 : 1]!];
  const stat = c.inputs[3]?.dtype ?? x.dtype;
  return [
    { dtype: x.dtype, shape: [...x.shape] },
    ...Array.from({ length: 4 }, () => ({ dtype: stat, shape: [...channels] })),
  ];
};

/** LayerNorm: y, mean and variance; the statistics keep dims before begin_norm_axis and are 1 after. */
const layerNorm: Rule = (c) => {
  const x = c.inputs[0];
  if (!x) return undefined;
  const begin = normalizeAxis(asNumber(c.attr('begin_norm_axis', 3)) ?? 1, x.shape.length);
  const stats = x.shape.map((d, i) => (i < begin ? d : 1));
  return [
    { dtype: x.dtype, shape: [...x.shape] },
    { dtype: x.dtype, shape: stats },
    { dtype: x.dtype, shape: [...stats] },
  ];
};

const select: Rule = (c) => {
  const [cond, a, b] = c.inputs;
  if (!cond || !a || !b) return undefined;
  return [{ dtype: a.dtype, shape: broadcastShapes(broadcastShapes(cond.shape, a.shape, c.fail), b.shape, c.fail) }];
};

const RULES: Record<string, Rule> = {
  Cast: cast,
  MatMul: (c) =>
    matmul(
      c,
      transposeFlag(c, ['transpose_a', 'transpose_x1'], 2),
      transposeFlag(c, ['transpose_b', 'transpose_x2'], 3),
    ),
  BatchMatMul: (c) =>
    matmul(
      c,
      transposeFlag(c, ['transpose_a', 'transpose_x1'], 2),
      transposeFlag(c, ['transpose_b', 'transpose_x2'], 3),
    ),
  MatMulExt: (c) => matmul(c, false, false),
  BatchMatMulExt: (c) => matmul(c, false, false),
  Dense: (c) => matmul(c, false, true),
  Conv2D: conv2d,
  DepthwiseConv2dNative: conv2d,
  Conv2DExt: conv2dExt,
  Conv2DTranspose: convTranspose,
  Conv2DBackpropInput: convTranspose,
  MaxPool: (c) => pool(c, 1),
  AvgPool: (c) => pool(c, 1),
  MaxPoolWithArgmax: (c) => pool(c, 2),
  AdaptiveAvgPool2D: adaptiveAvgPool,
  ResizeBilinear: resize,
  ResizeBilinearV2: resize,
  ResizeNearestNeighbor: resize,
  ResizeNearestNeighborV2: resize,
  Reshape: reshape,
  Flatten: flatten,
  Transpose: transpose,
  Squeeze: squeeze,
  ExpandDims: expandDims,
  Concat: concat,
  Split: split,
  StridedSlice: stridedSlice,
  Gather: gather,
  GatherV2: gather,
  Shape: (c) => (c.inputs[0] ? [{ dtype: 'int64', shape: [c.inputs[0].shape.length] }] : undefined),
  Tile: tile,
  Pad: pad,
  OneHot: oneHot,
  Argmax: (c) => argReduce(c, false),
  Argmin: (c) => argReduce(c, false),
  ArgMaxWithValue: (c) => argReduce(c, true),
  ArgMinWithValue: (c) => argReduce(c, true),
  BatchNorm: batchNorm,
  LayerNorm: layerNorm,
  Dropout: (c) => {
    const x = c.inputs[0];
    // Output and mask, both shaped like the input.
    return x
      ? [
          { dtype: x.dtype, shape: [...x.shape] },
          { dtype: x.dtype, shape: [...x.shape] },
        ]
      : undefined;
  },
  Select: select,
  LogicalNot: (c) => same(c, 'bool'),
  IsNan: (c) => same(c, 'bool'),
  IsInf: (c) => same(c, 'bool'),
  IsFinite: (c) => same(c, 'bool'),
};
for (const op of UNARY) RULES[op] = (c) => same(c);
for (const op of BROADCAST) RULES[op] = (c) => binary(c, false);
for (const op of COMPARE) RULES[op] = (c) => binary(c, true);
for (const op of REDUCE_OPS) RULES[op] = reduce;

/** The ops this module has a rule for. */
export const SHAPE_RULE_OPS: ReadonlySet<string> = new Set(Object.keys(RULES));

/** Scalar and tuple constants as tensors (MindSpore broadcasts Python scalars; tuples become 1-D int64). */
function constantInfo(graph: Graph, name: string): TensorInfo | undefined {
  const value = graph.constants.get(name);
  if (typeof value === 'number') return { name, dtype: Number.isInteger(value) ? 'int64' : 'float32', shape: [] };
  if (typeof value === 'bigint') return { name, dtype: 'int64', shape: [] };
  if (typeof value === 'boolean') return { name, dtype: 'bool', shape: [] };
  if (Array.isArray(value) && value.every((v) => typeof v === 'number' || typeof v === 'bigint'))
    return { name, dtype: 'int64', shape: [value.length] };
  return undefined;
}

function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** A recorded shape with -2 (MindSpore's unknown rank) carries no information. */
function unknownRank(shape: Shape): boolean {
  return shape.some((d) => d === -2);
}

/** Recorded and inferred agree wherever both are known. */
function compatible(recorded: Shape, inferred: Shape): boolean {
  return (
    recorded.length === inferred.length && recorded.every((d, i) => d < 0 || inferred[i]! < 0 || d === inferred[i])
  );
}

function validShape(shape: Shape): boolean {
  return Array.isArray(shape) && shape.every((d) => Number.isSafeInteger(d) && d >= -1);
}

/**
 * Fills `graph.values` with dtype and shape for every node output it can infer, in topological order. A recorded
 * shape that disagrees with a concrete inference is kept (with a warning naming the node); recorded -1 dims are
 * refined. Ops without a rule get one warning per op name. Throws INVALID_GRAPH only for definite contradictions.
 */
export function inferShapes(graph: Graph, warnings: string[], options: { file?: string } = {}): void {
  const missingRules = new Map<string, number>();
  for (const node of graph.nodes) {
    const rule = RULES[node.op];
    if (!rule) {
      // Calls are inferred in their own graph; their outputs keep what the file recorded.
      if (node.op !== 'Call') missingRules.set(node.op, (missingRules.get(node.op) ?? 0) + 1);
      continue;
    }
    const context: RuleContext = {
      node,
      graph,
      inputs: node.inputs.map((name) => graph.values.get(name) ?? constantInfo(graph, name)),
      attr: (name, inputIndex) => attrOrConstInput(graph, node, name, inputIndex),
      ints: (name, inputIndex) => asInts(attrOrConstInput(graph, node, name, inputIndex)),
      dynamicInput: (index) => {
        const input = node.inputs[index];
        return input !== undefined && !graph.constants.has(input);
      },
      fail(message) {
        throw new MindletError('INVALID_GRAPH', message, { file: options.file, node: node.name });
      },
    };
    let inferred: InferredValue[] | undefined;
    try {
      inferred = rule(context);
    } catch (error) {
      if (error instanceof MindletError) throw error;
      // A rule tripping over odd input is a gap in the rule, not the user's problem: say so and move on.
      warnings.push(
        `node ${node.name}: shape inference for ${node.op} failed (${String(error)}); kept recorded shapes`,
      );
      continue;
    }
    node.outputs.forEach((output, i) => {
      const guess = inferred?.[i];
      if (!guess) return;
      if (!validShape(guess.shape)) {
        warnings.push(`node ${node.name}: ${node.op} inferred an impossible shape [${guess.shape.join(',')}]; skipped`);
        return;
      }
      const recorded = graph.values.get(output);
      if (!recorded || unknownRank(recorded.shape)) {
        const dtype = guess.dtype ?? recorded?.dtype;
        if (dtype) graph.values.set(output, { name: output, dtype, shape: guess.shape });
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
    warnings.push(`shape inference: no rule for op ${op} (${count} node${count === 1 ? '' : 's'})`);
  }
  // Graph outputs mirror the values they name.
  graph.outputs = graph.outputs.map((output) => {
    const known = graph.values.get(output.name);
    return known ? { ...known, name: output.name } : output;
  });
}
