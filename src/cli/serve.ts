/**
 * `mindlet serve [model-uri ...]`: serves models over HTTP (KServe v2 and MindSpore Serving REST) until stopped. With
 * no URI it serves the bundled example (MindSpore's LeNet export, trained; examples/README.md) from the package's own
 * examples/models folder, which stands in for a bucket, and prints requests to paste.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MindletError } from '../errors.js';
import type { ModelSource } from '../repository/store-repository.js';
import { chooseEngineBackend } from '../runtime/engine-backend.js';
import {
  DEFAULT_DRAIN_TIMEOUT_MS,
  type RunningModelServer,
  type ShutdownReport,
  startModelServer,
} from '../serving/node-server.js';
import { SERVE_WORKERD_USAGE } from './serve-workerd-usage.js';

export const SERVE_USAGE = `  serve [MODEL-URI ...] [--port N] [--host ADDR] [--threads N] [--watch SECONDS]
        [--name NAME] [--version V] [--max-body-bytes N] [--drain-seconds N]
                                        serve models over HTTP: KServe v2 (/v2/...) and MindSpore
                                        Serving REST (/model/NAME:predict); URIs are s3://bucket/key,
                                        file:///path or paths (no URI: the bundled LeNet example)
                                        --port: default 8080 (0 picks a free port)
                                        --host: default 127.0.0.1 (0.0.0.0 to listen on every interface)
                                        --watch: seconds between checks for a changed model object
                                        (ETag), which is then reloaded; 0 turns it off (default 10)
                                        --name/--version: served name and version (one URI only)
                                        SIGTERM / SIGINT: refuse new requests (503, /v2/health/ready
                                        too), finish those in flight, exit 0; --drain-seconds bounds
                                        the wait (default 30; a second signal stops waiting)
                                        --runtime: node (default) or workerd (below)
${SERVE_WORKERD_USAGE}`;

/** Where `serve` runs the models: Node with the native engine (default), or the Cloudflare Worker in workerd. */
export type ServeRuntime = 'node' | 'workerd';

/** The `--runtime` among the arguments (`--runtime X` or `--runtime=X`), checked; `node` when absent. */
export function serveRuntime(args: readonly string[]): ServeRuntime {
  let runtime: string | undefined;
  args.forEach((arg, index) => {
    if (arg === '--runtime') runtime = args[index + 1];
    else if (arg.startsWith('--runtime=')) runtime = arg.slice('--runtime='.length);
  });
  if (runtime === undefined || runtime === 'node') return 'node';
  if (runtime === 'workerd') return 'workerd';
  throw new MindletError('INVALID_ARGUMENT', `--runtime must be node or workerd, got "${runtime}"`);
}

export interface ServeCommandIo {
  out(line: string): void;
  err(line: string): void;
}

