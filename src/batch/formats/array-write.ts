/**
 * Results into `.npy` arrays (a `.npy` object, or the members of a `.npz`): one array per model output, one row per
 * record in index order, written through as records come so memory holds one row at a time.
 *
 * Every input record has a row, so row i is always record i. A record that failed (bad input or failed inference)
 * is written as a row of NaN for float dtypes and of 0 for integer and bool dtypes, which cannot hold NaN; the
 * object's status file lists which records failed, and is the only reliable way to tell a failed row of an integer
 * output from a real one.
 */
import { MindletError } from '../../errors.js';
import type { TensorInfo } from '../../graph/types.js';
import { encodeNpyHeader, npyArrayType } from '../../tensor/npy.js';
import { formatShape, shapeMatches } from '../../tensor/signature.js';
import type { Tensor } from '../../tensor/types.js';
import { isBadRecord, type OutputRecord } from '../types.js';
import { recordShape } from './array-read.js';
import { type BufferedSink, DEFAULT_CHUNK_BYTES } from './buffered-sink.js';

const HOST_LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** One model output's array: its declared row shape, the row shape fixed by the first result, and where it goes. */
export class OutputArray {
  /** One record's shape as the signature declares it (-1 dynamic). */
  readonly declared: number[];
  /** The row shape every record must have: the declared one when static, else fixed by the first good record. */
  rowShape: number[] | undefined;
  readonly itemSize: number;
  private failedPattern: Uint8Array | undefined;

  constructor(
    readonly info: TensorInfo,
    batched: boolean,
    readonly target: BufferedSink,
    label: string,
  ) {
    const ArrayType = npyArrayType(info.dtype);
    if (!ArrayType)
      throw new MindletError('UNSUPPORTED', `output ${info.name} is ${info.dtype}, which .npy cannot hold`, {
        file: label,
      });
    this.itemSize = ArrayType.BYTES_PER_ELEMENT;
    this.declared = recordShape(info, batched);
    if (this.declared.every((dim) => dim >= 0)) this.rowShape = this.declared;
  }

  get rowBytes(): number {
    return (this.rowShape ?? []).reduce((product, dim) => product * dim, 1) * this.itemSize;
  }

  /** A failed record's row: NaN for floats, 0 otherwise, written in pieces of at most one chunk. */
  async writeFailedRow(): Promise<void> {
    let left = this.rowBytes;
    if (left === 0) return;
    this.failedPattern ??= failedRowPattern(this.info.dtype, Math.min(left, DEFAULT_CHUNK_BYTES), this.itemSize);
    while (left > 0) {
      const count = Math.min(left, this.failedPattern.length);
      await this.target.write(this.failedPattern.subarray(0, count));
      left -= count;
    }
  }
}

/** At most `bytes` bytes (whole elements) of the value a failed row is filled with. */
function failedRowPattern(dtype: string, bytes: number, itemSize: number): Uint8Array {
  const length = Math.max(1, Math.floor(bytes / itemSize));
  if (dtype === 'float32') return new Uint8Array(new Float32Array(length).fill(Number.NaN).buffer);
  if (dtype === 'float64') return new Uint8Array(new Float64Array(length).fill(Number.NaN).buffer);
  if (dtype === 'float16') return new Uint8Array(new Uint16Array(length).fill(0x7e00).buffer); // half-precision NaN
  return new Uint8Array(length * itemSize);
}

/**
 * Writes each record's outputs as one row of each array. Headers go first, so when a row shape is dynamic the rows
 * of failed records before the first good one are only counted, and written once that record fixes the shape (if
 * every record fails, dynamic dimensions become 0).
 */
export class ArrayRowsWriter {
  private next = 0;
  private pendingFailed = 0;
  private started = false;

  constructor(
    private readonly arrays: readonly OutputArray[],
    private readonly total: number,
    private readonly label: string,
  ) {}

