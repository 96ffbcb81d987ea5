/** numpy's `.npz`: a zip archive of `.npy` members, one per named array ("x.npy" holds the array "x"). */
import { MindletError } from '../errors.js';
import { decodeNpy, encodeNpy } from './npy.js';
import type { Tensor } from './types.js';
import { readZip, writeZip, type ZipReadOptions } from './zip.js';

/** Decodes every member as `.npy`; keys are member names without the `.npy` suffix, in archive order. */
export function decodeNpz(bytes: Uint8Array, label = '.npz data', options: ZipReadOptions = {}): Map<string, Tensor> {
  const arrays = new Map<string, Tensor>();
  for (const entry of readZip(bytes, label, options)) {
    const name = entry.name.endsWith('.npy') ? entry.name.slice(0, -4) : entry.name;
    if (arrays.has(name))
      throw new MindletError('INVALID_FORMAT', `array ${JSON.stringify(name)} appears twice`, { file: label });
    arrays.set(name, decodeNpy(entry.data, `${label}: ${entry.name}`));
  }
  return arrays;
}

/** Encodes arrays as an uncompressed `.npz`, as `numpy.savez` writes it. */
export function encodeNpz(arrays: ReadonlyMap<string, Tensor>, label = '.npz data'): Uint8Array {
  const entries = [...arrays].map(([name, tensor]) => ({
    name: `${name}.npy`,
    data: encodeNpy(tensor, `${label}: ${name}`),
  }));
  return writeZip(entries, label);
}
