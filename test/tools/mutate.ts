/**
 * Mutations of real model files for fuzzing the loader: truncation, bit flips, random bytes, splices between
 * files, and length lies (a varint claiming a huge length written where a field's length was).
 */
import fc from 'fast-check';
import { MindletError } from '../../src/errors.js';
import { varint } from './varint.js';

export type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; bits: Array<[number, number]> }
  | { kind: 'bytes'; writes: Array<[number, number]> }
  | { kind: 'splice'; from: number; length: number; to: number; donor: number }
  | { kind: 'length-lie'; at: number; claim: number };

/** Huge claims (2 GiB, 4 GiB-1) and near-miss ones (off by a little) both matter. */
const claims = fc.oneof(fc.constantFrom(0x7fffffff, 0xffffffff, 2 ** 40), fc.integer({ min: 0, max: 1 << 20 }));

export function mutationArbitrary(): fc.Arbitrary<Mutation> {
  const position = fc.nat();
  return fc.oneof(
    fc.record({ kind: fc.constant('truncate' as const), at: position }),
    fc.record({
      kind: fc.constant('flip' as const),
      bits: fc.array(fc.tuple(position, fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 8 }),
    }),
    fc.record({
      kind: fc.constant('bytes' as const),
      writes: fc.array(fc.tuple(position, fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
    }),
    fc.record({
      kind: fc.constant('splice' as const),
      from: position,
      length: fc.integer({ min: 1, max: 4096 }),
      to: position,
      donor: fc.nat(),
    }),
    fc.record({ kind: fc.constant('length-lie' as const), at: position, claim: claims }),
  );
}

/** Applies a mutation to a copy of `input` (positions wrap modulo the length). */
export function mutate(input: Uint8Array, mutation: Mutation, donors: readonly Uint8Array[]): Uint8Array {
  // Always work on copies: Buffer#slice would return a view and mutate the corpus itself.
  const copy = () => new Uint8Array(input);
  const n = input.byteLength;
  if (n === 0) return input;
  switch (mutation.kind) {
    case 'truncate':
      return new Uint8Array(input.subarray(0, mutation.at % n));
    case 'flip': {
      const out = copy();
      for (const [at, bit] of mutation.bits) out[at % n]! ^= 1 << bit;
      return out;
    }
    case 'bytes': {
      const out = copy();
      for (const [at, value] of mutation.writes) out[at % n] = value;
      return out;
    }
    case 'splice': {
      const donor = donors[mutation.donor % donors.length] ?? input;
      const from = mutation.from % Math.max(1, donor.byteLength);
      const piece = donor.subarray(from, from + mutation.length);
      const to = mutation.to % n;
      const out = new Uint8Array(n - Math.min(piece.byteLength, n - to) + piece.byteLength);
      out.set(input.subarray(0, to), 0);
      out.set(piece, to);
      out.set(input.subarray(to + piece.byteLength), to + piece.byteLength);
      return out;
    }
    case 'length-lie': {
      // Aim at a length-delimited field: find the next byte with wire type 2 after `at` and rewrite its length.
      const start = mutation.at % n;
      let tag = start;
      while (tag < n && (input[tag]! & 7) !== 2) tag++;
      if (tag >= n - 1) return new Uint8Array(input.subarray(0, start));
      let end = tag + 1;
      while (end < n && input[end]! & 0x80) end++;
      const bytes = varint(mutation.claim);
      const head = input.subarray(0, tag + 1);
      const tail = input.subarray(Math.min(end + 1, n));
      const out = new Uint8Array(head.byteLength + bytes.length + tail.byteLength);
      out.set(head, 0);
      out.set(bytes, head.byteLength);
      out.set(tail, head.byteLength + bytes.length);
      return out;
    }
  }
}

/**
 * Property: `decode` on `base` with up to `maxEdits` overwritten bytes and a cut within the last `tail` bytes (or
 * anywhere) throws nothing but MindletError — never a RangeError or TypeError from reading past what is there.
 */
export function assertOnlyMindletErrors(
  base: Uint8Array,
  decode: (bytes: Uint8Array) => unknown,
  options: { maxEdits: number; tail: number; numRuns: number },
): void {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(base.length - 1), fc.nat(255)), { minLength: 1, maxLength: options.maxEdits }),
      fc.nat(base.length),
      (edits, cut) => {
        const bytes = base.slice(0, Math.max(cut, base.length - options.tail));
        for (const [at, byte] of edits) if (at < bytes.length) bytes[at] = byte;
        try {
          decode(bytes);
        } catch (error) {
          if (!(error instanceof MindletError)) throw error;
        }
      },
    ),
    { numRuns: options.numRuns },
  );
}
