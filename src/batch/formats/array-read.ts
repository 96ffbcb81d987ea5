/**
 * Records out of `.npy` arrays (a whole `.npy` object, or the members of a `.npz`): each array's first axis is the
 * record axis, and its rows are cut from the byte stream one at a time, so memory holds a row and a chunk per array
 * whatever the object's size.
 */
import { MindletError } from '../../errors.js';
import type { TensorInfo } from '../../graph/types.js';
import { type NpyHeader, npyArrayType } from '../../tensor/npy.js';
import { formatShape, shapeMatches } from '../../tensor/signature.js';
import type { Tensor } from '../../tensor/types.js';
import type { BatchLimits, InputRecord, RecordReader } from '../types.js';

const HOST_LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const EMPTY = new Uint8Array(0);
/** Rows are cut into slabs of about this size. */
const SLAB_BYTES = 1 << 20;

/** What one array holds for the records: checked against one model input. */
export interface ArrayLayout {
  header: NpyHeader;
  /** Shape of one record's tensor: the array's shape without its first axis. */
  rowShape: number[];
  rowBytes: number;
  /** Records in the array: its first-axis length. */
  total: number;
}

/** The shape one record of `info` has: one sample (batched) or the whole input. */
export function recordShape(info: TensorInfo, batched: boolean): number[] {
  return batched ? info.shape.slice(1) : [...info.shape];
}

/**
 * Checks an array's header against the model input it feeds; every mismatch is an error about the whole object
 * (`label` names it, and the array where a .npz has several).
 */
export function arrayLayout(
  header: NpyHeader,
  info: TensorInfo,
  batched: boolean,
  limits: BatchLimits,
  label: string,
): ArrayLayout {
  const fail = (code: 'INVALID_ARGUMENT' | 'UNSUPPORTED' | 'LIMIT_EXCEEDED' | 'INVALID_FORMAT', message: string) =>
    new MindletError(code, message, { file: label });
  const arrayShape = `(${header.shape.join(', ')}${header.shape.length === 1 ? ',' : ''})`;
  if (header.dtype !== info.dtype)
    throw fail(
      'INVALID_ARGUMENT',
      `the array holds ${header.dtype} ('${header.descr}'), model input ${info.name} takes ${info.dtype}`,
    );
  if (header.shape.length === 0)
    throw fail('INVALID_ARGUMENT', 'the array is 0-d; records are read along its first axis');
  if (header.fortranOrder && header.shape.length > 1)
    throw fail(
      'UNSUPPORTED',
      `the array of shape ${arrayShape} is in Fortran (column-major) order, which cannot be streamed by record; save it in C order (numpy.ascontiguousarray)`,
    );
  const rowShape = header.shape.slice(1);
  const expected = recordShape(info, batched);
  if (!shapeMatches(expected, rowShape))
    throw fail(
      'INVALID_ARGUMENT',
      `the array of shape ${arrayShape} has records of shape ${formatShape(rowShape)}; model input ${info.name} takes ${formatShape(expected)}${batched ? ` (one sample of ${formatShape(info.shape)})` : ''}`,
    );
  const rowElements = rowShape.reduce((product, dim) => product * dim, 1);
  if (rowElements > limits.maxTensorElements)
    throw fail(
      'LIMIT_EXCEEDED',
      `records of shape ${formatShape(rowShape)} hold ${rowElements} elements, more than the limit of ${limits.maxTensorElements} (maxTensorElements)`,
    );
  // Rows of no bytes would make the record count unbounded by the object's size.
  if (rowElements === 0) throw fail('INVALID_ARGUMENT', `records of shape ${formatShape(rowShape)} hold no elements`);
  const total = header.shape[0]!;
  const rowBytes = rowElements * header.itemSize;
  if (!Number.isSafeInteger(total * rowBytes))
    throw fail('INVALID_FORMAT', `the array of shape ${arrayShape} is larger than any object can be`);
  return { header, rowShape, rowBytes, total };
}

/** One array feeding one input: its layout and how to stream its bytes. */
export interface ArrayColumn {
  layout: ArrayLayout;
  /**
   * Bytes starting `skip` bytes before the first row (a .npz member streams its .npy header too); `onBytes` is told
   * how many bytes of the object each chunk consumed (compressed bytes for a deflated member).
   */
  open(onBytes: (bytes: number) => void): AsyncIterable<Uint8Array>;
  skip: number;
  /** The object, and the array in it, for messages. */
  label: string;
}

/**
 * A reader that pulls one row from every column in lockstep: record i is row i of each array, in signature order.
 * Running out of bytes is a truncated object; bytes left after the last row are corrupt.
 */
export class ArrayRecordReader implements RecordReader {
  readonly total: number;
  private consumed: number;
  private iterated = false;

  constructor(
    private readonly columns: readonly ArrayColumn[],
    headerBytes: number,
  ) {
    this.total = columns[0]?.layout.total ?? 0;
    this.consumed = headerBytes;
  }

