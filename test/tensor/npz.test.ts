/** `.npz` (zip of `.npy`) reading and writing, with archives built here byte by byte from the zip spec. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MindletError } from '../../src/errors.js';
import { decodeNpy, encodeNpy } from '../../src/tensor/npy.js';
import { decodeNpz, encodeNpz } from '../../src/tensor/npz.js';
import type { Tensor, TensorData } from '../../src/tensor/types.js';
import { readZip } from '../../src/tensor/zip.js';
import { assertOnlyMindletErrors } from '../tools/mutate.js';
import { hasNumpy } from '../tools/numpy.js';

/** A tensor's elements as a plain array, for comparisons. */
function elements(data: TensorData): Array<number | bigint> {
  return Array.from(data as ArrayLike<number | bigint>);
}

interface Member {
  name: string;
  data: Uint8Array;
  method?: number;
  flags?: number;
  /** Overrides of what the headers declare. */
  crc?: number;
  size?: number;
  compressed?: Uint8Array;
}

/** A zip archive per APPNOTE: local headers and data, central directory, end record (optional zip64 locator). */
function zipArchive(members: Member[], options: { zip64Locator?: boolean; comment?: string } = {}): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const member of members) {
    const method = member.method ?? 0;
    const body = member.compressed ?? (method === 8 ? deflateRawSync(member.data) : Buffer.from(member.data));
    const name = Buffer.from(member.name, 'utf8');
    const common = Buffer.alloc(26);
    common.writeUInt16LE(20, 0);
    common.writeUInt16LE(member.flags ?? 0, 2);
    common.writeUInt16LE(method, 4);
    common.writeUInt32LE(member.crc ?? crc32(member.data), 10);
    common.writeUInt32LE(body.length, 14);
    common.writeUInt32LE(member.size ?? member.data.length, 18);
    common.writeUInt16LE(name.length, 22);
    const local = Buffer.concat([Buffer.from([0x50, 0x4b, 3, 4]), common, name, body]);
    const tail = Buffer.alloc(14); // comment length, disk, internal and external attributes, local offset
    tail.writeUInt32LE(offset, 10);
    centrals.push(Buffer.concat([Buffer.from([0x50, 0x4b, 1, 2, 20, 0]), common, tail, name]));
    locals.push(local);
    offset += local.length;
  }
  const central = Buffer.concat(centrals);
  const comment = Buffer.from(options.comment ?? '');
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(central.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(comment.length, 20);
  const locator = Buffer.alloc(options.zip64Locator ? 20 : 0);
  if (options.zip64Locator) locator.writeUInt32LE(0x07064b50, 0);
  return new Uint8Array(Buffer.concat([...locals, central, locator, end, comment]));
}

function errorOf(action: () => unknown): MindletError {
  try {
    action();
  } catch (error) {
    if (error instanceof MindletError) return error;
    throw new Error(`expected a MindletError, got ${String(error)}`);
  }
  throw new Error('expected a MindletError, nothing was thrown');
}

const x: Tensor = { dtype: 'float32', shape: [2, 2], data: Float32Array.of(1, 2, 3, 4) };
const y: Tensor = { dtype: 'int64', shape: [3], data: BigInt64Array.of(-1n, 0n, 2n ** 40n) };

