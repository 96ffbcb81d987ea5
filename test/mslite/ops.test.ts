/**
 * Op-level checks of the `.ms` loader: each test writes a one-op (or few-op) MindSpore Lite model with the test
 * writer, loads it with decodeMsLite, runs it on the native engine (one thread) and compares the result with a
 * naive float64 reference of Lite's kernel semantics (./reference.ts).
 *
 * Tolerance: relative L∞ error (max |got − want| / max |want|) ≤ 1e-5. The engine computes in float32 with its
 * own summation order (packed GEMM, FMA); the largest reductions here have under 50 terms, so rounding stays
 * within a few float32 ulps of the output scale (~1e-6), while any layout, padding or attribute mistake moves
 * outputs by O(1) of the scale.
 */
import { describe, expect, it } from 'vitest';
import { isMindletError } from '../../src/errors.js';
import { decodeMsLite } from '../../src/mslite/loader.js';
import { createSession } from '../../src/runtime/session.js';
import type { NamedTensor, Tensor } from '../../src/tensor/types.js';
import { compareOutputs } from '../tools/compare.js';
import {
  DATA_TYPE,
  FORMAT,
  f32Bytes,
  i32Bytes,
  type LiteAttrValue,
  type LiteModelSpec,
  type LiteTensorSpec,
  writeMsLite,
} from '../tools/mslite-writer.js';
import { seededRandom } from '../tools/op-model.js';
import { act, convNhwc, matmul, poolNhwc, softmax, transpose } from './reference.js';

const TOLERANCE = 1e-5;

type Generation = LiteModelSpec['generation'];

interface OperandSpec {
  dims: number[];
  format?: number;
  /** Constant values; operands without values are graph inputs. */
  values?: ArrayLike<number>;
  dataType?: number;
}

/** A model of one node: operands are tensors 0..n-1, the output is tensor n. */
function oneOp(
  generation: Generation,
  op: string,
  attrs: Record<string, LiteAttrValue>,
  operands: OperandSpec[],
  output: { dims: number[]; format?: number },
): LiteModelSpec {
  const tensors: LiteTensorSpec[] = operands.map((o, i) => {
    const dataType = o.dataType ?? DATA_TYPE.float32;
    const data =
      o.values === undefined ? undefined : dataType === DATA_TYPE.int32 ? i32Bytes(o.values) : f32Bytes(o.values);
    return { name: `t${i}`, dataType, dims: o.dims, format: o.format ?? FORMAT.NCHW, data };
  });
  tensors.push({ name: 'y', dataType: DATA_TYPE.float32, dims: output.dims, format: output.format ?? FORMAT.NCHW });
  const indices = operands.map((_, i) => i);
  return {
    generation,
    tensors,
    nodes: [{ name: `${op}_node`, op, attrs, inputs: indices, outputs: [operands.length] }],
    inputs: indices.filter((i) => operands[i]?.values === undefined),
    outputs: [operands.length],
  };
}

async function runModel(spec: LiteModelSpec, inputs: Tensor[]): Promise<NamedTensor[]> {
  const model = decodeMsLite(writeMsLite(spec), { label: 'synthetic.ms' });
  const session = createSession(model, { threads: 1 });
  try {
    return await session.run(inputs);
  } finally {
    session.close();
  }
}

function random(dims: number[], seed: number, scale = 1): Float32Array {
  const next = seededRandom(seed);
  return Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => scale * next());
}

function input(dims: number[], data: Float32Array): Tensor {
  return { dtype: 'float32', shape: dims, data };
}

function expectClose(got: NamedTensor | undefined, want: ArrayLike<number>, dims: number[]): void {
  expect(got?.shape).toEqual(dims);
  const c = compareOutputs(got?.data as Float32Array, want);
  expect(c.scale).toBeGreaterThan(0);
  expect(c.relative, `max |diff| ${c.maxAbs} at scale ${c.scale}`).toBeLessThanOrEqual(TOLERANCE);
}

const map = (x: ArrayLike<number>, f: (v: number) => number) => Float64Array.from(x, f);

/** MindSpore Lite enum values used below (ops.fbs / ops_v0.fbs). */
const ACT = { NONE: 0, RELU: 1, RELU6: 3, LEAKY_RELU: 5, HSWISH: 12, GELU: 19 } as const;
const PAD = { PAD: 0, SAME: 1, VALID: 2 } as const;
const ROUND = { FLOOR: 0, CEIL: 1 } as const;

