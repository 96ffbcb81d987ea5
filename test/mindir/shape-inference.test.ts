/** Shape inference rules on hand-built graphs; expected shapes follow the ops' definitions, computed here. */
import { describe, expect, it } from 'vitest';
import { MindletError } from '../../src/errors.js';
import { attrOrConstInput, inferShapes } from '../../src/graph/shape-inference.js';
import type { AttrValue, DType, Graph, GraphNode, TensorInfo, TensorValue } from '../../src/graph/types.js';

function graph(inputs: TensorInfo[], nodes: GraphNode[], constants: Record<string, AttrValue> = {}): Graph {
  const g: Graph = {
    name: 'g',
    inputs,
    outputs: [],
    parameters: new Map(),
    constants: new Map(Object.entries(constants)),
    nodes,
    values: new Map(inputs.map((i) => [i.name, i])),
  };
  // Tensor constants are values too, as the loader records them.
  for (const [name, value] of g.constants) {
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && value.kind === 'tensor') {
      g.values.set(name, { name, dtype: value.tensor.dtype, shape: value.tensor.shape });
    }
  }
  return g;
}
const t = (name: string, shape: number[], dtype: DType = 'float32'): TensorInfo => ({ name, dtype, shape });
const n = (op: string, inputs: string[], outputs: string[], attrs: Record<string, AttrValue> = {}): GraphNode => ({
  name: outputs[0]!,
  op,
  inputs,
  outputs,
  attrs,
});
/** An int64 1-D tensor constant, as 2.x exporters write shape targets. */
function int64Tensor(values: number[]): TensorValue {
  const data = new Uint8Array(new BigInt64Array(values.map(BigInt)).buffer);
  return {
    kind: 'tensor',
    tensor: { name: 'c', dtype: 'int64', shape: [values.length], data, storage: { kind: 'inline' } },
  };
}
function infer(g: Graph): string[] {
  const warnings: string[] = [];
  inferShapes(g, warnings, { file: 'model.mindir' });
  return warnings;
}
const shapeOf = (g: Graph, name: string) => g.values.get(name)?.shape;
/** Sliding-window output length without padding (VALID). */
const valid = (size: number, kernel: number, stride = 1, dilation = 1) =>
  Math.floor((size - ((kernel - 1) * dilation + 1)) / stride) + 1;

