/**
 * Streaming object I/O for batch prediction: byte sources pinned to one object version that survive broken
 * connections, sinks that publish an object only when it is complete, prefix listings and small JSON objects, on S3
 * and on the local disk alike. Failures are sorted for the pipeline: TransientStoreError (network, 5xx, throttling,
 * an object changing underneath) is worth a later retry; MindletError (missing, access denied, bad request) is not.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { Dirent, Stats } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import {
  AbortMultipartUploadCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { MindletError } from '../errors.js';
import type { ByteSink, ByteSource } from './byte-stream.js';
import { localEtag } from './model-store.js';
import { createS3Client } from './s3-client.js';
import {
  type FileLocation,
  MAX_KEY_BYTES,
  type ModelLocation,
  parseModelUri,
  parseS3Prefix,
  type S3Location,
  toModelLocation,
} from './uri.js';

/** Worth retrying later: the network, S3's 5xx and throttling, a body that kept breaking off. `cause` is kept. */
export class TransientStoreError extends Error {
  readonly code: 'TRANSIENT' | 'OBJECT_CHANGED' = 'TRANSIENT';
  readonly uri: string | undefined;

  constructor(message: string, options: { uri?: string; cause?: unknown } = {}) {
    super(
      options.uri ? `${options.uri}: ${message}` : message,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'TransientStoreError';
    this.uri = options.uri;
  }
}

/** The object is no longer the version being read (ETag, size or precondition); a retry reads the new version. */
export class ObjectChangedError extends TransientStoreError {
  override readonly code = 'OBJECT_CHANGED';

