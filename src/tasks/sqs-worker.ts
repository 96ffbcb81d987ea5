/**
 * The queue worker (`mindlet worker --queue-url ...`): the batch function's work in a long-running container task.
 * It long-polls the jobs queue, turns each message into jobs exactly as the function does (`jobsFromSqsRecord`),
 * predicts them through one open `BatchPipeline`, and settles the message by the same rules (src/batch/delivery):
 * deleted when every job was handled (done, skipped or dead-lettered), dead-lettered when a job fails permanently or
 * on its last attempt (ApproximateReceiveCount), otherwise made visible again after a backoff. While a message is
 * processed its visibility timeout is renewed (a heartbeat), so a long job is never delivered to a second worker
 * mid-flight.
 *
 * Stopping (`stop`, on SIGTERM): no more receives; messages in flight finish within the drain timeout; any still
 * unfinished then are released (visibility 0) for another worker, never deleted; then the pipeline closes.
 */
import { performance } from 'node:perf_hooks';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { createSqsClient, type DeadLetterSink, SqsDeadLetterQueue } from '../batch/dead-letter.js';
import {
  attemptsFromReceiveCount,
  type DeliveryEvent,
  JobDelivery,
  MAX_RETRY_DELAY_SECONDS,
  retryDelaySeconds,
} from '../batch/delivery/index.js';
import { jobsFromSqsRecord } from '../batch/events.js';
import { BatchPipeline, type BatchPipelineOptions } from '../batch/pipeline.js';
import { MindletError } from '../errors.js';
import { regionFromEnv } from '../store/s3-client.js';
import type { WorkerState } from './health.js';
import { silentLog, type WorkerLog } from './log.js';

export const SQS_WORKER_DEFAULTS = {
  concurrency: 1,
  maxAttempts: 3,
  visibilitySeconds: 120,
  waitSeconds: 20,
  retrySeconds: 10,
  /**
   * ECS sends SIGKILL `stopTimeout` seconds after SIGTERM: 30 s by default, at most 120 s on Fargate
   * (https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/ecs/aws.sdk.kotlin.services.ecs.model/-container-definition/stop-timeout.html). 110 s
   * fits inside the maximum with time left to release messages and close; set stopTimeout to 120 in the task
   * definition, or lower this to fit the stopTimeout you have.
   */
  drainSeconds: 110,
} as const;

/**
 * SQS keeps a message invisible for at most 12 hours from its receipt, extensions included
 * (https://aws-amplify.github.io/aws-sdk-android/docs/reference/com/amazonaws/services/sqs/model/ChangeMessageVisibilityRequest.html).
 */
export const MAX_VISIBILITY_SECONDS = 43_200;
/** Longest wait SQS allows a long poll (ReceiveMessage WaitTimeSeconds). */
export const MAX_WAIT_SECONDS = 20;
export { MAX_RETRY_DELAY_SECONDS };

export interface SqsWorkerOptions {
  /** The jobs queue: S3 event notifications, EventBridge S3 events or SNS envelopes of either. */
  queueUrl: string;
  /** The model and prefixes, as the batch function has them (MODEL_URI, INPUT_PREFIX, OUTPUT_PREFIX, ...). */
  pipeline: BatchPipelineOptions;
  /** Where poison jobs go, with their reason; without one, failed messages are left to the queue's redrive policy. */
  deadLetterQueueUrl?: string;
  /** Messages processed at once, through the one pipeline. @default 1 (each job already uses every engine thread) */
  concurrency?: number;
  /** Deliveries after which a failing object is dead-lettered. @default 3 */
  maxAttempts?: number;
  /** Visibility timeout set on receive and renewed while a message is processed, seconds. @default 120 */
  visibilitySeconds?: number;
  /** Long-poll wait of each receive, 0-20 seconds. @default 20 */
  waitSeconds?: number;
  /** A failed message reappears after `retrySeconds × 2^(attempts-1)` seconds (at most 900); 0: at once. @default 10 */
  retrySeconds?: number;
  /** Longest `stop` waits for messages in flight before releasing them, ms. @default 110000 */
  drainTimeoutMs?: number;
  /** @default a client from the environment (AWS_ENDPOINT_URL_SQS / AWS_ENDPOINT_URL, AWS_REGION) */
  sqs?: SQSClient;
  /** @default an SqsDeadLetterQueue on deadLetterQueueUrl */
  deadLetters?: DeadLetterSink;
  log?: WorkerLog;
}