describe('inferShapes: convolution networks', () => {
  it('follows a LeNet chain (attrs as MindSpore 2.0 writes them)', () => {
    const conv = (out: number) => ({
      kernel_size: [5, 5],
      mode: 1,
      out_channel: out,
      pad: [0, 0, 0, 0],
      pad_mode: 'valid',
      format: 'NCHW',
      pad_list: [0, 0, 0, 0],
      group: 1,
      groups: 1,
      stride: [1, 1, 1, 1],
      dilation: [1, 1, 1, 1],
    });
    const pool = { kernel_size: [1, 1, 2, 2], strides: [1, 1, 2, 2], pad_mode: 'VALID', format: 'NCHW' };
    const g = graph(
      [t('x', [1, 1, 32, 32]), t('w1', [6, 1, 5, 5]), t('w2', [16, 6, 5, 5]), t('fc', [400, 120])],
      [
        n('Conv2D', ['x', 'w1'], ['c1'], conv(6)),
        n('ReLU', ['c1'], ['r1']),
        n('MaxPool', ['r1'], ['p1'], pool),
        n('Conv2D', ['p1', 'w2'], ['c2'], conv(16)),
        n('ReLU', ['c2'], ['r2']),
        n('MaxPool', ['r2'], ['p2'], pool),
        n('Reshape', ['p2', 'target'], ['f']),
        n('MatMul', ['f', 'fc'], ['m'], { transpose_a: false, transpose_b: false }),
      ],
      { target: [1, -1] },
    );
    expect(infer(g)).toEqual([]);
    const h1 = valid(32, 5);
    const q1 = valid(h1, 2, 2);
    const h2 = valid(q1, 5);
    const q2 = valid(h2, 2, 2);
    expect(shapeOf(g, 'c1')).toEqual([1, 6, h1, h1]);
    expect(shapeOf(g, 'r1')).toEqual([1, 6, h1, h1]);
    expect(shapeOf(g, 'p1')).toEqual([1, 6, q1, q1]);
    expect(shapeOf(g, 'c2')).toEqual([1, 16, h2, h2]);
    expect(shapeOf(g, 'p2')).toEqual([1, 16, q2, q2]);
    expect(shapeOf(g, 'f')).toEqual([1, 16 * q2 * q2]);
    expect(shapeOf(g, 'm')).toEqual([1, 120]);
  });

  it('carries a dynamic batch (-1) through SAME convolution, pooling and Reshape', () => {
    const g = graph(
      [t('x', [-1, 3, 32, 32]), t('w', [8, 3, 3, 3])],
      [
        n('Conv2D', ['x', 'w'], ['c'], { kernel_size: [3, 3], pad_mode: 1, stride: [1, 1, 2, 2], out_channel: 8 }),
        n('ReLU', ['c'], ['r']),
        n('MaxPool', ['r'], ['p'], { kernel_size: [1, 1, 2, 2], strides: [1, 1, 2, 2], pad_mode: 'VALID' }),
        n('Reshape', ['p', 'target'], ['f']),
      ],
      { target: [-1, 8 * 8 * 8] },
    );
    expect(infer(g)).toEqual([]);
    // SAME: ceil(32 / 2).
    expect(shapeOf(g, 'c')).toEqual([-1, 8, Math.ceil(32 / 2), Math.ceil(32 / 2)]);
    expect(shapeOf(g, 'p')).toEqual([-1, 8, 8, 8]);
    expect(shapeOf(g, 'f')).toEqual([-1, 512]);
  });

  it('handles explicit padding (PadMode 0), dilation and groups', () => {
    const g = graph(
      [t('x', [2, 4, 20, 18]), t('w', [6, 2, 3, 3])],
      [
        n('Conv2D', ['x', 'w'], ['c'], {
          kernel_size: [3, 3],
          pad_mode: 0,
          pad: [1, 2, 0, 1],
          dilation: [1, 1, 2, 2],
          stride: [1, 1, 1, 2],
          group: 2,
          out_channel: 6,
        }),
      ],
    );
    infer(g);
    const oh = Math.floor((20 + 1 + 2 - ((3 - 1) * 2 + 1)) / 1) + 1;
    const ow = Math.floor((18 + 0 + 1 - ((3 - 1) * 2 + 1)) / 2) + 1;
    expect(shapeOf(g, 'c')).toEqual([2, 6, oh, ow]);
  });

  it('reads NHWC activations with [Cout, kh, kw, Cin] weights; SAME rounds up', () => {
    const g = graph(
      [t('x', [1, 15, 15, 5]), t('w', [8, 3, 3, 5])],
      [
        n('Conv2D', ['x', 'w'], ['c'], { format: 'NHWC', pad_mode: 'same', stride: [1, 2, 2, 1], out_channel: 8 }),
        n('AvgPool', ['c'], ['p'], { format: 'NHWC', kernel_size: [1, 2, 2, 1], strides: [1, 2, 2, 1] }),
      ],
    );
    expect(infer(g)).toEqual([]);
    const same = Math.ceil(15 / 2);
    expect(shapeOf(g, 'c')).toEqual([1, same, same, 8]);
    expect(shapeOf(g, 'p')).toEqual([1, valid(same, 2, 2), valid(same, 2, 2), 8]);
  });

  it('DepthwiseConv2dNative multiplies channels; Conv2DBackpropInput takes its constant input_size', () => {
    const g = graph(
      [t('x', [1, 5, 9, 9]), t('dw', [1, 5, 3, 3]), t('dout', [1, 4, 7, 7]), t('wt', [4, 2, 3, 3])],
      [
        n('DepthwiseConv2dNative', ['x', 'dw'], ['d'], { channel_multiplier: 1, pad_mode: 'valid' }),
        n('Conv2DBackpropInput', ['dout', 'wt', 'size'], ['u'], { pad_mode: 'valid', out_channel: 2 }),
        n('Conv2DTranspose', ['dout', 'wt', 'dyn'], ['v'], { pad_mode: 'valid', stride: [1, 1, 1, 1] }),
      ],
      { size: [1, 2, 9, 9] },
    );
    g.values.set('dyn', t('dyn', [4], 'int64'));
    infer(g);
    expect(shapeOf(g, 'd')).toEqual([1, 5 * 1, valid(9, 3), valid(9, 3)]);
    expect(shapeOf(g, 'u')).toEqual([1, 2, 9, 9]);
    // Not constant: channels from the weight, spatial by inverting VALID at stride 1: (7 - 1) + 3.
    expect(shapeOf(g, 'v')).toEqual([1, 2, 7 - 1 + 3, 7 - 1 + 3]);
  });

  it('AdaptiveAvgPool2D, ResizeBilinear and Flatten', () => {
    const g = graph(
      [t('x', [2, 8, 13, 11])],
      [
        n('AdaptiveAvgPool2D', ['x'], ['a'], { output_size: [null, 3] }),
        n('ResizeBilinear', ['x'], ['r'], { size: [26, 22], align_corners: false }),
        n('ResizeNearestNeighbor', ['x', 'hw'], ['nn']),
        n('Flatten', ['x'], ['f']),
      ],
      { hw: [4, 5] },
    );
    infer(g);
    expect(shapeOf(g, 'a')).toEqual([2, 8, 13, 3]);
    expect(shapeOf(g, 'r')).toEqual([2, 8, 26, 22]);
    expect(shapeOf(g, 'nn')).toEqual([2, 8, 4, 5]);
    expect(shapeOf(g, 'f')).toEqual([2, 8 * 13 * 11]);
  });
});

