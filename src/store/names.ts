/**
 * Model names and versions travel from URLs into object keys and cache paths: both are checked against one strict
 * grammar so no request can reach outside `models/<name>/<version>/` (no '/', no '..', no control characters).
 */
import { MindletError } from '../errors.js';

/** Letters, digits, '.', '_', '-'; starts with a letter or digit; at most 64 characters. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Same grammar, at most 32 characters (KServe and MindSpore Serving versions are usually integers). */
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;

export function isValidModelName(name: string): boolean {
  return NAME.test(name) && !name.includes('..');
}

export function isValidModelVersion(version: string): boolean {
  return VERSION.test(version) && !version.includes('..');
}

export function checkModelName(name: string): string {
  if (!isValidModelName(name))
    throw new MindletError(
      'INVALID_ARGUMENT',
      `invalid model name ${JSON.stringify(name.slice(0, 80))}: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`,
    );
  return name;
}

export function checkModelVersion(version: string): string {
  if (!isValidModelVersion(version))
    throw new MindletError(
      'INVALID_ARGUMENT',
      `invalid model version ${JSON.stringify(version.slice(0, 80))}: use 1-32 letters, digits, '.', '_' or '-', starting with a letter or digit`,
    );
  return version;
}
