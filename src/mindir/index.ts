/** The model part of mindlet: MindIR decoding, validation, shapes, profiles and checkpoints. */
export {
  type ApplyCheckpointResult,
  applyCheckpoint,
  type Checkpoint,
  decodeCheckpoint,
  readCheckpoint,
} from './checkpoint.js';
export { byteLength, DTYPE_SIZES, elementCount } from './dtype.js';
export { decryptMindir, encryptionMode, isEncryptedMindir, parseKey } from './encryption.js';
export { decodeMindir, type LoadOptions, loadMindir } from './loader.js';
export { BOOKKEEPING_OPS, profileModel } from './profile.js';
export { inferShapes } from './shape-inference.js';
export { tensorIntegers, tensorView } from './tensors.js';
export type * from './types.js';
