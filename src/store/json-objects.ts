/**
 * Small JSON objects (batch status files and markers) read whole and written whole, on S3 or on disk. Refuses
 * objects over `maxBytes` before reading them, bytes that are not UTF-8 JSON, and values JSON cannot represent.
 */
import { type FileHandle, open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { GetObjectCommand, type GetObjectCommandOutput, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { MindletError } from '../errors.js';
import { fileError, isMissing, positiveInteger, s3Error, TransientStoreError, tooLarge } from './object-errors.js';
import { localEtag } from './object-head.js';
import { FileSink } from './object-sink.js';
import { sharedS3Client } from './s3-client.js';
import { type FileLocation, type ModelLocation, type S3Location, toModelLocation } from './uri.js';

export const DEFAULT_JSON_MAX_BYTES = 1024 * 1024;

/** A small JSON object (status files, markers) and its ETag; undefined when there is none. */
export async function readJsonObject(
  uri: string | ModelLocation,
  options: { s3?: S3Client; maxBytes?: number } = {},
): Promise<{ value: unknown; etag: string } | undefined> {
  const location = toModelLocation(uri);
  const maxBytes = positiveInteger(options.maxBytes ?? DEFAULT_JSON_MAX_BYTES, 'maxBytes');
  const found =
    location.kind === 'file'
      ? await readSmallFile(location, maxBytes)
      : await readSmallS3(sharedS3Client(options), location, maxBytes);
  if (!found) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(found.bytes));
  } catch (error) {
    throw new MindletError('INVALID_FORMAT', `not JSON: ${(error as Error).message}`, { file: location.uri });
  }
  return { value, etag: found.etag };
}

/** Writes `value` as pretty JSON: one PutObject, or a temp file renamed into place. */
export async function writeJsonObject(
  uri: string | ModelLocation,
  value: unknown,
  options: { s3?: S3Client } = {},
): Promise<{ etag?: string }> {
  const location = toModelLocation(uri);
  let text: string | undefined;
  try {
    text = JSON.stringify(value, null, 2);
  } catch (error) {
    throw new MindletError('INVALID_ARGUMENT', `cannot write as JSON: ${(error as Error).message}`, {
      file: location.uri,
    });
  }
  if (text === undefined)
    throw new MindletError('INVALID_ARGUMENT', `cannot write ${typeof value} as JSON`, { file: location.uri });
  const bytes = Buffer.from(`${text}\n`);
  if (location.kind === 'file') {
    const sink = await FileSink.open(location);
    try {
      await sink.write(bytes);
      const { etag } = await sink.close();
      return etag ? { etag } : {};
    } catch (error) {
      await sink.abort();
      throw error;
    }
  }
  try {
    const result = await sharedS3Client(options).send(
      new PutObjectCommand({
        Bucket: location.bucket,
        Key: location.key,
        Body: bytes,
        ContentType: 'application/json',
      }),
    );
    return result.ETag ? { etag: result.ETag } : {};
  } catch (error) {
    throw s3Error(error, location, 'write');
  }
}

async function readSmallS3(
  client: S3Client,
  location: S3Location,
  maxBytes: number,
): Promise<{ bytes: Uint8Array; etag: string } | undefined> {
  let response: GetObjectCommandOutput;
  try {
    response = await client.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw s3Error(error, location);
  }
  const body = response.Body as (Readable & AsyncIterable<Uint8Array>) | undefined;
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    if ((response.ContentLength ?? 0) > maxBytes) throw tooLarge(location.uri, maxBytes, response.ContentLength);
    for await (const chunk of body ?? []) {
      total += chunk.byteLength;
      if (total > maxBytes) throw tooLarge(location.uri, maxBytes);
      chunks.push(chunk);
    }
  } catch (error) {
    body?.destroy();
    if (error instanceof MindletError) throw error;
    throw new TransientStoreError('the download broke off', { uri: location.uri, cause: error });
  }
  return { bytes: Buffer.concat(chunks), etag: response.ETag ?? '' };
}

async function readSmallFile(
  location: FileLocation,
  maxBytes: number,
): Promise<{ bytes: Uint8Array; etag: string } | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(location.path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw fileError(error, location);
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory())
      throw new MindletError('INVALID_ARGUMENT', 'is a directory, not a file', { file: location.path });
    if (info.size > maxBytes) throw tooLarge(location.uri, maxBytes, info.size);
    return { bytes: await handle.readFile(), etag: localEtag(info) };
  } catch (error) {
    throw fileError(error, location);
  } finally {
    await handle.close();
  }
}
