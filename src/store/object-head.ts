/**
 * Which version an object is, without its bytes: one HEAD on S3, one stat on disk (where the ETag is made from size
 * and mtime), and the check that a later GET still answers with that version. A missing object is `undefined`, for
 * each caller to decide what that means; a directory is refused.
 */
import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { MindletError } from '../errors.js';
import { fileError, isMissing, ObjectChangedError, s3Error, TransientStoreError } from './object-errors.js';
import { sharedS3Client } from './s3-client.js';
import { type FileLocation, type ModelLocation, type S3Location, toModelLocation } from './uri.js';

export interface ObjectHead {
  etag: string;
  size: number;
  versionId?: string;
  lastModified?: Date;
}

/** Version of an object without its bytes; undefined when there is none. */
export async function headObject(
  uri: string | ModelLocation,
  options: { s3?: S3Client } = {},
): Promise<ObjectHead | undefined> {
  const location = toModelLocation(uri);
  if (location.kind === 's3') return headS3(sharedS3Client(options), location);
  const info = await statFile(location);
  if (!info) return undefined;
  if (info.isDirectory())
    throw new MindletError('INVALID_ARGUMENT', 'is a directory, not a file', { file: location.path });
  return { etag: localEtag(info), size: info.size, lastModified: info.mtime };
}

/** One HEAD; undefined for a missing key, every other failure sorted by `s3Error`. */
export async function headS3(
  client: S3Client,
  location: S3Location,
  signal?: AbortSignal,
): Promise<ObjectHead | undefined> {
  try {
    const head = await client.send(
      new HeadObjectCommand({ Bucket: location.bucket, Key: location.key }),
      signal ? { abortSignal: signal } : {},
    );
    return {
      etag: head.ETag ?? '',
      size: Number(head.ContentLength ?? 0),
      ...(head.VersionId ? { versionId: head.VersionId } : {}),
      ...(head.LastModified ? { lastModified: head.LastModified } : {}),
    };
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw s3Error(error, location);
  }
}

/** Stat of a file; undefined when missing; a directory is returned (callers decide). */
export async function statFile(location: FileLocation): Promise<Stats | undefined> {
  try {
    return await stat(location.path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw fileError(error, location);
  }
}

/** Size and mtime (ns) in hex, as web servers make weak ETags for files. */
export function localEtag(info: Stats): string {
  return `"${info.size.toString(16)}-${Math.trunc(info.mtimeMs * 1000).toString(16)}"`;
}

/**
 * Checks that a GET's answer is the pinned version, starting at `from`: servers that ignore If-Match (s3rver does)
 * still say which version and which range they sent.
 */
export function checkPinnedResponse(
  pinned: { readonly uri: string; readonly etag: string; readonly size: number; readonly versionId?: string },
  response: { ETag?: string; VersionId?: string; ContentRange?: string },
  from: number,
): void {
  const { uri, etag, size, versionId } = pinned;
  if (etag && response.ETag && response.ETag !== etag)
    throw new ObjectChangedError(`the object changed while being read (ETag ${etag} → ${response.ETag})`, { uri });
  if (versionId && response.VersionId && response.VersionId !== versionId)
    throw new ObjectChangedError('the object changed while being read (version id)', { uri });
  const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(response.ContentRange ?? '');
  if (range) {
    if (Number(range[3]) !== size)
      throw new ObjectChangedError(`the object changed while being read (size ${size} → ${range[3]})`, { uri });
    if (Number(range[1]) !== from)
      throw new TransientStoreError(`asked for bytes from ${from}, the server sent from ${range[1]}`, { uri });
  } else if (from !== 0) {
    throw new MindletError('UNSUPPORTED', 'the storage server ignored the Range header of a GET', { file: uri });
  }
}
