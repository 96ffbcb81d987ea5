/**
 * Builds one network twice at once: as MindIR (through MindirGraphBuilder, MindSpore 2.x conventions) and as
 * ONNX (opset 17), sharing every weight array, so both files compute the same function with the same numbers.
 * Each layer helper writes the primitive MindSpore's Cell emits and the ONNX ops that compute the same thing.
 *
 * Where MindirGraphBuilder has no API (int64 scalar Constants such as TupleGetItem indices and Gather axes, dtype
 * Constants for Cast, tuple output abstracts of BatchNorm / LayerNorm / MakeTuple), this module edits the node list
 * that `graphParts()` returns: it is the same array `encodeModel` writes, and the loader reads these forms.
 *
 * Attribute sets follow ori_net.mindir (real MindSpore export: Conv2D, MaxPool, MatMul, ReLU, Reshape carry
 * input_names / output_names and the attributes listed there). For the other primitives the attributes are those
 * MindSpore's Python primitive __init__ adds with add_prim_attr (BatchNorm: is_training, epsilon, momentum,
 * format; LayerNorm: begin_norm_axis, begin_params_axis, epsilon; Softmax: axis as a tuple; BiasAdd: data_format),
 * written from memory of mindspore/python/mindspore/ops/operations/nn_ops.py: close, not byte-checked against a
 * real export of these networks (none is available here).
 */
import { DataType, encodeModel, MindirGraphBuilder, type WriterAttr } from '../mindir-writer.js';
import { OnnxGraphBuilder, OnnxType } from '../onnx/onnx-writer.js';
import { normal, type Rng, uniform, uniformStd } from './random.js';

export type ValueDType = 'float32' | 'int32';

/** A value present in both graphs: its MindIR name, its ONNX name and its shape (-1 = the dynamic batch). */
export interface Val {
  m: string;
  o: string;
  shape: number[];
  dtype: ValueDType;
}

type Plain = Record<string, unknown>;

const MINDIR_DTYPE = { float32: DataType.FLOAT32, int32: DataType.INT32 } as const;
const ONNX_DTYPE = { float32: OnnxType.FLOAT, int32: OnnxType.INT32 } as const;
/** mind_ir AttributeProto.AttributeType values the patches below write. */
const MIR_ATTR = { INT64: 7, TENSORS: 19, TUPLE: 20 } as const;

const io = (inputs: string[], outputs: string[] = ['output']) => ({ input_names: inputs, output_names: outputs });

export interface ConvOptions {
  cout: number;
  kernel: number;
  stride?: number;
  /** MindSpore pad_mode: "same" (ResNet), "pad" with `padding` (MobileNetV2), "valid" (LeNet). */
  padMode: 'same' | 'pad' | 'valid';
  padding?: number;
  group?: number;
}

export interface BuiltGraphs {
  mindir: Uint8Array;
  onnx: Uint8Array;
}

export class DualBuilder {
  readonly mb: MindirGraphBuilder;
  readonly ob: OnnxGraphBuilder;
  private readonly extraConstants: Plain[] = [];
  private readonly scalarNames = new Map<string, string>();
  private readonly onnxScalars = new Map<number, string>();
  private readonly tupleAbstracts = new Map<string, Array<{ dims: number[]; dtype: number }>>();
  private opIndex = 0;

  constructor(
    graphName: string,
    readonly rng: Rng,
  ) {
    this.mb = new MindirGraphBuilder(graphName);
    this.ob = new OnnxGraphBuilder('main');
  }

  // ---- graph inputs, weights, constants ----

  input(name: string, shape: number[], dtype: ValueDType = 'float32'): Val {
    const m = this.mb.input(name, shape, MINDIR_DTYPE[dtype]);
    const o = this.ob.input(name, ONNX_DTYPE[dtype], shape);
    return { m, o, shape, dtype };
  }

