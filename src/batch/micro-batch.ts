/**
 * Records → engine runs. Samples are stacked along the model's batch dimension into runs of the size the engine
 * does best with, and every run's outputs are split back into one result per record. A run that fails is retried
 * one record at a time, so one bad record costs only its own result.
 */
import { performance } from 'node:perf_hooks';
import { DTYPE_SIZES } from '../graph/dtype.js';
import { typedArrayConstructor } from '../graph/typed-arrays.js';
import type { TensorInfo } from '../graph/types.js';
import type { ServedModel } from '../repository/types.js';
import { sampleOf, stackSamples } from '../runtime/batching.js';
import type { Tensor, TensorData } from '../tensor/types.js';
import type { GoodRecord, OutputRecord } from './types.js';

/** Largest micro-batch tried when the batch dimension is dynamic. */
export const MAX_MICRO_BATCH = 32;
/** Stop growing the calibration batch once one run takes this long: cold starts stay short. */
const CALIBRATION_BUDGET_MS = 250;
/** A bigger batch must beat the per-record time of a smaller one by this much to be chosen. */
const WORTHWHILE_GAIN = 0.1;
/** Timed runs per calibrated size. */
const CALIBRATION_RUNS = 3;
/** One micro-batch's input and output tensors together stay under this. */
const MAX_BATCH_BYTES = 64 * 1024 * 1024;
/** Batch size when the sample shape is itself dynamic (no zero sample to time). */
const UNCALIBRATED_BATCH = 8;

export interface MicroBatchPlan {
  /** Records per engine run. */
  size: number;
  /** How the size was chosen. */
  reason: 'fixed-batch' | 'no-batch-dimension' | 'requested' | 'calibrated' | 'dynamic-sample-shape' | 'memory-bound';
}

/**
 * The micro-batch size: the model's own fixed batch N; 1 without a batch dimension; else the requested size, or
 * the smallest size within 10% of the best per-record time among 1, 2, 4, ... 32 (the fastest of three runs on
 * zero samples each; every size tried keeps a plan, so the range stays small), capped so a
 * batch's tensors fit MAX_BATCH_BYTES.
 */
export async function planMicroBatch(
  model: ServedModel,
  batchDim: number | undefined,
  requested?: number,
): Promise<MicroBatchPlan> {
  if (batchDim === undefined) return { size: 1, reason: 'no-batch-dimension' };
  if (batchDim > 0) return { size: batchDim, reason: 'fixed-batch' };
  if (requested !== undefined) return { size: requested, reason: 'requested' };
  const samples = model.inputs.map((info) => info.shape.slice(1));
  if (samples.some((shape) => shape.some((d) => d < 0)))
    return { size: UNCALIBRATED_BATCH, reason: 'dynamic-sample-shape' };
  const bytesPerRecord = [...model.inputs, ...model.outputs].reduce((sum, info) => sum + sampleBytes(info), 0);
  const memoryCap = Math.max(1, Math.floor(MAX_BATCH_BYTES / Math.max(1, bytesPerRecord)));
  const zeros = model.inputs.map((info, i) => zeroSample(info, samples[i]!));
  let best = { size: 1, perRecord: Number.POSITIVE_INFINITY };
  for (let size = 1; size <= Math.min(MAX_MICRO_BATCH, memoryCap); size *= 2) {
    let ms: number;
    try {
      const inputs = zeros.map((zero) => stackSamples(new Array<Tensor>(size).fill(zero)));
      await model.run(inputs); // the first run of a shape also plans it; time the next ones
      ms = Number.POSITIVE_INFINITY;
      // The fastest of a few runs: a shared or throttled CPU only ever makes a run slower.
      for (let run = 0; run < CALIBRATION_RUNS; run++) {
        const started = performance.now();
        await model.run(inputs);
        ms = Math.min(ms, performance.now() - started);
      }
    } catch {
      break; // a size the model cannot take (memory, a fixed dim inside): keep the best so far
    }
    const perRecord = ms / size;
    if (perRecord < best.perRecord * (1 - WORTHWHILE_GAIN)) best = { size, perRecord };
    if (ms > CALIBRATION_BUDGET_MS) break;
  }
  if (best.perRecord === Number.POSITIVE_INFINITY)
    return { size: Math.min(UNCALIBRATED_BATCH, memoryCap), reason: 'memory-bound' };
  return {
    size: best.size,
    reason: memoryCap < MAX_MICRO_BATCH && best.size * 2 > memoryCap ? 'memory-bound' : 'calibrated',
  };
}

