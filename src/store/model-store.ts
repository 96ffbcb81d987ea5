/**
 * Model bytes from S3 or the local disk, for cold starts that must be short: big objects come as parallel ranged
 * GETs pinned to one ETag (a replaced object is noticed, not spliced), and every object lands in the on-disk cache
 * keyed by that ETag, so a warm or restarted process pays one HEAD instead of a download.
 */
import { constants as bufferConstants } from 'node:buffer';
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { isMindletError, MindletError } from '../errors.js';
import { readJsonObject } from './json-objects.js';
import { MANIFEST_FILE, type Manifest, parseManifest } from './manifest.js';
import { defaultCacheDir, defaultCacheMaxBytes, ObjectCache } from './object-cache.js';
import { fileError, noSuchObject, ObjectChangedError, positiveInteger, s3Error, tooLarge } from './object-errors.js';
import { checkPinnedResponse, headObject, headS3, localEtag } from './object-head.js';
import { createS3Client } from './s3-client.js';
import { type FileLocation, type ModelLocation, type S3Location, siblingLocation, toModelLocation } from './uri.js';

export interface ModelStoreOptions {
  /** @default createS3Client(), made on first S3 use */
  s3?: S3Client;
  /** @default MINDLET_CACHE_DIR, else /tmp/mindlet-cache on Lambda, else os.tmpdir()/mindlet-cache */
  cacheDir?: string;
  /** @default MINDLET_CACHE_MAX_BYTES, else 3/4 of /tmp on Lambda (384 MiB of the default 512 MiB), else 4 GiB */
  cacheMaxBytes?: number;
  /** Size of one ranged GET. @default 8 MiB */
  partSizeBytes?: number;
  /** Ranged GETs in flight at once. @default 8 */
  concurrency?: number;
}

export interface ObjectVersion {
  etag: string;
  size: number;
  lastModified?: Date;
}

export interface FetchedObject {
  uri: string;
  bytes: Uint8Array;
  etag: string;
  size: number;
  from: 'local' | 'cache' | 's3';
  /** Time to get the bytes (HEAD, download or file read), in milliseconds. */
  downloadMs: number;
  /** A local file holding the bytes: the cache file, or the local path itself. '' for an object over the cache cap. */
  path: string;
}

export interface FetchOptions {
  /** Called as bytes arrive (S3) or once (local files and cache hits). */
  onProgress?(doneBytes: number, totalBytes: number): void;
  signal?: AbortSignal;
  /** Refuse (LIMIT_EXCEEDED, before downloading) objects larger than this. */
  maxBytes?: number;
}

export const DEFAULT_PART_BYTES = 8 * 1024 * 1024;
export const DEFAULT_CONCURRENCY = 8;
/** Tries per part when the body breaks off mid-stream. */
const PART_ATTEMPTS = 3;
/** A manifest is a few KiB; anything this large is not one. */
const MAX_MANIFEST_BYTES = 1024 * 1024;

/** One download shared by every concurrent fetch of the same URI. */
interface SharedFetch {
  waiters: Set<Waiter>;
  controller: AbortController;
  size?: number;
  /** Settles when the download and its clean-up are over. */
  settled?: Promise<void>;
}

interface Waiter {
  maxBytes: number | undefined;
  onProgress: ((doneBytes: number, totalBytes: number) => void) | undefined;
  resolve(result: FetchedObject): void;
  reject(error: unknown): void;
}

/** A part's body broke off mid-stream (socket reset, premature close): worth another try. */
class PartInterrupted extends Error {}

export class ModelStore {
  private client: S3Client | undefined;
  private readonly ownsClient: boolean;
  private readonly cache: ObjectCache;
  private readonly partSize: number;
  private readonly concurrency: number;
  private readonly inflight = new Map<string, SharedFetch>();