/** Starts the server and resolves once it listens; the process then runs until a signal stops it. */
export async function serveCommand(args: string[], io: ServeCommandIo): Promise<RunningModelServer> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      runtime: { type: 'string' },
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      threads: { type: 'string' },
      watch: { type: 'string', default: '10' },
      name: { type: 'string' },
      version: { type: 'string' },
      'max-body-bytes': { type: 'string' },
      'drain-seconds': { type: 'string', default: String(DEFAULT_DRAIN_TIMEOUT_MS / 1000) },
    },
  });
  const port = integerOption('--port', values.port!, 0, 65535);
  const watchSeconds = integerOption('--watch', values.watch!, 0, 86400);
  const drainSeconds = integerOption('--drain-seconds', values['drain-seconds']!, 0, 3600);
  const threads = values.threads === undefined ? undefined : integerOption('--threads', values.threads, 1, 256);
  const maxBody =
    values['max-body-bytes'] === undefined
      ? undefined
      : integerOption('--max-body-bytes', values['max-body-bytes'], 1, 2 ** 31);
  if ((values.name !== undefined || values.version !== undefined) && positionals.length > 1)
    throw new MindletError('INVALID_ARGUMENT', '--name and --version apply to a single model URI');
  const example = positionals.length === 0;
  const uris = example ? [bundledExampleUri()] : positionals;
  const sources: ModelSource[] = uris.map((uri) => ({
    uri,
    ...(values.name === undefined ? {} : { name: values.name }),
    ...(values.version === undefined ? {} : { version: values.version }),
  }));

  const backend = chooseEngineBackend();
  if (backend.fallback) io.err(`mindlet: ${backend.fallback}`);
  const server = await startModelServer({
    sources,
    port,
    host: values.host!,
    watchSeconds,
    drainTimeoutMs: drainSeconds * 1000,
    ...(threads === undefined ? {} : { threads }),
    ...(maxBody === undefined ? {} : { limits: { maxBodyBytes: maxBody } }),
    onEvent: (event) => {
      if (event.kind === 'loaded' && event.reload)
        io.err(`reloaded ${event.report.name} version ${event.report.version} (ETag ${event.report.etag})`);
      if (event.kind === 'failed') io.err(`model ${event.name} (${event.uri}): ${event.error.message}`);
    },
  });
  for (const load of server.loads)
    io.out(
      `serving ${load.name} version ${load.version} from ${load.uri} (${formatBytes(load.bytes)}, ${load.from}, loaded in ${load.loadMs.toFixed(0)} ms)`,
    );
  io.out(
    `listening on ${server.url}  (KServe v2: ${server.url}/v2, MindSpore Serving: ${server.url}/model/<name>:predict)`,
  );
  printTryRequests(io, server.url, server.loads[0]!.name, example);
  return server;
}

/** The requests to paste after startup: the bundled example's two, else the first model's metadata. */
export function printTryRequests(io: ServeCommandIo, url: string, model: string, example: boolean): void {
  if (!example) {
    io.out(`try:\n  curl -s ${url}/v2/models/${model}`);
    return;
  }
  const requests = path.join(packageRoot(), 'examples/requests');
  io.out('try (both send examples/digit-7.npy, a handwritten 7):');
  io.out('  # KServe v2, asking for the top class: answers "<score>:7:7" (class index 7, label "7")');
  io.out(
    `  curl -s -H 'content-type: application/json' -d @${path.join(requests, 'lenet-kserve.json')} ${url}/v2/models/${model}/infer`,
  );
  io.out('  # MindSpore Serving: answers the ten logits, the largest at index 7');
  io.out(
    `  curl -s -H 'content-type: application/json' -d @${path.join(requests, 'lenet-mindspore-serving.json')} ${url}/model/${model}:predict`,
  );
}

/**
 * Resolves once a SIGTERM or SIGINT has drained the server (what `mindlet serve` waits on before exiting 0). One
 * line goes to stderr when the drain starts, and one more only if the drain timeout cut requests off. A second
 * signal stops waiting for in-flight requests; until the drain ends, signals never kill the process outright.
 */
export function stopOnSignal(server: RunningModelServer, io: ServeCommandIo): Promise<ShutdownReport> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        void server.shutdown({ timeoutMs: 0 });
        return;
      }
      stopping = true;
      io.err(`mindlet: ${signal}: draining ${server.inFlight} in-flight request(s), then exiting`);
      void server.shutdown().then((report) => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        if (report.forced) io.err('mindlet: drain timeout reached: closed connections with requests still running');
        resolve(report);
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** The package root: the folder holding examples/ whether running from src/ (tsx) or dist/src/ (built). */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (existsSync(path.join(dir, 'examples/models'))) return dir;
    dir = path.dirname(dir);
  }
  throw new MindletError('NOT_FOUND', 'the bundled example model is missing from this installation (examples/models)');
}

function bundledExampleUri(): string {
  return path.join(packageRoot(), 'examples/models/lenet/1/model.mindir');
}

function integerOption(flag: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max)
    throw new MindletError('INVALID_ARGUMENT', `${flag} must be an integer from ${min} to ${max}, got "${raw}"`);
  return value;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