  /** A trained weight: GraphProto.parameter (read through Load) in MindIR, an initializer named by the key in ONNX. */
  param(key: string, shape: number[], data: Float32Array): Val {
    const m = this.mb.parameter(key, shape, data);
    const o = this.ob.initializer(key, shape, data);
    return { m, o, shape, dtype: 'float32' };
  }

  /** A tensor constant (a Constant node in MindIR, an initializer in ONNX). */
  constTensor(shape: number[], data: Float32Array | Int32Array, label: string): Val {
    const dtype: ValueDType = data instanceof Float32Array ? 'float32' : 'int32';
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const m = this.mb.constantTensor(shape, bytes, MINDIR_DTYPE[dtype], label);
    const o = this.ob.constant(shape, data, label);
    return { m, o, shape, dtype };
  }

  /** A Constant holding an int64 scalar (TupleGetItem index, Gather / ExpandDims axis); one node per value. */
  private scalar(value: number): string {
    const key = `i${value}`;
    let name = this.scalarNames.get(key);
    if (!name) {
      name = `[ValueNode]scalar_${value < 0 ? `m${-value}` : value}`;
      this.extraConstants.push({
        output: [name],
        name,
        opType: 'Constant',
        attribute: [{ name: 'value', i: value, type: MIR_ATTR.INT64 }],
      });
      this.scalarNames.set(key, name);
    }
    return name;
  }

  /** A Constant naming a dtype (Cast's dst_type): TENSORS holding one data-less tensor, as MindSpore writes types. */
  private typeConstant(dtype: ValueDType): string {
    const key = `t${dtype}`;
    let name = this.scalarNames.get(key);
    if (!name) {
      name = `[ValueNode]type_${dtype}`;
      this.extraConstants.push({
        output: [name],
        name,
        opType: 'Constant',
        attribute: [{ name: 'value', type: MIR_ATTR.TENSORS, tensors: [{ dataType: MINDIR_DTYPE[dtype] }] }],
      });
      this.scalarNames.set(key, name);
    }
    return name;
  }

  /** A float32 scalar initializer for ONNX-only arithmetic (Clip bounds, the GeLU formula), one per value. */
  private onnxScalar(value: number): string {
    let name = this.onnxScalars.get(value);
    if (!name) {
      name = this.ob.floats([value], [], 'scalar');
      this.onnxScalars.set(value, name);
    }
    return name;
  }

  // ---- MindIR node plumbing ----

  private scope(cell: string, op: string): string {
    const path = cell ? `${cell.split('.').join('/')}/` : '';
    return `Default/${path}${op}-op${this.opIndex++}`;
  }

  private mnode(
    op: string,
    inputs: string[],
    attrs: Record<string, WriterAttr>,
    shape: number[] | undefined,
    cell: string,
    dtype: ValueDType = 'float32',
  ): string {
    return this.mb.node(op, inputs, attrs, shape, {
      outputDtype: MINDIR_DTYPE[dtype],
      scope: this.scope(cell, op),
      name: op === 'TupleGetItem' ? 'x' : 'output',
    });
  }

  /** A primitive with a tuple output (BatchNorm, LayerNorm): the node records every element's abstract. */
  private mtupleNode(
    op: string,
    inputs: string[],
    attrs: Record<string, WriterAttr>,
    elements: number[][],
    cell: string,
  ): string {
    const node = this.mnode(op, inputs, attrs, undefined, cell);
    this.tupleAbstracts.set(
      node,
      elements.map((dims) => ({ dims, dtype: DataType.FLOAT32 })),
    );
    return node;
  }

  private getItem(tuple: string, index: number, shape: number[], cell: string): string {
    return this.mnode('TupleGetItem', [tuple, this.scalar(index)], {}, shape, cell);
  }

  // ---- layers ----

