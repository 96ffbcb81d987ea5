/**
 * The format-neutral model: the typed graph both decoders (MindIR, MindSpore Lite) produce, dtypes, typed arrays over
 * tensor bytes, shape and dtype inference, and the profile (FLOPs, memory).
 */
export { byteLength, DTYPE_SIZES, elementCount } from './dtype.js';
export { BOOKKEEPING_OPS, profileModel } from './profile.js';
export { inferShapes } from './shape-inference.js';
export { tensorIntegers, tensorView, typedArrayConstructor } from './typed-arrays.js';
export type * from './types.js';
