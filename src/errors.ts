/**
 * The project's two error types. MindletError: every failure a user can cause (bad file, bad key, bad input), so the
 * CLI and the servers can print a one-line message without a stack trace, and tell user errors from bugs.
 * ServingError: what the inference protocols answer with (an HTTP status, a stable code, a one-line message), raised
 * by the tensor codecs and the serving routes alike; library errors map onto it once, in `toServingError`.
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

/** Request text echoed in messages, cut short so a long path or name cannot bloat an error. */
export function clip(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export type ServingStatus = 400 | 404 | 405 | 413 | 415 | 422 | 500 | 503 | 507;

export type ServingErrorCode =
  | 'BAD_REQUEST' // 400: the request cannot be parsed (bad JSON, bad binary header, data not matching its shape)
  | 'NOT_FOUND' // 404: unknown route, model, version or method
  | 'METHOD_NOT_ALLOWED' // 405: known route, wrong HTTP method
  | 'PAYLOAD_TOO_LARGE' // 413: body or tensor over a configured bound
  | 'UNSUPPORTED_MEDIA_TYPE' // 415: content type the route does not take
  | 'INVALID_INPUT' // 422: well-formed, but does not match the model's signature (dtype, rank, dims, names)
  | 'INTERNAL' // 500: a bug or an engine failure
  | 'UNAVAILABLE' // 503: model known but not ready (loading, load failed)
  | 'MODEL_TOO_LARGE'; // 507: the model cannot fit this server's memory (refused before loading; retrying won't help)

const CODE_STATUS: Record<ServingErrorCode, ServingStatus> = {
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INVALID_INPUT: 422,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  MODEL_TOO_LARGE: 507,
};

export class ServingError extends Error {
  readonly code: ServingErrorCode;
  readonly status: ServingStatus;

  constructor(code: ServingErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ServingError';
    this.code = code;
    this.status = CODE_STATUS[code];
  }
}

/** Any thrown value as a ServingError: user-caused library errors keep their message; anything else is INTERNAL. */
export function toServingError(error: unknown): ServingError {
  if (error instanceof ServingError) return error;
  if (isMindletError(error)) {
    switch (error.code) {
      case 'NOT_FOUND':
        return new ServingError('NOT_FOUND', error.message, { cause: error });
      case 'INVALID_ARGUMENT':
      case 'UNSUPPORTED':
        return new ServingError('INVALID_INPUT', error.message, { cause: error });
      case 'LIMIT_EXCEEDED':
        return new ServingError('PAYLOAD_TOO_LARGE', error.message, { cause: error });
      case 'INVALID_FORMAT':
        return new ServingError('BAD_REQUEST', error.message, { cause: error });
      default:
        return new ServingError('INTERNAL', error.message, { cause: error });
    }
  }
  // Internal details (stacks, paths) stay in the log, not in the response.
  return new ServingError('INTERNAL', 'internal error', { cause: error });
}