  /** nn.Conv2d without bias → Conv2D (MindIR) / Conv (ONNX); pads follow MindSpore's pad_mode rules. */
  conv2d(x: Val, key: string, o: ConvOptions): Val {
    const [n, cin, h, w] = x.shape as [number, number, number, number];
    const stride = o.stride ?? 1;
    const group = o.group ?? 1;
    const k = o.kernel;
    const [outH, top, bottom] = windowPads(h, k, stride, o.padMode, o.padding ?? 0);
    const [outW, left, right] = windowPads(w, k, stride, o.padMode, o.padding ?? 0);
    const fanIn = (cin / group) * k * k;
    const weight = this.param(
      `${key}.weight`,
      [o.cout, cin / group, k, k],
      heWeights(this.rng.fork(key), o.cout * fanIn, fanIn),
    );
    const shape = [n, o.cout, outH, outW];
    const p = o.padding ?? 0;
    const m = this.mnode(
      'Conv2D',
      [x.m, weight.m],
      {
        kernel_size: [k, k],
        mode: 1,
        out_channel: o.cout,
        input_names: ['x', 'w'],
        pad: o.padMode === 'pad' ? [p, p, p, p] : [0, 0, 0, 0],
        pad_mode: o.padMode,
        format: 'NCHW',
        pad_list: [top, bottom, left, right],
        groups: group,
        stride: [1, 1, stride, stride],
        group,
        dilation: [1, 1, 1, 1],
        output_names: ['output'],
      },
      shape,
      key,
    );
    const on = this.ob.node('Conv', [x.o, weight.o], {
      kernel_shape: [k, k],
      strides: [stride, stride],
      pads: [top, left, bottom, right],
      dilations: [1, 1],
      group,
    });
    return { m, o: on, shape, dtype: 'float32' };
  }

  /**
   * nn.BatchNorm2d in inference: BatchNorm(is_training=False) on x, gamma, beta, moving_mean, moving_variance,
   * element 0 of its 5-tuple taken by TupleGetItem. `gammaRange` lets residual branches start small.
   */
  batchNorm(x: Val, key: string, gammaRange: [number, number] = [0.8, 1.2]): Val {
    const c = x.shape[1]!;
    const rng = this.rng.fork(key);
    const gamma = this.param(`${key}.gamma`, [c], uniform(rng, c, gammaRange[0], gammaRange[1]));
    const beta = this.param(`${key}.beta`, [c], normal(rng, c, 0, 0.1));
    const mean = this.param(`${key}.moving_mean`, [c], normal(rng, c, 0, 0.1));
    const variance = this.param(`${key}.moving_variance`, [c], uniform(rng, c, 0.5, 1.5));
    const epsilon = 1e-5;
    const bn = this.mtupleNode(
      'BatchNorm',
      [x.m, gamma.m, beta.m, mean.m, variance.m],
      {
        is_training: false,
        epsilon,
        momentum: 0.1,
        format: 'NCHW',
        ...io(
          ['x', 'scale', 'offset', 'mean', 'variance'],
          ['y', 'batch_mean', 'batch_variance', 'reserve_space_1', 'reserve_space_2'],
        ),
      },
      [x.shape, [c], [c], [c], [c]],
      key,
    );
    const m = this.getItem(bn, 0, x.shape, key);
    const o = this.ob.node('BatchNormalization', [x.o, gamma.o, beta.o, mean.o, variance.o], { epsilon });
    return { m, o, shape: x.shape, dtype: 'float32' };
  }

  relu(x: Val, cell = ''): Val {
    return this.unary(x, 'ReLU', cell, () => this.ob.node('Relu', [x.o]));
  }

  relu6(x: Val, cell = ''): Val {
    return this.unary(x, 'ReLU6', cell, () => this.ob.node('Clip', [x.o, this.onnxScalar(0), this.onnxScalar(6)]));
  }

  tanh(x: Val, cell = ''): Val {
    return this.unary(x, 'Tanh', cell, () => this.ob.node('Tanh', [x.o]));
  }

