/**
 * A decoded `.ms` model → mindlet's typed graph, in MindSpore primitives the engine runs (Conv2D, MatMul, ReLU...).
 *
 * Layout: MindSpore Lite's CPU kernels for convolution-class ops (convolution, pooling, resize, batch norm, PReLU)
 * read NHWC activations and KHWC weights, and its graphs say so in each tensor's `format`. The engine is NCHW, so
 * such an op becomes Transpose(NHWC→NCHW) → op → Transpose(NCHW→NHWC), with weights permuted once here. Tensors
 * keep the dims the file gives them (inputs stay NHWC, as Lite takes them); `layout.ts` then cancels the
 * transposes that meet. Lite's fused activations become separate nodes that the engine fuses back.
 */
import { MindletError } from '../errors.js';
import { DTYPE_SIZES, elementCount } from '../graph/dtype.js';
import type { AttrValue, DType, Graph, GraphNode, TensorInfo, WeightTensor } from '../graph/types.js';
import type { LiteModel, LiteNode, LiteTensor } from './decode.js';
import { SCHEMAS, TYPE_IDS } from './schema.js';

/** Format enum values (same in both generations for these). */
const FORMAT = { NCHW: 0, NHWC: 1, HWKC: 3, HWCK: 4, KCHW: 5, CKHW: 6, KHWC: 7, CHWK: 8 } as const;
const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];

export interface LoweredGraph {
  graph: Graph;
  warnings: string[];
}

export function lowerLiteModel(model: LiteModel, file: string): LoweredGraph {
  return new Lowering(model, file).run();
}

type Attrs = Record<string, AttrValue>;

class Lowering {
  private readonly graph: Graph;
  private readonly warnings: string[] = [];
  private readonly names: string[] = [];
  private readonly used = new Set<string>();
  private readonly produced = new Set<number>();
  private readonly dtypes: Array<DType | undefined> = [];
  /** Float copies of dequantized weights, by tensor index. */
  private readonly dequantized = new Map<number, string>();
  private current: LiteNode | undefined;

  constructor(
    private readonly model: LiteModel,
    private readonly file: string,
  ) {
    this.graph = {
      name: model.name || 'main',
      inputs: [],
      outputs: [],
      parameters: new Map(),
      constants: new Map(),
      nodes: [],
      values: new Map(),
    };
  }

  run(): LoweredGraph {
    const { model } = this;
    model.tensors.forEach((t, i) => {
      // Unnamed tensors (Lite 1.0 files) go by their index, as MindSpore Lite names them ("354").
      this.names.push(this.fresh(t.name || String(i)));
      this.dtypes.push(TYPE_IDS.get(t.dataType) as DType | undefined);
    });
    const nodeIndices = this.mainNodes();
    for (const i of nodeIndices) for (const o of model.nodes[i]?.outputs ?? []) this.produced.add(o);
    const inputs = new Set(model.inputs);
    for (const i of model.inputs) {
      const t = this.tensor(i);
      const dtype = this.dtypeOf(i, `graph input ${this.names[i]}`);
      const info: TensorInfo = { name: this.names[i] as string, dtype, shape: [...t.dims] };
      this.graph.inputs.push(info);
      this.graph.values.set(info.name, info);
    }
    // Constants: tensors no node produces and that are not inputs.
    model.tensors.forEach((t, i) => {
      if (this.produced.has(i) || inputs.has(i)) return;
      if (t.data.byteLength === 0 && t.externalData.length === 0) return; // unread or optional: checked on use
      this.addWeight(i);
    });
    for (const i of nodeIndices) {
      const node = model.nodes[i] as LiteNode;
      this.current = node;
      this.lowerNode(node);
    }
    this.current = undefined;
    for (const i of model.outputs) {
      const name = this.names[i] as string;
      const known = this.graph.values.get(name);
      this.graph.outputs.push({
        name,
        dtype: known?.dtype ?? this.dtypeOf(i, `graph output ${name}`),
        shape: known?.shape ?? [...this.tensor(i).dims],
      });
    }
    return { graph: this.graph, warnings: this.warnings };
  }

  /** Nodes of the main graph: the first sub-graph's where the file has sub-graphs, else all. */
  private mainNodes(): number[] {
    const main = this.model.subGraphs[0];
    if (main && this.model.subGraphs.length > 0) {
      for (const i of main.nodes) {
        if (i < 0 || i >= this.model.nodes.length) this.fail(`sub-graph ${main.name} names node ${i}, past the end`);
      }
      return main.nodes;
    }
    return this.model.nodes.map((_, i) => i);
  }

  fresh(base: string): string {
    let name = base;
    for (let k = 1; this.used.has(name); k++) name = `${base}#${k}`;
    this.used.add(name);
    return name;
  }

  private tensor(i: number): LiteTensor {
    return this.model.tensors[i] as LiteTensor;
  }

  private fail(message: string, code: 'INVALID_GRAPH' | 'UNSUPPORTED' = 'INVALID_GRAPH'): never {
    throw new MindletError(code, message, { file: this.file, node: this.current?.name });
  }

  private dtypeOf(i: number, what: string): DType {
    const dtype = this.dtypes[i];
    if (!dtype)
      this.fail(`${what} has data type ${this.tensor(i).dataType}, which mindlet does not know`, 'UNSUPPORTED');
    return dtype;
  }

  // ---- constants --------------------------------------------------------------------------------------------------

  private addWeight(i: number): void {
    const t = this.tensor(i);
    const name = this.names[i] as string;
    const dtype = this.dtypeOf(i, `tensor ${name}`);
    if (t.externalData.length > 0) {
      this.fail(`tensor ${name} keeps its data in an external file, which mindlet does not read yet`, 'UNSUPPORTED');
    }
    if (t.enableHuffmanCode || t.weightQuantCompressType !== 0) {
      this.fail(
        `tensor ${name} is compressed (Huffman or packed weight quantization), which mindlet does not decode yet`,
        'UNSUPPORTED',
      );
    }
    const shape = [...t.dims];
    if (dtype !== 'string' && t.data.byteLength !== elementCount(shape) * DTYPE_SIZES[dtype]) {
      // Lite files carry scalars with dims [] and one element, and some constants with dims [] and n elements.
      const count = t.data.byteLength / DTYPE_SIZES[dtype];
      if (shape.length === 0 && Number.isInteger(count)) shape.push(count);
      else
        this.fail(
          `tensor ${name} holds ${t.data.byteLength} bytes, but ${dtype} ${JSON.stringify(t.dims)} needs ${elementCount(t.dims) * DTYPE_SIZES[dtype]}`,
        );
      if (shape[0] === 1) shape.pop();
    }
    const weight: WeightTensor = { name, dtype, shape, data: t.data, storage: { kind: 'inline' } };
    if (t.quantParams.length > 0) {
      weight.quantParams = t.quantParams.map((q) => ({
        algorithm: 'mslite',
        attributes: { scale: q.scale, zero_point: q.zeroPoint, num_bits: q.numBits, inited: q.inited },
      }));
    }
    this.graph.parameters.set(name, weight);
    this.graph.values.set(name, { name, dtype, shape });
  }

