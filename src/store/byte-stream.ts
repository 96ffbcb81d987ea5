/**
 * The store's byte streams: one object version read in ranges, one object written in order and published whole. S3
 * and local files implement them (object-source.ts, object-sink.ts); batch formats read and write through them
 * without seeing S3.
 */

/** Bytes of one object version. Every read is pinned to that version (S3: If-Match on the ETag, or its versionId). */
export interface ByteSource {
  readonly uri: string;
  readonly size: number;
  /** ETag of the version being read (local files: size and mtime). */
  readonly etag: string;
  readonly versionId?: string;
  /**
   * Bytes [start, end) as chunks, in order (end defaults to `size`). A connection that breaks off mid-stream is
   * resumed from the last byte received; the object changing underneath fails the stream (OBJECT_CHANGED).
   */
  stream(start?: number, end?: number): AsyncIterable<Uint8Array>;
  /** Bytes [start, end) whole: for small reads (headers, zip directories). */
  read(start: number, end: number): Promise<Uint8Array>;
}

/** Where one output object's bytes go, in order. Nothing is visible at the destination until `close` succeeds. */
export interface ByteSink {
  readonly uri: string;
  /** Resolves when the chunk is accepted (back-pressure: memory stays bounded by the part size × parts in flight). */
  write(chunk: Uint8Array): Promise<void>;
  /** Completes the object (S3: CompleteMultipartUpload or one PutObject; files: rename into place). */
  close(): Promise<{ etag?: string; bytes: number }>;
  /** Drops what was written (S3: AbortMultipartUpload); leaves no partial object. Safe to call more than once. */
  abort(reason?: unknown): Promise<void>;
}