describe('current generation (MSL2): convolution', () => {
  it('Conv2DFusion NHWC, KHWC weights, stride 2, asymmetric pads, dilation 2, bias, RELU6', async () => {
    const xDims = [1, 9, 10, 3];
    const wDims = [4, 3, 3, 3];
    const x = random(xDims, 1, 3);
    const w = random(wDims, 2);
    const bias = random([4], 3);
    const pads: [number, number, number, number] = [1, 2, 0, 1];
    const want = convNhwc(x, xDims, w, wDims, { stride: [2, 2], dilation: [2, 2], pads, group: 1, bias });
    const spec = oneOp(
      'current',
      'Conv2DFusion',
      {
        format: FORMAT.NHWC,
        kernel_size: [3, 3],
        stride: [2, 2],
        dilation: [2, 2],
        pad_mode: PAD.PAD,
        pad_list: pads,
        group: 1,
        in_channel: 3,
        out_channel: 4,
        activation_type: ACT.RELU6,
      },
      [
        { dims: xDims, format: FORMAT.NHWC },
        { dims: wDims, format: FORMAT.KHWC, values: w },
        { dims: [4], values: bias },
      ],
      { dims: want.dims, format: FORMAT.NHWC },
    );
    const [y] = await runModel(spec, [input(xDims, x)]);
    const relu6 = map(want.data, act.relu6);
    // The inputs are scaled so that RELU6 clips on both sides: the check covers the fused activation.
    expect(relu6.some((v) => v === 6) && relu6.some((v) => v === 0)).toBe(true);
    expectClose(y, relu6, want.dims);
  });

  it('depthwise Conv2DFusion (group == in_channel == out_channel), pad_mode SAME, stride 2', async () => {
    const xDims = [1, 7, 6, 4];
    const wDims = [4, 3, 3, 1];
    const x = random(xDims, 4);
    const w = random(wDims, 5);
    const bias = random([4], 6);
    const want = convNhwc(x, xDims, w, wDims, { stride: [2, 2], dilation: [1, 1], pads: 'same', group: 4, bias });
    const spec = oneOp(
      'current',
      'Conv2DFusion',
      {
        format: FORMAT.NHWC,
        kernel_size: [3, 3],
        stride: [2, 2],
        dilation: [1, 1],
        pad_mode: PAD.SAME,
        group: 4,
        in_channel: 4,
        out_channel: 4,
      },
      [
        { dims: xDims, format: FORMAT.NHWC },
        { dims: wDims, format: FORMAT.KHWC, values: w },
        { dims: [4], values: bias },
      ],
      { dims: want.dims, format: FORMAT.NHWC },
    );
    const [y] = await runModel(spec, [input(xDims, x)]);
    expectClose(y, want.data, want.dims);
  });

  it('grouped Conv2DFusion (group 2, 4 → 6 channels), VALID', async () => {
    const xDims = [2, 5, 5, 4];
    const wDims = [6, 3, 2, 2];
    const x = random(xDims, 7);
    const w = random(wDims, 8);
    const want = convNhwc(x, xDims, w, wDims, { stride: [1, 1], dilation: [1, 1], pads: [0, 0, 0, 0], group: 2 });
    const spec = oneOp(
      'current',
      'Conv2DFusion',
      {
        format: FORMAT.NHWC,
        kernel_size: [3, 2],
        stride: [1, 1],
        dilation: [1, 1],
        pad_mode: PAD.VALID,
        group: 2,
        in_channel: 4,
        out_channel: 6,
      },
      [
        { dims: xDims, format: FORMAT.NHWC },
        { dims: wDims, format: FORMAT.KHWC, values: w },
      ],
      { dims: want.dims, format: FORMAT.NHWC },
    );
    const [y] = await runModel(spec, [input(xDims, x)]);
    expectClose(y, want.data, want.dims);
  });
});