describe('decodeNpz', () => {
  it('reads stored and deflated members, names without .npy, in archive order', () => {
    const archive = zipArchive([
      { name: 'y.npy', data: encodeNpy(y), method: 8 },
      { name: 'x.npy', data: encodeNpy(x), method: 0 },
    ]);
    const arrays = decodeNpz(archive, 'in.npz');
    expect([...arrays.keys()]).toEqual(['y', 'x']);
    expect(elements(arrays.get('x')!.data)).toEqual([1, 2, 3, 4]);
    expect(arrays.get('y')!.shape).toEqual([3]);
    expect(elements(arrays.get('y')!.data)).toEqual([-1n, 0n, 2n ** 40n]);
  });

  it('skips directories, keeps names with ":" and "/" and non-ASCII names flagged UTF-8', () => {
    const archive = zipArchive([
      { name: 'dir/', data: new Uint8Array(0) },
      { name: 'net:x.npy', data: encodeNpy(x) },
      { name: 'dir/größe.npy', data: encodeNpy(y), flags: 0x800 },
    ]);
    expect([...decodeNpz(archive).keys()]).toEqual(['net:x', 'dir/größe']);
  });

  it('finds the end record behind an archive comment', () => {
    const archive = zipArchive([{ name: 'x.npy', data: encodeNpy(x) }], {
      comment: 'PK\x05\x06 looks like a signature',
    });
    expect([...decodeNpz(archive).keys()]).toEqual(['x']);
  });

  it('reads an empty archive as no arrays', () => {
    expect(decodeNpz(zipArchive([])).size).toBe(0);
  });

  const good = zipArchive([{ name: 'x.npy', data: encodeNpy(x), method: 8 }]);
  const bad: Array<[string, () => Uint8Array, string, RegExp]> = [
    ['not a zip', () => encodeNpy(x), 'INVALID_FORMAT', /not a zip archive/],
    ['empty file', () => new Uint8Array(0), 'INVALID_FORMAT', /not a zip archive/],
    ['cut short', () => good.subarray(0, good.length - 30), 'INVALID_FORMAT', /not a zip archive/],
    [
      'end record pointing past the data',
      () => {
        const copy = good.slice();
        new DataView(copy.buffer).setUint32(copy.length - 6, 1_000_000, true);
        return copy;
      },
      'INVALID_FORMAT',
      /central directory/,
    ],
    [
      'wrong CRC',
      () => zipArchive([{ name: 'x.npy', data: encodeNpy(x), crc: 1234 }]),
      'INVALID_FORMAT',
      /"x\.npy": CRC-32 mismatch/,
    ],
    [
      'bad deflate data',
      () => zipArchive([{ name: 'x.npy', data: encodeNpy(x), method: 8, compressed: Uint8Array.of(0xff, 0xff, 0xff) }]),
      'INVALID_FORMAT',
      /bad deflate data|bytes, the directory says/,
    ],
    [
      'inflates past its declared size',
      () => zipArchive([{ name: 'x.npy', data: new Uint8Array(1 << 20), method: 8, size: 1000 }]),
      'INVALID_FORMAT',
      /inflates past its declared size/,
    ],
    [
      'declared size larger than the data',
      () => zipArchive([{ name: 'x.npy', data: encodeNpy(x), method: 8, size: 5000 }]),
      'INVALID_FORMAT',
      /bytes, the directory says 5000/,
    ],
    [
      'zip64',
      () => zipArchive([{ name: 'x.npy', data: encodeNpy(x) }], { zip64Locator: true }),
      'UNSUPPORTED',
      /zip64/,
    ],
    [
      'zip64 member sizes',
      () => zipArchive([{ name: 'x.npy', data: encodeNpy(x), size: 0xffffffff }]),
      'UNSUPPORTED',
      /zip64/,
    ],
    [
      'encrypted member',
      () => zipArchive([{ name: 'x.npy', data: encodeNpy(x), flags: 1 }]),
      'UNSUPPORTED',
      /encrypted/,
    ],
    [
      'bzip2 member',
      () => zipArchive([{ name: 'x.npy', data: encodeNpy(x), method: 12 }]),
      'UNSUPPORTED',
      /compression method 12/,
    ],
    [
      'member that is not .npy',
      () => zipArchive([{ name: 'notes.txt', data: new TextEncoder().encode('hello') }]),
      'INVALID_FORMAT',
      /in\.npz: notes\.txt: not a \.npy file/,
    ],
    [
      'member .npy truncated',
      () => zipArchive([{ name: 'x.npy', data: encodeNpy(x).subarray(0, 130) }]),
      'INVALID_FORMAT',
      /in\.npz: x\.npy: truncated/,
    ],
    [
      'same array twice',
      () =>
        zipArchive([
          { name: 'x', data: encodeNpy(x) },
          { name: 'x.npy', data: encodeNpy(x) },
        ]),
      'INVALID_FORMAT',
      /"x" appears twice/,
    ],
  ];
  for (const [what, make, code, message] of bad) {
    it(`${what}: ${code}`, () => {
      const error = errorOf(() => decodeNpz(make(), 'in.npz'));
      expect(error.code).toBe(code);
      expect(error.message).toMatch(message);
      expect(error.message.startsWith('in.npz')).toBe(true);
    });
  }

  it('stops at maxTotalBytes before inflating', () => {
    const archive = zipArchive([
      { name: 'a.npy', data: encodeNpy(x), method: 8 },
      { name: 'b.npy', data: encodeNpy(x), method: 8 },
    ]);
    const one = encodeNpy(x).length;
    expect(decodeNpz(archive, 'in.npz', { maxTotalBytes: 2 * one }).size).toBe(2);
    const error = errorOf(() => decodeNpz(archive, 'in.npz', { maxTotalBytes: 2 * one - 1 }));
    expect(error.code).toBe('LIMIT_EXCEEDED');
  });

  it('never throws anything but MindletError on corrupted archives', () => {
    const base = zipArchive([
      { name: 'x.npy', data: encodeNpy(x), method: 8 },
      { name: 'y.npy', data: encodeNpy(y) },
    ]);
    assertOnlyMindletErrors(base, (bytes) => decodeNpz(bytes), { maxEdits: 6, tail: 4, numRuns: 3000 });
  });
});

