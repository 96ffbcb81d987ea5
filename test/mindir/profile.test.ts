/** Model profile on hand-built graphs: FLOPs by the stated formulas, activation liveness, weight totals. */
import { describe, expect, it } from 'vitest';
import { BOOKKEEPING_OPS, profileModel } from '../../src/graph/profile.js';
import { inferShapes } from '../../src/graph/shape-inference.js';
import type { AttrValue, DType, Graph, GraphNode, Model, TensorInfo, WeightTensor } from '../../src/graph/types.js';

const t = (name: string, shape: number[], dtype: DType = 'float32'): TensorInfo => ({ name, dtype, shape });
const n = (op: string, inputs: string[], outputs: string[], attrs: Record<string, AttrValue> = {}): GraphNode => ({
  name: outputs[0]!,
  op,
  inputs,
  outputs,
  attrs,
});
const elements = (shape: number[]) => shape.reduce((p, d) => p * d, 1);
function weight(name: string, shape: number[], withData = true, dtype: DType = 'float32'): WeightTensor {
  const bytes = withData ? elements(shape) * (dtype === 'float16' ? 2 : 4) : 0;
  return { name, dtype, shape, data: new Uint8Array(bytes), storage: { kind: 'inline' } };
}

/** A model around a graph whose shapes are inferred first, as the loader does. */
function model(
  inputs: TensorInfo[],
  nodes: GraphNode[],
  options: {
    parameters?: WeightTensor[];
    constants?: Record<string, AttrValue>;
    outputs?: string[];
  } = {},
): Model {
  const parameters = new Map((options.parameters ?? []).map((w) => [w.name, w]));
  const graph: Graph = {
    name: 'main',
    inputs,
    outputs: (options.outputs ?? [nodes.at(-1)!.outputs[0]!]).map((name) => t(name, [])),
    parameters,
    constants: new Map(Object.entries(options.constants ?? {})),
    nodes,
    values: new Map([
      ...inputs.map((i) => [i.name, i] as const),
      ...[...parameters.values()].map((w) => [w.name, t(w.name, w.shape, w.dtype)] as const),
    ]),
  };
  for (const [name, value] of graph.constants) {
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && value.kind === 'tensor')
      graph.values.set(name, t(name, value.tensor.shape, value.tensor.dtype));
  }
  const warnings: string[] = [];
  inferShapes(graph, warnings, { file: 'test' });
  return {
    source: 'test',
    format: 'mindir',
    producer: 'MindSpore',
    producerVersion: '2.0.0',
    irVersion: '0.1.1',
    mindIrVersion: 1,
    encrypted: false,
    graph,
    subgraphs: new Map(),
    warnings,
  };
}

