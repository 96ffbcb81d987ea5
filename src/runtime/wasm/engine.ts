/**
 * `instantiateEngine`: the engine compiled to WebAssembly (layers/native-runtime/scripts/build-wasm.sh) behind the
 * same `Session` API as the native addon. The graph goes in once as a binary description (spec-encode.ts); each run
 * copies its inputs into wasm memory and its outputs out. Inputs are checked here, as for the native engine
 * (session-io.ts), before any byte reaches C++.
 *
 * Engine errors trap: the C++ side records a code and message at a fixed address (engine/fail.h) and executes
 * `unreachable`, since the wasm build has no exceptions. The trapped instance is discarded, never called again;
 * the next call instantiates the compiled module afresh, and sessions rebuild themselves there from the encoded
 * graph they keep (WasmSessionOptions.recreateAfterReset).
 *
 * No `node:` imports and no WASI host: the few WASI imports the module has (clock, stdio from libc) get a minimal
 * shim, so this runs wherever WebAssembly does (Node, Cloudflare Workers).
 */
import { MindletError } from '../../errors.js';
import type { Model, TensorInfo } from '../../graph/types.js';
import { buildGraphSpec } from '../graph-spec.js';
import {
  assertSupported,
  type EngineInput,
  type EngineOutput,
  engineError,
  prepareInputs,
  signature,
  wrapOutputs,
} from '../session-io.js';
import type { NamedTensor, Session, SessionStats, Tensor } from '../types.js';
import { encodeGraphSpec } from './spec-encode.js';
import type { WasmEngine, WasmSessionOptions } from './types.js';

/** A compiled `WebAssembly.Module` (this project's TypeScript lib has no WebAssembly types, so it is opaque here). */
export type WasmModule = object;

interface WasmImportDescriptor {
  module: string;
  name: string;
  kind: string;
}
type Imports = Record<string, Record<string, unknown>>;
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
/** The part of the global `WebAssembly` object used here. */
interface WasmApi {
  Module: {
    new (bytes: ArrayBuffer | ArrayBufferView): WasmModule;
    imports(module: WasmModule): WasmImportDescriptor[];
  };
  Instance: new (module: WasmModule, imports: Imports) => WasmInstance;
  compile(bytes: ArrayBuffer | ArrayBufferView): Promise<WasmModule>;
  instantiate(module: WasmModule, imports: Imports): Promise<WasmInstance>;
}

/** The C ABI of src/wasm/binding.cc (addresses are u32 offsets into the memory). */
interface Exports {
  memory: WasmMemory;
  _initialize(): void;
  mindlet_malloc(bytes: number): number;
  mindlet_free(ptr: number): void;
  mindlet_fail_record(): number;
  mindlet_registered_ops(): number;
  mindlet_session_create(spec: number, length: number, planCacheSize: number, profile: number): number;
  mindlet_session_destroy(session: number): void;
  mindlet_session_run(session: number, desc: number, length: number): number;
  mindlet_result_desc(result: number): number;
  mindlet_result_free(result: number): void;
  mindlet_session_stats(session: number): number;
}

const EXPORTED_FUNCTIONS = [
  '_initialize',
  'mindlet_malloc',
  'mindlet_free',
  'mindlet_fail_record',
  'mindlet_registered_ops',
  'mindlet_session_create',
  'mindlet_session_destroy',
  'mindlet_session_run',
  'mindlet_result_desc',
  'mindlet_result_free',
  'mindlet_session_stats',
] as const;

/** engine/fail.h's FailRecord: char code[32]; char message[4096]. */
const FAIL_CODE_BYTES = 32;
const FAIL_MESSAGE_BYTES = 4096;
const INPUTS_MAGIC = 0x3149534d; // "MSI1"
/** Kept of what the module wrote to stdout/stderr (libc++ diagnostics before an abort), for the error message. */
const STDIO_KEEP = 2000;

const utf8 = new TextEncoder();
const utf8Decode = new TextDecoder();

function wasmApi(): WasmApi {
  const api = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (!api) throw new MindletError('UNSUPPORTED', 'this JavaScript runtime has no WebAssembly');
  return api;
}

/** Compiles (unless given a compiled module) and instantiates the engine. */
export async function instantiateEngine(source: WasmModule | ArrayBuffer | ArrayBufferView): Promise<WasmEngine> {
  const api = wasmApi();
  let module: WasmModule;
  try {
    module = source instanceof ArrayBuffer || ArrayBuffer.isView(source) ? await api.compile(source) : source;
  } catch (error) {
    throw new MindletError('INVALID_FORMAT', `the WebAssembly engine does not compile: ${messageOf(error)}`, {
      cause: error,
    });
  }
  const host = new Host(api, module);
  await host.start();
  return new Engine(host);
}