describe('inferShapes: matrix products, elementwise and normalization', () => {
  it('MatMul/BatchMatMul honour transposes and broadcast batch dims; Dense multiplies by W^T', () => {
    const g = graph(
      [t('a', [4, 1, 5, 7]), t('b', [3, 6, 7]), t('p', [7, 5]), t('q', [3, 7]), t('w', [10, 7])],
      [
        n('BatchMatMul', ['a', 'b'], ['m'], { transpose_a: false, transpose_b: true }),
        n('MatMul', ['p', 'q'], ['mt'], { transpose_a: true, transpose_b: true }),
        n('Dense', ['q', 'w'], ['d']),
      ],
    );
    infer(g);
    expect(shapeOf(g, 'm')).toEqual([4, 3, 5, 6]);
    expect(shapeOf(g, 'mt')).toEqual([5, 3]);
    expect(shapeOf(g, 'd')).toEqual([3, 10]);
  });

  it('broadcasts binary ops, makes comparisons bool and keeps the tensor dtype against a scalar', () => {
    const g = graph(
      [t('a', [2, 1, 4], 'float16'), t('b', [3, 1], 'float16')],
      [
        n('Add', ['a', 'b'], ['s']),
        n('Greater', ['a', 'b'], ['g']),
        n('Mul', ['two', 'a'], ['m']),
        n('BiasAdd', ['a', 'b'], ['ba']),
        n('Sigmoid', ['s'], ['sg']),
        n('Select', ['g', 's', 'b'], ['sel']),
      ],
      { two: 2.5 },
    );
    infer(g);
    expect(shapeOf(g, 's')).toEqual([2, 3, 4]);
    expect(g.values.get('g')).toMatchObject({ dtype: 'bool', shape: [2, 3, 4] });
    expect(g.values.get('m')).toMatchObject({ dtype: 'float16', shape: [2, 1, 4] });
    expect(shapeOf(g, 'ba')).toEqual([2, 1, 4]);
    expect(shapeOf(g, 'sg')).toEqual([2, 3, 4]);
    expect(shapeOf(g, 'sel')).toEqual([2, 3, 4]);
  });

  it('Cast takes its dtype from a type input; Dropout, BatchNorm and LayerNorm give every output', () => {
    const g = graph(
      [t('x', [2, 3, 5, 5]), t('y', [4, 6, 8])],
      [
        n('Cast', ['x', 'to'], ['c']),
        n('Dropout', ['x'], ['d[0]', 'd[1]'], { keep_prob: 0.9 }),
        n('BatchNorm', ['x', 'g', 'b', 'm', 'v'], ['bn[0]', 'bn[1]', 'bn[2]', 'bn[3]', 'bn[4]'], {
          is_training: false,
        }),
        n('LayerNorm', ['y', 'g', 'b'], ['ln[0]', 'ln[1]', 'ln[2]'], { begin_norm_axis: -1, begin_params_axis: -1 }),
      ],
      { to: { kind: 'type', dtype: 'float16' } },
    );
    infer(g);
    expect(g.values.get('c')).toMatchObject({ dtype: 'float16', shape: [2, 3, 5, 5] });
    expect(shapeOf(g, 'd[1]')).toEqual([2, 3, 5, 5]);
    expect(shapeOf(g, 'bn[0]')).toEqual([2, 3, 5, 5]);
    for (let i = 1; i < 5; i++) expect(shapeOf(g, `bn[${i}]`)).toEqual([3]);
    expect(shapeOf(g, 'ln[0]')).toEqual([4, 6, 8]);
    expect(shapeOf(g, 'ln[1]')).toEqual([4, 6, 1]);
    expect(shapeOf(g, 'ln[2]')).toEqual([4, 6, 1]);
  });
});