describe('profileModel FLOPs', () => {
  it('counts a LeNet by the per-op formulas', () => {
    const conv = (out: number) => ({ kernel_size: [5, 5], out_channel: out, pad_mode: 'valid', group: 1 });
    const pool = { kernel_size: [1, 1, 2, 2], strides: [1, 1, 2, 2], pad_mode: 'VALID' };
    const m = model(
      [t('x', [1, 1, 32, 32])],
      [
        n('Conv2D', ['x', 'w1'], ['c1'], conv(6)),
        n('ReLU', ['c1'], ['r1']),
        n('MaxPool', ['r1'], ['p1'], pool),
        n('Conv2D', ['p1', 'w2'], ['c2'], conv(16)),
        n('ReLU', ['c2'], ['r2']),
        n('MaxPool', ['r2'], ['p2'], pool),
        n('Reshape', ['p2', 'target'], ['f']),
        n('MatMul', ['f', 'fc'], ['m'], { transpose_a: false, transpose_b: true }),
        n('Softmax', ['m'], ['s'], { axis: [-1] }),
      ],
      {
        parameters: [weight('w1', [6, 1, 5, 5]), weight('w2', [16, 6, 5, 5])],
        constants: { target: [1, -1], fc: { kind: 'tensor', tensor: weight('fc', [10, 400]) } },
      },
    );
    expect(m.warnings).toEqual([]);
    const profile = profileModel(m);
    // Conv2D: 2·Cout·Hout·Wout·(Cin/group)·kh·kw·N.
    const conv1 = 2 * 6 * 28 * 28 * (1 * 5 * 5) * 1;
    const conv2 = 2 * 16 * 10 * 10 * (6 * 5 * 5) * 1;
    // Elementwise: one per output element; pooling: kernel area per output element.
    const relu1 = 6 * 28 * 28;
    const relu2 = 16 * 10 * 10;
    const pool1 = 6 * 14 * 14 * (2 * 2);
    const pool2 = 16 * 5 * 5 * (2 * 2);
    // MatMul: 2·M·N·K; Softmax: 5 per element; Reshape moves no data.
    const matmul = 2 * 1 * 10 * 400;
    const softmax = 5 * 10;
    const perNode = [conv1, relu1, pool1, conv2, relu2, pool2, 0, matmul, softmax];
    expect(profile.nodes.map((node) => node.flops)).toEqual(perNode);
    expect(profile.flops).toBe(perNode.reduce((a, b) => a + b, 0));
    expect(profile.nodes.map((node) => node.op)).toEqual(m.graph.nodes.map((node) => node.op));
    expect(profile.ops).toEqual({ Conv2D: 2, ReLU: 2, MaxPool: 2, Reshape: 1, MatMul: 1, Softmax: 1 });

    const outputElements = [6 * 28 * 28, 6 * 28 * 28, 6 * 14 * 14, 16 * 10 * 10, 16 * 10 * 10, 16 * 5 * 5, 400, 10, 10];
    expect(profile.nodes.map((node) => node.outputBytes)).toEqual(outputElements.map((e) => 4 * e));
    expect(profile.activationBytes).toBe(4 * outputElements.reduce((a, b) => a + b, 0));
    // A chain: the peak is the largest producer-consumer pair (conv1 output and its ReLU).
    expect(profile.peakActivationBytes).toBe(4 * (6 * 28 * 28 * 2));

    expect(profile.parameterCount).toBe(2);
    expect(profile.parameterElements).toBe(6 * 25 + 16 * 6 * 25);
    expect(profile.parameterBytes).toBe(4 * (6 * 25 + 16 * 6 * 25));
    expect(profile.constantTensorCount).toBe(1);
    expect(profile.constantTensorBytes).toBe(4 * 10 * 400);
  });

  it('BatchMatMul multiplies by the batch; Depthwise sees one channel; a -1 batch counts as 1', () => {
    const m = model(
      [t('a', [4, 5, 7]), t('b', [4, 6, 7]), t('x', [1, 5, 9, 9]), t('dyn', [-1, 10])],
      [
        n('BatchMatMul', ['a', 'b'], ['bm'], { transpose_a: false, transpose_b: true }),
        n('DepthwiseConv2dNative', ['x', 'dw'], ['dc'], { channel_multiplier: 1, pad_mode: 'valid' }),
        n('MatMul', ['dyn', 'w'], ['dm']),
        n('LayerNorm', ['dm', 'g', 'g'], ['ln[0]', 'ln[1]', 'ln[2]'], { begin_norm_axis: -1 }),
        n('ReduceMean', ['bm', 'axes'], ['rm'], { keep_dims: false }),
      ],
      { parameters: [weight('dw', [1, 5, 3, 3]), weight('w', [10, 3])], constants: { axes: [2] } },
    );
    const flops = Object.fromEntries(profileModel(m).nodes.map((node) => [node.name, node.flops]));
    expect(flops.bm).toBe(2 * 4 * 5 * 6 * 7);
    expect(flops.dc).toBe(2 * (5 * 7 * 7) * (3 * 3));
    expect(flops.dm).toBe(2 * 1 * 3 * 10);
    // LayerNorm: 8 per element of y; a reduction reads each input element once.
    expect(flops['ln[0]']).toBe(8 * 1 * 3);
    expect(flops.rm).toBe(4 * 5 * 6);
    const dm = profileModel(m).nodes.find((node) => node.name === 'dm')!;
    expect(dm.outputBytes).toBe(1 * 3 * 4);
  });
});

