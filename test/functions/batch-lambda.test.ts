/**
 * The batch function as Lambda runs it: the esbuild bundle runs in a fresh Node process with the native layer on
 * NODE_PATH, against s3rver (inputs, outputs, the model) and the SQS stand-in (the source queue and the dead-letter
 * queue). A small "event source mapping" receives messages from the source queue, invokes the function with the SQS
 * event Lambda would build, deletes the messages it did not report in `batchItemFailures` and makes the failed ones
 * visible again, so receive counts, redelivery and dead-lettering happen as they would on AWS. The fault proxy in
 * front of s3rver answers 503 SlowDown for one input folder, to make a transient failure.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetterBody } from '../../src/batch/dead-letter.js';
import type { ObjectStatus } from '../../src/batch/types.js';
import { loadSession } from '../../src/runtime/session.js';
import type { Session } from '../../src/runtime/types.js';
import { decodeNpy, encodeNpy } from '../../src/tensor/npy.js';
import { decodeNpz, encodeNpz } from '../../src/tensor/npz.js';
import type { Tensor } from '../../src/tensor/types.js';
import { type FaultProxy, startFaultProxy } from '../tools/fault-proxy.js';
import { type InvokeOutcome, type LambdaRunner, startLambdaRunner } from '../tools/lambda-runner.js';
import {
  type AnnouncedObject,
  eventBridgeObjectCreated,
  eventTemplate,
  s3NotificationBody,
  sqsEvent,
  sqsRecord,
  sqsRecordFromMessage,
} from '../tools/s3-events.js';
import { type LocalS3, startLocalS3 } from '../tools/s3-server.js';
import { type LocalSqs, startLocalSqs } from '../tools/sqs-server.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MODEL_DIR = path.join(root, 'examples/models/lenet/1');
const MODEL_URI = 's3://models/lenet/1/model.mindir';
const DATA = 'data';
const MAX_ATTEMPTS = 3;
/** Same engine and inputs; micro-batching changes only the batch dimension. */
const TOLERANCE = 1e-6;
/** Keys under this folder are refused by the proxy with 503 SlowDown (a throttled or failing S3). */
const FLAKY = 'in/flaky/';

let work: string;
let s3: LocalS3;
let sqs: LocalSqs;
let proxy: FaultProxy;
let session: Session;
let bundleDir: string;
let layerNodeModules: string;
let jobsQueue: string;
let jobsQueueArn: string;
let deadLetterQueue: string;

function digits(count: number, seed: number): Float32Array[] {
  let state = seed;
  return Array.from({ length: count }, () =>
    Float32Array.from({ length: 1024 }, () => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    }),
  );
}

function stack(records: readonly Float32Array[]): Tensor {
  const data = new Float32Array(records.length * 1024);
  records.forEach((record, index) => {
    data.set(record, index * 1024);
  });
  return { dtype: 'float32', shape: [records.length, 1, 32, 32], data };
}

async function expected(record: Float32Array): Promise<Float32Array> {
  const [output] = await session.run([{ dtype: 'float32', shape: [1, 1, 32, 32], data: record }]);
  return output!.data as Float32Array;
}

async function expectPrediction(actual: ArrayLike<number>, record: Float32Array): Promise<void> {
  const wanted = await expected(record);
  expect(actual.length).toBe(wanted.length);
  for (let i = 0; i < wanted.length; i++)
    expect(Math.abs(actual[i]! - wanted[i]!)).toBeLessThanOrEqual(TOLERANCE * Math.max(1, Math.abs(wanted[i]!)));
}

async function put(key: string, body: Uint8Array | string): Promise<AnnouncedObject> {
  await s3.client.send(new PutObjectCommand({ Bucket: DATA, Key: key, Body: body }));
  const head = await s3.client.send(new HeadObjectCommand({ Bucket: DATA, Key: key }));
  return { bucket: DATA, key, size: head.ContentLength!, etag: head.ETag! };
}

async function getBytes(key: string): Promise<{ bytes: Uint8Array; etag: string; lastModified: Date }> {
  const object = await s3.client.send(new GetObjectCommand({ Bucket: DATA, Key: key }));
  return {
    bytes: await object.Body!.transformToByteArray(),
    etag: object.ETag!,
    lastModified: object.LastModified!,
  };
}

