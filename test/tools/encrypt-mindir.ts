/** Encrypts plain MindIR bytes in MindSpore's block format (see src/mindir/encryption.ts), for tests. */
import { createCipheriv, randomBytes } from 'node:crypto';

const MAGIC = { 'AES-GCM': 0x7f3a5ed8, 'AES-CBC': 0x7f3a5ed9 } as const;

function int32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(value);
  return b;
}

/** `blockSize` is MindSpore's 64 MiB by default; tests pass small ones to get many blocks. */
export function encryptMindir(
  plain: Uint8Array,
  key: Uint8Array,
  mode: 'AES-GCM' | 'AES-CBC',
  blockSize = 64 << 20,
): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < plain.byteLength; at += blockSize) {
    const chunk = plain.subarray(at, at + blockSize);
    const iv = randomBytes(16);
    const bits = key.byteLength * 8;
    let cipher: Buffer;
    let tag: Buffer | undefined;
    if (mode === 'AES-GCM') {
      const c = createCipheriv(`aes-${bits}-gcm` as 'aes-128-gcm', key, iv.subarray(0, 12));
      cipher = Buffer.concat([c.update(chunk), c.final()]);
      tag = c.getAuthTag();
    } else {
      const c = createCipheriv(`aes-${bits}-cbc`, key, iv);
      cipher = Buffer.concat([c.update(chunk), c.final()]);
    }
    parts.push(int32(MAGIC[mode]));
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
