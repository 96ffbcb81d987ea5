/**
 * Where poison jobs go: objects that failed permanently or too many times, and messages that name no object at all.
 * A dead letter carries its reason, so whoever drains the queue knows why without searching logs; the same reason is
 * in the object's status file when there is one.
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { regionFromEnv } from '../store/s3-client.js';
import type { ObjectJob } from './types.js';

export interface DeadLetter {
  /** The job that failed; absent when the message named no object (it was not an event at all). */
  job?: ObjectJob;
  reason: string;
  /** Deliveries seen (SQS ApproximateReceiveCount), 1 for a direct invocation. */
  attempts: number;
  /** The SQS message the job came from. */
  messageId?: string;
  /** That message's body, kept so it can be sent back to the queue once the cause is fixed. */
  originalBody?: string;
  /** ISO 8601. */
  failedAt: string;
}

export interface DeadLetterSink {
  send(letter: DeadLetter): Promise<void>;
}

/** Marks a message as a mindlet dead letter, and its body's format version. */
export const DEAD_LETTER_VERSION = 1;
/** Longest reason kept in the `mindlet-reason` attribute (the body has it whole). */
export const MAX_REASON_ATTRIBUTE = 256;
/**
 * Most UTF-8 bytes the original body may take inside the letter (escaped as a JSON string). SQS takes 256 KiB per
 * message, body and attributes together; the envelope and the reason need the rest.
 */
export const MAX_ORIGINAL_BODY_BYTES = 192 * 1024;
const MAX_REASON = 4096;

/** The JSON body of a dead-letter message. */
export interface DeadLetterBody {
  mindletDeadLetter: typeof DEAD_LETTER_VERSION;
  /** Input URI of the failed job, or null when the message named none. */
  input: string | null;
  etag?: string;
  versionId?: string;
  trigger?: string;
  messageId?: string;
  reason: string;
  attempts: number;
  failedAt: string;
  originalBody?: string;
  /** Present (true) when originalBody was cut to fit MAX_ORIGINAL_BODY_BYTES. */
  originalBodyTruncated?: boolean;
}

export function deadLetterBody(letter: DeadLetter): DeadLetterBody {
  const { job } = letter;
  const original = letter.originalBody === undefined ? undefined : fitted(sqsText(letter.originalBody));
  return {
    mindletDeadLetter: DEAD_LETTER_VERSION,
    input: job?.input ?? null,
    ...(job?.etag === undefined ? {} : { etag: job.etag }),
    ...(job?.versionId === undefined ? {} : { versionId: job.versionId }),
    ...(job?.trigger === undefined ? {} : { trigger: job.trigger }),
    ...(letter.messageId === undefined ? {} : { messageId: letter.messageId }),
    reason: cut(sqsText(letter.reason), MAX_REASON),
    attempts: letter.attempts,
    failedAt: letter.failedAt,
    ...(original === undefined ? {} : { originalBody: original.text }),
    ...(original?.truncated ? { originalBodyTruncated: true } : {}),
  };
}

/** Sends each dead letter as one message to an SQS queue (the function's own DLQ, or any queue). */
export class SqsDeadLetterQueue implements DeadLetterSink {
  private readonly sqs: SQSClient;

  constructor(
    readonly queueUrl: string,
    sqs?: SQSClient,
  ) {
    this.sqs = sqs ?? createSqsClient();
  }

  async send(letter: DeadLetter): Promise<void> {
    const reason = sqsText(letter.reason).trim() || 'unknown';
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(deadLetterBody(letter)),
        MessageAttributes: {
          'mindlet-reason': { DataType: 'String', StringValue: cut(reason, MAX_REASON_ATTRIBUTE) },
          // Attribute values may not be empty: a letter without a job has no input attribute.
          ...(letter.job ? { 'mindlet-input': { DataType: 'String', StringValue: sqsText(letter.job.input) } } : {}),
          'mindlet-attempts': { DataType: 'Number', StringValue: String(letter.attempts) },
        },
      }),
    );
  }
}

/** SQS client from the environment: AWS_ENDPOINT_URL_SQS or AWS_ENDPOINT_URL when set (local stand-ins), else AWS. */
export function createSqsClient(env: NodeJS.ProcessEnv = process.env): SQSClient {
  const ignore = /^(1|true)$/i.test(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? '');
  const endpoint = ignore ? undefined : env.AWS_ENDPOINT_URL_SQS || env.AWS_ENDPOINT_URL || undefined;
  return new SQSClient({ region: regionFromEnv(env), ...(endpoint ? { endpoint } : {}) });
}

/** The body, cut until its JSON-escaped UTF-8 form fits MAX_ORIGINAL_BODY_BYTES. */
function fitted(body: string): { text: string; truncated: boolean } {
  let text = body;
  for (;;) {
    const bytes = Buffer.byteLength(JSON.stringify(text));
    if (bytes <= MAX_ORIGINAL_BODY_BYTES) return { text, truncated: text.length < body.length };
    text = cut(text, Math.floor((text.length * MAX_ORIGINAL_BODY_BYTES * 0.95) / bytes));
  }
}

/** At most `max` UTF-16 units, never splitting a surrogate pair. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\uD800-\uDBFF]/.test(text[max - 1] ?? '') ? max - 1 : max;
  return text.slice(0, end);
}

/**
 * SQS refuses characters outside #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF (lone surrogates included);
 * error messages may quote anything, so those become U+FFFD.
 */
const REFUSED_BY_SQS =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the characters SQS refuses are exactly what is replaced
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function sqsText(text: string): string {
  return text.replace(REFUSED_BY_SQS, '\uFFFD');
}
