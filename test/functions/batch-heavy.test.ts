/**
 * The batch function handing heavy jobs to ECS, run as Lambda runs it (the bundle in a fresh Node process with the
 * native layer), configured only through HEAVY_TASK_* variables: the model's manifest pins it to GPU, so the
 * function never loads it and each object becomes one RunTask call to the ECS stand-in. A placement failure leaves
 * the message to be retried; a half-given configuration fails every invoke.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { SQSBatchResponse } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskJobSpec } from '../../src/batch/task-job-spec.js';
import type { ObjectStatus } from '../../src/batch/types.js';
import { readJsonObject } from '../../src/store/json-objects.js';
import { publishModel } from '../../src/store/publish.js';
import { encodeNpy } from '../../src/tensor/npy.js';
import { type LocalEcs, startLocalEcs } from '../tools/ecs-server.js';
import { type LambdaRunner, startLambdaRunner } from '../tools/lambda-runner.js';
import { type AnnouncedObject, s3NotificationBody, sqsEvent, sqsRecord } from '../tools/s3-events.js';
import { type LocalS3, startLocalS3 } from '../tools/s3-server.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const EXAMPLE = path.join(root, 'examples/models/lenet/1/model.mindir');
const DATA = 'data';

let work: string;
let bundleDir: string;
let layerNodeModules: string;
let s3: LocalS3;
let ecs: LocalEcs;
let modelUri: string;
let lambda: LambdaRunner;

function functionEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...ecs.env,
    // S3's credentials win: s3rver checks them, the ECS stand-in does not.
    ...s3.env,
    MINDLET_CACHE_DIR: path.join(work, 'cache'),
    MODEL_URI: modelUri,
    INPUT_PREFIX: `s3://${DATA}/in/`,
    OUTPUT_PREFIX: `s3://${DATA}/out/`,
    HEAVY_TASK_CLUSTER: 'mindlet-gpu',
    HEAVY_TASK_DEFINITION: 'arn:aws:ecs:us-east-1:123456789012:task-definition/mindlet-worker-gpu:7',
    HEAVY_TASK_CAPACITY_PROVIDER: 'gpu-asg',
    HEAVY_TASK_SUBNETS: 'subnet-0a1b2c3d, subnet-4e5f6a7b',
    HEAVY_TASK_SECURITY_GROUPS: 'sg-0123456789abcdef0',
    ENGINE_THREADS: '1',
    ...extra,
  };
}

async function put(key: string): Promise<AnnouncedObject> {
  const body = encodeNpy({ dtype: 'float32', shape: [1, 1, 32, 32], data: new Float32Array(1024).fill(0.25) });
  await s3.client.send(new PutObjectCommand({ Bucket: DATA, Key: key, Body: body }));
  const head = await s3.client.send(new HeadObjectCommand({ Bucket: DATA, Key: key }));
  return { bucket: DATA, key, size: head.ContentLength!, etag: head.ETag! };
}

async function statusOf(relative: string): Promise<ObjectStatus | undefined> {
  const found = await readJsonObject(`s3://${DATA}/out/${relative}.status.json`, { s3: s3.client });
  return found?.value as ObjectStatus | undefined;
}

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'mindlet-batch-heavy-'));
  execFileSync(
    process.execPath,
    [path.join(root, 'scripts/build-layer.mjs'), '--out', path.join(work, 'layer'), '--no-zip'],
    { cwd: root, stdio: 'pipe' },
  );
  const build = `import(${JSON.stringify(pathToFileURL(path.join(root, 'scripts/build-functions.mjs')).href)}).then((m) => m.buildFunctions({ outDir: ${JSON.stringify(path.join(work, 'functions'))}, names: ['batch'] }))`;
  execFileSync(process.execPath, ['--input-type=module', '-e', build], { cwd: root, stdio: 'pipe' });
  bundleDir = path.join(work, 'functions/batch');
  layerNodeModules = path.join(work, 'layer/native-runtime/nodejs/node_modules');

  s3 = await startLocalS3();
  await s3.createBucket('models');
  await s3.createBucket(DATA);
  ecs = await startLocalEcs();
  modelUri = (
    await publishModel({
      file: EXAMPLE,
      destination: 's3://models',
      name: 'lenet',
      version: '1',
      placement: { target: 'gpu' },
      s3: s3.client,
    })
  ).modelUri;
  lambda = await startLambdaRunner({ bundleDir, layerNodeModules, functionName: 'mindlet-batch', env: functionEnv() });
}, 180_000);

afterAll(async () => {
  await lambda?.close();
  await ecs?.stop();
  await s3?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the batch function with a GPU task for heavy jobs', () => {
  it('hands each object to one ECS task and records its ARN in the status file', async () => {
    const object = await put('in/day1/digit.npy');
    const outcome = await lambda.invoke(sqsEvent([sqsRecord(s3NotificationBody(object), { messageId: 'message-1' })]), {
      timeoutMs: 60_000,
    });
    expect(outcome.error).toBeUndefined();
    expect((outcome.result as SQSBatchResponse).batchItemFailures).toEqual([]);

    expect(ecs.requests).toHaveLength(1);
    const body = ecs.requests[0]!.body;
    expect(body).toMatchObject({
      cluster: 'mindlet-gpu',
      taskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/mindlet-worker-gpu:7',
      capacityProviderStrategy: [{ capacityProvider: 'gpu-asg', weight: 1 }],
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ['subnet-0a1b2c3d', 'subnet-4e5f6a7b'],
          securityGroups: ['sg-0123456789abcdef0'],
        },
      },
      startedBy: 'mindlet-batch',
    });
    const [container] = (
      body.overrides as { containerOverrides: Array<{ name: string; environment: Array<{ value: string }> }> }
    ).containerOverrides;
    expect(container!.name).toBe('mindlet');
    const spec = JSON.parse(container!.environment[0]!.value) as TaskJobSpec;
    expect(spec).toMatchObject({
      specVersion: 1,
      job: { input: `s3://${DATA}/in/day1/digit.npy`, trigger: 'sqs:message-1' },
      modelUri,
      inputPrefix: `s3://${DATA}/in/`,
      outputPrefix: `s3://${DATA}/out/`,
    });
    expect(spec.reason).toMatch(/^model lenet is placed on gpu-task/);

    const status = await statusOf('day1/digit.npy');
    expect(status).toMatchObject({ state: 'handed-off', handoff: { runner: 'ecs', taskId: ecs.taskArns[0] } });
    const logged = outcome.stdout.find((line) => line.includes('"object handed off"'));
    expect(JSON.parse(logged!)).toMatchObject({ handoff: { taskId: ecs.taskArns[0] } });
    expect(outcome.stdout.some((line) => line.includes('"ObjectsHandedOff"'))).toBe(true);
  });

  it('fails the message when ECS has no free GPU, so SQS delivers it again', async () => {
    ecs.setMode({ kind: 'failures', reason: 'RESOURCE:GPU' });
    try {
      const object = await put('in/day1/busy.npy');
      const outcome = await lambda.invoke(
        sqsEvent([sqsRecord(s3NotificationBody(object), { messageId: 'message-2' })]),
        { timeoutMs: 60_000 },
      );
      expect((outcome.result as SQSBatchResponse).batchItemFailures).toEqual([{ itemIdentifier: 'message-2' }]);
      const status = await statusOf('day1/busy.npy');
      expect(status).toMatchObject({ state: 'failed', attempts: 1 });
      expect(status!.reason).toMatch(/RESOURCE:GPU/);
    } finally {
      ecs.setMode({ kind: 'ok' });
    }
  });
});

describe('a half-given heavy task configuration', () => {
  it('fails every invoke, naming the missing variable', async () => {
    const broken = await startLambdaRunner({
      bundleDir,
      layerNodeModules,
      functionName: 'mindlet-batch-broken',
      env: functionEnv({ HEAVY_TASK_DEFINITION: '' }),
    });
    try {
      const object = await put('in/day1/never.npy');
      const outcome = await broken.invoke(sqsEvent([sqsRecord(s3NotificationBody(object))]));
      expect(outcome.error?.message).toMatch(
        /function is misconfigured: HEAVY_TASK_CLUSTER and HEAVY_TASK_DEFINITION go together/,
      );
    } finally {
      await broken.close();
    }
  });
});
