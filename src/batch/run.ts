/**
 * The batch pipeline driven from a listing instead of events (`mindlet batch run`): every input object under a
 * prefix or folder (or one object) goes through the same `BatchPipeline.process` the Lambda function calls, so the
 * outputs are identical. Objects run one after another; each already uses every engine thread.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { S3Client } from '@aws-sdk/client-s3';
import { MindletError } from '../errors.js';
import { headObject } from '../store/object-head.js';
import { listObjects } from '../store/object-listing.js';
import { parseModelUri } from '../store/uri.js';
import { codecForKey } from './formats/index.js';
import { BatchPipeline, type BatchPipelineOptions, isPermanentBatchError } from './pipeline.js';
import type { JobOutcome } from './types.js';

export interface RunBatchOptions extends Omit<BatchPipelineOptions, 'inputPrefix' | 'outputPrefix'> {
  /** One object, or a prefix / folder whose every .jsonl, .ndjson, .npy and .npz object is predicted. */
  input: string;
  /** Prefix or folder the outputs and status files go under (same relative keys as the inputs). */
  output: string;
  /** Called as records are predicted (often) and when each object ends. */
  onProgress?: (progress: BatchProgress) => void;
  /** Called when each object ends. */
  onObject?: (result: ObjectResult) => void;
}

export interface BatchProgress {
  objectsDone: number;
  objectsTotal: number;
  /** Records predicted or reported failed, over all objects so far. */
  records: number;
  bytesRead: number;
  bytesTotal: number;
  elapsedMs: number;
}

export interface ObjectResult {
  input: string;
  outcome?: JobOutcome;
  /** Why the object failed as a whole. */
  error?: string;
  /** The failure would fail again on retry (bad input), as opposed to a network or store fault. */
  permanent?: boolean;
}

export interface RunBatchSummary {
  model: { name: string; version: string; uri: string };
  batchSize: number;
  inputPrefix: string;
  outputPrefix: string;
  objects: ObjectResult[];
  records: { ok: number; failed: number };
  failedObjects: number;
  elapsedMs: number;
}

export async function runBatch(options: RunBatchOptions): Promise<RunBatchSummary> {
  const started = performance.now();
  const s3 = options.s3 ? { s3: options.s3 } : {};
  const { prefix: inputPrefix, single } = await resolveInput(options.input, options.s3);
  const pipeline = await BatchPipeline.open({ ...options, inputPrefix, outputPrefix: options.output });
  try {
    const objects: Array<{ uri: string; size: number }> = [];
    if (single) objects.push(single);
    else
      for await (const object of listObjects(inputPrefix, s3))
        if (codecForKey(object.relativeKey)) objects.push({ uri: asGiven(object.uri), size: object.size });

    const bytesTotal = objects.reduce((sum, object) => sum + object.size, 0);
    const progress: BatchProgress = {
      objectsDone: 0,
      objectsTotal: objects.length,
      records: 0,
      bytesRead: 0,
      bytesTotal,
      elapsedMs: 0,
    };
    const report = () => options.onProgress?.({ ...progress, elapsedMs: performance.now() - started });
    const results: ObjectResult[] = [];
    const records = { ok: 0, failed: 0 };
    report();
    for (const object of objects) {
      const before = { records: progress.records, bytes: progress.bytesRead };
      let result: ObjectResult;
      try {
        const outcome = await pipeline.process(
          { input: object.uri, size: object.size, trigger: 'cli' },
          {
            onProgress: (p) => {
              progress.records = before.records + p.records;
              progress.bytesRead = before.bytes + p.bytesRead;
              report();
            },
          },
        );
        result = { input: object.uri, outcome };
        if (outcome.kind === 'done') {
          records.ok += outcome.status.records.ok;
          records.failed += outcome.status.records.failed;
        }
      } catch (error) {
        const permanent = isPermanentBatchError(error);
        await pipeline.recordFailure({ input: object.uri, trigger: 'cli' }, error, { state: 'failed' });
        result = { input: object.uri, error: error instanceof Error ? error.message : String(error), permanent };
      }
      progress.objectsDone++;
      progress.bytesRead = before.bytes + object.size;
      results.push(result);
      options.onObject?.(result);
      report();
    }
    return {
      model: { name: pipeline.model.name, version: pipeline.model.version, uri: pipeline.model.uri },
      batchSize: pipeline.microBatch.size,
      inputPrefix,
      outputPrefix: options.output,
      objects: results,
      records,
      failedObjects: results.filter((r) => r.error !== undefined).length,
      elapsedMs: performance.now() - started,
    };
  } finally {
    await pipeline.close();
  }
}

/** A prefix to list, or one object and the prefix (its folder) its relative key is taken from. */
async function resolveInput(
  input: string,
  s3: S3Client | undefined,
): Promise<{ prefix: string; single?: { uri: string; size: number } }> {
  if (/^s3:\/\//i.test(input)) {
    if (input.endsWith('/') || /^s3:\/\/[^/]+$/i.test(input)) return { prefix: input };
    const head = await headObject(input, s3 ? { s3 } : {});
    if (!head) return { prefix: `${input}/` };
    const location = parseModelUri(input);
    if (location.kind !== 's3') throw new MindletError('INVALID_ARGUMENT', `bad input ${input}`);
    const folder = location.key.slice(0, location.key.lastIndexOf('/') + 1);
    return { prefix: `s3://${location.bucket}/${folder}`, single: { uri: location.uri, size: head.size } };
  }
  const location = parseModelUri(input);
  if (location.kind !== 'file') throw new MindletError('INVALID_ARGUMENT', `bad input ${input}`);
  const info = await stat(location.path).catch(() => undefined);
  if (!info) throw new MindletError('NOT_FOUND', `input ${input} does not exist`);
  if (info.isDirectory()) return { prefix: location.path };
  return { prefix: path.dirname(location.path), single: { uri: location.path, size: info.size } };
}

/** Local objects as plain paths (what the user typed), S3 objects as s3:// URIs. */
function asGiven(uri: string): string {
  const location = parseModelUri(uri);
  return location.kind === 'file' ? location.path : location.uri;
}