  private weight(i: number): WeightTensor | undefined {
    return this.graph.parameters.get(this.names[i] as string);
  }

  /** Integers of a constant input (an index tensor, a shape), or undefined when computed at run time. */
  private constInts(i: number | undefined): number[] | undefined {
    if (i === undefined) return undefined;
    const w = this.weight(i);
    if (!w) return undefined;
    return readNumbers(w).map(Number);
  }

  private constFloats(i: number | undefined): number[] | undefined {
    if (i === undefined) return undefined;
    const w = this.weight(i);
    return w ? readNumbers(w).map(Number) : undefined;
  }

  /** Adds a float32 constant. */
  private floatConst(base: string, shape: number[], values: ArrayLike<number>): string {
    const name = this.fresh(base);
    const data = new Uint8Array(Float32Array.from(values).buffer);
    this.graph.parameters.set(name, { name, dtype: 'float32', shape, data, storage: { kind: 'inline' } });
    this.graph.values.set(name, { name, dtype: 'float32', shape });
    return name;
  }

  private intConst(base: string, values: number[]): string {
    const name = this.fresh(base);
    this.graph.constants.set(name, values);
    return name;
  }

  /**
   * The name a node reads for input tensor i: weight-quantized integer constants read as float32 (Lite
   * dequantizes them before its float kernels run: value = scale × (q − zero_point), per channel on axis 0).
   */
  private input(i: number): string {
    const name = this.names[i] as string;
    const w = this.weight(i);
    const t = this.tensor(i);
    if (!w || t.quantParams.length === 0 || !['int8', 'uint8', 'int16', 'int32'].includes(w.dtype)) {
      if (!w && !this.produced.has(i) && !this.model.inputs.includes(i)) {
        this.fail(`reads tensor ${name}, which has no data and no producer`);
      }
      return name;
    }
    const done = this.dequantized.get(i);
    if (done) return done;
    const q = readNumbers(w).map(Number);
    const params = t.quantParams;
    const channels = params.length;
    const per = channels > 1 ? q.length / channels : q.length;
    if (channels > 1 && !Number.isInteger(per))
      this.fail(`tensor ${name} has ${channels} quantization channels for ${q.length} values`);
    if (t.quantClusters.length > 0)
      this.fail(`tensor ${name} is k-means clustered, which mindlet does not decode yet`, 'UNSUPPORTED');
    const values = new Float32Array(q.length);
    for (let k = 0; k < q.length; k++) {
      const p = params[channels > 1 ? Math.floor(k / per) : 0];
      values[k] = (p?.scale ?? 1) * ((q[k] as number) - (p?.zeroPoint ?? 0));
    }
    const out = this.floatConst(`${name}/dequantized`, [...w.shape], values);
    this.dequantized.set(i, out);
    return out;
  }

  // ---- emitting ---------------------------------------------------------------------------------------------------

  emit(op: string, inputs: string[], attrs: Attrs = {}, outputs?: string[], outputCount = 1): string[] {
    const base = this.current?.name ?? op;
    const outs = outputs ?? Array.from({ length: outputCount }, () => this.fresh(`${base}/${op}`));
    const node: GraphNode = {
      name: this.fresh(`${base}${outputs ? '' : `/${op}`}`),
      op,
      inputs,
      outputs: outs,
      attrs,
    };
    this.graph.nodes.push(node);
    return outs;
  }

  op(op: string, inputs: string[], attrs: Attrs = {}, output?: string): string {
    return this.emit(op, inputs, attrs, output ? [output] : undefined)[0] as string;
  }

  perm(x: string, perm: number[], output?: string): string {
    return this.op('Transpose', [x, this.intConst(`${this.current?.name ?? 'perm'}/perm`, perm)], {}, output);
  }

  /** Runs `body` on the NCHW form of an NHWC 4-D value and returns its result in NHWC under `output`. */
  private viaNchw(x: string, nhwc: boolean, output: string, body: (xNchw: string) => string): void {
    if (!nhwc) {
      const y = body(x);
      this.op('Identity', [y], {}, output);
      return;
    }
    const y = body(this.perm(x, TO_NCHW));
    this.perm(y, TO_NHWC, output);
  }

  /** A fused activation (Lite's activation_type) applied to x, ending in `output` when given. */
  act(x: string, type: number, output?: string, alpha = 0.2, minVal = -1, maxVal = 1): string {
    const name = SCHEMAS[this.model.generation].enums.get('ActivationType')?.names.get(type) ?? `#${type}`;
    const unary = (op: string, attrs: Attrs = {}) => this.op(op, [x], attrs, output);
    const clip = (lo: number, hi: number) => {
      const low = this.op('Maximum', [x, this.floatConst(`${this.current?.name}/min`, [], [lo])]);
      return this.op('Minimum', [low, this.floatConst(`${this.current?.name}/max`, [], [hi])], {}, output);
    };
    switch (name) {
      case 'NO_ACTIVATION':
      case 'LINEAR':
        return output ? this.op('Identity', [x], {}, output) : x;
      case 'RELU':
        return unary('ReLU');
      case 'RELU6':
        return unary('ReLU6');
      case 'SIGMOID':
        return unary('Sigmoid');
      case 'TANH':
        return unary('Tanh');
      case 'HSWISH':
        return unary('HSwish');
      case 'HSIGMOID':
        return unary('HSigmoid');
      case 'SWISH':
        return unary('SiLU');
      case 'ABS':
        return unary('Abs');
      case 'SIGN':
        return unary('Sign');
      case 'SOFTPLUS':
        return unary('Softplus');
      case 'LEAKY_RELU':
        return unary('LeakyReLU', { alpha });
      case 'ELU':
        return unary('Elu', { alpha });
      case 'RELU1':
        return clip(0, 1);
      case 'HARD_TANH':
        return clip(minVal, maxVal);
      case 'GELU':
        return this.geluExact(x, output);
      default:
        return this.fail(`activation ${name} is not supported`, 'UNSUPPORTED');
    }
  }

  /** Exact GELU, x·Φ(x) = 0.5·x·(1 + erf(x/√2)); Lite's GELU without `approximate`. */
  geluExact(x: string, output?: string): string {
    const base = this.current?.name ?? 'gelu';
    const scaled = this.op('Mul', [x, this.floatConst(`${base}/inv_sqrt2`, [], [Math.SQRT1_2])]);
    const erf = this.op('Erf', [scaled]);
    const plus = this.op('Add', [erf, this.floatConst(`${base}/one`, [], [1])]);
    const half = this.op('Mul', [x, this.floatConst(`${base}/half`, [], [0.5])]);
    return this.op('Mul', [half, plus], {}, output);
  }