/** One live instance: its exports and where its error record lives. */
interface Live {
  readonly generation: number;
  readonly exports: Exports;
  failRecord: number;
  stdio: string;
}

/** Owns the compiled module and the current instance; replaces the instance after a trap. */
class Host {
  private live: Live | undefined;
  private generation = 0;
  private resetCount = 0;
  ops: ReadonlySet<string> = new Set();

  constructor(
    private readonly api: WasmApi,
    private readonly module: WasmModule,
  ) {}

  /** The first instance, made asynchronously (a large module may not instantiate synchronously everywhere). */
  async start(): Promise<void> {
    const holder: { live?: Live } = {};
    let instance: WasmInstance;
    try {
      instance = await this.api.instantiate(this.module, this.imports(holder));
    } catch (error) {
      throw new MindletError('INVALID_FORMAT', `the WebAssembly engine does not instantiate: ${messageOf(error)}`, {
        cause: error,
      });
    }
    this.adopt(instance, holder);
    this.ops = new Set(this.call('', (x) => readCString(x.memory, x.mindlet_registered_ops())).split('\n'));
  }

  get resets(): number {
    return this.resetCount;
  }

  /** The live instance's memory size, without making one. */
  memoryBytes(): number {
    return this.live?.exports.memory.buffer.byteLength ?? 0;
  }

  /** The live instance, made (synchronously, from the compiled module) when the last one trapped. */
  current(): Live {
    if (this.live) return this.live;
    const holder: { live?: Live } = {};
    return this.adopt(new this.api.Instance(this.module, this.imports(holder)), holder);
  }

  isLive(generation: number): boolean {
    return this.live?.generation === generation;
  }

  /**
   * Runs `fn` on the live instance. Any exception out of wasm (a trap, or a shim's error) discards the instance and
   * becomes the error the native engine would throw: the recorded code and message, else an internal error.
   */
  call<T>(file: string, fn: (exports: Exports, live: Live) => T): T {
    const live = this.current();
    try {
      return fn(live.exports, live);
    } catch (error) {
      if (this.live === live) {
        this.live = undefined;
        this.resetCount += 1;
      }
      throw this.failure(live, error, file);
    }
  }

  private failure(live: Live, error: unknown, file: string): Error {
    const memory = live.exports.memory;
    const code = readCString(memory, live.failRecord, FAIL_CODE_BYTES);
    if (code) {
      const message = readCString(memory, live.failRecord + FAIL_CODE_BYTES, FAIL_MESSAGE_BYTES);
      return engineError(Object.assign(new Error(message, { cause: error }), { code }), file);
    }
    // No recorded error: a bug (a libc++ abort, a stack overflow), never the user's input.
    const stdio = live.stdio.trim();
    return engineError(
      new Error(`the WebAssembly engine trapped: ${messageOf(error)}${stdio ? ` (it wrote: ${stdio})` : ''}`, {
        cause: error,
      }),
      file,
    );
  }

  private adopt(instance: WasmInstance, holder: { live?: Live }): Live {
    for (const name of EXPORTED_FUNCTIONS) {
      if (typeof instance.exports[name] !== 'function') {
        throw new MindletError('INVALID_FORMAT', `the WebAssembly engine does not export ${name}: rebuild it`);
      }
    }
    const exports = instance.exports as unknown as Exports;
    this.generation += 1;
    const live: Live = { generation: this.generation, exports, failRecord: 0, stdio: '' };
    holder.live = live;
    try {
      // Static constructors (the kernel registry) run here: a trap now means a broken build.
      exports._initialize();
      live.failRecord = exports.mindlet_fail_record();
    } catch (error) {
      throw new MindletError('INVALID_FORMAT', `the WebAssembly engine does not initialize: ${messageOf(error)}`, {
        cause: error,
      });
    }
    this.live = live;
    return live;
  }

