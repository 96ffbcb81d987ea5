/**
 * What a batch has done so far (`mindlet batch status`): the status files under the output prefix, matched with
 * the input objects under the input prefix. An input is pending until a status exists for its current version.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { readJsonObject } from '../store/json-objects.js';
import { listObjects } from '../store/object-listing.js';
import { codecForKey } from './formats/index.js';
import { sameEtag } from './pipeline.js';
import { BATCH_MARKER, joinPrefix, parseBatchPrefix, STATUS_SUFFIX } from './prefixes.js';
import type { ObjectStatus } from './types.js';

export type ListedState = ObjectStatus['state'] | 'pending';

export interface ListedObject {
  /** Input key relative to the prefixes. */
  key: string;
  state: ListedState;
  /** Records ok / failed (done objects). */
  records?: ObjectStatus['records'];
  /** Why it failed, or what it was handed to. */
  reason?: string;
  /** Pending because the input changed since its status was written. */
  changed?: boolean;
  finishedAt?: string;
}

export interface BatchListing {
  outputPrefix: string;
  /** Undefined when neither given nor recorded at the output prefix: pending inputs cannot be listed then. */
  inputPrefix: string | undefined;
  objects: ListedObject[];
  counts: Record<ListedState, number>;
  records: { ok: number; failed: number };
}

export async function listBatchStatus(
  outputPrefix: string,
  options: { input?: string; s3?: S3Client } = {},
): Promise<BatchListing> {
  const s3 = options.s3 ? { s3: options.s3 } : {};
  const output = parseBatchPrefix(outputPrefix);
  let inputPrefix = options.input;
  if (inputPrefix === undefined) {
    const marker = await readJsonObject(joinPrefix(output, BATCH_MARKER), s3);
    const recorded = (marker?.value as { input?: unknown } | undefined)?.input;
    if (typeof recorded === 'string') inputPrefix = recorded;
  }

  const statuses = new Map<string, ObjectStatus>();
  for await (const object of listObjects(output.uri, s3)) {
    if (!object.relativeKey.endsWith(STATUS_SUFFIX)) continue;
    const found = await readJsonObject(object.uri, s3).catch(() => undefined);
    const status = found?.value as ObjectStatus | undefined;
    if (status?.schema !== 'mindlet.batch-status/1') continue;
    statuses.set(object.relativeKey.slice(0, -STATUS_SUFFIX.length), status);
  }

  const objects: ListedObject[] = [];
  const seen = new Set<string>();
  if (inputPrefix !== undefined) {
    for await (const object of listObjects(parseBatchPrefix(inputPrefix).uri, s3)) {
      if (!codecForKey(object.relativeKey)) continue;
      seen.add(object.relativeKey);
      const status = statuses.get(object.relativeKey);
      if (status && sameEtag(status.input.etag, object.etag)) objects.push(listed(object.relativeKey, status));
      else objects.push({ key: object.relativeKey, state: 'pending', ...(status ? { changed: true } : {}) });
    }
  }
  // Statuses whose input is gone (or when the input prefix is unknown) are still listed.
  for (const [key, status] of statuses) if (!seen.has(key)) objects.push(listed(key, status));
  objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

  const counts: Record<ListedState, number> = { done: 0, failed: 0, 'dead-lettered': 0, 'handed-off': 0, pending: 0 };
  const records = { ok: 0, failed: 0 };
  for (const object of objects) {
    counts[object.state]++;
    records.ok += object.records?.ok ?? 0;
    records.failed += object.records?.failed ?? 0;
  }
  return { outputPrefix: output.uri, inputPrefix, objects, counts, records };
}

function listed(key: string, status: ObjectStatus): ListedObject {
  return {
    key,
    state: status.state,
    ...(status.state === 'done' ? { records: status.records } : {}),
    ...(status.reason === undefined ? {} : { reason: status.reason }),
    finishedAt: status.finishedAt,
  };
}