describe('encodeNpz', () => {
  it('writes stored members named <key>.npy that the reader and the .npy decoder agree on', () => {
    const archive = encodeNpz(
      new Map([
        ['x', x],
        ['out:1', y],
      ]),
    );
    const entries = readZip(archive);
    expect(entries.map((entry) => entry.name)).toEqual(['x.npy', 'out:1.npy']);
    // stored: the member bytes appear verbatim in the archive
    const npy = Buffer.from(encodeNpy(x));
    expect(Buffer.from(archive).indexOf(npy)).toBeGreaterThan(0);
    expect(elements(decodeNpy(entries[1]!.data).data)).toEqual(elements(y.data));
  });

  it('is deterministic', () => {
    const arrays = new Map([['x', x]]);
    expect(Buffer.from(encodeNpz(arrays)).equals(Buffer.from(encodeNpz(arrays)))).toBe(true);
  });

  it('round-trips any set of arrays', () => {
    const tensor = fc.oneof(
      fc.float32Array({ maxLength: 20 }).map((data): Tensor => ({ dtype: 'float32', shape: [data.length], data })),
      fc.int32Array({ maxLength: 20 }).map((data): Tensor => ({ dtype: 'int32', shape: [1, data.length], data })),
      fc.bigInt64Array({ maxLength: 5 }).map((data): Tensor => ({ dtype: 'int64', shape: [data.length], data })),
    );
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), tensor), {
          selector: (e) => e[0],
          maxLength: 5,
        }),
        (entries) => {
          const keys = entries.map(([name]) => name);
          // keys ending in ".npy" or "/" are not distinct array names in numpy's scheme either
          fc.pre(keys.every((key) => !key.endsWith('/')));
          const back = decodeNpz(encodeNpz(new Map(entries)));
          expect([...back.keys()]).toEqual(keys);
          for (const [name, original] of entries) {
            const decoded = back.get(name)!;
            expect(decoded.shape).toEqual(original.shape);
            expect(Buffer.from(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength)).toEqual(
              Buffer.from(original.data.buffer, original.data.byteOffset, original.data.byteLength),
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe.skipIf(!hasNumpy)('with numpy installed', () => {
  it('reads numpy.savez_compressed archives and numpy reads encodeNpz archives', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mindlet-npz-'));
    writeFileSync(
      path.join(dir, 'ours.npz'),
      encodeNpz(
        new Map([
          ['x', x],
          ['y', y],
        ]),
      ),
    );
    const script = `
import numpy as np, sys

d = sys.argv[1]
z = np.load(d + '/ours.npz')
print(sorted(z.files), z['x'].tolist(), z['y'].tolist())
np.savez_compressed(d + '/theirs.npz', a=z['x'] * 2, b=np.arange(5000, dtype=np.int16))
`;
    const printed = execFileSync('python3', ['-c', script, dir], { encoding: 'utf8' }).trim();
    expect(printed).toBe(`['x', 'y'] [[1.0, 2.0], [3.0, 4.0]] [-1, 0, ${2 ** 40}]`);
    const theirs = decodeNpz(readFileSync(path.join(dir, 'theirs.npz')), 'theirs.npz');
    expect(elements(theirs.get('a')!.data)).toEqual([2, 4, 6, 8]);
    const b = theirs.get('b')!;
    expect(b.dtype).toBe('int16');
    expect(elements(b.data)).toEqual(Array.from({ length: 5000 }, (_, i) => i));
  });
});