  /**
   * The WASI functions the module imports, from the module's own import list: a clock, and stdio that libc keeps
   * (text is kept for error messages, never printed). Anything else fails loudly if it is ever called.
   */
  private imports(holder: { live?: Live }): Imports {
    const memory = (): ArrayBuffer => {
      const live = holder.live;
      if (!live) throw new Error('WASI call before the instance exists');
      return live.exports.memory.buffer;
    };
    const wasi: Record<string, (...args: never[]) => unknown> = {
      clock_time_get: (id: number, _precision: bigint, out: number): number => {
        const ms = id === 0 ? Date.now() : performance.now();
        new DataView(memory()).setBigUint64(out, BigInt(Math.round(ms * 1e6)), true);
        return 0;
      },
      fd_write: (fd: number, iovs: number, count: number, written: number): number => {
        const view = new DataView(memory());
        let total = 0;
        let text = '';
        for (let i = 0; i < count; i++) {
          const ptr = view.getUint32(iovs + i * 8, true);
          const len = view.getUint32(iovs + i * 8 + 4, true);
          text += utf8Decode.decode(new Uint8Array(memory(), ptr, len));
          total += len;
        }
        if ((fd === 1 || fd === 2) && holder.live) holder.live.stdio = (holder.live.stdio + text).slice(-STDIO_KEEP);
        view.setUint32(written, total, true);
        return 0;
      },
      fd_close: (): number => 0,
      fd_seek: (): number => 70, // ESPIPE: stdio streams do not seek
    };
    const imports: Imports = {};
    for (const entry of this.api.Module.imports(this.module)) {
      if (entry.kind !== 'function') continue;
      const table = imports[entry.module] ?? {};
      imports[entry.module] = table;
      table[entry.name] =
        (entry.module === 'wasi_snapshot_preview1' ? wasi[entry.name] : undefined) ??
        (() => {
          throw new Error(
            `the WebAssembly engine called ${entry.module}.${entry.name}, which this host does not provide`,
          );
        });
    }
    return imports;
  }
}

class Engine implements WasmEngine {
  private readonly registry: FinalizationRegistry<Handle> | undefined;

  constructor(private readonly host: Host) {
    // Sessions dropped without close() free their engine memory when collected (if the runtime supports it).
    this.registry =
      typeof FinalizationRegistry === 'function'
        ? new FinalizationRegistry<Handle>((handle) => destroy(host, handle))
        : undefined;
  }

  supportedOps(): ReadonlySet<string> {
    return this.host.ops;
  }

  memoryBytes(): number {
    return this.host.memoryBytes();
  }

  resets(): number {
    return this.host.resets;
  }

  createSession(model: Model, options: WasmSessionOptions = {}): Session {
    const planCacheSize = options.planCacheSize ?? 4;
    if (!Number.isInteger(planCacheSize) || planCacheSize < 1 || planCacheSize > 1024) {
      throw new MindletError(
        'INVALID_ARGUMENT',
        `planCacheSize must be an integer from 1 to 1024, got ${planCacheSize}`,
      );
    }
    assertSupported(model, this.host.ops);
    const encoded = encodeGraphSpec(buildGraphSpec(model));
    const session = new WasmSession(this.host, model, encoded, {
      planCacheSize,
      profile: options.profile ?? false,
      keepGraph: options.recreateAfterReset ?? true,
    });
    this.registry?.register(session, session.handle, session);
    return session;
  }
}

/** Where a session lives: the instance generation and the C++ Session address in it (0: none yet). */
interface Handle {
  generation: number;
  ptr: number;
}

function destroy(host: Host, handle: Handle): void {
  if (handle.ptr && host.isLive(handle.generation)) {
    const ptr = handle.ptr;
    handle.ptr = 0;
    host.call('', (x) => x.mindlet_session_destroy(ptr));
  }
}

class WasmSession implements Session {
  readonly inputs: TensorInfo[];
  readonly outputs: TensorInfo[];
  readonly threads = 1;
  readonly handle: Handle = { generation: 0, ptr: 0 };
  private readonly source: string;
  private graph: Uint8Array | undefined;
  private closed = false;

  constructor(
    private readonly host: Host,
    model: Model,
    graph: Uint8Array,
    private readonly options: { planCacheSize: number; profile: boolean; keepGraph: boolean },
  ) {
    const sig = signature(model.graph);
    this.inputs = sig.inputs;
    this.outputs = sig.outputs;
    this.source = model.source;
    this.graph = graph;
    this.build();
    if (!options.keepGraph) this.graph = undefined;
  }

  async run(inputs: Tensor[] | Record<string, Tensor>): Promise<NamedTensor[]> {
    if (this.closed) throw new MindletError('INVALID_ARGUMENT', 'the session is closed');
    const checked = prepareInputs(inputs, this.inputs);
    const ptr = this.ready();
    const results = this.host.call(this.source, (x) => runIn(x, ptr, checked));
    return wrapOutputs(results, this.outputs);
  }

  /** Engine figures, as the native session's (threads is 1). A session rebuilt after a reset starts over. */
  stats(): SessionStats {
    if (this.closed) return {} as SessionStats;
    const ptr = this.ready();
    const json = this.host.call(this.source, (x) => readCString(x.memory, x.mindlet_session_stats(ptr)));
    return JSON.parse(json) as SessionStats;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.graph = undefined;
    destroy(this.host, this.handle);
  }

