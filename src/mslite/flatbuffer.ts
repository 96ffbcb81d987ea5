/**
 * A bounds-checked view of one FlatBuffers table, over the `flatbuffers` package's ByteBuffer. The generated
 * accessors trust the file; a `.ms` file comes from users, so every offset, vtable and vector is checked against
 * the buffer before it is read, and a bad one throws `FlatbufferError` (the loader turns it into INVALID_FORMAT).
 */
import { ByteBuffer } from 'flatbuffers';
import type { FieldSpec, FieldType, ScalarType } from './schema.js';

export class FlatbufferError extends Error {}

const SCALAR_SIZES: Record<ScalarType, number> = {
  bool: 1,
  byte: 1,
  ubyte: 1,
  short: 2,
  int: 4,
  uint: 4,
  long: 8,
  float: 4,
  double: 8,
};

export class Table {
  private constructor(
    readonly bb: ByteBuffer,
    readonly pos: number,
    private readonly vtable: number,
    private readonly vtableSize: number,
  ) {}

  /** The root table: the uoffset at byte 0. */
  static root(bytes: Uint8Array): Table {
    const bb = new ByteBuffer(bytes);
    check(bb, 0, 8, 'file header');
    return Table.at(bb, bb.readUint32(0), 'root table');
  }

  static at(bb: ByteBuffer, pos: number, what: string): Table {
    check(bb, pos, 4, what);
    const vtable = pos - bb.readInt32(pos);
    check(bb, vtable, 4, `${what} vtable`);
    const vtableSize = bb.readUint16(vtable);
    const tableSize = bb.readUint16(vtable + 2);
    if (vtableSize < 4 || vtableSize % 2 !== 0)
      throw new FlatbufferError(`${what}: vtable size ${vtableSize} is invalid`);
    check(bb, vtable, vtableSize, `${what} vtable`);
    check(bb, pos, tableSize, what);
    return new Table(bb, pos, vtable, vtableSize);
  }

  /** Absolute position of a field, or 0 when the file leaves it out (the schema default applies). */
  field(slot: number): number {
    const at = 4 + 2 * slot;
    if (at + 2 > this.vtableSize) return 0;
    const offset = this.bb.readUint16(this.vtable + at);
    return offset === 0 ? 0 : this.pos + offset;
  }

  has(slot: number): boolean {
    return this.field(slot) !== 0;
  }

  scalar(slot: number, type: ScalarType, fallback: number | boolean = 0): number | bigint | boolean {
    const at = this.field(slot);
    if (at === 0) return fallback;
    check(this.bb, at, SCALAR_SIZES[type], 'scalar field');
    return readScalar(this.bb, at, type);
  }

  number(slot: number, type: ScalarType, fallback = 0): number {
    return Number(this.scalar(slot, type, fallback));
  }

  bool(slot: number, fallback = false): boolean {
    return Boolean(this.scalar(slot, 'bool', fallback));
  }

  string(slot: number): string | undefined {
    const at = this.field(slot);
    if (at === 0) return undefined;
    const { start, length } = vectorAt(this.bb, at, 1, 'string');
    return new TextDecoder().decode(this.bb.bytes().subarray(start, start + length));
  }

  table(slot: number, what: string): Table | undefined {
    const at = this.field(slot);
    if (at === 0) return undefined;
    check(this.bb, at, 4, what);
    return Table.at(this.bb, at + this.bb.readUint32(at), what);
  }

  /** A vector of tables. */
  tables(slot: number, what: string): Table[] {
    const at = this.field(slot);
    if (at === 0) return [];
    const { start, length } = vectorAt(this.bb, at, 4, what);
    const result: Table[] = [];
    for (let i = 0; i < length; i++) {
      const element = start + 4 * i;
      result.push(Table.at(this.bb, element + this.bb.readUint32(element), `${what}[${i}]`));
    }
    return result;
  }

