/**
 * `mindlet serve --runtime workerd`: the Cloudflare Worker (functions/cloudflare-worker.ts, bundled as for deployment) run
 * locally by Miniflare's workerd, over an R2 bucket filled from a local folder laid out like the real one
 * (`models/<name>/<version>/{mindlet.json, model.mindir}`). With no folder it serves the bundled LeNet example, so
 * `mindlet serve --runtime workerd` works out of the box. Miniflare and esbuild are mindlet dev dependencies:
 * this runs from a checkout.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Miniflare } from 'miniflare';
import { MindletError } from '../errors.js';
import { edgeBodyLimit } from '../placement/edge-limits.js';
import { type ModelSpec, modelFolderKey, parseModelList } from '../repository/r2-repository.js';
import { MANIFEST_FILE } from '../store/manifest.js';
import { isValidModelName, isValidModelVersion } from '../store/names.js';
import { MODELS_BUCKET_BINDING, WORKERS_COMPATIBILITY_DATE } from './deploy-workers.js';
import { packageRoot, printTryRequests } from './serve.js';
import { loadWorkerBuild } from './worker-build.js';

export { SERVE_WORKERD_USAGE } from './serve-workerd-usage.js';

export interface ServeWorkerdIo {
  out(line: string): void;
  err(line: string): void;
}

type Signal = 'SIGINT' | 'SIGTERM';
type SignalListener = (...args: unknown[]) => void;
const SIGNALS: readonly Signal[] = ['SIGINT', 'SIGTERM'];

interface R2Uploader {
  put(key: string, value: Uint8Array): Promise<unknown>;
}

export interface LocalWorkerOptions {
  /** Folder laid out like the bucket; every file under it is uploaded with its relative path as key. */
  r2Dir: string;
  /** The Worker's `MODELS` variable. */
  models: string;
  /** @default 8080 (0 picks a free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** The Worker's `MAX_BODY_BYTES` variable. Default: unset (the edge default). */
  maxBodyBytes?: number;
}

export interface LocalWorker {
  /** `http://host:port` */
  url: string;
  miniflare: Miniflare;
  /** Keys uploaded to the bucket. */
  keys: string[];
  /**
   * The SIGINT / SIGTERM listeners Miniflare added (its exit hook disposes workerd, then exits 130 / 143 at once);
   * `stopLocalWorkerOnSignal` replaces them with a stop that disposes and lets the command exit 0.
   */
  signalListeners: Array<{ signal: Signal; listener: SignalListener }>;
  /** Disposes workerd and removes the bundle's temporary folder. */
  close(): Promise<void>;
}

