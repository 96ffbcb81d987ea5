/**
 * The delivery rules on their own, with a stand-in pipeline and dead-letter sink: which failures are retried and which
 * dead-lettered, what the status file and the dead letter say, what a hand-off counts as, and what a dead letter that
 * cannot be sent does to the message.
 */
import { describe, expect, it } from 'vitest';
import type { DeadLetter, DeadLetterSink } from '../../src/batch/dead-letter.js';
import {
  attemptsFromReceiveCount,
  type DeliveryEvent,
  type DeliveryLogLevel,
  type DeliveryOptions,
  JobDelivery,
  judgeFailure,
  MAX_RETRY_DELAY_SECONDS,
  type MessageDelivery,
  retryDelaySeconds,
} from '../../src/batch/delivery/index.js';
import { TransientTaskError } from '../../src/batch/ecs-task-runner.js';
import type { JobOutcome, ObjectJob, ObjectStatus } from '../../src/batch/types.js';
import { MindletError } from '../../src/errors.js';

const permanent = () => new MindletError('INVALID_FORMAT', 'in/a.npy: not an .npy file');
const transient = () => new Error('socket hang up');

function statusOf(state: ObjectStatus['state'], extra: Partial<ObjectStatus> = {}): ObjectStatus {
  return {
    schema: 'mindlet.batch-status/1',
    state,
    input: { uri: 's3://data/in/a.npy', etag: '"e"', size: 8, format: 'npy' },
    model: { name: 'lenet', version: '1', uri: 's3://models/lenet/1/model.mindir', etag: '"m"' },
    records: { total: 0, ok: 0, failed: 0 },
    errors: [],
    errorsOmitted: 0,
    timings: { readMs: 0, inferenceMs: 0, writeMs: 0, totalMs: 0 },
    startedAt: '2024-01-01T00:00:00.000Z',
    finishedAt: '2024-01-01T00:00:00.000Z',
    ...extra,
  };
}

interface Harness {
  delivery: JobDelivery;
  lines: Array<{ level: DeliveryLogLevel; message: string; fields: Record<string, unknown> }>;
  events: DeliveryEvent[];
  letters: DeadLetter[];
  /** What recordFailure was asked to write. */
  written: Array<{ input: string; state: string; attempts?: number; reason: string }>;
  processed: Array<{ input: string; attempts?: number }>;
}

function harness(
  options: {
    /** What process does for each input: an outcome, or an error to throw. */
    results?: Record<string, JobOutcome | Error>;
    deadLetters?: 'sink' | 'failing-sink' | 'redrive' | 'none';
    maxAttempts?: number;
    statusWrite?: 'ok' | 'not-written' | 'throws';
  } = {},
): Harness {
  const lines: Harness['lines'] = [];
  const events: DeliveryEvent[] = [];
  const letters: DeadLetter[] = [];
  const written: Harness['written'] = [];
  const processed: Harness['processed'] = [];
  const sink: DeadLetterSink = {
    async send(letter) {
      if (options.deadLetters === 'failing-sink') throw new Error('SQS SendMessage: access denied');
      letters.push(letter);
    },
  };
  const deadLetters: DeliveryOptions['deadLetters'] =
    options.deadLetters === 'redrive' || options.deadLetters === 'none' ? options.deadLetters : sink;
  const delivery = new JobDelivery({
    pipeline: {
      async process(job, processOptions = {}) {
        processed.push({ input: job.input, ...processOptions });
        const result = options.results?.[job.input] ?? { kind: 'done', status: statusOf('done') };
        if (result instanceof Error) throw result;
        return result;
      },
      async recordFailure(job, error, failure) {
        if (options.statusWrite === 'throws') throw new Error('status bucket gone');
        written.push({ input: job.input, ...failure, reason: (error as Error).message });
        if (options.statusWrite === 'not-written') return undefined;
        return statusOf(failure.state, { reason: (error as Error).message });
      },
    },
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
    deadLetters,
    deadLetterQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/dead',
    log: {
      log: (level, message, fields) => lines.push({ level, message, fields }),
      note: (event) => events.push(event),
    },
  });
  return { delivery, lines, events, letters, written, processed };
}

const job: ObjectJob = { input: 's3://data/in/a.npy', trigger: 'sqs:m-1' };
const message = (attempts: number | undefined): MessageDelivery => ({ attempts, messageId: 'm-1', body: '{"x":1}' });

