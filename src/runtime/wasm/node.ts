/**
 * Node-only loading of the WebAssembly engine: the built .wasm read from disk. Where it is looked for, in order:
 * MINDLET_WASM_ENGINE (a path to the .wasm file), then the package's committed build
 * (layers/native-runtime/prebuilt/mindlet-engine.wasm, found relative to this module when it sits in the package's
 * tree: src/runtime/wasm under tsx, dist/src/runtime/wasm when built).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MindletError } from '../../errors.js';
import type { Model } from '../../graph/types.js';
import { loadModel } from '../../model/load.js';
import type { Session } from '../types.js';
import { instantiateEngine } from './engine.js';
import { WASM_ENGINE_FILE, type WasmEngine, type WasmSessionOptions } from './types.js';

function candidates(): string[] {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const list: string[] = [];
  if (process.env.MINDLET_WASM_ENGINE) list.push(process.env.MINDLET_WASM_ENGINE);
  if (path.basename(here) === 'wasm' && path.basename(path.dirname(here)) === 'runtime') {
    for (const root of [path.resolve(here, '../../..'), path.resolve(here, '../../../..')])
      list.push(path.join(root, 'layers/native-runtime/prebuilt', WASM_ENGINE_FILE));
  }
  return list;
}

/** The path of the built engine, or NOT_FOUND naming where it was looked for. */
export function wasmEnginePath(): string {
  const tried = candidates();
  const found = tried.find((file) => existsSync(file));
  if (found) return found;
  throw new MindletError(
    'NOT_FOUND',
    `the WebAssembly engine was not found (looked in ${tried.join(', ') || 'no location: set MINDLET_WASM_ENGINE'}); it is committed at layers/native-runtime/prebuilt/ (rebuild: \`npm run build:wasm\`)`,
  );
}

const engines = new Map<string, Promise<WasmEngine>>();

/** Instantiates the engine from a .wasm file (default: the package's build), once per path. */
export function loadWasmEngine(file?: string): Promise<WasmEngine> {
  const resolved = path.resolve(file ?? wasmEnginePath());
  let engine = engines.get(resolved);
  if (!engine) {
    engine = readFile(resolved)
      .catch((error: unknown) => {
        throw new MindletError('NOT_FOUND', `cannot read the WebAssembly engine ${resolved}`, { cause: error });
      })
      .then((bytes) => instantiateEngine(bytes));
    // A failure is not cached: the next call tries again.
    engine.catch(() => engines.delete(resolved));
    engines.set(resolved, engine);
  }
  return engine;
}

/** A model (path, bytes or loaded Model) → a session on the WebAssembly engine (the package's build). */
export async function loadWasmSession(
  model: string | Uint8Array | Model,
  options: WasmSessionOptions & { key?: string | Uint8Array } = {},
): Promise<Session> {
  const engine = await loadWasmEngine();
  const loaded =
    typeof model === 'string' || model instanceof Uint8Array
      ? await loadModel(model, { key: options.key, label: typeof model === 'string' ? undefined : 'model bytes' })
      : model;
  const { key: _key, ...sessionOptions } = options;
  return engine.createSession(loaded, sessionOptions);
}
