/**
 * The delivery decisions as pure functions: how many deliveries a job has had, whether a failed job is tried again or
 * given up on (dead-lettered), and how long a retried message waits. Every batch runner (the Lambda function, the
 * queue worker, the one-shot container task) decides through these.
 */
import { isPermanentBatchError } from '../pipeline.js';

/** Longest backoff before a failed message is delivered again, seconds. */
export const MAX_RETRY_DELAY_SECONDS = 900;

/** What to do with a job that failed as a whole. */
export interface FailureVerdict {
  /** `retry`: deliver it again; `dead-letter`: give up on it (retrying cannot help, or it was its last attempt). */
  action: 'retry' | 'dead-letter';
  /** Retrying cannot fix it: the input or model is wrong, not the network. */
  permanent: boolean;
  /** It failed on its last allowed delivery. */
  exhausted: boolean;
  /** The error's message, for the status file, the dead letter and the log. */
  reason: string;
}

/**
 * A permanent failure is given up on at once; a transient one is retried until `attempts` reaches `maxAttempts`.
 * Without a count (a direct invocation, whose retries are Lambda's) or without a limit it is never exhausted.
 */
export function judgeFailure(
  error: unknown,
  attempts: number | undefined,
  maxAttempts: number | undefined,
): FailureVerdict {
  const permanent = isPermanentBatchError(error);
  const exhausted = attempts !== undefined && maxAttempts !== undefined && attempts >= maxAttempts;
  return { action: permanent || exhausted ? 'dead-letter' : 'retry', permanent, exhausted, reason: reasonOf(error) };
}

/** Deliveries so far from SQS's `ApproximateReceiveCount` attribute; 1 when it is missing or not a count. */
export function attemptsFromReceiveCount(value: string | undefined): number {
  const count = Number(value);
  return Number.isSafeInteger(count) && count > 0 ? count : 1;
}

/** Seconds until a retried message is visible again: `baseSeconds × 2^(attempts-1)`, at most 900; 0 stays 0. */
export function retryDelaySeconds(attempts: number, baseSeconds: number): number {
  const delay = baseSeconds * 2 ** Math.min(Math.max(attempts - 1, 0), 20);
  return Math.min(MAX_RETRY_DELAY_SECONDS, Math.round(delay));
}

/** An error's message (anything thrown may be no Error). */
export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
