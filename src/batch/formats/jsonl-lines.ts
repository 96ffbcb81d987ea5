/**
 * Lines out of a byte stream: split on '\n' (a '\r' before it is dropped), whatever the chunk boundaries. A line
 * longer than the limit is not buffered: its bytes are counted and dropped up to the next newline, and it comes out
 * as its length alone.
 */

/** A line's bytes (a view; decode or copy before the next line), or the length of one that was too long. */
export type Line = { bytes: Uint8Array; overLength?: undefined } | { bytes?: undefined; overLength: number };

const NEWLINE = 0x0a;
const RETURN = 0x0d;

/** Whether bytes are only JSON whitespace other than newlines (space, tab, carriage return). */
export function isBlank(bytes: Uint8Array): boolean {
  for (const byte of bytes) if (byte !== 0x20 && byte !== 0x09 && byte !== RETURN) return false;
  return true;
}

/**
 * Every line of `chunks`, blank ones included (whitespace-only over-long lines excepted, which are never
 * material). `onBytes` is told each chunk's size as it arrives.
 */
export async function* splitLines(
  chunks: AsyncIterable<Uint8Array>,
  maxLineBytes: number,
  onBytes: (bytes: number) => void = () => {},
): AsyncGenerator<Line> {
  let parts: Uint8Array[] = [];
  let length = 0;
  // While dropping an over-long line: its length so far, and whether it has been only whitespace.
  let dropping = false;
  let blank = true;

  const endLine = (): Line | undefined => {
    if (dropping) {
      const line: Line | undefined = blank ? undefined : { overLength: length };
      dropping = false;
      length = 0;
      blank = true;
      return line;
    }
    let bytes: Uint8Array;
    if (parts.length === 1) bytes = parts[0]!;
    else {
      bytes = new Uint8Array(length);
      let at = 0;
      for (const part of parts) {
        bytes.set(part, at);
        at += part.length;
      }
    }
    parts = [];
    length = 0;
    if (bytes.length > 0 && bytes[bytes.length - 1] === RETURN) bytes = bytes.subarray(0, bytes.length - 1);
    return bytes.length > maxLineBytes ? { overLength: bytes.length } : { bytes };
  };

  for await (const chunk of chunks) {
    onBytes(chunk.length);
    let at = 0;
    while (at < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, at);
      const end = newline < 0 ? chunk.length : newline;
      const piece = chunk.subarray(at, end);
      if (dropping) {
        length += piece.length;
        blank &&= isBlank(piece);
      } else if (length + piece.length > maxLineBytes + 1) {
        // One byte of slack: a '\r' ending a line of exactly maxLineBytes is not part of it.
        blank = parts.every(isBlank) && isBlank(piece);
        dropping = true;
        length += piece.length;
        parts = [];
      } else if (piece.length > 0) {
        // A piece left over at a chunk's end is copied: the source may reuse the chunk's memory.
        parts.push(newline < 0 ? new Uint8Array(piece) : piece);
        length += piece.length;
      }
      if (newline < 0) break;
      const line = endLine();
      if (line) yield line;
      at = newline + 1;
    }
  }
  if (dropping || length > 0) {
    const line = endLine();
    if (line) yield line;
  }
}