  // ---- ops --------------------------------------------------------------------------------------------------------

  private lowerNode(node: LiteNode): void {
    const lower = OPS[node.op];
    if (!lower) {
      // No mapping: the node stays, under a name the engine cannot mistake for one of its own ops.
      this.emit(
        `lite.${node.op}`,
        node.inputs.map((i) => this.names[i] as string),
        {},
        node.outputs.map((o) => this.names[o] as string),
      );
      return;
    }
    lower(this, node, node.attrs as Record<string, unknown>);
  }

  // Helpers the op table uses.
  out(node: LiteNode, k = 0): string {
    const o = node.outputs[k];
    if (o === undefined) this.fail(`${node.op} node has no output ${k}`);
    return this.names[o] as string;
  }

  in(node: LiteNode, k: number): string {
    const i = node.inputs[k];
    if (i === undefined) this.fail(`${node.op} node needs at least ${k + 1} inputs, has ${node.inputs.length}`);
    return this.input(i);
  }

  isNhwc(node: LiteNode, attrFormat: unknown): boolean {
    const i = node.inputs[0];
    const t = i === undefined ? undefined : this.tensor(i);
    if (t && t.dims.length !== 0 && t.dims.length !== 4) return false;
    if (t?.format === FORMAT.NHWC) return true;
    if (t?.format === FORMAT.NCHW && this.model.generation === 'current')
      return Number(attrFormat ?? 0) === FORMAT.NHWC;
    // v0 (Lite 1.0/1.1): convolution-class kernels are NHWC whatever the attribute says.
    return this.model.generation === 'v0' || Number(attrFormat ?? 0) === FORMAT.NHWC;
  }

  /** Unary op with an optional trailing fused activation. */
  simple(node: LiteNode, op: string, attrs: Attrs = {}, activationType = 0): void {
    const inputs = node.inputs.map((_, k) => this.in(node, k));
    if (activationType === 0) {
      this.op(op, inputs, attrs, this.out(node));
      return;
    }
    this.act(this.op(op, inputs, attrs), activationType, this.out(node));
  }

  conv(node: LiteNode, p: ConvAttrs): void {
    const wIndex = node.inputs[1];
    if (wIndex === undefined) this.fail('convolution needs a weight input');
    const w = this.weight(wIndex);
    if (!w) this.fail('convolution weights computed at run time are not supported', 'UNSUPPORTED');
    const wt = this.tensor(wIndex);
    const wName = this.input(wIndex);
    const wFloat = this.graph.parameters.get(wName) as WeightTensor;
    if (wFloat.dtype !== 'float32')
      this.fail(`convolution weights of type ${wFloat.dtype} are not supported`, 'UNSUPPORTED');
    if (w.shape.length !== 4)
      this.fail(`convolution weight ${wName} has shape ${JSON.stringify(w.shape)}, expected 4-D`);
    let perm: number[];
    switch (wt.format) {
      case FORMAT.NCHW:
      case FORMAT.KCHW:
        perm = [0, 1, 2, 3];
        break;
      case FORMAT.NHWC:
      case FORMAT.KHWC:
        perm = [0, 3, 1, 2];
        break;
      case FORMAT.CHWK:
        perm = [3, 0, 1, 2];
        break;
      case FORMAT.HWCK:
        perm = [3, 2, 0, 1];
        break;
      case FORMAT.HWKC:
        perm = [2, 3, 0, 1];
        break;
      case FORMAT.CKHW:
        perm = [1, 0, 2, 3];
        break;
      default:
        this.fail(`convolution weight format ${wt.format} is not supported`, 'UNSUPPORTED');
    }
    let shape = perm.map((d) => w.shape[d] as number);
    const data = permute(wFloat.data, 4, wFloat.shape, perm);
    const inputDims = this.tensor(node.inputs[0] as number).dims;
    const nhwc = p.nhwc;
    const inChannels = inputDims.length === 4 ? (nhwc ? inputDims[3] : inputDims[1]) : undefined;
    let group = p.group;
    if (p.depthwise) {
      // Depthwise weights hold one filter per channel: [C·multiplier, 1, kh, kw] for the engine.
      const channels =
        inChannels && inChannels > 0 ? inChannels : shape[0] === 1 ? (shape[1] as number) : (shape[0] as number);
      if (p.multiplier > 1)
        this.fail('depthwise convolution with a channel multiplier above 1 is not supported', 'UNSUPPORTED');
      shape = [
        elementCount(shape) / ((shape[2] as number) * (shape[3] as number)),
        1,
        shape[2] as number,
        shape[3] as number,
      ];
      if (shape[0] !== channels) this.fail(`depthwise weight has ${shape[0]} filters for ${channels} channels`);
      group = channels;
    } else if (group < 1) {
      group = 1;
    }
    const [kh, kw] = [shape[2] as number, shape[3] as number];
    const weightName = this.fresh(`${wName}/oihw`);
    this.graph.parameters.set(weightName, {
      name: weightName,
      dtype: 'float32',
      shape,
      data,
      storage: { kind: 'inline' },
    });
    this.graph.values.set(weightName, { name: weightName, dtype: 'float32', shape });
    const bias = node.inputs.length > 2 ? this.in(node, 2) : undefined;
    this.viaNchw(this.in(node, 0), nhwc, this.out(node), (x) => {
      let y = this.op('Conv2D', [x, weightName], {
        kernel_size: [kh, kw],
        stride: p.stride,
        dilation: p.dilation,
        pad_mode: p.padMode,
        pad_list: p.pads,
        group,
        out_channel: shape[0] as number,
        format: 'NCHW',
      });
      if (bias) y = this.op('BiasAdd', [y, bias], { format: 'NCHW' });
      return this.act(y, p.activation);
    });
  }

  pool(node: LiteNode, p: PoolAttrs): void {
    const dims = this.tensor(node.inputs[0] as number).dims;
    if (p.ceil && p.padMode === 'pad' && !p.global && dims.length === 4) {
      // Lite's CEIL rounding keeps a last window that starts inside the bottom/right padding; MindSpore and the
      // engine drop it. Refuse rather than return a different output shape.
      const spatial = p.nhwc ? [dims[1], dims[2]] : [dims[2], dims[3]];
      spatial.forEach((size, axis) => {
        const before = p.pads[axis * 2] as number;
        const total = (size as number) + before + (p.pads[axis * 2 + 1] as number);
        const windows = Math.ceil((total - p.kernel[axis]!) / p.strides[axis]!) + 1;
        if ((size as number) > 0 && (windows - 1) * p.strides[axis]! >= (size as number) + before) {
          this.fail('CEIL pooling whose last window lies wholly in padding is not supported', 'UNSUPPORTED');
        }
      });
    }
    this.viaNchw(this.in(node, 0), p.nhwc, this.out(node), (x) => {
      let y: string;
      if (p.global) {
        y = this.op(p.max ? 'ReduceMax' : 'ReduceMean', [x], { axis: [2, 3], keep_dims: true });
      } else {
        y = this.op(p.max ? 'MaxPool' : 'AvgPool', [x], {
          kernel_size: p.kernel,
          strides: p.strides,
          pad_mode: p.padMode,
          pad_list: p.pads,
          round_mode: p.ceil ? 1 : 0,
          // Lite's average pooling divides by the window's in-bounds elements only.
          count_include_pad: false,
          format: 'NCHW',
        });
      }
      return this.act(y, p.activation);
    });
  }

