/** The engine part of mindlet: sessions over the native CPU engine. */
export { createSession, findUnsupportedOps, loadSession, supportedOps } from './session.js';
export type { NamedTensor, Session, SessionOptions, SessionStats, Tensor, TensorData } from './types.js';
