/**
 * The Cloudflare Workers function: the serving app (KServe v2, MindSpore Serving REST) over models in an R2 bucket,
 * run by the WebAssembly engine. Bindings (wrangler.toml, written by `mindlet deploy --target workers`):
 * - `MODELS_BUCKET`: the R2 bucket holding `models/<name>/<version>/{mindlet.json, model.mindir}`.
 * - `MODELS`: `name` or `name@version`, comma-separated (no version: the highest one published).
 * - `MAX_BODY_BYTES`: optional request body limit (default 8 MiB, at most 16 MiB; see src/placement/edge-limits.ts).
 *
 * A Worker may do no I/O while its global scope runs, so models load on the first request that needs one (health
 * liveness does not) and stay in the isolate; requests arriving during that load wait on the same one. A model
 * too big for an isolate is refused from its manifest before it is fetched (507); a failed load answers 503 and is
 * tried again 30 s later. Bad configuration answers every request with a JSON 500.
 */
import engineModule from '../layers/native-runtime/prebuilt/mindlet-engine.wasm';
import { edgeBodyLimit } from '../src/placement/edge-limits.js';
import {
  parseModelList,
  type R2BucketLike,
  R2ModelRepository,
  type R2RepositoryEvent,
} from '../src/repository/r2-repository.js';
import { instantiateEngine } from '../src/runtime/wasm/engine.js';
import type { WasmEngine } from '../src/runtime/wasm/types.js';
import { createServingApp } from '../src/serving/app.js';
import { jsonResponse } from '../src/serving/response.js';

export interface WorkerEnv {
  MODELS_BUCKET?: R2BucketLike;
  MODELS?: string;
  MAX_BODY_BYTES?: string;
}

/** The part of the Workers `ExecutionContext` used here. */
export interface WorkerContext {
  waitUntil(promise: Promise<unknown>): void;
}

/** Replaced by the bundler (scripts/build-worker.mjs) with mindlet's version. */
const VERSION = process.env.MINDLET_PACKAGE_VERSION ?? 'unknown';
const LIVENESS_PATH = '/v2/health/live';

interface Server {
  /** The configuration the server was built from: a changed one (a new deployment reusing the isolate) rebuilds. */
  config: string;
  repository: R2ModelRepository;
  fetch: (request: Request) => Response | Promise<Response>;
}

let engine: Promise<WasmEngine> | undefined;
/** The engine once instantiated, for the memory figure in load logs. */
let liveEngine: WasmEngine | undefined;
let server: Server | undefined;

/** One engine per isolate, instantiated when the first model loads; a failure is retried by the next load. */
function wasmEngine(): Promise<WasmEngine> {
  if (engine) return engine;
  const instantiating = instantiateEngine(engineModule).then(
    (instance) => {
      liveEngine = instance;
      return instance;
    },
    (error: unknown) => {
      engine = undefined;
      throw error;
    },
  );
  engine = instantiating;
  return instantiating;
}

function serverFor(env: WorkerEnv): Server {
  const config = JSON.stringify([env.MODELS ?? '', env.MAX_BODY_BYTES ?? '']);
  if (server?.config === config) return server;
  server?.repository.close();
  server = undefined;
  const bucket = env.MODELS_BUCKET;
  if (!bucket || typeof bucket.get !== 'function')
    throw new Error(
      'the R2 binding MODELS_BUCKET is missing: add [[r2_buckets]] binding = "MODELS_BUCKET" to wrangler.toml',
    );
  if (!env.MODELS?.trim())
    throw new Error('MODELS is not set: name the models to serve, e.g. MODELS = "lenet" or "lenet@1"');
  const maxBodyBytes = edgeBodyLimit(env.MAX_BODY_BYTES);
  const repository = new R2ModelRepository({
    bucket,
    models: parseModelList(env.MODELS),
    maxBodyBytes,
    createSession: async (model) => (await wasmEngine()).createSession(model),
    onEvent: logEvent,
  });
  const app = createServingApp({ repository, limits: { maxBodyBytes }, serverVersion: VERSION });
  server = { config, repository, fetch: (request) => app.fetch(request) };
  return server;
}

function logEvent(event: R2RepositoryEvent): void {
  if (event.kind === 'loaded')
    console.log(
      JSON.stringify({ level: 'INFO', message: 'model loaded', ...event, wasmMemoryBytes: liveEngine?.memoryBytes() }),
    );
  else console.error(JSON.stringify({ level: 'ERROR', message: 'model load failed', ...event }));
}

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: WorkerContext): Promise<Response> {
    let current: Server;
    try {
      current = serverFor(env);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      console.error(JSON.stringify({ level: 'ERROR', message: 'invalid configuration', error: message }));
      return jsonResponse(
        { error: `invalid configuration: ${message}`, code: 'INTERNAL', request_id: crypto.randomUUID() },
        500,
      );
    }
    if (new URL(request.url).pathname !== LIVENESS_PATH) {
      const loading = current.repository.load();
      // The load outlives this request if its client goes away: the requests waiting on it still get their model.
      ctx.waitUntil(loading);
      await loading;
    }
    return current.fetch(request);
  },
};
