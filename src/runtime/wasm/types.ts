/**
 * The WebAssembly engine contract: the same C++ kernels as the native addon, compiled to wasm32 with SIMD128,
 * behind the same `Session` API. Works wherever WebAssembly does (Node, Cloudflare Workers): nothing here or in the
 * module implementing it imports `node:*`; the Node-only file loader lives apart (wasm/node.ts).
 */
import type { Model } from '../../mindir/types.js';
import type { Session } from '../types.js';

/** The built engine: `layers/native-runtime/dist/mindlet-engine.wasm` (`npm run build:wasm`). */
export const WASM_ENGINE_FILE = 'mindlet-engine.wasm';

export interface WasmSessionOptions {
  /** How many distinct input shapes keep a ready execution plan. Default: 4. */
  planCacheSize?: number;
  /** Time every kernel call, summed per op (`stats().opTimes`). Default: false. */
  profile?: boolean;
}

/** One instantiated engine module. Sessions made by it run one at a time (single-threaded wasm). */
export interface WasmEngine {
  /** Primitives the engine runs (the same registry as the native addon). */
  supportedOps(): ReadonlySet<string>;
  /** Plans a loaded model; throws MindletError UNSUPPORTED naming unknown ops, like the native `createSession`. */
  createSession(model: Model, options?: WasmSessionOptions): Session;
  /** Bytes of the wasm linear memory now (it only grows). */
  memoryBytes(): number;
}

/**
 * Implemented in wasm/engine.ts:
 *   instantiateEngine(source: WebAssembly.Module | ArrayBuffer | ArrayBufferView): Promise<WasmEngine>
 *     (Workers import the .wasm as a compiled WebAssembly.Module; Node passes the file's bytes)
 * and, Node only, in wasm/node.ts:
 *   loadWasmEngine(path?: string): Promise<WasmEngine>   (default: the built WASM_ENGINE_FILE in the package)
 *   loadWasmSession(model: string | Uint8Array | Model, options?: WasmSessionOptions): Promise<Session>
 */
