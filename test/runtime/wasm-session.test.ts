/**
 * The WebAssembly engine (layers/native-runtime/prebuilt/mindlet-engine.wasm, built by scripts/build-wasm.sh from the
 * same C++ as the native addon) against the native engine: the real corpus files and the reference networks give
 * the same outputs, bad inputs and bad graphs the same errors, and an engine error (a wasm trap) is reported like
 * the native one and leaves the engine and its other sessions working.
 *
 * Tolerance: outputs agree within 1e-5 L∞-relative error (largest |Δ| over the output's largest magnitude, see
 * test/tools/compare.ts). The two builds run the same kernels but not the same float32 arithmetic: SIMD128 has no
 * fused multiply-add (two roundings where AVX2 has one), and the wasm GEMM tile (4×8) and vector width (4 lanes)
 * sum in another order than AVX2's 6×16 / AVX-512's 14×32. That costs a few ulp per layer; measured at most
 * 1.2e-6 (MobileNetV2, MobileFaceNet), so 1e-5 leaves ~10× headroom while any kernel computing something else
 * moves outputs by orders of magnitude more.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMindletError } from '../../src/errors.js';
import type { Model } from '../../src/graph/types.js';
import { decodeMindir } from '../../src/mindir/index.js';
import { loadModel } from '../../src/model/load.js';
import { buildGraphSpec } from '../../src/runtime/graph-spec.js';
import { createSession } from '../../src/runtime/index.js';
import type { Session } from '../../src/runtime/types.js';
import { encodeGraphSpec, instantiateEngine, loadWasmEngine, wasmEnginePath } from '../../src/runtime/wasm/index.js';
import type { WasmEngine } from '../../src/runtime/wasm/types.js';
import type { NamedTensor, Tensor } from '../../src/tensor/types.js';
import { compareOutputs } from '../tools/compare.js';
import { f32, opModel, seededRandom } from '../tools/op-model.js';
import { fixture, liteFixture, repoRoot } from '../tools/proto-encode.js';
import { buildReferenceNet, type ReferenceNetName } from '../tools/reference-nets/index.js';

const BOUND = 1e-5;

let engine: WasmEngine;
const open: Session[] = [];
beforeAll(async () => {
  engine = await loadWasmEngine();
});
afterAll(() => {
  for (const s of open) s.close();
});

function both(model: Model): { wasm: Session; native: Session } {
  const wasm = engine.createSession(model);
  const native = createSession(model, { threads: 2 });
  open.push(wasm, native);
  return { wasm, native };
}

function expectClose(got: NamedTensor[], want: NamedTensor[], what: string): void {
  expect(got.map((t) => [t.name, t.dtype, t.shape])).toEqual(want.map((t) => [t.name, t.dtype, t.shape]));
  got.forEach((g, k) => {
    const c = compareOutputs(g.data as Float32Array, want[k]?.data as Float32Array);
    expect(c.relative, `${what} output ${g.name}: max |Δ| ${c.maxAbs} at scale ${c.scale}`).toBeLessThanOrEqual(BOUND);
  });
}

function randomInput(shape: number[], seed: number): Tensor {
  const random = seededRandom(seed);
  return f32(shape, () => random());
}

async function failure(fn: () => unknown): Promise<{ code: string; message: string }> {
  try {
    await fn();
  } catch (error) {
    if (!isMindletError(error)) throw error;
    return { code: error.code, message: error.message };
  }
  throw new Error('expected an error');
}

const floats = (file: string) => new Float32Array(Uint8Array.from(readFileSync(liteFixture(file))).buffer);

describe('the WebAssembly engine on the real corpus', () => {
  it('LeNet-class ori_net.mindir gives the native outputs', async () => {
    const { wasm, native } = both(await loadModel(fixture('ori_net.mindir')));
    for (const seed of [1, 2]) {
      const x = randomInput([1, 1, 32, 32], seed);
      expectClose(await wasm.run([x]), await native.run([x]), 'ori_net');
    }
    expect(wasm.stats().fusedActivation).toBe(native.stats().fusedActivation);
    expect(wasm.stats().nodes).toBe(native.stats().nodes);
    expect(wasm.threads).toBe(1);
  });

  it('relu.mindir and the Add exports (plain and encrypted) give exactly the native outputs', async () => {
    const relu = both(await loadModel(fixture('relu.mindir')));
    const x = f32([1, 1, 2, 2], (i) => [1, 2, -3, -4][i] ?? 0);
    const [y] = await relu.wasm.run([x]);
    expect(Array.from(y?.data as Float32Array)).toEqual([1, 2, 0, 0]);
    const key = Buffer.from('0123456789ABCDEF', 'ascii').toString('hex');
    for (const [file, options] of [
      ['add_no_encrpty.mindir', {}],
      ['add_encrpty_key_0123456789ABCDEF.mindir', { key }],
    ] as const) {
      const add = both(await loadModel(fixture(file), options));
      const inputs = [f32([2, 2], (i) => i + 0.25), f32([2, 2], (i) => 10 * i - 3)];
      const [got] = await add.wasm.run(inputs);
      const [want] = await add.native.run(inputs);
      expect(Array.from(got?.data as Float32Array)).toEqual(Array.from(want?.data as Float32Array));
    }
  });

  it('lenet_tod_infer.ms (MindSpore Lite) gives the native outputs', async () => {
    const { wasm, native } = both(await loadModel(liteFixture('lenet_tod_infer.ms')));
    const x = randomInput([2, 32, 32, 1], 5);
    expectClose(await wasm.run([x]), await native.run([x]), 'lenet_tod_infer');
  });

  it('mobilefacenet0924.ms gives the native outputs and MindSpore Lite’s recorded embedding', async () => {
    const { wasm, native } = both(await loadModel(liteFixture('mobilefacenet0924.ms')));
    const x = f32([1, 112, 112, 3], () => 0);
    x.data.set(floats('facenet_input.f32'));
    const got = await wasm.run([x]);
    expectClose(got, await native.run([x]), 'mobilefacenet');
    // The native engine meets this file's own bound (test/mslite/golden.test.ts); so must wasm.
    expect(compareOutputs(got[0]?.data as Float32Array, floats('facenet_output.f32')).relative).toBeLessThan(1e-5);
    expect(wasm.stats().fusedScale).toBe(native.stats().fusedScale);
  });
});

describe('the WebAssembly engine on the reference networks', () => {
  async function compareNet(name: ReferenceNetName, batches: number[]): Promise<void> {
    const net = buildReferenceNet(name);
    const { wasm, native } = both(decodeMindir(net.mindir, { label: `${name}.mindir` }));
    for (const batch of batches) {
      const inputs = net
        .sampleInputs(batch)
        .map((t) => ({ dtype: 'float32' as const, shape: t.shape, data: t.data as Float32Array }));
      expectClose(await wasm.run(inputs), await native.run(inputs), `${name} batch ${batch}`);
    }
    const stats = wasm.stats();
    expect(stats.fusedBatchNorm).toBe(native.stats().fusedBatchNorm);
    expect(stats.plans).toBe(batches.length);
  }

  it('LeNet-5', async () => {
    await compareNet('lenet5', [1, 3]);
  });
  it('MobileNetV2', async () => {
    await compareNet('mobilenetv2', [1, 2]);
  }, 60_000);
  it('ResNet-50', async () => {
    await compareNet('resnet50', [1, 2]);
  }, 60_000);
});

describe('the WebAssembly build’s own vector code agrees with the native AVX2 code', () => {
  // The kernels with x86 intrinsics outside the ISA-generic templates have SIMD128 twins: exercise each one,
  // with lengths that leave 4- and 8-lane tails, against the native engine.
  const random = seededRandom(11);
  const values = (n: number, scale: number) => Array.from({ length: n }, () => random() * scale);

  async function agree(model: Model, inputs: Tensor[], what: string): Promise<NamedTensor[]> {
    const { wasm, native } = both(model);
    const got = await wasm.run(inputs);
    expectClose(got, await native.run(inputs), what);
    return got;
  }

  it('unary math and activations (exp overflow, NaN, clamps)', async () => {
    const ops = ['Exp', 'Erf', 'Sigmoid', 'Tanh', 'GeLU', 'FastGeLU', 'SiLU', 'HSwish', 'HSigmoid', 'ReLU', 'ReLU6'];
    const model = opModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [3, 37] }],
      nodes: ops.map((op) => ({ op, inputs: ['x'], outputs: [op] })),
      outputs: ops,
    });
    const x = values(111, 9);
    x[0] = Number.NaN; // vector lane 0 in both builds: clamps and compares must treat NaN alike
    x[1] = 95; // exp overflows to +inf in both
    const input = { dtype: 'float32' as const, shape: [3, 37], data: Float32Array.from(x) };
    const { wasm, native } = both(model);
    const got = await wasm.run([input]);
    const want = await native.run([input]);
    got.forEach((g, k) => {
      const a = g.data as Float32Array;
      const b = want[k]?.data as Float32Array;
      // Non-finite results identical, the finite ones within the bound.
      const special = (v: number) => !Number.isFinite(v);
      expect(
        Array.from(a, (v) => (special(v) ? String(v) : '')),
        g.name,
      ).toEqual(Array.from(b, (v) => (special(v) ? String(v) : '')));
      const finite = (arr: Float32Array) => arr.filter((_, i) => !special(a[i] as number));
      const c = compareOutputs(finite(a), finite(b));
      expect(c.relative, `${g.name}: max |Δ| ${c.maxAbs} at scale ${c.scale}`).toBeLessThanOrEqual(BOUND);
    });
    expect(got[0]?.data[1]).toBe(Number.POSITIVE_INFINITY);
  });

  it('binary arithmetic, full rows and scalar broadcast', async () => {
    const ops = ['Add', 'Sub', 'Mul', 'RealDiv', 'Maximum', 'Minimum'];
    const model = opModel({
      inputs: [
        { name: 'a', dtype: 'float32', shape: [4, 19] },
        { name: 'b', dtype: 'float32', shape: [4, 19] },
      ],
      constants: { k: { shape: [1], data: [0.75] } },
      nodes: ops.flatMap((op) => [
        { op, inputs: ['a', 'b'], outputs: [op] },
        { op, inputs: ['k', 'b'], outputs: [`${op}k`] },
      ]),
      outputs: ops.flatMap((op) => [op, `${op}k`]),
    });
    const a = f32([4, 19], () => random() * 4);
    const b = f32([4, 19], () => random() * 4 + 4.5);
    await agree(model, [a, b], 'binary');
  });

  it('softmax and log-softmax over the last axis and a strided one, layer norm, reductions', async () => {
    const model = opModel({
      inputs: [
        { name: 'x', dtype: 'float32', shape: [6, 37] },
        { name: 'c', dtype: 'float32', shape: [5, 19] },
      ],
      constants: { g: { shape: [37], data: values(37, 1) }, be: { shape: [37], data: values(37, 1) } },
      nodes: [
        { op: 'Softmax', inputs: ['x'], outputs: ['sm'], attrs: { axis: [-1] } },
        { op: 'LogSoftmax', inputs: ['x'], outputs: ['lsm'], attrs: { axis: [-1] } },
        { op: 'Softmax', inputs: ['c'], outputs: ['smc'], attrs: { axis: [0] } },
        { op: 'LogSoftmax', inputs: ['c'], outputs: ['lsmc'], attrs: { axis: [0] } },
        {
          op: 'LayerNorm',
          inputs: ['x', 'g', 'be'],
          outputs: ['ln', 'mean', 'var'],
          attrs: { begin_norm_axis: -1, begin_params_axis: -1, epsilon: 1e-5 },
        },
        { op: 'ReduceSum', inputs: ['x'], outputs: ['sum'], attrs: { axis: [-1], keep_dims: false } },
        { op: 'ReduceMax', inputs: ['x'], outputs: ['max'], attrs: { axis: [-1], keep_dims: false } },
      ],
      outputs: ['sm', 'lsm', 'smc', 'lsmc', 'ln', 'mean', 'var', 'sum', 'max'],
    });
    const x = f32([6, 37], () => random() * 6 + 2);
    const c = f32([5, 19], () => random() * 6);
    await agree(model, [x, c], 'softmax/norm/reduce');
  });

  it('the float 2-D transpose (8×8 tiles and their tails) is exact', async () => {
    const model = opModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [2, 19, 35] }],
      constants: { perm: { shape: [3], data: [0, 2, 1], dtype: 'int64' } },
      nodes: [{ op: 'Transpose', inputs: ['x', 'perm'] }],
    });
    const x = f32([2, 19, 35], (i) => i);
    const [y] = await agree(model, [x], 'transpose');
    expect(y?.shape).toEqual([2, 35, 19]);
    expect(y?.data[1]).toBe(35);
    expect(y?.data[19 * 35 + 19]).toBe(19 * 35 + 1);
  });
});

describe('the WebAssembly session API', () => {
  const addModel = () =>
    opModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 3] }],
      constants: { b: { shape: [3], data: [1, 2, 3] } },
      nodes: [{ op: 'Add', inputs: ['x', 'b'] }],
    });

  it('re-plans per batch size and keeps the plan cache bounded (dynamic batch)', async () => {
    const session = engine.createSession(addModel());
    const small = engine.createSession(addModel(), { planCacheSize: 1 });
    open.push(session, small);
    for (const batch of [1, 5, 2, 5]) {
      const x = f32([batch, 3], (i) => i);
      const [byPosition] = await session.run([x]);
      const [byName] = await small.run({ x });
      expect(byPosition?.shape).toEqual([batch, 3]);
      expect(Array.from(byPosition?.data as Float32Array)).toEqual(Array.from(x.data, (v, i) => v + (i % 3) + 1));
      expect(byName?.data).toEqual(byPosition?.data);
    }
    expect(session.stats().plans).toBe(3);
    expect(small.stats().plans).toBe(1);
  });

  it('rejects bad inputs with the native codes and messages', async () => {
    const { wasm, native } = both(addModel());
    const before = engine.resets();
    const cases: unknown[] = [
      [f32([2, 4], () => 0)],
      [f32([3], () => 0)],
      [{ dtype: 'int32', shape: [1, 3], data: new Int32Array(3) }],
      [{ dtype: 'float32', shape: [1, 3], data: new Float32Array(2) }],
      [{ dtype: 'float32', shape: [1, 3], data: new Float64Array(3) }],
      [{ dtype: 'float32', shape: [1.5, 3], data: new Float32Array(3) }],
      [],
      { y: f32([1, 3], () => 0) },
      {},
    ];
    for (const inputs of cases) {
      const got = await failure(() => wasm.run(inputs as never));
      expect(got.code).toBe('INVALID_ARGUMENT');
      expect(got).toEqual(await failure(() => native.run(inputs as never)));
    }
    // Checked in TypeScript: nothing reached the engine, so nothing trapped.
    expect(engine.resets()).toBe(before);
  });

  it('refuses unknown ops by name, as the native engine does', async () => {
    const model = opModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [2] }],
      nodes: [
        { op: 'FancyOp', inputs: ['x'], outputs: ['a'] },
        { op: 'ReLU', inputs: ['a'], outputs: ['b'] },
      ],
    });
    const got = await failure(() => engine.createSession(model));
    expect(got.code).toBe('UNSUPPORTED');
    expect(got.message).toContain('FancyOp (node node0_FancyOp)');
    expect(got).toEqual(await failure(() => createSession(model)));
    expect(engine.supportedOps().has('FancyOp')).toBe(false);
    expect(engine.supportedOps().has('Conv2D')).toBe(true);
  });

  it('refuses runs after close', async () => {
    const session = engine.createSession(addModel());
    session.close();
    expect((await failure(() => session.run([f32([1, 3], () => 0)]))).message).toMatch(/closed/);
  });
});

describe('engine errors inside WebAssembly (traps)', () => {
  // Shapes pass the TypeScript checks (dynamic dims) but not the engine's Reshape: the error comes from C++.
  const reshapeModel = () =>
    opModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [-1, -1] }],
      constants: { shape: { shape: [2], data: [3, -1], dtype: 'int64' } },
      nodes: [
        { op: 'Reshape', inputs: ['x', 'shape'], outputs: ['r'] },
        { op: 'ReLU', inputs: ['r'] },
      ],
    });

  it('reports a run-time engine error like the native engine, and every session keeps working after it', async () => {
    const before = engine.resets();
    const lenet = buildReferenceNet('lenet5');
    const lenetModel = decodeMindir(lenet.mindir, { label: 'lenet5.mindir' });
    const bystander = engine.createSession(lenetModel);
    const failing = engine.createSession(reshapeModel());
    const native = createSession(reshapeModel(), { threads: 1 });
    open.push(bystander, failing, native);
    const sample = lenet
      .sampleInputs(2)
      .map((t) => ({ dtype: 'float32' as const, shape: t.shape, data: t.data as Float32Array }));
    const first = await bystander.run(sample);

    const got = await failure(() => failing.run([f32([2, 2], () => 1)]));
    expect(got.code).toBe('INVALID_ARGUMENT');
    expect(got.message).toMatch(/cannot reshape \[2,2\] to \[3,-1\]/);
    expect(got).toEqual(await failure(() => native.run([f32([2, 2], () => 1)])));
    expect(engine.resets()).toBe(before + 1);

    // The trapped instance is gone; both sessions rebuild themselves in a fresh one on their next use.
    const [y] = await failing.run([f32([3, 2], (i) => i - 2)]);
    expect(Array.from(y?.data as Float32Array)).toEqual([0, 0, 0, 1, 2, 3]);
    const again = await bystander.run(sample);
    expect(again[0]?.data).toEqual(first[0]?.data);
    expect(engine.resets()).toBe(before + 1);
  });

  it('reports load-time engine errors like the native engine', async () => {
    const badConv = opModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 3, 8, 8] }],
      constants: { w: { shape: [4, 3, 3, 3], data: new Array(108).fill(0.1) } },
      nodes: [
        { op: 'Conv2D', inputs: ['x', 'w'], attrs: { pad_mode: 'circular', kernel_size: [3, 3], out_channel: 4 } },
      ],
    });
    const before = engine.resets();
    const got = await failure(() => engine.createSession(badConv));
    expect(got.code).toBe('UNSUPPORTED');
    expect(got.message).toContain('circular');
    expect(got).toEqual(await failure(() => createSession(badConv)));
    expect(engine.resets()).toBe(before + 1);
    const ok = engine.createSession(
      opModel({ inputs: [{ name: 'x', dtype: 'float32', shape: [2] }], nodes: [{ op: 'ReLU', inputs: ['x'] }] }),
    );
    open.push(ok);
    const [y] = await ok.run([f32([2], (i) => i - 1)]);
    expect(Array.from(y?.data as Float32Array)).toEqual([0, 0]);
  });

  it('a session that keeps no graph fails clearly after a reset instead of rebuilding', async () => {
    const lean = engine.createSession(reshapeModel(), { recreateAfterReset: false });
    const failing = engine.createSession(reshapeModel());
    open.push(lean, failing);
    const [ok] = await lean.run([f32([3, 1], () => 1)]);
    expect(ok?.shape).toEqual([3, 1]);
    await failure(() => failing.run([f32([2, 2], () => 1)]));
    const lost = await failure(() => lean.run([f32([3, 1], () => 1)]));
    expect(lost.code).toBe('INVALID_ARGUMENT');
    expect(lost.message).toMatch(/lost when an engine error reset the WebAssembly engine/);
  });
});

describe('the WebAssembly engine module', () => {
  it('instantiates from a compiled WebAssembly.Module as Workers pass it', async () => {
    const bytes = readFileSync(wasmEnginePath());
    const compiled = await (
      globalThis as unknown as { WebAssembly: { compile(b: Uint8Array): Promise<object> } }
    ).WebAssembly.compile(bytes);
    const fresh = await instantiateEngine(compiled);
    expect(fresh.supportedOps()).toEqual(engine.supportedOps());
    expect(fresh.memoryBytes()).toBeGreaterThan(0);
    const session = fresh.createSession(
      opModel({ inputs: [{ name: 'x', dtype: 'float32', shape: [3] }], nodes: [{ op: 'Sigmoid', inputs: ['x'] }] }),
    );
    const [y] = await session.run([f32([3], (i) => i - 1)]);
    expect(Array.from(y?.data as Float32Array).map((v) => v.toFixed(6))).toEqual(['0.268941', '0.500000', '0.731059']);
    session.close();
  });

  it('refuses bytes that are not the engine', async () => {
    const got = await failure(() => instantiateEngine(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])));
    expect(got.code).toBe('INVALID_FORMAT');
  });

  it('imports only the WASI clock and stdio, which the built-in shim provides', () => {
    const wa = (
      globalThis as unknown as {
        WebAssembly: {
          Module: { new (b: Uint8Array): object; imports(m: object): Array<{ module: string; name: string }> };
        };
      }
    ).WebAssembly;
    const imports = wa.Module.imports(new wa.Module(readFileSync(wasmEnginePath())));
    for (const entry of imports) {
      expect(entry.module).toBe('wasi_snapshot_preview1');
      expect(['clock_time_get', 'fd_write', 'fd_close', 'fd_seek']).toContain(entry.name);
    }
  });

  it('encodes tensor bytes 16-byte aligned and is deterministic', () => {
    const model = opModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [3] }],
      constants: { b: { shape: [3], data: [1, 2, 3] } },
      nodes: [{ op: 'Add', inputs: ['x', 'b'], attrs: { note: 'é', flags: [true, 2n, 0.5], none: null } }],
    });
    const a = encodeGraphSpec(buildGraphSpec(model));
    expect(a).toEqual(encodeGraphSpec(buildGraphSpec(model)));
    const view = new DataView(a.buffer, a.byteOffset, a.byteLength);
    const floatsAt = a.findIndex((_, i) => i % 4 === 0 && i + 4 <= a.length && view.getFloat32(i, true) === 1);
    expect(floatsAt % 16).toBe(0);
    expect(new Float32Array(a.buffer.slice(floatsAt, floatsAt + 12))).toEqual(Float32Array.from([1, 2, 3]));
  });

  it('engine.ts, spec-encode.ts and everything they import have no node: imports (they run in Workers)', () => {
    const seen = new Set<string>();
    const bare: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      // Runtime imports only: `import type` is erased.
      for (const m of text.matchAll(/^(?:import|export)\s+(?!type\s)[^;]*?from\s+'([^']+)'/gms)) {
        const spec = m[1] as string;
        if (!spec.startsWith('.')) bare.push(`${path.relative(repoRoot, file)}: ${spec}`);
        else visit(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')));
      }
    };
    visit(path.join(repoRoot, 'src/runtime/wasm/engine.ts'));
    visit(path.join(repoRoot, 'src/runtime/wasm/spec-encode.ts'));
    expect(seen.size).toBeGreaterThan(5);
    expect(bare).toEqual([]);
  });
});
