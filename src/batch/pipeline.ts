/**
 * Batch prediction of one object: read its records as they stream in, predict them in micro-batches, stream the
 * results to the output prefix under the same relative key, and write `<key>.status.json` last. The status file is
 * the commit record: a re-delivered event for a version whose status says "done" (same input ETag, same model) does
 * nothing, and a newer version of the object is predicted again. Outputs are complete objects or absent (multipart
 * uploads complete only at the end), so a crash mid-object leaves nothing half-written for readers.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { S3Client } from '@aws-sdk/client-s3';
import { isMindletError, MindletError, ServingError } from '../errors.js';
import { StoreModelRepository } from '../repository/store-repository.js';
import type { ServedModel } from '../repository/types.js';
import { batchDimension } from '../runtime/batching.js';
import { readJsonObject, writeJsonObject } from '../store/json-objects.js';
import type { Manifest, PlacementTarget } from '../store/manifest.js';
import { ModelStore } from '../store/model-store.js';
import { ObjectChangedError, TransientStoreError } from '../store/object-errors.js';
import { headObject } from '../store/object-head.js';
import { type ObjectSinkOptions, openObjectSink } from '../store/object-sink.js';
import { type ObjectSourceOptions, openObjectSource } from '../store/object-source.js';
import { parseModelUri } from '../store/uri.js';
import { codecForKey } from './formats/index.js';
import { MicroBatcher, type MicroBatchPlan, planMicroBatch } from './micro-batch.js';
import {
  BATCH_MARKER,
  type BatchPrefix,
  checkDisjoint,
  joinPrefix,
  parseBatchPrefix,
  relativeKey,
  STATUS_SUFFIX,
} from './prefixes.js';
import {
  type BatchLimits,
  type BatchSignature,
  DEFAULT_BATCH_LIMITS,
  type FormatCodec,
  type GoodRecord,
  type HeavyJobRunner,
  type InputRecord,
  isBadRecord,
  type JobOutcome,
  type ObjectJob,
  type ObjectStatus,
  type OutputRecord,
  type RecordError,
  type RecordWriter,
} from './types.js';

/** Per-record errors kept in a status file; the rest are only counted (a status file stays small). */
export const ERRORS_KEPT = 1000;

export interface BatchPipelineOptions {
  /** `s3://bucket/models/<name>/<version>/model.mindir`, `file://` or a path; its mindlet.json is read beside it. */
  modelUri: string;
  /** Default: the manifest's name, else from the URI. */
  modelName?: string;
  /** Default: the manifest's version, else from the URI. */
  modelVersion?: string;
  /** Key reference for an encrypted model (`env:`, `secretsmanager:`, `ssm:`). Default: the manifest's. */
  keyRef?: string;
  /** The key itself, for local use. */
  key?: string | Uint8Array;
  /** Where inputs arrive: `s3://bucket/in/` or a local folder. */
  inputPrefix: string;
  /** Where outputs and status files go: `s3://bucket/out/` or a local folder; must not overlap the input prefix. */
  outputPrefix: string;
  /** @default createS3Client() (the environment's endpoint and credentials) */
  s3?: S3Client;
  /** @default a ModelStore with its environment defaults (cache in /tmp on Lambda) */
  store?: ModelStore;
  /** Engine threads. @default all available CPUs */
  threads?: number;
  /** Records per engine run for a model with a dynamic batch dimension. @default calibrated at open */
  batchSize?: number;
  limits?: Partial<BatchLimits>;
  /** Where jobs too heavy for this process go (a container task); without it every job runs here. */
  heavy?: HeavyWork;
  /** Tuning of the object streams (stall timeout and resumes of reads, part size of multipart writes). */
  streams?: Pick<ObjectSourceOptions, 'stallTimeoutMs' | 'maxResumes' | 'resumeBackoffMs'> &
    Pick<ObjectSinkOptions, 'partBytes' | 'queueSize'>;
}

/**
 * When a job is handed to a container task: a placement decision on the model's manifest (`placeOnTask`, the batch
 * function passes the routing policy's), else the manifest's placement target; and an object size bound.
 */