describe('current generation (MSL2): pooling', () => {
  const poolAttrs = (attrs: Record<string, LiteAttrValue>) => ({ format: FORMAT.NHWC, ...attrs });

  const cases: Array<{
    title: string;
    op: 'MaxPoolFusion' | 'AvgPoolFusion';
    dims: number[];
    attrs: Record<string, LiteAttrValue>;
    ref: Parameters<typeof poolNhwc>[2];
  }> = [
    {
      title: 'MaxPoolFusion SAME, stride 2',
      op: 'MaxPoolFusion',
      dims: [1, 7, 8, 3],
      attrs: { kernel_size: [3, 3], strides: [2, 2], pad_mode: PAD.SAME },
      ref: { max: true, kernel: [3, 3], stride: [2, 2], pads: 'same' },
    },
    {
      title: 'AvgPoolFusion SAME (padding outside the divisor)',
      op: 'AvgPoolFusion',
      dims: [1, 7, 8, 3],
      attrs: { kernel_size: [3, 3], strides: [2, 2], pad_mode: PAD.SAME },
      ref: { max: false, kernel: [3, 3], stride: [2, 2], pads: 'same' },
    },
    {
      title: 'AvgPoolFusion PAD with asymmetric pads, round_mode CEIL',
      op: 'AvgPoolFusion',
      dims: [2, 6, 7, 2],
      attrs: { kernel_size: [3, 3], strides: [2, 2], pad: [1, 1, 0, 1], pad_mode: PAD.PAD, round_mode: ROUND.CEIL },
      ref: { max: false, kernel: [3, 3], stride: [2, 2], pads: [1, 1, 0, 1], ceil: true },
    },
    {
      // CEIL adds a last row whose window starts inside the input and is cut short by its edge.
      title: 'MaxPoolFusion PAD, round_mode CEIL',
      op: 'MaxPoolFusion',
      dims: [1, 7, 6, 2],
      attrs: { kernel_size: [2, 3], strides: [2, 2], pad: [0, 0, 1, 0], pad_mode: PAD.PAD, round_mode: ROUND.CEIL },
      ref: { max: true, kernel: [2, 3], stride: [2, 2], pads: [0, 0, 1, 0], ceil: true },
    },
    {
      title: 'AvgPoolFusion global',
      op: 'AvgPoolFusion',
      dims: [2, 5, 4, 3],
      attrs: { global: true, pad_mode: PAD.VALID },
      ref: { max: false, kernel: [1, 1], stride: [1, 1], pads: [0, 0, 0, 0], global: true },
    },
    {
      title: 'MaxPoolFusion global',
      op: 'MaxPoolFusion',
      dims: [1, 3, 5, 4],
      attrs: { global: true, pad_mode: PAD.VALID },
      ref: { max: true, kernel: [1, 1], stride: [1, 1], pads: [0, 0, 0, 0], global: true },
    },
  ];
  for (const c of cases) {
    it(c.title, async () => {
      const x = random(c.dims, 11);
      const want = poolNhwc(x, c.dims, c.ref);
      const spec = oneOp('current', c.op, poolAttrs(c.attrs), [{ dims: c.dims, format: FORMAT.NHWC }], {
        dims: want.dims,
        format: FORMAT.NHWC,
      });
      const [y] = await runModel(spec, [input(c.dims, x)]);
      expectClose(y, want.data, want.dims);
    });
  }
});

describe('current generation (MSL2): pooling Lite computes differently', () => {
  it('refuses CEIL pooling whose last window lies wholly in the bottom padding, instead of changing the shape', () => {
    // H = 6, pads [0, 1], k = 2, s = 2: Lite's CEIL makes 4 rows, the 4th reading only padding.
    const spec = oneOp(
      'current',
      'MaxPoolFusion',
      {
        format: FORMAT.NHWC,
        kernel_size: [2, 2],
        strides: [2, 2],
        pad: [0, 1, 0, 0],
        pad_mode: PAD.PAD,
        round_mode: ROUND.CEIL,
      },
      [{ dims: [1, 6, 6, 1], format: FORMAT.NHWC }],
      { dims: [1, 4, 3, 1], format: FORMAT.NHWC },
    );
    expect(() => decodeMsLite(writeMsLite(spec), { label: 'ceil.ms' })).toThrow(
      /ceil\.ms: node .*CEIL pooling whose last window lies wholly in padding/,
    );
  });
});

