import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isMindletError } from '../../src/errors.js';
import { createSession, loadSession } from '../../src/runtime/index.js';
import { f32, opModel, seededRandom } from '../tools/op-model.js';
import { repoRoot } from '../tools/proto-encode.js';

const fixtures = path.join(repoRoot, 'test/fixtures/mindir');

async function rejection(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (!isMindletError(error)) throw error;
    return { code: error.code, message: error.message };
  }
  throw new Error('expected a rejection');
}

function thrown(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (!isMindletError(error)) throw error;
    return { code: error.code, message: error.message };
  }
  throw new Error('expected an error');
}

describe('sessions on real MindSpore exports', () => {
  it('runs relu.mindir', async () => {
    const session = await loadSession(path.join(fixtures, 'relu.mindir'), { threads: 1 });
    const x = f32([1, 1, 2, 2], (i) => [-1.5, 2, 0, -0][i] ?? 0);
    const [y] = await session.run([x]);
    expect(y?.shape).toEqual([1, 1, 2, 2]);
    expect(Array.from(y?.data as Float32Array)).toEqual([0, 2, 0, 0]);
    session.close();
  });

  it('runs the Add exports: plain, encrypted (key from the secret) and the docs sample tensor_add.mindir', async () => {
    const x = f32([2, 2], (i) => i + 0.25);
    const y = f32([2, 2], (i) => 10 * i - 3);
    // x + y of these values is exact in float32, so the outputs must equal it bit for bit.
    const expected = Array.from(x.data, (v, i) => v + (y.data[i] ?? 0));
    const plain = await loadSession(path.join(fixtures, 'add_no_encrpty.mindir'));
    const encrypted = await loadSession(path.join(fixtures, 'add_encrpty_key_0123456789ABCDEF.mindir'), {
      key: Buffer.from('0123456789ABCDEF', 'ascii').toString('hex'),
    });
    const docsSample = await loadSession(path.join(fixtures, 'tensor_add.mindir'), { threads: 1 });
    for (const session of [plain, encrypted, docsSample]) {
      const [out] = await session.run([x, y]);
      expect(Array.from(out?.data as Float32Array)).toEqual(expected);
      session.close();
    }
  });
});

describe('the session API', () => {
  const addModel = () =>
    opModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 3] }],
      constants: { b: { shape: [3], data: [1, 2, 3] } },
      nodes: [{ op: 'Add', inputs: ['x', 'b'] }],
    });

  it('takes inputs by position or by name, and re-plans for each batch size', async () => {
    const session = createSession(addModel(), { threads: 2 });
    for (const batch of [1, 5, 2, 5]) {
      const x = f32([batch, 3], (i) => i);
      const [byPosition] = await session.run([x]);
      const [byName] = await session.run({ x });
      expect(byPosition?.shape).toEqual([batch, 3]);
      expect(Array.from(byPosition?.data as Float32Array)).toEqual(Array.from(x.data, (v, i) => v + (i % 3) + 1));
      expect(byName?.data).toEqual(byPosition?.data);
    }
    expect(session.stats().plans).toBe(3);
  });

  it('rejects inputs that do not match the signature, naming the input', async () => {
    const session = createSession(addModel());
    const cases: Array<[unknown, RegExp]> = [
      [[f32([2, 4], () => 0)], /input x must have shape \[\?, 3\], got \[2, 4\]/],
      [[f32([3], () => 0)], /input x must have shape/],
      [[{ dtype: 'int32', shape: [1, 3], data: new Int32Array(3) }], /input x must be float32, got int32/],
      [[{ dtype: 'float32', shape: [1, 3], data: new Float32Array(2) }], /needs 3 values, data has 2/],
      [[{ dtype: 'float32', shape: [1, 3], data: new Float64Array(3) }], /data must be a Float32Array/],
      [[], /takes 1 input \(x\), got 0/],
      [{ y: f32([1, 3], () => 0) }, /unknown input y/],
      [{}, /missing input x/],
    ];
    for (const [inputs, message] of cases) {
      const error = await rejection(session.run(inputs as never));
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.message).toMatch(message);
    }
  });

  it('names every unsupported operator and its node at load', () => {
    const model = opModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [2] }],
      nodes: [
        { op: 'FancyOp', inputs: ['x'], outputs: ['a'] },
        { op: 'ReLU', inputs: ['a'], outputs: ['b'] },
        { op: 'OtherOp', inputs: ['b'], outputs: ['c'] },
      ],
    });
    const error = thrown(() => createSession(model));
    expect(error.code).toBe('UNSUPPORTED');
    expect(error.message).toContain('FancyOp (node node0_FancyOp)');
    expect(error.message).toContain('OtherOp (node node2_OtherOp)');
  });

  it('gives correct results to many concurrent runs', async () => {
    const session = createSession(addModel(), { threads: 2 });
    const random = seededRandom(7);
    const inputs = Array.from({ length: 40 }, (_, k) => f32([1 + (k % 4), 3], () => random()));
    const outputs = await Promise.all(inputs.map((x) => session.run([x])));
    outputs.forEach(([out], k) => {
      const x = inputs[k]?.data as Float32Array;
      expect(Array.from(out?.data as Float32Array)).toEqual(Array.from(x, (v, i) => Math.fround(v + (i % 3) + 1)));
    });
  });

  it('runs off the JS thread: timers fire while a long inference runs', async () => {
    const nodes = Array.from({ length: 40 }, (_, i) => ({
      op: i % 2 ? 'Tanh' : 'Sigmoid',
      inputs: [i === 0 ? 'x' : `v${i - 1}`],
      outputs: [`v${i}`],
    }));
    const session = createSession(opModel({ inputs: [{ name: 'x', dtype: 'float32', shape: [1 << 21] }], nodes }), {
      threads: 1,
    });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    await session.run([f32([1 << 21], (i) => (i % 100) / 50 - 1)]);
    clearInterval(timer);
    // 80 M transcendental evaluations on one thread take far longer than a few 1 ms ticks; had the run blocked
    // the event loop, no interval callback could have run before it finished.
    expect(ticks).toBeGreaterThan(2);
  });

  it('folds constant-only nodes at load and keeps results exact', async () => {
    const model = opModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [4] }],
      constants: { a: { shape: [4], data: [1, 2, 3, 4] }, b: { shape: [4], data: [10, 20, 30, 40] } },
      nodes: [
        { op: 'Mul', inputs: ['a', 'b'], outputs: ['ab'] },
        { op: 'Add', inputs: ['x', 'ab'], outputs: ['y'] },
      ],
    });
    const session = createSession(model);
    const stats = session.stats();
    expect(stats.folded).toBe(1);
    expect(stats.nodes).toBe(1);
    const [y] = await session.run([f32([4], (i) => i)]);
    expect(Array.from(y?.data as Float32Array)).toEqual([10, 41, 92, 163]);
  });

  it('computes shapes from Shape at plan time (dynamic batch reshape)', async () => {
    const model = opModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 2, 3] }],
      constants: { six: { shape: [1], data: [6], dtype: 'int64' }, zero: { shape: [1], data: [0], dtype: 'int64' } },
      values: {},
      nodes: [
        { op: 'Shape', inputs: ['x'], outputs: ['s'] },
        { op: 'Mul', inputs: ['s', 'zero'], outputs: ['z'] },
        { op: 'ReLU', inputs: ['x'], outputs: ['r'] },
        { op: 'Reshape', inputs: ['r', 'six'], outputs: ['flat'] },
      ],
      outputs: ['flat', 'z'],
    });
    const session = createSession(model);
    const [flat, z] = await session.run([f32([1, 2, 3], (i) => i - 2)]);
    expect(flat?.shape).toEqual([6]);
    expect(Array.from(flat?.data as Float32Array)).toEqual([0, 0, 0, 1, 2, 3]);
    expect(z?.dtype).toBe('int64');
    expect(Array.from(z?.data as BigInt64Array)).toEqual([0n, 0n, 0n]);
  });

  it('refuses to run after close', async () => {
    const session = createSession(addModel());
    session.close();
    expect((await rejection(session.run([f32([1, 3], () => 0)]))).message).toMatch(/closed/);
  });

  it('reports engine shape errors as INVALID_ARGUMENT naming the node', async () => {
    const model = opModel({
      inputs: [
        { name: 'a', dtype: 'float32', shape: [-1, 3] },
        { name: 'b', dtype: 'float32', shape: [-1, 3] },
      ],
      nodes: [{ op: 'Add', inputs: ['a', 'b'] }],
    });
    const session = createSession(model);
    const error = await rejection(session.run([f32([2, 3], () => 1), f32([3, 3], () => 1)]));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(/Add node node0_Add: cannot broadcast shapes \[2,3\] and \[3,3\]/);
  });
});