/** Builds the Worker bundle into a temporary folder, starts it in workerd and fills its R2 bucket from `r2Dir`. */
export async function startLocalWorker(options: LocalWorkerOptions): Promise<LocalWorker> {
  const files = listFiles(options.r2Dir);
  const work = mkdtempSync(path.join(os.tmpdir(), 'mindlet-workerd-'));
  let miniflare: Miniflare | undefined;
  try {
    const { buildWorker } = await loadWorkerBuild();
    const built = await buildWorker({ outDir: work });
    const { Miniflare } = await importMiniflare();
    const host = options.host ?? '127.0.0.1';
    const port = options.port ?? 8080;
    const before = new Map(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
    miniflare = new Miniflare({
      modulesRoot: work,
      modules: [
        { type: 'ESModule', path: built.script, contents: readFileSync(built.script, 'utf8') },
        { type: 'CompiledWasm', path: built.wasm, contents: readFileSync(built.wasm) },
      ],
      compatibilityDate: WORKERS_COMPATIBILITY_DATE,
      r2Buckets: [MODELS_BUCKET_BINDING],
      bindings: {
        MODELS: options.models,
        ...(options.maxBodyBytes === undefined ? {} : { MAX_BODY_BYTES: String(options.maxBodyBytes) }),
      },
      host,
      port,
    });
    let url: URL;
    try {
      url = await miniflare.ready;
    } catch (error) {
      throw new MindletError(
        'INVALID_ARGUMENT',
        `cannot start workerd on ${host}:${port}: ${(error as Error).message}`,
      );
    }
    // Typed loosely: Miniflare's R2Bucket type needs @cloudflare/workers-types, which mindlet does not install.
    const bucket = (await miniflare.getR2Bucket(MODELS_BUCKET_BINDING)) as unknown as R2Uploader;
    const keys: string[] = [];
    for (const file of files) {
      const key = path.relative(options.r2Dir, file).split(path.sep).join('/');
      await bucket.put(key, new Uint8Array(readFileSync(file)));
      keys.push(key);
    }
    const running = miniflare;
    const signalListeners = SIGNALS.flatMap((signal) =>
      process
        .listeners(signal)
        .filter((listener) => !before.get(signal)!.has(listener))
        .map((listener) => ({ signal, listener: listener as SignalListener })),
    );
    return {
      url: url.origin,
      miniflare: running,
      keys,
      signalListeners,
      close: async () => {
        await running.dispose();
        rmSync(work, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await miniflare?.dispose().catch(() => {});
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
}

/** `serve --runtime workerd`: starts the local Worker, loads its models once and prints where it listens. */
export async function serveWorkerdCommand(args: string[], io: ServeWorkerdIo): Promise<LocalWorker> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      runtime: { type: 'string' },
      'r2-dir': { type: 'string' },
      models: { type: 'string' },
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      'max-body-bytes': { type: 'string' },
    },
  });
  if (positionals.length)
    throw new MindletError(
      'INVALID_ARGUMENT',
      'serve --runtime workerd takes no model URI: models come from the R2 folder (--r2-dir) named by --models',
    );
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port!) || port > 65535)
    throw new MindletError('INVALID_ARGUMENT', `--port must be an integer from 0 to 65535, got "${values.port}"`);
  const maxBodyBytes = values['max-body-bytes'] === undefined ? undefined : edgeBodyLimit(values['max-body-bytes']);
  let example: string | undefined;
  let r2Dir: string;
  if (values['r2-dir'] === undefined) {
    example = exampleBucket();
    r2Dir = example;
  } else {
    r2Dir = path.resolve(values['r2-dir']);
    if (!existsSync(r2Dir) || !statSync(r2Dir).isDirectory())
      throw new MindletError('NOT_FOUND', `--r2-dir ${r2Dir} is not a folder`);
  }
  let worker: LocalWorker;
  try {
    const specs = values.models === undefined ? publishedModels(r2Dir) : parseModelList(values.models, '--models');
    const models = specs.map((s) => (s.version === undefined ? s.name : `${s.name}@${s.version}`)).join(',');
    worker = await startLocalWorker({
      r2Dir,
      models,
      port,
      host: values.host!,
      ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }),
    });
  } catch (error) {
    if (example) rmSync(example, { recursive: true, force: true });
    throw error;
  }
  const close = worker.close;
  worker.close = async () => {
    await close();
    if (example) rmSync(example, { recursive: true, force: true });
  };

  let index: Array<{ name: string; version: string; state: string; reason?: string }>;
  try {
    // The Worker loads its models on the first request that needs them: make that request now, and report.
    await fetch(`${worker.url}/v2/health/ready`).then((r) => r.arrayBuffer());
    index = (await (await fetch(`${worker.url}/v2/repository/index`, { method: 'POST' })).json()) as typeof index;
  } catch (error) {
    await worker.close();
    throw error;
  }
  for (const entry of index) {
    if (entry.state === 'READY') io.out(`serving ${entry.name} version ${entry.version} (workerd, R2 folder ${r2Dir})`);
    else
      io.err(`model ${entry.name}${entry.version ? ` version ${entry.version}` : ''}: ${entry.state}: ${entry.reason}`);
  }
  io.out(
    `listening on ${worker.url}  (Cloudflare Worker in workerd; KServe v2: ${worker.url}/v2, MindSpore Serving: ${worker.url}/model/<name>:predict)`,
  );
  printTryRequests(io, worker.url, index[0]!.name, example !== undefined);
  return worker;
}

/** Resolves once SIGINT or SIGTERM has stopped the local Worker (what `mindlet serve` waits on before exiting). */
export function stopLocalWorkerOnSignal(worker: LocalWorker, io: ServeWorkerdIo): Promise<void> {
  for (const { signal, listener } of worker.signalListeners) process.off(signal, listener);
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      io.err(`mindlet: ${signal}: stopping workerd`);
      worker.close().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** Every model name under `<dir>/models/` with at least one published version (a folder holding mindlet.json). */
function publishedModels(dir: string): ModelSpec[] {
  const models = path.join(dir, 'models');
  const names = existsSync(models)
    ? readdirSync(models, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && isValidModelName(entry.name))
        .filter((entry) =>
          readdirSync(path.join(models, entry.name), { withFileTypes: true }).some(
            (version) =>
              version.isDirectory() &&
              isValidModelVersion(version.name) &&
              existsSync(path.join(models, entry.name, version.name, MANIFEST_FILE)),
          ),
        )
        .map((entry) => entry.name)
        .sort()
    : [];
  if (names.length === 0)
    throw new MindletError(
      'NOT_FOUND',
      `no published model under ${models}: lay the folder out like the bucket (models/<name>/<version>/${MANIFEST_FILE} beside the model)`,
    );
  return names.map((name) => ({ name }));
}

/** A temporary bucket folder holding the bundled LeNet example as models/lenet/1/. */
function exampleBucket(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mindlet-r2-'));
  const target = path.join(dir, modelFolderKey('lenet', '1'));
  mkdirSync(target, { recursive: true });
  cpSync(path.join(packageRoot(), 'examples/models/lenet/1'), target, { recursive: true });
  return dir;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

async function importMiniflare(): Promise<typeof import('miniflare')> {
  try {
    return await import('miniflare');
  } catch (error) {
    throw new MindletError(
      'NOT_FOUND',
      `serve --runtime workerd needs miniflare (a mindlet dev dependency; run it from a checkout): ${(error as Error).message}`,
    );
  }
}
