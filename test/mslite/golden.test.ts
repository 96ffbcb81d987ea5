/**
 * The real MindSpore Lite files in ../shared/mslite against what MindSpore Lite computed (MobileFaceNet) and
 * against an independent plain-loop reference (LeNet, whose recorded pair turned out not to be its own).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/model/load.js';
import { decodeLiteModel, type LiteModel } from '../../src/mslite/decode.js';
import { createSession, loadSession } from '../../src/runtime/session.js';
import { compareOutputs } from '../tools/compare.js';
import { seededRandom } from '../tools/op-model.js';

const SHARED = path.resolve(import.meta.dirname, '../../../shared/mslite');
const floats = (file: string) => new Float32Array(Uint8Array.from(readFileSync(path.join(SHARED, file))).buffer);

/** MindSpore's own measure (CommonTest::CompareOutputRelativeData): Σ|out − ref| / Σ|ref|, passing at ≤ 1e-4. */
function summedRelativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let diff = 0;
  let sum = 0;
  for (let i = 0; i < want.length; i++) {
    diff += Math.abs((got[i] as number) - (want[i] as number));
    sum += Math.abs(want[i] as number);
  }
  return diff / sum;
}

describe('mobilefacenet0924.ms (MindSpore Lite 1.0.0, original schema)', () => {
  it('reproduces the embedding MindSpore Lite computed for facenet_input.f32 (tensor "354")', async () => {
    const model = await loadModel(path.join(SHARED, 'mobilefacenet0924.ms'));
    expect(model.format).toBe('mslite');
    expect(model.mslite?.generation).toBe('v0');
    expect(model.producerVersion).toBe('1.0.0');
    expect(model.graph.outputs.map((o) => o.name)).toEqual(['354']);
    const session = createSession(model, { threads: 1 });
    try {
      const [out] = await session.run([
        { dtype: 'float32', shape: [1, 112, 112, 3], data: floats('facenet_input.f32') },
      ]);
      const want = floats('facenet_output.f32');
      expect(out?.name).toBe('354');
      expect(out?.shape).toEqual([1, 128, 1, 1]);
      const got = out?.data as Float32Array;
      // MindSpore's test passes at a summed relative error of 1e-4; float32 reordering across 51 convolutions
      // stays two orders below that, so the bound here is 1e-5 on both MindSpore's measure and L∞-relative.
      expect(summedRelativeError(got, want)).toBeLessThan(1e-5);
      expect(compareOutputs(got, want).relative).toBeLessThan(1e-5);
      // The layout work happened: 101 of the file's transposes plus the ones lowering adds all cancel but one.
      expect(model.mslite?.layoutTransposes.after).toBe(1);
      expect(session.stats().fusedScale).toBeGreaterThan(50);
    } finally {
      session.close();
    }
  });

  it('gives the same embedding with 4 threads', async () => {
    const session = await loadSession(path.join(SHARED, 'mobilefacenet0924.ms'), { threads: 4 });
    try {
      const [out] = await session.run([floatsTensor(floats('facenet_input.f32'), [1, 112, 112, 3])]);
      expect(summedRelativeError(out?.data as Float32Array, floats('facenet_output.f32'))).toBeLessThan(1e-5);
    } finally {
      session.close();
    }
  });
});

describe('lenet_tod_infer.ms (MindSpore Lite 1.5.0, current schema)', () => {
  const file = path.join(SHARED, 'lenet_tod_infer.ms');

  it('matches a plain-loop NHWC reference computed from the file’s own tensors', async () => {
    const lite = decodeLiteModel(readFileSync(file));
    expect(lite.generation).toBe('current');
    const session = await loadSession(file, { threads: 2 });
    try {
      const random = seededRandom(7);
      const x = Float32Array.from({ length: 2 * 32 * 32 }, () => random() * 2 - 1);
      const [out] = await session.run([floatsTensor(x, [2, 32, 32, 1])]);
      const want = referenceLenet(lite, x);
      // Float32 sums in a different order: L∞-relative within 1e-5 of the output's scale.
      expect(compareOutputs(out?.data as Float32Array, want).relative).toBeLessThan(1e-5);
    } finally {
      session.close();
    }
  });

  it('x_lenet.bin / y_lenet.bin are not this model’s pair (finding recorded in docs/benchmarks.md)', async () => {
    const x = floats('x_lenet.bin');
    const y = floats('y_lenet.bin');
    // x is one constant image repeated, so every recorded row must be equal for any one network.
    expect(new Set(x).size).toBe(1);
    for (let r = 1; r < 32; r++)
      expect(Array.from(y.subarray(r * 10, r * 10 + 10))).toEqual(Array.from(y.subarray(0, 10)));
    const session = await loadSession(file, { threads: 1 });
    try {
      const [out] = await session.run([floatsTensor(x.subarray(0, 2048), [2, 32, 32, 1])]);
      const got = out?.data as Float32Array;
      const lite = decodeLiteModel(readFileSync(file));
      // Our output is the plain-loop reference's ...
      expect(compareOutputs(got, referenceLenet(lite, x.subarray(0, 2048))).relative).toBeLessThan(1e-5);
      // ... and that is nowhere near y: the recorded row is ~100× the file's fc3 bias, which dominates its output.
      expect(compareOutputs(got, y.subarray(0, 20)).relative).toBeGreaterThan(0.5);
    } finally {
      session.close();
    }
  });
});

