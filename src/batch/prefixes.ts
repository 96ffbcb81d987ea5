/**
 * Input and output "folders" of a batch: `s3://bucket/prefix/` or a local directory. An input object's output and
 * status objects sit under the output prefix at the same relative key, so mapping keys is the one thing that must
 * never be wrong: keys outside the input prefix are refused, and the two prefixes may not overlap (outputs landing
 * under the input prefix would trigger the batch again, forever).
 */
import path from 'node:path';
import { MindletError } from '../errors.js';
import { parseModelUri, parseS3Prefix } from '../store/uri.js';

export type BatchPrefix =
  | { kind: 's3'; bucket: string; prefix: string; uri: string }
  | { kind: 'file'; dir: string; uri: string };

/** Suffix of the status object written beside each output. */
export const STATUS_SUFFIX = '.status.json';
/** Written at the output prefix's root: which input prefix and model the outputs come from (for `batch status`). */
export const BATCH_MARKER = '_mindlet-batch.json';

/** `s3://bucket/prefix/` (a missing trailing '/' is added), `s3://bucket`, `file:///dir` or a directory path. */
export function parseBatchPrefix(uri: string): BatchPrefix {
  if (/^s3:\/\//i.test(uri)) {
    const withSlash = /^s3:\/\/[^/]+$/i.test(uri) || uri.endsWith('/') ? uri : `${uri}/`;
    const { bucket, prefix } = parseS3Prefix(withSlash);
    return { kind: 's3', bucket, prefix, uri: `s3://${bucket}/${prefix}` };
  }
  const location = parseModelUri(uri);
  if (location.kind !== 'file') throw new MindletError('INVALID_ARGUMENT', `unsupported batch location ${uri}`);
  return { kind: 'file', dir: location.path, uri: location.path };
}

/** The key of `inputUri` relative to `prefix` ('/'-separated), or undefined when it lies outside. */
export function relativeKey(prefix: BatchPrefix, inputUri: string): string | undefined {
  const location = parseModelUri(inputUri);
  if (prefix.kind === 's3') {
    if (location.kind !== 's3' || location.bucket !== prefix.bucket || !location.key.startsWith(prefix.prefix))
      return undefined;
    const rest = location.key.slice(prefix.prefix.length);
    return rest === '' ? undefined : rest;
  }
  if (location.kind !== 'file') return undefined;
  const rest = path.relative(prefix.dir, location.path);
  if (rest === '' || rest.startsWith('..') || path.isAbsolute(rest)) return undefined;
  return rest.split(path.sep).join('/');
}

/** The URI of `relative` ('/'-separated) under `prefix`. */
export function joinPrefix(prefix: BatchPrefix, relative: string): string {
  if (prefix.kind === 's3') return parseModelUri(`s3://${prefix.bucket}/${prefix.prefix}${relative}`).uri;
  return path.join(prefix.dir, ...relative.split('/'));
}

/** Refuses an output prefix inside the input prefix or the other way round (same bucket or directory tree). */
export function checkDisjoint(input: BatchPrefix, output: BatchPrefix): void {
  const nested = (a: string, b: string) => a.startsWith(b) || b.startsWith(a);
  const overlap =
    input.kind === 's3' && output.kind === 's3'
      ? input.bucket === output.bucket && nested(input.prefix, output.prefix)
      : input.kind === 'file' && output.kind === 'file'
        ? nested(`${input.dir}${path.sep}`, `${output.dir}${path.sep}`)
        : false;
  if (overlap)
    throw new MindletError(
      'INVALID_ARGUMENT',
      `output ${output.uri} and input ${input.uri} overlap: outputs written under the input prefix would be read as new inputs; use disjoint prefixes (for example in/ and out/)`,
    );
}