  constructor(options: ModelStoreOptions = {}) {
    this.client = options.s3;
    this.ownsClient = options.s3 === undefined;
    this.cache = new ObjectCache(
      options.cacheDir ?? defaultCacheDir(),
      positiveInteger(options.cacheMaxBytes ?? defaultCacheMaxBytes(), 'ModelStore cacheMaxBytes', true),
    );
    this.partSize = positiveInteger(options.partSizeBytes ?? DEFAULT_PART_BYTES, 'ModelStore partSizeBytes');
    this.concurrency = positiveInteger(options.concurrency ?? DEFAULT_CONCURRENCY, 'ModelStore concurrency');
  }

  get cacheDir(): string {
    return this.cache.dir;
  }

  /** The object's bytes, from the local disk, the cache (after one HEAD) or S3. */
  async fetch(uri: string | ModelLocation, options: FetchOptions = {}): Promise<FetchedObject> {
    const location = toModelLocation(uri);
    options.signal?.throwIfAborted();
    if (location.kind === 'file') return fetchLocal(location, options);
    return this.joinFetch(location, options);
  }

  /** Version of an object without its bytes; local files get a stable ETag from size and mtime. */
  async head(uri: string | ModelLocation): Promise<ObjectVersion> {
    const location = toModelLocation(uri);
    if (location.kind === 's3') return this.version(location);
    const head = await headObject(location);
    if (!head) throw new MindletError('NOT_FOUND', 'no such file', { file: location.path });
    return head;
  }

  /** `mindlet.json` beside the model; undefined when there is none. */
  async readManifest(modelUri: string | ModelLocation): Promise<Manifest | undefined> {
    const model = toModelLocation(modelUri);
    const location = siblingLocation(model, MANIFEST_FILE);
    const read = { maxBytes: MAX_MANIFEST_BYTES, ...(location.kind === 's3' ? { s3: this.s3 } : {}) };
    const found = await readJsonObject(location, read).catch((error: unknown) => {
      if (!(isMindletError(error) && error.code === 'LIMIT_EXCEEDED')) throw error;
      throw new MindletError('INVALID_FORMAT', `manifest is over ${MAX_MANIFEST_BYTES} bytes`, { file: location.uri });
    });
    if (!found) return undefined;
    const manifest = parseManifest(found.value, location.uri);
    const modelFile =
      model.kind === 'file' ? path.basename(model.path) : model.key.slice(model.key.lastIndexOf('/') + 1);
    if (manifest.model !== modelFile)
      throw new MindletError('INVALID_FORMAT', `the manifest describes ${manifest.model}, not ${modelFile}`, {
        file: location.uri,
      });
    return manifest;
  }

  /** Cancels downloads in flight and releases the S3 client this store made. */
  close(): void {
    for (const shared of this.inflight.values()) shared.controller.abort(new Error('model store closed'));
    if (!this.ownsClient) return;
    this.client?.destroy();
    this.client = undefined;
  }

  private get s3(): S3Client {
    this.client ??= createS3Client();
    return this.client;
  }