  /** A vector of scalars as numbers (64-bit integers beyond 2^53 stay exact as bigints). */
  scalars(slot: number, type: ScalarType, what: string): Array<number | bigint | boolean> {
    const at = this.field(slot);
    if (at === 0) return [];
    const size = SCALAR_SIZES[type];
    const { start, length } = vectorAt(this.bb, at, size, what);
    const result: Array<number | bigint | boolean> = new Array(length);
    for (let i = 0; i < length; i++) result[i] = readScalar(this.bb, start + size * i, type);
    return result;
  }

  numbers(slot: number, type: ScalarType, what: string): number[] {
    return this.scalars(slot, type, what).map(Number);
  }

  /** A `[ubyte]` vector as a view of the file (never a copy; may be unaligned). */
  bytes(slot: number, what: string): Uint8Array | undefined {
    const at = this.field(slot);
    if (at === 0) return undefined;
    const { start, length } = vectorAt(this.bb, at, 1, what);
    return this.bb.bytes().subarray(start, start + length);
  }

  /** Decodes every field of an op table by its transcribed spec; absent fields get the schema default. */
  decode(fields: readonly FieldSpec[], what: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    fields.forEach((field, slot) => {
      out[field.name] = this.decodeField(slot, field.type, field.defaultValue, `${what}.${field.name}`);
    });
    return out;
  }

  private decodeField(slot: number, type: FieldType, fallback: FieldSpec['defaultValue'], what: string): unknown {
    if (typeof type === 'object') return this.scalar(slot, type.scalar, fallback ?? 0);
    switch (type) {
      case 'string':
        return this.string(slot);
      case '[int]':
        return this.scalars(slot, 'int', what);
      case '[uint]':
        return this.scalars(slot, 'uint', what);
      case '[long]':
        return this.scalars(slot, 'long', what);
      case '[float]':
        return this.scalars(slot, 'float', what);
      case '[bool]':
        return this.scalars(slot, 'bool', what);
      case '[ubyte]':
        return this.bytes(slot, what);
      case 'Vec2D':
        // table Vec2D { data: [Vec] }  table Vec { data: [long] }
        return (this.table(slot, what)?.tables(0, what) ?? []).map((row) => row.scalars(0, 'long', what));
      case '[Attribute]':
        // table Attribute { name: string; data: [ubyte] }
        return this.tables(slot, what).map((attr) => ({ name: attr.string(0), data: attr.bytes(1, what) }));
      default:
        return this.scalar(slot, type, fallback ?? 0);
    }
  }
}

function check(bb: ByteBuffer, pos: number, size: number, what: string): void {
  if (!Number.isInteger(pos) || pos < 0 || size < 0 || pos + size > bb.capacity()) {
    throw new FlatbufferError(`${what} at byte ${pos} (${size} bytes) lies outside the ${bb.capacity()}-byte file`);
  }
}

function vectorAt(bb: ByteBuffer, at: number, elementSize: number, what: string): { start: number; length: number } {
  check(bb, at, 4, what);
  const vector = at + bb.readUint32(at);
  check(bb, vector, 4, what);
  const length = bb.readUint32(vector);
  check(bb, vector + 4, length * elementSize, `${what} (${length} elements)`);
  return { start: vector + 4, length };
}

function readScalar(bb: ByteBuffer, at: number, type: ScalarType): number | bigint | boolean {
  switch (type) {
    case 'bool':
      return bb.readUint8(at) !== 0;
    case 'byte':
      return bb.readInt8(at);
    case 'ubyte':
      return bb.readUint8(at);
    case 'short':
      return bb.readInt16(at);
    case 'int':
      return bb.readInt32(at);
    case 'uint':
      return bb.readUint32(at);
    case 'long': {
      const value = bb.readInt64(at);
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(value)
        : value;
    }
    case 'float':
      return bb.readFloat32(at);
    case 'double':
      return bb.readFloat64(at);
  }
}
