import { describe, expect, it } from 'vitest';
import type { DType } from '../../src/graph/types.js';
import { createSession } from '../../src/runtime/index.js';
import { f32, opModel, seededRandom } from '../tools/op-model.js';

/** numpy broadcasting, element by element, in float64: the reference the engine's float32 is checked against. */
function broadcast(a: number[], as: number[], b: number[], bs: number[], fn: (x: number, y: number) => number) {
  const rank = Math.max(as.length, bs.length);
  const pad = (s: number[]) => [...Array(rank - s.length).fill(1), ...s];
  const pa = pad(as);
  const pb = pad(bs);
  const out = pa.map((d, i) => Math.max(d, pb[i] ?? 1));
  const n = out.reduce((x, y) => x * y, 1);
  const values: number[] = [];
  for (let flat = 0; flat < n; flat++) {
    let rem = flat;
    let ia = 0;
    let ib = 0;
    let sa = 1;
    let sb = 1;
    for (let k = rank - 1; k >= 0; k--) {
      const idx = rem % (out[k] ?? 1);
      rem = Math.floor(rem / (out[k] ?? 1));
      if ((pa[k] ?? 1) > 1) ia += idx * sa;
      if ((pb[k] ?? 1) > 1) ib += idx * sb;
      sa *= pa[k] ?? 1;
      sb *= pb[k] ?? 1;
    }
    values.push(fn(a[ia] ?? Number.NaN, b[ib] ?? Number.NaN));
  }
  return { shape: out, values };
}

/** erf by its Maclaurin series / continued fraction, accurate to ~1e-12 (JavaScript has no Math.erf). */
function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 3) {
    let sum = 0;
    let term = ax;
    for (let n = 0; n < 100; n++) {
      sum += term / (2 * n + 1);
      term *= (-ax * ax) / (n + 1);
    }
    return Math.sign(x) * ((2 / Math.sqrt(Math.PI)) * sum);
  }
  let f = 0;
  for (let n = 60; n >= 1; n--) f = n / 2 / (ax + f);
  return Math.sign(x) * (1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f));
}

async function runBinary(op: string, as: number[], bs: number[], a: number[], b: number[], dtype: DType = 'float32') {
  const model = opModel({
    inputs: [
      { name: 'a', dtype, shape: as },
      { name: 'b', dtype, shape: bs },
    ],
    nodes: [{ op, inputs: ['a', 'b'] }],
  });
  const session = createSession(model, { threads: 2 });
  const make = (shape: number[], values: number[]) =>
    dtype === 'int32'
      ? { dtype, shape, data: Int32Array.from(values) }
      : { dtype, shape, data: Float32Array.from(values) };
  const [out] = await session.run([make(as, a), make(bs, b)]);
  session.close();
  return out;
}

const BINARY: Record<string, (x: number, y: number) => number> = {
  Add: (x, y) => x + y,
  Sub: (x, y) => x - y,
  Mul: (x, y) => x * y,
  RealDiv: (x, y) => x / y,
  Maximum: Math.max,
  Minimum: Math.min,
  Pow: (x, y) => Math.abs(x) ** y,
  SquaredDifference: (x, y) => (x - y) ** 2,
  FloorDiv: (x, y) => Math.floor(x / y),
  FloorMod: (x, y) => x - Math.floor(x / y) * y,
};

const SHAPES: Array<[number[], number[]]> = [
  [
    [2, 3, 4],
    [2, 3, 4],
  ],
  [[2, 3, 4], [4]],
  [
    [2, 3, 4],
    [3, 1],
  ],
  [
    [2, 1, 4],
    [1, 3, 1],
  ],
  [
    [5, 1, 7, 9],
    [1, 6, 7, 1],
  ],
  [[], [3, 5]],
  [[37], [1]],
  [
    [1, 16, 13, 13],
    [16, 1, 1],
  ],
];