export interface WorkerCounts {
  /** Messages received. */
  messages: number;
  /** Deleted after every job was handled. */
  deleted: number;
  /** Made visible again after a failure (to be retried, or moved by the queue's redrive policy). */
  retried: number;
  /** Released unfinished by a stop. */
  released: number;
  deadLettered: number;
  objectsDone: number;
  objectsSkipped: number;
  objectsFailed: number;
}

export interface WorkerStopReport {
  /** Messages in flight when receiving stopped. */
  inFlight: number;
  /** Messages still unfinished at the drain timeout, released for another worker. */
  released: number;
  ms: number;
  counts: WorkerCounts;
}

interface InFlight {
  message: Message;
  receiptHandle: string;
  messageId: string;
  extendedAt: number;
  /** Deleted, retried or released: nothing more may be done with the message or written for its jobs. */
  settled: boolean;
  done: Promise<void>;
}

type Verdict = 'delete' | 'retry';

export class SqsWorker {
  readonly counts: WorkerCounts = {
    messages: 0,
    deleted: 0,
    retried: 0,
    released: 0,
    deadLettered: 0,
    objectsDone: 0,
    objectsSkipped: 0,
    objectsFailed: 0,
  };
  private current: WorkerState = 'running';
  private readonly inFlight = new Map<string, InFlight>();
  private receiving: AbortController | undefined;
  private wake: () => void = () => undefined;
  /** Resolves when a stop begins (wakes the loop from its waits). */
  private readonly stopBegun: Promise<void>;
  private stopping: Promise<WorkerStopReport> | undefined;
  private forceNow: (() => void) | undefined;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly loopDone: Promise<void>;
  private readonly sqs: SQSClient;
  /** The client was made here, so the stop destroys it (its sockets would keep the process alive). */
  private readonly ownsSqs: boolean;
  private readonly delivery: JobDelivery;
  private readonly log: WorkerLog;
  private readonly settings: Required<
    Pick<
      SqsWorkerOptions,
      'concurrency' | 'maxAttempts' | 'visibilitySeconds' | 'waitSeconds' | 'retrySeconds' | 'drainTimeoutMs'
    >
  >;

  /** Opens the pipeline (loads and plans the model), then starts receiving. */
  static async start(options: SqsWorkerOptions): Promise<SqsWorker> {
    const settings = checkOptions(options);
    const pipeline = await BatchPipeline.open(options.pipeline);
    return new SqsWorker(options, settings, pipeline);
  }

  private constructor(
    private readonly options: SqsWorkerOptions,
    settings: SqsWorker['settings'],
    readonly pipeline: BatchPipeline,
  ) {
    this.settings = settings;
    this.sqs = options.sqs ?? createSqsClient();
    this.ownsSqs = options.sqs === undefined;
    const deadLetters =
      options.deadLetters ??
      (options.deadLetterQueueUrl ? new SqsDeadLetterQueue(options.deadLetterQueueUrl, this.sqs) : undefined);
    this.log = options.log ?? silentLog;
    this.delivery = new JobDelivery({
      pipeline,
      maxAttempts: settings.maxAttempts,
      deadLetters: deadLetters ?? 'redrive',
      ...(options.deadLetterQueueUrl === undefined ? {} : { deadLetterQueueUrl: options.deadLetterQueueUrl }),
      log: { log: this.log, note: (event) => this.note(event) },
    });
    this.stopBegun = new Promise((resolve) => {
      this.wake = resolve;
    });
    const renewMs = (settings.visibilitySeconds * 1000) / 3;
    this.heartbeat = setInterval(() => void this.renewVisibility(renewMs), Math.max(250, renewMs / 2));
    this.heartbeat.unref();
    this.log('INFO', 'worker started', {
      queueUrl: options.queueUrl,
      model: pipeline.model,
      batchSize: pipeline.microBatch.size,
      inputPrefix: options.pipeline.inputPrefix,
      outputPrefix: options.pipeline.outputPrefix,
      deadLetterQueue: options.deadLetterQueueUrl,
      ...settings,
    });
    this.loopDone = this.loop();
  }