  /** Ops on one channel axis that Lite applies on the last axis of an NHWC tensor. */
  channelOp(node: LiteNode, nhwc: boolean, body: (x: string) => string): void {
    this.viaNchw(this.in(node, 0), nhwc, this.out(node), body);
  }

  tensorInfo(node: LiteNode, k: number): LiteTensor | undefined {
    const i = node.inputs[k];
    return i === undefined ? undefined : this.tensor(i);
  }

  constIntsOf(node: LiteNode, k: number): number[] | undefined {
    return this.constInts(node.inputs[k]);
  }

  constFloatsOf(node: LiteNode, k: number): number[] | undefined {
    return this.constFloats(node.inputs[k]);
  }

  intConstant(values: number[]): string {
    return this.intConst(`${this.current?.name ?? 'const'}/value`, values);
  }

  floatConstant(shape: number[], values: number[]): string {
    return this.floatConst(`${this.current?.name ?? 'const'}/value`, shape, values);
  }

  warn(message: string): void {
    if (!this.warnings.includes(message)) this.warnings.push(message);
  }

  get generation() {
    return this.model.generation;
  }

  unsupported(message: string): never {
    return this.fail(message, 'UNSUPPORTED');
  }

  invalid(message: string): never {
    return this.fail(message);
  }
}

interface ConvAttrs {
  nhwc: boolean;
  stride: [number, number];
  dilation: [number, number];
  padMode: 'pad' | 'same' | 'valid';
  pads: [number, number, number, number];
  group: number;
  depthwise: boolean;
  multiplier: number;
  activation: number;
}

interface PoolAttrs {
  nhwc: boolean;
  max: boolean;
  global: boolean;
  kernel: [number, number];
  strides: [number, number];
  padMode: 'pad' | 'same' | 'valid';
  pads: [number, number, number, number];
  ceil: boolean;
  activation: number;
}

type Lowerer = (l: Lowering, node: LiteNode, a: Record<string, unknown>) => void;

const num = (v: unknown, fallback = 0): number => (v === undefined || v === null ? fallback : Number(v));
const ints = (v: unknown): number[] => (Array.isArray(v) ? v.map(Number) : []);
const pair = (v: unknown, fallback: number): [number, number] => {
  const list = ints(v);
  if (list.length === 0) return [fallback, fallback];
  if (list.length === 1) return [list[0] as number, list[0] as number];
  return [list[list.length - 2] as number, list[list.length - 1] as number];
};
const pads4 = (v: unknown): [number, number, number, number] => {
  const list = ints(v);
  return list.length === 4 ? (list as [number, number, number, number]) : [0, 0, 0, 0];
};

/** Current PadMode: PAD 0, SAME 1, VALID 2. */
const padModeCurrent = (l: Lowering, v: unknown): ConvAttrs['padMode'] => {
  const m = num(v);
  if (m === 0) return 'pad';
  if (m === 1) return 'same';
  if (m === 2) return 'valid';
  return l.unsupported(`pad mode ${m} is not supported`);
};
/** v0 PadMode: NOTSET 0 and CAFFE 4 use the explicit pads, SAME_UPPER 1, VALID 2; SAME_LOWER 5 is not supported. */
const padModeV0 = (l: Lowering, v: unknown): ConvAttrs['padMode'] => {
  const m = num(v);
  if (m === 0 || m === 4) return 'pad';
  if (m === 1) return 'same';
  if (m === 2) return 'valid';
  return l.unsupported(`pad mode ${m === 5 ? 'SAME_LOWER' : m} is not supported`);
};

const convCurrent: Lowerer = (l, node, a) => {
  const group = num(a.group, 1);
  const inDims = l.tensorInfo(node, 0)?.dims ?? [];
  const nhwc = l.isNhwc(node, a.format);
  const inChannels = inDims.length === 4 ? (nhwc ? inDims[3] : inDims[1]) : num(a.in_channel);
  const outChannels = num(a.out_channel);
  const depthwise = group > 1 && group === inChannels && (outChannels === 0 || outChannels === group);
  l.conv(node, {
    nhwc,
    stride: pair(a.stride, 1),
    dilation: pair(a.dilation, 1),
    padMode: padModeCurrent(l, a.pad_mode),
    pads: pads4(a.pad_list),
    group,
    depthwise,
    multiplier: 1,
    activation: num(a.activation_type),
  });
};

const convV0 =
  (depthwise: boolean): Lowerer =>
  (l, node, a) =>
    l.conv(node, {
      nhwc: l.isNhwc(node, a.format),
      stride: [num(a.strideH, 1), num(a.strideW, 1)],
      dilation: [num(a.dilateH, 1) || 1, num(a.dilateW, 1) || 1],
      padMode: padModeV0(l, a.padMode),
      pads: [num(a.padUp), num(a.padDown), num(a.padLeft), num(a.padRight)],
      group: depthwise ? 0 : num(a.group, 1),
      depthwise,
      multiplier: depthwise ? num(a.channelMultiplier, 1) : 1,
      activation: num(a.activationType),
    });

const poolCurrent =
  (max: boolean): Lowerer =>
  (l, node, a) =>
    l.pool(node, {
      nhwc: l.isNhwc(node, a.format),
      max,
      global: Boolean(a.global),
      kernel: pair(a.kernel_size, 1),
      strides: pair(a.strides, 1),
      padMode: padModeCurrent(l, a.pad_mode),
      pads: pads4(a.pad),
      ceil: num(a.round_mode) === 1,
      activation: num(a.activation_type),
    });

const poolV0: Lowerer = (l, node, a) =>
  l.pool(node, {
    nhwc: l.isNhwc(node, a.format),
    max: num(a.poolingMode) === 0,
    global: Boolean(a.global),
    kernel: [num(a.windowH, 1), num(a.windowW, 1)],
    strides: [num(a.strideH, 1), num(a.strideW, 1)],
    padMode: padModeV0(l, a.padMode),
    pads: [num(a.padUp), num(a.padDown), num(a.padLeft), num(a.padRight)],
    ceil: num(a.roundMode) === 1,
    activation: num(a.activationType),
  });

const binary =
  (op: string, actField: string): Lowerer =>
  (l, node, a) =>
    l.simple(node, op, {}, num(a[actField]));

