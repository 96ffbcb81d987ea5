/** mindlet's public API. */
export { isMindletError, MindletError, type MindletErrorCode } from './errors.js';
export * from './mindir/index.js';
export { decodeModel, detectFormat, loadModel, type ModelFormat } from './model/load.js';
export { decodeMsLite, isMsLite, loadMsLite, type MsLiteLoadOptions } from './mslite/loader.js';
export * from './runtime/index.js';
export * from './tensor/index.js';