describe('judgeFailure', () => {
  it.each([
    // error, attempts, max attempts → action, permanent, exhausted
    ['transient', 1, 3, 'retry', false, false],
    ['transient', 2, 3, 'retry', false, false],
    ['transient', 3, 3, 'dead-letter', false, true],
    ['transient', 5, 3, 'dead-letter', false, true],
    ['transient', undefined, 3, 'retry', false, false],
    ['transient', 9, undefined, 'retry', false, false],
    ['permanent', 1, 3, 'dead-letter', true, false],
    ['permanent', 3, 3, 'dead-letter', true, true],
    ['permanent', undefined, undefined, 'dead-letter', true, false],
  ] as const)('%s error, attempt %s of %s: %s', (kind, attempts, maxAttempts, action, isPermanent, exhausted) => {
    const error = kind === 'permanent' ? permanent() : transient();
    expect(judgeFailure(error, attempts, maxAttempts)).toEqual({
      action,
      permanent: isPermanent,
      exhausted,
      reason: error.message,
    });
  });

  it('takes RunTask capacity errors as transient and anything thrown as a reason', () => {
    expect(judgeFailure(new TransientTaskError('no GPU free'), 1, 3)).toMatchObject({ action: 'retry' });
    expect(judgeFailure('a string', 1, 3)).toMatchObject({ action: 'retry', reason: 'a string' });
  });
});

describe('attempts and retry delays', () => {
  it('reads ApproximateReceiveCount, 1 when missing or not a count', () => {
    expect(attemptsFromReceiveCount('4')).toBe(4);
    for (const value of [undefined, '', '0', '-2', '1.5', 'x']) expect(attemptsFromReceiveCount(value)).toBe(1);
  });

  it('doubles the delay with each attempt, up to the most SQS is asked for', () => {
    expect([1, 2, 3, 4].map((attempts) => retryDelaySeconds(attempts, 10))).toEqual([10, 20, 40, 80]);
    expect(retryDelaySeconds(0, 10)).toBe(10);
    expect(retryDelaySeconds(7, 10)).toBe(640);
    expect(retryDelaySeconds(8, 10)).toBe(MAX_RETRY_DELAY_SECONDS);
    expect(retryDelaySeconds(1000, 900)).toBe(MAX_RETRY_DELAY_SECONDS);
    expect(retryDelaySeconds(5, 0)).toBe(0);
  });
});

