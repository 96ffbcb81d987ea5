/**
 * The queue worker against the S3 and SQS stand-ins. `mindlet worker` runs from the sources in child processes
 * that get SIGTERM mid-batch: the first finishes what it had in flight, the second cannot (its drain timeout is
 * shorter than its jobs) and releases those messages, and a third worker then finishes the batch: every object ends
 * done with a correct output, nothing lost and nothing left invisible. The fault proxy in front of S3 slows input
 * reads down (so jobs are in flight when the signal comes) or fails them (transient failures). In-process: dead
 * letters after the last attempt, for permanent failures and for messages that are no S3 event; the heartbeat that
 * keeps a long job's message invisible; the health endpoint.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetterBody } from '../../src/batch/dead-letter.js';
import { loadSession } from '../../src/runtime/session.js';
import type { Session } from '../../src/runtime/types.js';
import { ModelStore } from '../../src/store/model-store.js';
import { startHealthServer, type WorkerState } from '../../src/tasks/health.js';
import type { LogLevel } from '../../src/tasks/log.js';
import { SqsWorker } from '../../src/tasks/sqs-worker.js';
import { decodeNpy } from '../../src/tensor/npy.js';
import { createTestS3Client, type FaultProxy, type FaultRule, startFaultProxy } from '../tools/fault-proxy.js';
import { s3NotificationBody } from '../tools/s3-events.js';
import { type LocalS3, startLocalS3 } from '../tools/s3-server.js';
import { type LocalSqs, startLocalSqs } from '../tools/sqs-server.js';
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
let sqs: LocalSqs;
let proxy: FaultProxy;
let session: Session;
let work: string;

beforeAll(async () => {
  s3 = await startLocalS3();
  await publishModel(s3);
  proxy = await startFaultProxy(s3.endpoint);
  sqs = await startLocalSqs();
  session = await loadSession(path.join(MODEL_DIR, 'model.mindir'), { threads: 1 });
  work = mkdtempSync(path.join(os.tmpdir(), 'mindlet-sqs-worker-'));
}, 60_000);

afterAll(async () => {
  session?.close();
  await proxy?.stop();
  await sqs?.stop();
  await s3?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function depth(queueUrl: string): Promise<{ visible: number; invisible: number }> {
  const { Attributes } = await sqs.client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(Attributes!.ApproximateNumberOfMessages),
    invisible: Number(Attributes!.ApproximateNumberOfMessagesNotVisible),
  };
}

async function drainLetters(queueUrl: string): Promise<DeadLetterBody[]> {
  const letters: DeadLetterBody[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
    );
    if (Messages.length === 0) return letters;
    for (const message of Messages) {
      letters.push(JSON.parse(message.Body!) as DeadLetterBody);
      await sqs.client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
  }
}

/** Delays every GET of an input object under `folder` by `ms` (a slow read keeps its job in flight). */
function slowReads(folder: string, ms: number): FaultRule {
  const rule: FaultRule = { method: 'GET', path: new RegExp(`^/${DATA}/in/${folder}/`), action: { kind: 'delay', ms } };
  proxy.rules.push(rule);
  return rule;
}

