/**
 * `mindlet predict`: end to end through the built bin and the real engine on MindSpore-exported fixtures (expected
 * values computed here from the inputs), and the CLI's own logic (input matching, output files, JSON) against a
 * stand-in session.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { predictCommand, type SessionLoader } from '../../src/cli/predict.js';
import { MindletError } from '../../src/errors.js';
import type { TensorInfo } from '../../src/graph/types.js';
import { loadMindir, tensorView } from '../../src/mindir/index.js';
import type { Session, SessionOptions } from '../../src/runtime/types.js';
import { decodeNpy, encodeNpy } from '../../src/tensor/npy.js';
import { encodeNpz } from '../../src/tensor/npz.js';
import type { NamedTensor, Tensor, TensorData } from '../../src/tensor/types.js';
import { fixture, repoRoot } from '../tools/proto-encode.js';

/** A tensor's elements as a plain array, for comparisons. */
function elements(data: TensorData): Array<number | bigint> {
  return Array.from(data as ArrayLike<number | bigint>);
}

const run = promisify(execFile);
const bin = path.join(repoRoot, 'bin', 'mindlet.js');

async function mindlet(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      env: { ...process.env, MINDLET_MODEL_KEY: '' },
      maxBuffer: 64 << 20,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'mindlet-predict-'));
}

function saveNpy(dir: string, name: string, tensor: Tensor): string {
  const file = path.join(dir, name);
  writeFileSync(file, encodeNpy(tensor));
  return file;
}

function f32(shape: number[], values: number[]): Tensor {
  return { dtype: 'float32', shape, data: Float32Array.from(values) };
}

/** Values as float32 rounds them, so expectations compare like with like. */
function asF32(values: number[]): number[] {
  return Array.from(Float32Array.from(values));
}

