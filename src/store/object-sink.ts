/**
 * Writing one object that appears only when complete: on S3 a multipart upload with back-pressure (memory stays near
 * a part per uploader) that abort removes; on disk a temp file beside the destination, fsynced and renamed into
 * place. Refuses to leave a partial object at the destination, and outputs over S3's 10,000 parts.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { type FileHandle, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { AbortMultipartUploadCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { MindletError } from '../errors.js';
import type { ByteSink } from './byte-stream.js';
import { fileError, positiveInteger, s3Error } from './object-errors.js';
import { localEtag, statFile } from './object-head.js';
import { sharedS3Client } from './s3-client.js';
import { type FileLocation, type ModelLocation, type S3Location, toModelLocation } from './uri.js';

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

export const DEFAULT_SINK_PART_BYTES = 8 * 1024 * 1024;
export const DEFAULT_SINK_QUEUE_SIZE = 4;
export const DEFAULT_JSON_MAX_BYTES = 1024 * 1024;
/** S3's smallest multipart part (all but the last). */
const MIN_PART_BYTES = 5 * 1024 * 1024;
/** S3's most parts per upload. */
const MAX_PARTS = 10_000;

/** Where one output object goes: nothing appears at `uri` until `close` succeeds. */
export async function openObjectSink(uri: string | ModelLocation, options: ObjectSinkOptions = {}): Promise<ByteSink> {
  const location = toModelLocation(uri);
  if (location.kind === 'file') return FileSink.open(location);
  const partBytes = positiveInteger(options.partBytes ?? DEFAULT_SINK_PART_BYTES, 'partBytes');
  if (partBytes < MIN_PART_BYTES)
    throw new MindletError('INVALID_ARGUMENT', `partBytes must be at least ${MIN_PART_BYTES} (S3's smallest part)`);
  const queueSize = positiveInteger(options.queueSize ?? DEFAULT_SINK_QUEUE_SIZE, 'queueSize');
  return new S3Sink(sharedS3Client(options), location, partBytes, queueSize, options);
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
    if (this.failure) throw s3Error(this.failure.error, this.location, 'write');
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
      throw s3Error(this.failureCause() ?? error, this.location, 'write');
    }
  }

  close(): Promise<{ etag?: string; bytes: number }> {
    if (this.closing) return this.closing;
    if (this.state === 'aborted') return Promise.reject(new Error(`${this.uri}: close after abort`));
    this.state = 'closing';
    this.closing = (async () => {
      if (this.failure) {
        await this.abortUpload(this.failure.error);
        throw s3Error(this.failure.error, this.location, 'write');
      }
      this.body.end();
      try {
        const result = await this.finished;
        this.state = 'closed';
        return { ...(result.ETag ? { etag: result.ETag } : {}), bytes: this.bytes };
      } catch (error) {
        await this.removeUpload();
        throw s3Error(this.failureCause() ?? error, this.location, 'write');
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
      this.options.onCleanupError?.(s3Error(error, this.location, 'write'));
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
export class FileSink implements ByteSink {
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
      throw fileError(error, location, 'write');
    }
    const temp = `${location.path}.${randomBytes(6).toString('hex')}.tmp`;
    let handle: FileHandle;
    try {
      handle = await open(temp, 'wx');
    } catch (error) {
      throw fileError(error, location, 'write');
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
        throw fileError(error, this.location, 'write');
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
        throw fileError(error, this.location, 'write');
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