  async write(record: OutputRecord): Promise<void> {
    if (record.index !== this.next)
      throw this.error('INVALID_ARGUMENT', `results out of order: record ${record.index} came, ${this.next} was next`);
    if (this.next >= this.total)
      throw this.error('INVALID_ARGUMENT', `record ${record.index} is past the ${this.total} records of the input`);
    this.next++;
    if (isBadRecord(record)) {
      if (!this.started && !this.arrays.every((array) => array.rowShape)) {
        this.pendingFailed++;
        return;
      }
      await this.start();
      for (const array of this.arrays) await array.writeFailedRow();
      return;
    }
    if (record.outputs.length !== this.arrays.length)
      throw this.error(
        'INVALID_ARGUMENT',
        `record ${record.index} has ${record.outputs.length} outputs, the model ${this.arrays.length}`,
      );
    const rows = this.arrays.map((array, i) => this.rowBytes(array, record.outputs[i]!, record.index));
    await this.start();
    for (const [i, array] of this.arrays.entries()) await array.target.write(rows[i]!);
  }

  /** Checks that every record came, and writes the headers if no record did. */
  async complete(): Promise<void> {
    if (this.next !== this.total)
      throw this.error('INVALID_ARGUMENT', `${this.next} results were written for ${this.total} input records`);
    await this.start();
  }

  /** A good record's tensor as row bytes, fixing the array's row shape if this is the first good record. */
  private rowBytes(array: OutputArray, tensor: Tensor, index: number): Uint8Array {
    const { info } = array;
    if (tensor.dtype !== info.dtype)
      throw this.error(
        'INVALID_ARGUMENT',
        `record ${index}: output ${info.name} is ${tensor.dtype}, not ${info.dtype}`,
      );
    const fits = array.rowShape ? sameShape(array.rowShape, tensor.shape) : shapeMatches(array.declared, tensor.shape);
    if (!fits)
      throw this.error(
        'UNSUPPORTED',
        `.npy output ${info.name} needs one row shape${array.rowShape ? ` (${formatShape(array.rowShape)})` : ''}; record ${index} gave ${formatShape(tensor.shape)}`,
      );
    array.rowShape ??= [...tensor.shape];
    const elements = tensor.shape.reduce((product, dim) => product * dim, 1);
    const ArrayType = npyArrayType(info.dtype)!;
    if (!(tensor.data instanceof ArrayType) || tensor.data.length !== elements)
      throw this.error(
        'INVALID_ARGUMENT',
        `record ${index}: output ${info.name} of shape ${formatShape(tensor.shape)} has ${tensor.data.length} elements in a ${tensor.data.constructor.name}`,
      );
    const { data } = tensor;
    let bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (info.dtype === 'bool' && bytes.some((value) => value > 1)) bytes = bytes.map((value) => (value ? 1 : 0));
    if (!HOST_LITTLE && array.itemSize > 1) bytes = swapped(bytes, array.itemSize);
    return bytes;
  }

  /** Writes every header (fixing dynamic dimensions nothing fixed to 0), then the failed rows held back. */
  private async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const array of this.arrays) {
      array.rowShape ??= array.declared.map((dim) => Math.max(dim, 0));
      await array.target.write(encodeNpyHeader(array.info.dtype, [this.total, ...array.rowShape], this.label));
    }
    for (; this.pendingFailed > 0; this.pendingFailed--) for (const array of this.arrays) await array.writeFailedRow();
  }

  private error(code: 'INVALID_ARGUMENT' | 'UNSUPPORTED', message: string): MindletError {
    return new MindletError(code, message, { file: this.label });
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((dim, i) => dim === b[i]);
}

/** A little-endian copy of host-order elements (only on a big-endian host). */
function swapped(bytes: Uint8Array, size: number): Uint8Array {
  const copy = bytes.slice();
  for (let at = 0; at < copy.length; at += size) copy.subarray(at, at + size).reverse();
  return copy;
}