  /**
   * GeLU. MindSpore's GeLU primitive (what nn.GELU(approximate=True), BERT's default, exports) computes the tanh
   * form 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) — its own kernel tests check exactly that — so ONNX gets the
   * same formula built from basic ops (opset 17 has no Gelu).
   */
  gelu(x: Val, cell = ''): Val {
    return this.unary(x, 'GeLU', cell, () => {
      const cube = this.ob.node('Mul', [this.ob.node('Mul', [x.o, x.o]), x.o]);
      const inner = this.ob.node('Add', [x.o, this.ob.node('Mul', [cube, this.onnxScalar(0.044715)])]);
      const t = this.ob.node('Tanh', [this.ob.node('Mul', [inner, this.onnxScalar(Math.sqrt(2 / Math.PI))])]);
      const plus = this.ob.node('Add', [t, this.onnxScalar(1)]);
      const times = this.ob.node('Mul', [x.o, plus]);
      return this.ob.node('Mul', [times, this.onnxScalar(0.5)]);
    });
  }

  private unary(x: Val, op: string, cell: string, onnx: () => string): Val {
    const m = this.mnode(op, [x.m], io(['x']), x.shape, cell);
    return { m, o: onnx(), shape: x.shape, dtype: x.dtype };
  }

  add(a: Val, b: Val, cell = ''): Val {
    return this.binary('Add', 'Add', a, b, cell);
  }

  sub(a: Val, b: Val, cell = ''): Val {
    return this.binary('Sub', 'Sub', a, b, cell);
  }

  mul(a: Val, b: Val, cell = ''): Val {
    return this.binary('Mul', 'Mul', a, b, cell);
  }

  private binary(op: string, onnxOp: string, a: Val, b: Val, cell: string): Val {
    const shape = broadcast(a.shape, b.shape);
    const m = this.mnode(op, [a.m, b.m], io(['x', 'y']), shape, cell);
    return { m, o: this.ob.node(onnxOp, [a.o, b.o]), shape, dtype: a.dtype };
  }

  /** nn.MaxPool2d → MaxPool with 4-element kernel_size / strides and an upper-case pad_mode, as ori_net has. */
  maxPool(x: Val, kernel: number, stride: number, padMode: 'same' | 'valid', cell = ''): Val {
    const [n, c, h, w] = x.shape as [number, number, number, number];
    const [outH, top, bottom] = windowPads(h, kernel, stride, padMode, 0);
    const [outW, left, right] = windowPads(w, kernel, stride, padMode, 0);
    const shape = [n, c, outH, outW];
    const m = this.mnode(
      'MaxPool',
      [x.m],
      {
        pad_mode: padMode.toUpperCase(),
        output_names: ['output'],
        kernel_size: [1, 1, kernel, kernel],
        format: 'NCHW',
        strides: [1, 1, stride, stride],
        input_names: ['x'],
      },
      shape,
      cell,
    );
    const o = this.ob.node('MaxPool', [x.o], {
      kernel_shape: [kernel, kernel],
      strides: [stride, stride],
      pads: [top, left, bottom, right],
    });
    return { m, o, shape, dtype: x.dtype };
  }

  /** ReduceMean with keep_dims as an attribute and the axes as a tuple input (MindSpore 2.x). */
  reduceMean(x: Val, axes: number[], keepDims: boolean, cell = ''): Val {
    const shape = keepDims
      ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
      : x.shape.filter((_, i) => !axes.includes(i));
    const m = this.mnode(
      'ReduceMean',
      [x.m, this.mb.constantTuple(axes)],
      { keep_dims: keepDims, ...io(['input_x', 'axis'], ['y']) },
      shape,
      cell,
    );
    const o = this.ob.node('ReduceMean', [x.o], { axes, keepdims: keepDims ? 1 : 0 });
    return { m, o, shape, dtype: x.dtype };
  }

  /** nn.Flatten → Flatten (batch kept, the rest folded). */
  flatten(x: Val, cell = ''): Val {
    const shape = [x.shape[0]!, x.shape.slice(1).reduce((p, d) => p * d, 1)];
    const m = this.mnode('Flatten', [x.m], io(['input_x']), shape, cell);
    return { m, o: this.ob.node('Flatten', [x.o], { axis: 1 }), shape, dtype: x.dtype };
  }