  get state(): WorkerState {
    return this.current;
  }

  /** Messages being processed now. */
  get messagesInFlight(): number {
    return this.inFlight.size;
  }

  /**
   * Stops receiving, waits up to `timeoutMs` (default: the drain timeout) for messages in flight, releases those
   * still unfinished, closes the pipeline. Calling it again returns the same promise; `{ timeoutMs: 0 }` stops
   * waiting at once. `reason` (a signal name) goes in the log.
   */
  stop(options: { timeoutMs?: number; reason?: string } = {}): Promise<WorkerStopReport> {
    const timeoutMs = options.timeoutMs ?? this.settings.drainTimeoutMs;
    if (this.stopping) {
      if (timeoutMs === 0) this.forceNow?.();
      return this.stopping;
    }
    const started = performance.now();
    const deadline = started + timeoutMs;
    this.current = 'draining';
    this.wake();
    this.log('INFO', 'worker draining', {
      reason: options.reason,
      inFlight: this.inFlight.size,
      messages: [...this.inFlight.values()].map((entry) => entry.messageId),
      timeoutMs,
    });
    let forced: () => void = () => undefined;
    const force = new Promise<void>((resolve) => {
      forced = resolve;
    });
    this.forceNow = forced;
    this.stopping = (async () => {
      // A long poll is let run out rather than cut off: SQS may already have taken messages for it, and those would
      // stay invisible for a whole visibility timeout (https://github.com/aws/aws-sdk-go-v2/issues/2068). What it
      // brings back is released at once. Only the drain deadline (or a second stop) cuts it off.
      await untilDeadline(this.loopDone, deadline, force);
      this.receiving?.abort();
      await this.loopDone;
      const inFlight = this.inFlight.size;
      await untilDeadline(Promise.all([...this.inFlight.values()].map((entry) => entry.done)), deadline, force);
      const released = await this.releaseUnfinished();
      clearInterval(this.heartbeat);
      await this.pipeline.close();
      if (this.ownsSqs) this.sqs.destroy();
      this.current = 'stopped';
      const report: WorkerStopReport = { inFlight, released, ms: performance.now() - started, counts: this.counts };
      this.log('INFO', 'worker stopped', { ...report, ms: Math.round(report.ms) });
      return report;
    })();
    return this.stopping;
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (this.current === 'running') {
      const free = this.settings.concurrency - this.inFlight.size;
      if (free <= 0) {
        await Promise.race([...[...this.inFlight.values()].map((entry) => entry.done), this.stopBegun]);
        continue;
      }
      const controller = new AbortController();
      this.receiving = controller;
      let messages: Message[];
      try {
        const received = await this.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.options.queueUrl,
            MaxNumberOfMessages: Math.min(10, free),
            WaitTimeSeconds: this.settings.waitSeconds,
            VisibilityTimeout: this.settings.visibilitySeconds,
            MessageSystemAttributeNames: ['All'],
          }),
          { abortSignal: controller.signal },
        );
        messages = received.Messages ?? [];
        failures = 0;
      } catch (error) {
        if (this.current !== 'running') break;
        failures++;
        const waitMs = Math.min(20_000, 250 * 2 ** Math.min(failures, 7));
        this.log('WARN', 'receive failed, will try again', { queueUrl: this.options.queueUrl, error, waitMs });
        await Promise.race([sleep(waitMs), this.stopBegun]);
        continue;
      } finally {
        this.receiving = undefined;
      }
      if (this.current !== 'running') {
        // Received as the stop began: hand them straight back rather than start work the drain must wait for.
        await Promise.all(messages.map((message) => this.release(message.ReceiptHandle, message.MessageId)));
        break;
      }
      for (const message of messages) this.track(message);
      // Short polling (wait 0) of an empty queue: pause rather than ask SQS again at once.
      if (messages.length === 0 && this.settings.waitSeconds === 0) await Promise.race([sleep(1000), this.stopBegun]);
    }
  }

  private track(message: Message): void {
    const receiptHandle = message.ReceiptHandle;
    if (!receiptHandle) return;
    this.counts.messages++;
    const entry: InFlight = {
      message,
      receiptHandle,
      messageId: message.MessageId ?? '',
      extendedAt: performance.now(),
      settled: false,
      done: Promise.resolve(),
    };
    this.inFlight.set(receiptHandle, entry);
    entry.done = this.handle(entry).finally(() => this.inFlight.delete(receiptHandle));
  }

  /** Runs a message's jobs and settles it; never rejects. */
  private async handle(entry: InFlight): Promise<void> {
    const attempts = attemptsFromReceiveCount(entry.message.Attributes?.ApproximateReceiveCount);
    let verdict: Verdict;
    try {
      const record = sqsRecordOf(entry.message, this.options.queueUrl);
      const result = await this.delivery.runMessage(() => jobsFromSqsRecord(record), {
        attempts,
        messageId: entry.messageId,
        ...(entry.message.Body === undefined ? {} : { body: entry.message.Body }),
        owned: () => !entry.settled,
      });
      verdict = result.retry ? 'retry' : 'delete';
    } catch (error) {
      // A dead letter that could not be sent: the message comes back and is dead-lettered again.
      this.log('ERROR', 'message failed, will retry', { messageId: entry.messageId, attempts, error });
      verdict = 'retry';
    }
    if (entry.settled) return;
    entry.settled = true;
    try {
      if (verdict === 'delete') {
        await this.sqs.send(
          new DeleteMessageCommand({ QueueUrl: this.options.queueUrl, ReceiptHandle: entry.receiptHandle }),
        );
        this.counts.deleted++;
      } else {
        const delay = retryDelaySeconds(attempts, this.settings.retrySeconds);
        await this.changeVisibility(entry.receiptHandle, delay);
        this.counts.retried++;
        this.log('INFO', 'message to be retried', { messageId: entry.messageId, attempts, visibleInSeconds: delay });
      }
    } catch (error) {
      // Its receipt expired (it may be with another worker now): it comes back, and done work is skipped then.
      this.log('WARN', 'message not settled', { messageId: entry.messageId, verdict, error });
    }
  }

  /** The worker's counters, and a line for each object started (the drain reports what is in flight). */
  private note(event: DeliveryEvent): void {
    if (event.kind === 'started') {
      const { messageId, attempts } = event.delivery;
      this.log('INFO', 'object started', { input: event.job.input, messageId, attempts });
    } else if (event.kind === 'outcome') {
      // WorkerCounts keeps no hand-off count: a handed-off object is done as far as this worker goes.
      if (event.outcome.kind === 'skipped') this.counts.objectsSkipped++;
      else this.counts.objectsDone++;
    } else if (event.kind === 'failed') this.counts.objectsFailed++;
    else if (event.kind === 'dead-lettered') this.counts.deadLettered++;
  }

  /** Keeps messages in flight invisible: renews each one a third of the visibility timeout after the last time. */
  private async renewVisibility(everyMs: number): Promise<void> {
    const now = performance.now();
    const due = [...this.inFlight.values()].filter((entry) => !entry.settled && now - entry.extendedAt >= everyMs);
    await Promise.all(
      due.map(async (entry) => {
        entry.extendedAt = now;
        try {
          await this.changeVisibility(entry.receiptHandle, this.settings.visibilitySeconds);
        } catch (error) {
          // Past SQS's 12-hour bound, or the receipt expired: the message may be delivered again meanwhile.
          if (!entry.settled) this.log('WARN', 'visibility not extended', { messageId: entry.messageId, error });
        }
      }),
    );
  }

  /** Releases every message still in flight (visibility 0), so another worker takes it at once. */
  private async releaseUnfinished(): Promise<number> {
    const unfinished = [...this.inFlight.values()].filter((entry) => !entry.settled);
    for (const entry of unfinished) entry.settled = true;
    await Promise.all(unfinished.map((entry) => this.release(entry.receiptHandle, entry.messageId)));
    return unfinished.length;
  }

  private async release(receiptHandle: string | undefined, messageId: string | undefined): Promise<void> {
    if (!receiptHandle) return;
    try {
      await this.changeVisibility(receiptHandle, 0);
      this.counts.released++;
      this.log('INFO', 'message released', { messageId });
    } catch (error) {
      // It reappears when its visibility timeout ends instead.
      this.log('WARN', 'message not released', { messageId, error });
    }
  }

  private changeVisibility(receiptHandle: string, seconds: number): Promise<unknown> {
    return this.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.options.queueUrl,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: seconds,
      }),
    );
  }
}

