/** Encrypted MindIR: MindSpore's real AES-GCM file, and round trips through each layout MindSpore has written. */
import { getCiphers, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { isMindletError } from '../../src/errors.js';
import { decryptMindir, encryptionMode, isEncryptedMindir, parseKey } from '../../src/mindir/encryption.js';
import { mind_ir } from '../../src/mindir/proto/mind_ir.gen.js';
import { blockOffsets, encryptMindir, type TestEncryptionMode } from '../tools/encrypt-mindir.js';
import { encodeModelProto, fixture } from '../tools/proto-encode.js';

const REAL_FILE = 'add_encrpty_key_0123456789ABCDEF.mindir';
const encrypted = readFileSync(fixture(REAL_FILE));
const key = Buffer.from('0123456789ABCDEF', 'ascii');
const bigModel = readFileSync(fixture('ori_net.mindir'));
const smallModel = readFileSync(fixture('add_no_encrpty.mindir'));
const hasSm4 = getCiphers().includes('sm4-cbc');
const originalNodes = mind_ir.ModelProto.decode(bigModel).graph?.node?.length;

/** Runs fn and returns what it threw, failing the test when it throws nothing. */
function thrown(fn: () => unknown): { code?: string; message: string } {
  try {
    fn();
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error('expected an error');
}

function expectDecryptionFailed(fn: () => unknown, message?: RegExp): void {
  const error = thrown(fn);
  expect(isMindletError(error), String(error)).toBe(true);
  expect(error.code).toBe('DECRYPTION_FAILED');
  expect(error.message).not.toContain('\n');
  if (message) expect(error.message).toMatch(message);
}

describe("MindSpore's AES-GCM file", () => {
  it('is recognised as encrypted, AES-GCM', () => {
    expect(isEncryptedMindir(encrypted)).toBe(true);
    expect(encryptionMode(encrypted)).toBe('AES-GCM');
  });

  it('decrypts with the key as hex (any case, 0x) or as bytes into the Add model', () => {
    const hex = key.toString('hex');
    for (const k of [hex, hex.toUpperCase(), `0x${hex}`, ` ${hex}\n`, key, new Uint8Array(key)]) {
      const model = mind_ir.ModelProto.decode(decryptMindir(encrypted, k, REAL_FILE));
      expect(model.irVersion).toBe('0.1.1');
      expect(model.graph?.node?.map((n) => n.opType)).toEqual(['REF::Add:2']);
    }
  });

  it('without a key says one is needed, naming the file and the mode', () => {
    for (const k of [undefined, '', '  ']) {
      expectDecryptionFailed(
        () => decryptMindir(encrypted, k, REAL_FILE),
        /^add_encrpty_key_0123456789ABCDEF\.mindir: model is encrypted \(AES-GCM\); pass its key/,
      );
    }
  });

  it('with a wrong key of any size is DECRYPTION_FAILED', () => {
    for (const size of [16, 24, 32]) {
      expectDecryptionFailed(() => decryptMindir(encrypted, randomBytes(size), REAL_FILE), /wrong key/);
    }
    // The ASCII key's hex with one digit changed.
    const nearly = `${key.toString('hex').slice(0, -1)}7`;
    expectDecryptionFailed(() => decryptMindir(encrypted, nearly, REAL_FILE), /wrong key/);
  });

  it('a key that is not a key is INVALID_ARGUMENT naming the file', () => {
    const error = thrown(() => decryptMindir(encrypted, '0123456789ABCDEF', REAL_FILE));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(/^add_encrpty_key.*8 bytes/);
  });

  it('truncated at every length is DECRYPTION_FAILED, never a RangeError', () => {
    for (let cut = 0; cut < encrypted.byteLength; cut++) {
      expectDecryptionFailed(() => decryptMindir(encrypted.subarray(0, cut), key, REAL_FILE));
    }
  });

  it('a changed tag, IV or ciphertext byte, or bytes appended, is DECRYPTION_FAILED', () => {
    // tag at 4..19, IV at 28..43 (of which GCM uses 28..39), ciphertext from 48
    for (const at of [4, 19, 28, 39, 48, 300, encrypted.byteLength - 1]) {
      const damaged = Buffer.from(encrypted);
      damaged[at]! ^= 0x01;
      expectDecryptionFailed(() => decryptMindir(damaged, key, REAL_FILE), /wrong key|corrupted/);
    }
    for (const extra of [Buffer.from([1]), Buffer.alloc(40), encrypted.subarray(0, 30)]) {
      expectDecryptionFailed(() => decryptMindir(Buffer.concat([encrypted, extra]), key, REAL_FILE), /block 1/);
    }
  });

  it('uses 12 of the 16 stored IV bytes, as OpenSSL did for MindSpore', () => {
    const unused = Buffer.from(encrypted);
    unused.fill(0xee, 40, 44);
    expect(decryptMindir(unused, key, REAL_FILE).equals(decryptMindir(encrypted, key, REAL_FILE))).toBe(true);
  });

  it('length fields that lie (up to 2 GB, negative) are refused before any slicing', () => {
    const BLOCK_LEN = 20;
    const IV_LEN = 24;
    const CIPHER_LEN = 44;
    const lies: [number, number, RegExp][] = [
      [BLOCK_LEN, 0x7fffffff, /block length 2147483647 runs past the end/],
      [BLOCK_LEN, -1, /bad block length -1/],
      [BLOCK_LEN, 0, /bad block length 0/],
      [IV_LEN, 0x7fffffff, /IV length 2147483647/],
      [IV_LEN, -16, /IV length -16/],
      [IV_LEN, 12, /IV length 12/],
      [CIPHER_LEN, 0x7fffffff, /cipher length 2147483647 disagrees/],
      [CIPHER_LEN, -1, /cipher length -1 disagrees/],
    ];
    for (const [at, value, message] of lies) {
      const lie = Buffer.from(encrypted);
      lie.writeInt32LE(value, at);
      const started = performance.now();
      expectDecryptionFailed(() => decryptMindir(lie, key, REAL_FILE), message);
      expect(performance.now() - started).toBeLessThan(1000);
    }
  });

  it('bytes without an encryption magic are not encrypted', () => {
    for (const name of ['add_no_encrpty.mindir', 'relu.mindir', 'ori_net.mindir']) {
      const plain = readFileSync(fixture(name));
      expect(isEncryptedMindir(plain)).toBe(false);
      expect(encryptionMode(plain)).toBeUndefined();
      expectDecryptionFailed(() => decryptMindir(plain, key, name), /not an encrypted/);
    }
    for (const short of [new Uint8Array(0), encrypted.subarray(0, 3)]) expect(isEncryptedMindir(short)).toBe(false);
    const magic = (value: number) => {
      const b = Buffer.alloc(8);
      b.writeUInt32LE(value);
      return b;
    };
    expect(encryptionMode(magic(0x7f3a5ed9))).toBe('AES-CBC');
    expect(encryptionMode(magic(0x7f3a5eda))).toBe('SM4-CBC');
    expect(encryptionMode(magic(0x7f3a5edb))).toBeUndefined();
    expect(encryptionMode(magic(0xd85e3a7f))).toBeUndefined(); // the magic big-endian
  });
});

describe('round trips through MindSpore layouts', () => {
  const cases: { mode: TestEncryptionMode; keySize: number; layout?: 'legacy'; gcmIvBytes?: 16 }[] = [];
  for (const keySize of [16, 24, 32]) {
    cases.push({ mode: 'AES-GCM', keySize }, { mode: 'AES-CBC', keySize });
    cases.push({ mode: 'AES-GCM', keySize, layout: 'legacy' }, { mode: 'AES-CBC', keySize, layout: 'legacy' });
  }
  cases.push({ mode: 'AES-GCM', keySize: 16, gcmIvBytes: 16 });
  if (hasSm4) cases.push({ mode: 'SM4-CBC', keySize: 16 });

  for (const { mode, keySize, layout, gcmIvBytes } of cases) {
    const name = `${mode}${layout ? ' legacy' : ''}${gcmIvBytes ? ' 16-byte IV' : ''}, ${keySize}-byte key`;
    it(`${name}: one block and many blocks`, () => {
      const k = randomBytes(keySize);
      // 251 484 bytes: one block, blocks of 10 000 (last one short), and blocks that divide it exactly
      for (const blockSize of [64 << 20, 10_000, bigModel.byteLength / 4]) {
        const file = encryptMindir(bigModel, k, mode, { blockSize, layout, gcmIvBytes });
        expect(blockOffsets(file, mode === 'AES-GCM' && !layout)).toHaveLength(
          Math.ceil(bigModel.byteLength / blockSize),
        );
        expect(encryptionMode(file)).toBe(layout ? 'AES-GCM' : mode);
        const plain = decryptMindir(file, k.toString('hex'), 'rt.mindir');
        expect(plain.equals(bigModel)).toBe(true);
        expect(mind_ir.ModelProto.decode(plain).graph?.node?.length).toBe(originalNodes);
        expectDecryptionFailed(() => decryptMindir(file, randomBytes(keySize), 'rt.mindir'), /wrong key/);
      }
    });
  }

  it('unauthenticated modes refuse wrong keys even when CBC padding happens to pass', () => {
    // A wrong key passes PKCS#7 about 1 time in 256 and legacy GCM always "decrypts": the content check decides.
    for (const [mode, layout] of [
      ['AES-CBC', 'current'],
      ['AES-CBC', 'legacy'],
      ['AES-GCM', 'legacy'],
    ] as const) {
      const k = randomBytes(16);
      const file = encryptMindir(smallModel, k, mode, { layout });
      expect(decryptMindir(file, k, 'small').equals(smallModel)).toBe(true);
      for (let i = 0; i < 2000; i++) expectDecryptionFailed(() => decryptMindir(file, randomBytes(16), 'small'));
    }
  });

  it('a block dropped, cut or damaged in a multi-block file is DECRYPTION_FAILED', () => {
    for (const mode of ['AES-GCM', 'AES-CBC'] as const) {
      const k = randomBytes(32);
      const file = encryptMindir(bigModel, k, mode, { blockSize: 50_000 });
      const offsets = blockOffsets(file, mode === 'AES-GCM');
      expect(offsets).toHaveLength(6);
      const lastBlock = offsets.at(-1)!;
      // Cut between blocks: every remaining block is intact, the message is not.
      expectDecryptionFailed(() => decryptMindir(file.subarray(0, lastBlock), k, 'cut'));
      for (const cut of [lastBlock + 3, lastBlock + 30, file.byteLength - 1]) {
        expectDecryptionFailed(() => decryptMindir(file.subarray(0, cut), k, 'cut'), /block 5/);
      }
      // GCM's tag covers every byte. CBC has no integrity check: only damage that breaks the padding shows,
      // here the last byte of the next-to-last cipher block, which flips the padding length byte past 16.
      const damaged = Buffer.from(file);
      const at = mode === 'AES-GCM' ? offsets[2]! + 200 : offsets[3]! - 17;
      damaged[at]! ^= 0x80;
      expectDecryptionFailed(() => decryptMindir(damaged, k, 'damaged'), /block 2/);
      const badMagic = Buffer.from(file);
      badMagic.writeUInt32LE(mode === 'AES-GCM' ? 0x7f3a5ed9 : 0x7f3a5ed8, offsets[3]!);
      expectDecryptionFailed(() => decryptMindir(badMagic, k, 'magic'), /block 3 .*bad block magic/);
    }
  });

  it('SM4-CBC needs a 16-byte key', { skip: !hasSm4 }, () => {
    const file = encryptMindir(smallModel, randomBytes(16), 'SM4-CBC');
    expectDecryptionFailed(() => decryptMindir(file, randomBytes(32), 'sm4'), /SM4-CBC keys are 16 bytes/);
  });

  it("SM4-CBC is UNSUPPORTED when Node's OpenSSL lacks it", async () => {
    const file = encryptMindir(smallModel, randomBytes(16), 'AES-CBC');
    file.writeUInt32LE(0x7f3a5eda, 0);
    vi.resetModules();
    vi.doMock('node:crypto', async (importOriginal) => {
      const crypto = await importOriginal<typeof import('node:crypto')>();
      return { ...crypto, getCiphers: () => crypto.getCiphers().filter((c) => !c.startsWith('sm4')) };
    });
    try {
      const fresh = await import('../../src/mindir/encryption.js');
      const error = thrown(() => fresh.decryptMindir(file, randomBytes(16), 'sm4.mindir'));
      expect(error.code).toBe('UNSUPPORTED');
      expect(error.message).toMatch(/^sm4\.mindir: SM4-CBC/);
    } finally {
      vi.doUnmock('node:crypto');
      vi.resetModules();
    }
  });
});

describe('encrypted weights and checkpoints', () => {
  it("external weight files (header and each tensor encrypted apart, as MindSpore's split save does) decrypt", () => {
    for (const mode of ['AES-GCM', 'AES-CBC'] as const) {
      const k = randomBytes(16);
      const header = Buffer.alloc(64);
      header[0] = 1; // little-endian flag
      const tensors = [randomBytes(4096), randomBytes(64), randomBytes(1000)];
      const file = Buffer.concat([header, ...tensors].map((part) => encryptMindir(part, k, mode)));
      expect(decryptMindir(file, k, 'data_0').equals(Buffer.concat([header, ...tensors]))).toBe(true);
      expectDecryptionFailed(() => decryptMindir(file, randomBytes(16), 'data_0'));
    }
  });

  it("raw content without MindSpore's header needs content: 'raw' under CBC", () => {
    const k = randomBytes(24);
    const raw = randomBytes(5000);
    const file = encryptMindir(raw, k, 'AES-CBC', { blockSize: 1024 });
    expect(decryptMindir(file, k, 'raw', { content: 'raw' }).equals(raw)).toBe(true);
    expectDecryptionFailed(() => decryptMindir(file, k, 'raw'), /garbage/);
    // GCM's tag authenticates raw bytes too, but a protobuf reader refuses what is not one.
    const gcm = encryptMindir(raw, k, 'AES-GCM', { blockSize: 1024 });
    expect(decryptMindir(gcm, k, 'raw', { content: 'raw' }).equals(raw)).toBe(true);
  });

  it('a protobuf built here round-trips and decodes to what was encoded', () => {
    const model = encodeModelProto({ irVersion: '0.1.1', producerName: 'mindlet-test', mindIrVersion: 2 });
    const k = randomBytes(32);
    for (const mode of ['AES-GCM', 'AES-CBC'] as const) {
      const decoded = mind_ir.ModelProto.decode(decryptMindir(encryptMindir(model, k, mode), k, 'built'));
      expect(decoded.producerName).toBe('mindlet-test');
      expect(Number(decoded.mindIrVersion)).toBe(2);
    }
  });
});

describe('parseKey', () => {
  it('accepts 32, 48 or 64 hex digits and 16, 24 or 32 bytes, keeping the bytes', () => {
    for (const size of [16, 24, 32]) {
      const bytes = randomBytes(size);
      const hex = bytes.toString('hex');
      for (const form of [hex, hex.toUpperCase(), `0x${hex}`, `0X${hex}`, `\t${hex} `]) {
        expect(parseKey(form).equals(bytes)).toBe(true);
      }
      expect(parseKey(bytes).equals(bytes)).toBe(true);
      expect(parseKey(new Uint8Array(bytes)).equals(bytes)).toBe(true);
    }
    // A view into a larger buffer keeps only its own bytes.
    const backing = randomBytes(40);
    expect(parseKey(backing.subarray(4, 20)).equals(backing.subarray(4, 20))).toBe(true);
  });

  it('rejects non-hex, odd digits, other lengths and other types as INVALID_ARGUMENT', () => {
    const bad: [unknown, RegExp][] = [
      ['zz'.repeat(16), /hex digits/],
      ['0123456789ABCDEF', /is 8 bytes/], // the ASCII key written as text, not hex
      ['0'.repeat(33), /hex digits/],
      ['0'.repeat(30), /is 15 bytes/],
      ['0'.repeat(66), /is 33 bytes/],
      ['0x', /is 0 bytes/],
      ['', /is 0 bytes/],
      ['00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff', /hex digits/],
      ['0x0x00112233445566778899aabbccddeeff', /hex digits/],
      [new Uint8Array(15), /is 15 bytes/],
      [new Uint8Array(64), /is 64 bytes/],
      [1234, /hex string or bytes/],
      [undefined, /hex string or bytes/],
    ];
    for (const [key, message] of bad) {
      const error = thrown(() => parseKey(key as string));
      expect(isMindletError(error)).toBe(true);
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.message).toMatch(message);
    }
  });
});