describe('mindlet worker (queue mode) stopped mid-batch and restarted', () => {
  const OBJECTS = 10;
  const inputs = Array.from({ length: OBJECTS }, (_, index) => records(4, 100 + index));
  let jobs: string;
  let dead: string;

  beforeAll(async () => {
    jobs = await sqs.createQueue('worker-jobs');
    dead = await sqs.createQueue('worker-dead');
    for (const [index, list] of inputs.entries()) {
      const object = await put(s3, `in/batch/part-${index}.npy`, npyOf(list));
      await sqs.client.send(new SendMessageCommand({ QueueUrl: jobs, MessageBody: s3NotificationBody(object) }));
    }
  });

  function workerEnv(extra: Record<string, string>): Record<string, string> {
    return {
      ...s3.env,
      ...sqs.env,
      AWS_ENDPOINT_URL_S3: proxy.endpoint,
      MINDLET_CACHE_DIR: path.join(work, 'cache'),
      QUEUE_URL: jobs,
      MODEL_URI,
      INPUT_PREFIX: `s3://${DATA}/in/`,
      OUTPUT_PREFIX: `s3://${DATA}/out/`,
      DEAD_LETTER_QUEUE_URL: dead,
      MAX_ATTEMPTS: '3',
      VISIBILITY_SECONDS: '30',
      WAIT_SECONDS: '1',
      ENGINE_THREADS: '1',
      ...extra,
    };
  }

  const count = (logs: Array<Record<string, unknown>>, message: string) =>
    logs.filter((line) => line.message === message).length;

  it('finishes the messages in flight on SIGTERM, and exits 0 with the rest still queued', async () => {
    const rule = slowReads('batch', 250);
    const run = runCli(['worker', '--concurrency', '2', '--health-port', '0'], workerEnv({}));
    await waitFor('a health endpoint', () => run.logs().some((line) => line.message === 'health checks listening'));
    const health = run.logs().find((line) => line.message === 'health checks listening')!.url as string;
    await waitFor('two objects done and one in flight', () => {
      const logs = run.logs();
      return count(logs, 'object done') >= 2 && count(logs, 'object started') > count(logs, 'object done');
    });
    const probe = await fetch(health);
    expect(probe.status).toBe(200);
    expect(await probe.json()).toEqual({ status: 'running' });

    run.child.kill('SIGTERM');
    expect(await run.exited, run.stderr()).toBe(0);
    const logs = run.logs();
    const draining = logs.find((line) => line.message === 'worker draining')!;
    expect(draining.reason).toBe('SIGTERM');
    expect(draining.inFlight).toBeGreaterThanOrEqual(1);
    // Every job started was finished, and its message deleted; none was released unfinished.
    const done = count(logs, 'object done');
    expect(count(logs, 'object started')).toBe(done);
    const stopped = logs.find((line) => line.message === 'worker stopped')!;
    expect(stopped).toMatchObject({ released: 0, counts: { deleted: done, deadLettered: 0 } });
    expect(done).toBeLessThan(OBJECTS);
    // Whatever the last long poll brought back was released: nothing waits out a visibility timeout.
    expect(await depth(jobs)).toEqual({ visible: OBJECTS - done, invisible: 0 });
    proxy.rules.splice(proxy.rules.indexOf(rule), 1);
  }, 30_000);

  it('releases the messages it cannot finish within its drain timeout', async () => {
    const before = (await depth(jobs)).visible;
    // Reads now take longer than the drain allows.
    const rule = slowReads('batch', 3000);
    const run = runCli(['worker'], workerEnv({ WORKER_CONCURRENCY: '2', DRAIN_SECONDS: '1', WAIT_SECONDS: '0' }));
    await waitFor('two jobs in flight', () => count(run.logs(), 'object started') >= 2);
    const signalled = performance.now();
    run.child.kill('SIGTERM');
    expect(await run.exited, run.stderr()).toBe(0);
    expect(performance.now() - signalled).toBeLessThan(2900);
    const logs = run.logs();
    expect(count(logs, 'object done')).toBe(0);
    expect(logs.find((line) => line.message === 'worker stopped')).toMatchObject({ inFlight: 2, released: 2 });
    // Released, not deleted: back in the queue at once.
    expect(await depth(jobs)).toEqual({ visible: before, invisible: 0 });
    proxy.rules.splice(proxy.rules.indexOf(rule), 1);
  }, 30_000);

  it('lets a restarted worker finish the batch: every object done, none lost', async () => {
    const run = runCli(['worker'], workerEnv({ WORKER_CONCURRENCY: '2' }));
    await waitFor('an empty queue', async () => {
      const { visible, invisible } = await depth(jobs);
      return visible + invisible === 0;
    });
    run.child.kill('SIGTERM');
    expect(await run.exited, run.stderr()).toBe(0);
    for (const [index, list] of inputs.entries()) {
      const status = await statusOf(s3, `batch/part-${index}.npy`);
      expect(status, `part-${index}`).toMatchObject({ state: 'done', records: { total: 4, ok: 4, failed: 0 } });
      const output = decodeNpy((await getBytes(s3, `out/batch/part-${index}.npy`))!);
      expect(output.shape).toEqual([4, 10]);
      await expectPredictions(session, output.data as Float32Array, list);
    }
    expect(await drainLetters(dead)).toEqual([]);
  }, 30_000);
});

