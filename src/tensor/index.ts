/**
 * Tensors at the edges: the tensor types, float16/bfloat16, numpy's `.npy` and `.npz` (a zip of `.npy` members),
 * and the JSON and binary tensor codecs of KServe v2 and MindSpore Serving.
 */
export { bfloat16BitsToNumber, float16BitsToNumber, float32ToBfloat16Bits, float32ToFloat16Bits } from './float16.js';
export { decodeNpy, encodeNpy, npyArrayType } from './npy.js';
export { decodeNpz, encodeNpz } from './npz.js';
export type { NamedTensor, StringTensor, Tensor, TensorData } from './types.js';
export { readZip, writeZip, type ZipEntry, type ZipReadOptions } from './zip.js';
