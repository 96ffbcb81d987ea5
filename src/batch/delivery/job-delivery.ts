/**
 * Jobs delivered by a batch runner: each predicted through the pipeline and, when it fails as a whole, retried or given
 * up on by the rules (rules.ts), with the failure written to its status file and, when given up, to the dead-letter
 * queue. What differs per runner comes in: how many deliveries a message has had (`MessageDelivery.attempts`), where
 * given-up jobs go (`DeliveryOptions.deadLetters`), and how lines, counters and traces are kept (`DeliveryLog`). The
 * verdicts go back to the runner, which signals a retry its own way: a partial batch failure (Lambda), a visibility
 * change (queue worker), an exit code (one-shot task).
 */
import type { DeadLetterSink } from '../dead-letter.js';
import type { BatchPipeline } from '../pipeline.js';
import type { JobOutcome, ObjectJob, ObjectStatus } from '../types.js';
import { type FailureVerdict, judgeFailure, reasonOf } from './rules.js';

export type DeliveryLogLevel = 'INFO' | 'WARN' | 'ERROR';

/** A step of a delivery, for the runner's metrics or counters. */
export type DeliveryEvent =
  | { kind: 'started'; job: ObjectJob; delivery: MessageDelivery }
  | { kind: 'outcome'; job: ObjectJob; outcome: JobOutcome }
  /** The job failed as a whole; `verdict` says whether it will be retried. Noted before anything is written. */
  | { kind: 'failed'; job: ObjectJob; error: unknown; verdict: FailureVerdict }
  /** The message named no object; noted before its dead letter is sent. */
  | { kind: 'poison'; error: unknown }
  /** A dead letter was sent, for a job or (without one) a whole message. */
  | { kind: 'dead-lettered'; job?: ObjectJob };

/** How a runner keeps its logs, metrics and traces: Powertools in Lambda, JSON lines and counters in a container. */
export interface DeliveryLog {
  /** One structured line; fields that are undefined are left out. */
  log(level: DeliveryLogLevel, message: string, fields: Record<string, unknown>): void;
  note?(event: DeliveryEvent): void;
  /** Runs one job's delivery inside a trace span. */
  span?<T>(job: ObjectJob, work: () => Promise<T>): Promise<T>;
}

/** One delivery of a message (or a direct event) naming jobs. */
export interface MessageDelivery {
  /**
   * Deliveries so far (SQS ApproximateReceiveCount); undefined where the runner cannot count them (a direct
   * invocation, which Lambda retries; a one-shot task). Without a count a transient failure is never the last.
   */
  attempts: number | undefined;
  messageId?: string;
  /** The message as received, kept in its dead letters. */
  body?: string;
  /** False once the runner has given the message up (a stop released it): nothing more is started or written for it. */
  owned?: () => boolean;
}

/** What the delivery needs of a pipeline (a BatchPipeline; a stand-in in tests). */
export type DeliveryPipeline = Pick<BatchPipeline, 'process' | 'recordFailure'>;

export interface DeliveryOptions {
  pipeline: DeliveryPipeline;
  /** Deliveries after which a transiently failing job is given up on. @default no limit */
  maxAttempts?: number;
  /**
   * Where a job that is given up on goes: a dead-letter queue of ours; `redrive`, failing the message so the source
   * queue's redrive policy moves it; or `none`, for a one-shot run that nothing delivers again (its status says
   * `failed`, and that is final).
   */
  deadLetters: DeadLetterSink | 'redrive' | 'none';
  /** Named in the log line of a dead-lettered job. */
  deadLetterQueueUrl?: string;
  log: DeliveryLog;
}

/** What became of one job: handled (done, skipped, handed off or given up on) or to be delivered again. */
export type JobResult = 'handled' | 'retry';

/** What becomes of a message: settled (acknowledged), or delivered again, with why. */
export type MessageResult = { retry: false } | { retry: true; why: string };

export interface FailureResult {
  result: JobResult;
  verdict: FailureVerdict;
  /** The status file written for the failure, when it could be written. */
  status?: ObjectStatus;
}

export class JobDelivery {
  constructor(private readonly options: DeliveryOptions) {}

  /** Every job one message names; the message is delivered again when any of its jobs must be. */
  async runMessage(parse: () => ObjectJob[], delivery: MessageDelivery): Promise<MessageResult> {
    let jobs: ObjectJob[];
    try {
      jobs = parse();
    } catch (error) {
      if ((await this.poison(error, delivery)) === 'handled') return { retry: false };
      return { retry: true, why: `poison message ${delivery.messageId ?? ''}: ${reasonOf(error)}` };
    }
    if (jobs.length === 0) this.log('INFO', 'message names no new object', { messageId: delivery.messageId });
    const retry: string[] = [];
    // One object after another: each uses every engine thread, and a second would only double the memory.
    for (const job of jobs) {
      if (!owned(delivery)) return { retry: true, why: `message ${delivery.messageId ?? ''} was released` };
      if ((await this.runJob(job, delivery)) === 'retry') retry.push(job.input);
    }
    return retry.length > 0 ? { retry: true, why: `objects to retry: ${retry.join(', ')}` } : { retry: false };
  }

  /** Predicts one job and applies the rules to its outcome or failure. */
  runJob(job: ObjectJob, delivery: MessageDelivery): Promise<JobResult> {
    const { log } = this.options;
    return log.span ? log.span(job, () => this.attempt(job, delivery)) : this.attempt(job, delivery);
  }