async function exists(key: string): Promise<boolean> {
  try {
    await s3.client.send(new HeadObjectCommand({ Bucket: DATA, Key: key }));
    return true;
  } catch {
    return false;
  }
}

async function statusOf(key: string): Promise<ObjectStatus> {
  return JSON.parse(Buffer.from((await getBytes(`out/${key}.status.json`)).bytes).toString('utf8')) as ObjectStatus;
}

async function sendJob(body: string): Promise<string> {
  const sent = await sqs.client.send(new SendMessageCommand({ QueueUrl: jobsQueue, MessageBody: body }));
  return sent.MessageId!;
}

async function deadLetters(): Promise<DeadLetterBody[]> {
  const letters: DeadLetterBody[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.client.send(
      new ReceiveMessageCommand({ QueueUrl: deadLetterQueue, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }),
    );
    if (Messages.length === 0) return letters;
    for (const message of Messages) {
      const letter = JSON.parse(message.Body!) as DeadLetterBody;
      // The attributes say the same as the body, for filtering without parsing.
      expect(message.MessageAttributes!['mindlet-reason']!.StringValue).toBe(letter.reason.slice(0, 256));
      expect(message.MessageAttributes!['mindlet-attempts']).toEqual({
        DataType: 'Number',
        StringValue: String(letter.attempts),
      });
      if (letter.input !== null) expect(message.MessageAttributes!['mindlet-input']!.StringValue).toBe(letter.input);
      letters.push(letter);
      await sqs.client.send(
        new DeleteMessageCommand({ QueueUrl: deadLetterQueue, ReceiptHandle: message.ReceiptHandle }),
      );
    }
  }
}

async function queueDepth(queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(Attributes!.ApproximateNumberOfMessages) + Number(Attributes!.ApproximateNumberOfMessagesNotVisible);
}

function jsonLines(lines: readonly string[]): Record<string, unknown>[] {
  return lines.flatMap((line) => {
    try {
      const value = JSON.parse(line) as unknown;
      return typeof value === 'object' && value !== null ? [value as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  });
}

function logMessages(outcome: { stdout: string[]; stderr: string[] }): Record<string, unknown>[] {
  return jsonLines([...outcome.stdout, ...outcome.stderr]).filter(
    (line) => typeof line.message === 'string' && typeof line.level === 'string',
  );
}

/** CloudWatch EMF metrics in the namespace, as name → summed value. */
function emfTotals(lines: readonly string[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const line of jsonLines(lines)) {
    const aws = line._aws as { CloudWatchMetrics?: Array<{ Namespace: string; Metrics: Array<{ Name: string }> }> };
    for (const directive of aws?.CloudWatchMetrics ?? []) {
      if (directive.Namespace !== 'mindlet') continue;
      for (const { Name } of directive.Metrics) {
        const value = line[Name];
        const values = Array.isArray(value) ? (value as number[]) : [value as number];
        totals.set(Name, (totals.get(Name) ?? 0) + values.reduce((sum, v) => sum + v, 0));
      }
    }
  }
  return totals;
}

interface Delivery {
  outcome: InvokeOutcome;
  records: SQSRecord[];
  failedIds: string[];
}

/**
 * One poll of the event source mapping: receive up to 10 messages, invoke with them, delete the ones that succeeded
 * and make the failed ones visible again at once (as if their visibility timeout had passed).
 */
async function deliver(lambda: LambdaRunner): Promise<Delivery> {
  const { Messages = [] } = await sqs.client.send(
    new ReceiveMessageCommand({
      QueueUrl: jobsQueue,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 300,
      MessageSystemAttributeNames: ['All'],
    }),
  );
  expect(Messages.length).toBeGreaterThan(0);
  const records = Messages.map((message) => sqsRecordFromMessage(message, jobsQueueArn));
  const outcome = await lambda.invoke(sqsEvent(records), { timeoutMs: 120_000 });
  expect(outcome.error, `handler threw: ${JSON.stringify(outcome.error)}`).toBeUndefined();
  const response = outcome.result as SQSBatchResponse;
  const failedIds = response.batchItemFailures.map((failure) => failure.itemIdentifier);
  for (const message of Messages) {
    if (failedIds.includes(message.MessageId!))
      await sqs.client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: jobsQueue,
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: 0,
        }),
      );
    else await sqs.client.send(new DeleteMessageCommand({ QueueUrl: jobsQueue, ReceiptHandle: message.ReceiptHandle }));
  }
  return { outcome, records, failedIds };
}

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'mindlet-batch-function-'));
  execFileSync(
    process.execPath,
    [path.join(root, 'scripts/build-layer.mjs'), '--out', path.join(work, 'layer'), '--no-zip'],
    {
      cwd: root,
      stdio: 'pipe',
    },
  );
  const { buildFunctions } = (await import(path.join(root, 'scripts/build-functions.mjs'))) as {
    buildFunctions(options: { outDir: string; names: string[] }): Promise<string[]>;
  };
  await buildFunctions({ outDir: path.join(work, 'functions'), names: ['batch'] });
  bundleDir = path.join(work, 'functions/batch');
  layerNodeModules = path.join(work, 'layer/native-runtime/nodejs/node_modules');

  s3 = await startLocalS3();
  await s3.createBucket('models');
  await s3.createBucket(DATA);
  for (const file of ['model.mindir', 'mindlet.json'])
    await s3.client.send(
      new PutObjectCommand({
        Bucket: 'models',
        Key: `lenet/1/${file}`,
        Body: readFileSync(path.join(MODEL_DIR, file)),
      }),
    );
  proxy = await startFaultProxy(s3.endpoint);
  // A throttled (or failing) S3 for one input folder: every request for its objects gets 503 SlowDown.
  proxy.rules.push({ path: new RegExp(`^/${DATA}/${FLAKY}`), action: { kind: 'status', status: 503 } });
  sqs = await startLocalSqs();
  jobsQueue = await sqs.createQueue('mindlet-batch-jobs');
  jobsQueueArn = sqs.queueArn(jobsQueue);
  deadLetterQueue = await sqs.createQueue('mindlet-batch-dead-letters');
  session = await loadSession(path.join(MODEL_DIR, 'model.mindir'), { threads: 1 });
}, 180_000);

