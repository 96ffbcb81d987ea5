/**
 * Conversions from protobufjs's decoded scalars to plain values. int64 fields arrive as Long objects; the loader
 * wants numbers where they are exact and bigints where they are not.
 */

interface LongLike {
  low: number;
  high: number;
  unsigned: boolean;
}

export type Int64 = number | LongLike;

function isLongLike(value: unknown): value is LongLike {
  return typeof value === 'object' && value !== null && 'low' in value && 'high' in value;
}

/** An int64 as a number when it is a safe integer, else a bigint. */
export function int64Value(value: Int64): number | bigint {
  if (typeof value === 'number') return value;
  if (!isLongLike(value)) return Number(value);
  const big = (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
  const signed = value.unsigned ? big : BigInt.asIntN(64, big);
  return signed >= BigInt(Number.MIN_SAFE_INTEGER) && signed <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(signed)
    : signed;
}

/** An int64 that must be a safe integer (dims, offsets, lengths); `undefined` when it is not. */
export function safeInt(value: Int64): number | undefined {
  const v = int64Value(value);
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined;
}

const utf8 = new TextDecoder('utf-8');

export function bytesToString(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}

/** True when protobufjs saw the field on the wire (decoded fields are own properties; defaults live on the prototype). */
export function hasField(message: object, field: string): boolean {
  return Object.hasOwn(message, field);
}

function readVarint(bytes: Uint8Array, start: number): [value: number, next: number] {
  let value = 0;
  let scale = 1;
  let pos = start;
  while (pos < bytes.length && pos - start < 10) {
    const byte = bytes[pos++]!;
    value += (byte & 0x7f) * scale;
    scale *= 128;
    if (!(byte & 0x80)) break;
  }
  return [value, pos];
}

/**
 * protobufjs keeps an enum value it does not know in `$unknowns` (raw tag + value) instead of the field.
 * Returns that value for `field`, so callers can name it in an error instead of silently using the default.
 */
export function unknownEnumValue(message: object, field: number): number | undefined {
  const unknowns = (message as { $unknowns?: Uint8Array[] }).$unknowns;
  for (const raw of unknowns ?? []) {
    const [tag, next] = readVarint(raw, 0);
    if (tag === field * 8) {
      const [value] = readVarint(raw, next);
      // int32 enums are written sign-extended to 64 bits; fold back to a signed 32-bit number.
      return value >= 2 ** 63 ? value - 2 ** 64 : value | 0;
    }
  }
  return undefined;
}
