/** `.npy` reading and writing: the format spec's exact bytes, every dtype, byte orders, Fortran order, bad files. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MindletError } from '../../src/errors.js';
import type { DType } from '../../src/graph/types.js';
import { decodeNpy, encodeNpy } from '../../src/tensor/npy.js';
import type { Tensor, TensorData } from '../../src/tensor/types.js';
import { assertOnlyMindletErrors } from '../tools/mutate.js';
import { hasNumpy } from '../tools/numpy.js';

/** A tensor's elements as a plain array, for comparisons. */
function elements(data: TensorData): Array<number | bigint> {
  return Array.from(data as ArrayLike<number | bigint>);
}

const MAGIC = [0x93, ...Buffer.from('NUMPY')];

/** A .npy file from its parts, as the format spec lays it out: magic, version, header length, header, data. */
function npyFile(header: string, data: Uint8Array | number[], version: [number, number] = [1, 0]): Uint8Array {
  const text = Buffer.from(header, version[0] === 3 ? 'utf8' : 'latin1');
  const lengthBytes = version[0] === 1 ? 2 : 4;
  const length = Buffer.alloc(lengthBytes);
  if (lengthBytes === 2) length.writeUInt16LE(text.length);
  else length.writeUInt32LE(text.length);
  return new Uint8Array(Buffer.concat([Buffer.from([...MAGIC, ...version]), length, text, Buffer.from(data)]));
}

function dict(descr: string, shape: string, fortran = false): string {
  return `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shape}, }\n`;
}

function le32(values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
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

describe('numpy golden bytes', () => {
  // numpy 1.x/2.x: the dict with sorted keys, room for the first axis to grow to 21 digits, spaces up to a
  // 64-byte boundary, then '\n'. For shape (2, 3) the dict is 60 characters: 60 + 20 growth spaces + 37 + '\n'
  // = 118 header bytes, so the data starts at byte 128.
  const header = `${"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }".padEnd(117, ' ')}\n`;
  const values = [0, 1.5, -2, 3.25, 1e-3, 65504];
  const golden = npyFile(header, le32(values));

  it('writes exactly what numpy writes for a (2, 3) float32 array', () => {
    expect(header.length).toBe(118);
    const encoded = encodeNpy({ dtype: 'float32', shape: [2, 3], data: Float32Array.from(values) });
    expect(Buffer.from(encoded).equals(Buffer.from(golden))).toBe(true);
  });

  it('reads it back', () => {
    const tensor = decodeNpy(golden);
    expect(tensor.dtype).toBe('float32');
    expect(tensor.shape).toEqual([2, 3]);
    expect(tensor.data).toBeInstanceOf(Float32Array);
    expect(Array.from(tensor.data as Float32Array)).toEqual(Array.from(Float32Array.from(values)));
  });

  it('writes a 0-d array with an empty tuple and no growth padding', () => {
    const expected = npyFile(`${"{'descr': '<f8', 'fortran_order': False, 'shape': (), }".padEnd(117, ' ')}\n`, [
      ...new Uint8Array(Float64Array.of(2.5).buffer),
    ]);
    const encoded = encodeNpy({ dtype: 'float64', shape: [], data: Float64Array.of(2.5) });
    expect(Buffer.from(encoded).equals(Buffer.from(expected))).toBe(true);
  });

  it('writes one-dimensional shapes with a trailing comma and single bytes as "|"', () => {
    const text = Buffer.from(encodeNpy({ dtype: 'bool', shape: [3], data: Uint8Array.of(1, 0, 1) })).toString('latin1');
    expect(text).toContain("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }");
    expect(text.endsWith('\n\x01\x00\x01')).toBe(true);
  });

  it('aligns the data to 64 bytes however long the shape', () => {
    for (const shape of [[], [1], [123456789], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]]) {
      const count = shape.reduce((a, b) => a * b, 1);
      const encoded = encodeNpy({ dtype: 'uint8', shape, data: new Uint8Array(count) });
      const headerLength = encoded[8]! | (encoded[9]! << 8);
      expect((10 + headerLength) % 64).toBe(0);
      expect(encoded[10 + headerLength - 1]).toBe(0x0a);
    }
  });
});