describe('current generation (MSL2): element-wise and dense ops', () => {
  it('AddFusion with activation_type RELU', async () => {
    const dims = [1, 3, 4, 5];
    const a = random(dims, 21);
    const b = random(dims, 22);
    const spec = oneOp(
      'current',
      'AddFusion',
      { activation_type: ACT.RELU },
      [
        { dims, format: FORMAT.NHWC },
        { dims, format: FORMAT.NHWC },
      ],
      { dims, format: FORMAT.NHWC },
    );
    const [y] = await runModel(spec, [input(dims, a), input(dims, b)]);
    expectClose(
      y,
      Float64Array.from(a, (v, i) => act.relu(v + (b[i] as number))),
      dims,
    );
  });

  it('MulFusion by a per-channel constant [C] on an NHWC tensor', async () => {
    const dims = [1, 4, 3, 5];
    const x = random(dims, 23);
    const scale = random([5], 24);
    const spec = oneOp(
      'current',
      'MulFusion',
      {},
      [
        { dims, format: FORMAT.NHWC },
        { dims: [5], values: scale },
      ],
      { dims, format: FORMAT.NHWC },
    );
    const [y] = await runModel(spec, [input(dims, x)]);
    expectClose(
      y,
      Float64Array.from(x, (v, i) => v * (scale[i % 5] as number)),
      dims,
    );
  });

  it('MatMulFusion with transpose_b and a bias', async () => {
    const a = random([3, 4], 25);
    const b = random([5, 4], 26);
    const bias = random([5], 27);
    const spec = oneOp(
      'current',
      'MatMulFusion',
      { transpose_b: true },
      [{ dims: [3, 4] }, { dims: [5, 4], values: b }, { dims: [5], values: bias }],
      { dims: [3, 5] },
    );
    const [y] = await runModel(spec, [input([3, 4], a)]);
    expectClose(y, matmul(a, b, 3, 4, 5, true, bias), [3, 5]);
  });

  it('MatMulFusion on 3-D operands (batched) with transpose_a', async () => {
    const a = random([2, 4, 3], 49);
    const b = random([2, 4, 5], 50);
    const spec = oneOp('current', 'MatMulFusion', { transpose_a: true }, [{ dims: [2, 4, 3] }, { dims: [2, 4, 5] }], {
      dims: [2, 3, 5],
    });
    const [y] = await runModel(spec, [input([2, 4, 3], a), input([2, 4, 5], b)]);
    const want = new Float64Array(2 * 3 * 5);
    for (let n = 0; n < 2; n++) {
      const at = transpose(a.subarray(n * 12, n * 12 + 12), [4, 3], [1, 0]).data;
      want.set(matmul(at, b.subarray(n * 20, n * 20 + 20), 3, 4, 5, false), n * 15);
    }
    expectClose(y, want, [2, 3, 5]);
  });

  it('FullConnection without use_axis: rows are all leading dims', async () => {
    const x = random([2, 3, 4], 28);
    const w = random([5, 4], 29);
    const bias = random([5], 30);
    const spec = oneOp(
      'current',
      'FullConnection',
      { has_bias: true },
      [{ dims: [2, 3, 4] }, { dims: [5, 4], values: w }, { dims: [5], values: bias }],
      { dims: [6, 5] },
    );
    const [y] = await runModel(spec, [input([2, 3, 4], x)]);
    expectClose(y, matmul(x, w, 6, 4, 5, true, bias), [6, 5]);
  });

  it('FullConnection with use_axis and axis 1: the trailing dims are flattened', async () => {
    const x = random([2, 3, 4], 31);
    const w = random([5, 12], 32);
    const spec = oneOp(
      'current',
      'FullConnection',
      { use_axis: true, axis: 1 },
      [{ dims: [2, 3, 4] }, { dims: [5, 12], values: w }],
      { dims: [2, 5] },
    );
    const [y] = await runModel(spec, [input([2, 3, 4], x)]);
    expectClose(y, matmul(x, w, 2, 12, 5, true), [2, 5]);
  });

  it('Softmax on the last axis and on axis 1', async () => {
    const dims = [2, 3, 5];
    const x = random(dims, 33, 4);
    for (const axis of [-1, 1]) {
      const spec = oneOp('current', 'Softmax', { axis: [axis] }, [{ dims }], { dims });
      const [y] = await runModel(spec, [input(dims, x)]);
      expectClose(y, softmax(x, dims, axis), dims);
    }
  });

  it('Concat on the last axis of NHWC tensors', async () => {
    const aDims = [1, 3, 2, 2];
    const bDims = [1, 3, 2, 4];
    const a = random(aDims, 34);
    const b = random(bDims, 35);
    const spec = oneOp(
      'current',
      'Concat',
      { axis: 3 },
      [
        { dims: aDims, format: FORMAT.NHWC },
        { dims: bDims, format: FORMAT.NHWC },
      ],
      { dims: [1, 3, 2, 6], format: FORMAT.NHWC },
    );
    const [y] = await runModel(spec, [input(aDims, a), input(bDims, b)]);
    const want = new Float64Array(1 * 3 * 2 * 6);
    for (let p = 0; p < 6; p++)
      for (let c = 0; c < 6; c++) want[p * 6 + c] = c < 2 ? (a[p * 2 + c] as number) : (b[p * 4 + c - 2] as number);
    expectClose(y, want, [1, 3, 2, 6]);
  });

  it('Reshape by a constant int32 shape (0 keeps the dim, -1 is inferred)', async () => {
    const x = random([2, 3, 4], 36);
    const spec = oneOp(
      'current',
      'Reshape',
      {},
      [{ dims: [2, 3, 4] }, { dims: [3], values: [0, -1, 2], dataType: DATA_TYPE.int32 }],
      { dims: [2, 6, 2] },
    );
    const [y] = await runModel(spec, [input([2, 3, 4], x)]);
    expectClose(y, x, [2, 6, 2]);
  });

  it('Transpose by a constant permutation', async () => {
    const dims = [2, 3, 4];
    const x = random(dims, 37);
    const want = transpose(x, dims, [2, 0, 1]);
    const spec = oneOp(
      'current',
      'Transpose',
      {},
      [{ dims }, { dims: [3], values: [2, 0, 1], dataType: DATA_TYPE.int32 }],
      { dims: want.dims },
    );
    const [y] = await runModel(spec, [input(dims, x)]);
    expectClose(y, want.data, want.dims);
  });

  it('PReLUFusion: one slope per last-axis channel of an NHWC tensor', async () => {
    const dims = [1, 3, 4, 5];
    const x = random(dims, 38);
    const slope = Float32Array.from([0.1, -0.2, 0.3, 0.5, 2]);
    const spec = oneOp(
      'current',
      'PReLUFusion',
      {},
      [
        { dims, format: FORMAT.NHWC },
        { dims: [5], values: slope },
      ],
      { dims, format: FORMAT.NHWC },
    );
    const [y] = await runModel(spec, [input(dims, x)]);
    expectClose(
      y,
      Float64Array.from(x, (v, i) => (v >= 0 ? v : (slope[i % 5] as number) * v)),
      dims,
    );
  });

  it('PReLUFusion with channel_shared: one slope for all', async () => {
    const dims = [2, 3, 4];
    const x = random(dims, 39);
    const spec = oneOp('current', 'PReLUFusion', { channel_shared: true }, [{ dims }, { dims: [1], values: [0.25] }], {
      dims,
    });
    const [y] = await runModel(spec, [input(dims, x)]);
    expectClose(y, map(x, act.leakyRelu(0.25)), dims);
  });

  const activations: Array<[string, Record<string, LiteAttrValue>, (v: number) => number]> = [
    ['HSWISH', { activation_type: ACT.HSWISH }, act.hswish],
    ['LEAKY_RELU (alpha 0.1)', { activation_type: ACT.LEAKY_RELU, alpha: 0.1 }, act.leakyRelu(0.1)],
    ['GELU exact (approximate false)', { activation_type: ACT.GELU, approximate: false }, act.geluExact],
    ['RELU6', { activation_type: ACT.RELU6 }, act.relu6],
  ];
  for (const [title, attrs, f] of activations) {
    it(`Activation ${title}`, async () => {
      const dims = [2, 3, 8];
      const x = random(dims, 40, 5);
      const spec = oneOp('current', 'Activation', attrs, [{ dims }], { dims });
      const [y] = await runModel(spec, [input(dims, x)]);
      expectClose(y, map(x, f), dims);
    });
  }

  it('ReduceFusion mean over H and W with keep_dims', async () => {
    const dims = [2, 3, 4, 5];
    const x = random(dims, 41);
    const spec = oneOp(
      'current',
      'ReduceFusion',
      { keep_dims: true, mode: 0 },
      [
        { dims, format: FORMAT.NHWC },
        { dims: [2], values: [1, 2], dataType: DATA_TYPE.int32 },
      ],
      { dims: [2, 1, 1, 5], format: FORMAT.NHWC },
    );
    const [y] = await runModel(spec, [input(dims, x)]);
    const want = new Float64Array(2 * 5);
    x.forEach((v, i) => {
      const n = Math.floor(i / 60);
      want[n * 5 + (i % 5)] = (want[n * 5 + (i % 5)] as number) + v / 12;
    });
    expectClose(y, want, [2, 1, 1, 5]);
  });

  it('ReduceFusion sum over the last axis without keep_dims: coeff applies only with reduce_to_end', async () => {
    const dims = [3, 4, 6];
    const x = random(dims, 48);
    const spec = oneOp(
      'current',
      'ReduceFusion',
      { mode: 4, coeff: 2.5 },
      [{ dims }, { dims: [1], values: [-1], dataType: DATA_TYPE.int32 }],
      { dims: [3, 4] },
    );
    const [y] = await runModel(spec, [input(dims, x)]);
    const want = new Float64Array(12);
    x.forEach((v, i) => {
      want[Math.floor(i / 6)] = (want[Math.floor(i / 6)] as number) + v;
    });
    expectClose(y, want, [3, 4]);
  });

  it('BatchNorm on an NHWC tensor: (x − mean) / √(var + ε) per last-axis channel', async () => {
    const dims = [1, 3, 3, 4];
    const x = random(dims, 42);
    const mean = random([4], 43);
    const variance = Float32Array.from(random([4], 44), (v) => Math.abs(v) + 0.1);
    const epsilon = 1e-3;
    const spec = oneOp(
      'current',
      'BatchNorm',
      { epsilon, format: FORMAT.NHWC },
      [
        { dims, format: FORMAT.NHWC },
        { dims: [4], values: mean },
        { dims: [4], values: variance },
      ],
      { dims, format: FORMAT.NHWC },
    );
    const [y] = await runModel(spec, [input(dims, x)]);
    const eps = Math.fround(epsilon);
    expectClose(
      y,
      Float64Array.from(x, (v, i) => (v - (mean[i % 4] as number)) / Math.sqrt((variance[i % 4] as number) + eps)),
      dims,
    );
  });

  it('FusedBatchNorm with scale and bias (5 inputs) on an NHWC tensor', async () => {
    const dims = [2, 2, 3, 3];
    const x = random(dims, 48);
    const [scale, bias, mean] = [random([3], 49), random([3], 50), random([3], 51)];
    const variance = Float32Array.from(random([3], 52), (v) => Math.abs(v) + 0.1);
    const spec = oneOp(
      'current',
      'FusedBatchNorm',
      { epsilon: 1e-4 },
      [
        { dims, format: FORMAT.NHWC },
        { dims: [3], values: scale },
        { dims: [3], values: bias },
        { dims: [3], values: mean },
        { dims: [3], values: variance },
      ],
      { dims, format: FORMAT.NHWC },
    );
    const [y] = await runModel(spec, [input(dims, x)]);
    const eps = Math.fround(1e-4);
    const c = (i: number) => i % 3;
    expectClose(
      y,
      Float64Array.from(
        x,
        (v, i) =>
          ((v - (mean[c(i)] as number)) / Math.sqrt((variance[c(i)] as number) + eps)) * (scale[c(i)] as number) +
          (bias[c(i)] as number),
      ),
      dims,
    );
  });

  it('a chain of NHWC ops (conv → add → relu → max pool) keeps its values when transposes cancel', async () => {
    const xDims = [1, 6, 6, 2];
    const wDims = [3, 3, 3, 2];
    const x = random(xDims, 45);
    const w = random(wDims, 46);
    const shift = random([3], 47);
    const conv = convNhwc(x, xDims, w, wDims, { stride: [1, 1], dilation: [1, 1], pads: [1, 1, 1, 1], group: 1 });
    const added = Float64Array.from(conv.data, (v, i) => act.relu(v + (shift[i % 3] as number)));
    const pooled = poolNhwc(added, conv.dims, { max: true, kernel: [2, 2], stride: [2, 2], pads: [0, 0, 0, 0] });
    const tensor = (name: string, dims: number[], data?: Float32Array, format: number = FORMAT.NHWC) => ({
      name,
      dataType: DATA_TYPE.float32,
      dims,
      format,
      data: data ? f32Bytes(data) : undefined,
    });
    const spec: LiteModelSpec = {
      generation: 'current',
      tensors: [
        tensor('x', xDims),
        tensor('w', wDims, w, FORMAT.KHWC),
        tensor('conv', conv.dims),
        tensor('shift', [3], shift, FORMAT.NCHW),
        tensor('relu', conv.dims),
        tensor('y', pooled.dims),
      ],
      nodes: [
        {
          name: 'conv',
          op: 'Conv2DFusion',
          attrs: { format: FORMAT.NHWC, kernel_size: [3, 3], stride: [1, 1], dilation: [1, 1], pad_list: [1, 1, 1, 1] },
          inputs: [0, 1],
          outputs: [2],
        },
        { name: 'add', op: 'AddFusion', attrs: { activation_type: ACT.RELU }, inputs: [2, 3], outputs: [4] },
        {
          name: 'pool',
          op: 'MaxPoolFusion',
          attrs: { format: FORMAT.NHWC, kernel_size: [2, 2], strides: [2, 2], pad_mode: PAD.VALID },
          inputs: [4],
          outputs: [5],
        },
      ],
      inputs: [0],
      outputs: [5],
    };
    const model = decodeMsLite(writeMsLite(spec));
    // Only the transposes at the graph's edges should be left: NHWC in, NHWC out.
    expect(model.graph.nodes.filter((n) => n.op === 'Transpose').length).toBeLessThanOrEqual(2);
    const [y] = await runModel(spec, [input(xDims, x)]);
    expectClose(y, pooled.data, pooled.dims);
  });
});

