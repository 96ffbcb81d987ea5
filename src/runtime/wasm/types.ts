/**
 * The WebAssembly engine contract: the same C++ kernels as the native addon, compiled to wasm32 with SIMD128,
 * behind the same `Session` API. Works wherever WebAssembly does (Node, Cloudflare Workers): nothing here or in the
 * module implementing it imports `node:*`; the Node-only file loader lives apart (wasm/node.ts).
 */
import type { Model } from '../../graph/types.js';
import type { Session } from '../types.js';

/** The engine, committed prebuilt: `layers/native-runtime/prebuilt/mindlet-engine.wasm` (rebuilt by `npm run build:wasm`). */
export const WASM_ENGINE_FILE = 'mindlet-engine.wasm';

export interface WasmSessionOptions {
  /** How many distinct input shapes keep a ready execution plan. Default: 4. */
  planCacheSize?: number;
  /** Time every kernel call, summed per op (`stats().opTimes`). Default: false. */
  profile?: boolean;
  /**
   * Keep the encoded graph (about the size of the model's weights) so the session can rebuild itself in a fresh
   * instance when an engine error elsewhere reset the shared one (see WasmEngine.resets). Default: true. With
   * false, such a session throws INVALID_ARGUMENT ("create it again") instead.
   */
  recreateAfterReset?: boolean;
}

/**
 * One instantiated engine module. Sessions made by it run one at a time (single-threaded wasm), each `run` on the
 * calling JS thread. An engine error traps the module: the error is thrown as the native engine's MindletError
 * would be, and the trapped instance is never used again.
 */
export interface WasmEngine {
  /** Primitives the engine runs (the same registry as the native addon). */
  supportedOps(): ReadonlySet<string>;
  /** Plans a loaded model; throws MindletError UNSUPPORTED naming unknown ops, like the native `createSession`. */
  createSession(model: Model, options?: WasmSessionOptions): Session;
  /** Bytes of the wasm linear memory now (it only grows); 0 while no instance is live. */
  memoryBytes(): number;
  /**
   * How many times an engine error (a wasm trap) discarded the instance. The next call makes a fresh one and the
   * engine's sessions rebuild themselves in it on their next use (plan caches and profiles start over).
   */
  resets(): number;
}

/**
 * Implemented in wasm/engine.ts:
 *   instantiateEngine(source: WebAssembly.Module | ArrayBuffer | ArrayBufferView): Promise<WasmEngine>
 *     (Workers import the .wasm as a compiled WebAssembly.Module; Node passes the file's bytes)
 * and, Node only, in wasm/node.ts:
 *   loadWasmEngine(path?: string): Promise<WasmEngine>   (default: the built WASM_ENGINE_FILE in the package)
 *   loadWasmSession(model: string | Uint8Array | Model, options?: WasmSessionOptions): Promise<Session>
 */
