/**
 * The MindSpore Lite loader: `.ms` bytes or a path → the same typed Model the MindIR loader produces. Decodes
 * the FlatBuffer (either schema generation), lowers Lite's primitives to MindSpore's, cancels layout transposes
 * and infers shapes (decode-model.ts, which reads no files).
 */
import { readModelFile } from '../graph/model-file.js';
import type { Model } from '../graph/types.js';
import { decodeMsLite, type MsLiteLoadOptions } from './decode-model.js';

export { decodeMsLite, isMsLite, type MsLiteLoadOptions } from './decode-model.js';

export async function loadMsLite(source: string | Uint8Array, options: MsLiteLoadOptions = {}): Promise<Model> {
  if (typeof source !== 'string') return decodeMsLite(source, options);
  const bytes = await readModelFile(source, options.maxBytes);
  return decodeMsLite(bytes, { ...options, label: options.label ?? source });
}
