/**
 * One error type for every failure a user can cause (bad file, bad key, bad input), so the CLI and the
 * servers can print a one-line message without a stack trace, and tell user errors from bugs.
 */
export type MindletErrorCode =
  | 'NOT_FOUND' // a file, object, tensor or node that was named does not exist
  | 'INVALID_FORMAT' // bytes are not the format they claim to be (truncated, corrupted, not protobuf)
  | 'INVALID_GRAPH' // the file decodes but the graph is not valid (dangling input, cycle, bad shape)
  | 'UNSUPPORTED' // valid, but uses something mindlet does not implement (named)
  | 'DECRYPTION_FAILED' // encrypted model with a missing or wrong key
  | 'INVALID_ARGUMENT' // a caller passed something wrong (bad key format, bad option)
  | 'LIMIT_EXCEEDED'; // input over a configured bound

export interface MindletErrorOptions {
  /** The file (path or description) the error is about. */
  file?: string;
  /** The graph node the error is about, where there is one. */
  node?: string;
  cause?: unknown;
}

export class MindletError extends Error {
  readonly code: MindletErrorCode;
  readonly file: string | undefined;
  readonly node: string | undefined;

  constructor(code: MindletErrorCode, message: string, options: MindletErrorOptions = {}) {
    const where = [options.file, options.node ? `node ${options.node}` : undefined].filter(Boolean).join(': ');
    super(
      oneLine(where ? `${where}: ${message}` : message),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'MindletError';
    this.code = code;
    this.file = options.file;
    this.node = options.node;
  }
}

export function isMindletError(error: unknown): error is MindletError {
  return error instanceof MindletError;
}

/** Messages quote names from untrusted files: keep them one printable line of bounded length. */
const MAX_MESSAGE = 1000;

function oneLine(message: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is replaced
  const clean = message.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return clean.length > MAX_MESSAGE ? `${clean.slice(0, MAX_MESSAGE)}…` : clean;
}