afterAll(async () => {
  session?.close();
  await proxy?.stop();
  await sqs?.stop();
  await s3?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

function functionEnv(name: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...s3.env,
    ...sqs.env,
    AWS_ENDPOINT_URL_S3: proxy.endpoint,
    MINDLET_CACHE_DIR: path.join(work, `cache-${name}`),
    MODEL_URI,
    INPUT_PREFIX: `s3://${DATA}/in/`,
    OUTPUT_PREFIX: `s3://${DATA}/out/`,
    MAX_ATTEMPTS: String(MAX_ATTEMPTS),
    ENGINE_THREADS: '2',
    POWERTOOLS_SERVICE_NAME: 'mindlet-batch',
    ...extra,
  };
}

describe('the bundle', () => {
  it('is one ESM file that leaves the engine to the layer', () => {
    const source = readFileSync(path.join(bundleDir, 'index.mjs'), 'utf8');
    expect(source).toContain('@mindlet/native-runtime');
    expect(source).not.toContain(root);
  });
});

describe('the batch function in one warm environment, with a dead-letter queue', () => {
  let lambda: LambdaRunner;
  const outcomes: InvokeOutcome[] = [];
  const records = digits(7, 11);
  let mixed: AnnouncedObject;
  let npy: AnnouncedObject;
  let npz: AnnouncedObject;

  beforeAll(async () => {
    lambda = await startLambdaRunner({
      bundleDir,
      layerNodeModules,
      functionName: 'mindlet-batch',
      env: functionEnv('dlq', { DEAD_LETTER_QUEUE_URL: deadLetterQueue }),
    });
    const lines = [
      JSON.stringify({
        id: 'k0',
        inputs: [{ name: 'x', shape: [1, 1, 32, 32], datatype: 'FP32', data: [...records[0]!] }],
      }),
      JSON.stringify({ x: [[Array.from({ length: 32 }, (_, r) => [...records[1]!.subarray(r * 32, r * 32 + 32)])]] }),
      JSON.stringify({ id: 'k2', inputs: [{ name: 'x', shape: [1, 1, 32, 32], datatype: 'FP32', data: [1, 2, 3] }] }),
      JSON.stringify({
        id: 'k3',
        inputs: [{ name: 'x', shape: [1, 1, 32, 32], datatype: 'FP32', data: [...records[2]!] }],
      }),
    ];
    mixed = await put('in/day 1/mixed.jsonl', `${lines.join('\n')}\n`);
    npy = await put('in/day 1/five.npy', encodeNpy(stack(records.slice(0, 5))));
    npz = await put('in/pair.npz', encodeNpz(new Map([['x', stack(records.slice(5, 7))]])));
  }, 60_000);

  afterAll(async () => {
    expect(await lambda?.close()).toBe(0);
  });

  it('opened the model once, during init', () => {
    const init = jsonLines([...lambda.initStdout, ...lambda.initStderr]);
    const loaded = init.filter((line) => line.message === 'model loaded');
    expect(loaded).toHaveLength(1);
    expect(loaded[0]).toMatchObject({ name: 'lenet', version: '1', uri: MODEL_URI });
  });

  it('predicts JSONL (both line styles, one bad line), .npy and .npz objects from S3 notifications in SQS', async () => {
    for (const object of [mixed, npy, npz]) await sendJob(s3NotificationBody(object));
    const delivery = await deliver(lambda);
    outcomes.push(delivery.outcome);
    expect(delivery.records).toHaveLength(3);
    expect(delivery.failedIds).toEqual([]);
    expect(await queueDepth(jobsQueue)).toBe(0);

    const mixedStatus = await statusOf('day 1/mixed.jsonl');
    expect(mixedStatus).toMatchObject({
      schema: 'mindlet.batch-status/1',
      state: 'done',
      records: { total: 4, ok: 3, failed: 1 },
      model: { name: 'lenet', version: '1', uri: MODEL_URI },
      attempts: 1,
      trigger: `sqs:${delivery.records[0]!.messageId}`,
    });
    expect(mixedStatus.input).toMatchObject({ uri: `s3://${DATA}/in/day 1/mixed.jsonl`, size: mixed.size });
    expect(mixedStatus.input.etag.replace(/"/g, '')).toBe(mixed.etag.replace(/"/g, ''));
    expect(mixedStatus.errors).toHaveLength(1);
    expect(mixedStatus.errors[0]).toMatchObject({ record: 2, id: 'k2' });
    expect(mixedStatus.output!.uri).toBe(`s3://${DATA}/out/day 1/mixed.jsonl`);

    const resultLines = Buffer.from((await getBytes('out/day 1/mixed.jsonl')).bytes)
      .toString('utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(resultLines).toHaveLength(4);
    const outputs = (line: Record<string, unknown>) => (line.outputs as Array<{ data: number[] }>)[0]!.data;
    expect(resultLines[0]).toMatchObject({ id: 'k0', model_name: 'lenet' });
    await expectPrediction(outputs(resultLines[0]!), records[0]!);
    await expectPrediction((resultLines[1]!['23'] as number[][]).flat(), records[1]!);
    expect(resultLines[2]).toMatchObject({ id: 'k2' });
    expect(String(resultLines[2]!.error)).toMatch(/record 2/);
    expect(resultLines[2]).not.toHaveProperty('outputs');
    expect(resultLines[3]).toMatchObject({ id: 'k3' });
    await expectPrediction(outputs(resultLines[3]!), records[2]!);

    const npyStatus = await statusOf('day 1/five.npy');
    expect(npyStatus).toMatchObject({ state: 'done', records: { total: 5, ok: 5, failed: 0 }, errors: [] });
    const predicted = decodeNpy((await getBytes('out/day 1/five.npy')).bytes);
    expect(predicted.shape).toEqual([5, 10]);
    for (let i = 0; i < 5; i++)
      await expectPrediction((predicted.data as Float32Array).subarray(i * 10, i * 10 + 10), records[i]!);

    const npzStatus = await statusOf('pair.npz');
    expect(npzStatus).toMatchObject({ state: 'done', records: { total: 2, ok: 2, failed: 0 } });
    const pair = decodeNpz((await getBytes('out/pair.npz')).bytes).get('23')!;
    expect(pair.shape).toEqual([2, 10]);
    await expectPrediction((pair.data as Float32Array).subarray(0, 10), records[5]!);
    await expectPrediction((pair.data as Float32Array).subarray(10, 20), records[6]!);

    const logs = logMessages(delivery.outcome);
    const done = logs.filter((line) => line.message === 'object done');
    expect(done.map((line) => line.input).sort()).toEqual(
      [`s3://${DATA}/in/day 1/five.npy`, `s3://${DATA}/in/day 1/mixed.jsonl`, `s3://${DATA}/in/pair.npz`].sort(),
    );
    for (const line of logs) expect(line.function_request_id).toBe(delivery.outcome.requestId);
    const metrics = emfTotals(delivery.outcome.stdout);
    expect(metrics.get('ObjectsDone')).toBe(3);
    expect(metrics.get('RecordsOk')).toBe(10);
    expect(metrics.get('RecordsFailed')).toBe(1);
    for (const name of ['InferenceMs', 'ReadMs', 'WriteMs', 'LoadMs', 'ColdStart'])
      expect(metrics.has(name)).toBe(true);
  });

  it('writes the same output bytes as `mindlet batch run` on the same inputs', async () => {
    // The CLI in its own process (the package's bin, as a user runs it) against the same S3, into another prefix;
    // asynchronously, since the S3 stand-in serves from this process's event loop.
    const cli = await promisify(execFile)(
      process.execPath,
      [path.join(root, 'bin/mindlet.js'), 'batch', 'run', MODEL_URI, `s3://${DATA}/in/`, `s3://${DATA}/cli-out/`],
      {
        cwd: work,
        encoding: 'utf8',
        env: { ...process.env, ...s3.env, MINDLET_CACHE_DIR: path.join(work, 'cache-cli') },
      },
    );
    expect(cli.stdout).toMatch(/3 objects, 11 records \(1 failed\)/);
    for (const key of ['day 1/mixed.jsonl', 'day 1/five.npy', 'pair.npz']) {
      const fromFunction = Buffer.from((await getBytes(`out/${key}`)).bytes);
      const fromCli = Buffer.from((await getBytes(`cli-out/${key}`)).bytes);
      expect(fromCli.equals(fromFunction), key).toBe(true);
    }
  });

  it('skips a re-delivered message for the same version and rewrites nothing', async () => {
    const before = await getBytes('out/day 1/five.npy');
    const statusBefore = await getBytes('out/day 1/five.npy.status.json');
    await sendJob(s3NotificationBody(npy));
    await sendJob(s3NotificationBody(mixed));
    const delivery = await deliver(lambda);
    outcomes.push(delivery.outcome);
    expect(delivery.failedIds).toEqual([]);
    const after = await getBytes('out/day 1/five.npy');
    expect(after.etag).toBe(before.etag);
    expect(after.lastModified.getTime()).toBe(before.lastModified.getTime());
    const statusAfter = await getBytes('out/day 1/five.npy.status.json');
    expect(statusAfter.etag).toBe(statusBefore.etag);
    expect(statusAfter.lastModified.getTime()).toBe(statusBefore.lastModified.getTime());
    const skipped = logMessages(delivery.outcome).filter((line) => line.message === 'object skipped');
    expect(skipped.map((line) => line.reason)).toEqual(['already-done', 'already-done']);
    expect(emfTotals(delivery.outcome.stdout).get('ObjectsSkipped')).toBe(2);
    expect(emfTotals(delivery.outcome.stdout).has('ObjectsDone')).toBe(false);
  });

  it('predicts a newer version of an object again', async () => {
    const before = await getBytes('out/day 1/five.npy');
    const newer = await put('in/day 1/five.npy', encodeNpy(stack([records[6]!])));
    expect(newer.etag).not.toBe(npy.etag);
    await sendJob(s3NotificationBody(newer));
    const delivery = await deliver(lambda);
    outcomes.push(delivery.outcome);
    expect(delivery.failedIds).toEqual([]);
    const after = await getBytes('out/day 1/five.npy');
    expect(after.etag).not.toBe(before.etag);
    const predicted = decodeNpy(after.bytes);
    expect(predicted.shape).toEqual([1, 10]);
    await expectPrediction(predicted.data as Float32Array, records[6]!);
    const status = await statusOf('day 1/five.npy');
    expect(status.records).toEqual({ total: 1, ok: 1, failed: 0 });
    expect(status.input.etag.replace(/"/g, '')).toBe(newer.etag.replace(/"/g, ''));
    // The event for the old version, delivered late, does not undo the new one.
    await sendJob(s3NotificationBody(npy));
    const late = await deliver(lambda);
    expect(late.failedIds).toEqual([]);
    expect((await getBytes('out/day 1/five.npy')).etag).toBe(after.etag);
  });

  it('fails only the transient message; dead-letters a corrupt and a missing object at once, with reasons', async () => {
    const good = await put('in/batch/good.npy', encodeNpy(stack([records[3]!])));
    const corruptBytes = encodeNpy(stack(records.slice(0, 2))).subarray(0, 3000);
    const corrupt = await put('in/batch/corrupt.npy', corruptBytes);
    const flaky = await put(`${FLAKY}slow.jsonl`, '{"x": 1}\n');
    const missing: AnnouncedObject = { bucket: DATA, key: 'in/batch/missing.npy', size: 4096, etag: 'abc123' };
    const corruptBody = s3NotificationBody(corrupt);
    const ids = {
      good: await sendJob(s3NotificationBody(good)),
      corrupt: await sendJob(corruptBody),
      flaky: await sendJob(s3NotificationBody(flaky)),
      missing: await sendJob(s3NotificationBody(missing)),
    };
    const first = await deliver(lambda);
    outcomes.push(first.outcome);
    expect(first.records).toHaveLength(4);
    expect(first.failedIds).toEqual([ids.flaky]);

    expect(await statusOf('batch/good.npy')).toMatchObject({ state: 'done', records: { ok: 1 } });
    const corruptStatus = await statusOf('batch/corrupt.npy');
    expect(corruptStatus).toMatchObject({ state: 'dead-lettered', attempts: 1, trigger: `sqs:${ids.corrupt}` });
    expect(corruptStatus.reason).toMatch(/corrupt\.npy/);
    expect(await exists('out/batch/corrupt.npy')).toBe(false);
    expect(await statusOf('batch/missing.npy')).toMatchObject({ state: 'dead-lettered', attempts: 1 });
    const flakyStatus = await statusOf('flaky/slow.jsonl');
    expect(flakyStatus).toMatchObject({ state: 'failed', attempts: 1 });
    expect(flakyStatus.reason).toMatch(/slow\.jsonl/);
    expect(proxy.requests.some((request) => request.fault === 'status' && request.path.includes('slow.jsonl'))).toBe(
      true,
    );
    // S3 could not be asked (503): the status keeps the version the event announced, in S3's quoted form.
    expect(flakyStatus.input.etag).toBe(flaky.etag);

    const letters = await deadLetters();
    expect(letters.map((letter) => letter.input).sort()).toEqual(
      [`s3://${DATA}/in/batch/corrupt.npy`, `s3://${DATA}/in/batch/missing.npy`].sort(),
    );
    const corruptLetter = letters.find((letter) => letter.input?.endsWith('corrupt.npy'))!;
    expect(corruptLetter).toMatchObject({
      mindletDeadLetter: 1,
      reason: corruptStatus.reason,
      attempts: 1,
      messageId: ids.corrupt,
      trigger: `sqs:${ids.corrupt}`,
    });
    expect(corruptLetter.originalBody).toBe(corruptBody);
    const missingLetter = letters.find((letter) => letter.input?.endsWith('missing.npy'))!;
    expect(missingLetter.reason).toMatch(/missing\.npy/);

    const metrics = emfTotals(first.outcome.stdout);
    expect(metrics.get('ObjectsDone')).toBe(1);
    expect(metrics.get('ObjectsDeadLettered')).toBe(2);
    expect(metrics.get('ObjectsFailed')).toBe(1);
  });

  it('retries the transient object until MAX_ATTEMPTS, then dead-letters it', async () => {
    const second = await deliver(lambda);
    outcomes.push(second.outcome);
    expect(second.records.map((record) => record.attributes.ApproximateReceiveCount)).toEqual(['2']);
    expect(second.failedIds).toEqual([second.records[0]!.messageId]);
    expect(await statusOf('flaky/slow.jsonl')).toMatchObject({ state: 'failed', attempts: 2 });
    expect(await deadLetters()).toEqual([]);

    const third = await deliver(lambda);
    outcomes.push(third.outcome);
    expect(third.records.map((record) => record.attributes.ApproximateReceiveCount)).toEqual([String(MAX_ATTEMPTS)]);
    expect(third.failedIds).toEqual([]);
    expect(await queueDepth(jobsQueue)).toBe(0);
    const status = await statusOf('flaky/slow.jsonl');
    expect(status).toMatchObject({ state: 'dead-lettered', attempts: MAX_ATTEMPTS });
    const letters = await deadLetters();
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      input: `s3://${DATA}/${FLAKY}slow.jsonl`,
      attempts: MAX_ATTEMPTS,
      reason: status.reason,
      messageId: third.records[0]!.messageId,
    });
  }, 120_000);

  it('takes EventBridge events inside SQS and straight from a rule', async () => {
    const viaQueue = await put('in/eventbridge/queued.npy', encodeNpy(stack([records[4]!])));
    const eventId = 'b1f3e7a0-5c2d-4e8f-9a6b-0c1d2e3f4a5b';
    await sendJob(JSON.stringify(eventBridgeObjectCreated(viaQueue, eventId)));
    const delivery = await deliver(lambda);
    outcomes.push(delivery.outcome);
    expect(delivery.failedIds).toEqual([]);
    const queued = await statusOf('eventbridge/queued.npy');
    expect(queued).toMatchObject({ state: 'done', trigger: `sqs:${delivery.records[0]!.messageId}` });
    await expectPrediction(
      decodeNpy((await getBytes('out/eventbridge/queued.npy')).bytes).data as Float32Array,
      records[4]!,
    );

    const direct = await put('in/eventbridge/direct.npy', encodeNpy(stack([records[5]!])));
    const event = eventBridgeObjectCreated(direct, '0d9b5a7c-3e1f-4a2b-8c6d-7e8f9a0b1c2d');
    const outcome = await lambda.invoke(event);
    outcomes.push(outcome);
    expect(outcome.error).toBeUndefined();
    expect(await statusOf('eventbridge/direct.npy')).toMatchObject({
      state: 'done',
      trigger: 'eventbridge:0d9b5a7c-3e1f-4a2b-8c6d-7e8f9a0b1c2d',
    });
    await expectPrediction(
      decodeNpy((await getBytes('out/eventbridge/direct.npy')).bytes).data as Float32Array,
      records[5]!,
    );

    // A direct event whose object fails transiently fails the invoke (Lambda's async retries take over).
    const flaky = await put(`${FLAKY}direct.npy`, encodeNpy(stack([records[0]!])));
    const failing = await lambda.invoke(eventBridgeObjectCreated(flaky));
    outcomes.push(failing);
    expect(failing.error?.message).toMatch(/retry/);
    expect(await statusOf('flaky/direct.npy')).toMatchObject({ state: 'failed' });
  }, 120_000);

  it('dead-letters a message that is not an S3 event, with its raw body and reason; ignores s3:TestEvent', async () => {
    const poisonId = await sendJob('this is not json {');
    const oddId = await sendJob(JSON.stringify({ hello: 'world' }));
    const traversal = await sendJob(s3NotificationBody({ ...mixed, key: 'in/../secrets/key.jsonl' }));
    await sendJob(eventTemplate<{ Records: SQSRecord[] }>('sqs-s3-test-event').Records[0]!.body);
    const delivery = await deliver(lambda);
    outcomes.push(delivery.outcome);
    expect(delivery.records).toHaveLength(4);
    expect(delivery.failedIds).toEqual([]);
    expect(await queueDepth(jobsQueue)).toBe(0);
    const letters = await deadLetters();
    expect(letters.map((letter) => letter.messageId).sort()).toEqual([poisonId, oddId, traversal].sort());
    for (const letter of letters) expect(letter.input).toBeNull();
    const poison = letters.find((letter) => letter.messageId === poisonId)!;
    expect(poison.originalBody).toBe('this is not json {');
    expect(poison.reason).toMatch(/not JSON/);
    expect(letters.find((letter) => letter.messageId === traversal)!.reason).toMatch(/\.\./);
    expect(emfTotals(delivery.outcome.stdout).get('MessagesDeadLettered')).toBe(3);
    expect(await exists('out/secrets/key.jsonl.status.json')).toBe(false);
  });

  it('logged every invoke under its request id and never reloaded the model', () => {
    for (const outcome of outcomes) {
      const logs = logMessages(outcome);
      for (const line of logs) expect(line.function_request_id).toBe(outcome.requestId);
      expect(logs.filter((line) => line.message === 'model loaded')).toEqual([]);
    }
  });
});

