/**
 * s3rver seals ListObjectsV2 continuation tokens with single DES, which OpenSSL 3 (Node 17+) no longer offers, so
 * any truncated listing fails with InternalError. Triple DES with the one 8-byte key repeated three times is single
 * DES, bit for bit; this swaps it in for the in-process s3rver while a test needs paginated listings.
 */
import { createRequire } from 'node:module';

type CipherFactory = (algorithm: string, key: Buffer, iv: Buffer | null, options?: unknown) => unknown;

/** Lets s3rver paginate; returns the function that puts node:crypto back. */
export function allowS3rverContinuationTokens(): () => void {
  const crypto = createRequire(import.meta.url)('node:crypto') as Record<
    'createCipheriv' | 'createDecipheriv',
    CipherFactory
  >;
  const original = { createCipheriv: crypto.createCipheriv, createDecipheriv: crypto.createDecipheriv };
  const widened =
    (factory: CipherFactory): CipherFactory =>
    (algorithm, key, iv, options) =>
      algorithm === 'des' && key.byteLength === 8
        ? factory('des-ede3-cbc', Buffer.concat([key, key, key]), iv, options)
        : factory(algorithm, key, iv, options);
  crypto.createCipheriv = widened(original.createCipheriv);
  crypto.createDecipheriv = widened(original.createDecipheriv);
  return () => {
    crypto.createCipheriv = original.createCipheriv;
    crypto.createDecipheriv = original.createDecipheriv;
  };
}