const unary =
  (op: string, attrs: Attrs = {}): Lowerer =>
  (l, node) =>
    l.op(op, [l.in(node, 0)], attrs, l.out(node));

/** Activation: `activation_type` (current) or `type` (v0); type 19 is GELU in the current enum only. */
const activationOp: Lowerer = (l, node, a) => {
  const type = num(a.activation_type ?? a.type);
  if (l.generation === 'current' && type === 19 && !a.approximate) {
    l.geluExact(l.in(node, 0), l.out(node));
    return;
  }
  if (l.generation === 'current' && type === 19) {
    l.op('GeLU', [l.in(node, 0)], {}, l.out(node));
    return;
  }
  l.act(l.in(node, 0), type, l.out(node), num(a.alpha, 0.2), num(a.min_val, -1), num(a.max_val, 1));
};

const identity: Lowerer = (l, node) => l.op('Identity', [l.in(node, 0)], {}, l.out(node));

/** MatMul of rank-2 operands, BatchMatMul above; an optional bias as the third input. */
const matmul = (l: Lowering, node: LiteNode, ta: boolean, tb: boolean, activation: number): void => {
  const rank = Math.max(l.tensorInfo(node, 0)?.dims.length ?? 2, l.tensorInfo(node, 1)?.dims.length ?? 2);
  let y = l.op(rank > 2 ? 'BatchMatMul' : 'MatMul', [l.in(node, 0), l.in(node, 1)], {
    transpose_a: ta,
    transpose_b: tb,
  });
  if (node.inputs.length > 2) y = l.op('Add', [y, l.in(node, 2)]);
  l.act(y, activation, l.out(node));
};

/** Both generations: `use_axis` / `activation_type` (current) or `useAxis` / `activationType` (v0). */
const fullConnection: Lowerer = (l, node, a) => {
  const useAxis = Boolean(a.use_axis ?? a.useAxis);
  // Lite's FullConnection: y = reshape(x, [rows, K]) · Wᵀ (+ b), W of shape [N, K]; rows = the leading dims.
  const w = l.tensorInfo(node, 1);
  const k = w?.dims[1];
  if (k === undefined) return l.invalid('FullConnection weight must be 2-D');
  const xDims = l.tensorInfo(node, 0)?.dims ?? [];
  const axis = useAxis ? num(a.axis) : xDims.length - 1;
  let x = l.in(node, 0);
  if (xDims.length !== 2 || axis !== 1) {
    x = l.op('Reshape', [x, l.intConstant([-1, k])]);
  }
  let y = l.op('MatMul', [x, l.in(node, 1)], { transpose_a: false, transpose_b: true });
  // has_bias follows the inputs: the bias is the third one when present.
  if (node.inputs.length > 2) y = l.op('Add', [y, l.in(node, 2)]);
  const keep = useAxis && axis > 0 && xDims.length > 2 ? xDims.slice(0, axis) : undefined;
  if (keep) {
    const n = w?.dims[0] ?? -1;
    y = l.op('Reshape', [y, l.intConstant([...keep.map((d, i) => (i === 0 ? -1 : d)), n])]);
  }
  l.act(y, num(a.activation_type ?? a.activationType), l.out(node));
};

const reduceModes = [
  'ReduceMean',
  'ReduceMax',
  'ReduceMin',
  'ReduceProd',
  'ReduceSum',
  'ReduceSumSquare',
  'ReduceASum',
  'ReduceAll',
];
const reduce =
  (axesFrom: 'input' | 'attr'): Lowerer =>
  (l, node, a) => {
    const mode = reduceModes[num(a.mode)] ?? 'unknown';
    const axes = axesFrom === 'input' ? l.constIntsOf(node, 1) : ints(a.axes);
    if (!axes) return l.unsupported('reduction axes computed at run time are not supported');
    if (a.reduce_to_end || a.reduceToEnd) return l.unsupported('reduce_to_end is not supported');
    const keep = Boolean(num(a.keep_dims ?? a.keepDims));
    let x = l.in(node, 0);
    let op = mode;
    if (mode === 'ReduceSumSquare') {
      x = l.op('Square', [x]);
      op = 'ReduceSum';
    } else if (mode === 'ReduceASum') {
      x = l.op('Abs', [x]);
      op = 'ReduceSum';
    } else if (!['ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceSum', 'ReduceAll'].includes(mode)) {
      l.unsupported(`reduce mode ${mode} is not supported`);
    }
    // Lite scales by `coeff` only with reduce_to_end (refused above); coeff may sit at its schema default 0.
    l.op(op, [x], { axis: axes, keep_dims: keep }, l.out(node));
  };

const reshape: Lowerer = (l, node, a) => {
  const shape = node.inputs.length > 1 ? l.constIntsOf(node, 1) : ints(a.shape);
  const input = l.tensorInfo(node, 0);
  if (shape) {
    // Lite (like ONNX) reads 0 as "this dim of the input".
    const resolved = shape.map((d, i) => (d === 0 && input && input.dims.length > i ? (input.dims[i] as number) : d));
    l.op('Reshape', [l.in(node, 0), l.intConstant(resolved)], {}, l.out(node));
    return;
  }
  if (node.inputs.length > 1) {
    l.op('Reshape', [l.in(node, 0), l.in(node, 1)], {}, l.out(node));
    return;
  }
  l.invalid('Reshape has no target shape');
};

const concat: Lowerer = (l, node, a) =>
  l.op(
    'Concat',
    node.inputs.map((_, k) => l.in(node, k)),
    { axis: num(a.axis) },
    l.out(node),
  );

const softmax: Lowerer = (l, node, a) => {
  const axis = Array.isArray(a.axis) ? ints(a.axis) : [num(a.axis, -1)];
  l.op('Softmax', [l.in(node, 0)], { axis: axis.length ? axis : [-1] }, l.out(node));
};

const transposeOp: Lowerer = (l, node, a) => {
  const perm = node.inputs.length > 1 ? l.constIntsOf(node, 1) : ints(a.perm);
  if (!perm) return l.unsupported('Transpose with a permutation computed at run time is not supported');
  l.perm(l.in(node, 0), perm, l.out(node));
};

/** Lite BatchNorm / FusedBatchNorm on the channel axis: x, mean, variance (BatchNorm) or x, scale, bias, mean, var. */
/**
 * BatchNorm / FusedBatchNorm on the channel axis. The inputs say which form it is: x, mean, variance (Caffe-style
 * BatchNorm) or x, scale, bias, mean, variance (what converters write for MindSpore, TF and ONNX batch norms).
 */