  constructor(message: string, options: { uri?: string; cause?: unknown } = {}) {
    super(message, options);
    this.name = 'ObjectChangedError';
  }
}

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

export interface ObjectSinkOptions {
  /** @default createS3Client(), made on first use and shared */
  s3?: S3Client;
  /** S3 multipart part size; memory stays near partBytes × (queueSize + 1). @default 8 MiB (S3's minimum is 5 MiB) */
  partBytes?: number;
  /** Parts uploading at once. @default 4 */
  queueSize?: number;
  /** S3 Content-Type. @default S3's own (binary/octet-stream) */
  contentType?: string;
  /**
   * Told when `abort` could not remove an incomplete multipart upload (it then costs storage until the bucket's
   * AbortIncompleteMultipartUpload lifecycle rule removes it); abort itself still resolves. @default ignored
   */
  onCleanupError?: (error: unknown) => void;
}

export interface ListedObject {
  uri: string;
  /** Key below the listed prefix, '/'-separated (the base name when a single object was named). */
  relativeKey: string;
  size: number;
  etag: string;
  lastModified?: Date;
}

export interface ObjectHead {
  etag: string;
  size: number;
  versionId?: string;
  lastModified?: Date;
}

export const DEFAULT_STALL_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_RESUMES = 5;
export const DEFAULT_SINK_PART_BYTES = 8 * 1024 * 1024;
export const DEFAULT_SINK_QUEUE_SIZE = 4;
export const DEFAULT_JSON_MAX_BYTES = 1024 * 1024;
/** S3's smallest multipart part (all but the last). */
const MIN_PART_BYTES = 5 * 1024 * 1024;
/** S3's most parts per upload. */
const MAX_PARTS = 10_000;
const MAX_RESUME_BACKOFF_MS = 5_000;

let sharedClient: S3Client | undefined;

function clientFor(options: { s3?: S3Client | undefined }): S3Client {
  if (options.s3) return options.s3;
  sharedClient ??= createS3Client();
  return sharedClient;
}

// ---------------------------------------------------------------------------------------------------------------
// Sources

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
  const client = clientFor(options);
  const head = await headS3(client, location);
  if (!head) throw new MindletError('NOT_FOUND', `no such object ${location.uri}`, { file: location.uri });
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
      throw storeError(error, this.location, 'changed');
    } finally {
      clearTimeout(timer);
    }
    const body = response.Body as (Readable & AsyncIterable<Uint8Array>) | undefined;
    let finished = false;
    try {
      this.checkVersion(response, from);
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

  /** Servers that ignore If-Match (s3rver does) still say which version and which range they sent. */
  private checkVersion(response: { ETag?: string; VersionId?: string; ContentRange?: string }, from: number): void {
    if (this.etag && response.ETag && response.ETag !== this.etag)
      throw new ObjectChangedError(`the object changed while being read (ETag ${this.etag} → ${response.ETag})`, {
        uri: this.uri,
      });
    if (this.versionId && response.VersionId && response.VersionId !== this.versionId)
      throw new ObjectChangedError('the object changed while being read (version id)', { uri: this.uri });
    const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(response.ContentRange ?? '');
    if (range) {
      if (Number(range[3]) !== this.size)
        throw new ObjectChangedError(`the object changed while being read (size ${this.size} → ${range[3]})`, {
          uri: this.uri,
        });
      if (Number(range[1]) !== from)
        throw new TransientStoreError(`asked for bytes from ${from}, the server sent from ${range[1]}`, {
          uri: this.uri,
        });
    } else if (from !== 0) {
      throw new MindletError('UNSUPPORTED', 'the storage server ignored the Range header of a GET', { file: this.uri });
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

// ---------------------------------------------------------------------------------------------------------------
// Sinks

/** Where one output object goes: nothing appears at `uri` until `close` succeeds. */
export async function openObjectSink(uri: string | ModelLocation, options: ObjectSinkOptions = {}): Promise<ByteSink> {
  const location = toModelLocation(uri);
  if (location.kind === 'file') return FileSink.open(location);
  const partBytes = positiveInteger(options.partBytes ?? DEFAULT_SINK_PART_BYTES, 'partBytes');
  if (partBytes < MIN_PART_BYTES)
    throw new MindletError('INVALID_ARGUMENT', `partBytes must be at least ${MIN_PART_BYTES} (S3's smallest part)`);
  const queueSize = positiveInteger(options.queueSize ?? DEFAULT_SINK_QUEUE_SIZE, 'queueSize');
  return new S3Sink(clientFor(options), location, partBytes, queueSize, options);
}

type SinkState = 'open' | 'closing' | 'closed' | 'aborted';

/**
 * lib-storage's Upload reads the PassThrough into parts; `write` waits for the stream to drain, so at most a part
 * per uploader plus the one being filled is in memory. The Upload gets a view of the client that notes what its
 * requests do: a failed part fails the next `write` (not only `close`), and `abort` knows whether an upload was
 * created and whether S3 confirmed its removal.
 */
class S3Sink implements ByteSink {
  readonly uri: string;
  private readonly body = new PassThrough();
  private readonly finished: Promise<{ ETag?: string }>;
  private readonly cancelParts = new AbortController();
  private state: SinkState = 'open';
  private bytes = 0;
  private failure: { error: unknown } | undefined;
  private readonly failed: Promise<never>;
  private rejectFailed!: (error: unknown) => void;
  private uploadId: string | undefined;
  private uploadRemoved = false;
  private closing: Promise<{ etag?: string; bytes: number }> | undefined;
  private aborting: Promise<void> | undefined;

  constructor(
    private readonly client: S3Client,
    private readonly location: S3Location,
    private readonly partBytes: number,
    queueSize: number,
    private readonly options: ObjectSinkOptions,
  ) {
    this.uri = location.uri;
    this.failed = new Promise<never>((_, reject) => {
      this.rejectFailed = reject;
    });
    this.failed.catch(() => {});
    // Errors reach the upload through its reader; this keeps one raised while no part is being read from crashing.
    this.body.on('error', () => {});
    const upload = new Upload({
      client: this.watchedClient(),
      params: {
        Bucket: location.bucket,
        Key: location.key,
        Body: this.body,
        ...(options.contentType ? { ContentType: options.contentType } : {}),
      },
      partSize: partBytes,
      queueSize,
      leavePartsOnError: false,
    });
    this.finished = upload.done();
    this.finished.catch(() => {});
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.state !== 'open')
      throw new Error(`${this.uri}: write after ${this.state === 'aborted' ? 'abort' : 'close'}`);
    if (this.failure) throw storeError(this.failure.error, this.location);
    if (this.bytes + chunk.byteLength > this.partBytes * MAX_PARTS)
      throw new MindletError(
        'LIMIT_EXCEEDED',
        `output over ${this.partBytes * MAX_PARTS} bytes (${MAX_PARTS} parts of ${this.partBytes}); raise partBytes`,
        { file: this.uri },
      );
    this.bytes += chunk.byteLength;
    // A copy: the caller may reuse its buffer once the write resolves, while the part is still being assembled.
    if (this.body.write(Buffer.from(chunk))) return;
    try {
      await Promise.race([once(this.body, 'drain'), this.failed]);
    } catch (error) {
      throw storeError(this.failureCause() ?? error, this.location);
    }
  }

  close(): Promise<{ etag?: string; bytes: number }> {
    if (this.closing) return this.closing;
    if (this.state === 'aborted') return Promise.reject(new Error(`${this.uri}: close after abort`));
    this.state = 'closing';
    this.closing = (async () => {
      if (this.failure) {
        await this.abortUpload(this.failure.error);
        throw storeError(this.failure.error, this.location);
      }
      this.body.end();
      try {
        const result = await this.finished;
        this.state = 'closed';
        return { ...(result.ETag ? { etag: result.ETag } : {}), bytes: this.bytes };
      } catch (error) {
        await this.removeUpload();
        throw storeError(this.failureCause() ?? error, this.location);
      }
    })();
    return this.closing;
  }

  async abort(reason?: unknown): Promise<void> {
    // A close under way (or done) decides: a completed object is whole, not partial, and stays.
    if (this.closing) {
      await this.closing.catch(() => {});
      return;
    }
    this.state = 'aborted';
    this.aborting ??= this.abortUpload(reason);
    return this.aborting;
  }

  /** The first request of the upload that failed (a method: it changes while a write or close is waiting). */
  private failureCause(): unknown {
    return this.failure?.error;
  }

  /** Stops the parts, lets the upload finish failing (lib-storage aborts its multipart upload), then checks. */
  private async abortUpload(reason: unknown): Promise<void> {
    this.cancelParts.abort(reason);
    this.body.destroy(reason instanceof Error ? reason : new Error(`upload of ${this.uri} aborted`));
    await this.finished.catch(() => {});
    await this.removeUpload();
  }

  /** Removes a created upload lib-storage could not (or did not) abort. */
  private async removeUpload(): Promise<void> {
    if (this.uploadId === undefined || this.uploadRemoved) return;
    try {
      await this.client.send(
        new AbortMultipartUploadCommand({
          Bucket: this.location.bucket,
          Key: this.location.key,
          UploadId: this.uploadId,
        }),
      );
      this.uploadRemoved = true;
    } catch (error) {
      this.options.onCleanupError?.(storeError(error, this.location));
    }
  }

  /**
   * The client as the Upload sees it. Commands are told apart by their input, not their class: lib-storage may load
   * another build (CJS or ESM) of the client package than this module, and bundlers rename classes.
   */
  private watchedClient(): S3Client {
    const send = async (command: { input?: Record<string, unknown> }, options?: Record<string, unknown>) => {
      const input = command.input ?? {};
      const isPart = input.PartNumber !== undefined;
      const isAbort = input.UploadId !== undefined && !isPart && input.MultipartUpload === undefined;
      try {
        const output = (await (this.client.send as (command: unknown, options?: unknown) => Promise<unknown>).call(
          this.client,
          command,
          // Parts in flight are cut short by abort; creating, completing and aborting the upload never are.
          isPart ? { ...options, abortSignal: this.cancelParts.signal } : options,
        )) as { UploadId?: string };
        if (input.UploadId === undefined && typeof output.UploadId === 'string') this.uploadId = output.UploadId;
        if (isAbort) this.uploadRemoved = true;
        return output;
      } catch (error) {
        if (!isAbort && !this.cancelParts.signal.aborted && !this.failure) {
          this.failure = { error };
          this.rejectFailed(error);
        }
        throw error;
      }
    };
    return new Proxy(this.client, {
      get: (target, property) => (property === 'send' ? send : Reflect.get(target, property, target)),
    });
  }
}

/** `<path>.<random>.tmp` beside the destination, fsynced and renamed into place on close. */
class FileSink implements ByteSink {
  readonly uri: string;
  private state: SinkState = 'open';
  private bytes = 0;
  private queue: Promise<void> = Promise.resolve();
  private closing: Promise<{ etag?: string; bytes: number }> | undefined;
  private aborting: Promise<void> | undefined;

  private constructor(
    private readonly location: FileLocation,
    private readonly temp: string,
    private readonly handle: FileHandle,
  ) {
    this.uri = location.uri;
  }

  static async open(location: FileLocation): Promise<FileSink> {
    const directory = path.dirname(location.path);
    try {
      await mkdir(directory, { recursive: true });
      const existing = await statFile(location);
      if (existing?.isDirectory())
        throw new MindletError('INVALID_ARGUMENT', 'is a directory, not a file', { file: location.path });
    } catch (error) {
      throw fileError(error, location);
    }
    const temp = `${location.path}.${randomBytes(6).toString('hex')}.tmp`;
    let handle: FileHandle;
    try {
      handle = await open(temp, 'wx');
    } catch (error) {
      throw fileError(error, location);
    }
    return new FileSink(location, temp, handle);
  }

  write(chunk: Uint8Array): Promise<void> {
    if (this.state !== 'open')
      return Promise.reject(new Error(`${this.uri}: write after ${this.state === 'aborted' ? 'abort' : 'close'}`));
    const position = this.bytes;
    this.bytes += chunk.byteLength;
    const written = this.queue.then(() => this.writeAll(chunk, position));
    this.queue = written.catch(() => {});
    return written;
  }

  close(): Promise<{ etag?: string; bytes: number }> {
    if (this.closing) return this.closing;
    if (this.state === 'aborted') return Promise.reject(new Error(`${this.uri}: close after abort`));
    this.state = 'closing';
    this.closing = (async () => {
      try {
        await this.queue;
        await this.handle.sync();
        await this.handle.close();
        await rename(this.temp, this.location.path);
        await syncDirectory(path.dirname(this.location.path));
        this.state = 'closed';
        return { etag: localEtag(await stat(this.location.path)), bytes: this.bytes };
      } catch (error) {
        await this.handle.close().catch(() => {});
        await rm(this.temp, { force: true }).catch(() => {});
        throw fileError(error, this.location);
      }
    })();
    return this.closing;
  }

  async abort(): Promise<void> {
    if (this.closing) {
      await this.closing.catch(() => {});
      return;
    }
    this.state = 'aborted';
    this.aborting ??= (async () => {
      await this.queue;
      await this.handle.close().catch(() => {});
      await rm(this.temp, { force: true });
    })();
    return this.aborting;
  }

  private async writeAll(chunk: Uint8Array, position: number): Promise<void> {
    let done = 0;
    while (done < chunk.byteLength) {
      try {
        const { bytesWritten } = await this.handle.write(chunk, done, chunk.byteLength - done, position + done);
        done += bytesWritten;
      } catch (error) {
        throw fileError(error, this.location);
      }
    }
  }
}

/** Makes a rename durable; some file systems refuse to open a directory for this, which is not an error. */
async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r').catch(() => undefined);
  if (!handle) return;
  await handle.sync().catch(() => {});
  await handle.close();
}

// ---------------------------------------------------------------------------------------------------------------
// Listing

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
    const client = clientFor(options);
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
      throw storeError(error, where);
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

// ---------------------------------------------------------------------------------------------------------------
// Small objects

/** Version of an object without its bytes; undefined when there is none. */
export async function headObject(
  uri: string | ModelLocation,
  options: { s3?: S3Client } = {},
): Promise<ObjectHead | undefined> {
  const location = toModelLocation(uri);
  if (location.kind === 's3') return headS3(clientFor(options), location);
  const info = await statFile(location);
  if (!info) return undefined;
  if (info.isDirectory())
    throw new MindletError('INVALID_ARGUMENT', 'is a directory, not a file', { file: location.path });
  return { etag: localEtag(info), size: info.size, lastModified: info.mtime };
}

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
      : await readSmallS3(clientFor(options), location, maxBytes);
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
    const result = await clientFor(options).send(
      new PutObjectCommand({
        Bucket: location.bucket,
        Key: location.key,
        Body: bytes,
        ContentType: 'application/json',
      }),
    );
    return result.ETag ? { etag: result.ETag } : {};
  } catch (error) {
    throw storeError(error, location);
  }
}

