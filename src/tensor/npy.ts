/**
 * numpy's `.npy` format (versions 1.0, 2.0, 3.0) to and from `Tensor`: numeric and bool dtypes, either byte order,
 * C or Fortran order (Fortran data is transposed into row-major), 0-d arrays. Bounded: the header is at most
 * 64 KiB and the data must be exactly as long as the shape says, so a bad file fails before anything is allocated.
 */
import { MindletError } from '../errors.js';
import type { TypedArrayConstructor } from '../graph/typed-arrays.js';
import type { DType } from '../graph/types.js';
import type { Tensor, TensorData } from './types.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const MAX_HEADER = 64 * 1024;
const MAX_RANK = 64; // numpy's own limit (NPY_MAXDIMS in numpy 2)
const ALIGN = 64; // numpy pads the header so the data starts 64-byte aligned
const GROWTH_AXIS_DIGITS = 21; // numpy leaves room for the growth axis to reach this many digits
const HOST_LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

interface Kind {
  dtype: DType;
  /** numpy's type character and size, e.g. "f4"; the byte-order character is added when written. */
  code: string;
  size: number;
  array: TypedArrayConstructor;
}

const KINDS: readonly Kind[] = [
  { dtype: 'float32', code: 'f4', size: 4, array: Float32Array },
  { dtype: 'float64', code: 'f8', size: 8, array: Float64Array },
  { dtype: 'float16', code: 'f2', size: 2, array: Uint16Array },
  { dtype: 'int8', code: 'i1', size: 1, array: Int8Array },
  { dtype: 'int16', code: 'i2', size: 2, array: Int16Array },
  { dtype: 'int32', code: 'i4', size: 4, array: Int32Array },
  { dtype: 'int64', code: 'i8', size: 8, array: BigInt64Array },
  { dtype: 'uint8', code: 'u1', size: 1, array: Uint8Array },
  { dtype: 'uint16', code: 'u2', size: 2, array: Uint16Array },
  { dtype: 'uint32', code: 'u4', size: 4, array: Uint32Array },
  { dtype: 'uint64', code: 'u8', size: 8, array: BigUint64Array },
  { dtype: 'bool', code: 'b1', size: 1, array: Uint8Array },
];

const BY_CODE = new Map(KINDS.map((kind) => [kind.code, kind]));
const BY_DTYPE = new Map(KINDS.map((kind) => [kind.dtype, kind]));

/** The typed array class that holds `dtype` in a Tensor, or undefined where .npy cannot carry it. */
export function npyArrayType(dtype: DType): TypedArrayConstructor | undefined {
  return BY_DTYPE.get(dtype)?.array;
}

/** A `.npy` header: what the data region holds and where it starts. */
export interface NpyHeader {
  dtype: DType;
  /** numpy's dtype string as written, e.g. "<f4". */
  descr: string;
  /** Bytes per element. */
  itemSize: number;
  littleEndian: boolean;
  fortranOrder: boolean;
  shape: number[];
  /** Where the data starts, counted from the start of the file (magic, version, length field and header). */
  dataOffset: number;
}

/**
 * Where a `.npy` file's data starts, from its first bytes (12 are always enough): checks the magic, the version and
 * the 64 KiB header bound, so a streaming reader knows how much to read before `decodeNpyHeader`.
 */
export function npyDataOffset(prefix: Uint8Array, label = '.npy data'): number {
  if (prefix.length < MAGIC.length + 2 || MAGIC.some((byte, index) => prefix[index] !== byte))
    throw new MindletError('INVALID_FORMAT', 'not a .npy file (no \\x93NUMPY magic)', { file: label });
  const major = prefix[6]!;
  const minor = prefix[7]!;
  if (minor !== 0 || major < 1 || major > 3)
    throw new MindletError('UNSUPPORTED', `.npy format version ${major}.${minor} (1.0, 2.0 and 3.0 are supported)`, {
      file: label,
    });
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  const lengthSize = major === 1 ? 2 : 4;
  if (prefix.length < 8 + lengthSize)
    throw new MindletError('INVALID_FORMAT', 'truncated in the header length', { file: label });
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerLength > MAX_HEADER)
    throw new MindletError('LIMIT_EXCEEDED', `header of ${headerLength} bytes (at most ${MAX_HEADER})`, {
      file: label,
    });
  return 8 + lengthSize + headerLength;
}