const batchNorm: Lowerer = (l, node, a) => {
  const eps = num(a.epsilon, 1e-5);
  const nhwc = l.isNhwc(node, a.format);
  if (node.inputs.length !== 3 && node.inputs.length !== 5) {
    return l.invalid(`${node.op} needs 3 or 5 inputs, has ${node.inputs.length}`);
  }
  const channels = l.tensorInfo(node, 1)?.dims.reduce((x, y) => x * y, 1) ?? 0;
  l.channelOp(node, nhwc, (x) => {
    const inputs =
      node.inputs.length === 5
        ? [x, l.in(node, 1), l.in(node, 2), l.in(node, 3), l.in(node, 4)]
        : [
            x,
            l.floatConstant([channels], new Array(channels).fill(1)),
            l.floatConstant([channels], new Array(channels).fill(0)),
            l.in(node, 1),
            l.in(node, 2),
          ];
    const outputs = ['y', 'mean', 'variance', 'saved_mean', 'saved_variance'].map((o) =>
      l.fresh(`${node.name}/bn.${o}`),
    );
    return l.emit('BatchNorm', inputs, { epsilon: eps, is_training: false, format: 'NCHW' }, outputs)[0] as string;
  });
};

const prelu =
  (sharedField: string): Lowerer =>
  (l, node, a) => {
    // The slope is per channel, the last axis in Lite (NHWC); the engine's PReLU reads channels on axis 1.
    const dims = l.tensorInfo(node, 0)?.dims ?? [];
    let slope: string;
    if (node.inputs.length > 1) slope = l.in(node, 1);
    else {
      const values = ints(a.slope); // v0 keeps the slope as an attribute
      slope = l.floatConstant([values.length], values);
    }
    if (a[sharedField] || dims.length === 2) {
      // One shared slope, or a 2-D input whose channels are axis 1 already.
      l.op('PReLU', [l.in(node, 0), slope], {}, l.out(node));
      return;
    }
    if (dims.length === 4) {
      l.channelOp(node, true, (x) => l.op('PReLU', [x, slope]));
      return;
    }
    // Other ranks: max(x, 0) + slope · min(x, 0), broadcasting the slope on the last axis.
    const x = l.in(node, 0);
    const zero = l.floatConstant([], [0]);
    const pos = l.op('Maximum', [x, zero]);
    const neg = l.op('Mul', [l.op('Minimum', [x, zero]), slope]);
    l.op('Add', [pos, neg], {}, l.out(node));
  };

const scale =
  (actField: string): Lowerer =>
  (l, node, a) => {
    // y = x · scale (+ bias), scale's dims aligned to x's dims from `axis`.
    const dims = l.tensorInfo(node, 0)?.dims ?? [];
    const sdims = l.tensorInfo(node, 1)?.dims ?? [];
    let axis = num(a.axis);
    if (axis < 0) axis += dims.length;
    const trailing = dims.length - axis - sdims.length;
    const reshapeParam = (k: number) => {
      const name = l.in(node, k);
      if (trailing <= 0) return name;
      return l.op('Reshape', [name, l.intConstant([...sdims, ...new Array(trailing).fill(1)])]);
    };
    let y = l.op('Mul', [l.in(node, 0), reshapeParam(1)]);
    if (node.inputs.length > 2) y = l.op('Add', [y, reshapeParam(2)]);
    l.act(y, num(a[actField]), l.out(node));
  };

const DTYPE_FOR_TYPE_ID = (id: number): DType | undefined => TYPE_IDS.get(id) as DType | undefined;

const cast: Lowerer = (l, node, a) => {
  const id = l.generation === 'v0' ? num(a.dstT) : l.constIntsOf(node, 1)?.[0];
  const dtype = id === undefined ? undefined : DTYPE_FOR_TYPE_ID(id);
  if (!dtype) return l.unsupported(`Cast to type ${id ?? '(computed at run time)'} is not supported`);
  l.op('Cast', [l.in(node, 0)], { dst_type: { kind: 'type', dtype } }, l.out(node));
};

const gather: Lowerer = (l, node, a) => {
  const axis = l.generation === 'v0' ? num(a.axis) : (l.constIntsOf(node, 2)?.[0] ?? 0);
  l.op('Gather', [l.in(node, 0), l.in(node, 1)], { axis }, l.out(node));
};

const split: Lowerer = (l, node, a) => {
  const axis = l.generation === 'v0' ? num(a.splitDim) : num(a.axis);
  const sizes = ints(l.generation === 'v0' ? a.sizeSplits : a.size_splits);
  const outputs = node.outputs.map((_, k) => l.out(node, k));
  if (sizes.length === outputs.length)
    l.emit('SplitV', [l.in(node, 0)], { size_splits: sizes, split_dim: axis, num_split: outputs.length }, outputs);
  else l.emit('Split', [l.in(node, 0)], { axis, output_num: outputs.length }, outputs);
};

const stridedSlice: Lowerer = (l, node, a) => {
  const masks = {
    begin_mask: num(a.begin_mask ?? a.beginMask),
    end_mask: num(a.end_mask ?? a.endMask),
    ellipsis_mask: num(a.ellipsis_mask ?? a.ellipsisMask),
    new_axis_mask: num(a.new_axis_mask ?? a.newAxisMask),
    shrink_axis_mask: num(a.shrink_axis_mask ?? a.shrinkAxisMask),
  };
  if (l.generation === 'v0' && node.inputs.length === 1) {
    l.op(
      'StridedSlice',
      [l.in(node, 0)],
      { ...masks, begin: ints(a.begin), end: ints(a.end), strides: ints(a.stride) },
      l.out(node),
    );
    return;
  }
  const begin = l.constIntsOf(node, 1);
  const end = l.constIntsOf(node, 2);
  const strides = node.inputs.length > 3 ? l.constIntsOf(node, 3) : undefined;
  if (!begin || !end) return l.unsupported('StridedSlice bounds computed at run time are not supported');
  l.op('StridedSlice', [l.in(node, 0)], { ...masks, begin, end, strides: strides ?? begin.map(() => 1) }, l.out(node));
};

const slice: Lowerer = (l, node, a) => {
  const dims = l.tensorInfo(node, 0)?.dims ?? [];
  const begin = l.generation === 'v0' ? ints(a.begin) : l.constIntsOf(node, 1);
  const size = l.generation === 'v0' ? ints(a.size) : l.constIntsOf(node, 2);
  if (!begin || !size) return l.unsupported('Slice bounds computed at run time are not supported');
  const axes = ints(a.axes);
  let b = begin;
  let s = size;
  if (axes.length > 0 && axes.length < dims.length) {
    b = dims.map(() => 0);
    s = dims.map(() => -1);
    axes.forEach((ax, k) => {
      const axis = ax < 0 ? ax + dims.length : ax;
      b[axis] = begin[k] as number;
      s[axis] = size[k] as number;
    });
  }
  l.op('Slice', [l.in(node, 0)], { begin: b, size: s }, l.out(node));
};

