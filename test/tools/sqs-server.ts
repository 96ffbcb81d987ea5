/**
 * A minimal Amazon SQS stand-in on 127.0.0.1 for tests. It speaks the AWS JSON 1.0 protocol that the v3 SDK's
 * SQSClient uses (POST /, `X-Amz-Target: AmazonSQS.<Operation>`), for CreateQueue, GetQueueUrl, SendMessage,
 * ReceiveMessage, DeleteMessage, ChangeMessageVisibility, PurgeQueue and GetQueueAttributes, with SQS's own
 * semantics where tests can see them: a received message stays invisible for the visibility timeout and comes back
 * with ApproximateReceiveCount one higher; MD5 digests of the body and of the message attributes are computed as SQS
 * documents them, so the SDK's checksum validation runs for real. Requests are not signed-checked.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SQSClient } from '@aws-sdk/client-sqs';

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const MAX_BODY_BYTES = 256 * 1024;
/** What SQS refuses in bodies and string attributes (outside XML's Char production, lone surrogates included). */
const REFUSED_CHARACTERS =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what SQS refuses
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  /** base64, as the JSON protocol carries blobs. */
  BinaryValue?: string;
}

interface StoredMessage {
  id: string;
  body: string;
  attributes: Record<string, MessageAttributeValue>;
  sentAt: number;
  firstReceivedAt?: number;
  receiveCount: number;
  /** Epoch ms before which the message is not delivered (delay or visibility timeout). */
  visibleAt: number;
  receiptHandle?: string;
}

interface Queue {
  name: string;
  url: string;
  arn: string;
  visibilityTimeout: number;
  attributes: Record<string, string>;
  messages: StoredMessage[];
  createdAt: number;
}

export interface LocalSqs {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  region: string;
  /** A client configured for the server (dummy credentials). */
  client: SQSClient;
  /** Environment that points the SDK at this server, for child processes (any credentials are accepted). */
  env: Record<string, string>;
  /** Creates the queue (idempotent) and answers its URL. */
  createQueue(name: string, attributes?: Record<string, string>): Promise<string>;
  /** The queue's ARN (for event records' eventSourceARN). */
  queueArn(queueUrl: string): string;
  /** Operations served so far, in order (`SendMessage`, ...), for asserting what a client did. */
  readonly operations: readonly string[];
  stop(): Promise<void>;
}

class SqsError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly queryCode: string,
    message: string,
  ) {
    super(message);
  }
}

/** SQS's documented MD5 of message attributes: names sorted; each name, type and value length-prefixed. */
export function md5OfMessageAttributes(attributes: Record<string, MessageAttributeValue>): string {
  const hash = createHash('md5');
  const lengthPrefixed = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.byteLength);
    hash.update(length);
    hash.update(bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    const value = attributes[name]!;
    lengthPrefixed(Buffer.from(name, 'utf8'));
    lengthPrefixed(Buffer.from(value.DataType, 'utf8'));
    if (value.BinaryValue !== undefined) {
      hash.update(Buffer.from([2]));
      lengthPrefixed(Buffer.from(value.BinaryValue, 'base64'));
    } else {
      hash.update(Buffer.from([1]));
      lengthPrefixed(Buffer.from(value.StringValue ?? '', 'utf8'));
    }
  }
  return hash.digest('hex');
}

function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