describe('SqsWorker', () => {
  it('dead-letters after the last attempt, at once for a permanent failure, and a message that is no event', async () => {
    const jobs = await sqs.createQueue('dl-jobs');
    const dead = await sqs.createQueue('dl-dead');
    // S3 answers 503 SlowDown for everything under in/flaky/: a transient failure that never clears.
    proxy.rules.push({ path: new RegExp(`^/${DATA}/in/flaky/`), action: { kind: 'status', status: 503 } });
    const flaky = await put(s3, 'in/flaky/one.npy', npyOf(records(1, 5)));
    const broken = await put(s3, 'in/dl/broken.npz', 'not a zip archive');
    const good = await put(s3, 'in/dl/good.npy', npyOf(records(2, 6)));
    for (const body of [
      s3NotificationBody(flaky),
      s3NotificationBody(broken),
      'not an event',
      s3NotificationBody(good),
    ])
      await sqs.client.send(new SendMessageCommand({ QueueUrl: jobs, MessageBody: body }));
    const logged: Array<{ level: LogLevel; message: string }> = [];
    const worker = await SqsWorker.start({
      queueUrl: jobs,
      deadLetterQueueUrl: dead,
      sqs: sqs.client,
      maxAttempts: 2,
      retrySeconds: 0,
      waitSeconds: 1,
      pipeline: {
        modelUri: MODEL_URI,
        inputPrefix: `s3://${DATA}/in/`,
        outputPrefix: `s3://${DATA}/out/`,
        s3: createTestS3Client(proxy.endpoint, { maxAttempts: 2 }),
        store: new ModelStore({ s3: s3.client, cacheDir: path.join(work, 'cache-dl') }),
        threads: 1,
      },
      log: (level, message) => logged.push({ level, message }),
    });
    try {
      await waitFor('every message settled', async () => {
        const { visible, invisible } = await depth(jobs);
        return visible + invisible === 0 && worker.messagesInFlight === 0;
      });
    } finally {
      await worker.stop();
    }
    expect(worker.state).toBe('stopped');
    expect(worker.counts).toMatchObject({ deadLettered: 3, objectsDone: 1, retried: 1, deleted: 4 });

    const letters = await drainLetters(dead);
    const byInput = new Map(letters.map((letter) => [letter.input, letter]));
    expect(letters).toHaveLength(3);
    expect(byInput.get(`s3://${DATA}/in/flaky/one.npy`)).toMatchObject({ attempts: 2 });
    expect(byInput.get(`s3://${DATA}/in/dl/broken.npz`)).toMatchObject({ attempts: 1 });
    expect(byInput.get(null)).toMatchObject({ attempts: 1, originalBody: 'not an event' });
    expect(byInput.get(null)!.reason).toMatch(/is not JSON/);

    expect(await statusOf(s3, 'flaky/one.npy')).toMatchObject({ state: 'dead-lettered', attempts: 2 });
    expect(await statusOf(s3, 'dl/broken.npz')).toMatchObject({ state: 'dead-lettered', attempts: 1 });
    expect(await statusOf(s3, 'dl/good.npy')).toMatchObject({ state: 'done', attempts: 1 });
    expect(logged.filter((line) => line.message === 'object failed, will retry')).toHaveLength(1);
    proxy.rules.length = 0;
  }, 30_000);

  it('keeps a long job invisible past its visibility timeout (heartbeat) and stops with nothing released', async () => {
    const jobs = await sqs.createQueue('heartbeat-jobs');
    const rule = slowReads('long', 1400);
    const object = await put(s3, 'in/long/slow.npy', npyOf(records(1, 9)));
    await sqs.client.send(new SendMessageCommand({ QueueUrl: jobs, MessageBody: s3NotificationBody(object) }));
    const worker = await SqsWorker.start({
      queueUrl: jobs,
      sqs: sqs.client,
      concurrency: 2,
      visibilitySeconds: 1,
      waitSeconds: 1,
      pipeline: {
        modelUri: MODEL_URI,
        inputPrefix: `s3://${DATA}/in/`,
        outputPrefix: `s3://${DATA}/out/`,
        s3: createTestS3Client(proxy.endpoint),
        store: new ModelStore({ s3: s3.client, cacheDir: path.join(work, 'cache-hb') }),
        threads: 1,
      },
    });
    try {
      await waitFor('the object done', () => worker.counts.objectsDone === 1);
    } finally {
      const report = await worker.stop();
      expect(report.released).toBe(0);
    }
    proxy.rules.splice(proxy.rules.indexOf(rule), 1);
    // The job took over twice the visibility timeout, yet the message was delivered once, to this worker only.
    expect(worker.counts.messages).toBe(1);
    expect(await statusOf(s3, 'long/slow.npy')).toMatchObject({ state: 'done', attempts: 1 });
    expect(await depth(jobs)).toEqual({ visible: 0, invisible: 0 });
  }, 30_000);
});

describe('the worker health endpoint', () => {
  it('is ready only while running, live throughout', async () => {
    let state: WorkerState = 'starting';
    const health = await startHealthServer({ port: 0, state: () => state });
    try {
      const get = async (route: string, method = 'GET') => {
        const response = await fetch(`${health.url}${route}`, { method });
        return { status: response.status, body: (await response.json()) as Record<string, unknown> };
      };
      expect(await get('/healthz')).toEqual({ status: 503, body: { status: 'starting' } });
      state = 'running';
      expect(await get('/healthz')).toEqual({ status: 200, body: { status: 'running' } });
      expect((await get('/v2/health/ready')).status).toBe(200);
      state = 'draining';
      expect(await get('/healthz')).toEqual({ status: 503, body: { status: 'draining' } });
      expect((await get('/v2/health/ready')).status).toBe(503);
      expect(await get('/v2/health/live')).toEqual({ status: 200, body: { live: true, status: 'draining' } });
      expect((await get('/other')).status).toBe(404);
      expect((await get('/healthz', 'POST')).status).toBe(405);
    } finally {
      await health.close();
    }
  });
});
