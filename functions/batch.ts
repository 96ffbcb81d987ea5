/**
 * The batch Lambda function: S3 "object created" events, through SQS (S3 notifications, EventBridge events or SNS
 * envelopes in the messages) or straight from an EventBridge rule, become predictions under the output prefix. The
 * model and its pipeline open once per execution environment, at module init. Each SQS message succeeds or fails on
 * its own (`batchItemFailures`); an object that fails permanently, or too many times, is dead-lettered with its
 * reason, by the rules every batch runner shares (src/batch/delivery). Configuration comes from the environment
 * (README.md).
 */
import os from 'node:os';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { type DeadLetterSink, SqsDeadLetterQueue } from '../src/batch/dead-letter.js';
import {
  attemptsFromReceiveCount,
  type DeliveryLog,
  JobDelivery,
  type MessageDelivery,
} from '../src/batch/delivery/index.js';
import { EcsTaskRunner, taskPlacementByPolicy } from '../src/batch/ecs-task-runner.js';
import { isEventBridgeEvent, jobsFromEventBridgeEvent, jobsFromSqsRecord } from '../src/batch/events.js';
import { BatchPipeline, type BatchPipelineOptions } from '../src/batch/pipeline.js';
import type { JobOutcome, ObjectJob } from '../src/batch/types.js';
import { createTelemetry } from './telemetry.js';

// POWERTOOLS_SERVICE_NAME, when set, names the service in logs, metrics and traces.
const telemetry = createTelemetry('mindlet-batch');
const { logger, metrics, tracer } = telemetry;

interface Config {
  pipeline: BatchPipelineOptions;
  maxAttempts: number;
  deadLetterQueueUrl?: string;
}

function required(env: NodeJS.ProcessEnv, key: string, what: string): string {
  const value = env[key]?.trim();
  if (!value) throw new Error(`${key} is not set: give ${what}`);
  return value;
}

function optional(env: NodeJS.ProcessEnv, key: string): string | undefined {
  return env[key]?.trim() || undefined;
}

function positiveInteger(env: NodeJS.ProcessEnv, key: string): number | undefined {
  const raw = optional(env, key);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!(Number.isSafeInteger(value) && value > 0)) throw new Error(`${key} must be a positive integer, got ${raw}`);
  return value;
}

