/**
 * The batch pipeline on local folders with real models: the bundled LeNet example (fixed batch of 1) and the
 * reference LeNet-5 (dynamic batch, micro-batched). Every prediction is compared with `session.run` on the same
 * record; re-runs and changed inputs show the status file's idempotency.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchPipeline } from '../../src/batch/pipeline.js';
import { runBatch } from '../../src/batch/run.js';
import { listBatchStatus } from '../../src/batch/status.js';
import type { ObjectStatus } from '../../src/batch/types.js';
import { loadSession } from '../../src/runtime/session.js';
import type { Session } from '../../src/runtime/types.js';
import { decodeNpy, encodeNpy } from '../../src/tensor/npy.js';
import { decodeNpz, encodeNpz } from '../../src/tensor/npz.js';
import type { Tensor } from '../../src/tensor/types.js';
import { buildReferenceNet } from '../tools/reference-nets/index.js';

const EXAMPLE = path.resolve('examples/models/lenet/1/model.mindir');
/** Same engine, same weights; only the batch dimension differs between a micro-batch and one record (GEMM blocking). */
const TOLERANCE = 1e-5;

let dir: string;
let session: Session;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mindlet-batch-'));
  session = await loadSession(EXAMPLE, { threads: 1 });
});

afterAll(() => {
  session?.close();
  rmSync(dir, { recursive: true, force: true });
});

function digits(count: number, seed: number): Float32Array[] {
  let state = seed;
  return Array.from({ length: count }, () =>
    Float32Array.from({ length: 1024 }, () => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    }),
  );
}

async function expected(record: Float32Array): Promise<Float32Array> {
  const [out] = await session.run([{ dtype: 'float32', shape: [1, 1, 32, 32], data: record }]);
  return out!.data as Float32Array;
}

function close(actual: ArrayLike<number>, wanted: ArrayLike<number>): void {
  expect(actual.length).toBe(wanted.length);
  for (let i = 0; i < wanted.length; i++)
    expect(Math.abs(actual[i]! - wanted[i]!)).toBeLessThanOrEqual(TOLERANCE * Math.max(1, Math.abs(wanted[i]!)));
}

function status(file: string): ObjectStatus {
  return JSON.parse(readFileSync(file, 'utf8')) as ObjectStatus;
}