async function headS3(client: S3Client, location: S3Location): Promise<ObjectHead | undefined> {
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: location.bucket, Key: location.key }));
    return {
      etag: head.ETag ?? '',
      size: Number(head.ContentLength ?? 0),
      ...(head.VersionId ? { versionId: head.VersionId } : {}),
      ...(head.LastModified ? { lastModified: head.LastModified } : {}),
    };
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw storeError(error, location);
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
    throw storeError(error, location);
  }
  const body = response.Body as (Readable & AsyncIterable<Uint8Array>) | undefined;
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    if ((response.ContentLength ?? 0) > maxBytes) throw tooLarge(location.uri, maxBytes);
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
    if (info.size > maxBytes) throw tooLarge(location.uri, maxBytes);
    return { bytes: await handle.readFile(), etag: localEtag(info) };
  } catch (error) {
    throw fileError(error, location);
  } finally {
    await handle.close();
  }
}

function tooLarge(uri: string, maxBytes: number): MindletError {
  return new MindletError('LIMIT_EXCEEDED', `object is over ${maxBytes} bytes`, { file: uri });
}

// ---------------------------------------------------------------------------------------------------------------
// Errors

/** Stat of a file; undefined when missing; a directory is returned (callers decide). */
async function statFile(location: FileLocation): Promise<Stats | undefined> {
  try {
    return await stat(location.path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw fileError(error, location);
  }
}

const THROTTLING_CODES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
]);
const TRANSIENT_CODES = new Set([
  'InternalError',
  'ServiceUnavailable',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'OperationAborted',
  'ExpiredToken',
]);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

