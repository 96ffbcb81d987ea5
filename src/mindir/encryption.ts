/**
 * Encrypted MindIR (MindSpore's export / save_checkpoint with enc_key and enc_mode). The file is a chain of
 * independently encrypted blocks of up to 64 MiB of plain bytes each (512 MiB in MindSpore's first version):
 *
 *   current: [int32 magic][16-byte tag, AES-GCM only][int32 block_len][int32 iv_len=16][iv][int32 cipher_len][cipher]
 *   legacy:  [int32 magic, 0x7F3A5ED8 for every mode][int32 block_len][int32 iv_len=16][iv][int32 cipher_len][cipher]
 *
 * All integers are little-endian; block_len = 4 + iv_len + 4 + cipher_len. Variants found in MindSpore's code:
 * - legacy (mindspore/ccsrc/crypto/crypto.cc, then the first mindspore/core/utils/crypto.cc): one magic for
 *   AES-GCM and AES-CBC, no tag; GCM is initialised with the key and IV at once, so OpenSSL uses the first
 *   12 IV bytes, and nothing authenticates the result.
 * - current (mindspore/core/utils/crypto.cc from the GCM/CBC magic split on; the Lite reader
 *   mindspore/lite/src/common/decrypt.cc takes its AES-GCM): a magic per mode (0x7F3A5ED8 GCM, 0x7F3A5ED9 CBC,
 *   later 0x7F3A5EDA SM4-CBC with a 16-byte key) and a 16-byte GCM tag after the magic, no AAD. The code sets
 *   a 16-byte GCM IV length, then re-initialises the context with the cipher, which resets it to OpenSSL's
 *   default: MindSpore's real file uses the first 12 IV bytes. 16 is tried second; the tag decides.
 * CBC modes use PKCS#7 padding, each block with its own random IV (blocks are not chained).
 */
import { createDecipheriv, getCiphers } from 'node:crypto';
import { MindletError } from '../errors.js';

export type EncryptionMode = 'AES-GCM' | 'AES-CBC' | 'SM4-CBC';

const GCM_MAGIC = 0x7f3a5ed8;
const MAGICS: ReadonlyMap<number, EncryptionMode> = new Map([
  [GCM_MAGIC, 'AES-GCM'],
  [0x7f3a5ed9, 'AES-CBC'],
  [0x7f3a5eda, 'SM4-CBC'],
]);
const TAG_BYTES = 16;
/** MindSpore always writes AES_BLOCK_SIZE (16) IV bytes; its current reader refuses anything else. */
const IV_BYTES = 16;
const CIPHER_BLOCK_BYTES = 16;
/** MindSpore's external weight files start with this many bytes (byte order flag, then zeros), encrypted alone. */
const EXTERNAL_HEADER_BYTES = 64;

export interface DecryptOptions {
  /**
   * What the plain bytes are: 'protobuf' (a MindIR model or checkpoint, the default) or 'raw' (an external weight
   * file). Unauthenticated modes (CBC, legacy GCM) use it to tell a right key from a wrong one.
   */
  content?: 'protobuf' | 'raw';
}

/** Which of MindSpore's encryption magics the bytes start with (legacy AES-CBC files read as AES-GCM here). */
export function encryptionMode(bytes: Uint8Array): EncryptionMode | undefined {
  if (bytes.byteLength < 4) return undefined;
  return MAGICS.get(readInt32(bytes, 0) >>> 0);
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
  } else if (key instanceof Uint8Array) {
    bytes = Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  } else {
    throw new MindletError('INVALID_ARGUMENT', 'decryption key must be a hex string or bytes');
  }
  if (bytes.byteLength !== 16 && bytes.byteLength !== 24 && bytes.byteLength !== 32) {
    throw new MindletError(
      'INVALID_ARGUMENT',
      `decryption key is ${bytes.byteLength} bytes; MindSpore keys are 16, 24 or 32 bytes (32, 48 or 64 hex digits)`,
    );
  }
  return bytes;
}