describe('the batch function without a dead-letter queue of its own', () => {
  let lambda: LambdaRunner;

  beforeAll(async () => {
    lambda = await startLambdaRunner({
      bundleDir,
      layerNodeModules,
      functionName: 'mindlet-batch-redrive',
      env: functionEnv('redrive'),
    });
  }, 60_000);

  afterAll(async () => {
    expect(await lambda?.close()).toBe(0);
  });

  it('fails poison and dead-lettered messages so the redrive policy moves them; the status holds the reason', async () => {
    const corrupt = await put('in/redrive/corrupt.npz', 'PK\u0003\u0004 not really a zip');
    const poison = sqsRecord('not json', { messageId: 'poison-1', queueArn: jobsQueueArn });
    const dead = sqsRecord(s3NotificationBody(corrupt), { messageId: 'corrupt-1', queueArn: jobsQueueArn });
    const good = await put('in/redrive/good.npy', encodeNpy(stack(digits(1, 5))));
    const fine = sqsRecord(s3NotificationBody(good), { messageId: 'good-1', queueArn: jobsQueueArn });
    const outcome = await lambda.invoke(sqsEvent([poison, dead, fine]), { timeoutMs: 120_000 });
    expect(outcome.error).toBeUndefined();
    const response = outcome.result as SQSBatchResponse;
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual([
      'corrupt-1',
      'poison-1',
    ]);
    expect(await statusOf('redrive/corrupt.npz')).toMatchObject({ state: 'dead-lettered', attempts: 1 });
    expect(await statusOf('redrive/good.npy')).toMatchObject({ state: 'done' });
    expect(await deadLetters()).toEqual([]);
  });

  it('fails the whole invoke for an event it does not take', async () => {
    const outcome = await lambda.invoke({ hello: 'world' });
    expect(outcome.error?.message).toMatch(/unsupported event/);
  });
});

