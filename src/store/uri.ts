/**
 * Model URIs: `s3://bucket/key`, `file:///abs/path` or a plain path. URIs arrive from configuration and requests, so
 * S3 keys are held to a grammar that cannot climb out of their prefix ('..', '.', empty segments) or smuggle control
 * characters into logs and cache names.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MindletError } from '../errors.js';

export type ModelLocation =
  | { kind: 's3'; bucket: string; key: string; uri: string }
  | { kind: 'file'; path: string; uri: string };

export type S3Location = Extract<ModelLocation, { kind: 's3' }>;
export type FileLocation = Extract<ModelLocation, { kind: 'file' }>;

/** An S3 "folder" a model is published under: `prefix` is '' or ends with '/'. */
export interface S3Prefix {
  bucket: string;
  prefix: string;
}

/** S3's limit on object key length, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;

/** s3://bucket/key, file:///abs/path, or a plain path (relative → resolved against cwd). */
export function parseModelUri(uri: string): ModelLocation {
  if (typeof uri !== 'string' || uri.length === 0) throw invalid(uri, 'empty model URI');
  if (CONTROL.test(uri)) throw invalid(uri, 'control characters are not allowed');
  const scheme = SCHEME.exec(uri)?.[1]?.toLowerCase();
  if (scheme === 's3') {
    const { bucket, rest } = splitS3(uri);
    checkKey(uri, rest);
    return s3Location(bucket, rest);
  }
  if (scheme === 'file') return fileLocation(filePath(uri));
  if (scheme !== undefined) throw invalid(uri, `unsupported scheme "${scheme}:"; use s3://, file:// or a path`);
  return fileLocation(path.resolve(uri));
}

/** `s3://bucket`, `s3://bucket/` or `s3://bucket/prefix/` (a trailing '/' is required for a prefix). */
export function parseS3Prefix(uri: string): S3Prefix {
  if (typeof uri !== 'string' || CONTROL.test(uri)) throw invalid(uri, 'control characters are not allowed');
  if (SCHEME.exec(uri)?.[1]?.toLowerCase() !== 's3') throw invalid(uri, 'expected an s3://bucket/prefix/ URI');
  const { bucket, rest } = splitS3(uri);
  if (rest === '') return { bucket, prefix: '' };
  if (!rest.endsWith('/'))
    throw invalid(uri, `a destination prefix must end with '/' (s3://${bucket}/${rest}/), or name only the bucket`);
  checkKey(uri, rest.slice(0, -1));
  return { bucket, prefix: rest };
}

/** The object named `fileName` in the same "directory" (used for mindlet.json beside the model). */
export function siblingLocation(location: ModelLocation, fileName: string): ModelLocation {
  if (!fileName || fileName === '.' || fileName === '..' || /[/\\]/.test(fileName) || CONTROL.test(fileName))
    throw new MindletError('INVALID_ARGUMENT', `invalid file name ${JSON.stringify(fileName)}: expected a bare name`);
  if (location.kind === 'file') return fileLocation(path.join(path.dirname(location.path), fileName));
  const key = location.key.slice(0, location.key.lastIndexOf('/') + 1) + fileName;
  checkKey(`s3://${location.bucket}/${key}`, key);
  return s3Location(location.bucket, key);
}

/** Accepts a URI string or an already parsed location. */
export function toModelLocation(uri: string | ModelLocation): ModelLocation {
  return typeof uri === 'string' ? parseModelUri(uri) : uri;
}

export function s3Location(bucket: string, key: string): S3Location {
  return { kind: 's3', bucket, key, uri: `s3://${bucket}/${key}` };
}

/**
 * General purpose bucket rules: 3-63 characters of a-z 0-9 '.' '-', starting and ending with a letter or digit, no
 * '..', no '.-' or '-.', not an IP address. (Access point aliases and directory buckets fit these rules too.)
 */
export function isValidBucketName(bucket: string): boolean {
  return (
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) &&
    !/\.\.|\.-|-\./.test(bucket) &&
    !/^\d{1,3}(\.\d{1,3}){3}$/.test(bucket)
  );
}

function splitS3(uri: string): { bucket: string; rest: string } {
  const body = uri.slice('s3://'.length);
  const slash = body.indexOf('/');
  const bucket = slash < 0 ? body : body.slice(0, slash);
  if (!isValidBucketName(bucket))
    throw invalid(
      uri,
      `invalid bucket name ${JSON.stringify(bucket.slice(0, 80))}: 3-63 lowercase letters, digits, '.' or '-'`,
    );
  return { bucket, rest: slash < 0 ? '' : body.slice(slash + 1) };
}

function checkKey(uri: string, key: string): void {
  if (key === '') throw invalid(uri, 'the object key is empty; expected s3://bucket/path/to/model');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw invalid(uri, `the key is over ${MAX_KEY_BYTES} bytes`);
  if (CONTROL.test(key)) throw invalid(uri, 'control characters are not allowed');
  for (const segment of key.split('/')) {
    if (segment === '' || segment === '.' || segment === '..')
      throw invalid(uri, "key segments must not be empty, '.' or '..'");
  }
}

function filePath(uri: string): string {
  let resolved: string;
  try {
    resolved = fileURLToPath(uri);
  } catch (error) {
    throw invalid(uri, (error as Error).message);
  }
  if (CONTROL.test(resolved)) throw invalid(uri, 'control characters are not allowed');
  return resolved;
}

function fileLocation(absolute: string): FileLocation {
  return { kind: 'file', path: absolute, uri: pathToFileURL(absolute).href };
}

function invalid(uri: unknown, reason: string): MindletError {
  const shown = typeof uri === 'string' ? JSON.stringify(uri.slice(0, 200)) : String(uri);
  return new MindletError('INVALID_ARGUMENT', `invalid model URI ${shown}: ${reason}`);
}
