/**
 * Errors the protocols answer with: an HTTP status, a stable code and a one-line message. Library errors
 * (MindletError) map onto statuses here, once, so every route reports the same failure the same way.
 */
import { isMindletError } from '../errors.js';

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
