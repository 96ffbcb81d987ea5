/**
 * Real S3 event shapes for a given object, built from the templates in test/functions/events: an S3 event
 * notification (as S3 puts it in an SQS message), an EventBridge "Object Created" event, and the SQS records Lambda
 * hands the function (from a template, or from a message actually received from an SQS queue).
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Message } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function eventTemplate<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(path.join(root, 'test/functions/events', `${name}.json`), 'utf8')) as T;
}

/** An object as an event announces it: ETags without quotes, as S3 and EventBridge write them. */
export interface AnnouncedObject {
  bucket: string;
  key: string;
  size: number;
  etag: string;
  versionId?: string;
}

/** S3 writes keys in notifications form-URL-encoded: '+' for a space, '/' kept, everything else escaped. */
export function encodeNotificationKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/%2F/g, '/')
    .replace(/%20/g, '+')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function unquoteEtag(etag: string | undefined): string {
  return (etag ?? '').replace(/^"|"$/g, '');
}

/** The JSON body S3 sends to an SQS queue for a new object. */
export function s3NotificationBody(object: AnnouncedObject, eventName = 'ObjectCreated:Put'): string {
  const template = JSON.parse(eventTemplate<SQSEvent>('sqs-s3-object-created').Records[0]!.body);
  const [record] = template.Records;
  const announced = {
    ...record,
    eventName,
    eventTime: new Date().toISOString(),
    s3: {
      ...record.s3,
      bucket: { ...record.s3.bucket, name: object.bucket, arn: `arn:aws:s3:::${object.bucket}` },
      object: {
        key: encodeNotificationKey(object.key),
        size: object.size,
        eTag: unquoteEtag(object.etag),
        ...(object.versionId ? { versionId: object.versionId } : {}),
        sequencer: record.s3.object.sequencer,
      },
    },
  };
  return JSON.stringify({ Records: [announced] });
}

/** EventBridge's "Object Created" event for an object (id: the event's UUID). */
export function eventBridgeObjectCreated(object: AnnouncedObject, id: string = randomUUID()): Record<string, unknown> {
  const template = eventTemplate('eventbridge-s3-object-created') as Record<string, Record<string, unknown>>;
  const detail = template.detail!;
  return {
    ...template,
    id,
    time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    resources: [`arn:aws:s3:::${object.bucket}`],
    detail: {
      ...detail,
      bucket: { name: object.bucket },
      object: {
        key: object.key,
        size: object.size,
        etag: unquoteEtag(object.etag),
        ...(object.versionId ? { 'version-id': object.versionId } : {}),
        sequencer: (detail.object as Record<string, unknown>).sequencer,
      },
      reason: 'PutObject',
    },
  };
}

export interface SqsRecordOptions {
  messageId?: string;
  /** ApproximateReceiveCount: 1 on first delivery. */
  receiveCount?: number;
  queueArn?: string;
}

/** The SQS record Lambda's event source mapping passes for a message with this body. */
export function sqsRecord(body: string, options: SqsRecordOptions = {}): SQSRecord {
  const template = eventTemplate<SQSEvent>('sqs-s3-object-created').Records[0]!;
  const now = String(Date.now());
  return {
    ...template,
    messageId: options.messageId ?? randomUUID(),
    receiptHandle: Buffer.from(randomUUID()).toString('base64'),
    body,
    attributes: {
      ...template.attributes,
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: now,
      ApproximateFirstReceiveTimestamp: now,
    },
    md5OfBody: createHash('md5').update(body, 'utf8').digest('hex'),
    ...(options.queueArn ? { eventSourceARN: options.queueArn } : {}),
  };
}

/** The SQS record for a message really received from a queue (ReceiveMessage with all system attributes). */
export function sqsRecordFromMessage(message: Message, queueArn: string): SQSRecord {
  const template = eventTemplate<SQSEvent>('sqs-s3-object-created').Records[0]!;
  return {
    ...template,
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body!,
    attributes: { ...template.attributes, ...(message.Attributes as SQSRecord['attributes']) },
    md5OfBody: message.MD5OfBody!,
    eventSourceARN: queueArn,
  };
}

export function sqsEvent(records: SQSRecord[]): SQSEvent {
  return { Records: records };
}
