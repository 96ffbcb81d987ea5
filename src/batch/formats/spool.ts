/**
 * Spool files for writers whose output cannot be written in record order: a `.npz` holds one member per output, one
 * after another, while records bring a row of every output at once. Each output's bytes go to a file in a private
 * temp directory (CRC-32 computed on the way) and are streamed back when the archive is assembled.
 */
import { createReadStream } from 'node:fs';
import { type FileHandle, mkdtemp, open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import type { ChunkTarget } from './buffered-sink.js';

/** A directory of spool files; `remove` deletes it with everything in it and is safe to call more than once. */
export class SpoolDirectory {
  private removed = false;
  private readonly files: SpoolFile[] = [];

  private constructor(readonly path: string) {}

  static async create(): Promise<SpoolDirectory> {
    return new SpoolDirectory(await mkdtemp(path.join(os.tmpdir(), 'mindlet-spool-')));
  }

  /** A new, empty spool file (named by number: output names may hold characters no file name can). */
  async file(): Promise<SpoolFile> {
    const file = path.join(this.path, `${this.files.length}.bin`);
    const spool = new SpoolFile(file, await open(file, 'w'));
    this.files.push(spool);
    return spool;
  }

  async remove(): Promise<void> {
    if (this.removed) return;
    this.removed = true;
    await Promise.allSettled(this.files.map((file) => file.close()));
    await rm(this.path, { recursive: true, force: true });
  }
}

export class SpoolFile implements ChunkTarget {
  /** CRC-32 of everything written so far. */
  crc = 0;
  size = 0;
  private handle: FileHandle | undefined;

  constructor(
    readonly path: string,
    handle: FileHandle,
  ) {
    this.handle = handle;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (!this.handle) throw new Error(`spool file ${this.path} is closed`);
    this.crc = crc32(chunk, this.crc);
    for (let at = 0; at < chunk.length; ) {
      const { bytesWritten } = await this.handle.write(chunk, at, chunk.length - at);
      at += bytesWritten;
    }
    this.size += chunk.length;
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  /** The spooled bytes, in chunks of about 1 MiB. */
  read(): AsyncIterable<Uint8Array> {
    return createReadStream(this.path, { highWaterMark: 1 << 20 });
  }
}