/** Parses the header of a `.npy` file from its first bytes (at least `npyDataOffset` of them; more are ignored). */
export function decodeNpyHeader(bytes: Uint8Array, label = '.npy data'): NpyHeader {
  const dataOffset = npyDataOffset(bytes, label);
  const major = bytes[6]!;
  const lengthSize = major === 1 ? 2 : 4;
  if (dataOffset > bytes.length)
    throw new MindletError(
      'INVALID_FORMAT',
      `truncated in the header (${dataOffset - 8 - lengthSize} bytes declared)`,
      {
        file: label,
      },
    );
  const rawHeader = bytes.subarray(8 + lengthSize, dataOffset);
  let text: string;
  try {
    // Versions 1 and 2 are latin1; version 3 allows UTF-8 (for structured field names).
    text = major === 3 ? new TextDecoder('utf-8', { fatal: true }).decode(rawHeader) : latin1(rawHeader);
  } catch (error) {
    throw new MindletError('INVALID_FORMAT', 'header is not valid UTF-8', { file: label, cause: error });
  }
  const header = parseHeader(text, label);
  return {
    dtype: header.kind.dtype,
    descr: header.descr,
    itemSize: header.kind.size,
    littleEndian: header.littleEndian,
    fortranOrder: header.fortranOrder,
    shape: header.shape,
    dataOffset,
  };
}

/**
 * The header numpy writes (version 1.0, little-endian, C order) for an array of `dtype` and `shape`, up to and
 * including its final newline: the data follows it, 64-byte aligned.
 */