describe('JobDelivery.runJob', () => {
  it('retries a transient failure below the limit; the status says failed, nothing is dead-lettered', async () => {
    const h = harness({ results: { [job.input]: transient() }, maxAttempts: 3 });
    expect(await h.delivery.runJob(job, message(2))).toBe('retry');
    expect(h.processed).toEqual([{ input: job.input, attempts: 2 }]);
    expect(h.written).toEqual([{ input: job.input, state: 'failed', attempts: 2, reason: 'socket hang up' }]);
    expect(h.letters).toEqual([]);
    expect(h.lines.map((line) => [line.level, line.message])).toEqual([['WARN', 'object failed, will retry']]);
    expect(h.lines[0]!.fields).toEqual({ input: job.input, reason: 'socket hang up', attempts: 2, trigger: 'sqs:m-1' });
    expect(h.events.map((event) => event.kind)).toEqual(['started', 'failed']);
  });

  it('dead-letters a transient failure on its last attempt, with the message it came in', async () => {
    const h = harness({ results: { [job.input]: transient() }, maxAttempts: 3 });
    expect(await h.delivery.runJob(job, message(3))).toBe('handled');
    expect(h.written).toEqual([{ input: job.input, state: 'dead-lettered', attempts: 3, reason: 'socket hang up' }]);
    expect(h.letters).toEqual([
      {
        job,
        reason: 'socket hang up',
        attempts: 3,
        messageId: 'm-1',
        originalBody: '{"x":1}',
        failedAt: expect.any(String),
      },
    ]);
    expect(h.lines.map((line) => [line.level, line.message])).toEqual([['ERROR', 'object dead-lettered']]);
    expect(h.lines[0]!.fields).toMatchObject({
      permanent: false,
      attempts: 3,
      deadLetterQueue: 'https://sqs.eu-west-1.amazonaws.com/1/dead',
    });
    expect(h.events.map((event) => event.kind)).toEqual(['started', 'failed', 'dead-lettered']);
  });

  it('dead-letters a permanent failure on its first attempt', async () => {
    const h = harness({ results: { [job.input]: permanent() }, maxAttempts: 3 });
    expect(await h.delivery.runJob(job, message(1))).toBe('handled');
    expect(h.written[0]).toMatchObject({ state: 'dead-lettered', attempts: 1 });
    expect(h.letters).toHaveLength(1);
    expect(h.letters[0]).toMatchObject({ attempts: 1, reason: 'in/a.npy: not an .npy file' });
  });

  it('never exhausts a delivery it cannot count (a direct invocation): the letter says attempt 1', async () => {
    const retried = harness({ results: { [job.input]: transient() }, maxAttempts: 1 });
    expect(await retried.delivery.runJob(job, { attempts: undefined })).toBe('retry');
    expect(retried.processed).toEqual([{ input: job.input }]);
    expect(retried.written).toEqual([{ input: job.input, state: 'failed', reason: 'socket hang up' }]);
    const dead = harness({ results: { [job.input]: permanent() } });
    expect(await dead.delivery.runJob(job, { attempts: undefined })).toBe('handled');
    expect(dead.letters[0]).toMatchObject({ attempts: 1 });
    expect(dead.letters[0]).not.toHaveProperty('messageId');
  });

  it('without a queue of its own, fails a dead-lettered job so the redrive policy moves it', async () => {
    const h = harness({ results: { [job.input]: permanent() }, deadLetters: 'redrive', maxAttempts: 3 });
    expect(await h.delivery.runJob(job, message(1))).toBe('retry');
    expect(h.written[0]).toMatchObject({ state: 'dead-lettered' });
    expect(h.lines.map((line) => line.message)).toEqual(['object dead-lettered']);
  });

  it('rejects when the dead letter cannot be sent (the message comes back), after writing the status', async () => {
    const h = harness({ results: { [job.input]: permanent() }, deadLetters: 'failing-sink', maxAttempts: 3 });
    await expect(h.delivery.runJob(job, message(1))).rejects.toThrow(/access denied/);
    expect(h.written[0]).toMatchObject({ state: 'dead-lettered' });
    expect(h.events.map((event) => event.kind)).toEqual(['started', 'failed']);
  });

  it('goes on when the status file cannot be written, and says so', async () => {
    const unwritten = harness({ results: { [job.input]: transient() }, statusWrite: 'not-written', maxAttempts: 3 });
    expect(await unwritten.delivery.runJob(job, message(1))).toBe('retry');
    expect(unwritten.lines.at(-1)).toEqual({
      level: 'WARN',
      message: 'no status file written for failed object',
      fields: { input: job.input, state: 'failed' },
    });
    const throwing = harness({ results: { [job.input]: permanent() }, statusWrite: 'throws', maxAttempts: 3 });
    expect(await throwing.delivery.runJob(job, message(1))).toBe('handled');
    expect(throwing.letters).toHaveLength(1);
    expect(throwing.lines.at(-1)).toMatchObject({ message: 'status file for failed object not written' });
  });

  it('counts a heavy hand-off as handled; a refused hand-off follows the failure rules', async () => {
    const handedOff = statusOf('handed-off', {
      reason: 'object over 8 bytes',
      handoff: { runner: 'ecs', taskId: 't-1' },
    });
    const h = harness({ results: { [job.input]: { kind: 'handed-off', status: handedOff } } });
    expect(await h.delivery.runJob(job, message(1))).toBe('handled');
    expect(h.lines).toEqual([
      {
        level: 'INFO',
        message: 'object handed off',
        fields: { input: job.input, handoff: { runner: 'ecs', taskId: 't-1' }, reason: 'object over 8 bytes' },
      },
    ]);
    expect(h.events.at(-1)).toMatchObject({ kind: 'outcome', outcome: { kind: 'handed-off' } });
    expect(h.written).toEqual([]);

    const busy = harness({ results: { [job.input]: new TransientTaskError('no capacity') }, maxAttempts: 3 });
    expect(await busy.delivery.runJob(job, message(1))).toBe('retry');
    const refused = harness({
      results: { [job.input]: new MindletError('INVALID_ARGUMENT', 'ECS refused RunTask') },
      maxAttempts: 3,
    });
    expect(await refused.delivery.runJob(job, message(1))).toBe('handled');
    expect(refused.letters).toHaveLength(1);
  });

  it('logs a done or skipped object, and writes no failure', async () => {
    const skipped: JobOutcome = {
      kind: 'skipped',
      reason: 'already-done',
      statusUri: 's3://data/out/a.npy.status.json',
    };
    const h = harness({ results: { 's3://data/in/b.npy': skipped } });
    expect(await h.delivery.runJob(job, message(1))).toBe('handled');
    expect(await h.delivery.runJob({ input: 's3://data/in/b.npy' }, message(1))).toBe('handled');
    expect(h.lines.map((line) => line.message)).toEqual(['object done', 'object skipped']);
    expect(h.lines[0]!.fields).toMatchObject({ input: job.input, trigger: 'sqs:m-1' });
    expect(h.written).toEqual([]);
  });

  it('writes nothing for a job whose message the runner has given up meanwhile', async () => {
    const h = harness({ results: { [job.input]: permanent() }, maxAttempts: 3 });
    expect(await h.delivery.runJob(job, { ...message(1), owned: () => false })).toBe('retry');
    expect(h.written).toEqual([]);
    expect(h.letters).toEqual([]);
    expect(h.lines).toEqual([]);
  });

  it('runs inside the runner’s span', async () => {
    const spans: string[] = [];
    const delivery = new JobDelivery({
      pipeline: {
        process: async () => ({ kind: 'done', status: statusOf('done') }),
        recordFailure: async () => undefined,
      },
      deadLetters: 'redrive',
      log: {
        log: () => undefined,
        span: async (spanned, work) => {
          spans.push(`open ${spanned.input}`);
          try {
            return await work();
          } finally {
            spans.push('close');
          }
        },
      },
    });
    expect(await delivery.runJob(job, message(1))).toBe('handled');
    expect(spans).toEqual([`open ${job.input}`, 'close']);
  });
});