  /**
   * nn.Dense: MatMul(x, weight, transpose_b=True) then BiasAdd, then the Cell's activation. ONNX: Gemm(transB=1).
   * Weights are [out, in] as MindSpore stores them; `std` defaults to Xavier-like 1/√in.
   */
  dense(x: Val, key: string, out: number, options: { std?: number; activation?: 'gelu' | 'tanh' } = {}): Val {
    const inDim = x.shape.at(-1)!;
    const rng = this.rng.fork(key);
    const weight = this.param(
      `${key}.weight`,
      [out, inDim],
      uniformStd(rng, out * inDim, options.std ?? 1 / Math.sqrt(inDim)),
    );
    const bias = this.param(`${key}.bias`, [out], uniformStd(rng, out, 0.02));
    const shape = [...x.shape.slice(0, -1), out];
    const matmul = this.mnode(
      'MatMul',
      [x.m, weight.m],
      {
        output_names: ['output'],
        transpose_a: false,
        input_names: ['x1', 'x2'],
        transpose_x2: true,
        transpose_x1: false,
        transpose_b: true,
      },
      shape,
      key,
    );
    const m = this.mnode(
      'BiasAdd',
      [matmul, bias.m],
      { ...io(['x', 'b']), format: 'NCHW', data_format: 'NCHW' },
      shape,
      key,
    );
    const y: Val = { m, o: this.ob.node('Gemm', [x.o, weight.o, bias.o], { transB: 1 }), shape, dtype: 'float32' };
    if (options.activation === 'gelu') return this.gelu(y, key);
    if (options.activation === 'tanh') return this.tanh(y, key);
    return y;
  }

  /** Reshape to a constant target (a tuple Constant in MindIR, an int64 initializer in ONNX). */
  reshape(x: Val, target: number[], cell = ''): Val {
    const shape = reshapeShape(x.shape, target);
    const m = this.mnode(
      'Reshape',
      [x.m, this.mb.constantTuple(target)],
      io(['tensor', 'shape']),
      shape,
      cell,
      x.dtype,
    );
    return { m, o: this.ob.node('Reshape', [x.o, this.ob.int64s(target, 'shape')]), shape, dtype: x.dtype };
  }

  transpose(x: Val, perm: number[], cell = ''): Val {
    const shape = perm.map((p) => x.shape[p]!);
    const m = this.mnode('Transpose', [x.m, this.mb.constantTuple(perm)], io(['x', 'perm']), shape, cell);
    return { m, o: this.ob.node('Transpose', [x.o], { perm }), shape, dtype: x.dtype };
  }

  /** BatchMatMul(a, b, transpose_b); ONNX transposes b's last two dims, then MatMul. */
  batchMatMul(a: Val, b: Val, transposeB: boolean, cell = ''): Val {
    const bRows = transposeB ? b.shape.at(-1)! : b.shape.at(-2)!;
    const bCols = transposeB ? b.shape.at(-2)! : b.shape.at(-1)!;
    if (a.shape.at(-1) !== bRows) throw new Error(`BatchMatMul: [${a.shape}] x [${b.shape}]`);
    const shape = [...a.shape.slice(0, -1), bCols];
    const m = this.mnode(
      'BatchMatMul',
      [a.m, b.m],
      {
        output_names: ['output'],
        transpose_a: false,
        input_names: ['x1', 'x2'],
        transpose_x2: transposeB,
        transpose_x1: false,
        transpose_b: transposeB,
      },
      shape,
      cell,
    );
    const rank = b.shape.length;
    const perm = [...Array(rank - 2).keys(), rank - 1, rank - 2];
    const right = transposeB ? this.ob.node('Transpose', [b.o], { perm }) : b.o;
    return { m, o: this.ob.node('MatMul', [a.o, right]), shape, dtype: 'float32' };
  }

  /** P.Softmax(axis=-1): the axis is stored as a tuple. */
  softmax(x: Val, cell = ''): Val {
    const m = this.mnode('Softmax', [x.m], { axis: [-1], ...io(['x']) }, x.shape, cell);
    return { m, o: this.ob.node('Softmax', [x.o], { axis: -1 }), shape: x.shape, dtype: x.dtype };
  }