describe('inferShapes: shape manipulation', () => {
  it('Split gives one output per piece and refuses uneven splits', () => {
    const g = graph([t('x', [6, 4])], [n('Split', ['x'], ['s[0]', 's[1]', 's[2]'], { axis: 0, output_num: 3 })]);
    infer(g);
    for (let i = 0; i < 3; i++) expect(shapeOf(g, `s[${i}]`)).toEqual([6 / 3, 4]);
    const uneven = graph([t('x', [3, 2])], [n('Split', ['x'], ['u[0]', 'u[1]'], { axis: 0, output_num: 2 })]);
    expect(() => infer(uneven)).toThrow(/cannot split 3 into 2/);
  });

  it('Reshape reads an int64 tensor target and infers its -1', () => {
    const g = graph([t('x', [2, 3, 4])], [n('Reshape', ['x', 'shape'], ['r'])], { shape: int64Tensor([4, -1]) });
    infer(g);
    expect(shapeOf(g, 'r')).toEqual([4, (2 * 3 * 4) / 4]);
  });

  it('Concat sums its axis (tuple input, axis as a constant input); Squeeze, ExpandDims, Tile, Pad', () => {
    const concat = n('Concat', ['a', 'b', 'axis'], ['c']);
    concat.inputGroups = [2, 1];
    const g = graph(
      [t('a', [2, 3, 4]), t('b', [2, 5, 4]), t('s', [1, 3, 1, 2])],
      [
        concat,
        n('Squeeze', ['s'], ['sq'], { axis: [0, 2] }),
        n('Squeeze', ['s'], ['sq_all']),
        n('ExpandDims', ['a', 'neg'], ['e']),
        n('Tile', ['a', 'reps'], ['ti']),
        n('Pad', ['a'], ['pd'], {
          paddings: [
            [0, 0],
            [1, 2],
            [3, 0],
          ],
        }),
      ],
      { axis: -2, neg: -1, reps: [2, 1, 3] },
    );
    infer(g);
    expect(shapeOf(g, 'c')).toEqual([2, 3 + 5, 4]);
    expect(shapeOf(g, 'sq')).toEqual([3, 2]);
    expect(shapeOf(g, 'sq_all')).toEqual([3, 2]);
    expect(shapeOf(g, 'e')).toEqual([2, 3, 4, 1]);
    expect(shapeOf(g, 'ti')).toEqual([2 * 2, 3 * 1, 4 * 3]);
    expect(shapeOf(g, 'pd')).toEqual([2, 3 + 3, 4 + 3]);
  });

  it('StridedSlice honours begin/end/strides and the begin, end and shrink masks', () => {
    const g = graph(
      [t('x', [10, 8, 6])],
      [
        n('StridedSlice', ['x', 'b', 'e', 's'], ['y'], {
          begin_mask: 0b010,
          end_mask: 0,
          ellipsis_mask: 0,
          new_axis_mask: 0,
          shrink_axis_mask: 0b100,
        }),
        n('StridedSlice', ['x', 'b2', 'e2', 's2'], ['z'], { begin_mask: 0, end_mask: 0, shrink_axis_mask: 0 }),
      ],
      { b: [1, 5, 2], e: [9, 7, 3], s: [3, 2, 1], b2: [-1, 0], e2: [-11, 8], s2: [-2, 1] },
    );
    infer(g);
    // dim 0: 1..9 step 3 → 1,4,7; dim 1: begin masked → 0..7 step 2 → 0,2,4,6; dim 2 shrunk.
    expect(shapeOf(g, 'y')).toEqual([Math.ceil((9 - 1) / 3), Math.ceil(7 / 2)]);
    // dim 0: 9 down to before 0 step -2 → 9,7,5,3,1; dim 1 full; dim 2 untouched.
    expect(shapeOf(g, 'z')).toEqual([5, 8, 6]);
  });

  it('Gather, Shape, OneHot, ArgMaxWithValue and Argmax', () => {
    const g = graph(
      [
        t('p', [50, 16]),
        t('i', [2, 7], 'int32'),
        t('l', [4], 'int32'),
        t('on', [], 'float16'),
        t('off', [], 'float16'),
      ],
      [
        n('Gather', ['p', 'i', 'zero'], ['g']),
        n('Shape', ['g'], ['sh']),
        n('OneHot', ['l', 'depth', 'on', 'off'], ['oh'], { axis: -1 }),
        n('ArgMaxWithValue', ['p'], ['av[0]', 'av[1]'], { axis: 1, keep_dims: true }),
        n('Argmax', ['p'], ['am'], { axis: 0 }),
      ],
      { zero: 0, depth: 10 },
    );
    infer(g);
    expect(shapeOf(g, 'g')).toEqual([2, 7, 16]);
    expect(g.values.get('sh')).toMatchObject({ dtype: 'int64', shape: [3] });
    expect(g.values.get('oh')).toMatchObject({ dtype: 'float16', shape: [4, 10] });
    expect(g.values.get('av[0]')).toMatchObject({ dtype: 'int32', shape: [50, 1] });
    expect(g.values.get('av[1]')).toMatchObject({ dtype: 'float32', shape: [50, 1] });
    expect(g.values.get('am')).toMatchObject({ dtype: 'int32', shape: [16] });
  });
});

