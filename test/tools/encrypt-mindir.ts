/**
 * Encrypts plain bytes the way MindSpore's exporter does (see src/mindir/encryption.ts for the layouts), for tests:
 * the current layout (a magic per mode, a GCM tag after it) or the legacy one (one magic, no tag).
 */
import { createCipheriv, randomBytes } from 'node:crypto';

export type TestEncryptionMode = 'AES-GCM' | 'AES-CBC' | 'SM4-CBC';

const MAGIC: Record<TestEncryptionMode, number> = {
  'AES-GCM': 0x7f3a5ed8,
  'AES-CBC': 0x7f3a5ed9,
  'SM4-CBC': 0x7f3a5eda,
};
const LEGACY_MAGIC = 0x7f3a5ed8;

export interface EncryptOptions {
  /** Plain bytes per block: MindSpore's is 64 MiB (512 MiB in its first version); tests use small ones. */
  blockSize?: number;
  /** 'current': a magic per mode and a GCM tag; 'legacy': MindSpore's first layout (one magic, no tag). */
  layout?: 'current' | 'legacy';
  /** GCM IV bytes used out of the 16 stored: 12 is what MindSpore's files use; 16 is the other reading. */
  gcmIvBytes?: 12 | 16;
}

function int32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(value | 0);
  return b;
}

export function encryptMindir(
  plain: Uint8Array,
  key: Uint8Array,
  mode: TestEncryptionMode,
  options: EncryptOptions = {},
): Buffer {
  const { blockSize = 64 << 20, layout = 'current', gcmIvBytes = 12 } = options;
  if (layout === 'legacy' && mode === 'SM4-CBC') throw new Error('the legacy layout predates SM4-CBC');
  const algorithm = mode === 'SM4-CBC' ? 'sm4-cbc' : `aes-${key.byteLength * 8}-${mode === 'AES-GCM' ? 'gcm' : 'cbc'}`;
  const parts: Buffer[] = [];
  for (let at = 0; at < plain.byteLength; at += blockSize) {
    const chunk = plain.subarray(at, at + blockSize);
    const iv = randomBytes(16);
    let cipher: Buffer;
    let tag: Buffer | undefined;
    if (mode === 'AES-GCM') {
      const c = createCipheriv(algorithm as 'aes-128-gcm', key, iv.subarray(0, gcmIvBytes));
      cipher = Buffer.concat([c.update(chunk), c.final()]);
      if (layout === 'current') tag = c.getAuthTag();
    } else {
      const c = createCipheriv(algorithm, key, iv); // PKCS#7 padding, as MindSpore sets
      cipher = Buffer.concat([c.update(chunk), c.final()]);
    }
    parts.push(int32(layout === 'legacy' ? LEGACY_MAGIC : MAGIC[mode]));
    if (tag) parts.push(tag);
    parts.push(
      int32(4 + iv.byteLength + 4 + cipher.byteLength),
      int32(iv.byteLength),
      iv,
      int32(cipher.byteLength),
      cipher,
    );
  }
  return Buffer.concat(parts);
}

/** Byte offsets where each block's header starts, so tests can damage particular fields. */
export function blockOffsets(file: Uint8Array, tagged: boolean): number[] {
  const view = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  const offsets: number[] = [];
  for (let pos = 0; pos < view.byteLength; ) {
    offsets.push(pos);
    const lengthAt = pos + 4 + (tagged ? 16 : 0);
    pos = lengthAt + 4 + view.readInt32LE(lengthAt);
  }
  return offsets;
}
