/**
 * The MindIR loader: bytes or a path → a validated, typed Model. Decrypts when the file is encrypted, decodes the
 * protobuf (weights stay views of the file buffer), builds the clean graphs and infers shapes.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MindletError } from '../errors.js';
import { fileError, readModelFile } from '../graph/model-file.js';
import type { Model } from '../graph/types.js';
import { decodeMindirPlain } from './decode.js';
import { decryptMindir, isEncryptedMindir, parseKey } from './encryption.js';

export interface LoadOptions {
  /** Decryption key for models exported with enc_key: hex string or bytes (16, 24 or 32 bytes). */
  key?: string | Uint8Array;
  /** Name used in errors and `Model.source` when loading from a buffer. */
  label?: string;
  /** Folder holding external weight files, when loading from a buffer (a path defaults to its own folder). */
  externalDataDir?: string;
  /** Refuse files larger than this many bytes (default: no limit beyond Node's 2 GiB buffer ceiling). */
  maxBytes?: number;
}

/** Loads a MindIR model from a file path or from bytes already in memory. */
export async function loadMindir(source: string | Uint8Array, options: LoadOptions = {}): Promise<Model> {
  if (typeof source !== 'string') return decodeMindir(source, options);
  const bytes = await readModelFile(source, options.maxBytes);
  return decodeMindir(bytes, {
    ...options,
    label: options.label ?? source,
    externalDataDir: options.externalDataDir ?? path.dirname(path.resolve(source)),
  });
}

/** Decodes MindIR bytes synchronously (external weight files are read synchronously too). */
export function decodeMindir(bytes: Uint8Array, options: LoadOptions = {}): Model {
  const file = options.label ?? '<buffer>';
  const encrypted = isEncryptedMindir(bytes);
  const key = options.key;
  // A malformed key is the caller's mistake even when this file turns out not to be encrypted.
  if (key !== undefined) parseKeyForFile(key, file);
  const plain = encrypted ? decryptMindir(bytes, key, file) : bytes;
  const readExternal = externalReader(file, options.externalDataDir, encrypted ? key : undefined);
  return decodeMindirPlain(plain, { file, encrypted, readExternal });
}

/** External weight files are resolved inside the model's folder only: a location may not climb out of it. */
function externalReader(file: string, dir: string | undefined, key: string | Uint8Array | undefined) {
  const cache = new Map<string, Uint8Array>();
  return (location: string): Uint8Array => {
    const cached = cache.get(location);
    if (cached) return cached;
    if (!dir) {
      throw new MindletError(
        'INVALID_ARGUMENT',
        `weights are in external file "${location}"; load the model from its path`,
        { file },
      );
    }
    const root = path.resolve(dir);
    const target = path.resolve(root, location);
    if (path.isAbsolute(location) || location.includes('\0') || !target.startsWith(root + path.sep)) {
      throw new MindletError('INVALID_FORMAT', `external data location "${location}" is outside the model's folder`, {
        file,
      });
    }
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(target);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT')
        throw new MindletError('NOT_FOUND', `external weight file ${location} is missing`, { file });
      throw fileError(error, target);
    }
    // Weight files carry tensor bytes, not protobuf: decrypt without the protobuf-shape check.
    if (isEncryptedMindir(bytes)) bytes = decryptMindir(bytes, key, target, { content: 'raw' });
    // MindSpore's weight files start with a byte-order flag (1 = little-endian), as its own loader checks.
    if (bytes.byteLength > 0 && bytes[0] !== 1) {
      throw new MindletError(
        'UNSUPPORTED',
        `external weight file ${location} was written big-endian (flag ${bytes[0]})`,
        { file },
      );
    }
    cache.set(location, bytes);
    return bytes;
  };
}

function parseKeyForFile(key: string | Uint8Array, file: string): void {
  try {
    parseKey(key);
  } catch (error) {
    throw new MindletError('INVALID_ARGUMENT', (error as Error).message, { file });
  }
}