interface SdkLikeError {
  name?: string;
  code?: string;
  message?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

function isMissing(error: unknown): boolean {
  const { name, $metadata } = (error ?? {}) as SdkLikeError;
  return name === 'NoSuchKey' || name === 'NotFound' || $metadata?.httpStatusCode === 404;
}

/** True for failures a later attempt may not meet: the network, S3's 5xx, throttling. */
function isTransient(error: SdkLikeError): boolean {
  const status = error.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  const code = error.Code ?? error.name ?? '';
  if (THROTTLING_CODES.has(code) || TRANSIENT_CODES.has(code)) return true;
  if (error.code !== undefined && NETWORK_CODES.has(error.code)) return true;
  return /socket hang up/i.test(error.message ?? '');
}

/**
 * S3's answers sorted for the pipeline. `missing: 'changed'` is for reads of a version already opened: its
 * disappearing (404, 412, 416) means the object changed underneath.
 */
function storeError(error: unknown, location: S3Location, missing: 'not-found' | 'changed' = 'not-found'): unknown {
  if (error instanceof MindletError || error instanceof TransientStoreError) return error;
  const sdk = (error ?? {}) as SdkLikeError;
  const status = sdk.$metadata?.httpStatusCode;
  const name = sdk.name ?? '';
  const uri = location.uri;
  if (name === 'NoSuchBucket')
    return new MindletError('NOT_FOUND', `no such bucket ${location.bucket}`, { file: uri, cause: error });
  if (name === 'PreconditionFailed' || status === 412 || name === 'InvalidRange' || status === 416)
    return new ObjectChangedError('the object changed while being read', { uri, cause: error });
  if (isMissing(error))
    return missing === 'changed'
      ? new ObjectChangedError('the object was deleted while being read', { uri, cause: error })
      : new MindletError('NOT_FOUND', `no such object ${uri}`, { file: uri, cause: error });
  if (name === 'AccessDenied' || name === 'Forbidden' || status === 403)
    return new MindletError('INVALID_ARGUMENT', `access denied to ${uri} (check the role's S3 permissions)`, {
      cause: error,
    });
  if (isTransient(sdk))
    return new TransientStoreError(`${name || 'request failed'}: ${sdk.message ?? ''}`.trim(), { uri, cause: error });
  if (status !== undefined && status >= 400)
    return new MindletError('INVALID_ARGUMENT', `S3 refused the request: ${name} (${status}) ${sdk.message ?? ''}`, {
      file: uri,
      cause: error,
    });
  return error;
}

function fileError(error: unknown, location: FileLocation): unknown {
  if (error instanceof MindletError || error instanceof TransientStoreError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new MindletError('NOT_FOUND', 'no such file', { file: location.path, cause: error });
  if (code === 'EISDIR')
    return new MindletError('INVALID_ARGUMENT', 'is a directory, not a file', { file: location.path, cause: error });
  if (code === 'ENOTDIR' || code === 'EEXIST')
    return new MindletError('INVALID_ARGUMENT', 'a folder in the path is a file', {
      file: location.path,
      cause: error,
    });
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
    return new MindletError('INVALID_ARGUMENT', 'permission denied', { file: location.path, cause: error });
  if (code === 'ENOSPC' || code === 'EIO' || code === 'EMFILE' || code === 'ENFILE')
    return new TransientStoreError(`file system error ${code}`, { uri: location.uri, cause: error });
  return error;
}

function positiveInteger(value: number, name: string, allowZero = false): number {
  if (!Number.isSafeInteger(value) || value < (allowZero ? 0 : 1))
    throw new MindletError(
      'INVALID_ARGUMENT',
      `${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${value}`,
    );
  return value;
}