describe('a batch function whose model cannot be opened', () => {
  it('fails every invoke (the messages come back) and tries to open the model again each time', async () => {
    const lambda = await startLambdaRunner({
      bundleDir,
      layerNodeModules,
      functionName: 'mindlet-batch-no-model',
      env: functionEnv('no-model', { MODEL_URI: 's3://models/absent/1/model.mindir' }),
    });
    try {
      const init = jsonLines([...lambda.initStdout, ...lambda.initStderr]);
      expect(init.filter((line) => line.message === 'model load failed')).toHaveLength(1);
      for (let attempt = 0; attempt < 2; attempt++) {
        const outcome = await lambda.invoke(sqsEvent([sqsRecord('{}')]));
        expect(outcome.error?.message).toMatch(/absent/);
        expect(logMessages(outcome).filter((line) => line.message === 'model load failed')).toHaveLength(1);
      }
    } finally {
      expect(await lambda.close()).toBe(0);
    }
  });
});

describe('a misconfigured batch function', () => {
  it('fails every invoke with the configuration error (the messages come back)', async () => {
    const lambda = await startLambdaRunner({
      bundleDir,
      layerNodeModules,
      functionName: 'mindlet-batch-bad',
      env: functionEnv('bad', { OUTPUT_PREFIX: '' }),
    });
    try {
      const outcome = await lambda.invoke(sqsEvent([sqsRecord('{}')]));
      expect(outcome.error?.message).toMatch(/OUTPUT_PREFIX/);
      const errors = jsonLines([...lambda.initStdout, ...lambda.initStderr]).filter(
        (line) => line.message === 'function is misconfigured',
      );
      expect(errors).toHaveLength(1);
    } finally {
      expect(await lambda.close()).toBe(0);
    }
  });
});