/** One sample per dtype: the typed array numpy's bytes are read into, and values that exercise its range. */
const SAMPLES: Array<{ descr: string; dtype: DType; data: TensorData }> = [
  { descr: '<f4', dtype: 'float32', data: Float32Array.of(1.5, -0, Number.NaN, Number.POSITIVE_INFINITY) },
  { descr: '<f8', dtype: 'float64', data: Float64Array.of(Math.PI, -1e300, Number.NEGATIVE_INFINITY, 5e-324) },
  { descr: '<f2', dtype: 'float16', data: Uint16Array.of(0x3c00, 0xc000, 0x7c00, 0x0001) },
  { descr: '|i1', dtype: 'int8', data: Int8Array.of(-128, 127, 0, -1) },
  { descr: '<i2', dtype: 'int16', data: Int16Array.of(-32768, 32767, 1, -1) },
  { descr: '<i4', dtype: 'int32', data: Int32Array.of(-(2 ** 31), 2 ** 31 - 1, 7, -7) },
  { descr: '<i8', dtype: 'int64', data: BigInt64Array.of(-(2n ** 63n), 2n ** 63n - 1n, 0n, -2n) },
  { descr: '|u1', dtype: 'uint8', data: Uint8Array.of(0, 255, 17, 128) },
  { descr: '<u2', dtype: 'uint16', data: Uint16Array.of(0, 65535, 256, 1) },
  { descr: '<u4', dtype: 'uint32', data: Uint32Array.of(0, 2 ** 32 - 1, 65536, 3) },
  { descr: '<u8', dtype: 'uint64', data: BigUint64Array.of(0n, 2n ** 64n - 1n, 2n ** 53n + 1n, 9n) },
  { descr: '|b1', dtype: 'bool', data: Uint8Array.of(1, 0, 0, 1) },
];

function littleEndianBytes(data: TensorData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function bigEndianBytes(data: TensorData): Uint8Array {
  const size = data.BYTES_PER_ELEMENT;
  const out = new Uint8Array(data.byteLength);
  const bytes = littleEndianBytes(data);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i - (i % size) + (size - 1 - (i % size))]!;
  return out;
}

describe('every dtype', () => {
  for (const sample of SAMPLES) {
    it(`${sample.descr} → ${sample.dtype}`, () => {
      const file = npyFile(dict(sample.descr, '(2, 2)'), littleEndianBytes(sample.data));
      const tensor = decodeNpy(file);
      expect(tensor.dtype).toBe(sample.dtype);
      expect(tensor.shape).toEqual([2, 2]);
      expect(tensor.data.constructor).toBe(sample.data.constructor);
      expect(elements(tensor.data)).toEqual(elements(sample.data));
      // and back: encoding gives the same descr and bytes
      const again = encodeNpy(tensor);
      expect(Buffer.from(again).toString('latin1')).toContain(`'descr': '${sample.descr}'`);
      expect(elements(decodeNpy(again).data)).toEqual(elements(sample.data));
    });

    if (sample.data.BYTES_PER_ELEMENT > 1)
      it(`big-endian ${sample.descr.replace('<', '>')} is converted to native order`, () => {
        const file = npyFile(dict(sample.descr.replace('<', '>'), '(4,)'), bigEndianBytes(sample.data));
        const tensor = decodeNpy(file);
        expect(tensor.dtype).toBe(sample.dtype);
        expect(elements(tensor.data)).toEqual(elements(sample.data));
      });
  }

  it('reads bool bytes other than 0 and 1 as true', () => {
    const tensor = decodeNpy(npyFile(dict('|b1', '(3,)'), [0, 2, 255]));
    expect(elements(tensor.data)).toEqual([0, 1, 1]);
  });

  it('accepts "=" (native) and "<" on single-byte types', () => {
    expect(elements(decodeNpy(npyFile(dict('<u1', '(2,)'), [3, 4])).data)).toEqual([3, 4]);
    expect(elements(decodeNpy(npyFile(dict('=i2', '(1,)'), [1, 1])).data)).toEqual([257]);
  });
});

