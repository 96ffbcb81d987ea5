/**
 * One heavy batch job in a container task (`mindlet worker --job-env`): the batch function hands a job it should
 * not run itself to ECS RunTask with a `TaskJobSpec` in `MINDLET_JOB`; the task predicts it through the same
 * `BatchPipeline` (with no heavy runner: this is the heavy runner) and writes the same status file, by the rules every
 * batch runner shares (src/batch/delivery). The exit code is what ECS shows: 0 when the job is done or its failure is
 * recorded as permanent (running it again cannot help), 1 when it failed transiently, was stopped before finishing,
 * or could not start.
 */
import { JobDelivery } from '../batch/delivery/index.js';
import { BatchPipeline, type BatchPipelineOptions } from '../batch/pipeline.js';
import { TASK_JOB_ENV, type TaskJobSpec } from '../batch/task-job-spec.js';
import type { JobOutcome, ObjectJob, ObjectStatus } from '../batch/types.js';
import { MindletError } from '../errors.js';
import { silentLog, type WorkerLog } from './log.js';

/** Reads and checks the spec: every field, with a message naming the field and what it should be. */
export function parseTaskJobSpec(text: string | undefined): TaskJobSpec {
  if (text === undefined || text.trim() === '')
    throw specError(`${TASK_JOB_ENV} is not set: it must hold the job as TaskJobSpec JSON`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw specError(`${TASK_JOB_ENV} is not JSON (${(error as Error).message})`);
  }
  if (!isObject(value)) throw specError(`${TASK_JOB_ENV} must be a JSON object`);
  if (value.specVersion !== 1)
    throw specError(`${TASK_JOB_ENV}.specVersion must be 1, got ${JSON.stringify(value.specVersion)}`);
  const job = value.job;
  if (!isObject(job)) throw specError(`${TASK_JOB_ENV}.job must be an object with the input to predict`);
  const input = s3Uri(job.input, 'job.input', 'an s3://bucket/key object URI');
  if (input.endsWith('/')) throw specError(`${TASK_JOB_ENV}.job.input must name an object, not a prefix: ${input}`);
  const etag = optionalString(job.etag, 'job.etag');
  const versionId = optionalString(job.versionId, 'job.versionId');
  const trigger = optionalString(job.trigger, 'job.trigger');
  if (job.size !== undefined && !(typeof job.size === 'number' && Number.isSafeInteger(job.size) && job.size >= 0))
    throw specError(`${TASK_JOB_ENV}.job.size must be a non-negative integer, got ${JSON.stringify(job.size)}`);
  const modelUri = requiredString(value.modelUri, 'modelUri', 'the model URI (s3://bucket/.../model.mindir)');
  const modelName = optionalString(value.modelName, 'modelName');
  const modelVersion = optionalString(value.modelVersion, 'modelVersion');
  const keyRef = optionalString(value.keyRef, 'keyRef');
  const inputPrefix = s3Uri(value.inputPrefix, 'inputPrefix', 'an s3://bucket/prefix/ URI');
  const outputPrefix = s3Uri(value.outputPrefix, 'outputPrefix', 'an s3://bucket/prefix/ URI');
  const reason = requiredString(value.reason, 'reason', 'why the job left the function');
  return {
    specVersion: 1,
    job: {
      input,
      ...(etag === undefined ? {} : { etag }),
      ...(versionId === undefined ? {} : { versionId }),
      ...(job.size === undefined ? {} : { size: job.size as number }),
      ...(trigger === undefined ? {} : { trigger }),
    },
    modelUri,
    ...(modelName === undefined ? {} : { modelName }),
    ...(modelVersion === undefined ? {} : { modelVersion }),
    ...(keyRef === undefined ? {} : { keyRef }),
    inputPrefix,
    outputPrefix,
    reason,
  };
}

export interface TaskJobOptions {
  /** Pipeline settings the spec does not carry: engine threads, micro-batch size, clients, stream tuning. */
  pipeline?: Omit<
    BatchPipelineOptions,
    'modelUri' | 'modelName' | 'modelVersion' | 'keyRef' | 'inputPrefix' | 'outputPrefix' | 'heavy'
  >;
  /** Aborted when the task is asked to stop (SIGTERM): the job gets `drainTimeoutMs` more to finish. */
  stop?: AbortSignal;
  /** @default 110000 */
  drainTimeoutMs?: number;
  log?: WorkerLog;
}