/** Decrypts a whole encrypted MindIR, checkpoint or external weight file into its plain bytes. */
export function decryptMindir(
  bytes: Uint8Array,
  key: string | Uint8Array | undefined,
  file: string,
  options: DecryptOptions = {},
): Buffer {
  const mode = encryptionMode(bytes);
  const fail = (message: string) => new MindletError('DECRYPTION_FAILED', message, { file });
  if (!mode) throw fail('not an encrypted MindSpore file (no encryption header)');
  if (mode === 'SM4-CBC' && !getCiphers().includes('sm4-cbc')) {
    throw new MindletError('UNSUPPORTED', "SM4-CBC encrypted models need SM4, which this Node's OpenSSL lacks", {
      file,
    });
  }
  if (key === undefined || (typeof key === 'string' && key.trim() === '')) {
    throw fail(`model is encrypted (${mode}); pass its key (--key HEX or MINDLET_MODEL_KEY)`);
  }
  let keyBytes: Buffer;
  try {
    keyBytes = parseKey(key);
  } catch (error) {
    throw new MindletError('INVALID_ARGUMENT', (error as Error).message, { file });
  }

  const layout = parseLayout(bytes, mode);
  if ('error' in layout) throw fail(`${layout.error} (truncated or corrupted file)`);
  const { blocks } = layout;
  const content = options.content ?? 'protobuf';

  if (mode === 'SM4-CBC' && keyBytes.byteLength !== 16) {
    throw fail(`SM4-CBC keys are 16 bytes, this key is ${keyBytes.byteLength}`);
  }

  if (layout.tagged) {
    const plain = decryptTaggedGcm(blocks, keyBytes, fail);
    // Every block authenticates on its own, so only the content can show blocks missing at the end.
    if (!looksLikePlain(plain, content)) throw fail('decrypted data ends mid-message (file truncated between blocks)');
    return joinBlocks(plain);
  }
  if (mode !== 'AES-GCM') {
    const algorithm = mode === 'SM4-CBC' ? 'sm4-cbc' : aesName(keyBytes, 'cbc');
    const plain = decryptCbcBlocks(blocks, algorithm, keyBytes, mode, file);
    if (typeof plain === 'string') throw fail(plain);
    if (!looksLikePlain(plain, content)) {
      throw fail(`wrong key for this ${mode} model, or the file is truncated (decrypts to garbage)`);
    }
    return joinBlocks(plain);
  }
  // Legacy files carry the GCM magic for AES-CBC too, and their GCM has no tag: whichever decryption yields
  // content of the expected shape wins, CBC first because its padding is a second check.
  const cbc = blocks.every((b) => b.cipher.byteLength % CIPHER_BLOCK_BYTES === 0)
    ? decryptCbcBlocks(blocks, aesName(keyBytes, 'cbc'), keyBytes, 'AES-CBC', file)
    : 'not CBC';
  if (typeof cbc !== 'string' && looksLikePlain(cbc, content)) return joinBlocks(cbc);
  const gcm = blocks.map((b) => decryptUntaggedGcm(b, keyBytes));
  if (looksLikePlain(gcm, content)) return joinBlocks(gcm);
  throw fail('wrong key for this legacy AES-GCM/AES-CBC model, or the file is truncated (decrypts to garbage)');
}

interface Block {
  tag: Uint8Array | undefined;
  iv: Uint8Array;
  cipher: Uint8Array;
}

type Layout = { tagged: boolean; blocks: Block[] } | { error: string; reached: number };

/** Splits the file into blocks, checking every length against the bytes left before using it. */
function parseLayout(bytes: Uint8Array, mode: EncryptionMode): Layout {
  if (mode !== 'AES-GCM') return parseBlocks(bytes, false);
  const tagged = parseBlocks(bytes, true);
  if ('blocks' in tagged) return tagged;
  const legacy = parseBlocks(bytes, false);
  if ('blocks' in legacy) return legacy;
  // Report the layout that got further: its error is about the file, the other's is about the guess.
  return legacy.reached > tagged.reached ? legacy : tagged;
}