  /** The session's address in the live instance, rebuilding it there after a reset. */
  private ready(): number {
    if (this.handle.ptr && this.host.isLive(this.handle.generation)) return this.handle.ptr;
    if (!this.graph) {
      throw new MindletError(
        'INVALID_ARGUMENT',
        'the session was lost when an engine error reset the WebAssembly engine; create it again (or leave recreateAfterReset on)',
        { file: this.source },
      );
    }
    return this.build();
  }

  private build(): number {
    const graph = this.graph as Uint8Array;
    this.handle.ptr = 0;
    const { planCacheSize, profile } = this.options;
    return this.host.call(this.source, (x, live) => {
      const at = x.mindlet_malloc(graph.byteLength);
      new Uint8Array(x.memory.buffer, at, graph.byteLength).set(graph);
      const ptr = x.mindlet_session_create(at, graph.byteLength, planCacheSize, profile ? 1 : 0);
      // Every constant the session still reads was copied (or packed) by now: the description can go.
      x.mindlet_free(at);
      this.handle.generation = live.generation;
      this.handle.ptr = ptr;
      return ptr;
    });
  }
}

/**
 * One inference: inputs copied in, the run, outputs copied out, everything of this call freed. No cleanup on an
 * exception: the instance is discarded then, and calling into a trapped instance is exactly what must not happen.
 */
function runIn(x: Exports, session: number, inputs: EngineInput[]): EngineOutput[] {
  const dataAt = inputs.map((t) => {
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    const at = x.mindlet_malloc(bytes.byteLength);
    new Uint8Array(x.memory.buffer, at, bytes.byteLength).set(bytes);
    return at;
  });
  const desc = encodeInputs(inputs, dataAt);
  const descAt = x.mindlet_malloc(desc.byteLength);
  new Uint8Array(x.memory.buffer, descAt, desc.byteLength).set(desc);
  const result = x.mindlet_session_run(session, descAt, desc.byteLength);
  const outputs = decodeOutputs(x.memory, x.mindlet_result_desc(result));
  x.mindlet_result_free(result);
  for (const at of [...dataAt, descAt]) x.mindlet_free(at);
  return outputs;
}

/** "MSI1", u32 count, then per input: str dtype, u32 rank, i64 dims, u32 data address, u32 byte length. */
function encodeInputs(inputs: EngineInput[], dataAt: number[]): Uint8Array {
  const dtypes = inputs.map((t) => utf8.encode(t.dtype));
  const size = 8 + inputs.reduce((n, t, k) => n + 4 + (dtypes[k]?.byteLength ?? 0) + 4 + 8 * t.shape.length + 8, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let pos = 0;
  const u32 = (v: number) => {
    view.setUint32(pos, v, true);
    pos += 4;
  };
  u32(INPUTS_MAGIC);
  u32(inputs.length);
  inputs.forEach((t, k) => {
    const dtype = dtypes[k] as Uint8Array;
    u32(dtype.byteLength);
    out.set(dtype, pos);
    pos += dtype.byteLength;
    u32(t.shape.length);
    for (const d of t.shape) {
      view.setBigInt64(pos, BigInt(d), true);
      pos += 8;
    }
    u32(dataAt[k] as number);
    u32(t.data.byteLength);
  });
  return out;
}

/** The run's output descriptions (binding.cc mindlet_result_desc), each output's bytes copied out of wasm memory. */
function decodeOutputs(memory: WasmMemory, at: number): EngineOutput[] {
  const view = new DataView(memory.buffer);
  let pos = at;
  const u32 = () => {
    const v = view.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const count = u32();
  const outputs: EngineOutput[] = [];
  for (let k = 0; k < count; k++) {
    const len = u32();
    const dtype = utf8Decode.decode(new Uint8Array(memory.buffer, pos, len));
    pos += len;
    const rank = u32();
    const shape: number[] = [];
    for (let d = 0; d < rank; d++) {
      shape.push(Number(view.getBigInt64(pos, true)));
      pos += 8;
    }
    const data = u32();
    const bytes = u32();
    outputs.push({ dtype, shape, data: memory.buffer.slice(data, data + bytes) });
  }
  return outputs;
}

function readCString(memory: WasmMemory, at: number, max = Number.POSITIVE_INFINITY): string {
  const bytes = new Uint8Array(memory.buffer);
  let end = at;
  const limit = Math.min(bytes.length, at + max);
  while (end < limit && bytes[end] !== 0) end++;
  return utf8Decode.decode(bytes.subarray(at, end));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