export interface TaskJobResult {
  /** 0: done, skipped, or failed permanently (recorded); 1: transient failure, stopped unfinished, or no start. */
  exitCode: 0 | 1;
  outcome?: JobOutcome;
  /** Why the job failed as a whole. */
  error?: string;
  permanent?: boolean;
  /** True when a stop's drain timeout ran out before the job finished (the job may still be running). */
  interrupted?: boolean;
  /** The status file written for a failure, when it could be written. */
  status?: ObjectStatus;
}

/** Runs the spec's one job; resolves with the exit code (it throws only if the pipeline cannot even be opened). */
export async function runTaskJob(spec: TaskJobSpec, options: TaskJobOptions = {}): Promise<TaskJobResult> {
  const log = options.log ?? silentLog;
  const job: ObjectJob = { ...spec.job, trigger: spec.job.trigger ?? 'task' };
  log('INFO', 'task job started', { input: job.input, model: spec.modelUri, reason: spec.reason });
  const pipeline = await BatchPipeline.open({
    ...options.pipeline,
    modelUri: spec.modelUri,
    ...(spec.modelName === undefined ? {} : { modelName: spec.modelName }),
    ...(spec.modelVersion === undefined ? {} : { modelVersion: spec.modelVersion }),
    ...(spec.keyRef === undefined ? {} : { keyRef: spec.keyRef }),
    inputPrefix: spec.inputPrefix,
    outputPrefix: spec.outputPrefix,
  });
  // Nothing delivers this job again: a failure is recorded as failed, and the exit code says whether to retry it.
  const delivery = new JobDelivery({ pipeline, deadLetters: 'none', log: { log } });
  try {
    const work = pipeline.process(job).then(
      (outcome) => ({ outcome }),
      (error: unknown) => ({ error }),
    );
    const finished = await untilStopped(work, options.stop, options.drainTimeoutMs ?? 110_000);
    if (finished === 'interrupted') {
      const reason = 'the task was stopped before the job finished';
      log('ERROR', 'task job interrupted', { input: job.input, reason });
      const status = await delivery.recordFailure(job, new Error(reason), 'failed', undefined);
      return { exitCode: 1, error: reason, interrupted: true, ...(status ? { status } : {}) };
    }
    if ('outcome' in finished) {
      delivery.succeeded(job, finished.outcome);
      return { exitCode: 0, outcome: finished.outcome };
    }
    const { result, verdict, status } = await delivery.failed(job, finished.error, { attempts: undefined });
    return {
      exitCode: result === 'retry' ? 1 : 0,
      error: verdict.reason,
      permanent: verdict.permanent,
      ...(status ? { status } : {}),
    };
  } finally {
    await pipeline.close();
  }
}

/** The work's result, or 'interrupted' when a stop came and the drain timeout ran out first. */
function untilStopped<T>(work: Promise<T>, stop: AbortSignal | undefined, drainMs: number): Promise<T | 'interrupted'> {
  if (!stop) return work;
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const onStop = () => {
      timer = setTimeout(() => resolve('interrupted'), drainMs);
    };
    if (stop.aborted) onStop();
    else stop.addEventListener('abort', onStop, { once: true });
    void work.then((value) => {
      clearTimeout(timer);
      stop.removeEventListener('abort', onStop);
      resolve(value);
    });
  });
}

function specError(message: string): MindletError {
  return new MindletError('INVALID_ARGUMENT', message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requiredString(value: unknown, field: string, what: string): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw specError(`${TASK_JOB_ENV}.${field} must be a non-empty string: ${what}`);
  return value;
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '')
    throw specError(`${TASK_JOB_ENV}.${field} must be a non-empty string when given, got ${JSON.stringify(value)}`);
  return value;
}

function s3Uri(value: unknown, field: string, what: string): string {
  const text = requiredString(value, field, what);
  if (!/^s3:\/\/[^/]+\/?/i.test(text)) throw specError(`${TASK_JOB_ENV}.${field} must be ${what}, got ${text}`);
  return text;
}
