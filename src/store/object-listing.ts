/**
 * Listing the objects under an S3 prefix or in a local folder, in one order for both (by '/'-separated key), with
 * each object's version. Refuses to yield keys a model URI could not name ('..', '.', empty segments, control
 * characters) and to follow links to folders, so a walk never escapes its root or loops.
 */
import type { Dirent, Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ListObjectsV2Command, type ListObjectsV2CommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { MindletError } from '../errors.js';
import { fileError, positiveInteger, s3Error } from './object-errors.js';
import { headS3, localEtag, type ObjectHead, statFile } from './object-head.js';
import { sharedS3Client } from './s3-client.js';
import { type FileLocation, MAX_KEY_BYTES, parseModelUri, parseS3Prefix, type S3Location } from './uri.js';

export interface ListedObject {
  uri: string;
  /** Key below the listed prefix, '/'-separated (the base name when a single object was named). */
  relativeKey: string;
  size: number;
  etag: string;
  lastModified?: Date;
}

/**
 * Objects under `s3://bucket/prefix/` (ListObjectsV2, in key order) or in a local folder (recursive, in the same
 * order: by '/'-separated key). A URI naming one object or file yields just it; an S3 URI without the trailing '/'
 * that names no object is listed as the prefix `<key>/`. Keys outside the URI grammar ('..', '.', empty segments,
 * control characters) are skipped, and so are links to directories (a walk never loops).
 */
export async function* listObjects(
  prefixUri: string,
  options: { s3?: S3Client; pageSize?: number } = {},
): AsyncGenerator<ListedObject> {
  const pageSize = positiveInteger(options.pageSize ?? 1000, 'pageSize');
  if (pageSize > 1000) throw new MindletError('INVALID_ARGUMENT', `pageSize must be at most 1000, got ${pageSize}`);
  if (/^s3:\/\//i.test(prefixUri)) {
    const afterBucket = prefixUri.slice('s3://'.length).split('/').slice(1).join('/');
    const client = sharedS3Client(options);
    if (afterBucket === '' || afterBucket.endsWith('/')) {
      const { bucket, prefix } = parseS3Prefix(prefixUri);
      yield* listS3(client, bucket, prefix, pageSize);
      return;
    }
    const location = parseModelUri(prefixUri) as S3Location;
    const head = await headS3(client, location);
    if (head) {
      yield { uri: location.uri, relativeKey: baseName(location.key), ...listedHead(head) };
      return;
    }
    let any = false;
    for await (const object of listS3(client, location.bucket, `${location.key}/`, pageSize)) {
      any = true;
      yield object;
    }
    if (!any) throw new MindletError('NOT_FOUND', `no such object or prefix ${location.uri}`, { file: location.uri });
    return;
  }
  const location = parseModelUri(prefixUri) as FileLocation;
  const info = await statFile(location);
  if (!info) throw new MindletError('NOT_FOUND', 'no such file or folder', { file: location.path });
  if (!info.isDirectory()) {
    yield fileListing(location.path, path.basename(location.path), info);
    return;
  }
  yield* walk(location, location.path, '');
}

async function* listS3(
  client: S3Client,
  bucket: string,
  prefix: string,
  pageSize: number,
): AsyncGenerator<ListedObject> {
  const where: S3Location = { kind: 's3', bucket, key: prefix, uri: `s3://${bucket}/${prefix}` };
  let token: string | undefined;
  do {
    let page: ListObjectsV2CommandOutput;
    try {
      page = await client.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          MaxKeys: pageSize,
          ...(prefix ? { Prefix: prefix } : {}),
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
    } catch (error) {
      throw s3Error(error, where, 'list');
    }
    for (const item of page.Contents ?? []) {
      const key = item.Key;
      if (!key?.startsWith(prefix) || !isSafeS3Key(bucket, key)) continue;
      yield {
        uri: `s3://${bucket}/${key}`,
        relativeKey: key.slice(prefix.length),
        size: Number(item.Size ?? 0),
        etag: item.ETag ?? '',
        ...(item.LastModified ? { lastModified: item.LastModified } : {}),
      };
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

function isSafeS3Key(bucket: string, key: string): boolean {
  try {
    parseModelUri(`s3://${bucket}/${key}`);
    return true;
  } catch {
    return false;
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

async function* walk(root: FileLocation, directory: string, relative: string): AsyncGenerator<ListedObject> {
  let entries: Dirent[];
  try {
    entries = await readdir(directory, { withFileTypes: true });
  } catch (error) {
    throw fileError(error, { ...root, path: directory });
  }
  // Sorting a folder's names with '/' after directories makes the depth-first walk come out in key order.
  const sorted = entries
    .map((entry) => ({ entry, order: Buffer.from(entry.isDirectory() ? `${entry.name}/` : entry.name) }))
    .sort((a, b) => Buffer.compare(a.order, b.order));
  for (const { entry } of sorted) {
    const key = relative ? `${relative}/${entry.name}` : entry.name;
    if (CONTROL.test(entry.name) || Buffer.byteLength(key) > MAX_KEY_BYTES) continue;
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) {
      yield* walk(root, full, key);
    } else if (entry.isFile() || entry.isSymbolicLink()) {
      const info = await stat(full).catch(() => undefined); // gone since the listing, or a dangling link
      if (info?.isFile()) yield fileListing(full, key, info);
    }
  }
}

function fileListing(file: string, relativeKey: string, info: Stats): ListedObject {
  return {
    uri: pathToFileURL(file).href,
    relativeKey,
    size: info.size,
    etag: localEtag(info),
    lastModified: info.mtime,
  };
}

function listedHead(head: ObjectHead): Omit<ListedObject, 'uri' | 'relativeKey'> {
  return { size: head.size, etag: head.etag, ...(head.lastModified ? { lastModified: head.lastModified } : {}) };
}

function baseName(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}
