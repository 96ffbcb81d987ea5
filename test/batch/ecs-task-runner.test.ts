/**
 * Heavy batch jobs handed to ECS through the batch pipeline: the bundled LeNet published to the S3 stand-in with its
 * manifest pinned to GPU, and an ECS stand-in speaking the SDK's protocol. The RunTask request must start the right
 * task with a job spec the worker can parse; the status file records the task ARN; ECS's placement failures and
 * throttling leave the job to be retried, and its refusals and oversized overrides fail it for good.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EcsTaskRunner,
  type EcsTaskRunnerOptions,
  MAX_OVERRIDES_CHARS,
  STARTED_BY,
  TransientTaskError,
  taskPlacementByPolicy,
} from '../../src/batch/ecs-task-runner.js';
import { BatchPipeline, isPermanentBatchError } from '../../src/batch/pipeline.js';
import { TASK_JOB_ENV, type TaskJobSpec } from '../../src/batch/task-job-spec.js';
import type { ObjectStatus } from '../../src/batch/types.js';
import { MindletError } from '../../src/errors.js';
import { readJsonObject } from '../../src/store/json-objects.js';
import { ModelStore } from '../../src/store/model-store.js';
import { publishModel } from '../../src/store/publish.js';
import { encodeNpy } from '../../src/tensor/npy.js';
import { type LocalEcs, startLocalEcs } from '../tools/ecs-server.js';
import { type LocalS3, startLocalS3 } from '../tools/s3-server.js';

const EXAMPLE = path.resolve('examples/models/lenet/1/model.mindir');
const BUCKET = 'mindlet-ecs-test';
const INPUT = `s3://${BUCKET}/in/`;
const OUTPUT = `s3://${BUCKET}/out/`;

let s3: LocalS3;
let ecs: LocalEcs;
let cacheDir: string;
let store: ModelStore;
let gpuModelUri: string;
let cpuModelUri: string;

async function putInput(relative: string): Promise<{ input: string; etag: string; size: number }> {
  const body = encodeNpy({ dtype: 'float32', shape: [1, 1, 32, 32], data: new Float32Array(1024).fill(0.5) });
  const put = await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `in/${relative}`, Body: body }));
  return { input: `${INPUT}${relative}`, etag: put.ETag!.replace(/"/g, ''), size: body.byteLength };
}

function runnerOptions(extra: Partial<EcsTaskRunnerOptions> = {}): EcsTaskRunnerOptions {
  return {
    cluster: 'mindlet-gpu',
    taskDefinition: 'mindlet-worker-gpu:3',
    capacityProvider: 'gpu-asg',
    subnets: ['subnet-0a1b2c3d', 'subnet-4e5f6a7b'],
    securityGroups: ['sg-0123456789abcdef0'],
    spec: { inputPrefix: INPUT, outputPrefix: OUTPUT },
    ecs: ecs.client,
    ...extra,
  };
}

async function openPipeline(modelUri = gpuModelUri, runner = new EcsTaskRunner(runnerOptions())) {
  return BatchPipeline.open({
    modelUri,
    inputPrefix: INPUT,
    outputPrefix: OUTPUT,
    s3: s3.client,
    store,
    threads: 1,
    heavy: { runner, placeOnTask: taskPlacementByPolicy },
  });
}

async function statusOf(relative: string): Promise<ObjectStatus | undefined> {
  const found = await readJsonObject(`${OUTPUT}${relative}.status.json`, { s3: s3.client });
  return found?.value as ObjectStatus | undefined;
}

beforeAll(async () => {
  s3 = await startLocalS3();
  await s3.createBucket(BUCKET);
  ecs = await startLocalEcs();
  cacheDir = mkdtempSync(path.join(os.tmpdir(), 'mindlet-ecs-cache-'));
  store = new ModelStore({ s3: s3.client, cacheDir });
  const gpu = await publishModel({
    file: EXAMPLE,
    destination: `s3://${BUCKET}`,
    name: 'lenet-gpu',
    version: '1',
    placement: { target: 'gpu' },
    s3: s3.client,
  });
  gpuModelUri = gpu.modelUri;
  const cpu = await publishModel({
    file: EXAMPLE,
    destination: `s3://${BUCKET}`,
    name: 'lenet-cpu',
    version: '1',
    placement: { target: 'cpu' },
    s3: s3.client,
  });
  cpuModelUri = cpu.modelUri;
}, 60_000);

afterAll(async () => {
  store?.close();
  await ecs?.stop();
  await s3?.stop();
  if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
});

describe('a model pinned to GPU, through the batch pipeline', () => {
  it('hands the job to an ECS task: the RunTask request, the job spec and the status file', async () => {
    ecs.setMode({ kind: 'ok' });
    const pipeline = await openPipeline();
    try {
      expect(pipeline.handsOffEveryJob).toBe(true);
      const object = await putInput('day1/one.npy');
      const before = ecs.requests.length;
      const outcome = await pipeline.process({ ...object, trigger: 'sqs:message-1' }, { attempts: 1 });
      expect(outcome.kind).toBe('handed-off');

      const requests = ecs.requests.slice(before);
      expect(requests).toHaveLength(1);
      const [request] = requests;
      expect(request!.operation).toBe('RunTask');
      expect(request!.headers['x-amz-target']).toBe('AmazonEC2ContainerServiceV20141113.RunTask');
      expect(request!.headers['content-type']).toBe('application/x-amz-json-1.1');
      expect(String(request!.headers.authorization)).toMatch(
        /^AWS4-HMAC-SHA256 Credential=ECSLOCAL\/\d{8}\/us-east-1\/ecs\//,
      );
      const body = request!.body;
      expect(body).toMatchObject({
        cluster: 'mindlet-gpu',
        taskDefinition: 'mindlet-worker-gpu:3',
        count: 1,
        capacityProviderStrategy: [{ capacityProvider: 'gpu-asg', weight: 1 }],
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: ['subnet-0a1b2c3d', 'subnet-4e5f6a7b'],
            securityGroups: ['sg-0123456789abcdef0'],
            assignPublicIp: 'DISABLED',
          },
        },
        startedBy: STARTED_BY,
      });
      expect(body.launchType).toBeUndefined();
      // The SDK's idempotency token: its own retries cannot start a second task.
      expect(body.clientToken).toEqual(expect.any(String));
      const tags = body.tags as Array<{ key: string; value: string }>;
      expect(tags).toContainEqual({ key: 'mindlet:input', value: object.input });
      expect(tags.find((tag) => tag.key === 'mindlet:job')?.value).toMatch(/^[0-9a-f]{64}$/);

      const overrides = body.overrides as {
        containerOverrides: Array<{
          name: string;
          command: string[];
          environment: Array<{ name: string; value: string }>;
        }>;
      };
      expect(JSON.stringify(overrides).length).toBeLessThanOrEqual(MAX_OVERRIDES_CHARS);
      expect(overrides.containerOverrides).toHaveLength(1);
      const [container] = overrides.containerOverrides;
      expect(container!.name).toBe('mindlet');
      expect(container!.command).toEqual(['worker', '--job-env']);
      expect(container!.environment.map((variable) => variable.name)).toEqual([TASK_JOB_ENV]);
      const spec = JSON.parse(container!.environment[0]!.value) as TaskJobSpec;
      expect(spec).toEqual({
        specVersion: 1,
        job: { input: object.input, etag: object.etag, size: object.size, trigger: 'sqs:message-1' },
        modelUri: gpuModelUri,
        inputPrefix: INPUT,
        outputPrefix: OUTPUT,
        reason: expect.stringMatching(/^model lenet-gpu is placed on gpu-task: pinned/),
      });

      const status = await statusOf('day1/one.npy');
      expect(status).toMatchObject({
        state: 'handed-off',
        // HEAD's ETag, quoted as S3 answers it.
        input: { uri: object.input, etag: `"${object.etag}"`, size: object.size, format: 'npy' },
        model: { name: 'lenet-gpu', uri: gpuModelUri },
        handoff: { runner: 'ecs', taskId: ecs.taskArns.at(-1) },
        reason: spec.reason,
        attempts: 1,
        trigger: 'sqs:message-1',
      });
      expect(status!.handoff!.taskId).toMatch(/^arn:aws:ecs:us-east-1:123456789012:task\/mindlet-gpu\/[0-9a-f]{32}$/);
      expect(status!.output).toBeUndefined();

      // A re-delivered event for the same version starts no second task.
      expect(await pipeline.process({ ...object, trigger: 'sqs:message-1' })).toMatchObject({ kind: 'skipped' });
      expect(ecs.requests.length).toBe(before + 1);
    } finally {
      await pipeline.close();
    }
  });

  it('treats RunTask placement failures (no free GPU) as transient, and a later delivery starts the task', async () => {
    const pipeline = await openPipeline();
    try {
      const object = await putInput('day1/two.npy');
      ecs.setMode({ kind: 'failures', reason: 'RESOURCE:GPU' });
      const error = await pipeline.process(object).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(TransientTaskError);
      expect((error as Error).message).toMatch(
        /^ECS could not start a task in mindlet-gpu: RESOURCE:GPU \(arn:aws:ecs:/,
      );
      expect(isPermanentBatchError(error)).toBe(false);
      expect((await statusOf('day1/two.npy'))?.state).not.toBe('handed-off');

      ecs.setMode({ kind: 'ok' });
      const outcome = await pipeline.process(object);
      expect(outcome.kind).toBe('handed-off');
      expect((await statusOf('day1/two.npy'))?.handoff?.taskId).toBe(ecs.taskArns.at(-1));
    } finally {
      ecs.setMode({ kind: 'ok' });
      await pipeline.close();
    }
  });

  it('treats throttling as transient and ECS refusing the request as permanent', async () => {
    const pipeline = await openPipeline();
    try {
      const object = await putInput('day2/three.npy');
      ecs.setMode({ kind: 'throttle' });
      const throttled = await pipeline.process(object).catch((thrown: unknown) => thrown);
      expect(throttled).toBeInstanceOf(TransientTaskError);
      expect((throttled as Error).message).toMatch(/ThrottlingException: Rate exceeded/);
      expect(isPermanentBatchError(throttled)).toBe(false);

      ecs.setMode({ kind: 'error', type: 'ClusterNotFoundException', message: 'Cluster not found.' });
      const refused = await pipeline.process(object).catch((thrown: unknown) => thrown);
      expect(refused).toBeInstanceOf(MindletError);
      expect((refused as Error).message).toBe(
        'ECS refused RunTask in mindlet-gpu: ClusterNotFoundException (400): Cluster not found.',
      );
      expect(isPermanentBatchError(refused)).toBe(true);
    } finally {
      ecs.setMode({ kind: 'ok' });
      await pipeline.close();
    }
  });

  it('fails a job whose overrides exceed ECS’s 8192 characters for good, without calling ECS', async () => {
    const runner = new EcsTaskRunner(
      runnerOptions({ spec: { inputPrefix: INPUT, outputPrefix: OUTPUT, keyRef: `ssm:/${'k'.repeat(9000)}` } }),
    );
    const before = ecs.requests.length;
    const error = await runner
      .submit({ input: `${INPUT}big.npy` }, { modelUri: gpuModelUri, outputUri: `${OUTPUT}big.npy`, reason: 'test' })
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(MindletError);
    expect((error as MindletError).code).toBe('LIMIT_EXCEEDED');
    expect((error as Error).message).toMatch(
      /container overrides take \d+ characters, over ECS RunTask's limit of 8192/,
    );
    expect(isPermanentBatchError(error)).toBe(true);
    expect(ecs.requests.length).toBe(before);
  });
});

describe('the runner’s configuration', () => {
  it('starts Ascend tasks on ECS Anywhere with launch type EXTERNAL and no network configuration', () => {
    const runner = new EcsTaskRunner(
      runnerOptions({ capacityProvider: undefined, launchType: 'EXTERNAL', subnets: [], securityGroups: [] }),
    );
    const input = runner.runTaskInput({ input: `${INPUT}a.npy` }, { modelUri: gpuModelUri, reason: 'ascend' });
    expect(input.launchType).toBe('EXTERNAL');
    expect(input.capacityProviderStrategy).toBeUndefined();
    expect(input.networkConfiguration).toBeUndefined();
  });

  it('rejects a launch type together with a capacity provider, and security groups without subnets', () => {
    expect(() => new EcsTaskRunner(runnerOptions({ launchType: 'EC2' }))).toThrow(/not both/);
    expect(() => new EcsTaskRunner(runnerOptions({ subnets: [] }))).toThrow(/security groups need subnets/);
  });

  it('keeps a model the policy places on the function (manifest pinned to CPU) here', async () => {
    const pipeline = await openPipeline(cpuModelUri);
    try {
      expect(pipeline.handsOffEveryJob).toBe(false);
      const before = ecs.requests.length;
      const object = await putInput('cpu/one.npy');
      expect((await pipeline.process(object)).kind).toBe('done');
      expect(ecs.requests.length).toBe(before);
    } finally {
      await pipeline.close();
    }
  });
});