function parseBlocks(bytes: Uint8Array, tagged: boolean): Layout {
  const end = bytes.byteLength;
  const magic = readInt32(bytes, 0);
  const blocks: Block[] = [];
  let pos = 0;
  while (pos < end) {
    const at = `encrypted block ${blocks.length} (byte ${pos})`;
    const headerBytes = 4 + (tagged ? TAG_BYTES : 0) + 8;
    if (end - pos < headerBytes) return { error: `${at}: header ends early`, reached: pos };
    if (readInt32(bytes, pos) !== magic) return { error: `${at}: bad block magic`, reached: pos };
    const tag = tagged ? bytes.subarray(pos + 4, pos + 4 + TAG_BYTES) : undefined;
    const lengthsAt = pos + headerBytes - 8;
    const blockLength = readInt32(bytes, lengthsAt);
    const ivLength = readInt32(bytes, lengthsAt + 4);
    if (ivLength !== IV_BYTES) return { error: `${at}: IV length ${ivLength}, expected ${IV_BYTES}`, reached: pos };
    const body = lengthsAt + 4; // block_len counts from here
    if (blockLength < 8 + IV_BYTES + 1) return { error: `${at}: bad block length ${blockLength}`, reached: pos };
    if (blockLength > end - body) {
      return { error: `${at}: block length ${blockLength} runs past the end of the file`, reached: pos };
    }
    const cipherLength = readInt32(bytes, body + 4 + IV_BYTES);
    if (cipherLength !== blockLength - 8 - IV_BYTES) {
      return { error: `${at}: cipher length ${cipherLength} disagrees with block length`, reached: pos };
    }
    const iv = bytes.subarray(body + 4, body + 4 + IV_BYTES);
    const cipherAt = body + 8 + IV_BYTES;
    blocks.push({ tag, iv, cipher: bytes.subarray(cipherAt, cipherAt + cipherLength) });
    pos = body + blockLength;
  }
  return { tagged, blocks };
}

function decryptTaggedGcm(blocks: Block[], key: Buffer, fail: (message: string) => MindletError): Buffer[] {
  const plain: Buffer[] = [];
  // Every block of a file is written the same way: once an IV use authenticates, keep it.
  let ivBytes: number[] = [12, IV_BYTES];
  for (const [index, block] of blocks.entries()) {
    let out: Buffer | undefined;
    for (const n of ivBytes) {
      out = gcmDecrypt(key, block.iv.subarray(0, n), block.cipher, block.tag);
      if (out) {
        ivBytes = [n];
        break;
      }
    }
    if (!out) {
      throw fail(
        index === 0
          ? 'wrong key for this AES-GCM model (or the file is corrupted)'
          : `encrypted block ${index} is corrupted (its AES-GCM tag does not match)`,
      );
    }
    plain.push(out);
  }
  return plain;
}

/** AES-GCM; with a tag it authenticates or returns undefined, without one (legacy) it cannot tell. */
function gcmDecrypt(key: Buffer, iv: Uint8Array, cipher: Uint8Array, tag: Uint8Array | undefined): Buffer | undefined {
  try {
    const decipher = createDecipheriv(aesName(key, 'gcm') as 'aes-128-gcm', key, iv, { authTagLength: TAG_BYTES });
    if (!tag) return decipher.update(cipher);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(cipher), decipher.final()]);
  } catch {
    return undefined;
  }
}

function decryptUntaggedGcm(block: Block, key: Buffer): Buffer {
  // Legacy writers let OpenSSL take its default 12-byte IV from the 16 stored.
  return gcmDecrypt(key, block.iv.subarray(0, 12), block.cipher, undefined) ?? Buffer.alloc(0);
}

/** Returns the plain blocks, or why they are not valid CBC under this key. */
function decryptCbcBlocks(
  blocks: Block[],
  algorithm: string,
  key: Buffer,
  mode: EncryptionMode,
  file: string,
): Buffer[] | string {
  const plain: Buffer[] = [];
  for (const [index, block] of blocks.entries()) {
    if (block.cipher.byteLength % CIPHER_BLOCK_BYTES !== 0) {
      return `encrypted block ${index} is not a whole number of cipher blocks (truncated or corrupted file)`;
    }
    let decipher: ReturnType<typeof createDecipheriv>;
    try {
      decipher = createDecipheriv(algorithm, key, block.iv);
    } catch (error) {
      throw new MindletError('UNSUPPORTED', `${algorithm} is not available in this Node's OpenSSL`, {
        file,
        cause: error,
      });
    }
    try {
      plain.push(Buffer.concat([decipher.update(block.cipher), decipher.final()]));
    } catch {
      // PKCS#7 padding is invalid: a wrong key almost always, or a damaged block.
      return index === 0
        ? `wrong key for this ${mode} model (or the file is corrupted)`
        : `wrong key, or encrypted block ${index} is corrupted (bad padding)`;
    }
  }
  return plain;
}