/** The SQS record Lambda would hand the batch function for this message (what `jobsFromSqsRecord` reads). */
export function sqsRecordOf(message: Message, queueUrl: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  const { region, arn } = queueArnOf(queueUrl);
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    // Left undefined when absent: the parser reports a message without a body as poison.
    body: message.Body as string,
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? '',
      SenderId: attributes.SenderId ?? '',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? '',
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: arn,
    awsRegion: region,
  };
}

/** `https://sqs.<region>.amazonaws.com/<account>/<name>` → its ARN; a local endpoint gets the environment's region. */
function queueArnOf(queueUrl: string): { region: string; arn: string } {
  let region = regionFromEnv();
  try {
    const url = new URL(queueUrl);
    region = /^sqs\.([a-z0-9-]+)\.amazonaws\.com/.exec(url.hostname)?.[1] ?? region;
    const [account, name] = url.pathname.split('/').filter(Boolean);
    if (account && name) return { region, arn: `arn:aws:sqs:${region}:${account}:${name}` };
  } catch {
    // Not a URL: the ARN is only informational.
  }
  return { region, arn: '' };
}

/** Resolves after `ms`; the timer does not hold the process open. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Waits for `work`, but not past `deadline` (performance.now() time) nor past `force`. */
async function untilDeadline(work: Promise<unknown>, deadline: number, force: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, deadline - performance.now()));
  });
  try {
    await Promise.race([work, late, force]);
  } finally {
    clearTimeout(timer);
  }
}

