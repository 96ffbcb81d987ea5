/**
 * Write-through buffering for format writers: small pieces (a JSONL line, one array row) are gathered into ~1 MiB
 * chunks before they reach a sink, so an S3 multipart upload sees few large writes and memory stays at one chunk.
 */

/** Where gathered chunks go: a ByteSink, or a spool file. */
export interface ChunkTarget {
  write(chunk: Uint8Array): Promise<void>;
}

export const DEFAULT_CHUNK_BYTES = 1 << 20;

export class BufferedSink {
  private buffer: Uint8Array | undefined;
  private used = 0;
  /** Bytes taken so far (written through or still buffered). */
  bytes = 0;

  constructor(
    private readonly target: ChunkTarget,
    private readonly chunkBytes = DEFAULT_CHUNK_BYTES,
  ) {}

  /** Copies `bytes` in (the caller may reuse them at once); passes a chunk on each time one fills. */
  async write(bytes: Uint8Array): Promise<void> {
    this.bytes += bytes.length;
    let at = 0;
    while (at < bytes.length) {
      this.buffer ??= new Uint8Array(this.chunkBytes);
      const count = Math.min(bytes.length - at, this.chunkBytes - this.used);
      this.buffer.set(bytes.subarray(at, at + count), this.used);
      this.used += count;
      at += count;
      if (this.used === this.chunkBytes) await this.flush();
    }
  }

  /** Passes on what is buffered. The chunk is handed over, never reused: a sink may hold it until its part is sent. */
  async flush(): Promise<void> {
    if (!this.buffer || this.used === 0) return;
    const chunk = this.buffer.subarray(0, this.used);
    this.buffer = undefined;
    this.used = 0;
    await this.target.write(chunk);
  }
}