describe('batch pipeline on local folders (bundled LeNet, fixed batch 1)', () => {
  const records = digits(6, 7);
  let input: string;
  let output: string;

  beforeAll(() => {
    input = path.join(dir, 'lenet-in');
    output = path.join(dir, 'lenet-out');
    mkdirSync(path.join(input, 'day1'), { recursive: true });
    const lines = [
      JSON.stringify({
        id: 'k0',
        inputs: [{ name: 'x', shape: [1, 1, 32, 32], datatype: 'FP32', data: [...records[0]!] }],
      }),
      JSON.stringify({ x: [[Array.from({ length: 32 }, (_, r) => [...records[1]!.subarray(r * 32, r * 32 + 32)])]] }),
      '{"x": [1, 2, 3]}',
      '',
      'not json',
      JSON.stringify({
        id: 'k3',
        inputs: [{ name: 'x', shape: [1, 32, 32], datatype: 'FP32', data: [...records[2]!] }],
      }),
    ];
    writeFileSync(path.join(input, 'day1', 'mixed.jsonl'), `${lines.join('\n')}\n`);
    const stacked = new Float32Array(4 * 1024);
    records.slice(0, 4).forEach((r, i) => {
      stacked.set(r, i * 1024);
    });
    writeFileSync(
      path.join(input, 'day1', 'four.npy'),
      encodeNpy({ dtype: 'float32', shape: [4, 1, 32, 32], data: stacked }),
    );
    writeFileSync(
      path.join(input, 'pair.npz'),
      encodeNpz(new Map([['x', { dtype: 'float32', shape: [2, 1, 32, 32], data: stacked.slice(0, 2048) } as Tensor]])),
    );
    writeFileSync(path.join(input, 'notes.txt'), 'not an input');
  });

  it('predicts every format and writes outputs and status files under the same relative keys', async () => {
    const summary = await runBatch({ modelUri: EXAMPLE, input, output, threads: 1 });
    expect(summary.failedObjects).toBe(0);
    expect(summary.objects.map((o) => path.relative(input, o.input)).sort()).toEqual([
      'day1/four.npy',
      'day1/mixed.jsonl',
      'pair.npz',
    ]);
    expect(summary.records).toEqual({ ok: 9, failed: 2 });

    const jsonl = readFileSync(path.join(output, 'day1', 'mixed.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(jsonl).toHaveLength(5);
    expect(jsonl[0].id).toBe('k0');
    expect(jsonl[0].model_name).toBe('lenet');
    close(jsonl[0].outputs[0].data, await expected(records[0]!));
    close((jsonl[1]['23'] as number[][]).flat(), await expected(records[1]!));
    expect(jsonl[2].error_msg).toMatch(/record 2/);
    expect(jsonl[3].error).toMatch(/record 3/);
    expect(jsonl[4].id).toBe('k3');
    close(jsonl[4].outputs[0].data, await expected(records[2]!));

    const mixed = status(path.join(output, 'day1', 'mixed.jsonl.status.json'));
    expect(mixed.state).toBe('done');
    expect(mixed.records).toEqual({ total: 5, ok: 3, failed: 2 });
    expect(mixed.errors.map((e) => e.record)).toEqual([2, 3]);
    expect(mixed.model.name).toBe('lenet');
    expect(mixed.batchSize).toBe(1);

    const npy = decodeNpy(readFileSync(path.join(output, 'day1', 'four.npy')));
    expect(npy.shape).toEqual([4, 10]);
    for (let i = 0; i < 4; i++)
      close((npy.data as Float32Array).subarray(i * 10, i * 10 + 10), await expected(records[i]!));

    const npz = decodeNpz(readFileSync(path.join(output, 'pair.npz')));
    const out = npz.get('23')!;
    expect(out.shape).toEqual([2, 10]);
    close((out.data as Float32Array).subarray(10, 20), await expected(records[1]!));
  });

  it('does not redo an object whose status says done for the same version; redoes a changed one', async () => {
    const file = path.join(output, 'day1', 'four.npy');
    const before = statSync(file).mtimeMs;
    const again = await runBatch({ modelUri: EXAMPLE, input, output, threads: 1 });
    expect(again.objects.every((o) => o.outcome?.kind === 'skipped')).toBe(true);
    expect(statSync(file).mtimeMs).toBe(before);

    const one = records[5]!;
    writeFileSync(
      path.join(input, 'day1', 'four.npy'),
      encodeNpy({ dtype: 'float32', shape: [1, 1, 32, 32], data: one }),
    );
    const listing = await listBatchStatus(output);
    expect(listing.objects.find((o) => o.key === 'day1/four.npy')).toMatchObject({ state: 'pending', changed: true });

    const third = await runBatch({ modelUri: EXAMPLE, input, output, threads: 1 });
    const kinds = Object.fromEntries(third.objects.map((o) => [path.relative(input, o.input), o.outcome?.kind]));
    expect(kinds).toEqual({ 'day1/four.npy': 'done', 'day1/mixed.jsonl': 'skipped', 'pair.npz': 'skipped' });
    const npy = decodeNpy(readFileSync(file));
    expect(npy.shape).toEqual([1, 10]);
    close(npy.data as Float32Array, await expected(one));

    const after = await listBatchStatus(output);
    expect(after.inputPrefix).toBe(input);
    expect(after.counts).toMatchObject({ done: 3, pending: 0, failed: 0 });
  });

  it('reports an object that fails as a whole and keeps going', async () => {
    const badIn = path.join(dir, 'bad-in');
    const badOut = path.join(dir, 'bad-out');
    mkdirSync(badIn, { recursive: true });
    writeFileSync(
      path.join(badIn, 'a-truncated.npy'),
      encodeNpy({ dtype: 'float32', shape: [2, 1, 32, 32], data: new Float32Array(2048) }).subarray(0, 3000),
    );
    writeFileSync(
      path.join(badIn, 'b-wrong-dtype.npy'),
      encodeNpy({ dtype: 'float64', shape: [1, 1, 32, 32], data: new Float64Array(1024) }),
    );
    writeFileSync(
      path.join(badIn, 'c-good.npy'),
      encodeNpy({ dtype: 'float32', shape: [1, 1, 32, 32], data: records[0]! }),
    );
    const summary = await runBatch({ modelUri: EXAMPLE, input: badIn, output: badOut, threads: 1 });
    expect(summary.failedObjects).toBe(2);
    const [truncated, wrong, good] = summary.objects;
    expect(truncated!.error).toMatch(/truncat|short|end/i);
    expect(truncated!.permanent).toBe(true);
    expect(wrong!.error).toMatch(/float64/);
    expect(good!.outcome?.kind).toBe('done');
    // No partial output for a failed object; its status holds the reason.
    expect(() => statSync(path.join(badOut, 'a-truncated.npy'))).toThrow();
    expect(status(path.join(badOut, 'a-truncated.npy.status.json'))).toMatchObject({ state: 'failed' });
    const listing = await listBatchStatus(badOut);
    expect(listing.counts).toMatchObject({ done: 1, failed: 2 });
  });

  it('refuses overlapping prefixes and inputs outside the input prefix', async () => {
    await expect(runBatch({ modelUri: EXAMPLE, input, output: path.join(input, 'out'), threads: 1 })).rejects.toThrow(
      /overlap/,
    );
    const pipeline = await BatchPipeline.open({
      modelUri: EXAMPLE,
      inputPrefix: input,
      outputPrefix: output,
      threads: 1,
    });
    try {
      await expect(pipeline.process({ input: path.join(dir, 'elsewhere.npy') })).rejects.toThrow(
        /not under the input prefix/,
      );
      expect(await pipeline.process({ input: path.join(input, 'notes.txt') })).toMatchObject({
        kind: 'skipped',
        reason: 'not-an-input',
      });
    } finally {
      await pipeline.close();
    }
  });
});

describe('micro-batching (reference LeNet-5, dynamic batch)', () => {
  it('stacks records into engine runs and gives each record the numbers it gets alone', async () => {
    const net = buildReferenceNet('lenet5');
    const modelFile = path.join(dir, 'lenet5.mindir');
    writeFileSync(modelFile, net.mindir);
    const alone = await loadSession(modelFile, { threads: 1 });
    try {
      const input = path.join(dir, 'dyn-in');
      const output = path.join(dir, 'dyn-out');
      mkdirSync(input, { recursive: true });
      const [sample] = net.sampleInputs(11);
      const shape = sample!.shape;
      writeFileSync(
        path.join(input, 'eleven.npy'),
        encodeNpy({ dtype: 'float32', shape, data: sample!.data as Float32Array }),
      );
      const summary = await runBatch({ modelUri: modelFile, input, output, threads: 1, batchSize: 4 });
      expect(summary.batchSize).toBe(4);
      const result = decodeNpy(readFileSync(path.join(output, 'eleven.npy')));
      expect(result.shape[0]).toBe(11);
      const per = result.data.length / 11;
      const perInput = sample!.data.length / 11;
      for (let i = 0; i < 11; i++) {
        const record = (sample!.data as Float32Array).slice(i * perInput, (i + 1) * perInput);
        const [out] = await alone.run([{ dtype: 'float32', shape: [1, ...shape.slice(1)], data: record }]);
        close((result.data as Float32Array).subarray(i * per, (i + 1) * per), out!.data as Float32Array);
      }

      // Calibrated: some power of two the engine runs well, within the pipeline's bounds.
      const pipeline = await BatchPipeline.open({
        modelUri: modelFile,
        inputPrefix: input,
        outputPrefix: output,
        threads: 1,
      });
      expect(pipeline.microBatch.reason).toBe('calibrated');
      expect([1, 2, 4, 8, 16, 32, 64]).toContain(pipeline.microBatch.size);
      await pipeline.close();
    } finally {
      alone.close();
    }
  });
});

describe('heavy work handed to a container task', () => {
  function recordingRunner() {
    const submitted: Array<{ input: string; reason: string; outputUri: string }> = [];
    return {
      submitted,
      runner: {
        name: 'test-runner',
        async submit(job: { input: string }, context: { reason: string; outputUri: string }) {
          submitted.push({ input: job.input, reason: context.reason, outputUri: context.outputUri });
          return { taskId: `task-${submitted.length}` };
        },
      },
    };
  }

  it('hands off objects over the size bound and records the task; a re-delivery does not submit again', async () => {
    const input = path.join(dir, 'heavy-in');
    const output = path.join(dir, 'heavy-out');
    mkdirSync(input, { recursive: true });
    const small = encodeNpy({ dtype: 'float32', shape: [1, 1, 32, 32], data: digits(1, 3)[0]! });
    const big = encodeNpy({ dtype: 'float32', shape: [8, 1, 32, 32], data: new Float32Array(8 * 1024) });
    writeFileSync(path.join(input, 'small.npy'), small);
    writeFileSync(path.join(input, 'big.npy'), big);
    const { runner, submitted } = recordingRunner();
    const pipeline = await BatchPipeline.open({
      modelUri: EXAMPLE,
      inputPrefix: input,
      outputPrefix: output,
      threads: 1,
      heavy: { runner, maxObjectBytes: small.byteLength },
    });
    try {
      expect(pipeline.handsOffEveryJob).toBe(false);
      expect((await pipeline.process({ input: path.join(input, 'small.npy') })).kind).toBe('done');
      const outcome = await pipeline.process({ input: path.join(input, 'big.npy') });
      expect(outcome.kind).toBe('handed-off');
      expect(submitted).toEqual([
        {
          input: path.join(input, 'big.npy'),
          reason: expect.stringMatching(/over the function's limit/),
          outputUri: path.join(output, 'big.npy'),
        },
      ]);
      expect(status(path.join(output, 'big.npy.status.json'))).toMatchObject({
        state: 'handed-off',
        handoff: { runner: 'test-runner', taskId: 'task-1' },
      });
      expect(await pipeline.process({ input: path.join(input, 'big.npy') })).toMatchObject({ kind: 'skipped' });
      expect(submitted).toHaveLength(1);
      expect(() => statSync(path.join(output, 'big.npy'))).toThrow();
    } finally {
      await pipeline.close();
    }
    expect((await listBatchStatus(output)).counts).toMatchObject({ done: 1, 'handed-off': 1 });
  });

  it('does not load a model its manifest places on a GPU task: every job goes to the runner', async () => {
    const modelDir = path.join(dir, 'gpu-model');
    mkdirSync(modelDir, { recursive: true });
    writeFileSync(path.join(modelDir, 'model.mindir'), readFileSync(EXAMPLE));
    const manifest = JSON.parse(readFileSync(path.join(path.dirname(EXAMPLE), 'mindlet.json'), 'utf8'));
    manifest.placement = { target: 'gpu' };
    writeFileSync(path.join(modelDir, 'mindlet.json'), JSON.stringify(manifest));
    const input = path.join(dir, 'gpu-in');
    mkdirSync(input, { recursive: true });
    writeFileSync(
      path.join(input, 'one.npy'),
      encodeNpy({ dtype: 'float32', shape: [1, 1, 32, 32], data: new Float32Array(1024) }),
    );
    const { runner, submitted } = recordingRunner();
    const pipeline = await BatchPipeline.open({
      modelUri: path.join(modelDir, 'model.mindir'),
      inputPrefix: input,
      outputPrefix: path.join(dir, 'gpu-out'),
      heavy: { runner },
    });
    try {
      expect(pipeline.handsOffEveryJob).toBe(true);
      expect(pipeline.model.name).toBe('lenet');
      const outcome = await pipeline.process({ input: path.join(input, 'one.npy') });
      expect(outcome.kind).toBe('handed-off');
      expect(submitted[0]!.reason).toMatch(/placed on a container task/);
    } finally {
      await pipeline.close();
    }
    // Without a runner the same model is loaded and predicted here.
    const local = await BatchPipeline.open({
      modelUri: path.join(modelDir, 'model.mindir'),
      inputPrefix: input,
      outputPrefix: path.join(dir, 'gpu-out-local'),
      threads: 1,
    });
    try {
      expect(local.handsOffEveryJob).toBe(false);
      expect((await local.process({ input: path.join(input, 'one.npy') })).kind).toBe('done');
    } finally {
      await local.close();
    }
  });
});