export interface HeavyWork {
  runner: HeavyJobRunner;
  /** Objects larger than this go to the runner. @default no bound */
  maxObjectBytes?: number;
  /**
   * Models whose manifest places them on one of these targets are never loaded here: every job goes to the runner.
   * Ignored when `placeOnTask` is given.
   * @default ['gpu', 'ascend']
   */
  taskTargets?: readonly PlacementTarget[];
  /**
   * The placement decision from the model's manifest: why the model runs on a container task (every job goes to
   * the runner, the model is never loaded here), or undefined to run it here. Replaces `taskTargets`.
   */
  placeOnTask?: (manifest: Manifest) => string | undefined;
}

export interface ObjectProgress {
  /** Records predicted or reported failed so far. */
  records: number;
  /** Records in the object, when its format says up front. */
  totalRecords: number | undefined;
  bytesRead: number;
  totalBytes: number;
}

export interface ProcessOptions {
  /** Delivery attempts so far (SQS ApproximateReceiveCount), recorded in the status. */
  attempts?: number;
  onProgress?: (progress: ObjectProgress) => void;
}

/** Errors retrying cannot fix: the input or model is wrong, not the network. */
export function isPermanentBatchError(error: unknown): boolean {
  if (error instanceof TransientStoreError) return false;
  if (error instanceof ServingError) return error.status < 500;
  return isMindletError(error);
}

export class BatchPipeline {
  private closed = false;

  private readonly repository: StoreModelRepository | undefined;
  /** Undefined when the model runs only on a container task (every job is handed off). */
  private readonly served: ServedModel | undefined;
  /** Why every job is handed off, when the model runs only on a container task. */
  private readonly taskReason: string | undefined;
  readonly model: { name: string; version: string; uri: string; etag: string };
  readonly signature: BatchSignature;
  private readonly batchDim: number | undefined;
  readonly microBatch: MicroBatchPlan;

  private constructor(
    parts: OpenParts,
    private readonly input: BatchPrefix,
    private readonly output: BatchPrefix,
    private readonly options: BatchPipelineOptions,
    private readonly limits: BatchLimits,
    /** The model store this pipeline made (closed with it), if it made one. */
    private readonly ownedStore: ModelStore | undefined,
  ) {
    this.repository = parts.repository;
    this.served = parts.served;
    this.taskReason = parts.taskReason;
    this.model = parts.model;
    this.signature = parts.signature;
    this.batchDim = parts.batchDim;
    this.microBatch = parts.microBatch;
  }

  /**
   * Loads and plans the model, chooses the micro-batch size, and notes the batch's prefixes at the output root. A
   * model its manifest places on a container task (see `HeavyWork.taskTargets`) is not loaded: jobs are handed off.
   */
  static async open(options: BatchPipelineOptions): Promise<BatchPipeline> {
    const input = parseBatchPrefix(options.inputPrefix);
    const output = parseBatchPrefix(options.outputPrefix);
    checkDisjoint(input, output);
    if (options.batchSize !== undefined && !(Number.isInteger(options.batchSize) && options.batchSize >= 1))
      throw new MindletError('INVALID_ARGUMENT', `batch size must be a positive integer, got ${options.batchSize}`);
    const limits = { ...DEFAULT_BATCH_LIMITS, ...options.limits };
    const ownsStore = options.store === undefined;
    const store = options.store ?? new ModelStore(options.s3 ? { s3: options.s3 } : {});
    const open = (parts: OpenParts) =>
      new BatchPipeline(parts, input, output, options, limits, ownsStore ? store : undefined);

    const onTask = await taskPlacement(store, options).catch((error: unknown) => {
      if (ownsStore) store.close();
      throw error;
    });
    if (onTask) {
      const pipeline = open(onTask);
      await pipeline.writeMarker();
      return pipeline;
    }
    const repository = new StoreModelRepository(
      [
        {
          uri: options.modelUri,
          ...(options.modelName === undefined ? {} : { name: options.modelName }),
          ...(options.modelVersion === undefined ? {} : { version: options.modelVersion }),
          ...(options.keyRef === undefined ? {} : { keyRef: options.keyRef }),
          ...(options.key === undefined ? {} : { key: options.key }),
        },
      ],
      { store, ...(options.threads ? { threads: options.threads } : {}) },
    );
    try {
      const [report] = await repository.load();
      const served = await repository.resolve(report!.name, report!.version);
      const batchDim = batchDimension(served);
      const signature: BatchSignature = {
        inputs: served.inputs,
        outputs: served.outputs,
        batched: batchDim !== undefined,
      };
      const microBatch = await planMicroBatch(served, batchDim, options.batchSize);
      const model = { name: report!.name, version: report!.version, uri: report!.uri, etag: report!.etag };
      const pipeline = open({ repository, served, model, signature, batchDim, microBatch });
      await pipeline.writeMarker();
      return pipeline;
    } catch (error) {
      repository.close();
      if (ownsStore) store.close();
      throw error;
    }
  }

