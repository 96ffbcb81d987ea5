/**
 * In-memory byte sources and sinks for batch tests: a source over a buffer (or generated on the fly) that hands out
 * chunks of a chosen size and records every read, and a sink that keeps what was written and whether it was closed
 * or aborted.
 */
import type { ByteSink, ByteSource } from '../../src/batch/types.js';

export interface MemorySourceOptions {
  uri?: string;
  etag?: string;
  versionId?: string;
  /** Bytes per chunk from `stream`. Default 64 KiB. */
  chunkSize?: number;
}

/** A ByteSource that also lists the ranges it was asked for. */
export interface RecordingSource extends ByteSource {
  readonly reads: Array<[number, number]>;
  readonly streams: Array<[number, number]>;
}

/** A source over `bytes`; every chunk and read is a fresh copy, as a network would give. */
export function memorySource(bytes: Uint8Array, options: MemorySourceOptions = {}): RecordingSource {
  return generatedSource(bytes.length, (start, end) => bytes.slice(start, end), options);
}

/**
 * A source of `size` bytes made by `produce(start, end)` as they are asked for, so a test object can be far larger
 * than what the test keeps in memory.
 */
export function generatedSource(
  size: number,
  produce: (start: number, end: number) => Uint8Array,
  options: MemorySourceOptions = {},
): RecordingSource {
  const chunkSize = options.chunkSize ?? 64 * 1024;
  const reads: Array<[number, number]> = [];
  const streams: Array<[number, number]> = [];
  const check = (start: number, end: number) => {
    if (!(Number.isSafeInteger(start) && Number.isSafeInteger(end) && 0 <= start && start <= end && end <= size))
      throw new RangeError(`range [${start}, ${end}) is outside the ${size}-byte object`);
  };
  return {
    uri: options.uri ?? 'memory://object',
    size,
    etag: options.etag ?? '"memory"',
    ...(options.versionId ? { versionId: options.versionId } : {}),
    reads,
    streams,
    async read(start: number, end: number): Promise<Uint8Array> {
      check(start, end);
      reads.push([start, end]);
      return produce(start, end);
    },
    stream(start = 0, end = size): AsyncIterable<Uint8Array> {
      check(start, end);
      streams.push([start, end]);
      return (async function* () {
        for (let at = start; at < end; at += chunkSize) yield produce(at, Math.min(end, at + chunkSize));
      })();
    },
  };
}

/** A ByteSink keeping every chunk (copied, so later changes by the writer would show as wrong bytes). */
export class MemorySink implements ByteSink {
  readonly chunks: Uint8Array[] = [];
  closed = false;
  aborted = false;
  abortReason: unknown;
  closeCount = 0;
  abortCount = 0;

  constructor(readonly uri = 'memory://output') {}

  async write(chunk: Uint8Array): Promise<void> {
    if (this.closed || this.aborted) throw new Error(`write to a ${this.closed ? 'closed' : 'aborted'} sink`);
    this.chunks.push(new Uint8Array(chunk));
  }

  async close(): Promise<{ etag?: string; bytes: number }> {
    if (this.aborted) throw new Error('close of an aborted sink');
    this.closeCount++;
    this.closed = true;
    return { etag: '"memory-output"', bytes: this.bytes().length };
  }

  async abort(reason?: unknown): Promise<void> {
    this.abortCount++;
    this.aborted = true;
    this.abortReason = reason;
  }

  /** Everything written, as one buffer. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.chunks.reduce((sum, chunk) => sum + chunk.length, 0));
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }

  text(): string {
    return new TextDecoder().decode(this.bytes());
  }
}
