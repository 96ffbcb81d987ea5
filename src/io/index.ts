/** Array files: numpy's `.npy` and `.npz` (a zip of `.npy` members). */
export { decodeNpy, encodeNpy, npyArrayType } from './npy.js';
export { decodeNpz, encodeNpz } from './npz.js';
export { readZip, writeZip, type ZipEntry, type ZipReadOptions } from './zip.js';