/**
 * Nothing authenticates CBC or legacy GCM, and a wrong key passes CBC's PKCS#7 padding check about 1 time in 256.
 * So the plain bytes must also have the expected shape: for 'protobuf', the first byte is a ModelProto or
 * Checkpoint field tag (fields 1-14) and a walk over the top-level fields lands exactly on the end; MindSpore's
 * external weight files instead start with a block of its 64-byte header (byte order flag, 63 zeros).
 * 'raw' content has no shape to check, so there the padding is the only test.
 */
function looksLikePlain(blocks: Buffer[], content: 'protobuf' | 'raw'): boolean {
  const first = blocks[0];
  if (!first || first.byteLength === 0) return false;
  if (content === 'raw') return true;
  if (isExternalDataHeader(first)) return true;
  return walksAsProtobuf(blocks);
}

function isExternalDataHeader(block: Buffer): boolean {
  return block.byteLength === EXTERNAL_HEADER_BYTES && block[0]! <= 1 && block.subarray(1).every((b) => b === 0);
}

/** Walks top-level protobuf fields across the blocks (a field may span blocks); true when they end exactly. */
function walksAsProtobuf(blocks: Buffer[]): boolean {
  const first = blocks[0]!;
  const firstField = first[0]! >> 3;
  if (firstField < 1 || firstField > 14 || first[0]! & 0x80) return false;
  const reader = new BlockReader(blocks);
  while (!reader.atEnd()) {
    const tag = reader.varint();
    if (tag === undefined) return false;
    const field = Math.floor(tag / 8);
    if (field < 1 || field > 1 << 16) return false;
    let skip: number | undefined;
    switch (tag % 8) {
      case 0:
        skip = reader.varint() === undefined ? undefined : 0;
        break;
      case 1:
        skip = 8;
        break;
      case 2:
        skip = reader.varint();
        break;
      case 5:
        skip = 4;
        break;
      default:
        return false; // groups (3, 4) are not in MindSpore's protos; 6 and 7 do not exist
    }
    if (skip === undefined || !reader.skip(skip)) return false;
  }
  return true;
}

/** Reads varints and skips bytes across a list of buffers without joining them. */
class BlockReader {
  private block = 0;
  private pos = 0;
  private readonly remaining: number[];

  constructor(private readonly blocks: Buffer[]) {
    // remaining[i] = bytes in blocks i.. to the end, so skips are bounded without walking blocks
    this.remaining = new Array<number>(blocks.length + 1).fill(0);
    for (let i = blocks.length - 1; i >= 0; i--) this.remaining[i] = this.remaining[i + 1]! + blocks[i]!.byteLength;
  }

  atEnd(): boolean {
    this.normalize();
    return this.block >= this.blocks.length;
  }

  varint(): number | undefined {
    let value = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      if (this.atEnd()) return undefined;
      const byte = this.blocks[this.block]![this.pos++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (!(byte & 0x80)) return value;
    }
    return undefined;
  }

  skip(count: number): boolean {
    this.normalize();
    if (count > this.remaining[this.block]! - this.pos) return false;
    let left = count;
    while (left > 0) {
      const here = this.blocks[this.block]!.byteLength - this.pos;
      const step = Math.min(here, left);
      this.pos += step;
      left -= step;
      this.normalize();
    }
    return true;
  }

  private normalize(): void {
    while (this.block < this.blocks.length && this.pos >= this.blocks[this.block]!.byteLength) {
      this.block++;
      this.pos = 0;
    }
  }
}

function aesName(key: Buffer, mode: 'gcm' | 'cbc'): string {
  return `aes-${key.byteLength * 8}-${mode}`;
}

function joinBlocks(blocks: Buffer[]): Buffer {
  return blocks.length === 1 ? blocks[0]! : Buffer.concat(blocks);
}

function readInt32(bytes: Uint8Array, at: number): number {
  return bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24);
}
