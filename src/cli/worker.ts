/**
 * `mindlet worker`: the container task runtime for batch prediction. Queue mode takes S3 events from an SQS queue
 * until SIGTERM (an ECS service scaled on the queue's depth); `--job-env` runs the one job the batch function
 * handed to this task in MINDLET_JOB (ECS RunTask) and exits. Every queue-mode flag can come from the environment
 * instead, under the names the batch function reads (MODEL_URI, INPUT_PREFIX, ...): flags win.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { TASK_JOB_ENV } from '../batch/task-job-spec.js';
import { MindletError } from '../errors.js';
import { chooseEngineBackend } from '../runtime/engine-backend.js';
import type { HealthServer } from '../tasks/health.js';
import { jsonLineLog, type WorkerLog } from '../tasks/log.js';
import type { SqsWorker, WorkerStopReport } from '../tasks/sqs-worker.js';

/** Seconds a stop waits for work in flight (see SQS_WORKER_DEFAULTS.drainSeconds for why 110). */
const DEFAULT_DRAIN_SECONDS = 110;

export const WORKER_USAGE = `  worker --queue-url URL --model MODEL-URI --input-prefix S3-URI --output-prefix S3-URI [options]
                                        predict the objects that S3 events on an SQS queue name, as the
                                        batch function does, until SIGTERM (an ECS service); options:
                                        --dead-letter-queue-url URL: where poison jobs go, with their
                                        reason (default: left to the queue's redrive policy)
                                        --concurrency N: messages processed at once (default 1)
                                        --max-attempts N: deliveries before dead-lettering (default 3)
                                        --visibility-seconds N: set on receive, renewed while a message
                                        runs (default 120)
                                        --wait-seconds N: long poll of each receive, 0-20 (default 20)
                                        --retry-seconds N: a failed message returns after N*2^(attempt-1)
                                        seconds, at most 900 (default 10)
                                        --drain-seconds N: on SIGTERM, time for messages in flight; the
                                        unfinished are then released to other workers (default 110)
                                        --health-port N, --health-host ADDR: GET /healthz, 200 running,
                                        503 starting or draining (host default 127.0.0.1)
                                        --name, --version, --key-ref REF, --threads N, --batch-size N:
                                        the model's served name, version and key; engine settings
                                        every flag may come from the environment instead: QUEUE_URL,
                                        MODEL_URI, INPUT_PREFIX, OUTPUT_PREFIX, DEAD_LETTER_QUEUE_URL,
                                        WORKER_CONCURRENCY, MAX_ATTEMPTS, VISIBILITY_SECONDS,
                                        WAIT_SECONDS, RETRY_SECONDS, DRAIN_SECONDS, HEALTH_PORT,
                                        HEALTH_HOST, MODEL_NAME, MODEL_VERSION, MODEL_KEY_REF,
                                        ENGINE_THREADS, BATCH_SIZE
  worker --job-env [--threads N] [--batch-size N] [--drain-seconds N]
                                        run the one batch job in $${TASK_JOB_ENV} (TaskJobSpec JSON) and
                                        exit 0 when it is done or failed permanently (status written),
                                        1 when it failed transiently or was stopped unfinished`;

/** Each flag's environment variable (the batch function's names where it has the setting). */
export const WORKER_ENV = {
  'queue-url': 'QUEUE_URL',
  model: 'MODEL_URI',
  name: 'MODEL_NAME',
  version: 'MODEL_VERSION',
  'key-ref': 'MODEL_KEY_REF',
  'input-prefix': 'INPUT_PREFIX',
  'output-prefix': 'OUTPUT_PREFIX',
  'dead-letter-queue-url': 'DEAD_LETTER_QUEUE_URL',
  concurrency: 'WORKER_CONCURRENCY',
  'max-attempts': 'MAX_ATTEMPTS',
  'visibility-seconds': 'VISIBILITY_SECONDS',
  'wait-seconds': 'WAIT_SECONDS',
  'retry-seconds': 'RETRY_SECONDS',
  'drain-seconds': 'DRAIN_SECONDS',
  'health-port': 'HEALTH_PORT',
  'health-host': 'HEALTH_HOST',
  threads: 'ENGINE_THREADS',
  'batch-size': 'BATCH_SIZE',
} as const;
type Flag = keyof typeof WORKER_ENV;

