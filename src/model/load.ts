/**
 * One entry for every model format mindlet reads: MindIR (`.mindir`, protobuf) and MindSpore Lite (`.ms`,
 * FlatBuffers). The format is told from the bytes, not the file name: a `.ms` file carries "MSL2" at byte 4
 * (Lite 1.2+) or a root table whose version string names MindSpore Lite (1.0/1.1); anything else is MindIR.
 */
import path from 'node:path';
import { readModelFile } from '../graph/model-file.js';
import type { Model } from '../graph/types.js';
import { decodeMindir, type LoadOptions } from '../mindir/loader.js';
import { decodeMsLite, isMsLite } from '../mslite/loader.js';

export type ModelFormat = 'mindir' | 'mslite';

export function detectFormat(bytes: Uint8Array): ModelFormat {
  return isMsLite(bytes) ? 'mslite' : 'mindir';
}

/** Loads a model file or buffer of either format into the typed graph. */
export async function loadModel(source: string | Uint8Array, options: LoadOptions = {}): Promise<Model> {
  const bytes = typeof source === 'string' ? await readModelFile(source, options.maxBytes) : source;
  const label = options.label ?? (typeof source === 'string' ? source : undefined);
  return decodeModel(bytes, { ...options, label, externalDataDir: options.externalDataDir ?? externalDir(source) });
}

/** Decodes model bytes of either format synchronously. */
export function decodeModel(bytes: Uint8Array, options: LoadOptions = {}): Model {
  if (detectFormat(bytes) === 'mslite')
    return decodeMsLite(bytes, { label: options.label, maxBytes: options.maxBytes });
  return decodeMindir(bytes, options);
}

function externalDir(source: string | Uint8Array): string | undefined {
  return typeof source === 'string' ? path.dirname(path.resolve(source)) : undefined;
}