function list(env: NodeJS.ProcessEnv, key: string): string[] {
  return (optional(env, key) ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

const LAUNCH_TYPES = ['EC2', 'FARGATE', 'EXTERNAL', 'MANAGED_INSTANCES'] as const;

/**
 * The container task heavy jobs go to (ECS RunTask), when HEAVY_TASK_CLUSTER and HEAVY_TASK_DEFINITION are set. The
 * placement policy decides from the model's manifest whether every job goes there; objects over
 * HEAVY_TASK_MAX_OBJECT_BYTES go there too.
 */
function heavyWork(env: NodeJS.ProcessEnv, pipeline: BatchPipelineOptions): BatchPipelineOptions['heavy'] {
  const cluster = optional(env, 'HEAVY_TASK_CLUSTER');
  const taskDefinition = optional(env, 'HEAVY_TASK_DEFINITION');
  if (!cluster && !taskDefinition) return undefined;
  if (!cluster || !taskDefinition)
    throw new Error('HEAVY_TASK_CLUSTER and HEAVY_TASK_DEFINITION go together: set both, or neither');
  const launchType = optional(env, 'HEAVY_TASK_LAUNCH_TYPE')?.toUpperCase();
  if (launchType !== undefined && !(LAUNCH_TYPES as readonly string[]).includes(launchType))
    throw new Error(`HEAVY_TASK_LAUNCH_TYPE must be one of ${LAUNCH_TYPES.join(', ')}, got ${launchType}`);
  const capacityProvider = optional(env, 'HEAVY_TASK_CAPACITY_PROVIDER');
  const containerName = optional(env, 'HEAVY_TASK_CONTAINER');
  const maxObjectBytes = positiveInteger(env, 'HEAVY_TASK_MAX_OBJECT_BYTES');
  const runner = new EcsTaskRunner({
    cluster,
    taskDefinition,
    ...(containerName === undefined ? {} : { containerName }),
    ...(launchType === undefined ? {} : { launchType: launchType as (typeof LAUNCH_TYPES)[number] }),
    ...(capacityProvider === undefined ? {} : { capacityProvider }),
    subnets: list(env, 'HEAVY_TASK_SUBNETS'),
    securityGroups: list(env, 'HEAVY_TASK_SECURITY_GROUPS'),
    spec: {
      inputPrefix: pipeline.inputPrefix,
      outputPrefix: pipeline.outputPrefix,
      ...(pipeline.modelName === undefined ? {} : { modelName: pipeline.modelName }),
      ...(pipeline.modelVersion === undefined ? {} : { modelVersion: pipeline.modelVersion }),
      ...(pipeline.keyRef === undefined ? {} : { keyRef: pipeline.keyRef }),
    },
  });
  return {
    runner,
    placeOnTask: taskPlacementByPolicy,
    ...(maxObjectBytes === undefined ? {} : { maxObjectBytes }),
  };
}

function s3Prefix(env: NodeJS.ProcessEnv, key: string, what: string): string {
  const value = required(env, key, `${what} (s3://bucket/prefix/)`);
  if (!/^s3:\/\//i.test(value)) throw new Error(`${key} must be an s3://bucket/prefix/ URI, got ${value}`);
  return value;
}

function readConfig(env: NodeJS.ProcessEnv): Config {
  const modelUri = required(env, 'MODEL_URI', 'the model to predict with (s3://bucket/key)');
  const modelName = optional(env, 'MODEL_NAME');
  const modelVersion = optional(env, 'MODEL_VERSION');
  const keyRef = optional(env, 'MODEL_KEY_REF');
  const batchSize = positiveInteger(env, 'BATCH_SIZE');
  const deadLetterQueueUrl = optional(env, 'DEAD_LETTER_QUEUE_URL');
  const pipeline: BatchPipelineOptions = {
    modelUri,
    ...(modelName === undefined ? {} : { modelName }),
    ...(modelVersion === undefined ? {} : { modelVersion }),
    ...(keyRef === undefined ? {} : { keyRef }),
    inputPrefix: s3Prefix(env, 'INPUT_PREFIX', 'where input objects arrive'),
    outputPrefix: s3Prefix(env, 'OUTPUT_PREFIX', 'where predictions go'),
    threads: positiveInteger(env, 'ENGINE_THREADS') ?? os.availableParallelism(),
    ...(batchSize === undefined ? {} : { batchSize }),
  };
  const heavy = heavyWork(env, pipeline);
  return {
    pipeline: heavy === undefined ? pipeline : { ...pipeline, heavy },
    maxAttempts: positiveInteger(env, 'MAX_ATTEMPTS') ?? 3,
    ...(deadLetterQueueUrl === undefined ? {} : { deadLetterQueueUrl }),
  };
}

interface Served {
  config: Config;
  deadLetters: DeadLetterSink | undefined;
}

/** Built once per execution environment; a bad configuration is kept as the error every invoke fails with. */
function setUp(): Served | Error {
  try {
    const config = readConfig(process.env);
    const deadLetters = config.deadLetterQueueUrl ? new SqsDeadLetterQueue(config.deadLetterQueueUrl) : undefined;
    return { config, deadLetters };
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

const served = setUp();
if (served instanceof Error) logger.error('function is misconfigured', { error: served });

let pipeline: BatchPipeline | undefined;
/** Milliseconds the last successful open took, published with the next invoke's metrics. */
let unreportedLoadMs: number | undefined;
let opening: Promise<BatchPipeline> | undefined;

function startOpen(config: Config): Promise<BatchPipeline> {
  const started = performance.now();
  const open = BatchPipeline.open(config.pipeline).then(
    (opened) => {
      pipeline = opened;
      unreportedLoadMs = performance.now() - started;
      logger.info('model loaded', {
        ...opened.model,
        ms: Math.round(unreportedLoadMs),
        inputPrefix: config.pipeline.inputPrefix,
        outputPrefix: config.pipeline.outputPrefix,
      });
      return opened;
    },
    (error: unknown) => {
      // Forgetting the promise makes the next invoke try again.
      opening = undefined;
      logger.error('model load failed', { uri: config.pipeline.modelUri, error: error as Error });
      throw error;
    },
  );
  open.catch(() => undefined);
  return open;
}

// Opened during module init (top-level await): the init phase and provisioned concurrency pay for the download and
// planning, not the first batch. A failed open is logged and tried again by the next invoke, so init never fails.
if (!(served instanceof Error)) {
  opening = startOpen(served.config);
  await opening.catch(() => undefined);
}

async function openPipeline(config: Config): Promise<BatchPipeline> {
  if (pipeline) return pipeline;
  opening ??= startOpen(config);
  return opening;
}

/** What differs in Lambda: Powertools logs, EMF metrics and an X-Ray subsegment per object. */
const deliveryLog: DeliveryLog = {
  log: (level, message, fields) => {
    if (level === 'ERROR') logger.error(message, fields);
    else if (level === 'WARN') logger.warn(message, fields);
    else logger.info(message, fields);
  },
  note: (event) => {
    if (event.kind === 'outcome') addOutcomeMetrics(event.outcome);
    else if (event.kind === 'failed') {
      tracer.addErrorAsMetadata(event.error as Error);
      const metric = event.verdict.action === 'retry' ? 'ObjectsFailed' : 'ObjectsDeadLettered';
      metrics.addMetric(metric, MetricUnit.Count, 1);
    } else if (event.kind === 'poison') metrics.addMetric('MessagesDeadLettered', MetricUnit.Count, 1);
  },
  span: async (job, work) => {
    const parent = tracer.getSegment();
    const subsegment = parent?.addNewSubsegment('### object');
    if (subsegment) tracer.setSegment(subsegment);
    try {
      tracer.putMetadata('job', job);
      return await work();
    } finally {
      subsegment?.close();
      if (parent) tracer.setSegment(parent);
    }
  },
};

function addOutcomeMetrics(outcome: JobOutcome): void {
  if (outcome.kind === 'skipped') metrics.addMetric('ObjectsSkipped', MetricUnit.Count, 1);
  else if (outcome.kind === 'handed-off') metrics.addMetric('ObjectsHandedOff', MetricUnit.Count, 1);
  else {
    const { status } = outcome;
    metrics.addMetric('ObjectsDone', MetricUnit.Count, 1);
    metrics.addMetric('RecordsOk', MetricUnit.Count, status.records.ok);
    metrics.addMetric('RecordsFailed', MetricUnit.Count, status.records.failed);
    metrics.addMetric('ReadMs', MetricUnit.Milliseconds, status.timings.readMs);
    metrics.addMetric('InferenceMs', MetricUnit.Milliseconds, status.timings.inferenceMs);
    metrics.addMetric('WriteMs', MetricUnit.Milliseconds, status.timings.writeMs);
  }
}

function deliveryFor(active: BatchPipeline, setup: Served): JobDelivery {
  return new JobDelivery({
    pipeline: active,
    maxAttempts: setup.config.maxAttempts,
    deadLetters: setup.deadLetters ?? 'redrive',
    ...(setup.config.deadLetterQueueUrl === undefined ? {} : { deadLetterQueueUrl: setup.config.deadLetterQueueUrl }),
    log: deliveryLog,
  });
}

/** Every job of one message or event; a message to be delivered again fails (a batch item failure, or the invoke). */
async function runJobs(delivery: JobDelivery, parse: () => ObjectJob[], message: MessageDelivery): Promise<void> {
  const result = await delivery.runMessage(parse, message);
  if (result.retry) throw new Error(result.why);
}

const processor = new BatchProcessor(EventType.SQS);

async function handleSqs(delivery: JobDelivery, event: SQSEvent, context: Context) {
  const response = await processPartialResponse(
    event,
    (record: SQSRecord) =>
      runJobs(delivery, () => jobsFromSqsRecord(record), {
        attempts: attemptsFromReceiveCount(record.attributes?.ApproximateReceiveCount),
        messageId: record.messageId,
        body: record.body,
      }),
    processor,
    // Sequential, as the jobs of one message are (each takes every engine thread); and a batch where every message
    // failed still answers with its failures rather than throwing (each message is retried on its own either way).
    { context, processInParallel: false, throwOnFullBatchFailure: false },
  );
  logger.info('batch finished', {
    messages: event.Records.length,
    failed: response.batchItemFailures.length,
  });
  return response;
}

function isSqsEvent(event: unknown): event is SQSEvent {
  const records = (event as { Records?: unknown })?.Records;
  return (
    Array.isArray(records) &&
    records.length > 0 &&
    records.every((record) => (record as { eventSource?: unknown })?.eventSource === 'aws:sqs')
  );
}

export function handler(event: unknown, context: Context): Promise<SQSBatchResponse | undefined> {
  return telemetry.invoke(
    context,
    async () => {
      if (served instanceof Error) throw new Error(`function is misconfigured: ${served.message}`);
      const active = await openPipeline(served.config);
      if (unreportedLoadMs !== undefined) {
        metrics.addMetric('LoadMs', MetricUnit.Milliseconds, unreportedLoadMs);
        unreportedLoadMs = undefined;
      }
      const delivery = deliveryFor(active, served);
      if (isSqsEvent(event)) return await handleSqs(delivery, event, context);
      if (isEventBridgeEvent(event)) {
        // Failing the invoke hands the event to Lambda's asynchronous retries and on-failure destination.
        await runJobs(delivery, () => jobsFromEventBridgeEvent(event), {
          attempts: undefined,
          body: JSON.stringify(event),
        });
        return undefined;
      }
      throw new Error('unsupported event: expected an SQS batch or an EventBridge event');
    },
    (error) => {
      throw error;
    },
  );
}