function checkOptions(options: SqsWorkerOptions): SqsWorker['settings'] {
  if (!options.queueUrl?.trim()) throw new MindletError('INVALID_ARGUMENT', 'the worker needs a queue URL');
  const integer = (name: string, value: number | undefined, fallback: number, min: number, max: number) => {
    const chosen = value ?? fallback;
    if (!(Number.isSafeInteger(chosen) && chosen >= min && chosen <= max))
      throw new MindletError('INVALID_ARGUMENT', `${name} must be an integer from ${min} to ${max}, got ${chosen}`);
    return chosen;
  };
  const d = SQS_WORKER_DEFAULTS;
  return {
    concurrency: integer('concurrency', options.concurrency, d.concurrency, 1, 64),
    maxAttempts: integer('max attempts', options.maxAttempts, d.maxAttempts, 1, 1000),
    visibilitySeconds: integer(
      'visibility seconds',
      options.visibilitySeconds,
      d.visibilitySeconds,
      1,
      MAX_VISIBILITY_SECONDS,
    ),
    waitSeconds: integer('wait seconds', options.waitSeconds, d.waitSeconds, 0, MAX_WAIT_SECONDS),
    retrySeconds: integer('retry seconds', options.retrySeconds, d.retrySeconds, 0, MAX_RETRY_DELAY_SECONDS),
    drainTimeoutMs: integer('drain timeout (ms)', options.drainTimeoutMs, d.drainSeconds * 1000, 0, 3_600_000),
  };
}
