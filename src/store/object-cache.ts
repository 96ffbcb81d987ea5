/**
 * The on-disk cache of downloaded objects, one file per (bucket, key, ETag), so warm and restarted processes skip
 * downloads. Files appear only by rename of a complete temp file, so a reader never sees half an object; the total
 * size is capped by evicting the least recently used entries (a hit refreshes the file's mtime).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, statfsSync } from 'node:fs';
import { type FileHandle, open, readdir, rename, stat, unlink, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Entry files: 64 hex digits of SHA-256 over bucket, key and ETag. */
const ENTRY = /^[0-9a-f]{64}\.obj$/;
const TEMP_PREFIX = '.tmp-';
/** A temp file untouched this long belongs to a process that died mid-download. */
const STALE_TEMP_MS = 10 * 60_000;

/** Off Lambda, the cap when MINDLET_CACHE_MAX_BYTES is not set. */
export const DEFAULT_CACHE_BYTES = 4 * 1024 * 1024 * 1024;
/** Lambda's /tmp is 512 MiB by default (up to 10 GiB): the cache takes 3/4 of it, leaving room for everything else. */
const LAMBDA_TMP_SHARE = 0.75;
const LAMBDA_DEFAULT_TMP_BYTES = 512 * 1024 * 1024;

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MINDLET_CACHE_DIR) return path.resolve(env.MINDLET_CACHE_DIR);
  if (env.AWS_LAMBDA_FUNCTION_NAME) return '/tmp/mindlet-cache';
  return path.join(os.tmpdir(), 'mindlet-cache');
}

/** MINDLET_CACHE_MAX_BYTES, else on Lambda 3/4 of /tmp's size (384 MiB of the default 512 MiB), else 4 GiB. */
export function defaultCacheMaxBytes(env: NodeJS.ProcessEnv = process.env): number {
  const configured = env.MINDLET_CACHE_MAX_BYTES?.trim();
  if (configured && /^\d{1,16}$/.test(configured)) return Number(configured);
  if (!env.AWS_LAMBDA_FUNCTION_NAME) return DEFAULT_CACHE_BYTES;
  let tmpBytes = LAMBDA_DEFAULT_TMP_BYTES;
  try {
    const fs = statfsSync('/tmp');
    tmpBytes = fs.blocks * fs.bsize;
  } catch {}
  return Math.floor(tmpBytes * LAMBDA_TMP_SHARE);
}

export interface CacheEntryId {
  bucket: string;
  key: string;
  etag: string;
}

/** A temp file being filled; `commit` makes it the entry, `discard` removes it. */
export interface CacheWriter {
  write(bytes: Uint8Array, position: number): Promise<void>;
  commit(): Promise<string>;
  discard(): Promise<void>;
}

export class ObjectCache {
  readonly dir: string;
  readonly maxBytes: number;
  private ready = false;

  constructor(dir: string, maxBytes: number) {
    this.dir = dir;
    this.maxBytes = maxBytes;
  }

  entryPath(id: CacheEntryId): string {
    const hash = createHash('sha256').update(`${id.bucket}\n${id.key}\n${id.etag}`).digest('hex');
    return path.join(this.dir, `${hash}.obj`);
  }

  fits(size: number): boolean {
    return size <= this.maxBytes;
  }

  /** The entry's path when it is there with the expected size (else removed); marks it recently used. */
  async lookup(id: CacheEntryId, size: number): Promise<string | undefined> {
    const file = this.entryPath(id);
    let found: number;
    try {
      found = (await stat(file)).size;
    } catch {
      return undefined;
    }
    if (found !== size) {
      await unlink(file).catch(() => {});
      return undefined;
    }
    const now = new Date();
    await utimes(file, now, now).catch(() => {});
    return file;
  }

  async createWriter(id: CacheEntryId, size: number): Promise<CacheWriter> {
    this.ensureDir();
    const final = this.entryPath(id);
    const temp = path.join(
      this.dir,
      `${TEMP_PREFIX}${path.basename(final)}-${process.pid}-${randomBytes(4).toString('hex')}`,
    );
    const handle: FileHandle = await open(temp, 'w', 0o600);
    let open_ = true;
    const close = async () => {
      if (open_) {
        open_ = false;
        await handle.close();
      }
    };
    return {
      write: async (bytes, position) => {
        let done = 0;
        while (done < bytes.byteLength) {
          const { bytesWritten } = await handle.write(bytes, done, bytes.byteLength - done, position + done);
          done += bytesWritten;
        }
      },
      commit: async () => {
        await close();
        await this.makeRoom(size, final);
        await rename(temp, final);
        return final;
      },
      discard: async () => {
        await close().catch(() => {});
        await unlink(temp).catch(() => {});
      },
    };
  }

  /** Evicts least recently used entries (never `keep`) until `incoming` more bytes fit under the cap. */
  private async makeRoom(incoming: number, keep: string): Promise<void> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const entries: Array<{ file: string; size: number; used: number }> = [];
    const now = Date.now();
    for (const name of names) {
      const file = path.join(this.dir, name);
      if (name.startsWith(TEMP_PREFIX)) {
        const info = await stat(file).catch(() => undefined);
        if (info && now - info.mtimeMs > STALE_TEMP_MS) await unlink(file).catch(() => {});
        continue;
      }
      if (!ENTRY.test(name) || file === keep) continue;
      const info = await stat(file).catch(() => undefined);
      if (info?.isFile()) entries.push({ file, size: info.size, used: info.mtimeMs });
    }
    let total = entries.reduce((sum, entry) => sum + entry.size, 0);
    entries.sort((a, b) => a.used - b.used);
    for (const entry of entries) {
      if (total + incoming <= this.maxBytes) break;
      await unlink(entry.file).catch(() => {});
      total -= entry.size;
    }
  }

  private ensureDir(): void {
    if (this.ready) return;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.ready = true;
  }
}