describe('layout: transposes around NHWC ops', () => {
  it('a [W, C] constant multiplied after a convolution is permuted with the transpose it meets', async () => {
    const xDims = [1, 4, 5, 2];
    const wDims = [3, 1, 1, 2];
    const x = random(xDims, 70);
    const w = random(wDims, 71);
    const scale = random([5, 3], 72);
    const conv = convNhwc(x, xDims, w, wDims, { stride: [1, 1], dilation: [1, 1], pads: [0, 0, 0, 0], group: 1 });
    const want = Float64Array.from(conv.data, (v, i) => v * (scale[i % 15] as number));
    const spec: LiteModelSpec = {
      generation: 'current',
      tensors: [
        { name: 'x', dataType: DATA_TYPE.float32, dims: xDims, format: FORMAT.NHWC },
        { name: 'w', dataType: DATA_TYPE.float32, dims: wDims, format: FORMAT.KHWC, data: f32Bytes(w) },
        { name: 'conv', dataType: DATA_TYPE.float32, dims: conv.dims, format: FORMAT.NHWC },
        { name: 'scale', dataType: DATA_TYPE.float32, dims: [5, 3], data: f32Bytes(scale) },
        { name: 'y', dataType: DATA_TYPE.float32, dims: conv.dims, format: FORMAT.NHWC },
      ],
      nodes: [
        {
          name: 'conv',
          op: 'Conv2DFusion',
          attrs: { format: FORMAT.NHWC, kernel_size: [1, 1], stride: [1, 1], dilation: [1, 1], pad_mode: PAD.VALID },
          inputs: [0, 1],
          outputs: [2],
        },
        { name: 'mul', op: 'MulFusion', attrs: {}, inputs: [2, 3], outputs: [4] },
      ],
      inputs: [0],
      outputs: [4],
    };
    const [y] = await runModel(spec, [input(xDims, x)]);
    expectClose(y, want, conv.dims);
  });
});

