/**
 * Reads a request body under a byte bound. Content-Length is checked before reading, and the stream is cut off at
 * the bound as it arrives, so neither a lying header nor a chunked upload can make the server buffer more.
 */
import { ServingError } from '../errors.js';

export async function readBodyBytes(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = request.headers.get('content-length');
  if (declared !== null) {
    const length = Number(declared);
    if (!/^\d+$/.test(declared.trim()) || !Number.isSafeInteger(length))
      throw new ServingError('BAD_REQUEST', `invalid Content-Length ${JSON.stringify(declared.slice(0, 40))}`);
    if (length > maxBytes) throw tooLarge(length, maxBytes);
  }
  // A declared, in-bounds length lets the adapter hand the body over whole (@hono/node-server reads the socket
  // directly instead of building a web stream); Node's parser never delivers more than Content-Length.
  if (declared !== null) {
    const whole = new Uint8Array(await request.arrayBuffer());
    if (whole.byteLength > maxBytes) throw tooLarge(whole.byteLength, maxBytes);
    return whole;
  }
  if (!request.body) return new Uint8Array(0);
  const read = await readCapped(request.body, maxBytes);
  if ('over' in read) throw tooLarge(read.over, maxBytes);
  return read.bytes;
}

/** A stream's bytes whole, or how many had arrived when they went over `max` (the stream is cancelled then). */
export async function readCapped(
  stream: ReadableStream<Uint8Array>,
  max: number,
): Promise<{ bytes: Uint8Array } | { over: number }> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => {});
      return { over: total };
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return { bytes: chunks[0]! };
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { bytes };
}

/** The media type of a Content-Type header, lower-cased, without parameters ('' when absent). */
export function mediaType(request: Request): string {
  const header = request.headers.get('content-type') ?? '';
  return header.split(';')[0]!.trim().toLowerCase();
}

function tooLarge(bytes: number, maxBytes: number): ServingError {
  return new ServingError('PAYLOAD_TOO_LARGE', `request body of ${bytes} bytes exceeds the limit of ${maxBytes} bytes`);
}