/** Flags that only queue mode takes. */
const QUEUE_ONLY: readonly Flag[] = [
  'queue-url',
  'model',
  'name',
  'version',
  'key-ref',
  'input-prefix',
  'output-prefix',
  'dead-letter-queue-url',
  'concurrency',
  'max-attempts',
  'visibility-seconds',
  'wait-seconds',
  'retry-seconds',
  'health-port',
  'health-host',
];

export interface WorkerIo {
  out(line: string): void;
  err(line: string): void;
  /**
   * Ends the process at once: used only when a drain timeout abandoned jobs still running, which must not go on
   * writing after their messages were released. @default process.exit
   */
  exit?(code: number): void;
}

/** Runs a worker until it is done (job mode) or stopped by a signal (queue mode); returns the exit code. */
export async function workerCommand(
  args: string[],
  io: WorkerIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const options = Object.fromEntries(
    (Object.keys(WORKER_ENV) as Flag[]).map((flag) => [flag, { type: 'string' as const }]),
  ) as Record<Flag, { type: 'string' }>;
  const { values } = parseArgs({
    args,
    allowPositionals: false,
    options: { ...options, 'job-env': { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
  });
  if (values.help) {
    io.out(`usage:\n${WORKER_USAGE}`);
    return 0;
  }
  const flags = values as Partial<Record<Flag, string>>;
  const setting = (flag: Flag): string | undefined => flags[flag] ?? (env[WORKER_ENV[flag]]?.trim() || undefined);
  const integer = (flag: Flag, min: number, max: number): number | undefined => {
    const raw = setting(flag);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max)
      throw new MindletError(
        'INVALID_ARGUMENT',
        `--${flag} (${WORKER_ENV[flag]}) must be an integer from ${min} to ${max}, got "${raw.slice(0, 40)}"`,
      );
    return value;
  };
  const engine = {
    threads: integer('threads', 1, 256) ?? os.availableParallelism(),
    batchSize: integer('batch-size', 1, 1 << 16),
  };
  const drainSeconds = integer('drain-seconds', 0, 3600) ?? DEFAULT_DRAIN_SECONDS;
  const backend = chooseEngineBackend(env);
  const log = jsonLineLog(io.err);
  if (backend.fallback) log('WARN', backend.fallback, { backend: backend.requested });
  const exit = io.exit ?? ((code: number) => process.exit(code));

  if (values['job-env']) {
    const misplaced = QUEUE_ONLY.find((flag) => flags[flag] !== undefined);
    if (misplaced) throw new MindletError('INVALID_ARGUMENT', `--${misplaced} does not apply to worker --job-env`);
    return runJobMode(env, log, exit, {
      threads: engine.threads,
      ...(engine.batchSize === undefined ? {} : { batchSize: engine.batchSize }),
      drainMs: drainSeconds * 1000,
    });
  }

  const required = (flag: Flag, what: string): string => {
    const value = setting(flag);
    if (value === undefined)
      throw new MindletError('INVALID_ARGUMENT', `worker needs --${flag} (or ${WORKER_ENV[flag]}): ${what}`);
    return value;
  };
  const s3Prefix = (flag: Flag, what: string): string => {
    const value = required(flag, `${what} (s3://bucket/prefix/)`);
    if (!/^s3:\/\/[^/]+/i.test(value))
      throw new MindletError('INVALID_ARGUMENT', `--${flag} (${WORKER_ENV[flag]}) must be an s3:// URI, got ${value}`);
    return value;
  };
  const queueUrl = required('queue-url', 'the SQS queue the S3 events arrive on');
  const modelUri = required('model', 'the model to predict with (s3://bucket/.../model.mindir)');
  const inputPrefix = s3Prefix('input-prefix', 'where input objects arrive');
  const outputPrefix = s3Prefix('output-prefix', 'where predictions go');
  const healthPort = integer('health-port', 0, 65535);
  const name = setting('name');
  const version = setting('version');
  const keyRef = setting('key-ref');
  const deadLetterQueueUrl = setting('dead-letter-queue-url');
  const concurrency = integer('concurrency', 1, 64);
  const maxAttempts = integer('max-attempts', 1, 1000);
  const visibilitySeconds = integer('visibility-seconds', 1, 43_200);
  const waitSeconds = integer('wait-seconds', 0, 20);
  const retrySeconds = integer('retry-seconds', 0, 900);

  let worker: SqsWorker | undefined;
  let signalled: NodeJS.Signals | undefined;
  let health: HealthServer | undefined;
  let stopped: (report: WorkerStopReport) => void = () => undefined;
  const finished = new Promise<WorkerStopReport>((resolve) => {
    stopped = resolve;
  });
  const onSignal = (signal: NodeJS.Signals) => {
    if (!worker) {
      // Still loading the model: nothing is in flight, so there is nothing to drain.
      log('INFO', 'stopped before the worker started', { signal });
      void health?.close();
      exit(0);
      return;
    }
    if (signalled) {
      // A second signal: stop waiting for messages in flight, release them now.
      void worker.stop({ timeoutMs: 0 });
      return;
    }
    signalled = signal;
    void worker.stop({ reason: signal }).then(stopped);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    // Loaded here, not at CLI start: the SQS client is only needed by this command.
    const { SqsWorker } = await import('../tasks/sqs-worker.js');
    if (healthPort !== undefined) {
      const { startHealthServer } = await import('../tasks/health.js');
      health = await startHealthServer({
        port: healthPort,
        host: setting('health-host') ?? '127.0.0.1',
        state: () => worker?.state ?? 'starting',
      });
      log('INFO', 'health checks listening', { url: `${health.url}/healthz` });
    }
    worker = await SqsWorker.start({
      queueUrl,
      pipeline: {
        modelUri,
        ...(name === undefined ? {} : { modelName: name }),
        ...(version === undefined ? {} : { modelVersion: version }),
        ...(keyRef === undefined ? {} : { keyRef }),
        inputPrefix,
        outputPrefix,
        threads: engine.threads,
        ...(engine.batchSize === undefined ? {} : { batchSize: engine.batchSize }),
      },
      ...(deadLetterQueueUrl === undefined ? {} : { deadLetterQueueUrl }),
      ...(concurrency === undefined ? {} : { concurrency }),
      ...(maxAttempts === undefined ? {} : { maxAttempts }),
      ...(visibilitySeconds === undefined ? {} : { visibilitySeconds }),
      ...(waitSeconds === undefined ? {} : { waitSeconds }),
      ...(retrySeconds === undefined ? {} : { retrySeconds }),
      drainTimeoutMs: drainSeconds * 1000,
      log,
    });
    const report = await finished;
    await health?.close();
    // Jobs abandoned at the drain timeout may still be running; their messages are with other workers now.
    if (report.released > 0) exit(0);
    return 0;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await health?.close();
  }
}

async function runJobMode(
  env: NodeJS.ProcessEnv,
  log: WorkerLog,
  exit: (code: number) => void,
  settings: { threads: number; batchSize?: number; drainMs: number },
): Promise<number> {
  const { parseTaskJobSpec, runTaskJob } = await import('../tasks/task-job.js');
  const spec = parseTaskJobSpec(env[TASK_JOB_ENV]);
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) return;
    log('INFO', 'stop requested: finishing the job', { signal, timeoutMs: settings.drainMs });
    stop.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    const result = await runTaskJob(spec, {
      pipeline: {
        threads: settings.threads,
        ...(settings.batchSize === undefined ? {} : { batchSize: settings.batchSize }),
      },
      stop: stop.signal,
      drainTimeoutMs: settings.drainMs,
      log,
    });
    // The job may still be running: it must not write a "done" status over the one just recorded.
    if (result.interrupted) exit(result.exitCode);
    return result.exitCode;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