describe('shapes and layout', () => {
  it('reads a 0-d array as shape [] with one element', () => {
    const tensor = decodeNpy(npyFile(dict('<i4', '()'), [42, 0, 0, 0]));
    expect(tensor.shape).toEqual([]);
    expect(elements(tensor.data)).toEqual([42]);
  });

  it('reads empty dimensions', () => {
    for (const shape of ['(0,)', '(3, 0)', '(0, 1000000000000)']) {
      const tensor = decodeNpy(npyFile(dict('<f4', shape), []));
      expect(tensor.data.length).toBe(0);
    }
    expect(decodeNpy(npyFile(dict('<f4', '(3, 0, 2)'), [])).shape).toEqual([3, 0, 2]);
  });

  it('transposes Fortran-order data into row-major', () => {
    // a = [[0, 1, 2], [3, 4, 5]] stored column by column
    const tensor = decodeNpy(npyFile(dict('<i4', '(2, 3)', true), littleEndianBytes(Int32Array.of(0, 3, 1, 4, 2, 5))));
    expect(tensor.shape).toEqual([2, 3]);
    expect(elements(tensor.data)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('transposes Fortran order in three dimensions, big-endian too', () => {
    const shape = [2, 3, 4];
    const value = (i: number, j: number, k: number) => 100 * i + 10 * j + k;
    const column: number[] = [];
    for (let k = 0; k < 4; k++) for (let j = 0; j < 3; j++) for (let i = 0; i < 2; i++) column.push(value(i, j, k));
    const rowMajor: number[] = [];
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) rowMajor.push(value(i, j, k));
    const tensor = decodeNpy(npyFile(dict('>f8', '(2, 3, 4)', true), bigEndianBytes(Float64Array.from(column))));
    expect(tensor.shape).toEqual(shape);
    expect(elements(tensor.data)).toEqual(rowMajor);
  });

  it('returns aligned typed arrays even when the data is not aligned in the file', () => {
    // A hand-written header of odd length puts the data at an offset that is not a multiple of 8.
    const file = npyFile(
      "{'descr':'<f8','fortran_order':False,'shape':(2,)}",
      littleEndianBytes(Float64Array.of(1, 2)),
    );
    expect((file.length - 16) % 8).not.toBe(0);
    const tensor = decodeNpy(file);
    expect(tensor.data.byteOffset % 8).toBe(0);
    expect(elements(tensor.data)).toEqual([1, 2]);
    // and inside a larger buffer at an odd offset
    const shifted = new Uint8Array(file.length + 3);
    shifted.set(file, 3);
    const fromShifted = decodeNpy(shifted.subarray(3));
    expect(fromShifted.data.byteOffset % 8).toBe(0);
    expect(elements(fromShifted.data)).toEqual([1, 2]);
  });

  it('reads versions 2.0 and 3.0 (four-byte header length)', () => {
    for (const version of [
      [2, 0],
      [3, 0],
    ] as Array<[number, number]>) {
      const tensor = decodeNpy(npyFile(dict('<u2', '(2,)'), [1, 0, 2, 0], version));
      expect(elements(tensor.data)).toEqual([1, 2]);
    }
  });

  it('reads the header forms older numpy and other writers use', () => {
    // Python 2 longs, double quotes, keys in another order, no trailing comma, no padding
    const header = '{"shape": (2L, 1L), "fortran_order": False, "descr": "<i2"}';
    expect(decodeNpy(npyFile(header, [5, 0, 6, 0])).shape).toEqual([2, 1]);
  });
});

describe('bad files', () => {
  const good = npyFile(dict('<f4', '(2, 3)'), le32([1, 2, 3, 4, 5, 6]));

  const cases: Array<[string, Uint8Array, string, RegExp]> = [
    ['empty', new Uint8Array(0), 'INVALID_FORMAT', /magic/],
    ['no magic', new TextEncoder().encode('PK\x03\x04 not numpy at all'), 'INVALID_FORMAT', /magic/],
    ['version 4.0', npyFile(dict('<f4', '(1,)'), le32([1]), [4, 0]), 'UNSUPPORTED', /version 4\.0/],
    ['version 1.1', npyFile(dict('<f4', '(1,)'), le32([1]), [1, 1]), 'UNSUPPORTED', /version 1\.1/],
    ['cut in the header length', good.subarray(0, 9), 'INVALID_FORMAT', /truncated/],
    ['cut in the header', good.subarray(0, 40), 'INVALID_FORMAT', /truncated in the header/],
    ['cut in the data', good.subarray(0, good.length - 1), 'INVALID_FORMAT', /truncated: .* needs 24 data bytes/],
    ['data missing', good.subarray(0, good.length - 24), 'INVALID_FORMAT', /truncated/],
    ['bytes after the data', new Uint8Array([...good, 0]), 'INVALID_FORMAT', /1 bytes after the data/],
    ['not a dict', npyFile('[1, 2]\n', []), 'INVALID_FORMAT', /not a dictionary/],
    ['garbage', npyFile('\x00\x01 what', []), 'INVALID_FORMAT', /header/],
    ['unterminated string', npyFile("{'descr': '<f4", []), 'INVALID_FORMAT', /unterminated/],
    ['unclosed dict', npyFile("{'descr': '<f4', ", []), 'INVALID_FORMAT', /header/],
    ['missing key', npyFile("{'descr': '<f4', 'shape': (1,)}", le32([1])), 'INVALID_FORMAT', /keys/],
    [
      'extra key',
      npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (), 'x': 1}", le32([1])),
      'INVALID_FORMAT',
      /keys/,
    ],
    [
      'duplicate key',
      npyFile("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': ()}", []),
      'INVALID_FORMAT',
      /twice/,
    ],
    ['shape not a tuple', npyFile(dict('<f4', '3'), le32([1, 2, 3])), 'INVALID_FORMAT', /shape/],
    ['shape "(3)" is an int', npyFile(dict('<f4', '(3)'), le32([1, 2, 3])), 'INVALID_FORMAT', /shape/],
    ['shape of strings', npyFile(dict('<f4', "('a',)"), []), 'INVALID_FORMAT', /shape/],
    ['negative dimension', npyFile(dict('<f4', '(-1,)'), []), 'INVALID_FORMAT', /negative/],
    [
      'fortran_order not a bool',
      npyFile("{'descr': '<f4', 'fortran_order': 0, 'shape': ()}", le32([1])),
      'INVALID_FORMAT',
      /fortran_order/,
    ],
    ['huge shape', npyFile(dict('<f8', '(1099511627776, 1099511627776)'), le32([1, 2])), 'INVALID_FORMAT', /truncated/],
    ['dimension past 2^53', npyFile(dict('<f8', '(99999999999999999999,)'), []), 'INVALID_FORMAT', /oversized/],
    ['rank 65', npyFile(dict('|u1', `(${Array(65).fill(1).join(', ')})`), [1]), 'INVALID_FORMAT', /rank 65/],
    ['deep nesting', npyFile(`${'('.repeat(5000)}${')'.repeat(5000)}`, []), 'INVALID_FORMAT', /nested too deeply/],
    [
      'structured dtype',
      npyFile("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}", le32([1])),
      'UNSUPPORTED',
      /structured/,
    ],
    ['complex', npyFile(dict('<c8', '(1,)'), le32([1, 2])), 'UNSUPPORTED', /<c8/],
    ['objects', npyFile(dict('|O', '(1,)'), [0, 0, 0, 0, 0, 0, 0, 0]), 'UNSUPPORTED', /\|O/],
    ['unicode strings', npyFile(dict('<U3', '(1,)'), new Uint8Array(12)), 'UNSUPPORTED', /<U3/],
    ['unknown byte order', npyFile(dict('!f4', '(1,)'), le32([1])), 'UNSUPPORTED', /!f4/],
    ['v3 header not UTF-8', Uint8Array.of(...MAGIC, 3, 0, 3, 0, 0, 0, 0x7b, 0xff, 0x7d), 'INVALID_FORMAT', /UTF-8/],
  ];

  for (const [what, bytes, code, message] of cases) {
    it(`${what}: ${code}`, () => {
      const error = errorOf(() => decodeNpy(bytes, 'inputs/x.npy'));
      expect(error.code).toBe(code);
      expect(error.message).toMatch(message);
      expect(error.message.startsWith('inputs/x.npy: ')).toBe(true);
      expect(error.message).not.toContain('\n');
    });
  }

  it('refuses a header longer than 64 KiB before reading it', () => {
    const length = Buffer.alloc(4);
    length.writeUInt32LE(70_000);
    const bytes = new Uint8Array(Buffer.concat([Buffer.from([...MAGIC, 2, 0]), length, Buffer.alloc(100)]));
    const error = errorOf(() => decodeNpy(bytes, 'big.npy'));
    expect(error.code).toBe('LIMIT_EXCEEDED');
    expect(error.message).toMatch(/70000/);
  });

  it('never throws anything but MindletError on corrupted files', () => {
    const base = npyFile(dict('<i8', '(2, 2)', true), new Uint8Array(32));
    assertOnlyMindletErrors(base, (bytes) => decodeNpy(bytes), { maxEdits: 8, tail: 8, numRuns: 2000 });
  });
});

describe('encodeNpy arguments', () => {
  it('refuses dtypes .npy cannot carry', () => {
    const error = errorOf(() => encodeNpy({ dtype: 'bfloat16', shape: [1], data: Uint16Array.of(1) }));
    expect(error.code).toBe('UNSUPPORTED');
    expect(error.message).toMatch(/bfloat16/);
  });

  it('refuses data of the wrong typed array or length', () => {
    expect(errorOf(() => encodeNpy({ dtype: 'float32', shape: [2], data: Float64Array.of(1, 2) })).message).toMatch(
      /Float32Array/,
    );
    expect(errorOf(() => encodeNpy({ dtype: 'int32', shape: [2, 2], data: Int32Array.of(1, 2) })).message).toMatch(
      /4 elements, data has 2/,
    );
    expect(errorOf(() => encodeNpy({ dtype: 'int32', shape: [-1], data: Int32Array.of(1) })).code).toBe(
      'INVALID_ARGUMENT',
    );
  });

  it('writes only the elements of a typed array that views a larger buffer', () => {
    const backing = Float32Array.of(9, 1, 2, 9);
    const tensor = decodeNpy(encodeNpy({ dtype: 'float32', shape: [2], data: backing.subarray(1, 3) }));
    expect(elements(tensor.data)).toEqual([1, 2]);
  });
});

/** fast-check arbitraries: a dtype with values that fit it, and a small shape whose product is the length. */
function arbitraryTensor(): fc.Arbitrary<Tensor> {
  const shape = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 });
  return fc.tuple(fc.constantFrom(...SAMPLES), shape).chain(([sample, dims]) => {
    const count = dims.reduce((a, b) => a * b, 1);
    const size = sample.data.BYTES_PER_ELEMENT;
    return fc.uint8Array({ minLength: count * size, maxLength: count * size }).map((bytes) => {
      const Ctor = sample.data.constructor as new (buffer: ArrayBuffer) => TensorData;
      const data = new Ctor(bytes.slice().buffer);
      if (sample.dtype === 'bool') for (let i = 0; i < data.length; i++) (data as Uint8Array)[i] = bytes[i]! & 1;
      return { dtype: sample.dtype, shape: dims, data };
    });
  });
}