export function encodeNpyHeader(dtype: DType, shape: readonly number[], label = 'tensor'): Uint8Array {
  const kind = BY_DTYPE.get(dtype);
  if (!kind) throw new MindletError('UNSUPPORTED', `dtype ${dtype} has no .npy equivalent`, { file: label });
  checkShape(shape, label);
  const descr = `${kind.size === 1 ? '|' : '<'}${kind.code}`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${formatTuple(shape)}, }`;
  if (shape.length > 0) dict += ' '.repeat(Math.max(0, GROWTH_AXIS_DIGITS - String(shape[0]).length));
  const padding = ALIGN - ((MAGIC.length + 4 + dict.length + 1) % ALIGN);
  const header = `${dict}${' '.repeat(padding)}\n`;
  const out = new Uint8Array(MAGIC.length + 4 + header.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let index = 0; index < header.length; index++) out[10 + index] = header.charCodeAt(index);
  return out;
}

/**
 * Decodes a `.npy` file. `label` (a path or description) is put in error messages. The returned data is an aligned
 * typed array; it views `bytes` where the data is already aligned, native-endian and row-major, else it is a copy.
 */
export function decodeNpy(bytes: Uint8Array, label = '.npy data'): Tensor {
  const fail = (message: string) => new MindletError('INVALID_FORMAT', message, { file: label });
  const header = decodeNpyHeader(bytes, label);
  const kind = BY_DTYPE.get(header.dtype)!;
  const dataStart = header.dataOffset;

  const count = header.shape.reduce((product, dim) => product * BigInt(dim), 1n);
  const needed = count * BigInt(kind.size);
  const available = BigInt(bytes.length - dataStart);
  const describe = `shape ${formatTuple(header.shape)} of ${header.descr}`;
  if (available < needed) throw fail(`truncated: ${describe} needs ${needed} data bytes, the file has ${available}`);
  if (available > needed) throw fail(`${available - needed} bytes after the data of ${describe}`);

  const length = Number(count);
  const raw = bytes.subarray(dataStart);
  const swap = kind.size > 1 && header.littleEndian !== HOST_LITTLE;
  let data: TensorData;
  if (!swap && (bytes.byteOffset + dataStart) % kind.size === 0) {
    data = new kind.array(bytes.buffer as ArrayBuffer, bytes.byteOffset + dataStart, length);
  } else {
    const copy = new Uint8Array(raw); // a copy even when bytes is a Buffer, whose slice() is a view
    if (swap) swapBytes(copy, kind.size);
    data = new kind.array(copy.buffer, 0, length);
  }
  if (kind.dtype === 'bool') data = normalizeBools(data as Uint8Array);
  if (header.fortranOrder && header.shape.length > 1) data = fortranToRowMajor(data, header.shape, kind.array);
  return { dtype: kind.dtype, shape: header.shape, data };
}

/** Encodes a tensor as `.npy` version 1.0, little-endian, C order, with the header numpy itself writes. */
export function encodeNpy(tensor: Tensor, label = 'tensor'): Uint8Array {
  const kind = BY_DTYPE.get(tensor.dtype);
  if (!kind) throw new MindletError('UNSUPPORTED', `dtype ${tensor.dtype} has no .npy equivalent`, { file: label });
  if (!(tensor.data instanceof kind.array))
    throw new MindletError(
      'INVALID_ARGUMENT',
      `${tensor.dtype} data must be a ${kind.array.name}, not ${tensor.data.constructor.name}`,
      { file: label },
    );
  checkShape(tensor.shape, label);
  const count = tensor.shape.reduce((product, dim) => product * dim, 1);
  if (tensor.data.length !== count)
    throw new MindletError(
      'INVALID_ARGUMENT',
      `shape ${formatTuple(tensor.shape)} holds ${count} elements, data has ${tensor.data.length}`,
      { file: label },
    );

  const header = encodeNpyHeader(tensor.dtype, tensor.shape, label);
  const dataBytes = new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
  const out = new Uint8Array(header.length + dataBytes.length);
  out.set(header, 0);
  out.set(dataBytes, header.length);
  if (!HOST_LITTLE && kind.size > 1) swapBytes(out.subarray(header.length), kind.size);
  return out;
}

/** numpy's repr of a shape tuple: "()", "(5,)", "(2, 3)". */
function formatTuple(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

interface Header {
  descr: string;
  kind: Kind;
  littleEndian: boolean;
  fortranOrder: boolean;
  shape: number[];
}

function parseHeader(text: string, label: string): Header {
  const fail = (message: string) => new MindletError('INVALID_FORMAT', `header: ${message}`, { file: label });
  let value: unknown;
  try {
    value = new LiteralParser(text).parseAll();
  } catch (error) {
    if (error instanceof SyntaxError) throw fail(error.message);
    throw error;
  }
  if (!(value instanceof Map)) throw fail('not a dictionary');
  const keys = [...value.keys()].sort();
  if (keys.join(',') !== 'descr,fortran_order,shape')
    throw fail(`keys are ${keys.map((key) => JSON.stringify(key)).join(', ')}; expected descr, fortran_order, shape`);
  const descr = value.get('descr');
  const fortranOrder = value.get('fortran_order');
  const shape = value.get('shape');
  if (typeof fortranOrder !== 'boolean') throw fail('fortran_order is not True or False');
  if (!(shape instanceof Tuple) || shape.items.some((dim) => typeof dim !== 'bigint'))
    throw fail('shape is not a tuple of integers');
  if (typeof descr !== 'string')
    throw new MindletError('UNSUPPORTED', 'structured (record) dtypes are not supported', { file: label });
  const dims = shape.items as bigint[];
  if (dims.length > MAX_RANK) throw fail(`rank ${dims.length} (at most ${MAX_RANK})`);
  if (dims.some((dim) => dim < 0n || dim > BigInt(Number.MAX_SAFE_INTEGER)))
    throw fail(`shape ${formatTuple(dims.map(Number))} has a negative or oversized dimension`);
  const kind = BY_CODE.get(descr.slice(1));
  const order = descr[0];
  if (!kind || !(order === '<' || order === '>' || order === '|' || order === '='))
    throw new MindletError('UNSUPPORTED', `dtype ${JSON.stringify(descr)} (numeric and bool dtypes only)`, {
      file: label,
    });
  const littleEndian = order === '<' || (order !== '>' && HOST_LITTLE);
  return { descr, kind, littleEndian, fortranOrder, shape: dims.map(Number) };
}

function checkShape(shape: readonly number[], label: string): void {
  if (!Array.isArray(shape) || shape.length > MAX_RANK || shape.some((dim) => !Number.isSafeInteger(dim) || dim < 0))
    throw new MindletError('INVALID_ARGUMENT', `shape ${JSON.stringify(shape)} is not a list of sizes`, {
      file: label,
    });
}

/** A Python tuple literal, kept apart from lists so the header check can tell them apart. */
class Tuple {
  constructor(readonly items: unknown[]) {}
}

/**
 * The subset of Python literals a .npy header uses: dicts, tuples, lists, strings, integers, True/False/None.
 * Errors are SyntaxErrors with a position; nesting is capped so a hostile header cannot exhaust the stack.
 */
class LiteralParser {
  private at = 0;
  private depth = 0;

  constructor(private readonly text: string) {}

  parseAll(): unknown {
    const value = this.value();
    this.space();
    if (this.at !== this.text.length) this.error('unexpected text after the dictionary');
    return value;
  }

  private value(): unknown {
    this.space();
    const c = this.text[this.at];
    if (c === '{') return this.nested(() => this.dict());
    if (c === '(') return this.nested(() => this.sequence(')', true));
    if (c === '[') return this.nested(() => this.sequence(']', false));
    if (c === "'" || c === '"') return this.string(c);
    const word = /^(?:True|False|None|[+-]?\d+L?)/.exec(this.text.slice(this.at, this.at + 40))?.[0];
    if (!word) this.error('expected a value');
    this.at += word.length;
    if (word === 'True') return true;
    if (word === 'False') return false;
    if (word === 'None') return null;
    return BigInt(word.replace(/L$/, '')); // Python 2 numpy wrote long integers as "3L"
  }

  private nested<T>(parse: () => T): T {
    if (++this.depth > 8) this.error('nested too deeply');
    const value = parse();
    this.depth--;
    return value;
  }

  private dict(): Map<string, unknown> {
    this.at++;
    const map = new Map<string, unknown>();
    for (;;) {
      this.space();
      if (this.eat('}')) return map;
      const key = this.value();
      if (typeof key !== 'string') this.error('dictionary key is not a string');
      if (map.has(key)) this.error(`key ${JSON.stringify(key)} appears twice`);
      this.space();
      if (!this.eat(':')) this.error('expected ":"');
      map.set(key, this.value());
      this.space();
      if (this.eat('}')) return map;
      if (!this.eat(',')) this.error('expected "," or "}"');
    }
  }

  private sequence(close: string, tuple: boolean): unknown {
    this.at++;
    const items: unknown[] = [];
    let comma = true;
    for (;;) {
      this.space();
      if (this.eat(close)) break;
      if (!comma) this.error(`expected "," or "${close}"`);
      items.push(this.value());
      this.space();
      comma = this.eat(',');
    }
    // "(3)" is the integer 3 in Python, not a tuple; numpy always writes "(3,)".
    if (tuple && items.length === 1 && !comma) return items[0];
    return tuple ? new Tuple(items) : items;
  }

  private string(quote: string): string {
    let out = '';
    for (this.at++; this.at < this.text.length; this.at++) {
      const c = this.text[this.at]!;
      if (c === quote) {
        this.at++;
        return out;
      }
      if (c === '\\') {
        this.at++;
        if (this.at >= this.text.length) break;
      }
      out += this.text[this.at];
    }
    return this.error('unterminated string');
  }

  private space(): void {
    while (this.at < this.text.length && /\s/.test(this.text[this.at]!)) this.at++;
  }

  private eat(c: string): boolean {
    if (this.text[this.at] !== c) return false;
    this.at++;
    return true;
  }

  private error(message: string): never {
    throw new SyntaxError(`${message} at offset ${this.at}`);
  }
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** numpy reads any non-zero byte as True; mindlet's bool tensors hold exactly 0 or 1. */
function normalizeBools(data: Uint8Array): Uint8Array {
  return data.every((value) => value <= 1) ? data : data.map((value) => (value ? 1 : 0));
}

/** Reverses each `size`-byte element in place: big-endian ↔ little-endian. */
function swapBytes(bytes: Uint8Array, size: number): void {
  for (let at = 0; at + size <= bytes.length; at += size) {
    for (let low = at, high = at + size - 1; low < high; low++, high--) {
      const byte = bytes[low]!;
      bytes[low] = bytes[high]!;
      bytes[high] = byte;
    }
  }
}

/** Copies column-major (Fortran) data into row-major order: the first index varies fastest in the source. */
function fortranToRowMajor(source: TensorData, shape: readonly number[], array: TypedArrayConstructor): TensorData {
  const target = new array(source.length) as TensorData;
  if (source.length === 0) return target;
  const rank = shape.length;
  const strides: number[] = [];
  for (let axis = 0, stride = 1; axis < rank; axis++) {
    strides.push(stride);
    stride *= shape[axis]!;
  }
  // Walk the target in row-major order, keeping the source offset up to date like an odometer.
  const index = new Array<number>(rank).fill(0);
  let from = 0;
  const write = target as unknown as { [i: number]: number | bigint };
  const read = source as unknown as { [i: number]: number | bigint };
  for (let to = 0; to < target.length; to++) {
    write[to] = read[from]!;
    for (let axis = rank - 1; axis >= 0; axis--) {
      if (++index[axis]! < shape[axis]!) {
        from += strides[axis]!;
        break;
      }
      from -= strides[axis]! * (shape[axis]! - 1);
      index[axis] = 0;
    }
  }
  return target;
}
