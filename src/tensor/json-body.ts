/** Protocol bodies as JSON: empty, non-UTF-8 and unparseable bodies are 400s that say which. */
import { ServingError } from '../errors.js';

/** UTF-8 text of a body; invalid UTF-8 is a 400, not a string of replacement characters. */
export function decodeUtf8(bytes: Uint8Array, what = 'request body'): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new ServingError('BAD_REQUEST', `${what} is not valid UTF-8`);
  }
}

/** JSON of a body: empty, non-UTF-8 and unparseable bodies are 400s that say which. */
export function parseJsonBody(bytes: Uint8Array, what = 'request body'): unknown {
  if (bytes.byteLength === 0) throw new ServingError('BAD_REQUEST', `${what} is empty; expected JSON`);
  const text = decodeUtf8(bytes, what);
  try {
    return JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message.slice(0, 200) : 'parse error';
    throw new ServingError('BAD_REQUEST', `${what} is not valid JSON: ${detail}`);
  }
}