describe('inferShapes: attributes as constant inputs (MindSpore 2.3+ primitive functions)', () => {
  it('reads ReduceMean axis/keep_dims, Transpose perm and MaxPool windows from constant inputs', () => {
    const g = graph(
      [t('x', [2, 3, 4]), t('img', [1, 2, 8, 8])],
      [
        n('ReduceMean', ['x', 'axes', 'keep'], ['y']),
        n('Transpose', ['y', 'perm'], ['z']),
        n('ReduceSum', ['x', 'axes', 'drop'], ['rs']),
        n('ReduceMax', ['x', 'none', 'drop'], ['rm']),
        n('MaxPool', ['img', 'k', 'k', 'mode', 'fmt'], ['mp']),
      ],
      { axes: [1], keep: true, drop: false, perm: [2, 1, 0], none: [], k: [4, 4], mode: 2, fmt: 0 },
    );
    expect(infer(g)).toEqual([]);
    expect(shapeOf(g, 'y')).toEqual([2, 1, 4]);
    expect(shapeOf(g, 'z')).toEqual([4, 1, 2]);
    expect(shapeOf(g, 'rs')).toEqual([2, 4]);
    expect(shapeOf(g, 'rm')).toEqual([]);
    expect(shapeOf(g, 'mp')).toEqual([1, 2, valid(8, 4, 4), valid(8, 4, 4)]);
  });

  it('attrOrConstInput prefers the attribute and falls back to the constant input', () => {
    const g = graph([t('x', [1])], [], { axis: [3] });
    const node = n('ReduceMean', ['x', 'axis'], ['y'], { keep_dims: false });
    expect(attrOrConstInput(g, node, 'keep_dims', 2)).toBe(false);
    expect(attrOrConstInput(g, node, 'axis', 1)).toEqual([3]);
    expect(attrOrConstInput(g, node, 'axis')).toBeUndefined();
    expect(attrOrConstInput(g, node, 'missing', 5)).toBeUndefined();
  });

  it('gives -1 dims, not guesses, where the data is computed at run time', () => {
    const g = graph(
      [t('x', [2, 3, 4]), t('dynShape', [2], 'int64'), t('dynAxes', [1], 'int64')],
      [
        n('Reshape', ['x', 'dynShape'], ['r']),
        n('ReduceMean', ['x', 'dynAxes'], ['k'], { keep_dims: true }),
        n('ReduceMean', ['x', 'dynAxes'], ['nk'], { keep_dims: false }),
      ],
    );
    infer(g);
    expect(shapeOf(g, 'r')).toEqual([-1, -1]);
    expect(shapeOf(g, 'k')).toEqual([-1, -1, -1]);
    expect(shapeOf(g, 'nk')).toBeUndefined();
  });
});