  /** Decode the next micro-batch while the engine runs: only when the engine leaves a CPU for it. */
  private get overlapDecode(): boolean {
    return (this.options.threads ?? os.availableParallelism()) < os.availableParallelism();
  }

  /** True when the model is not loaded here and every job goes to a container task. */
  get handsOffEveryJob(): boolean {
    return this.served === undefined;
  }

  /** Where an input object's predictions go. */
  outputUriFor(inputUri: string): string {
    const relative = this.relative(inputUri);
    const codec = this.codec(relative);
    const slash = relative.lastIndexOf('/');
    const name = codec.outputName(relative.slice(slash + 1), this.signature);
    return joinPrefix(this.output, relative.slice(0, slash + 1) + name);
  }

  /** `<output prefix><relative input key>.status.json`: keyed by the input, so it exists even when no output does. */
  statusUriFor(inputUri: string): string {
    return joinPrefix(this.output, this.relative(inputUri) + STATUS_SUFFIX);
  }

  /** Predicts one object. 'done' even when some records failed (they are in the status); throws when the object as a whole fails. */
  async process(job: ObjectJob, options: ProcessOptions = {}): Promise<JobOutcome> {
    if (this.closed) throw new MindletError('INVALID_ARGUMENT', 'the batch pipeline is closed');
    const started = performance.now();
    const startedAt = new Date().toISOString();
    const relative = this.relative(job.input);
    const codec = codecForKey(relative);
    const statusUri = joinPrefix(this.output, relative + STATUS_SUFFIX);
    if (!codec) return { kind: 'skipped', reason: 'not-an-input', statusUri };
    const s3 = this.s3Options();
    const streams = this.options.streams ?? {};
    const source = await openObjectSource(job.input, {
      ...s3,
      ...pick(streams, ['stallTimeoutMs', 'maxResumes', 'resumeBackoffMs']),
    });
    const inputVersion = {
      uri: source.uri,
      etag: source.etag,
      ...(source.versionId === undefined ? {} : { versionId: source.versionId }),
      size: source.size,
      format: codec.format,
    };

    const previous = await readStatus(statusUri, s3);
    if (
      previous &&
      sameVersion(previous, inputVersion, this.model) &&
      (previous.state === 'done' || previous.state === 'handed-off')
    ) {
      const stale = job.etag !== undefined && !sameEtag(job.etag, source.etag);
      return { kind: 'skipped', reason: stale ? 'stale-event' : 'already-done', statusUri };
    }
    if (source.size > this.limits.maxObjectBytes)
      throw new MindletError(
        'LIMIT_EXCEEDED',
        `${source.uri}: ${source.size} bytes exceed the batch limit of ${this.limits.maxObjectBytes}`,
      );

    const base = {
      schema: 'mindlet.batch-status/1' as const,
      input: inputVersion,
      model: this.model,
      ...(options.attempts === undefined ? {} : { attempts: options.attempts }),
      ...(job.trigger === undefined ? {} : { trigger: job.trigger }),
      startedAt,
    };
    const outputUri = this.outputUriFor(job.input);

    const heavy = this.options.heavy;
    const handoff = !heavy
      ? undefined
      : !this.served
        ? (this.taskReason ?? `model ${this.model.name} is placed on a container task by its manifest`)
        : heavy.maxObjectBytes !== undefined && source.size > heavy.maxObjectBytes
          ? `object of ${source.size} bytes is over the function's limit of ${heavy.maxObjectBytes}`
          : undefined;
    if (heavy && handoff) {
      const reason = handoff;
      const { taskId } = await heavy.runner.submit(job, { modelUri: this.model.uri, outputUri, reason });
      const status: ObjectStatus = {
        ...base,
        state: 'handed-off',
        records: { total: 0, ok: 0, failed: 0 },
        errors: [],
        errorsOmitted: 0,
        reason,
        handoff: { runner: heavy.runner.name, taskId },
        timings: { readMs: 0, inferenceMs: 0, writeMs: 0, totalMs: performance.now() - started },
        finishedAt: new Date().toISOString(),
      };
      await writeJsonObject(statusUri, status, s3);
      return { kind: 'handed-off', status };
    }

    const served = this.served;
    if (!served) throw new MindletError('INVALID_ARGUMENT', `model ${this.model.name} is not loaded here`);
    const reader = await codec.openReader(source, this.signature, this.limits);
    const sink = await openObjectSink(outputUri, { ...s3, ...pick(streams, ['partBytes', 'queueSize']) });
    let opened: RecordWriter | undefined;
    try {
      const writer = await codec.openWriter(sink, this.signature, {
        total: reader.total,
        model: { name: this.model.name, version: this.model.version },
      });
      opened = writer;
      const counted = await this.predictRecords(served, reader, writer, (records) =>
        options.onProgress?.({
          records,
          totalRecords: reader.total,
          bytesRead: reader.bytesRead,
          totalBytes: source.size,
        }),
      );
      const writeStarted = performance.now();
      const written = await writer.finish();
      counted.writeMs += performance.now() - writeStarted;
      const status: ObjectStatus = {
        ...base,
        state: 'done',
        output: { uri: outputUri, ...(written.etag === undefined ? {} : { etag: written.etag }), bytes: written.bytes },
        records: { total: counted.ok + counted.failed, ok: counted.ok, failed: counted.failed },
        errors: counted.errors,
        errorsOmitted: counted.failed - counted.errors.length,
        batchSize: this.microBatch.size,
        timings: {
          readMs: round(counted.readMs),
          inferenceMs: round(counted.inferenceMs),
          writeMs: round(counted.writeMs),
          totalMs: round(performance.now() - started),
        },
        finishedAt: new Date().toISOString(),
      };
      await writeJsonObject(statusUri, status, s3);
      return { kind: 'done', status };
    } catch (error) {
      await (opened ? opened.abort(error) : sink.abort(error)).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Writes the status of an object that failed as a whole (the reason, the attempts). Undefined when the job's input
   * lies outside the input prefix or the status cannot be written (the caller still reports the failure).
   */
  async recordFailure(
    job: ObjectJob,
    error: unknown,
    options: { state: 'failed' | 'dead-lettered'; attempts?: number },
  ): Promise<ObjectStatus | undefined> {
    let relative: string;
    try {
      relative = this.relative(job.input);
    } catch {
      return undefined;
    }
    const s3 = this.s3Options();
    const head = await headObject(job.input, s3).catch(() => undefined);
    const now = new Date().toISOString();
    const status: ObjectStatus = {
      schema: 'mindlet.batch-status/1',
      state: options.state,
      input: {
        uri: job.input,
        etag: head?.etag ?? job.etag ?? '',
        ...((head?.versionId ?? job.versionId) === undefined ? {} : { versionId: head?.versionId ?? job.versionId }),
        size: head?.size ?? job.size ?? 0,
        format: codecForKey(relative)?.format ?? 'jsonl',
      },
      model: this.model,
      records: { total: 0, ok: 0, failed: 0 },
      errors: [],
      errorsOmitted: 0,
      reason: error instanceof Error ? error.message : String(error),
      ...(options.attempts === undefined ? {} : { attempts: options.attempts }),
      timings: { readMs: 0, inferenceMs: 0, writeMs: 0, totalMs: 0 },
      startedAt: now,
      finishedAt: now,
      ...(job.trigger === undefined ? {} : { trigger: job.trigger }),
    };
    try {
      await writeJsonObject(joinPrefix(this.output, relative + STATUS_SUFFIX), status, s3);
      return status;
    } catch {
      return undefined;
    }
  }

  /** Frees the engine session (after in-flight runs). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.repository?.close();
    this.ownedStore?.close();
  }

  /**
   * Streams records into micro-batches, results written in record order, bad records in their place. When the
   * engine leaves a CPU free, the reader decodes batch k+1 while the engine runs batch k; when the engine's threads
   * take every CPU, decoding waits for the run: the engine's threads meet at a barrier after each op, so one of them
   * preempted by the decoder stalls them all (measured: 2 vCPUs, MobileNetV2, overlapped runs 1.6× slower).
   */
  private async predictRecords(
    served: ServedModel,
    reader: AsyncIterable<InputRecord>,
    writer: RecordWriter,
    onProgress: (records: number) => void,
  ): Promise<{
    ok: number;
    failed: number;
    errors: RecordError[];
    readMs: number;
    inferenceMs: number;
    writeMs: number;
  }> {
    const batcher = new MicroBatcher(served, this.batchDim, this.microBatch.size);
    const counts = { ok: 0, failed: 0, errors: [] as RecordError[], readMs: 0, inferenceMs: 0, writeMs: 0 };
    let pending: InputRecord[] = [];
    let good: GoodRecord[] = [];
    let previous: Promise<void> = Promise.resolve();

    const emit = async (results: readonly OutputRecord[]) => {
      const started = performance.now();
      for (const result of results) {
        if (isBadRecord(result)) {
          counts.failed++;
          if (counts.errors.length < ERRORS_KEPT)
            counts.errors.push({
              record: result.index,
              ...(result.id === undefined ? {} : { id: result.id }),
              error: result.error,
            });
        } else counts.ok++;
        await writer.write(result);
      }
      counts.writeMs += performance.now() - started;
      onProgress(counts.ok + counts.failed);
    };
    const flush = async () => {
      const batch = pending;
      const records = good;
      pending = [];
      good = [];
      await previous; // at most one engine run in flight, results written in order
      const running = batcher.run(records);
      previous = running.then((results) => {
        const byIndex = new Map(results.map((result) => [result.index, result]));
        return emit(batch.map((record) => (isBadRecord(record) ? record : byIndex.get(record.index)!)));
      });
      // An unhandled rejection must not escape while the reader waits; the next await of `previous` rethrows.
      previous.catch(() => undefined);
      if (!this.overlapDecode) await previous;
    };

    const iterator = reader[Symbol.asyncIterator]();
    for (;;) {
      const readStarted = performance.now();
      const next = await iterator.next();
      counts.readMs += performance.now() - readStarted;
      if (next.done) break;
      const record = next.value;
      if (!isBadRecord(record) && good.length > 0 && !batcher.fits(good[0]!, record)) await flush();
      pending.push(record);
      if (!isBadRecord(record)) good.push(record);
      if (good.length >= batcher.size) await flush();
      else if (good.length === 0 && pending.length >= batcher.size) await flush(); // a run of bad records
    }
    if (pending.length) await flush();
    await previous;
    counts.inferenceMs = batcher.inferenceMs;
    return counts;
  }

  private relative(inputUri: string): string {
    const relative = relativeKey(this.input, inputUri);
    if (relative === undefined)
      throw new MindletError('INVALID_ARGUMENT', `${inputUri} is not under the input prefix ${this.input.uri}`);
    return relative;
  }

  private codec(relative: string): FormatCodec {
    const codec = codecForKey(relative);
    if (!codec)
      throw new MindletError('UNSUPPORTED', `${relative}: not a batch input (expected .jsonl, .ndjson, .npy or .npz)`);
    return codec;
  }

  private s3Options(): { s3?: S3Client } {
    return this.options.s3 ? { s3: this.options.s3 } : {};
  }

  /** Records which input prefix and model fill this output prefix, for `mindlet batch status`. */
  private async writeMarker(): Promise<void> {
    const uri = joinPrefix(this.output, BATCH_MARKER);
    const marker = { schema: 'mindlet.batch/1', input: this.input.uri, output: this.output.uri, model: this.model.uri };
    const existing = await readJsonObject(uri, this.s3Options()).catch(() => undefined);
    const value = existing?.value as typeof marker | undefined;
    if (value && value.input === marker.input && value.model === marker.model) return;
    await writeJsonObject(uri, marker, this.s3Options());
  }
}

async function readStatus(uri: string, s3: { s3?: S3Client }): Promise<ObjectStatus | undefined> {
  try {
    const found = await readJsonObject(uri, s3);
    const value = found?.value as Partial<ObjectStatus> | undefined;
    return value?.schema === 'mindlet.batch-status/1' ? (value as ObjectStatus) : undefined;
  } catch (error) {
    if (error instanceof TransientStoreError || error instanceof ObjectChangedError) throw error;
    return undefined; // an unreadable status is no proof of done work: predict again
  }
}

function sameVersion(
  status: ObjectStatus,
  input: { etag: string; versionId?: string },
  model: { etag: string; uri: string },
): boolean {
  if (!sameEtag(status.input.etag, input.etag)) return false;
  if (
    status.input.versionId !== undefined &&
    input.versionId !== undefined &&
    status.input.versionId !== input.versionId
  )
    return false;
  return status.model.etag === model.etag && status.model.uri === model.uri;
}

/** ETags compare without their quotes (S3 events carry them bare, HEAD quoted) and weak prefix. */
export function sameEtag(a: string, b: string): boolean {
  const bare = (etag: string) => etag.replace(/^W\//, '').replace(/^"|"$/g, '');
  return bare(a) === bare(b);
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

interface OpenParts {
  repository: StoreModelRepository | undefined;
  served: ServedModel | undefined;
  model: { name: string; version: string; uri: string; etag: string };
  signature: BatchSignature;
  batchDim: number | undefined;
  microBatch: MicroBatchPlan;
  taskReason?: string;
}

/** The parts of a pipeline for a model placed on a container task (manifest or decision); undefined when it runs here. */
async function taskPlacement(store: ModelStore, options: BatchPipelineOptions): Promise<OpenParts | undefined> {
  if (!options.heavy) return undefined;
  const manifest = await store.readManifest(options.modelUri);
  if (!manifest) return undefined;
  const { placeOnTask, taskTargets = ['gpu', 'ascend'] } = options.heavy;
  const target = manifest.placement?.target;
  const taskReason = placeOnTask
    ? placeOnTask(manifest)
    : target !== undefined && taskTargets.includes(target)
      ? `model ${options.modelName ?? manifest.name} is placed on a container task by its manifest`
      : undefined;
  if (taskReason === undefined) return undefined;
  const { etag } = await store.head(options.modelUri);
  const tensors = (list: typeof manifest.signature.inputs) =>
    list.map((t) => ({ name: t.name, dtype: t.dtype, shape: [...t.shape] }));
  const io = { inputs: tensors(manifest.signature.inputs), outputs: tensors(manifest.signature.outputs) };
  const batchDim = batchDimension(io);
  return {
    repository: undefined,
    served: undefined,
    model: {
      name: options.modelName ?? manifest.name,
      version: options.modelVersion ?? manifest.version,
      uri: parseModelUri(options.modelUri).uri,
      etag,
    },
    signature: { ...io, batched: batchDim !== undefined },
    batchDim,
    microBatch: { size: 1, reason: 'no-batch-dimension' },
    taskReason,
  };
}

/** The keys of `from` that are set, among `keys`. */
function pick<T extends object, K extends keyof T>(from: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const picked: Partial<Pick<T, K>> = {};
  for (const key of keys) if (from[key] !== undefined) picked[key] = from[key];
  return picked;
}