  /** nn.LayerNorm((C,)): LayerNorm(x, gamma, beta) over the last axis, element 0 of its 3-tuple; epsilon 1e-7. */
  layerNorm(x: Val, key: string): Val {
    const c = x.shape.at(-1)!;
    const rng = this.rng.fork(key);
    const gamma = this.param(`${key}.gamma`, [c], uniform(rng, c, 0.8, 1.2));
    const beta = this.param(`${key}.beta`, [c], normal(rng, c, 0, 0.05));
    const epsilon = 1e-7;
    const stats = [...x.shape.slice(0, -1), 1];
    const ln = this.mtupleNode(
      'LayerNorm',
      [x.m, gamma.m, beta.m],
      {
        begin_norm_axis: -1,
        begin_params_axis: -1,
        epsilon,
        ...io(['x', 'gamma', 'beta'], ['y', 'mean', 'variance']),
      },
      [x.shape, stats, stats],
      key,
    );
    const m = this.getItem(ln, 0, x.shape, key);
    const o = this.ob.node('LayerNormalization', [x.o, gamma.o, beta.o], { axis: -1, epsilon: { float: epsilon } });
    return { m, o, shape: x.shape, dtype: 'float32' };
  }

  /** Gather(params, indices, axis) with the axis as an int scalar input (MindSpore 2.x P.Gather). */
  gather(table: Val, indices: Val, axis: number, cell = ''): Val {
    const shape = [...table.shape.slice(0, axis), ...indices.shape, ...table.shape.slice(axis + 1)];
    const m = this.mnode(
      'Gather',
      [table.m, indices.m, this.scalar(axis)],
      { batch_dims: 0, ...io(['params', 'indices', 'axis']) },
      shape,
      cell,
    );
    return { m, o: this.ob.node('Gather', [table.o, indices.o], { axis }), shape, dtype: table.dtype };
  }

  /** ExpandDims(x, axis) with the axis as an int scalar input; ONNX Unsqueeze. */
  expandDims(x: Val, axis: number, cell = ''): Val {
    const shape = [...x.shape];
    shape.splice(axis < 0 ? x.shape.length + 1 + axis : axis, 0, 1);
    const m = this.mnode('ExpandDims', [x.m, this.scalar(axis)], io(['x', 'axis']), shape, cell, x.dtype);
    return { m, o: this.ob.node('Unsqueeze', [x.o, this.ob.int64s([axis], 'axes')]), shape, dtype: x.dtype };
  }

  /** Squeeze with a tuple `axis` attribute. */
  squeeze(x: Val, axis: number, cell = ''): Val {
    const shape = x.shape.filter((_, i) => i !== axis);
    const m = this.mnode('Squeeze', [x.m], { axis: [axis], ...io(['x']) }, shape, cell, x.dtype);
    return { m, o: this.ob.node('Squeeze', [x.o, this.ob.int64s([axis], 'axes')]), shape, dtype: x.dtype };
  }

  /** Cast(x, dst_type) with the type as a Constant input. */
  cast(x: Val, to: ValueDType, cell = ''): Val {
    const m = this.mnode('Cast', [x.m, this.typeConstant(to)], io(['x', 'dst_type']), x.shape, cell, to);
    return { m, o: this.ob.node('Cast', [x.o], { to: ONNX_DTYPE[to] }), shape: x.shape, dtype: to };
  }