describe('a one-shot run (no queue: deadLetters none)', () => {
  it('records every failure as failed; only a transient one is to be retried', async () => {
    const failedForGood = harness({ deadLetters: 'none' });
    const lasting = await failedForGood.delivery.failed(job, permanent(), { attempts: undefined });
    expect(lasting).toMatchObject({ result: 'handled', verdict: { permanent: true }, status: { state: 'failed' } });
    expect(failedForGood.written).toEqual([
      { input: job.input, state: 'failed', reason: 'in/a.npy: not an .npy file' },
    ]);
    expect(failedForGood.lines[0]).toMatchObject({ level: 'ERROR', message: 'object failed permanently' });

    const flaky = harness({ deadLetters: 'none' });
    expect(await flaky.delivery.failed(job, transient(), { attempts: undefined })).toMatchObject({
      result: 'retry',
      verdict: { permanent: false },
    });
    expect(flaky.lines[0]).toMatchObject({ level: 'WARN', message: 'object failed', fields: { permanent: false } });
    expect(flaky.letters).toEqual([]);
  });
});

describe('JobDelivery.runMessage', () => {
  const jobs = (inputs: string[]) => () => inputs.map((input) => ({ input }));

  it('settles a message when every job is handled, retries it when any job must be', async () => {
    const h = harness({ results: { 's3://data/in/flaky.npy': transient() }, maxAttempts: 3 });
    expect(await h.delivery.runMessage(jobs(['s3://data/in/a.npy']), message(1))).toEqual({ retry: false });
    expect(await h.delivery.runMessage(jobs(['s3://data/in/flaky.npy', 's3://data/in/a.npy']), message(1))).toEqual({
      retry: true,
      why: 'objects to retry: s3://data/in/flaky.npy',
    });
    // The job after a failed one still runs.
    expect(h.processed.map((entry) => entry.input)).toEqual([
      's3://data/in/a.npy',
      's3://data/in/flaky.npy',
      's3://data/in/a.npy',
    ]);
  });

  it('dead-letters a message that names no object, whole and without a status', async () => {
    const h = harness();
    const result = await h.delivery.runMessage(() => {
      throw new MindletError('INVALID_FORMAT', 'SQS message m-1 is not JSON');
    }, message(1));
    expect(result).toEqual({ retry: false });
    expect(h.letters).toEqual([
      {
        reason: 'SQS message m-1 is not JSON',
        attempts: 1,
        messageId: 'm-1',
        originalBody: '{"x":1}',
        failedAt: expect.any(String),
      },
    ]);
    expect(h.written).toEqual([]);
    expect(h.lines).toEqual([
      {
        level: 'ERROR',
        message: 'message dead-lettered',
        fields: { messageId: 'm-1', reason: 'SQS message m-1 is not JSON' },
      },
    ]);
    expect(h.events.map((event) => event.kind)).toEqual(['poison', 'dead-lettered']);
  });

  it('without a queue of its own, fails a poison message for the redrive policy', async () => {
    const h = harness({ deadLetters: 'redrive' });
    const result = await h.delivery.runMessage(() => {
      throw new Error('not an event');
    }, message(1));
    expect(result).toEqual({ retry: true, why: 'poison message m-1: not an event' });
  });

  it('says when a message names no new object', async () => {
    const h = harness();
    expect(await h.delivery.runMessage(jobs([]), message(1))).toEqual({ retry: false });
    expect(h.lines).toEqual([{ level: 'INFO', message: 'message names no new object', fields: { messageId: 'm-1' } }]);
  });

  it('starts no further job once the runner has given the message up', async () => {
    const h = harness();
    let owned = true;
    const result = await h.delivery.runMessage(jobs(['s3://data/in/a.npy', 's3://data/in/b.npy']), {
      ...message(1),
      owned: () => {
        const now = owned;
        owned = false;
        return now;
      },
    });
    expect(result).toMatchObject({ retry: true });
    expect(h.processed.map((entry) => entry.input)).toEqual(['s3://data/in/a.npy']);
  });
});