describe('engine errors on bad models and inputs', () => {
  it('rejects a convolution whose weight does not fit its input, naming the node', async () => {
    const model = opModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 3, 8, 8] }],
      constants: { w: { shape: [4, 5, 3, 3], data: new Array(180).fill(0.1) } },
      nodes: [{ op: 'Conv2D', inputs: ['x', 'w'], attrs: { pad_mode: 'same', kernel_size: [3, 3], out_channel: 4 } }],
    });
    const session = createSession(model);
    const error = await rejection(session.run([f32([1, 3, 8, 8], () => 1)]));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain('Conv2D');
    expect(error.message).toContain('node0_Conv2D');
  });

  it('rejects out-of-range Gather indices at run time instead of reading outside the table', async () => {
    const model = opModel({
      inputs: [{ name: 'ids', dtype: 'int32', shape: [-1] }],
      constants: {
        table: { shape: [4, 2], data: [0, 1, 2, 3, 4, 5, 6, 7] },
        axis: { shape: [], data: [0], dtype: 'int64' },
      },
      nodes: [{ op: 'Gather', inputs: ['table', 'ids', 'axis'] }],
    });
    const session = createSession(model);
    const ok = await session.run([{ dtype: 'int32', shape: [2], data: Int32Array.from([3, 1]) }]);
    expect(Array.from(ok[0]?.data as Float32Array)).toEqual([6, 7, 2, 3]);
    const error = await rejection(session.run([{ dtype: 'int32', shape: [2], data: Int32Array.from([1, 4]) }]));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(/Gather/);
  });

  it('keeps serving after a failed run', async () => {
    const model = opModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [-1, -1] }],
      constants: { shape: { shape: [2], data: [3, -1], dtype: 'int64' } },
      nodes: [
        { op: 'Reshape', inputs: ['x', 'shape'], outputs: ['r'] },
        { op: 'ReLU', inputs: ['r'] },
      ],
    });
    const session = createSession(model);
    expect((await rejection(session.run([f32([2, 2], () => 1)]))).message).toMatch(
      /cannot reshape \[2,2\] to \[3,-1\]/,
    );
    const [y] = await session.run([f32([3, 2], (i) => i - 2)]);
    expect(Array.from(y?.data as Float32Array)).toEqual([0, 0, 0, 1, 2, 3]);
  });
});
