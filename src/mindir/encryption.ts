/**
 * Encrypted MindIR (MindSpore's export with enc_key / enc_mode). The file is a sequence of blocks, each
 * encrypting up to 64 MiB of the plain protobuf independently:
 *   [int32 LE magic][16-byte tag, AES-GCM only][int32 LE block_len][int32 LE iv_len][iv][int32 LE cipher_len][cipher]
 * block_len counts the bytes after it. Verified against MindSpore's own encrypted test file: AES-GCM uses the
 * first 12 bytes of the 16-byte IV field and no AAD; other IV uses are tried too, and the GCM tag decides.
 */
import { createDecipheriv, getCiphers } from 'node:crypto';
import { MindletError } from '../errors.js';

export type EncryptionMode = 'AES-GCM' | 'AES-CBC' | 'SM4-CBC';

const MAGICS: ReadonlyMap<number, EncryptionMode> = new Map([
  [0x7f3a5ed8, 'AES-GCM'],
  [0x7f3a5ed9, 'AES-CBC'],
  [0x7f3a5eda, 'SM4-CBC'],
]);
const GCM_TAG_BYTES = 16;
/** Largest IV any mode uses; a bigger iv_len is corruption. */
const MAX_IV_BYTES = 64;

export function encryptionMode(bytes: Uint8Array): EncryptionMode | undefined {
  if (bytes.byteLength < 4) return undefined;
  return MAGICS.get(readUint32(bytes, 0));
}

export function isEncryptedMindir(bytes: Uint8Array): boolean {
  return encryptionMode(bytes) !== undefined;
}

/** A key from the caller: hex (32, 48 or 64 digits, optional 0x) or raw bytes (16, 24 or 32). */
export function parseKey(key: string | Uint8Array): Buffer {
  let bytes: Buffer;
  if (typeof key === 'string') {
    const hex = key.trim().replace(/^0x/i, '');
    if (!/^[0-9a-fA-F]*$/.test(hex) || hex.length % 2 !== 0) {
      throw new MindletError(
        'INVALID_ARGUMENT',
        'decryption key must be hex digits (e.g. 32 digits for a 16-byte key)',
      );
    }
    bytes = Buffer.from(hex, 'hex');
  } else {
    bytes = Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  }
  if (![16, 24, 32].includes(bytes.byteLength)) {
    throw new MindletError(
      'INVALID_ARGUMENT',
      `decryption key is ${bytes.byteLength} bytes; MindSpore keys are 16, 24 or 32 bytes (32, 48 or 64 hex digits)`,
    );
  }
  return bytes;
}

function readUint32(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

function readInt32(bytes: Uint8Array, at: number): number {
  return readUint32(bytes, at) | 0;
}

/** Decrypts a whole encrypted MindIR (or external weight) file into the plain bytes. */
export function decryptMindir(bytes: Uint8Array, key: string | Uint8Array | undefined, file: string): Buffer {
  const mode = encryptionMode(bytes);
  if (!mode) throw new MindletError('INVALID_ARGUMENT', 'file is not an encrypted MindIR', { file });
  if (key === undefined || (typeof key === 'string' && key.length === 0)) {
    throw new MindletError(
      'DECRYPTION_FAILED',
      `model is encrypted (${mode}); pass its key (--key HEX or MINDLET_MODEL_KEY)`,
      { file },
    );
  }
  const keyBytes = parseKey(key);
  if (mode === 'SM4-CBC' && (!getCiphers().includes('sm4-cbc') || keyBytes.byteLength !== 16)) {
    throw new MindletError('UNSUPPORTED', 'SM4-CBC encrypted models need a 16-byte key and an OpenSSL with SM4', {
      file,
    });
  }
  const plain: Buffer[] = [];
  let pos = 0;
  let block = 0;
  const corrupt = (what: string) =>
    new MindletError('DECRYPTION_FAILED', `encrypted block ${block}: ${what} (truncated or corrupted file)`, { file });
  while (pos < bytes.byteLength) {
    const need = (n: number) => {
      if (pos + n > bytes.byteLength) throw corrupt('ends early');
    };
    need(4);
    const blockMode = MAGICS.get(readUint32(bytes, pos));
    if (blockMode !== mode) throw corrupt('bad block header');
    pos += 4;
    let tag: Uint8Array | undefined;
    if (mode === 'AES-GCM') {
      need(GCM_TAG_BYTES);
      tag = bytes.subarray(pos, pos + GCM_TAG_BYTES);
      pos += GCM_TAG_BYTES;
    }
    need(8);
    const blockLength = readInt32(bytes, pos);
    const ivLength = readInt32(bytes, pos + 4);
    pos += 8;
    if (ivLength <= 0 || ivLength > MAX_IV_BYTES) throw corrupt(`bad IV length ${ivLength}`);
    need(ivLength + 4);
    const iv = bytes.subarray(pos, pos + ivLength);
    pos += ivLength;
    const cipherLength = readInt32(bytes, pos);
    pos += 4;
    if (cipherLength < 0 || blockLength !== 4 + ivLength + 4 + cipherLength) throw corrupt('inconsistent lengths');
    need(cipherLength);
    const cipher = bytes.subarray(pos, pos + cipherLength);
    pos += cipherLength;
    const decrypted =
      mode === 'AES-GCM' ? decryptGcm(keyBytes, iv, tag!, cipher) : decryptCbc(mode, keyBytes, iv, cipher, block === 0);
    if (!decrypted) {
      throw new MindletError('DECRYPTION_FAILED', `wrong key for this ${mode} model (or the file is corrupted)`, {
        file,
      });
    }
    plain.push(decrypted);
    block++;
  }
  return plain.length === 1 ? plain[0]! : Buffer.concat(plain);
}

function decryptGcm(key: Buffer, iv: Uint8Array, tag: Uint8Array, cipher: Uint8Array): Buffer | undefined {
  // MindSpore writes a 16-byte IV field; the files it writes use its first 12 bytes. The full field is tried
  // second so that an exporter using all 16 bytes still loads; the tag makes a wrong guess fail, not mislead.
  const ivs = iv.byteLength > 12 ? [iv.subarray(0, 12), iv] : [iv];
  for (const candidate of ivs) {
    try {
      const decipher = createDecipheriv(`aes-${key.byteLength * 8}-gcm` as 'aes-128-gcm', key, candidate, {
        authTagLength: GCM_TAG_BYTES,
      });
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(cipher), decipher.final()]);
    } catch {
      // tag mismatch: try the next IV use, then report a wrong key
    }
  }
  return undefined;
}

function decryptCbc(
  mode: EncryptionMode,
  key: Buffer,
  iv: Uint8Array,
  cipher: Uint8Array,
  first: boolean,
): Buffer | undefined {
  if (iv.byteLength !== 16 || cipher.byteLength % 16 !== 0) return undefined;
  const algorithm = mode === 'SM4-CBC' ? 'sm4-cbc' : `aes-${key.byteLength * 8}-cbc`;
  try {
    const decipher = createDecipheriv(algorithm, key, iv);
    const out = Buffer.concat([decipher.update(cipher), decipher.final()]);
    // CBC has no tag: a wrong key passes PKCS#7 padding about 1 time in 256. The caller's protobuf decode and graph
    // checks catch the rest; the file's first byte must still look like a protobuf field tag of a ModelProto
    // (fields 1–14). Later blocks start mid-message, so only the first is checked.
    if (first && out.byteLength > 0 && (out[0]! >> 3 < 1 || out[0]! >> 3 > 14)) return undefined;
    return out;
  } catch {
    return undefined;
  }
}
