/**
 * What S3 says about new objects, as jobs: S3 event notifications (directly in SQS, or wrapped by SNS), S3's
 * `s3:TestEvent`, and EventBridge "Object Created" events (in SQS, or invoking the function directly). Every key is
 * checked before it becomes a job, since it names both the object read and the output written. A message that is
 * none of these is a poison message: it fails with INVALID_FORMAT and is never retried into success.
 */
import type { SQSRecord } from 'aws-lambda';
import { MindletError } from '../errors.js';
import { parseModelUri } from '../store/uri.js';
import type { ObjectJob } from './types.js';

type Json = Record<string, unknown>;

/** The jobs one SQS message names (none for a test event or a non-create event); trigger `sqs:<messageId>`. */
export function jobsFromSqsRecord(record: SQSRecord): ObjectJob[] {
  const where = `SQS message ${record.messageId}`;
  if (typeof record.body !== 'string') throw poison(where, 'has no body');
  return jobsFromBody(parseJson(record.body, where), `sqs:${record.messageId}`, where, true);
}

/** The jobs of an EventBridge event delivered straight to the function; trigger `eventbridge:<id>`. */
export function jobsFromEventBridgeEvent(event: unknown): ObjectJob[] {
  const id = isObject(event) && typeof event.id === 'string' ? event.id : 'without id';
  const where = `EventBridge event ${id}`;
  if (!isEventBridgeEvent(event)) throw poison(where, 'is not an EventBridge event');
  return fromEventBridge(event, `eventbridge:${id}`, where);
}

/** True for an EventBridge envelope (as Lambda receives one from a rule), as opposed to an SQS batch. */
export function isEventBridgeEvent(event: unknown): event is Json {
  return isObject(event) && hasEventBridgeEnvelope(event);
}

function hasEventBridgeEnvelope(value: Json): boolean {
  return typeof value['detail-type'] === 'string' && typeof value.source === 'string';
}

function jobsFromBody(body: unknown, trigger: string, where: string, snsAllowed: boolean): ObjectJob[] {
  if (!isObject(body)) throw poison(where, 'is not a JSON object');
  // S3 sends this once when a notification configuration is saved; there is nothing to do.
  if (body.Event === 's3:TestEvent') return [];
  if (Array.isArray(body.Records)) return fromS3Notification(body.Records, trigger, where);
  if (hasEventBridgeEnvelope(body)) return fromEventBridge(body, trigger, where);
  if (snsAllowed && body.Type === 'Notification' && typeof body.Message === 'string')
    return jobsFromBody(parseJson(body.Message, `${where} (SNS message)`), trigger, `${where} (SNS message)`, false);
  throw poison(where, 'is neither an S3 event notification nor an EventBridge S3 event');
}

function fromS3Notification(records: unknown[], trigger: string, where: string): ObjectJob[] {
  if (records.length === 0) throw poison(where, 'is an S3 event notification without records');
  const jobs: ObjectJob[] = [];
  records.forEach((record, index) => {
    const at = `${where} record ${index}`;
    if (!isObject(record) || record.eventSource !== 'aws:s3') throw poison(at, 'is not an S3 event record');
    if (typeof record.eventName !== 'string') throw poison(at, 'has no eventName');
    // Deletes, restores, tagging...: only new objects are predicted.
    if (!record.eventName.startsWith('ObjectCreated:')) return;
    const s3 = record.s3;
    if (!isObject(s3) || !isObject(s3.bucket) || !isObject(s3.object)) throw poison(at, 'has no s3.bucket / s3.object');
    const object = s3.object;
    if (typeof object.key !== 'string') throw poison(at, 'has no object key');
    jobs.push(
      job(at, {
        bucket: s3.bucket.name,
        // Notification keys are URL-encoded the way HTML forms are: '+' is a space.
        key: decodeNotificationKey(object.key, at),
        size: object.size,
        etag: object.eTag,
        versionId: object.versionId,
        trigger,
      }),
    );
  });
  return jobs;
}

function fromEventBridge(event: Json, trigger: string, where: string): ObjectJob[] {
  if (event.source !== 'aws.s3') throw poison(where, `comes from ${JSON.stringify(event.source)}, not aws.s3`);
  if (event['detail-type'] !== 'Object Created') return [];
  const detail = event.detail;
  if (!isObject(detail) || !isObject(detail.bucket) || !isObject(detail.object))
    throw poison(where, 'has no detail.bucket / detail.object');
  const object = detail.object;
  if (typeof object.key !== 'string') throw poison(where, 'has no object key');
  // EventBridge carries keys as they are, not URL-encoded.
  return [
    job(where, {
      bucket: detail.bucket.name,
      key: object.key,
      size: object.size,
      etag: object.etag,
      versionId: object['version-id'],
      trigger,
    }),
  ];
}

interface Announced {
  bucket: unknown;
  key: string;
  size: unknown;
  etag: unknown;
  versionId: unknown;
  trigger: string;
}

function job(where: string, announced: Announced): ObjectJob {
  if (typeof announced.bucket !== 'string') throw poison(where, 'has no bucket name');
  let input: string;
  try {
    input = parseModelUri(`s3://${announced.bucket}/${announced.key}`).uri;
  } catch (error) {
    throw poison(where, `names an object that cannot be processed: ${(error as Error).message}`);
  }
  const { size, etag, versionId } = announced;
  if (size !== undefined && !(typeof size === 'number' && Number.isSafeInteger(size) && size >= 0))
    throw poison(where, `has an invalid object size ${JSON.stringify(size)}`);
  if (etag !== undefined && (typeof etag !== 'string' || etag === ''))
    throw poison(where, `has an invalid ETag ${JSON.stringify(etag)}`);
  if (versionId !== undefined && versionId !== null && typeof versionId !== 'string')
    throw poison(where, `has an invalid version id ${JSON.stringify(versionId)}`);
  return {
    input,
    // Events carry ETags bare; S3's API (HeadObject, ListObjectsV2) and the status files quote them.
    ...(etag === undefined ? {} : { etag: /^(W\/)?"/.test(etag) ? etag : `"${etag}"` }),
    // Unversioned buckets announce no version (EventBridge) or the literal "null" version.
    ...(typeof versionId === 'string' && versionId !== '' && versionId !== 'null' ? { versionId } : {}),
    ...(size === undefined ? {} : { size }),
    trigger: announced.trigger,
  };
}

function decodeNotificationKey(key: string, where: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    throw poison(where, `has a key that is not URL-encoded: ${JSON.stringify(key.slice(0, 200))}`);
  }
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw poison(where, `is not JSON (${(error as Error).message})`);
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function poison(where: string, reason: string): MindletError {
  return new MindletError('INVALID_FORMAT', `${where} ${reason}`);
}