describe('round trips', () => {
  it('decode(encode(t)) gives back t, byte for byte', () => {
    fc.assert(
      fc.property(arbitraryTensor(), (tensor) => {
        const back = decodeNpy(encodeNpy(tensor));
        expect(back.dtype).toBe(tensor.dtype);
        expect(back.shape).toEqual(tensor.shape);
        expect(back.data.constructor).toBe(tensor.data.constructor);
        expect(Buffer.from(littleEndianBytes(back.data)).equals(Buffer.from(littleEndianBytes(tensor.data)))).toBe(
          true,
        );
      }),
      { numRuns: 500 },
    );
  });
});

describe.skipIf(!hasNumpy)('with numpy installed', () => {
  it('numpy reads what mindlet writes, and mindlet reads what numpy writes', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mindlet-npy-'));
    for (const [index, sample] of SAMPLES.entries())
      writeFileSync(path.join(dir, `m${index}.npy`), encodeNpy({ dtype: sample.dtype, shape: [4], data: sample.data }));
    const script = `
import numpy as np, sys, json
d = sys.argv[1]
out = []
for i, descr in enumerate(json.loads(sys.argv[2])):
    a = np.load(f'{d}/m{i}.npy')
    assert a.dtype == np.dtype(descr), (a.dtype, descr)
    out.append(a.astype(a.dtype.newbyteorder('<')).tobytes().hex())
    np.save(f'{d}/n{i}.npy', np.asfortranarray(np.stack([a, a[::-1]]).astype(np.dtype(descr).newbyteorder('>'))))
print(json.dumps(out))
`;
    const seen = JSON.parse(
      execFileSync('python3', ['-c', script, dir, JSON.stringify(SAMPLES.map((s) => s.descr))], { encoding: 'utf8' }),
    ) as string[];
    for (const [index, sample] of SAMPLES.entries()) {
      expect(seen[index]).toBe(Buffer.from(littleEndianBytes(sample.data)).toString('hex'));
      const tensor = decodeNpy(readFileSync(path.join(dir, `n${index}.npy`)), `n${index}.npy`);
      const values = elements(sample.data);
      expect(tensor.shape).toEqual([2, 4]);
      expect(elements(tensor.data)).toEqual([...values, ...values.reverse()]);
    }
  });
});
