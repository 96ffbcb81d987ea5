/**
 * The WebAssembly engine: the native engine's C++ kernels compiled to wasm32 (SIMD128) behind the same `Session`
 * API. Workers import ./engine.js directly (no `node:` imports there); this index adds the Node file loader.
 */
export { instantiateEngine, type WasmModule } from './engine.js';
export { loadWasmEngine, loadWasmSession, wasmEnginePath } from './node.js';
export { encodeGraphSpec } from './spec-encode.js';
export { WASM_ENGINE_FILE, type WasmEngine, type WasmSessionOptions } from './types.js';