  get bytesRead(): number {
    return this.consumed;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<InputRecord> {
    if (this.iterated) throw new Error('a record reader can be iterated once');
    this.iterated = true;
    const pullers = this.columns.map(
      (column) =>
        new RowPuller(
          column
            .open((bytes) => {
              this.consumed += bytes;
            })
            [Symbol.asyncIterator](),
        ),
    );
    try {
      for (const [i, column] of this.columns.entries())
        if (!(await pullers[i]!.skip(column.skip)))
          throw new MindletError('INVALID_FORMAT', 'truncated before the first record', { file: column.label });
      for (let index = 0; index < this.total; index++) {
        const inputs: Tensor[] = [];
        for (const [i, column] of this.columns.entries()) {
          const row = await pullers[i]!.take(column.layout.rowBytes);
          if (!row)
            throw new MindletError(
              'INVALID_FORMAT',
              `truncated: the header says ${column.layout.total} records of ${column.layout.rowBytes} bytes, the data ends in record ${index}`,
              { file: column.label },
            );
          inputs.push(rowTensor(row, column.layout));
        }
        yield { index, inputs };
      }
      for (const [i, column] of this.columns.entries()) {
        const extra = await pullers[i]!.rest();
        if (extra > 0)
          throw new MindletError('INVALID_FORMAT', `${extra} bytes after the last record`, { file: column.label });
      }
    } finally {
      await Promise.all(pullers.map((puller) => puller.close()));
    }
  }
}

/** A row's bytes (a fresh buffer of its own) → the record's tensor: native byte order, bools as 0 or 1. */
function rowTensor(row: Uint8Array, layout: ArrayLayout): Tensor {
  const { dtype, itemSize, littleEndian } = layout.header;
  if (itemSize > 1 && littleEndian !== HOST_LITTLE) swapBytes(row, itemSize);
  const ArrayType = npyArrayType(dtype)!;
  const data = new ArrayType(row.buffer as ArrayBuffer, row.byteOffset, row.byteLength / itemSize);
  if (dtype === 'bool') for (let i = 0; i < row.length; i++) if (row[i]! > 1) row[i] = 1; // numpy: non-zero is True
  return { dtype, shape: [...layout.rowShape], data };
}

/** Reverses each `size`-byte element in place. */
function swapBytes(bytes: Uint8Array, size: number): void {
  for (let at = 0; at + size <= bytes.length; at += size) {
    for (let low = at, high = at + size - 1; low < high; low++, high--) {
      const byte = bytes[low]!;
      bytes[low] = bytes[high]!;
      bytes[high] = byte;
    }
  }
}

/** Cuts fixed-size rows from a stream of chunks of any size; each row is copied into a fresh, aligned buffer. */
export class RowPuller {
  private chunk: Uint8Array = EMPTY;
  private slab: Uint8Array = EMPTY;
  private slabUsed = 0;
  private at = 0;
  private done = false;

  constructor(private readonly iterator: AsyncIterator<Uint8Array>) {}

  /** The next `length` bytes, or undefined where the stream ends first. */
  async take(length: number): Promise<Uint8Array | undefined> {
    // Always a copy (chunks may be Buffers, whose slice() is a view that would keep the whole chunk alive), into a
    // slab shared by consecutive rows: one allocation per ~1 MiB instead of one per row, and rows of one micro-batch
    // lie side by side, so stacking them is a view, not another copy.
    if (this.slabUsed + length > this.slab.byteLength) {
      this.slab = new Uint8Array(Math.max(length, SLAB_BYTES - (SLAB_BYTES % length)));
      this.slabUsed = 0;
    }
    const row = this.slab.subarray(this.slabUsed, this.slabUsed + length);
    this.slabUsed += length;
    let filled = 0;
    while (filled < length) {
      if (this.at === this.chunk.length) {
        if (!(await this.pull())) return undefined;
        continue;
      }
      const count = Math.min(length - filled, this.chunk.length - this.at);
      row.set(this.chunk.subarray(this.at, this.at + count), filled);
      filled += count;
      this.at += count;
    }
    return row;
  }

  /** Drops `length` bytes; false where the stream ends first. */
  async skip(length: number): Promise<boolean> {
    let left = length;
    while (left > 0) {
      if (this.at === this.chunk.length && !(await this.pull())) return false;
      const count = Math.min(left, this.chunk.length - this.at);
      this.at += count;
      left -= count;
    }
    return true;
  }

  /** Reads to the end (which runs any checks the stream makes at its end) and says how many bytes were left. */
  async rest(): Promise<number> {
    let extra = this.chunk.length - this.at;
    this.chunk = EMPTY;
    this.at = 0;
    while (await this.pull()) {
      extra += this.chunk.length;
      this.at = this.chunk.length;
    }
    return extra;
  }

  async close(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.iterator.return?.();
  }

  private async pull(): Promise<boolean> {
    if (this.done) return false;
    const next = await this.iterator.next();
    if (next.done) {
      this.done = true;
      return false;
    }
    this.chunk = next.value;
    this.at = 0;
    return true;
  }
}