const pad: Lowerer = (l, node, a) => {
  let flat: number[] | undefined;
  if (l.generation === 'v0') flat = ints(a.paddings);
  else flat = l.constIntsOf(node, 1);
  if (!flat) return l.unsupported('paddings computed at run time are not supported');
  const mode = num(l.generation === 'v0' ? a.paddingMode : a.padding_mode);
  const names = ['constant', 'reflect', 'symmetric'];
  const value = num(l.generation === 'v0' ? a.constantValue : a.constant_value);
  if (mode > 2) return l.unsupported(`padding mode ${mode} is not supported`);
  const valueInput = l.generation === 'current' && node.inputs.length > 2 ? l.constFloatsOf(node, 2)?.[0] : 0;
  if (valueInput === undefined) return l.unsupported('padding with a constant computed at run time is not supported');
  if (value !== 0 || valueInput !== 0) return l.unsupported('padding with a non-zero constant is not supported');
  // Lite paddings: [[before, after] per axis], flattened.
  const pairs: number[][] = [];
  for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i] as number, flat[i + 1] as number]);
  l.op('Pad', [l.in(node, 0)], { paddings: pairs, mode: names[mode] as string }, l.out(node));
};

const squeeze: Lowerer = (l, node, a) => l.op('Squeeze', [l.in(node, 0)], { axis: ints(a.axis) }, l.out(node));

const unsqueeze: Lowerer = (l, node, a) => {
  const out = l.out(node);
  const axes = ints(a.axis);
  let x = l.in(node, 0);
  axes.forEach((axis, k) => {
    x = l.op('ExpandDims', [x], { axis }, k === axes.length - 1 ? out : undefined);
  });
  if (axes.length === 0) l.op('Identity', [x], {}, out);
};

const expandDims: Lowerer = (l, node, a) => {
  const axis = l.generation === 'v0' ? num(a.dim) : l.constIntsOf(node, 1)?.[0];
  if (axis === undefined) return l.unsupported('ExpandDims with an axis computed at run time is not supported');
  l.op('ExpandDims', [l.in(node, 0)], { axis }, l.out(node));
};

const flatten: Lowerer = (l, node) => l.op('Flatten', [l.in(node, 0)], {}, l.out(node));

const argMax =
  (max: boolean): Lowerer =>
  (l, node, a) => {
    const topK = num(a.top_k ?? a.topK, 1);
    if (topK !== 1 || a.out_max_value || a.outMaxValue)
      return l.unsupported('ArgMax/ArgMin with top_k > 1 or values out is not supported');
    const axis = num(a.axis);
    const keep = Boolean(a.keep_dims ?? a.keepDims);
    l.op(
      max ? 'Argmax' : 'Argmin',
      [l.in(node, 0)],
      { axis, keep_dims: keep, output_type: { kind: 'type', dtype: 'int32' } },
      l.out(node),
    );
  };

const tile: Lowerer = (l, node, a) => {
  const multiples = l.generation === 'v0' ? ints(a.multiples) : l.constIntsOf(node, 1);
  if (!multiples) return l.unsupported('Tile multiples computed at run time are not supported');
  l.op('Tile', [l.in(node, 0)], { multiples }, l.out(node));
};

const layerNorm: Lowerer = (l, node, a) => {
  const inputs = [l.in(node, 0)];
  if (node.inputs.length >= 3) inputs.push(l.in(node, 1), l.in(node, 2));
  else l.unsupported('LayerNorm without gamma and beta is not supported');
  const beginNorm = num(a.begin_norm_axis);
  const beginParams = num(a.begin_params_axis);
  l.emit(
    'LayerNorm',
    inputs,
    { begin_norm_axis: beginNorm, begin_params_axis: beginParams, epsilon: num(a.epsilon, 1e-5) },
    [l.out(node), l.fresh(`${node.name}/mean`), l.fresh(`${node.name}/variance`)],
  );
};