/** Runs micro-batches of records on a model. */
export class MicroBatcher {
  /** Milliseconds spent in engine runs so far. */
  inferenceMs = 0;

  constructor(
    private readonly model: ServedModel,
    private readonly batchDim: number | undefined,
    readonly size: number,
  ) {}

  /** True when `record` can join a run whose first record is `first` (same sample shapes). */
  fits(first: GoodRecord, record: GoodRecord): boolean {
    return first.inputs.every((tensor, i) => sameShape(tensor.shape, record.inputs[i]!.shape));
  }

  /** Results for `records` (at most `size`, same shapes), in their order. Never throws for a record's fault. */
  async run(records: readonly GoodRecord[]): Promise<OutputRecord[]> {
    if (records.length === 0) return [];
    if (this.batchDim === undefined) return Promise.all(records.map((record) => this.runWhole(record)));
    try {
      return await this.runStacked(records);
    } catch (error) {
      if (records.length === 1) return [failed(records[0]!, error)];
      // Find the record at fault: each alone (their results are the same numbers, one row at a time).
      const results: OutputRecord[] = [];
      for (const record of records) {
        try {
          results.push(...(await this.runStacked([record])));
        } catch (single) {
          results.push(failed(record, single));
        }
      }
      return results;
    }
  }

  private async runStacked(records: readonly GoodRecord[]): Promise<OutputRecord[]> {
    // A fixed batch N is filled by repeating the last record; the padded rows are dropped.
    const rows = this.batchDim !== undefined && this.batchDim > 0 ? this.batchDim : records.length;
    const padded =
      records.length === rows ? records : [...records, ...new Array(rows - records.length).fill(records.at(-1))];
    const inputs = this.model.inputs.map((_, i) => stackSamples(padded.map((record: GoodRecord) => record.inputs[i]!)));
    const outputs = await this.timed(inputs);
    return records.map((record, row) => ({
      index: record.index,
      ...meta(record),
      outputs: outputs.map((tensor, i) => {
        const sample = sampleOf(tensor, row, rows);
        if (!sample)
          throw new Error(
            `output ${this.model.outputs[i]?.name}: shape [${tensor.shape.join(',')}] has no batch dimension of ${rows}`,
          );
        return sample;
      }),
    }));
  }

  private async runWhole(record: GoodRecord): Promise<OutputRecord> {
    try {
      return { index: record.index, ...meta(record), outputs: await this.timed(record.inputs) };
    } catch (error) {
      return failed(record, error);
    }
  }

  private async timed(inputs: Tensor[]): Promise<Tensor[]> {
    const started = performance.now();
    try {
      const outputs = await this.model.run(inputs);
      if (outputs.length !== this.model.outputs.length)
        throw new Error(`model returned ${outputs.length} outputs, its signature has ${this.model.outputs.length}`);
      return outputs;
    } finally {
      this.inferenceMs += performance.now() - started;
    }
  }
}

function meta(record: GoodRecord): { id?: string; style?: GoodRecord['style'] } {
  return {
    ...(record.id === undefined ? {} : { id: record.id }),
    ...(record.style === undefined ? {} : { style: record.style }),
  };
}

function failed(record: GoodRecord, error: unknown): OutputRecord {
  const message = error instanceof Error ? error.message : String(error);
  return { index: record.index, ...meta(record), error: `record ${record.index}: ${message}` };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function sampleBytes(info: TensorInfo): number {
  const dims = info.shape.slice(1);
  return dims.reduce((n, d) => n * Math.max(d, 1), 1) * DTYPE_SIZES[info.dtype];
}

function zeroSample(info: TensorInfo, shape: number[]): Tensor {
  const Typed = typedArrayConstructor(info.dtype);
  if (!Typed) throw new Error(`input ${info.name}: dtype ${info.dtype} has no tensor representation`);
  return { dtype: info.dtype, shape, data: new Typed(shape.reduce((n, d) => n * d, 1)) as TensorData };
}