describe('binary elementwise ops with broadcasting', () => {
  const random = seededRandom(11);
  for (const [op, fn] of Object.entries(BINARY)) {
    it(`${op} matches the float64 reference on ${SHAPES.length} broadcast patterns`, async () => {
      for (const [as, bs] of SHAPES) {
        const count = (s: number[]) => s.reduce((x, y) => x * y, 1);
        const positive = op === 'Pow';
        const a = Array.from({ length: count(as) }, () =>
          Math.fround(positive ? Math.abs(random()) + 0.1 : random() * 4),
        );
        const b = Array.from({ length: count(bs) }, () =>
          Math.fround(random() * 3 + (op.includes('Div') || op === 'FloorMod' ? 4 : 0)),
        );
        const out = await runBinary(op, as, bs, a, b);
        const ref = broadcast(a, as, b, bs, fn);
        expect(out?.shape).toEqual(ref.shape);
        const got = out?.data as Float32Array;
        ref.values.forEach((v, i) => {
          // float32 rounding: one ulp per rounding step (SquaredDifference rounds the difference, then squares it).
          const ulps = op === 'SquaredDifference' ? 4 : 1;
          expect(Math.abs((got[i] ?? Number.NaN) - v)).toBeLessThanOrEqual(Math.abs(v) * ulps * 2 ** -23 + 1e-30);
        });
      }
    });
  }

  it('compares into bool tensors, broadcasting', async () => {
    const a = [1, 2, 3, 4, 5, 6];
    const b = [3, 2];
    for (const [op, fn] of [
      ['Equal', (x: number, y: number) => x === y],
      ['Less', (x: number, y: number) => x < y],
      ['GreaterEqual', (x: number, y: number) => x >= y],
    ] as const) {
      const out = await runBinary(op, [3, 2], [2], a, b);
      expect(out?.dtype).toBe('bool');
      expect(Array.from(out?.data as Uint8Array)).toEqual(
        broadcast(a, [3, 2], b, [2], (x, y) => (fn(x, y) ? 1 : 0)).values,
      );
    }
  });

  it('does integer arithmetic in int32 with floor semantics for negative operands', async () => {
    const a = [7, -7, 7, -7];
    const b = [2, 2, -2, -2];
    expect(Array.from((await runBinary('FloorDiv', [4], [4], a, b, 'int32'))?.data as Int32Array)).toEqual([
      3, -4, -4, 3,
    ]);
    expect(Array.from((await runBinary('FloorMod', [4], [4], a, b, 'int32'))?.data as Int32Array)).toEqual([
      1, 1, -1, -1,
    ]);
    expect(Array.from((await runBinary('Mul', [2, 2], [1], a, [3], 'int32'))?.data as Int32Array)).toEqual([
      21, -21, 21, -21,
    ]);
  });

  it('promotes a scalar constant to the tensor type (MindSpore scalar semantics)', async () => {
    const model = opModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [3] }],
      values: { two: 2 },
      nodes: [{ op: 'Mul', inputs: ['x', 'two'] }],
    });
    const [y] = await createSession(model).run([f32([3], (i) => i + 0.5)]);
    expect(y?.dtype).toBe('float32');
    expect(Array.from(y?.data as Float32Array)).toEqual([1, 3, 5]);
  });
});

describe('unary ops and activations', () => {
  const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
  const hsig = (x: number) => Math.min(Math.max(x + 3, 0), 6) / 6;
  const UNARY: Record<string, [(x: number) => number, number]> = {
    // [reference, relative tolerance]: vector exp and erf are a few ulp. GeLU also gets an absolute term below:
    // 1 + tanh(...) cancels for negative x, so float32 itself only holds it to ~|x|·2^-24 absolute.
    ReLU: [(x) => Math.max(x, 0), 0],
    ReLU6: [(x) => Math.min(Math.max(x, 0), 6), 0],
    Sigmoid: [sigmoid, 1e-6],
    Tanh: [Math.tanh, 1e-6],
    Exp: [Math.exp, 1e-6],
    Erf: [erf, 1e-6],
    // MindSpore's GeLU primitive is the tanh form (its own CPU kernel test checks that formula).
    GeLU: [(x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))), 1e-6],
    FastGeLU: [(x) => (x / (1 + Math.exp(-1.702 * Math.abs(x)))) * Math.exp(0.851 * (x - Math.abs(x))), 1e-6],
    SiLU: [(x) => x * sigmoid(x), 1e-6],
    HSwish: [(x) => x * hsig(x), 1e-6],
    HSigmoid: [hsig, 1e-6],
    Sqrt: [(x) => Math.sqrt(Math.abs(x)), 1e-7],
    Neg: [(x) => -x, 0],
    Abs: [Math.abs, 0],
    Square: [(x) => x * x, 1e-7],
    Floor: [Math.floor, 0],
  };
  const random = seededRandom(5);
  // Odd length (not a multiple of 8) so the vector body and the scalar tail both run; wide range for saturation.
  const xs = Array.from({ length: 1001 }, (_, i) =>
    i < 8 ? ([0, -0, 1e-8, -90, 90, 3, -3, 6][i] ?? 0) : random() * 12,
  );

  for (const [op, [fn, tol]] of Object.entries(UNARY)) {
    it(`${op} matches Math within ${tol} relative`, async () => {
      const input = op === 'Sqrt' ? xs.map(Math.abs) : xs;
      const model = opModel({
        inputs: [{ name: 'x', dtype: 'float32', shape: [input.length] }],
        nodes: [{ op, inputs: ['x'] }],
      });
      const [y] = await createSession(model, { threads: 2 }).run([f32([input.length], (i) => input[i] ?? 0)]);
      const got = y?.data as Float32Array;
      input.forEach((x, i) => {
        const want = fn(Math.fround(x));
        const g = got[i] ?? Number.NaN;
        // Results beyond float32's range must overflow to ±Infinity, as expf does.
        if (!Number.isFinite(Math.fround(want))) expect(g).toBe(Math.fround(want));
        else {
          const cancel = op === 'GeLU' ? Math.abs(x) * 2 ** -23 : 0;
          expect(Math.abs(g - want)).toBeLessThanOrEqual(Math.abs(want) * Math.max(tol, 2 ** -23) + cancel + 1e-7);
        }
      });
    });
  }
});