function floatsTensor(data: Float32Array, shape: number[]) {
  return { dtype: 'float32' as const, shape, data };
}

/**
 * LeNet as MindSpore Lite runs this file: NHWC activations, KHWC conv weights, VALID 5×5 convolutions, 2×2 max
 * pooling, then NHWC→NCHW, flatten and three dense layers (W [out, in], bias) with ReLU between. Written from
 * the decoded file only, without the lowering under test.
 */
function referenceLenet(lite: LiteModel, x: Float32Array): Float32Array {
  const tensor = (name: string) => {
    const t = lite.tensors.find((candidate) => candidate.name === name);
    if (!t) throw new Error(`no tensor ${name}`);
    return { dims: t.dims, data: new Float32Array(Uint8Array.from(t.data).buffer) };
  };
  const conv = (input: Float32Array, [n, h, w, c]: number[], weight: { dims: number[]; data: Float32Array }) => {
    const [o, kh, kw] = weight.dims as [number, number, number];
    const oh = (h as number) - kh + 1;
    const ow = (w as number) - kw + 1;
    const out = new Float32Array((n as number) * oh * ow * o);
    for (let b = 0; b < (n as number); b++)
      for (let y = 0; y < oh; y++)
        for (let xx = 0; xx < ow; xx++)
          for (let k = 0; k < o; k++) {
            let sum = 0;
            for (let i = 0; i < kh; i++)
              for (let j = 0; j < kw; j++)
                for (let ch = 0; ch < (c as number); ch++)
                  sum +=
                    (input[((b * (h as number) + y + i) * (w as number) + xx + j) * (c as number) + ch] as number) *
                    (weight.data[((k * kh + i) * kw + j) * (c as number) + ch] as number);
            out[((b * oh + y) * ow + xx) * o + k] = Math.max(0, sum);
          }
    return { data: out, shape: [n as number, oh, ow, o] };
  };
  const pool = (input: Float32Array, [n, h, w, c]: number[]) => {
    const oh = (h as number) / 2;
    const ow = (w as number) / 2;
    const out = new Float32Array((n as number) * oh * ow * (c as number));
    for (let b = 0; b < (n as number); b++)
      for (let y = 0; y < oh; y++)
        for (let xx = 0; xx < ow; xx++)
          for (let ch = 0; ch < (c as number); ch++) {
            let m = Number.NEGATIVE_INFINITY;
            for (let i = 0; i < 2; i++)
              for (let j = 0; j < 2; j++)
                m = Math.max(
                  m,
                  input[((b * (h as number) + 2 * y + i) * (w as number) + 2 * xx + j) * (c as number) + ch] as number,
                );
            out[((b * oh + y) * ow + xx) * (c as number) + ch] = m;
          }
    return { data: out, shape: [n as number, oh, ow, c as number] };
  };
  const dense = (input: Float32Array, rows: number, weight: string, bias: string, relu: boolean) => {
    const w = tensor(weight);
    const b = tensor(bias);
    const [outs, ins] = w.dims as [number, number];
    const out = new Float32Array(rows * outs);
    for (let r = 0; r < rows; r++)
      for (let o = 0; o < outs; o++) {
        let sum = b.data[o] as number;
        for (let i = 0; i < ins; i++) sum += (input[r * ins + i] as number) * (w.data[o * ins + i] as number);
        out[r * outs + o] = relu ? Math.max(0, sum) : sum;
      }
    return out;
  };
  const c1 = conv(x, [2, 32, 32, 1], tensor('conv1.weight'));
  const p1 = pool(c1.data, c1.shape);
  const c2 = conv(p1.data, p1.shape, tensor('conv2.weight'));
  const p2 = pool(c2.data, c2.shape);
  // NHWC → NCHW, then flatten per image (the file's Transpose and Reshape).
  const [n, h, w, c] = p2.shape as [number, number, number, number];
  const flat = new Float32Array(n * c * h * w);
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++)
        for (let xx = 0; xx < w; xx++)
          flat[((b * c + ch) * h + y) * w + xx] = p2.data[((b * h + y) * w + xx) * c + ch] as number;
  const f1 = dense(flat, n, 'fc1.weight', 'fc1.bias', true);
  const f2 = dense(f1, n, 'fc2.weight', 'fc2.bias', true);
  return dense(f2, n, 'fc3.weight', 'fc3.bias', false);
}