describe('profileModel with a dynamic batch', () => {
  it('counts the rows a Reshape to [-1, K] folds into the batch (per unit of batch, not one row)', () => {
    // BERT's shape: [batch, 128, 768] activations reshaped to [-1, 768] before a dense layer.
    const m = model([t('x', [-1, 128, 64])], [n('Reshape', ['x', 'rows'], ['r']), n('MatMul', ['r', 'w'], ['y'])], {
      constants: { rows: [-1, 64] },
      parameters: [weight('w', [64, 32])],
    });
    // The model keeps its dynamic shapes; the profile counts batch 1: 128 rows of 64×32 multiply-adds.
    expect(m.graph.values.get('r')!.shape).toEqual([-1, 64]);
    expect(profileModel(m).flops).toBe(2 * 128 * 64 * 32);
    expect(profileModel(m).peakActivationBytes).toBe(4 * (128 * 64 + 128 * 32));
    expect(m.graph.values.get('r')!.shape).toEqual([-1, 64]);
  });
});

describe('profileModel activations and totals', () => {
  it('keeps a value live from its producer to its last consumer', () => {
    const m = model(
      [t('x', [1000])],
      [
        n('Slice', ['x'], ['a']), // no rule: shape recorded below
        n('Neg', ['x'], ['b']),
        n('ReduceSum', ['b'], ['c'], { keep_dims: false }),
        n('Mul', ['a', 'c'], ['d']),
      ],
    );
    m.graph.values.set('a', t('a', [100]));
    m.graph.values.set('d', t('d', [100]));
    const profile = profileModel(m);
    const [a, b, c, d] = [100 * 4, 1000 * 4, 4, 100 * 4];
    // Step 2 holds a (until step 3), b (consumed now) and c: the peak.
    expect(profile.peakActivationBytes).toBe(a + b + c);
    expect(profile.activationBytes).toBe(a + b + c + d);
  });

  it('keeps graph outputs live to the end', () => {
    const m = model(
      [t('x', [10])],
      [n('Exp', ['x'], ['big']), n('ReduceSum', ['x'], ['s']), n('Tile', ['s', 'reps'], ['tiled'])],
      { outputs: ['big', 'tiled'], constants: { reps: [50] } },
    );
    // big (output, never consumed) is still live when the 50-element tile is made.
    expect(profileModel(m).peakActivationBytes).toBe(4 * 10 + 4 * 1 + 4 * 50);
  });

  it('excludes bookkeeping ops from the histogram and counts unknown shapes as 0 bytes', () => {
    for (const op of ['Constant', 'Load', 'UpdateState', 'Depend', 'MakeTuple', 'TupleGetItem', 'Return']) {
      expect(BOOKKEEPING_OPS.has(op)).toBe(true);
    }
    const m = model(
      [t('x', [4])],
      [n('Relu6Like', ['x'], ['u']), n('Depend', ['u', 'x'], ['dep']), n('UpdateState', ['x'], ['us'])],
    );
    expect(m.warnings).toContain('shape inference: no rule for op Relu6Like (1 node)');
    const profile = profileModel(m);
    expect(profile.ops).toEqual({ Relu6Like: 1 });
    expect(profile.activationBytes).toBe(0);
  });

  it('sizes parameters without data from dtype and shape; ignores non-tensor constants', () => {
    const m = model([t('x', [2])], [n('Neg', ['x'], ['y'])], {
      parameters: [weight('w', [3, 5]), weight('ext', [7, 2], false, 'float16')],
      constants: {
        scale: 2,
        tuple: [1, 2, 3],
        half: { kind: 'tensor', tensor: weight('half', [4, 4], true, 'float16') },
      },
    });
    const profile = profileModel(m);
    expect(profile.parameterCount).toBe(2);
    expect(profile.parameterElements).toBe(15 + 14);
    expect(profile.parameterBytes).toBe(15 * 4 + 14 * 2);
    expect(profile.constantTensorCount).toBe(1);
    expect(profile.constantTensorBytes).toBe(16 * 2);
  });
});