export async function startLocalSqs(): Promise<LocalSqs> {
  const queues = new Map<string, Queue>();
  const operations: string[] = [];
  let endpoint = '';

  const queueFromUrl = (url: unknown): Queue => {
    const name = typeof url === 'string' ? url.slice(url.lastIndexOf('/') + 1) : '';
    const queue = queues.get(name);
    if (!queue)
      throw new SqsError(
        400,
        'com.amazonaws.sqs#QueueDoesNotExist',
        'AWS.SimpleQueueService.NonExistentQueue',
        'The specified queue does not exist.',
      );
    return queue;
  };

  const createQueue = (name: string, attributes: Record<string, string> = {}): Queue => {
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name))
      throw new SqsError(400, 'com.amazonaws.sqs#InvalidParameterValue', 'InvalidParameterValue', 'bad queue name');
    const existing = queues.get(name);
    if (existing) return existing;
    const queue: Queue = {
      name,
      url: `${endpoint}/${ACCOUNT}/${name}`,
      arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`,
      visibilityTimeout: Number(attributes.VisibilityTimeout ?? 30),
      attributes,
      messages: [],
      createdAt: Date.now(),
    };
    queues.set(name, queue);
    return queue;
  };

  const visible = (queue: Queue, now: number) => queue.messages.filter((message) => message.visibleAt <= now);

  const operationsTable: Record<string, (input: Record<string, unknown>) => Promise<unknown> | unknown> = {
    CreateQueue: (input) => ({
      QueueUrl: createQueue(String(input.QueueName), (input.Attributes ?? {}) as Record<string, string>).url,
    }),
    GetQueueUrl: (input) => {
      const queue = queues.get(String(input.QueueName));
      if (!queue)
        throw new SqsError(
          400,
          'com.amazonaws.sqs#QueueDoesNotExist',
          'AWS.SimpleQueueService.NonExistentQueue',
          'The specified queue does not exist.',
        );
      return { QueueUrl: queue.url };
    },
    SendMessage: (input) => {
      const queue = queueFromUrl(input.QueueUrl);
      const body = input.MessageBody;
      if (typeof body !== 'string' || body.length === 0)
        throw new SqsError(400, 'com.amazonaws.sqs#MissingParameter', 'MissingParameter', 'MessageBody is required');
      const attributes = (input.MessageAttributes ?? {}) as Record<string, MessageAttributeValue>;
      const texts = [body, ...Object.values(attributes).map((value) => value.StringValue ?? '')];
      if (texts.some((text) => REFUSED_CHARACTERS.test(text)))
        throw new SqsError(
          400,
          'com.amazonaws.sqs#InvalidMessageContents',
          'InvalidMessageContents',
          'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
        );
      const size =
        Buffer.byteLength(body) +
        Object.entries(attributes).reduce(
          (sum, [name, value]) =>
            sum +
            Buffer.byteLength(name) +
            Buffer.byteLength(value.DataType) +
            Buffer.byteLength(value.StringValue ?? '') +
            Buffer.from(value.BinaryValue ?? '', 'base64').byteLength,
          0,
        );
      if (size > MAX_BODY_BYTES)
        throw new SqsError(
          400,
          'com.amazonaws.sqs#InvalidParameterValue',
          'InvalidParameterValue',
          `One or more parameters are invalid. Reason: Message must be shorter than ${MAX_BODY_BYTES} bytes.`,
        );
      for (const [name, value] of Object.entries(attributes)) {
        if (!/^(String|Number|Binary)(\..+)?$/.test(value.DataType ?? ''))
          throw new SqsError(
            400,
            'com.amazonaws.sqs#InvalidParameterValue',
            'InvalidParameterValue',
            `The type of message attribute ${name} is invalid.`,
          );
        if (value.DataType.startsWith('Number') && !Number.isFinite(Number(value.StringValue)))
          throw new SqsError(
            400,
            'com.amazonaws.sqs#InvalidParameterValue',
            'InvalidParameterValue',
            `Message attribute ${name} is not a number.`,
          );
        if (value.StringValue === '' && value.BinaryValue === undefined)
          throw new SqsError(
            400,
            'com.amazonaws.sqs#InvalidParameterValue',
            'InvalidParameterValue',
            `Message attribute ${name} must contain a non-empty value.`,
          );
      }
      const now = Date.now();
      const message: StoredMessage = {
        id: randomUUID(),
        body,
        attributes,
        sentAt: now,
        receiveCount: 0,
        visibleAt: now + Number(input.DelaySeconds ?? 0) * 1000,
      };
      queue.messages.push(message);
      return {
        MessageId: message.id,
        MD5OfMessageBody: md5(body),
        ...(Object.keys(attributes).length > 0 ? { MD5OfMessageAttributes: md5OfMessageAttributes(attributes) } : {}),
      };
    },
    ReceiveMessage: async (input) => {
      const queue = queueFromUrl(input.QueueUrl);
      const max = Math.min(10, Math.max(1, Number(input.MaxNumberOfMessages ?? 1)));
      const waitUntil = Date.now() + Math.min(20, Number(input.WaitTimeSeconds ?? 0)) * 1000;
      while (visible(queue, Date.now()).length === 0 && Date.now() < waitUntil)
        await new Promise((resolve) => setTimeout(resolve, 20));
      const now = Date.now();
      const timeout = Number(input.VisibilityTimeout ?? queue.visibilityTimeout);
      const wanted = new Set([
        ...((input.MessageSystemAttributeNames ?? []) as string[]),
        ...((input.AttributeNames ?? []) as string[]),
      ]);
      const attributeNames = new Set((input.MessageAttributeNames ?? []) as string[]);
      const delivered = visible(queue, now)
        .slice(0, max)
        .map((message) => {
          message.receiveCount += 1;
          message.firstReceivedAt ??= now;
          message.visibleAt = now + timeout * 1000;
          message.receiptHandle = Buffer.from(`${message.id}#${message.receiveCount}#${randomUUID()}`).toString(
            'base64',
          );
          const system: Record<string, string> = {
            SenderId: 'AIDAIENQZJOLO23YVJ4VO',
            SentTimestamp: String(message.sentAt),
            ApproximateReceiveCount: String(message.receiveCount),
            ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt),
          };
          const all = wanted.has('All');
          const attributes = Object.fromEntries(Object.entries(system).filter(([name]) => all || wanted.has(name)));
          const userAttributes = Object.fromEntries(
            Object.entries(message.attributes).filter(
              ([name]) => attributeNames.has('All') || attributeNames.has('.*') || attributeNames.has(name),
            ),
          );
          return {
            MessageId: message.id,
            ReceiptHandle: message.receiptHandle,
            MD5OfBody: md5(message.body),
            Body: message.body,
            ...(Object.keys(attributes).length > 0 ? { Attributes: attributes } : {}),
            ...(Object.keys(userAttributes).length > 0
              ? { MessageAttributes: userAttributes, MD5OfMessageAttributes: md5OfMessageAttributes(userAttributes) }
              : {}),
          };
        });
      return delivered.length > 0 ? { Messages: delivered } : {};
    },
    DeleteMessage: (input) => {
      const queue = queueFromUrl(input.QueueUrl);
      const index = queue.messages.findIndex((message) => message.receiptHandle === input.ReceiptHandle);
      if (index < 0)
        throw new SqsError(
          400,
          'com.amazonaws.sqs#ReceiptHandleIsInvalid',
          'ReceiptHandleIsInvalid',
          'The input receipt handle is invalid.',
        );
      queue.messages.splice(index, 1);
      return {};
    },
    ChangeMessageVisibility: (input) => {
      const queue = queueFromUrl(input.QueueUrl);
      const message = queue.messages.find((candidate) => candidate.receiptHandle === input.ReceiptHandle);
      if (!message)
        throw new SqsError(
          400,
          'com.amazonaws.sqs#ReceiptHandleIsInvalid',
          'ReceiptHandleIsInvalid',
          'The input receipt handle is invalid.',
        );
      message.visibleAt = Date.now() + Number(input.VisibilityTimeout ?? 0) * 1000;
      return {};
    },
    PurgeQueue: (input) => {
      queueFromUrl(input.QueueUrl).messages = [];
      return {};
    },
    GetQueueAttributes: (input) => {
      const queue = queueFromUrl(input.QueueUrl);
      const now = Date.now();
      const all: Record<string, string> = {
        ...queue.attributes,
        QueueArn: queue.arn,
        VisibilityTimeout: String(queue.visibilityTimeout),
        CreatedTimestamp: String(Math.floor(queue.createdAt / 1000)),
        ApproximateNumberOfMessages: String(visible(queue, now).length),
        ApproximateNumberOfMessagesNotVisible: String(queue.messages.filter((m) => m.visibleAt > now).length),
      };
      const names = (input.AttributeNames ?? ['All']) as string[];
      return {
        Attributes: names.includes('All')
          ? all
          : Object.fromEntries(Object.entries(all).filter(([name]) => names.includes(name))),
      };
    },
  };

  const server: Server = createServer((request, response) => {
    void serve(request, response);
  });

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = target.startsWith('AmazonSQS.') ? target.slice('AmazonSQS.'.length) : '';
    try {
      const handler = operationsTable[operation];
      if (request.method !== 'POST' || !handler)
        throw new SqsError(
          400,
          'com.amazonaws.sqs#UnsupportedOperation',
          'AWS.SimpleQueueService.UnsupportedOperation',
          `unsupported operation ${JSON.stringify(target)}`,
        );
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        throw new SqsError(400, 'com.amazonaws.sqs#InvalidParameterValue', 'InvalidParameterValue', 'body is not JSON');
      }
      operations.push(operation);
      const output = await handler(input);
      reply(response, 200, output, {});
    } catch (error) {
      if (!(error instanceof SqsError)) {
        reply(response, 500, { __type: 'com.amazonaws.sqs#InternalError', message: String(error) }, {});
        return;
      }
      reply(
        response,
        error.status,
        { __type: error.type, message: error.message },
        { 'x-amzn-query-error': `${error.queryCode};Sender` },
      );
    }
  }

  function reply(response: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
    const text = JSON.stringify(body);
    response.writeHead(status, {
      'content-type': 'application/x-amz-json-1.0',
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': randomUUID(),
      ...headers,
    });
    response.end(text);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const credentials = { accessKeyId: 'LOCALSQS', secretAccessKey: 'LOCALSQS' };
  const client = new SQSClient({ endpoint, region: REGION, credentials });

  return {
    endpoint,
    region: REGION,
    client,
    env: { AWS_ENDPOINT_URL_SQS: endpoint, AWS_REGION: REGION },
    async createQueue(name, attributes) {
      return createQueue(name, attributes).url;
    },
    queueArn(queueUrl) {
      return queueFromUrl(queueUrl).arn;
    },
    operations,
    async stop() {
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