describe('inferShapes: recorded shapes, unknown ops and contradictions', () => {
  it('keeps a recorded shape that disagrees, with a warning naming the node, and refines recorded -1 dims', () => {
    const g = graph([t('x', [2, 3])], [n('ReLU', ['x'], ['r']), n('Sigmoid', ['r'], ['s']), n('Tanh', ['x'], ['u'])]);
    g.values.set('r', t('r', [9, 9]));
    g.values.set('s', t('s', [-1, 9]));
    g.values.set('u', t('u', [-2]));
    const warnings = infer(g);
    expect(shapeOf(g, 'r')).toEqual([9, 9]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/node r: ReLU output recorded as \[9,9\], inferred \[2,3\]/);
    expect(shapeOf(g, 's')).toEqual([9, 9]);
    // -2 is MindSpore's unknown rank: replaced outright.
    expect(shapeOf(g, 'u')).toEqual([2, 3]);
  });

  it('warns once per unknown op name with its node count, leaving recorded outputs alone', () => {
    const g = graph(
      [t('a', [2])],
      [
        n('Frobnicate', ['a'], ['u']),
        n('Frobnicate', ['u'], ['v']),
        n('Frobnicate', ['v'], ['w']),
        n('Twiddle', ['a'], ['z']),
        n('ReLU', ['w'], ['r']),
      ],
    );
    g.values.set('w', t('w', [5, 5]));
    const warnings = infer(g);
    expect(warnings).toEqual([
      'shape inference: no rule for op Frobnicate (3 nodes)',
      'shape inference: no rule for op Twiddle (1 node)',
    ]);
    expect(shapeOf(g, 'u')).toBeUndefined();
    expect(shapeOf(g, 'w')).toEqual([5, 5]);
    expect(shapeOf(g, 'r')).toEqual([5, 5]);
  });

  it('throws INVALID_GRAPH naming file and node for definite contradictions', () => {
    const cases: Array<[Graph, RegExp]> = [
      [graph([t('a', [2, 3]), t('b', [4, 5])], [n('MatMul', ['a', 'b'], ['m'])]), /node m: MatMul inner dimensions/],
      [
        graph(
          [t('a', [2, 3, 5]), t('b', [2, 4, 5])],
          [n('BatchMatMul', ['a', 'b'], ['bm'], { transpose_a: true, transpose_b: false })],
        ),
        /node bm: BatchMatMul inner dimensions/,
      ],
      [
        graph([t('x', [1, 3, 8, 8]), t('w', [4, 2, 3, 3])], [n('Conv2D', ['x', 'w'], ['c'], { out_channel: 4 })]),
        /node c: Conv2D input has 3 channels/,
      ],
      [graph([t('x', [2, 3])], [n('Reshape', ['x', 's'], ['r'])], { s: [4, 2] }), /node r: cannot reshape/],
      [graph([t('a', [2, 3]), t('b', [4, 3])], [n('Add', ['a', 'b'], ['s'])]), /node s: cannot broadcast/],
    ];
    for (const [g, message] of cases) {
      let caught: unknown;
      try {
        infer(g);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(MindletError);
      expect((caught as MindletError).code).toBe('INVALID_GRAPH');
      expect((caught as MindletError).message).toMatch(/^model\.mindir: /);
      expect((caught as MindletError).message).toMatch(message);
    }
  });

  it('does not throw on odd input: wrong ranks, missing inputs, junk attributes', () => {
    const g = graph(
      [t('x', [3, 4]), t('img', [1, 2, 2, 2])],
      [
        n('Conv2D', ['x', 'missing'], ['c'], { kernel_size: 'big', stride: [[1]] }),
        n('MaxPool', ['img'], ['p'], { kernel_size: [5, 5], strides: [1, 1] }),
        n('Transpose', ['x'], ['tr']),
        n('Reshape', ['x'], ['rs']),
        n('StridedSlice', ['x', 'bad', 'bad', 'bad'], ['ss'], { ellipsis_mask: 1 }),
        n('Tile', ['x', 'huge'], ['ti']),
        n('Split', ['x'], ['sp'], { output_num: 0 }),
        n('MatMul', [], ['mm']),
      ],
      { bad: 'nope', huge: [1e300, 1e300] },
    );
    const warnings = infer(g);
    expect(shapeOf(g, 'c')).toBeUndefined();
    // A 5x5 window on a 2x2 image has no valid output: reported, not stored.
    expect(shapeOf(g, 'p')).toBeUndefined();
    expect(warnings.some((w) => w.includes('node p'))).toBe(true);
    expect(shapeOf(g, 'ti')).toBeUndefined();
  });

  it('updates graph outputs from the values they name', () => {
    const g = graph([t('x', [7, 2])], [n('Neg', ['x'], ['y'])]);
    g.outputs = [{ name: 'y', dtype: 'float32', shape: [] }];
    infer(g);
    expect(g.outputs).toEqual([{ name: 'y', dtype: 'float32', shape: [7, 2] }]);
  });
});
