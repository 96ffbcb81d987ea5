/**
 * The contracts inside batch prediction: byte sources and sinks (one object version in, one object out), the
 * record readers and writers the formats provide, and the job and status shapes the pipeline, the Lambda function
 * and the CLI share. Formats never see S3; the pipeline never sees a file format's bytes.
 */
import type { TensorInfo } from '../graph/types.js';
import type { Tensor } from '../tensor/types.js';

/** Input formats, chosen by the input key's extension: `.jsonl` (also `.ndjson`), `.npy`, `.npz`. */
export type BatchFormat = 'jsonl' | 'npy' | 'npz';

import type { ByteSink, ByteSource } from '../store/byte-stream.js';

export type { ByteSink, ByteSource };

/** The model as batch formats see it: public tensor names and full shapes (-1 dynamic). */
export interface BatchSignature {
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  /**
   * True when every input (and output) has a leading batch dimension (-1, or a fixed N): then one record is one
   * sample, whose shape is the tensor shape without that first dimension. False: one record is one whole set of
   * inputs, shaped exactly as the signature says.
   */
  readonly batched: boolean;
}

/** How a JSONL line was written, so its result is written the same way. */
export type RecordStyle = 'kserve' | 'instance';

/** What travels with a record from input to output unchanged. */
export interface RecordMeta {
  /** 0-based record number in the object (JSONL: counting non-blank lines; arrays: the first-axis index). */
  index: number;
  /** KServe-style `id` of the line, echoed in its result line. */
  id?: string;
  style?: RecordStyle;
}

/** A record ready for the engine: one tensor per signature input, in signature order, each one sample (see batched). */
export interface GoodRecord extends RecordMeta {
  inputs: Tensor[];
}

/** A record that could not be decoded; it is reported and written as a failed result, never dropped. */
export interface BadRecord extends RecordMeta {
  error: string;
}

export type InputRecord = GoodRecord | BadRecord;

export function isBadRecord(record: InputRecord | OutputRecord): record is BadRecord {
  return 'error' in record;
}

/** A record's result: one tensor per signature output (one sample each when batched), or why it failed. */
export type OutputRecord = (RecordMeta & { outputs: Tensor[] }) | BadRecord;

export interface RecordReader extends AsyncIterable<InputRecord> {
  /** Records in the object when the format says so up front (.npy, .npz); undefined for JSONL. */
  readonly total: number | undefined;
  /** Bytes of the object consumed so far (for progress). */
  readonly bytesRead: number;
}

export interface RecordWriter {
  /** Takes results in index order, each record exactly once (bad ones included). */
  write(record: OutputRecord): Promise<void>;
  /** Writes trailers (or assembles spooled arrays), then closes the sink. */
  finish(): Promise<{ etag?: string; bytes: number }>;
  /** Aborts the sink and removes any spool files. */
  abort(reason?: unknown): Promise<void>;
}

/** Bounds that keep one object from exhausting memory, whatever its size. */
export interface BatchLimits {
  /**
   * Longest JSONL line in bytes (a longer line is a bad record; the reader skips to the next newline).
   * @default 16777216 (16 MiB)
   */
  maxLineBytes: number;
  /**
   * Most elements one record's tensor may have, checked before allocation.
   * @default 16777216 (2^24)
   */
  maxTensorElements: number;
  /**
   * Largest input object in bytes; a larger one fails as a whole before any read.
   * @default 1099511627776 (1 TiB)
   */
  maxObjectBytes: number;
}

export const DEFAULT_BATCH_LIMITS: Readonly<BatchLimits> = {
  maxLineBytes: 16 * 1024 * 1024,
  maxTensorElements: 1 << 24,
  maxObjectBytes: 2 ** 40,
};

/** One input format: reading records and writing results. */
export interface FormatCodec {
  readonly format: BatchFormat;
  /**
   * The output object's file name for an input file name (the relative directory is kept by the caller). JSONL →
   * same name; .npy → same name with one output, `<stem>.npz` with several; .npz → same name.
   */
  outputName(inputName: string, signature: BatchSignature): string;
  openReader(source: ByteSource, signature: BatchSignature, limits: BatchLimits): Promise<RecordReader>;
  /**
   * `total` is the reader's record count where known (array formats size their output from it). `model` names the
   * model in KServe-style JSONL result lines.
   */
  openWriter(
    sink: ByteSink,
    signature: BatchSignature,
    context: { total: number | undefined; model: { name: string; version: string } },
  ): Promise<RecordWriter>;
}

/** One object to predict: what an S3 event (via SQS or EventBridge) or a folder listing names. */
export interface ObjectJob {
  /** `s3://bucket/key` or a local path / `file://` URI of the input object. */
  input: string;
  /** The version the event announced. The pipeline reads the object's current version and skips stale events. */
  etag?: string;
  versionId?: string;
  /** Size the event announced, if any (used by placement before any read). */
  size?: number;
  /** Where the event came from, for logs and the status file (`sqs:<messageId>`, `eventbridge:<id>`, `cli`). */
  trigger?: string;
}

/** Per-record failure in a status file. */
export interface RecordError {
  record: number;
  id?: string;
  error: string;
}

/** `<output>.status.json`: written last, so its presence with state "done" means the output is complete. */
export interface ObjectStatus {
  /** Format version of this file. */
  schema: 'mindlet.batch-status/1';
  state: 'done' | 'failed' | 'dead-lettered' | 'handed-off';
  input: { uri: string; etag: string; versionId?: string; size: number; format: BatchFormat };
  /** Absent when no output was written (failed before any result, or handed off). */
  output?: { uri: string; etag?: string; bytes: number };
  model: { name: string; version: string; uri: string; etag: string };
  records: { total: number; ok: number; failed: number };
  /** First `errorsKept` per-record errors (all of them are counted in records.failed). */
  errors: RecordError[];
  /** How many per-record errors were not kept in `errors`. */
  errorsOmitted: number;
  /** Why the whole object failed (state failed / dead-lettered). */
  reason?: string;
  /** Delivery attempts seen for this version (SQS ApproximateReceiveCount), when known. */
  attempts?: number;
  /** Engine micro-batch size used. */
  batchSize?: number;
  timings: { readMs: number; inferenceMs: number; writeMs: number; totalMs: number };
  /** Container task the job was handed to (state handed-off). */
  handoff?: { runner: string; taskId: string };
  startedAt: string;
  finishedAt: string;
  trigger?: string;
}

/** What processing one job came to. */
export type JobOutcome =
  | { kind: 'done'; status: ObjectStatus }
  /**
   * Nothing was redone: this version was already done (re-delivery), the event is older than an object already
   * done, or the key is not a batch input (no .jsonl / .ndjson / .npy / .npz extension).
   */
  | { kind: 'skipped'; reason: 'already-done' | 'stale-event' | 'not-an-input'; statusUri: string }
  | { kind: 'handed-off'; status: ObjectStatus };

/**
 * Where jobs too heavy for a function go (the placement policy decides). The routing issue supplies the ECS
 * RunTask runner; the batch function only needs this.
 */
export interface HeavyJobRunner {
  readonly name: string;
  /** Starts the job elsewhere; resolves with an id for the status file once the task has been accepted. */
  submit(job: ObjectJob, context: { modelUri: string; outputUri: string; reason: string }): Promise<{ taskId: string }>;
}
