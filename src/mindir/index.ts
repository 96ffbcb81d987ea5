/** The model part of mindlet: MindIR decoding, validation, shapes, profiles and checkpoints. */

export { byteLength, DTYPE_SIZES, elementCount } from '../graph/dtype.js';
export { BOOKKEEPING_OPS, profileModel } from '../graph/profile.js';
export { inferShapes } from '../graph/shape-inference.js';
export { tensorIntegers, tensorView } from '../graph/typed-arrays.js';
export type * from '../graph/types.js';
export {
  type ApplyCheckpointResult,
  applyCheckpoint,
  type Checkpoint,
  decodeCheckpoint,
  readCheckpoint,
} from './checkpoint.js';
export { decryptMindir, encryptionMode, isEncryptedMindir, parseKey } from './encryption.js';
export { decodeMindir, type LoadOptions, loadMindir } from './loader.js';
