/** mindlet's public API. */
export { isMindletError, MindletError, type MindletErrorCode } from './errors.js';
export * from './io/index.js';
export * from './mindir/index.js';
export * from './runtime/index.js';
