/**
 * Model bytes of either format → the typed Model, with nothing from `node:*` on the import path, for runtimes that
 * have no file system (Cloudflare Workers). Two things need Node: external weight files (refused here: there is no
 * folder to read them from) and encrypted MindIR (decryption uses node:crypto; callers refuse a manifest that declares
 * encryption before fetching, and undeclared ciphertext fails here as an invalid MindIR file).
 */
import { MindletError } from '../errors.js';
import type { Model } from '../graph/types.js';
import { decodeMindirPlain } from '../mindir/decode.js';
import { decodeMsLite, isMsLite } from '../mslite/decode-model.js';

export interface PortableDecodeOptions {
  /** Name used in errors and `Model.source`. Default: '<buffer>'. */
  label?: string;
  /** Refuse models larger than this many bytes. Default: no limit. */
  maxBytes?: number;
}

/** Decodes an unencrypted `.mindir` or `.ms` model held in memory. */
export function decodePortableModel(bytes: Uint8Array, options: PortableDecodeOptions = {}): Model {
  const file = options.label ?? '<buffer>';
  if (options.maxBytes !== undefined && bytes.byteLength > options.maxBytes)
    throw new MindletError(
      'LIMIT_EXCEEDED',
      `model is ${bytes.byteLength} bytes, over the limit of ${options.maxBytes}`,
      {
        file,
      },
    );
  if (isMsLite(bytes)) return decodeMsLite(bytes, { label: file });
  return decodeMindirPlain(bytes, {
    file,
    encrypted: false,
    readExternal: (location) => {
      throw new MindletError(
        'UNSUPPORTED',
        `weights are in external file "${location}"; models with external weight files need a file system (serve them with Node or Lambda)`,
        { file },
      );
    },
  });
}