describe('v0 generation (MindSpore Lite 1.0)', () => {
  it('Conv2D with padMode NOTSET and explicit asymmetric pads, bias, RELU', async () => {
    const xDims = [1, 6, 7, 3];
    const wDims = [4, 3, 3, 3];
    const x = random(xDims, 51);
    const w = random(wDims, 52);
    const bias = random([4], 53);
    const pads: [number, number, number, number] = [1, 0, 2, 1];
    const want = convNhwc(x, xDims, w, wDims, { stride: [1, 2], dilation: [1, 1], pads, group: 1, bias });
    const spec = oneOp(
      'v0',
      'Conv2D',
      {
        format: FORMAT.NCHW,
        group: 1,
        channelOut: 4,
        kernelW: 3,
        kernelH: 3,
        strideW: 2,
        strideH: 1,
        padMode: 0,
        padUp: 1,
        padDown: 0,
        padLeft: 2,
        padRight: 1,
        dilateW: 1,
        dilateH: 1,
        hasBias: true,
        activationType: ACT.RELU,
      },
      [
        { dims: xDims, format: FORMAT.NHWC },
        { dims: wDims, format: FORMAT.KHWC, values: w },
        { dims: [4], values: bias },
      ],
      { dims: want.dims, format: FORMAT.NHWC },
    );
    const [y] = await runModel(spec, [input(xDims, x)]);
    expectClose(y, map(want.data, act.relu), want.dims);
  });

  it('DepthwiseConv2D with KHWC [C, kh, kw, 1] weights (as Lite 1.0 writes them)', async () => {
    const xDims = [1, 5, 5, 3];
    const wDims = [3, 3, 3, 1];
    const x = random(xDims, 54);
    const w = random(wDims, 55);
    const bias = random([3], 56);
    const want = convNhwc(x, xDims, w, wDims, {
      stride: [1, 1],
      dilation: [1, 1],
      pads: [1, 1, 1, 1],
      group: 3,
      bias,
    });
    const spec = oneOp(
      'v0',
      'DepthwiseConv2D',
      {
        format: FORMAT.NCHW,
        channelMultiplier: 1,
        kernelW: 3,
        kernelH: 3,
        strideW: 1,
        strideH: 1,
        padUp: 1,
        padDown: 1,
        padLeft: 1,
        padRight: 1,
        dilateW: 1,
        dilateH: 1,
        hasBias: true,
      },
      [
        { dims: xDims, format: FORMAT.NHWC },
        { dims: wDims, format: FORMAT.KHWC, values: w },
        { dims: [3], values: bias },
      ],
      { dims: want.dims, format: FORMAT.NHWC },
    );
    const [y] = await runModel(spec, [input(xDims, x)]);
    expectClose(y, want.data, want.dims);
  });

  for (const [mode, max] of [
    ['MAX_POOLING', true],
    ['MEAN_POOLING', false],
  ] as const) {
    it(`Pooling ${mode} with pads`, async () => {
      const dims = [1, 6, 5, 3];
      const x = random(dims, 57);
      const want = poolNhwc(x, dims, { max, kernel: [3, 3], stride: [2, 2], pads: [1, 1, 1, 1] });
      const spec = oneOp(
        'v0',
        'Pooling',
        {
          format: FORMAT.NHWC,
          poolingMode: max ? 0 : 1,
          windowW: 3,
          windowH: 3,
          strideW: 2,
          strideH: 2,
          padUp: 1,
          padDown: 1,
          padLeft: 1,
          padRight: 1,
        },
        [{ dims, format: FORMAT.NHWC }],
        { dims: want.dims, format: FORMAT.NHWC },
      );
      const [y] = await runModel(spec, [input(dims, x)]);
      expectClose(y, want.data, want.dims);
    });
  }

  it('Add and Mul with activationType', async () => {
    const dims = [1, 2, 3, 4];
    const a = random(dims, 58, 4);
    const b = random(dims, 59, 4);
    const add = oneOp('v0', 'Add', { activationType: ACT.RELU6 }, [{ dims }, { dims }], { dims });
    const [sum] = await runModel(add, [input(dims, a), input(dims, b)]);
    expectClose(
      sum,
      Float64Array.from(a, (v, i) => act.relu6(v + (b[i] as number))),
      dims,
    );
    const mul = oneOp('v0', 'Mul', { activationType: ACT.RELU }, [{ dims }, { dims }], { dims });
    const [product] = await runModel(mul, [input(dims, a), input(dims, b)]);
    expectClose(
      product,
      Float64Array.from(a, (v, i) => act.relu(v * (b[i] as number))),
      dims,
    );
  });

  it('Nhwc2Nchw and Nchw2Nhwc', async () => {
    const nhwc = [1, 3, 4, 5];
    const x = random(nhwc, 60);
    const toNchw = transpose(x, nhwc, [0, 3, 1, 2]);
    const [a] = await runModel(
      oneOp('v0', 'Nhwc2Nchw', {}, [{ dims: nhwc, format: FORMAT.NHWC }], { dims: toNchw.dims }),
      [input(nhwc, x)],
    );
    expectClose(a, toNchw.data, toNchw.dims);
    const back = transpose(x, nhwc, [0, 2, 3, 1]);
    const [b] = await runModel(
      oneOp('v0', 'Nchw2Nhwc', {}, [{ dims: nhwc }], { dims: back.dims, format: FORMAT.NHWC }),
      [input(nhwc, x)],
    );
    expectClose(b, back.data, back.dims);
  });

  it('FullConnection with hasBias', async () => {
    const x = random([3, 6], 61);
    const w = random([4, 6], 62);
    const bias = random([4], 63);
    const spec = oneOp(
      'v0',
      'FullConnection',
      { hasBias: true },
      [{ dims: [3, 6] }, { dims: [4, 6], values: w }, { dims: [4], values: bias }],
      { dims: [3, 4] },
    );
    const [y] = await runModel(spec, [input([3, 6], x)]);
    expectClose(y, matmul(x, w, 3, 6, 4, true, bias), [3, 4]);
  });

  it('FullConnection with useAxis on a 3-D input and activationType RELU (v0 field names)', async () => {
    const x = random([2, 3, 5], 65);
    const w = random([4, 15], 66);
    const bias = random([4], 67);
    const spec = oneOp(
      'v0',
      'FullConnection',
      { hasBias: true, useAxis: true, axis: 1, activationType: ACT.RELU },
      [{ dims: [2, 3, 5] }, { dims: [4, 15], values: w }, { dims: [4], values: bias }],
      { dims: [2, 4] },
    );
    const [y] = await runModel(spec, [input([2, 3, 5], x)]);
    expectClose(y, matmul(x, w, 2, 15, 4, true, bias).map(act.relu), [2, 4]);
  });

  it('SoftMax on axis 1 (and the schema default −1)', async () => {
    const dims = [2, 4, 3];
    const x = random(dims, 64, 3);
    const [y] = await runModel(oneOp('v0', 'SoftMax', { axis: 1 }, [{ dims }], { dims }), [input(dims, x)]);
    expectClose(y, softmax(x, dims, 1), dims);
    const [z] = await runModel(oneOp('v0', 'SoftMax', {}, [{ dims }], { dims }), [input(dims, x)]);
    expectClose(z, softmax(x, dims, -1), dims);
  });

  it('PReLU with the slope as an attribute, per last-axis channel', async () => {
    const dims = [1, 2, 2, 3];
    const x = random(dims, 65);
    const slope = [0.1, 0.5, -1.5];
    const spec = oneOp('v0', 'PReLU', { slope }, [{ dims, format: FORMAT.NHWC }], {
      dims,
      format: FORMAT.NHWC,
    });
    const [y] = await runModel(spec, [input(dims, x)]);
    expectClose(
      y,
      Float64Array.from(x, (v, i) => (v >= 0 ? v : (slope[i % 3] as number) * v)),
      dims,
    );
  });
});

