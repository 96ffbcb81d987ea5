/**
 * How the store's failures are sorted, on S3 and on the local disk alike: TransientStoreError (network, 5xx,
 * throttling, an object changing underneath) is worth a later retry; MindletError (missing, access denied, bad
 * request) is not. Every S3 and file error the store meets goes through `s3Error` or `fileError`; anything they do not
 * recognise (a bug, a credentials failure) passes through unchanged rather than being guessed at.
 */
import { MindletError } from '../errors.js';
import type { FileLocation, S3Location } from './uri.js';

/** Worth retrying later: the network, S3's 5xx and throttling, a body that kept breaking off. `cause` is kept. */
export class TransientStoreError extends Error {
  readonly code: 'TRANSIENT' | 'OBJECT_CHANGED' = 'TRANSIENT';
  readonly uri: string | undefined;

  constructor(message: string, options: { uri?: string; cause?: unknown } = {}) {
    super(
      options.uri ? `${options.uri}: ${message}` : message,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'TransientStoreError';
    this.uri = options.uri;
  }
}

/** The object is no longer the version being read (ETag, size or precondition); a retry reads the new version. */
export class ObjectChangedError extends TransientStoreError {
  override readonly code = 'OBJECT_CHANGED';

  constructor(message: string, options: { uri?: string; cause?: unknown } = {}) {
    super(message, options);
    this.name = 'ObjectChangedError';
  }
}

const THROTTLING_CODES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
]);
const TRANSIENT_CODES = new Set([
  'InternalError',
  'ServiceUnavailable',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'OperationAborted',
  'ExpiredToken',
]);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

interface SdkLikeError {
  name?: string;
  code?: string;
  message?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

/** S3's "no such key" (a HEAD's 404 carries no body, so a missing bucket looks the same). */
export function isMissing(error: unknown): boolean {
  const { name, $metadata } = (error ?? {}) as SdkLikeError;
  return name === 'NoSuchKey' || name === 'NotFound' || $metadata?.httpStatusCode === 404;
}

/** True for failures a later attempt may not meet: the network, S3's 5xx, throttling. */
function isTransient(error: unknown): boolean {
  const sdk = (error ?? {}) as SdkLikeError;
  const status = sdk.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  const code = sdk.Code ?? sdk.name ?? '';
  if (THROTTLING_CODES.has(code) || TRANSIENT_CODES.has(code)) return true;
  if (sdk.code !== undefined && NETWORK_CODES.has(sdk.code)) return true;
  return /socket hang up/i.test(sdk.message ?? '');
}

/**
 * What the failed request was doing. It decides what a missing object means (for a read of a version already opened,
 * 'pinned-read', that the object changed underneath) and which permission a 403 asks for.
 */
export type StoreAccess = 'read' | 'pinned-read' | 'write' | 'list';

// S3 answers 403 for a missing key when the caller may not list the bucket, so a read names both causes.
const READ_DENIED = 'the object may not exist, or the caller lacks s3:GetObject on it and s3:ListBucket on the bucket';

/** The permission each access needs, named in an access-denied message. */
const DENIED: Record<StoreAccess, string> = {
  read: READ_DENIED,
  'pinned-read': READ_DENIED,
  write: 'the caller lacks s3:PutObject on it',
  list: 'the caller lacks s3:ListBucket on the bucket',
};

/**
 * S3's answers sorted for the pipeline: the one mapping of S3 errors in the store. Access denied is NOT_FOUND, as
 * for a missing object: S3 itself answers 403 for a missing key when the caller may not list the bucket, so the two
 * cannot be told apart; the message names the permission to check.
 */
export function s3Error(error: unknown, location: S3Location, access: StoreAccess = 'read'): unknown {
  if (error instanceof MindletError || error instanceof TransientStoreError) return error;
  const sdk = (error ?? {}) as SdkLikeError;
  const status = sdk.$metadata?.httpStatusCode;
  const name = sdk.name ?? '';
  const uri = location.uri;
  if (name === 'NoSuchBucket')
    return new MindletError('NOT_FOUND', `no such bucket ${location.bucket}`, { file: uri, cause: error });
  if (name === 'PreconditionFailed' || status === 412 || name === 'InvalidRange' || status === 416)
    return new ObjectChangedError('the object changed while being read', { uri, cause: error });
  if (isMissing(error))
    return access === 'pinned-read'
      ? new ObjectChangedError('the object was deleted while being read', { uri, cause: error })
      : noSuchObject(location, error);
  if (name === 'AccessDenied' || name === 'Forbidden' || status === 403)
    return new MindletError('NOT_FOUND', `access denied (${DENIED[access]})`, { file: uri, cause: error });
  if (isTransient(sdk))
    return new TransientStoreError(`${name || 'request failed'}: ${sdk.message ?? ''}`.trim(), { uri, cause: error });
  if (status !== undefined && status >= 400)
    return new MindletError('INVALID_ARGUMENT', `S3 refused the request: ${name} (${status}) ${sdk.message ?? ''}`, {
      file: uri,
      cause: error,
    });
  return error;
}

/**
 * File system errors sorted the same way: permission denied is NOT_FOUND, as access denied is on S3; a file where a
 * folder should be is a missing file to a reader, and a path that cannot be created to a writer.
 */
export function fileError(error: unknown, location: FileLocation, access: 'read' | 'write' = 'read'): unknown {
  if (error instanceof MindletError || error instanceof TransientStoreError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || (code === 'ENOTDIR' && access === 'read'))
    return new MindletError('NOT_FOUND', 'no such file', { file: location.path, cause: error });
  if (code === 'EISDIR')
    return new MindletError('INVALID_ARGUMENT', 'is a directory, not a file', { file: location.path, cause: error });
  if (code === 'ENOTDIR' || code === 'EEXIST')
    return new MindletError('INVALID_ARGUMENT', 'a folder in the path is a file', {
      file: location.path,
      cause: error,
    });
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
    return new MindletError('NOT_FOUND', 'permission denied', { file: location.path, cause: error });
  if (code === 'ENOSPC' || code === 'EIO' || code === 'EMFILE' || code === 'ENFILE')
    return new TransientStoreError(`file system error ${code}`, { uri: location.uri, cause: error });
  return error;
}

/** A HEAD's 404 has no body, so a missing bucket looks like a missing key: the message allows for both. */
export function noSuchObject(location: S3Location, cause?: unknown): MindletError {
  return new MindletError('NOT_FOUND', 'no such object (or bucket)', {
    file: location.uri,
    ...(cause === undefined ? {} : { cause }),
  });
}

/** The one refusal of an object over a size limit; `size` when it is known before reading. */
export function tooLarge(uri: string, limit: number, size?: number): MindletError {
  const what =
    size === undefined ? `object is over ${limit} bytes` : `object is ${size} bytes, over the limit of ${limit}`;
  return new MindletError('LIMIT_EXCEEDED', what, { file: uri });
}

/** Options that count things (bytes, parts, pages, retries) are refused here, before any request is made. */
export function positiveInteger(value: number, name: string, allowZero = false): number {
  if (!Number.isSafeInteger(value) || value < (allowZero ? 0 : 1))
    throw new MindletError(
      'INVALID_ARGUMENT',
      `${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${value}`,
    );
  return value;
}
