/**
 * Reading one object version as a byte stream, on S3 or the local disk. S3 reads are ranged GETs pinned to the
 * version of the opening HEAD (If-Match, versionId) that resume from the next byte when a body breaks off or stalls;
 * file reads check the file is still the version opened. Refuses to splice two versions: a changed object fails the
 * stream with ObjectChangedError.
 */
import { type FileHandle, open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { MindletError } from '../errors.js';
import type { ByteSource } from './byte-stream.js';
import {
  fileError,
  noSuchObject,
  ObjectChangedError,
  positiveInteger,
  s3Error,
  TransientStoreError,
} from './object-errors.js';
import { checkPinnedResponse, headS3, localEtag, type ObjectHead, statFile } from './object-head.js';
import { sharedS3Client } from './s3-client.js';
import { type FileLocation, type ModelLocation, type S3Location, toModelLocation } from './uri.js';

export interface ObjectSourceOptions {
  /** @default createS3Client(), made on first use and shared */
  s3?: S3Client;
  /** Longest wait for a GET's response or its next bytes before the connection is given up and resumed. @default 30000 */
  stallTimeoutMs?: number;
  /** GETs re-issued, per `stream` call, after the body broke off or stalled; one more break fails the stream. @default 5 */
  maxResumes?: number;
  /** Wait before the first resume, doubled for each further one (at most 5 s). @default 200 */
  resumeBackoffMs?: number;
  /** Told about each resume (for logs). */
  onResume?: (event: { uri: string; offset: number; resume: number; error: unknown }) => void;
}

/** A ByteSource with what the store learned on opening it. */
export interface ObjectSource extends ByteSource {
  readonly lastModified?: Date;
  /** GETs re-issued so far after a body broke off or stalled, over every stream of this source. */
  readonly resumes: number;
}

export const DEFAULT_STALL_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_RESUMES = 5;
const MAX_RESUME_BACKOFF_MS = 5_000;

/** One version of an object: HEAD (S3) or stat (files) now, bytes on demand, every read pinned to this version. */
export async function openObjectSource(
  uri: string | ModelLocation,
  options: ObjectSourceOptions = {},
): Promise<ObjectSource> {
  const location = toModelLocation(uri);
  const settings = {
    stallTimeoutMs: positiveInteger(options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS, 'stallTimeoutMs'),
    maxResumes: positiveInteger(options.maxResumes ?? DEFAULT_MAX_RESUMES, 'maxResumes', true),
    resumeBackoffMs: positiveInteger(options.resumeBackoffMs ?? 200, 'resumeBackoffMs', true),
    onResume: options.onResume,
  };
  if (location.kind === 'file') return openFileSource(location);
  const client = sharedS3Client(options);
  const head = await headS3(client, location);
  if (!head) throw noSuchObject(location);
  return new S3ObjectSource(client, location, head, settings);
}

interface SourceSettings {
  stallTimeoutMs: number;
  maxResumes: number;
  resumeBackoffMs: number;
  onResume: ObjectSourceOptions['onResume'];
}

/** The body broke off, ended early or stalled: the next GET starts where this one stopped. */
class BodyInterrupted extends Error {}

class S3ObjectSource implements ObjectSource {
  readonly uri: string;
  readonly size: number;
  readonly etag: string;
  readonly versionId?: string;
  readonly lastModified?: Date;
  private resumeCount = 0;

  constructor(
    private readonly client: S3Client,
    private readonly location: S3Location,
    head: ObjectHead,
    private readonly settings: SourceSettings,
  ) {
    this.uri = location.uri;
    this.size = head.size;
    this.etag = head.etag;
    if (head.versionId) this.versionId = head.versionId;
    if (head.lastModified) this.lastModified = head.lastModified;
  }

  get resumes(): number {
    return this.resumeCount;
  }

  async *stream(start = 0, end = this.size): AsyncGenerator<Uint8Array> {
    checkRange(this.uri, this.size, start, end);
    let offset = start;
    let resumes = 0;
    while (offset < end) {
      try {
        for await (const chunk of this.getRange(offset, end)) {
          offset += chunk.byteLength;
          yield chunk;
        }
      } catch (error) {
        if (!(error instanceof BodyInterrupted)) throw error;
        if (resumes >= this.settings.maxResumes)
          throw new TransientStoreError(
            `the download broke off at byte ${offset} of ${this.size} after ${resumes} resumes: ${error.message}`,
            { uri: this.uri, cause: error.cause ?? error },
          );
        resumes++;
        this.resumeCount++;
        this.settings.onResume?.({ uri: this.uri, offset, resume: resumes, error: error.cause ?? error });
        const backoff = this.settings.resumeBackoffMs * 2 ** (resumes - 1);
        await sleep(Math.min(MAX_RESUME_BACKOFF_MS, backoff) * (0.75 + Math.random() / 2));
      }
    }
  }

  read(start: number, end: number): Promise<Uint8Array> {
    return collect(this, start, end);
  }

  /** One ranged GET of [from, end), pinned to this version; its bytes in order, or BodyInterrupted. */
  private async *getRange(from: number, end: number): AsyncGenerator<Uint8Array> {
    const { stallTimeoutMs } = this.settings;
    const command = new GetObjectCommand({
      Bucket: this.location.bucket,
      Key: this.location.key,
      Range: `bytes=${from}-${end - 1}`,
      ...(this.etag ? { IfMatch: this.etag } : {}),
      ...(this.versionId ? { VersionId: this.versionId } : {}),
    });
    const stalled = new AbortController();
    const timer = setTimeout(() => stalled.abort(), stallTimeoutMs);
    let response: GetObjectCommandOutput;
    try {
      response = await this.client.send(command, { abortSignal: stalled.signal });
    } catch (error) {
      if (stalled.signal.aborted)
        throw new BodyInterrupted(`no response within ${stallTimeoutMs} ms`, { cause: error });
      throw s3Error(error, this.location, 'pinned-read');
    } finally {
      clearTimeout(timer);
    }
    const body = response.Body as (Readable & AsyncIterable<Uint8Array>) | undefined;
    let finished = false;
    try {
      checkPinnedResponse(this, response, from);
      if (!body) throw new BodyInterrupted('the response has no body');
      const chunks = body[Symbol.asyncIterator]();
      let offset = from;
      while (offset < end) {
        let next: IteratorResult<Uint8Array>;
        try {
          next = await nextWithin(chunks, stallTimeoutMs, () => body.destroy());
        } catch (error) {
          throw new BodyInterrupted(error instanceof StallError ? error.message : 'the connection broke off', {
            cause: error,
          });
        }
        if (next.done) {
          finished = true;
          break;
        }
        // A server that ignored the range for offset 0 sends the whole object: keep only what was asked for.
        const chunk = next.value.byteLength > end - offset ? next.value.subarray(0, end - offset) : next.value;
        offset += chunk.byteLength;
        yield chunk;
      }
      if (offset < end) throw new BodyInterrupted(`the body ended after ${offset - from} of ${end - from} bytes`);
    } finally {
      if (!finished) body?.destroy();
    }
  }
}

class StallError extends Error {}

/** The iterator's next item, or StallError (after `onStall`) when none comes within `ms`. */
function nextWithin<T>(iterator: AsyncIterator<T>, ms: number, onStall: () => void): Promise<IteratorResult<T>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new StallError(`no bytes for ${ms} ms`));
      onStall();
    }, ms);
    iterator.next().then(
      (result) => {
        clearTimeout(timer);
        resolve(result);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

const FILE_CHUNK_BYTES = 1 << 20;

async function openFileSource(location: FileLocation): Promise<ObjectSource> {
  const info = await statFile(location);
  if (!info) throw new MindletError('NOT_FOUND', 'no such file', { file: location.path });
  if (info.isDirectory())
    throw new MindletError('INVALID_ARGUMENT', 'is a directory, not a file', { file: location.path });
  const etag = localEtag(info);
  const source: ObjectSource = {
    uri: location.uri,
    size: info.size,
    etag,
    lastModified: info.mtime,
    resumes: 0,
    stream: (start = 0, end = info.size) => streamFile(location, etag, info.size, start, end),
    read: (start, end) => collect(source, start, end),
  };
  return source;
}

/** Bytes [start, end) of the file, provided it is still the version that was opened. */
async function* streamFile(
  location: FileLocation,
  etag: string,
  size: number,
  start: number,
  end: number,
): AsyncGenerator<Uint8Array> {
  checkRange(location.uri, size, start, end);
  if (start === end) return;
  let handle: FileHandle;
  try {
    handle = await open(location.path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new ObjectChangedError('the file was removed while being read', { uri: location.uri, cause: error });
    throw fileError(error, location);
  }
  try {
    if (localEtag(await handle.stat()) !== etag)
      throw new ObjectChangedError('the file changed while being read', { uri: location.uri });
    // Reads of 1 MiB, each issued only when the consumer asks for it: no read-ahead competing with the engine's
    // threads for the CPU while it runs (and 1 MiB, not fs's 64 KiB, so the thread-pool round trip is not the pace).
    let offset = start;
    while (offset < end) {
      const chunk = Buffer.allocUnsafe(Math.min(FILE_CHUNK_BYTES, end - offset));
      const { bytesRead } = await handle.read(chunk, 0, chunk.byteLength, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
      yield chunk.subarray(0, bytesRead);
    }
    if (offset !== end) throw new ObjectChangedError('the file was truncated while being read', { uri: location.uri });
  } finally {
    await handle.close();
  }
}

async function collect(source: ByteSource, start: number, end: number): Promise<Uint8Array> {
  checkRange(source.uri, source.size, start, end);
  const bytes = new Uint8Array(end - start);
  let at = 0;
  for await (const chunk of source.stream(start, end)) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}

function checkRange(uri: string, size: number, start: number, end: number): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || start > end || end > size)
    throw new MindletError('INVALID_ARGUMENT', `byte range [${start}, ${end}) is outside the object (${size} bytes)`, {
      file: uri,
    });
}
