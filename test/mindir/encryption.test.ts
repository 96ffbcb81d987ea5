/** Encrypted MindIR: MindSpore's real AES-GCM file, and round trips through MindSpore's block format. */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decryptMindir, encryptionMode, isEncryptedMindir, parseKey } from '../../src/mindir/encryption.js';
import { decodeMindir } from '../../src/mindir/loader.js';
import { mind_ir } from '../../src/mindir/proto/mind_ir.gen.js';
import { encryptMindir } from '../tools/encrypt-mindir.js';
import { fixture } from '../tools/proto-encode.js';

const encrypted = readFileSync(fixture('add_encrpty_key_0123456789ABCDEF.mindir'));
const key = Buffer.from('0123456789ABCDEF', 'ascii');
const plainModel = readFileSync(fixture('ori_net.mindir'));

describe('MindSpore AES-GCM file', () => {
  it('decrypts with the key as hex or bytes into a ModelProto', () => {
    expect(encryptionMode(encrypted)).toBe('AES-GCM');
    for (const k of [key, key.toString('hex'), `0x${key.toString('hex').toUpperCase()}`]) {
      const plain = decryptMindir(encrypted, k, 'enc.mindir');
      const model = mind_ir.ModelProto.decode(plain);
      expect(model.irVersion).toBe('0.1.1');
      expect(model.graph?.node?.map((n) => n.opType)).toEqual(['REF::Add:2']);
    }
  });

  it('no key, wrong key and truncations are DECRYPTION_FAILED naming the file', () => {
    expect(() => decryptMindir(encrypted, undefined, 'enc.mindir')).toThrow(
      /^enc\.mindir: model is encrypted \(AES-GCM\); pass its key/,
    );
    expect(() => decryptMindir(encrypted, randomBytes(16), 'enc.mindir')).toThrow(/^enc\.mindir: wrong key/);
    expect(() => decryptMindir(encrypted, randomBytes(32), 'enc.mindir')).toThrow(/wrong key/);
    for (const cut of [4, 10, 20, 24, 30, 50, 200, encrypted.byteLength - 1]) {
      let error: unknown;
      try {
        decryptMindir(encrypted.subarray(0, cut), key, 'enc.mindir');
      } catch (e) {
        error = e;
      }
      expect((error as { code?: string }).code, `cut at ${cut}`).toBe('DECRYPTION_FAILED');
    }
  });

  it('a lying length field does not allocate or read past the end', () => {
    const lie = Buffer.from(encrypted);
    lie.writeInt32LE(0x7fffffff, 4 + 16 + 4 + 4 + 16); // cipher_len
    expect(() => decryptMindir(lie, key, 'lie')).toThrow(/inconsistent lengths|ends early/);
  });
});

describe('round trips in MindSpore block format', () => {
  for (const mode of ['AES-GCM', 'AES-CBC'] as const) {
    for (const size of [16, 24, 32]) {
      it(`${mode} with a ${size}-byte key, many blocks`, () => {
        const k = randomBytes(size);
        const file = encryptMindir(plainModel, k, mode, 10_000);
        expect(isEncryptedMindir(file)).toBe(true);
        expect(decryptMindir(file, k, 'rt').equals(plainModel)).toBe(true);
        const model = decodeMindir(file, { key: k.toString('hex'), label: 'rt' });
        expect(model.encrypted).toBe(true);
        expect(model.graph.nodes).toHaveLength(12);
        expect(() => decryptMindir(file, randomBytes(size), 'rt')).toThrow(/wrong key|not a valid/);
      });
    }
  }
});

describe('parseKey', () => {
  it('accepts 16/24/32 bytes and rejects anything else', () => {
    expect(parseKey('00'.repeat(24))).toHaveLength(24);
    expect(() => parseKey('0123456789ABCDEF')).toThrow(/8 bytes/);
    expect(() => parseKey('zz'.repeat(16))).toThrow(/hex digits/);
    expect(() => parseKey(new Uint8Array(15))).toThrow(/15 bytes/);
  });
});
