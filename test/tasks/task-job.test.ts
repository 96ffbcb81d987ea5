/**
 * `mindlet worker --job-env`, the one job the batch function hands to a container task, run from the sources in a
 * child process against the S3 stand-in: a job done (status and output, exit 0), a bad input object (status failed
 * with its reason, exit 0: running it again cannot help), S3 failing (status failed, exit 1, so ECS shows the task
 * failed), and a MINDLET_JOB that is not a valid TaskJobSpec (exit 1 before anything runs, saying which field).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TASK_JOB_ENV, type TaskJobSpec } from '../../src/batch/task-job-spec.js';
import { loadSession } from '../../src/runtime/session.js';
import type { Session } from '../../src/runtime/types.js';
import { parseTaskJobSpec } from '../../src/tasks/task-job.js';
import { decodeNpy } from '../../src/tensor/npy.js';
import { type FaultProxy, type FaultRule, startFaultProxy } from '../tools/fault-proxy.js';
import { type LocalS3, startLocalS3 } from '../tools/s3-server.js';
import {
  DATA,
  expectPredictions,
  getBytes,
  MODEL_DIR,
  MODEL_URI,
  npyOf,
  publishModel,
  put,
  records,
  runCli,
  statusOf,
  waitFor,
} from './setup.js';

let s3: LocalS3;
let proxy: FaultProxy;
let session: Session;
let cacheDir: string;

beforeAll(async () => {
  s3 = await startLocalS3();
  await publishModel(s3);
  proxy = await startFaultProxy(s3.endpoint);
  // S3 answers 503 SlowDown for every request under in/flaky/: a transient failure that outlasts the retries.
  proxy.rules.push({ path: new RegExp(`^/${DATA}/in/flaky/`), action: { kind: 'status', status: 503 } });
  session = await loadSession(path.join(MODEL_DIR, 'model.mindir'), { threads: 1 });
  cacheDir = mkdtempSync(path.join(os.tmpdir(), 'mindlet-task-job-'));
}, 60_000);

afterAll(async () => {
  session?.close();
  await proxy?.stop();
  await s3?.stop();
  if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
});

function spec(input: string, extra: Partial<TaskJobSpec> = {}): TaskJobSpec {
  return {
    specVersion: 1,
    job: { input: `s3://${DATA}/${input}`, trigger: 'sqs:m-1' },
    modelUri: MODEL_URI,
    inputPrefix: `s3://${DATA}/in/`,
    outputPrefix: `s3://${DATA}/out/`,
    reason: 'object of 9 bytes is over the function limit of 8',
    ...extra,
  };
}

function jobEnv(job: string): Record<string, string> {
  return {
    ...s3.env,
    AWS_ENDPOINT_URL_S3: proxy.endpoint,
    MINDLET_CACHE_DIR: cacheDir,
    ENGINE_THREADS: '1',
    [TASK_JOB_ENV]: job,
  };
}

describe('mindlet worker --job-env', () => {
  it('predicts the job, writes its output and status, and exits 0', async () => {
    const inputs = records(5, 7);
    const object = await put(s3, 'in/big/five.npy', npyOf(inputs));
    const run = runCli(['worker', '--job-env'], jobEnv(JSON.stringify(spec('in/big/five.npy'))));
    expect(await run.exited, run.stderr()).toBe(0);
    const status = await statusOf(s3, 'big/five.npy');
    expect(status).toMatchObject({
      state: 'done',
      input: { uri: `s3://${DATA}/in/big/five.npy`, etag: object.etag, size: object.size, format: 'npy' },
      model: { name: 'lenet', version: '1', uri: MODEL_URI },
      records: { total: 5, ok: 5, failed: 0 },
      trigger: 'sqs:m-1',
    });
    const output = decodeNpy((await getBytes(s3, 'out/big/five.npy'))!);
    expect(output.shape).toEqual([5, 10]);
    await expectPredictions(session, output.data as Float32Array, inputs);
    expect(run.logs().map((line) => line.message)).toEqual(['task job started', 'object done']);
  }, 30_000);

  it('records a bad input object as failed and exits 0', async () => {
    await put(s3, 'in/broken.npz', 'not a zip archive at all');
    const run = runCli(['worker', '--job-env'], jobEnv(JSON.stringify(spec('in/broken.npz'))));
    expect(await run.exited, run.stderr()).toBe(0);
    const status = await statusOf(s3, 'broken.npz');
    expect(status?.state).toBe('failed');
    expect(status?.reason).toMatch(/zip|npz|archive/i);
    expect(status?.output).toBeUndefined();
    expect(await getBytes(s3, 'out/broken.npz')).toBeUndefined();
    expect(run.logs().find((line) => line.message === 'object failed permanently')).toMatchObject({
      level: 'ERROR',
      permanent: true,
    });
  }, 30_000);

  it('exits 1 when the store fails transiently, with the failure in the status', async () => {
    await put(s3, 'in/flaky/one.npy', npyOf(records(1, 3)));
    const run = runCli(['worker', '--job-env'], jobEnv(JSON.stringify(spec('in/flaky/one.npy'))));
    expect(await run.exited, run.stderr()).toBe(1);
    expect(run.logs().find((line) => line.message === 'object failed')).toMatchObject({ permanent: false });
    // The status lives under out/, which S3 still serves.
    expect((await statusOf(s3, 'flaky/one.npy'))?.state).toBe('failed');
  }, 30_000);

  it('on SIGTERM, records a job it cannot finish within the drain timeout as failed and exits 1', async () => {
    await put(s3, 'in/slow/one.npy', npyOf(records(1, 4)));
    const rule: FaultRule = {
      method: 'GET',
      path: new RegExp(`^/${DATA}/in/slow/`),
      action: { kind: 'delay', ms: 4000 },
    };
    proxy.rules.push(rule);
    try {
      const run = runCli(
        ['worker', '--job-env', '--drain-seconds', '1'],
        jobEnv(JSON.stringify(spec('in/slow/one.npy'))),
      );
      await waitFor('the job to start', () => run.logs().some((line) => line.message === 'task job started'));
      await new Promise((resolve) => setTimeout(resolve, 300));
      run.child.kill('SIGTERM');
      expect(await run.exited, run.stderr()).toBe(1);
      expect(run.logs().map((line) => line.message)).toContain('task job interrupted');
      expect(await statusOf(s3, 'slow/one.npy')).toMatchObject({
        state: 'failed',
        reason: 'the task was stopped before the job finished',
      });
    } finally {
      proxy.rules.splice(proxy.rules.indexOf(rule), 1);
    }
  }, 30_000);

  it('refuses an invalid MINDLET_JOB with one clear line and exit 1, before loading anything', async () => {
    const cases: Array<[string, RegExp]> = [
      ['{"specVersion": 1,', /^mindlet: MINDLET_JOB is not JSON/],
      [JSON.stringify({ ...spec('in/x.npy'), outputPrefix: undefined }), /MINDLET_JOB\.outputPrefix must be/],
    ];
    const runs = cases.map(([job]) => runCli(['worker', '--job-env'], jobEnv(job)));
    for (const [index, run] of runs.entries()) {
      expect(await run.exited).toBe(1);
      expect(run.stderr().trim()).toMatch(cases[index]![1]);
      expect(run.stderr().trim().split('\n')).toHaveLength(1);
    }
    // Queue flags make no sense for one job.
    const mixed = runCli(['worker', '--job-env', '--queue-url', 'http://q'], jobEnv(JSON.stringify(spec('in/x.npy'))));
    expect(await mixed.exited).toBe(1);
    expect(mixed.stderr()).toMatch(/--queue-url does not apply to worker --job-env/);
  }, 30_000);
});

describe('parseTaskJobSpec', () => {
  const good = spec('in/a.npy', { modelName: 'lenet', modelVersion: '1', keyRef: 'env:KEY' });

  it('takes a valid spec as it is', () => {
    const full = { ...good, job: { ...good.job, etag: '"abc"', versionId: 'v1', size: 10 } };
    expect(parseTaskJobSpec(JSON.stringify(full))).toEqual(full);
  });

  it('names the field that is wrong', () => {
    const bad = (change: Record<string, unknown>) => JSON.stringify({ ...good, ...change });
    const job = (change: Record<string, unknown>) => bad({ job: { ...good.job, ...change } });
    expect(() => parseTaskJobSpec(undefined)).toThrow(/^MINDLET_JOB is not set: it must hold the job/);
    const cases: Array<[string, RegExp]> = [
      ['[]', /MINDLET_JOB must be a JSON object/],
      [bad({ specVersion: 2 }), /specVersion must be 1, got 2/],
      [bad({ job: 'x' }), /MINDLET_JOB\.job must be an object/],
      [job({ input: 'file:///tmp/a.npy' }), /job\.input must be an s3:\/\/bucket\/key object URI/],
      [job({ input: 's3://data/in/' }), /job\.input must name an object, not a prefix/],
      [job({ size: -1 }), /job\.size must be a non-negative integer, got -1/],
      [job({ etag: 5 }), /job\.etag must be a non-empty string when given, got 5/],
      [job({ versionId: '' }), /job\.versionId must be a non-empty string/],
      [job({ trigger: null }), /job\.trigger must be a non-empty string/],
      [bad({ modelUri: '' }), /modelUri must be a non-empty string/],
      [bad({ modelName: 3 }), /modelName must be a non-empty string when given/],
      [bad({ modelVersion: [] }), /modelVersion must be/],
      [bad({ keyRef: {} }), /keyRef must be/],
      [bad({ inputPrefix: '/local/in' }), /inputPrefix must be an s3:\/\/bucket\/prefix\/ URI/],
      [bad({ outputPrefix: 7 }), /outputPrefix must be a non-empty string/],
      [bad({ reason: undefined }), /reason must be a non-empty string/],
    ];
    for (const [text, message] of cases)
      expect(() => parseTaskJobSpec(text), text).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(message) }),
      );
  });
});