  private joinFetch(location: S3Location, options: FetchOptions): Promise<FetchedObject> {
    return new Promise((resolve, reject) => {
      let shared = this.inflight.get(location.uri);
      const start = shared === undefined;
      if (!shared) {
        shared = { waiters: new Set(), controller: new AbortController() };
        this.inflight.set(location.uri, shared);
      }
      const joined = shared;
      if (joined.size !== undefined && options.maxBytes !== undefined && joined.size > options.maxBytes) {
        reject(tooLarge(location.uri, options.maxBytes, joined.size));
        return;
      }
      const signal = options.signal;
      const onAbort = () => {
        if (!joined.waiters.delete(waiter)) return;
        if (joined.waiters.size > 0) {
          reject(signal?.reason);
          return;
        }
        // The last caller gone: nobody wants the bytes; stop, and answer once the temp file is gone.
        joined.controller.abort(signal?.reason);
        void joined.settled?.finally(() => reject(signal?.reason));
      };
      const waiter: Waiter = {
        maxBytes: options.maxBytes,
        onProgress: options.onProgress,
        resolve: (result) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(result);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      joined.waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (start) joined.settled = this.runShared(location, joined);
    });
  }

  private async runShared(location: S3Location, shared: SharedFetch): Promise<void> {
    try {
      const result = await this.fetchS3(location, shared);
      for (const waiter of shared.waiters) waiter.resolve(result);
    } catch (error) {
      for (const waiter of shared.waiters) waiter.reject(error);
    } finally {
      shared.waiters.clear();
      if (this.inflight.get(location.uri) === shared) this.inflight.delete(location.uri);
    }
  }

  private async fetchS3(location: S3Location, shared: SharedFetch): Promise<FetchedObject> {
    const started = performance.now();
    const signal = shared.controller.signal;
    for (let attempt = 0; ; attempt++) {
      const version = await this.version(location, signal);
      admit(shared, location.uri, version.size);
      const progress = (done: number) => {
        for (const waiter of shared.waiters) waiter.onProgress?.(done, version.size);
      };
      const id = { bucket: location.bucket, key: location.key, etag: version.etag };
      const cached = version.etag ? await this.cache.lookup(id, version.size) : undefined;
      if (cached) {
        const bytes = await readFile(cached, { signal }).catch(() => undefined);
        if (bytes?.byteLength === version.size) {
          progress(version.size);
          const downloadMs = performance.now() - started;
          return {
            uri: location.uri,
            bytes,
            etag: version.etag,
            size: version.size,
            from: 'cache',
            downloadMs,
            path: cached,
          };
        }
      }
      try {
        const { bytes, file } = await this.download(location, version, signal, progress);
        const downloadMs = performance.now() - started;
        return { uri: location.uri, bytes, etag: version.etag, size: version.size, from: 's3', downloadMs, path: file };
      } catch (error) {
        // The object changed between HEAD and a part (ETag, size or precondition): start over with the new version.
        if (!(error instanceof ObjectChangedError)) throw error;
        if (attempt > 0)
          throw new Error(`${location.uri}: the object changed during two downloads in a row; try again`);
      }
    }
  }

  /** Parallel ranged GETs into one buffer, written to a cache temp file as parts complete. */
  private async download(
    location: S3Location,
    version: ObjectVersion,
    signal: AbortSignal,
    progress: (done: number) => void,
  ): Promise<{ bytes: Buffer; file: string }> {
    const { size, etag } = version;
    const id = { bucket: location.bucket, key: location.key, etag };
    const writer = etag && this.cache.fits(size) ? await this.cache.createWriter(id, size) : undefined;
    const bytes = Buffer.allocUnsafeSlow(size); // its own ArrayBuffer (never the shared pool); every byte is overwritten
    const whole = size <= this.partSize;
    const parts: Array<[number, number]> = [];
    for (let start = 0; start < size; start += this.partSize)
      parts.push([start, Math.min(size, start + this.partSize)]);
    // First failure stops the other parts; the first error is the one reported.
    const stop = new AbortController();
    const onAbort = () => stop.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    let failure: { error: unknown } | undefined;
    let done = 0;
    let next = 0;
    const worker = async () => {
      while (next < parts.length && !stop.signal.aborted) {
        const [start, end] = parts[next++]!;
        for (let attempt = 1; ; attempt++) {
          let partDone = 0;
          try {
            await this.getPart(location, etag, start, end, whole, bytes, stop.signal, (count) => {
              partDone += count;
              done += count;
              progress(done);
            });
            break;
          } catch (error) {
            // The SDK retries requests, not a body cut off mid-stream: retry that here, from the part's start.
            if (!(error instanceof PartInterrupted)) throw error;
            if (attempt >= PART_ATTEMPTS || stop.signal.aborted) throw error.cause;
            done -= partDone;
          }
        }
        await writer?.write(bytes.subarray(start, end), start);
      }
    };
    try {
      await Promise.all(
        Array.from({ length: Math.min(this.concurrency, parts.length) }, () =>
          worker().catch((error) => {
            failure ??= { error };
            stop.abort(error);
          }),
        ),
      );
      if (signal.aborted) throw signal.reason;
      if (failure) throw failure.error;
      if (size === 0) progress(0);
      return { bytes, file: writer ? await writer.commit() : '' };
    } catch (error) {
      await writer?.discard();
      throw error;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  private async getPart(
    location: S3Location,
    etag: string,
    start: number,
    end: number,
    whole: boolean,
    into: Buffer,
    signal: AbortSignal,
    received: (count: number) => void,
  ): Promise<void> {
    const command = new GetObjectCommand({
      Bucket: location.bucket,
      Key: location.key,
      ...(whole ? {} : { Range: `bytes=${start}-${end - 1}` }),
      ...(etag ? { IfMatch: etag } : {}),
    });
    const response = await this.s3.send(command, { abortSignal: signal }).catch((error) => {
      throw s3Error(error, location, 'pinned-read');
    });
    const body = response.Body as (AsyncIterable<Uint8Array> & { destroy?(): void }) | undefined;
    try {
      checkPinnedResponse({ uri: location.uri, etag, size: into.byteLength }, response, start);
    } catch (error) {
      body?.destroy?.();
      throw error;
    }
    let offset = start;
    try {
      for await (const chunk of body ?? []) {
        if (signal.aborted) throw signal.reason;
        if (offset + chunk.byteLength > end)
          throw new ObjectChangedError('the object changed while being read (a part is too long)', {
            uri: location.uri,
          });
        into.set(chunk, offset);
        offset += chunk.byteLength;
        received(chunk.byteLength);
      }
    } catch (error) {
      body?.destroy?.();
      if (error instanceof ObjectChangedError || signal.aborted) throw error;
      throw new PartInterrupted(`${location.uri}: download interrupted`, { cause: error });
    }
    if (signal.aborted) throw signal.reason;
    if (offset !== end)
      throw new ObjectChangedError('the object changed while being read (a part is too short)', { uri: location.uri });
  }

  /** One HEAD: the version every part of the download is pinned to. */
  private async version(location: S3Location, signal?: AbortSignal): Promise<ObjectVersion> {
    const head = await headS3(this.s3, location, signal);
    if (!head) throw noSuchObject(location);
    return { etag: head.etag, size: head.size, ...(head.lastModified ? { lastModified: head.lastModified } : {}) };
  }
}

async function fetchLocal(location: FileLocation, options: FetchOptions): Promise<FetchedObject> {
  const started = performance.now();
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(location.path, 'r');
  } catch (error) {
    throw fileError(error, location);
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory())
      throw new MindletError('INVALID_ARGUMENT', 'is a directory, not a model file', { file: location.path });
    if (options.maxBytes !== undefined && info.size > options.maxBytes)
      throw tooLarge(location.uri, options.maxBytes, info.size);
    if (info.size > bufferConstants.MAX_LENGTH) throw tooLarge(location.uri, bufferConstants.MAX_LENGTH, info.size);
    const bytes = await handle.readFile(options.signal ? { signal: options.signal } : {});
    options.onProgress?.(bytes.byteLength, bytes.byteLength);
    return {
      uri: location.uri,
      bytes,
      etag: localEtag(info),
      size: bytes.byteLength,
      from: 'local',
      downloadMs: performance.now() - started,
      path: location.path,
    };
  } catch (error) {
    throw fileError(error, location);
  } finally {
    await handle.close();
  }
}

/** After HEAD: callers whose limit the object exceeds leave now; none left means nothing to download. */
function admit(shared: SharedFetch, uri: string, size: number): void {
  shared.size = size;
  for (const waiter of shared.waiters) {
    const limit = Math.min(waiter.maxBytes ?? Number.POSITIVE_INFINITY, bufferConstants.MAX_LENGTH);
    if (size <= limit) continue;
    shared.waiters.delete(waiter);
    waiter.reject(tooLarge(uri, limit, size));
  }
  if (shared.waiters.size === 0) throw new Error('no caller is waiting for this object');
}