describe('errors', () => {
  function caught(fn: () => unknown): { code: string; message: string } {
    try {
      fn();
    } catch (error) {
      if (!isMindletError(error)) throw error;
      return { code: error.code, message: error.message };
    }
    throw new Error('expected a MindletError');
  }

  for (const [generation, op] of [
    ['current', 'Mfcc'],
    ['current', 'LshProjection'],
    ['v0', 'LshProjection'],
  ] as const) {
    it(`an op without a mapping (${generation} ${op}) makes createSession throw UNSUPPORTED naming it and the node`, () => {
      const spec = oneOp(generation, op, {}, [{ dims: [1, 4] }], { dims: [1, 4] });
      const model = decodeMsLite(writeMsLite(spec), { label: 'unknown-op.ms' });
      const error = caught(() => createSession(model, { threads: 1 }));
      expect(error.code).toBe('UNSUPPORTED');
      expect(error.message).toContain(`lite.${op}`);
      expect(error.message).toContain(`${op}_node`);
    });
  }

  for (const generation of ['current', 'v0'] as const) {
    it(`a node reading a tensor index past the end is INVALID_FORMAT (${generation})`, () => {
      const spec = oneOp(generation, generation === 'v0' ? 'Add' : 'AddFusion', {}, [{ dims: [2] }, { dims: [2] }], {
        dims: [2],
      });
      const bad: LiteModelSpec = { ...spec, nodes: spec.nodes.map((n) => ({ ...n, inputs: [0, 7] })) };
      const error = caught(() => decodeMsLite(writeMsLite(bad), { label: 'bad-index.ms' }));
      expect(error.code).toBe('INVALID_FORMAT');
      expect(error.message).toContain('7');
    });
  }

  it('a graph output index past the end is INVALID_FORMAT', () => {
    const spec = oneOp('current', 'Activation', { activation_type: ACT.RELU }, [{ dims: [2] }], { dims: [2] });
    const error = caught(() => decodeMsLite(writeMsLite({ ...spec, outputs: [5] })));
    expect(error.code).toBe('INVALID_FORMAT');
  });
});