// The fixtures, as `mindlet inspect` describes them: relu.mindir is ReLU on x [1, 1, 2, 2]; add_no_encrpty.mindir
// is Add on x_ [2, 2] and y_ [2, 2]; ori_net.mindir is LeNet-5 on x [1, 1, 32, 32] giving [1, 10].
describe('mindlet predict (built bin, real engine)', () => {
  it('runs ReLU and prints the result as JSON', async () => {
    const dir = tempDir();
    const x = [-1.5, 0, 2.25, -0.001];
    const input = saveNpy(dir, 'x.npy', f32([1, 1, 2, 2], x));
    const { code, stdout, stderr } = await mindlet('predict', fixture('relu.mindir'), '--input', input, '--json');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.outputs).toHaveLength(1);
    expect(result.outputs[0]).toMatchObject({ dtype: 'float32', shape: [1, 1, 2, 2] });
    expect(result.outputs[0].name).toEqual(expect.any(String));
    expect(result.outputs[0].data).toEqual(asF32(x.map((v) => Math.max(0, v))));
  });

  it('writes the only output with --output', async () => {
    const dir = tempDir();
    const x = [3, -3, 0.5, -0.5];
    const input = saveNpy(dir, 'x.npy', f32([1, 1, 2, 2], x));
    const output = path.join(dir, 'y.npy');
    const { code, stdout } = await mindlet('predict', fixture('relu.mindir'), '-i', input, '--output', output);
    expect(code).toBe(0);
    expect(stdout).toContain(output);
    const y = decodeNpy(readFileSync(output), output);
    expect(y.shape).toEqual([1, 1, 2, 2]);
    expect(elements(y.data)).toEqual(asF32(x.map((v) => Math.max(0, v))));
  });

  it('prints a summary without output options', async () => {
    const dir = tempDir();
    const input = saveNpy(dir, 'x.npy', f32([1, 1, 2, 2], [-1, 2, 4, 6]));
    const { code, stdout } = await mindlet('predict', fixture('relu.mindir'), '--input', input);
    expect(code).toBe(0);
    expect(stdout).toMatch(/float32 {2}\[1, 1, 2, 2\]/);
    expect(stdout).toMatch(/values {2}0, 2, 4, 6/);
    expect(stdout).toMatch(/min 0 {2}max 6 {2}mean 3/);
  });

  it('takes inputs by name, in any order, and writes --output-dir files named after the outputs', async () => {
    const dir = tempDir();
    const x = [1, 2, 3, 4];
    const y = [0.5, -10, 100, 1e-3];
    const a = saveNpy(dir, 'a.npy', f32([2, 2], x));
    const b = saveNpy(dir, 'b.npy', f32([2, 2], y));
    const outDir = path.join(dir, 'out', 'nested');
    const { code, stderr } = await mindlet(
      'predict',
      fixture('add_no_encrpty.mindir'),
      '--input',
      `y_=${b}`,
      '--input',
      `x_=${a}`,
      '--output-dir',
      outDir,
      '--threads',
      '2',
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const files = readdirSync(outDir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^[A-Za-z0-9._-]+\.npy$/);
    const sum = decodeNpy(readFileSync(path.join(outDir, files[0]!)));
    expect(elements(sum.data)).toEqual(asF32(x.map((v, i) => v + y[i]!)));
  });

  it('takes named inputs from an .npz', async () => {
    const dir = tempDir();
    const npz = path.join(dir, 'in.npz');
    writeFileSync(
      npz,
      encodeNpz(
        new Map([
          ['x_', f32([2, 2], [1, 1, 1, 1])],
          ['y_', f32([2, 2], [1, 2, 3, 4])],
        ]),
      ),
    );
    const { code, stdout } = await mindlet('predict', fixture('add_no_encrpty.mindir'), '--input', npz, '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout).outputs[0].data).toEqual([2, 3, 4, 5]);
  });

  it('runs LeNet (ori_net) as a float64 reference interpreter computes it, the same in JSON and in the file', async () => {
    const dir = tempDir();
    const pixels = Array.from({ length: 32 * 32 }, (_, i) => Math.sin(i / 7) * 0.5);
    const input = saveNpy(dir, 'x.npy', f32([1, 1, 32, 32], pixels));
    const json = await mindlet(
      'predict',
      fixture('ori_net.mindir'),
      '--input',
      input,
      '--json',
      '-o',
      path.join(dir, 'y.npy'),
    );
    expect(json.code).toBe(0);
    const [output] = JSON.parse(json.stdout).outputs;
    expect(output.shape).toEqual([1, 10]);
    expect(output.data).toHaveLength(10);
    const expected = await referenceLenet(fixture('ori_net.mindir'), pixels);
    const scale = Math.max(...expected.map(Math.abs));
    expect(scale).toBeGreaterThan(0);
    for (const [index, value] of expected.entries())
      expect(Math.abs(output.data[index] - value)).toBeLessThan(1e-4 * scale);
    expect(elements(decodeNpy(readFileSync(path.join(dir, 'y.npy'))).data)).toEqual(output.data);
  });

  describe('errors', () => {
    const cases: Array<[string, (dir: string) => string[], RegExp]> = [
      [
        'wrong dtype',
        (dir) => [
          '--input',
          saveNpy(dir, 'x.npy', { dtype: 'float64', shape: [1, 1, 2, 2], data: new Float64Array(4) }),
        ],
        /:x \(.*x\.npy\): dtype float64, the model takes float32/,
      ],
      [
        'wrong shape',
        (dir) => ['--input', saveNpy(dir, 'x.npy', f32([2, 2], [1, 2, 3, 4]))],
        /shape \[2, 2\], the model takes \[1, 1, 2, 2\]/,
      ],
      ['missing input file', (dir) => ['--input', path.join(dir, 'nope.npy')], /nope\.npy: no such file/],
      ['input file not .npy', (_dir) => ['--input', fixture('relu.mindir')], /relu\.mindir: not a \.npy file/],
      ['no input', () => [], /missing input 394_391_construct_wrapper\.102:x/],
      [
        'extra input',
        (dir) => {
          const x = saveNpy(dir, 'x.npy', f32([1, 1, 2, 2], [1, 2, 3, 4]));
          return ['--input', x, '--input', x];
        },
        /takes 1 input; extra: .*x\.npy/,
      ],
      [
        'unknown input name',
        (dir) => ['--input', `zz=${saveNpy(dir, 'x.npy', f32([1, 1, 2, 2], [1, 2, 3, 4]))}`],
        /unknown input "zz"/,
      ],
      [
        'input given twice',
        (dir) => {
          const x = saveNpy(dir, 'x.npy', f32([1, 1, 2, 2], [1, 2, 3, 4]));
          return ['--input', x, '--input', `x=${x}`];
        },
        /given twice/,
      ],
      [
        '--output with --output-dir',
        (dir) => [
          '--input',
          saveNpy(dir, 'x.npy', f32([1, 1, 2, 2], [1, 2, 3, 4])),
          '-o',
          'a.npy',
          '--output-dir',
          dir,
        ],
        /--output or --output-dir/,
      ],
      ['--threads not a number', (_dir) => ['--threads', 'many'], /--threads must be a positive integer/],
    ];
    for (const [what, args, message] of cases) {
      it(what, async () => {
        const dir = tempDir();
        const { code, stdout, stderr } = await mindlet('predict', fixture('relu.mindir'), ...args(dir));
        expect(code).toBe(1);
        expect(stdout).toBe('');
        expect(stderr).toMatch(message);
        expect(stderr).toMatch(/^mindlet: /);
        expect(stderr).not.toMatch(/internal error|\n\s+at /);
      });
    }

    it('missing model file', async () => {
      const { code, stderr } = await mindlet('predict', '/nonexistent/model.mindir', '--input', 'x.npy');
      expect(code).toBe(1);
      expect(stderr).toMatch(/model\.mindir: no such file/);
    });
  });

  it('help lists predict and the file-name rule', async () => {
    const { code, stdout } = await mindlet('help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/predict <model> --input/);
    expect(stdout).toMatch(/A-Z a-z 0-9 \. _ -/);
  });
});

/**
 * The ori_net graph evaluated in float64 straight from the loaded model's nodes and weights, for the five ops it
 * uses and only the attribute values it has (anything else throws, so a different fixture cannot pass silently).
 */
async function referenceLenet(file: string, pixels: number[]): Promise<number[]> {
  const { graph } = await loadMindir(file);
  const values = new Map<string, { shape: number[]; data: number[] }>();
  values.set(graph.inputs[0]!.name, { shape: [1, 1, 32, 32], data: Array.from(Float32Array.from(pixels)) });
  for (const [name, weight] of graph.parameters)
    values.set(name, { shape: weight.shape, data: Array.from(tensorView(weight) as Float32Array) });
  for (const [name, value] of graph.constants)
    if (typeof value === 'object' && value !== null && 'kind' in value && value.kind === 'tensor')
      values.set(name, { shape: value.tensor.shape, data: Array.from(tensorView(value.tensor) as Float32Array) });
  const get = (name: string) => {
    const value = values.get(name);
    if (!value) throw new Error(`reference: no value ${name}`);
    return value;
  };
  for (const node of graph.nodes) {
    const x = get(node.inputs[0]!);
    let result: { shape: number[]; data: number[] };
    switch (node.op) {
      case 'ReLU':
        result = { shape: x.shape, data: x.data.map((v) => Math.max(0, v)) };
        break;
      case 'Conv2D': {
        expect(node.attrs.pad_mode).toBe('valid');
        expect(node.attrs.stride).toEqual([1, 1, 1, 1]);
        const w = get(node.inputs[1]!);
        const [, cin, h, wd] = x.shape as [number, number, number, number];
        const [cout, , k] = w.shape as [number, number, number];
        const oh = h - k + 1;
        const ow = wd - k + 1;
        const data = new Array<number>(cout * oh * ow).fill(0);
        for (let o = 0; o < cout; o++)
          for (let i = 0; i < oh; i++)
            for (let j = 0; j < ow; j++) {
              let sum = 0;
              for (let c = 0; c < cin; c++)
                for (let u = 0; u < k; u++)
                  for (let v = 0; v < k; v++)
                    sum += x.data[(c * h + i + u) * wd + j + v]! * w.data[((o * cin + c) * k + u) * k + v]!;
              data[(o * oh + i) * ow + j] = sum;
            }
        result = { shape: [1, cout, oh, ow], data };
        break;
      }
      case 'MaxPool': {
        expect(node.attrs.kernel_size).toEqual([1, 1, 2, 2]);
        expect(node.attrs.strides).toEqual([1, 1, 2, 2]);
        const [, c, h, w] = x.shape as [number, number, number, number];
        const oh = Math.floor(h / 2);
        const ow = Math.floor(w / 2);
        const data: number[] = [];
        for (let ch = 0; ch < c; ch++)
          for (let i = 0; i < oh; i++)
            for (let j = 0; j < ow; j++) {
              const at = (u: number, v: number) => x.data[(ch * h + 2 * i + u) * w + 2 * j + v]!;
              data.push(Math.max(at(0, 0), at(0, 1), at(1, 0), at(1, 1)));
            }
        result = { shape: [1, c, oh, ow], data };
        break;
      }
      case 'Reshape':
        result = { shape: [1, x.data.length], data: x.data };
        break;
      case 'MatMul': {
        expect(node.attrs.transpose_a ?? node.attrs.transpose_x1).toBe(false);
        expect(node.attrs.transpose_b ?? node.attrs.transpose_x2).toBe(false);
        const w = get(node.inputs[1]!);
        const [n, m] = w.shape as [number, number];
        expect(x.data.length).toBe(n);
        const data = new Array<number>(m).fill(0);
        for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) data[j]! += x.data[i]! * w.data[i * m + j]!;
        result = { shape: [1, m], data };
        break;
      }
      default:
        throw new Error(`reference: op ${node.op} is not in ori_net`);
    }
    values.set(node.outputs[0]!, result);
  }
  return get(graph.outputs[0]!.name).data;
}

/** A stand-in session: computes each output from the inputs with `compute`, records what it was given. */
function fakeSession(
  inputs: TensorInfo[],
  outputs: TensorInfo[],
  compute: (given: Tensor[]) => Tensor[],
): { load: SessionLoader; calls: { options?: SessionOptions; closed: boolean; given?: Tensor[] } } {
  const calls: { options?: SessionOptions; closed: boolean; given?: Tensor[] } = { closed: false };
  const session: Session = {
    inputs,
    outputs,
    threads: 1,
    stats: () => ({
      nodes: 0,
      folded: 0,
      fusedBatchNorm: 0,
      fusedBias: 0,
      fusedScale: 0,
      fusedActivation: 0,
      fusedResidual: 0,
      plans: 0,
      threads: 1,
      releasedBytes: 0,
      opTimes: {},
    }),
    async run(given) {
      if (!Array.isArray(given)) throw new Error('predict passes inputs by position');
      calls.given = given;
      return compute(given).map((tensor, index): NamedTensor => ({ ...tensor, name: outputs[index]!.name }));
    },
    close() {
      calls.closed = true;
    },
  };
  return {
    calls,
    load: async (_model, options) => {
      calls.options = options;
      return session;
    },
  };
}

async function predict(
  load: SessionLoader,
  options: Partial<Parameters<typeof predictCommand>[1]>,
): Promise<{ lines: string[]; error?: MindletError }> {
  const lines: string[] = [];
  try {
    await predictCommand('model.mindir', { inputs: [], json: false, ...options }, (line) => lines.push(line), load);
    return { lines };
  } catch (error) {
    if (error instanceof MindletError) return { lines, error };
    throw error;
  }
}

describe('predict logic (stand-in session)', () => {
  const twoIn: TensorInfo[] = [
    { name: 'g:a', dtype: 'float32', shape: [-1, 2] },
    { name: 'g:b', dtype: 'int32', shape: [2] },
  ];

  it('matches inputs by position, full name and short name, and passes --threads and --key on', async () => {
    const dir = tempDir();
    const a = saveNpy(dir, 'a.npy', f32([3, 2], [1, 2, 3, 4, 5, 6]));
    const b = saveNpy(dir, 'b.npy', { dtype: 'int32', shape: [2], data: Int32Array.of(7, 8) });
    for (const inputs of [
      [a, b],
      [`b=${b}`, a],
      [`g:b=${b}`, `g:a=${a}`],
      [a, `b=${b}`],
    ]) {
      const fake = fakeSession(twoIn, [{ name: 'out', dtype: 'float32', shape: [-1, 2] }], ([x]) => [x!]);
      const { error } = await predict(fake.load, { inputs, threads: 3, key: 'abcd' });
      expect(error).toBeUndefined();
      expect(fake.calls.options).toEqual({ threads: 3, key: 'abcd' });
      expect(fake.calls.given?.map((t) => t.dtype)).toEqual(['float32', 'int32']);
      expect(fake.calls.given?.[0]?.shape).toEqual([3, 2]);
      expect(fake.calls.closed).toBe(true);
    }
  });

  it('refuses an ambiguous short name and closes the session', async () => {
    const dir = tempDir();
    const a = saveNpy(dir, 'a.npy', f32([1], [1]));
    const fake = fakeSession(
      [
        { name: 'f:x', dtype: 'float32', shape: [1] },
        { name: 'g:x', dtype: 'float32', shape: [1] },
      ],
      [],
      () => [],
    );
    const { error } = await predict(fake.load, { inputs: [`x=${a}`, a] });
    expect(error?.code).toBe('INVALID_ARGUMENT');
    expect(error?.message).toMatch(/"x" .* is ambiguous/);
    expect(fake.calls.closed).toBe(true);
  });

  const manyOut: TensorInfo[] = [
    { name: 'net/out:0', dtype: 'int64', shape: [3] },
    { name: 'net\\out:0', dtype: 'float32', shape: [4] },
    { name: '..', dtype: 'bool', shape: [2] },
    { name: 'half', dtype: 'float16', shape: [3] },
  ];
  const manyValues: Tensor[] = [
    { dtype: 'int64', shape: [3], data: BigInt64Array.of(2n ** 53n + 1n, -5n, 2n ** 53n - 1n) },
    f32([4], [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.5]),
    { dtype: 'bool', shape: [2], data: Uint8Array.of(1, 0) },
    { dtype: 'float16', shape: [3], data: Uint16Array.of(0x3c00, 0xc100, 0x0001) },
  ];

  it('refuses --output when the model has several outputs', async () => {
    const fake = fakeSession([], manyOut, () => manyValues);
    const { error } = await predict(fake.load, { output: 'x.npy' });
    expect(error?.code).toBe('INVALID_ARGUMENT');
    expect(error?.message).toMatch(/4 outputs .* use --output-dir/);
  });

  it('writes every output to --output-dir under a safe, distinct file name', async () => {
    const dir = tempDir();
    const fake = fakeSession([], manyOut, () => manyValues);
    const { error, lines } = await predict(fake.load, { outputDir: dir });
    expect(error).toBeUndefined();
    const files = readdirSync(dir).sort();
    expect(files).toHaveLength(4);
    for (const file of files) expect(file).toMatch(/^[A-Za-z0-9._-]+\.npy$/);
    expect(files).toContain('net_out_0.npy');
    expect(files).toContain('half.npy');
    expect(new Set(files.map((f) => f.toLowerCase())).size).toBe(4);
    expect(lines).toHaveLength(4);
    // each file holds its own output
    const byName = new Map(files.map((file) => [file, decodeNpy(readFileSync(path.join(dir, file)))]));
    expect(byName.get('net_out_0.npy')?.dtype).toBe('int64');
    expect(byName.get('half.npy')?.data).toEqual(manyValues[3]!.data);
    expect([...byName.values()].map((t) => t.dtype).sort()).toEqual(['bool', 'float16', 'float32', 'int64']);
  });

  it('prints JSON with exact 64-bit integers, named non-finite values, decoded halves and booleans', async () => {
    const fake = fakeSession([], manyOut, () => manyValues);
    const { lines } = await predict(fake.load, { json: true });
    expect(lines).toHaveLength(1);
    const { outputs } = JSON.parse(lines[0]!);
    expect(outputs.map((o: { name: string }) => o.name)).toEqual(manyOut.map((o) => o.name));
    expect(outputs[0].data).toEqual([(2n ** 53n + 1n).toString(), -5, 2 ** 53 - 1]);
    expect(outputs[1].data).toEqual(['NaN', 'Infinity', '-Infinity', 0.5]);
    expect(outputs[2].data).toEqual([true, false]);
    expect(outputs[3].data).toEqual([1, -2.5, 2 ** -24]);
    expect(outputs[3].shape).toEqual([3]);
  });

  it('summarises NaN-only and empty outputs without failing', async () => {
    const fake = fakeSession(
      [],
      [
        { name: 'nan', dtype: 'float32', shape: [2] },
        { name: 'empty', dtype: 'float32', shape: [0, 3] },
        { name: 'many', dtype: 'int32', shape: [20] },
      ],
      () => [
        f32([2], [Number.NaN, Number.NaN]),
        f32([0, 3], []),
        { dtype: 'int32', shape: [20], data: Int32Array.from({ length: 20 }, (_, i) => i) },
      ],
    );
    const { lines } = await predict(fake.load, {});
    const text = lines.join('\n');
    expect(text).toMatch(/all 2 values are NaN/);
    expect(text).toMatch(/empty {2}float32 {2}\[0, 3\]\n {2}\(no elements\)/);
    expect(text).toMatch(/values {2}0, 1, 2, 3, 4, 5, 6, 7, … \(20 in all\)/);
    expect(text).toMatch(/min 0 {2}max 19 {2}mean 9\.5/);
  });

  it('reports an output directory it cannot create', async () => {
    const dir = tempDir();
    const blocker = path.join(dir, 'file');
    writeFileSync(blocker, '');
    const fake = fakeSession([], manyOut, () => manyValues);
    const { error } = await predict(fake.load, { outputDir: path.join(blocker, 'sub') });
    expect(error).toBeInstanceOf(MindletError);
    expect(existsSync(path.join(blocker, 'sub'))).toBe(false);
  });
});