  /** Logs and notes what a job came to. A hand-off is handled: the task it went to writes the job's status. */
  succeeded(job: ObjectJob, outcome: JobOutcome): void {
    this.options.log.note?.({ kind: 'outcome', job, outcome });
    if (outcome.kind === 'skipped') {
      this.log('INFO', 'object skipped', { input: job.input, reason: outcome.reason, status: outcome.statusUri });
      return;
    }
    const { status } = outcome;
    if (outcome.kind === 'handed-off') {
      this.log('INFO', 'object handed off', { input: job.input, handoff: status.handoff, reason: status.reason });
      return;
    }
    this.log('INFO', 'object done', {
      input: job.input,
      output: status.output?.uri,
      records: status.records,
      batchSize: status.batchSize,
      timings: status.timings,
      trigger: job.trigger,
    });
  }

  /**
   * A job that failed as a whole: retried while it may be, else dead-lettered with its reason. The status file says
   * which; a dead letter that cannot be sent rejects, so the message comes back and is dead-lettered again.
   */
  async failed(job: ObjectJob, error: unknown, delivery: MessageDelivery): Promise<FailureResult> {
    const { attempts } = delivery;
    const { deadLetters } = this.options;
    const verdict = judgeFailure(error, attempts, this.options.maxAttempts);
    const { reason, permanent } = verdict;
    const result: JobResult = verdict.action === 'retry' ? 'retry' : 'handled';
    this.options.log.note?.({ kind: 'failed', job, error, verdict });
    if (deadLetters === 'none') {
      this.log(permanent ? 'ERROR' : 'WARN', permanent ? 'object failed permanently' : 'object failed', {
        input: job.input,
        reason,
        permanent,
      });
      return withStatus({ result, verdict }, await this.recordFailure(job, error, 'failed', attempts));
    }
    if (verdict.action === 'retry') {
      this.log('WARN', 'object failed, will retry', { input: job.input, reason, attempts, trigger: job.trigger });
      return withStatus({ result, verdict }, await this.recordFailure(job, error, 'failed', attempts));
    }
    this.log('ERROR', 'object dead-lettered', {
      input: job.input,
      reason,
      attempts,
      permanent,
      trigger: job.trigger,
      deadLetterQueue: this.options.deadLetterQueueUrl,
    });
    const status = await this.recordFailure(job, error, 'dead-lettered', attempts);
    // Without a queue of our own, failing the message hands it to the source queue's redrive policy.
    if (deadLetters === 'redrive') return withStatus({ result: 'retry', verdict }, status);
    await this.sendLetter(deadLetters, job, reason, delivery);
    return withStatus({ result, verdict }, status);
  }

  /** A message that names no object (not JSON, not an S3 event): dead-lettered whole, without a status. */
  async poison(error: unknown, delivery: MessageDelivery): Promise<JobResult> {
    const reason = reasonOf(error);
    this.options.log.note?.({ kind: 'poison', error });
    this.log('ERROR', 'message dead-lettered', { messageId: delivery.messageId, reason });
    const { deadLetters } = this.options;
    if (typeof deadLetters === 'string') return 'retry';
    await this.sendLetter(deadLetters, undefined, reason, delivery);
    return 'handled';
  }

  /** The status file is where users look; failing to write it must not change what happens to the message. */
  async recordFailure(
    job: ObjectJob,
    error: unknown,
    state: 'failed' | 'dead-lettered',
    attempts: number | undefined,
  ): Promise<ObjectStatus | undefined> {
    try {
      const status = await this.options.pipeline.recordFailure(job, error, {
        state,
        ...(attempts === undefined ? {} : { attempts }),
      });
      if (!status) this.log('WARN', 'no status file written for failed object', { input: job.input, state });
      return status;
    } catch (statusError) {
      this.log('WARN', 'status file for failed object not written', { input: job.input, state, error: statusError });
      return undefined;
    }
  }

  private async attempt(job: ObjectJob, delivery: MessageDelivery): Promise<JobResult> {
    this.options.log.note?.({ kind: 'started', job, delivery });
    try {
      const { attempts } = delivery;
      const outcome = await this.options.pipeline.process(job, attempts === undefined ? {} : { attempts });
      this.succeeded(job, outcome);
      return 'handled';
    } catch (error) {
      // Released by a stop that gave up waiting: this runner no longer owns the job, and writes nothing for it.
      if (!owned(delivery)) return 'retry';
      return (await this.failed(job, error, delivery)).result;
    }
  }

  private async sendLetter(
    sink: DeadLetterSink,
    job: ObjectJob | undefined,
    reason: string,
    delivery: MessageDelivery,
  ): Promise<void> {
    await sink.send({
      ...(job === undefined ? {} : { job }),
      reason,
      attempts: delivery.attempts ?? 1,
      ...(delivery.messageId === undefined ? {} : { messageId: delivery.messageId }),
      ...(delivery.body === undefined ? {} : { originalBody: delivery.body }),
      failedAt: new Date().toISOString(),
    });
    this.options.log.note?.({ kind: 'dead-lettered', ...(job === undefined ? {} : { job }) });
  }

  private log(level: DeliveryLogLevel, message: string, fields: Record<string, unknown>): void {
    this.options.log.log(level, message, fields);
  }
}

function owned(delivery: MessageDelivery): boolean {
  return delivery.owned?.() ?? true;
}

function withStatus(result: FailureResult, status: ObjectStatus | undefined): FailureResult {
  return status === undefined ? result : { ...result, status };
}