  /**
   * x[:, start:end] along axis 1 of a rank-3 tensor: StridedSlice with begin / end / strides tuple inputs;
   * end_mask bit 0 keeps the whole (dynamic) batch. ONNX: Slice on axis 1.
   */
  sliceAxis1(x: Val, start: number, end: number, cell = ''): Val {
    const shape = [x.shape[0]!, end - start, ...x.shape.slice(2)];
    const rest = x.shape.slice(2);
    const m = this.mnode(
      'StridedSlice',
      [
        x.m,
        this.mb.constantTuple([0, start, ...rest.map(() => 0)]),
        this.mb.constantTuple([1, end, ...rest]),
        this.mb.constantTuple(x.shape.map(() => 1)),
      ],
      {
        begin_mask: 0,
        end_mask: 1,
        ellipsis_mask: 0,
        new_axis_mask: 0,
        shrink_axis_mask: 0,
        ...io(['x', 'begin', 'end', 'strides']),
      },
      shape,
      cell,
    );
    const o = this.ob.node('Slice', [
      x.o,
      this.ob.int64s([start], 'starts'),
      this.ob.int64s([end], 'ends'),
      this.ob.int64s([1], 'axes'),
    ]);
    return { m, o, shape, dtype: x.dtype };
  }

  // ---- finishing ----

  /** Sets the outputs (a MakeTuple when there are several, as MindSpore returns tuples) and encodes both files. */
  finish(outputs: Array<{ value: Val; name: string }>): BuiltGraphs {
    let result: string;
    if (outputs.length === 1) {
      result = outputs[0]!.value.m;
    } else {
      result = this.mb.node(
        'MakeTuple',
        outputs.map((out) => out.value.m),
        {},
        undefined,
        { name: 'output' },
      );
      this.tupleAbstracts.set(
        result,
        outputs.map((out) => ({ dims: out.value.shape, dtype: MINDIR_DTYPE[out.value.dtype] })),
      );
    }
    this.mb.output(result);
    for (const { value, name } of outputs) {
      const named = this.ob.node('Identity', [value.o], {}, name);
      if (named !== name) throw new Error(`ONNX output name ${name} is taken`);
      this.ob.output(name, ONNX_DTYPE[value.dtype], value.shape);
    }
    this.patchMindirNodes();
    return { mindir: encodeModel(this.mb), onnx: this.ob.encode() };
  }

  private patchMindirNodes(): void {
    const nodes = this.mb.graphParts().before.node as Plain[];
    for (const node of nodes) {
      const elements = this.tupleAbstracts.get(node.name as string);
      if (!elements) continue;
      node.attribute = [
        {
          name: 'shape',
          type: MIR_ATTR.TUPLE,
          values: elements.map((e) => ({ tensors: [{ dims: e.dims, dataType: e.dtype }], type: MIR_ATTR.TENSORS })),
        },
      ];
    }
    // Value nodes first, as MindSpore lists Constants before the nodes that use them.
    nodes.unshift(...this.extraConstants);
  }
}

/** Output length and (before, after) padding along one spatial dim, following MindSpore's pad_mode rules. */
export function windowPads(
  size: number,
  kernel: number,
  stride: number,
  mode: 'same' | 'pad' | 'valid',
  padding: number,
): [number, number, number] {
  if (mode === 'same') {
    const out = Math.ceil(size / stride);
    const total = Math.max((out - 1) * stride + kernel - size, 0);
    return [out, Math.floor(total / 2), total - Math.floor(total / 2)];
  }
  if (mode === 'pad') return [Math.floor((size + 2 * padding - kernel) / stride) + 1, padding, padding];
  return [Math.floor((size - kernel) / stride) + 1, 0, 0];
}

/** He-style weights: zero mean, variance 2 / fan_in (keeps ReLU activations' scale layer to layer). */
function heWeights(rng: Rng, count: number, fanIn: number): Float32Array {
  return uniformStd(rng, count, Math.sqrt(2 / fanIn));
}

function broadcast(a: number[], b: number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    out.push(x === 1 ? y : y === 1 ? x : x === -1 || y === -1 ? Math.max(x, y) : x);
  }
  return out;
}

function reshapeShape(input: number[], target: number[]): number[] {
  const known = target.reduce((p, d) => (d >= 0 ? p * d : p), 1);
  const total = input.some((d) => d < 0) ? -1 : input.reduce((p, d) => p * d, 1);
  return target.map((d) => (d === -1 ? (total < 0 ? -1 : total / known) : d));
}