const OPS: Record<string, Lowerer> = {
  // current generation (1.2+)
  Conv2DFusion: convCurrent,
  MaxPoolFusion: poolCurrent(true),
  AvgPoolFusion: poolCurrent(false),
  AddFusion: binary('Add', 'activation_type'),
  SubFusion: binary('Sub', 'activation_type'),
  MulFusion: binary('Mul', 'activation_type'),
  DivFusion: binary('RealDiv', 'activation_type'),
  MatMulFusion: (l, node, a) => matmul(l, node, Boolean(a.transpose_a), Boolean(a.transpose_b), num(a.activation_type)),
  FullConnection: fullConnection,
  Activation: activationOp,
  ReduceFusion: reduce('input'),
  Softmax: softmax,
  PReLUFusion: prelu('channel_shared'),
  ScaleFusion: scale('activation_type'),
  LeakyRelu: (l, node, a) => l.op('LeakyReLU', [l.in(node, 0)], { alpha: num(a.negative_slope) }, l.out(node)),
  SliceFusion: slice,
  PadFusion: pad,
  TileFusion: tile,
  ArgMaxFusion: argMax(true),
  ArgMinFusion: argMax(false),
  ExpFusion: (l, node, a) => {
    if (num(a.base, -1) !== -1 || num(a.scale, 1) !== 1 || num(a.shift) !== 0)
      return l.unsupported('Exp with base, scale or shift is not supported');
    l.op('Exp', [l.in(node, 0)], {}, l.out(node));
  },
  PowFusion: (l, node, a) => {
    if (num(a.scale, 1) !== 1 || num(a.shift) !== 0) return l.unsupported('Pow with scale or shift is not supported');
    l.op('Pow', [l.in(node, 0), l.in(node, 1)], {}, l.out(node));
  },
  LayerNormFusion: layerNorm,
  L2NormalizeFusion: (l, node, a) => {
    const y = l.op('L2Normalize', [l.in(node, 0)], { axis: ints(a.axis), epsilon: num(a.epsilon, 1e-4) });
    l.act(y, num(a.activation_type), l.out(node));
  },
  Erf: unary('Erf'),
  Unsqueeze: unsqueeze,
  // v0 (1.0 / 1.1)
  Conv2D: convV0(false),
  DepthwiseConv2D: convV0(true),
  Pooling: poolV0,
  Add: binary('Add', 'activationType'),
  Sub: binary('Sub', 'activationType'),
  Mul: binary('Mul', 'activationType'),
  Div: binary('RealDiv', 'activationType'),
  MatMul: (l, node, a) => matmul(l, node, Boolean(a.transposeA), Boolean(a.transposeB), 0),
  Reduce: reduce('attr'),
  Mean: (l, node, a) =>
    l.op('ReduceMean', [l.in(node, 0)], { axis: ints(a.axis), keep_dims: Boolean(a.keepDims) }, l.out(node)),
  SoftMax: softmax,
  PReLU: prelu('channelShared'),
  Scale: scale('activationType'),
  LeakyReLU: (l, node, a) => l.op('LeakyReLU', [l.in(node, 0)], { alpha: num(a.negativeSlope) }, l.out(node)),
  Slice: slice,
  Pad: pad,
  Tile: tile,
  ArgMax: argMax(true),
  ArgMin: argMax(false),
  Exp: (l, node, a) => {
    if (num(a.base, -1) !== -1 || num(a.scale, 1) !== 1 || num(a.shift) !== 0)
      return l.unsupported('Exp with base, scale or shift is not supported');
    l.op('Exp', [l.in(node, 0)], {}, l.out(node));
  },
  Nchw2Nhwc: (l, node) => l.perm(l.in(node, 0), TO_NHWC, l.out(node)),
  Nhwc2Nchw: (l, node) => l.perm(l.in(node, 0), TO_NCHW, l.out(node)),
  Permute: (l, node, a) => l.perm(l.in(node, 0), ints(a.order), l.out(node)),
  LayerNorm: (l, node, a) => {
    const shape = ints(a.normalizedShape);
    const rank = l.tensorInfo(node, 0)?.dims.length ?? 0;
    if (!a.elementwiseAffine) return l.unsupported('LayerNorm without elementwise affine is not supported');
    const axis = rank - shape.length;
    l.emit(
      'LayerNorm',
      [l.in(node, 0), l.in(node, 1), l.in(node, 2)],
      { begin_norm_axis: axis, begin_params_axis: axis, epsilon: num(a.epsilon, 1e-5) },
      [l.out(node), l.fresh(`${node.name}/mean`), l.fresh(`${node.name}/variance`)],
    );
  },
  // both generations
  BiasAdd: (l, node) => l.op('Add', [l.in(node, 0), l.in(node, 1)], {}, l.out(node)),
  BatchNorm: batchNorm,
  FusedBatchNorm: batchNorm,
  Reshape: reshape,
  Flatten: flatten,
  Concat: concat,
  Transpose: transposeOp,
  Squeeze: squeeze,
  ExpandDims: expandDims,
  Cast: cast,
  Gather: gather,
  Split: split,
  StridedSlice: stridedSlice,
  Maximum: binary('Maximum', '-'),
  Minimum: binary('Minimum', '-'),
  RealDiv: binary('RealDiv', '-'),
  SquaredDifference: binary('SquaredDifference', '-'),
  FloorDiv: binary('FloorDiv', '-'),
  FloorMod: binary('FloorMod', '-'),
  Mod: binary('Mod', '-'),
  Equal: binary('Equal', '-'),
  NotEqual: binary('NotEqual', '-'),
  Less: binary('Less', '-'),
  LessEqual: binary('LessEqual', '-'),
  Greater: binary('Greater', '-'),
  GreaterEqual: binary('GreaterEqual', '-'),
  LogicalAnd: binary('LogicalAnd', '-'),
  LogicalOr: binary('LogicalOr', '-'),
  LogicalNot: unary('LogicalNot'),
  Abs: unary('Abs'),
  Neg: unary('Neg'),
  Sqrt: unary('Sqrt'),
  Rsqrt: unary('Rsqrt'),
  Square: unary('Square'),
  Log: unary('Log'),
  Sin: unary('Sin'),
  Cos: unary('Cos'),
  Floor: unary('Floor'),
  Ceil: unary('Ceil'),
  Round: unary('Round'),
  Reciprocal: unary('Reciprocal'),
  Elu: (l, node, a) => l.op('Elu', [l.in(node, 0)], { alpha: num(a.alpha, 1) }, l.out(node)),
  Dropout: identity,
  Identity: identity,
  ZerosLike: unary('ZerosLike'),
  OnesLike: unary('OnesLike'),
  AddN: (l, node) =>
    l.op(
      'AddN',
      node.inputs.map((_, k) => l.in(node, k)),
      {},
      l.out(node),
    ),
};
// QuantDTypeCast between float and integer tensors: see the loader (dequantized graphs run in float).
OPS.QuantDTypeCast = (l, node) => {
  l.warn(
    "the model is quantized end to end: mindlet runs it in float32 on dequantized weights, so results differ from MindSpore Lite's integer kernels by the quantization error",
  );
  identity(l, node, {});
};

// ---- byte helpers ------------------------------------------------------------------------------------------------

/** Element values of a numeric constant (little-endian, possibly unaligned). */
export function readNumbers(w: WeightTensor): Array<number | bigint> {
  const view = new DataView(w.data.buffer, w.data.byteOffset, w.data.byteLength);
  // A string constant has no element size; read it as bytes.
  const size = DTYPE_SIZES[w.dtype] || 1;
  const n = Math.floor(w.data.byteLength / size);
  const out: Array<number | bigint> = new Array(n);
  for (let i = 0; i < n; i++) {
    const at = i * size;
    switch (w.dtype) {
      case 'float32':
        out[i] = view.getFloat32(at, true);
        break;
      case 'float64':
        out[i] = view.getFloat64(at, true);
        break;
      case 'int64':
        out[i] = Number(view.getBigInt64(at, true));
        break;
      case 'uint64':
        out[i] = Number(view.getBigUint64(at, true));
        break;
      case 'int32':
        out[i] = view.getInt32(at, true);
        break;
      case 'uint32':
        out[i] = view.getUint32(at, true);
        break;
      case 'int16':
        out[i] = view.getInt16(at, true);
        break;
      case 'uint16':
        out[i] = view.getUint16(at, true);
        break;
      case 'int8':
        out[i] = view.getInt8(at);
        break;
      default:
        out[i] = view.getUint8(at);
    }
  }
  return out;
}

/** Permutes the axes of a dense tensor's bytes: out.dims[i] = in.dims[perm[i]]. */
export function permute(
  data: Uint8Array,
  elementBytes: number,
  shape: readonly number[],
  perm: readonly number[],
): Uint8Array {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p] as number);
  const inStrides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) inStrides[i] = (inStrides[i + 1] as number) * (shape[i + 1] as number);
  const total = elementCount(outShape);
  const out = new Uint8Array(total * elementBytes);
  // Weights are mostly 4-byte elements: copy them as whole words (an aligned copy of the input first).
  const words = elementBytes === 4;
  const src32 = words ? new Uint32Array(Uint8Array.from(data.subarray(0, total * 4)).buffer) : undefined;
  const out32 = words ? new Uint32Array(out.buffer) : undefined;
  const index = new Array<number>(rank).fill(0);
  const strides = perm.map((p) => inStrides[p] as number);
  for (let k = 0; k < total; k++) {
    let src = 0;
    for (let i = 0; i < rank; i++) src += (index[i] as number) * (strides[i] as number);
    if (src32 && out32) out32[k] = src32[src] as number;
    else out.set(data.subarray(src * elementBytes, (src + 1) * elementBytes), k * elementBytes);
    for (let i = rank - 1; i >= 0; i--) {
      index[i] = (index[i] as number) + 1;
      if ((index[i] as number) < (outShape[i] as number)) break;
      index[i] = 0;
    }
  }
  return out;
}
