import { createHash } from 'node:crypto';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DeadLetter,
  type DeadLetterBody,
  MAX_ORIGINAL_BODY_BYTES,
  MAX_REASON_ATTRIBUTE,
  SqsDeadLetterQueue,
} from '../../src/batch/dead-letter.js';
import { type LocalSqs, md5OfMessageAttributes, startLocalSqs } from '../tools/sqs-server.js';

let sqs: LocalSqs;

beforeAll(async () => {
  sqs = await startLocalSqs();
});

afterAll(async () => {
  await sqs?.stop();
});

async function receiveAll(queueUrl: string) {
  const { Messages = [] } = await sqs.client.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
    }),
  );
  return Messages;
}

const job = {
  input: 's3://data-bucket/in/batch one.npy',
  etag: '"9b2cf535f27731c974343645a3985328"',
  versionId: '3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY',
  size: 4096,
  trigger: 'sqs:6a1f2c3d',
};

describe('SqsDeadLetterQueue', () => {
  it('sends one message: the JSON letter, and the reason, input and attempts as message attributes', async () => {
    const queueUrl = await sqs.createQueue('dlq-basic');
    const letter: DeadLetter = {
      job,
      reason: `INVALID_FORMAT: ${'x'.repeat(400)}`,
      attempts: 3,
      messageId: '6a1f2c3d',
      originalBody: '{"Records":[]}',
      failedAt: '2024-03-12T09:41:30.000Z',
    };
    await new SqsDeadLetterQueue(queueUrl, sqs.client).send(letter);
    const messages = await receiveAll(queueUrl);
    expect(messages).toHaveLength(1);
    const [message] = messages;
    const body = JSON.parse(message!.Body!) as DeadLetterBody;
    expect(body).toEqual({
      mindletDeadLetter: 1,
      input: job.input,
      etag: job.etag,
      versionId: job.versionId,
      trigger: job.trigger,
      messageId: '6a1f2c3d',
      reason: letter.reason,
      attempts: 3,
      failedAt: letter.failedAt,
      originalBody: letter.originalBody,
    });
    const attributes = message!.MessageAttributes!;
    expect(Object.keys(attributes).sort()).toEqual(['mindlet-attempts', 'mindlet-input', 'mindlet-reason']);
    expect(attributes['mindlet-reason']).toEqual({
      DataType: 'String',
      StringValue: letter.reason.slice(0, MAX_REASON_ATTRIBUTE),
    });
    expect(attributes['mindlet-input']).toEqual({ DataType: 'String', StringValue: job.input });
    expect(attributes['mindlet-attempts']).toEqual({ DataType: 'Number', StringValue: '3' });
    expect(sqs.operations.filter((operation) => operation === 'SendMessage')).toHaveLength(1);
  });

  it('sends a letter for a message that named no object: input null, no input attribute, the raw body kept', async () => {
    const queueUrl = await sqs.createQueue('dlq-no-job');
    await new SqsDeadLetterQueue(queueUrl, sqs.client).send({
      reason: 'SQS message m-9 is not JSON',
      attempts: 1,
      messageId: 'm-9',
      originalBody: 'hello, not json',
      failedAt: '2024-03-12T09:41:30.000Z',
    });
    const [message] = await receiveAll(queueUrl);
    const body = JSON.parse(message!.Body!) as DeadLetterBody;
    expect(body.input).toBeNull();
    expect(body.originalBody).toBe('hello, not json');
    expect(body).not.toHaveProperty('originalBodyTruncated');
    expect(Object.keys(message!.MessageAttributes!).sort()).toEqual(['mindlet-attempts', 'mindlet-reason']);
  });

  it('cuts an oversized original body to fit one SQS message, and says so', async () => {
    const queueUrl = await sqs.createQueue('dlq-large');
    // Quotes double when escaped inside the letter's JSON; the letter must still fit SQS's 256 KiB.
    const originalBody = `${'"é'.repeat(150_000)}😀`;
    await new SqsDeadLetterQueue(queueUrl, sqs.client).send({
      job,
      reason: 'too big',
      attempts: 1,
      originalBody,
      failedAt: new Date().toISOString(),
    });
    const [message] = await receiveAll(queueUrl);
    const body = JSON.parse(message!.Body!) as DeadLetterBody;
    expect(body.originalBodyTruncated).toBe(true);
    expect(originalBody.startsWith(body.originalBody!)).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(body.originalBody))).toBeLessThanOrEqual(MAX_ORIGINAL_BODY_BYTES);
    expect(body.originalBody!.length).toBeGreaterThan(50_000);
  });

  it('replaces characters SQS refuses (control characters, lone surrogates) instead of failing to send', async () => {
    const queueUrl = await sqs.createQueue('dlq-characters');
    const reason = 'bad\u0000byte \ud800 and \u0007bell, but 😀 is kept';
    await new SqsDeadLetterQueue(queueUrl, sqs.client).send({
      job,
      reason,
      attempts: 2,
      originalBody: 'body \uffff',
      failedAt: new Date().toISOString(),
    });
    const [message] = await receiveAll(queueUrl);
    const body = JSON.parse(message!.Body!) as DeadLetterBody;
    expect(body.reason).toBe('bad\ufffdbyte \ufffd and \ufffdbell, but 😀 is kept');
    expect(body.originalBody).toBe('body \ufffd');
    expect(message!.MessageAttributes!['mindlet-reason']!.StringValue).toBe(body.reason);
  });

  it('does not cut a surrogate pair at the attribute limit', async () => {
    const queueUrl = await sqs.createQueue('dlq-pair');
    const reason = `${'r'.repeat(MAX_REASON_ATTRIBUTE - 1)}😀 tail`;
    await new SqsDeadLetterQueue(queueUrl, sqs.client).send({ job, reason, attempts: 1, failedAt: 'now' });
    const [message] = await receiveAll(queueUrl);
    expect(message!.MessageAttributes!['mindlet-reason']!.StringValue).toBe('r'.repeat(MAX_REASON_ATTRIBUTE - 1));
  });

  it('rejects when the queue does not take the message (the caller retries the job)', async () => {
    const queue = new SqsDeadLetterQueue(`${sqs.endpoint}/000000000000/no-such-queue`, sqs.client);
    await expect(queue.send({ job, reason: 'r', attempts: 1, failedAt: 'now' })).rejects.toThrow(/does not exist/);
  });

  it('finds the SQS endpoint in the environment when no client is given', async () => {
    const queueUrl = await sqs.createQueue('dlq-env');
    const saved = { ...process.env };
    Object.assign(process.env, sqs.env, { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' });
    try {
      await new SqsDeadLetterQueue(queueUrl).send({ job, reason: 'from env', attempts: 1, failedAt: 'now' });
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
    const [message] = await receiveAll(queueUrl);
    expect(JSON.parse(message!.Body!).reason).toBe('from env');
  });
});

describe('the SQS stand-in', () => {
  it("computes SQS's documented MD5 of message attributes", () => {
    // One String attribute, laid out by hand: name, type, transport 1, value, each length-prefixed (big-endian).
    const prefixed = (text: string) => {
      const bytes = Buffer.from(text, 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32BE(bytes.length);
      return Buffer.concat([length, bytes]);
    };
    const expected = createHash('md5')
      .update(Buffer.concat([prefixed('a'), prefixed('String'), Buffer.from([1]), prefixed('v')]))
      .digest('hex');
    expect(md5OfMessageAttributes({ a: { DataType: 'String', StringValue: 'v' } })).toBe(expected);
    // Names are sorted; binary values use transport type 2.
    const both = md5OfMessageAttributes({
      b: { DataType: 'Binary', BinaryValue: Buffer.from([0, 1]).toString('base64') },
      a: { DataType: 'String', StringValue: 'v' },
    });
    const binary = Buffer.concat([prefixed('b'), prefixed('Binary'), Buffer.from([2, 0, 0, 0, 2, 0, 1])]);
    expect(both).toBe(
      createHash('md5')
        .update(Buffer.concat([prefixed('a'), prefixed('String'), Buffer.from([1]), prefixed('v'), binary]))
        .digest('hex'),
    );
  });

  it('redelivers an unacknowledged message after its visibility timeout with a higher receive count', async () => {
    const queueUrl = await sqs.createQueue('redelivery');
    const client = new SQSClient({
      endpoint: sqs.endpoint,
      region: sqs.region,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    await new SqsDeadLetterQueue(queueUrl, client).send({ job, reason: 'r', attempts: 1, failedAt: 'now' });
    const receive = async () =>
      (
        await client.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            VisibilityTimeout: 0,
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          }),
        )
      ).Messages ?? [];
    const first = await receive();
    const second = await receive();
    expect(first[0]!.Attributes).toEqual({ ApproximateReceiveCount: '1' });
    expect(second[0]!.Attributes).toEqual({ ApproximateReceiveCount: '2' });
    expect(second[0]!.MessageId).toBe(first[0]!.MessageId);
    client.destroy();
  });
});
