/**
 * `mindlet serve [model-uri ...]`: serves models over HTTP (KServe v2 and MindSpore Serving REST) until stopped. With
 * no URI it serves the bundled example (a LeNet-style MindIR exported by MindSpore) from the package's own
 * examples/models folder, which stands in for a bucket, and prints requests to paste.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MindletError } from '../errors.js';
import { type RunningModelServer, startModelServer } from '../server/node-server.js';
import type { ModelSource } from '../serving/store-repository.js';

export const SERVE_USAGE = `  serve [MODEL-URI ...] [--port N] [--host ADDR] [--threads N] [--watch SECONDS]
        [--name NAME] [--version V] [--max-body-bytes N]
                                        serve models over HTTP: KServe v2 (/v2/...) and MindSpore
                                        Serving REST (/model/NAME:predict); URIs are s3://bucket/key,
                                        file:///path or paths (no URI: the bundled LeNet example)
                                        --port: default 8080 (0 picks a free port)
                                        --host: default 127.0.0.1 (0.0.0.0 to listen on every interface)
                                        --watch: seconds between checks for a changed model object
                                        (ETag), which is then reloaded; 0 turns it off (default 10)
                                        --name/--version: served name and version (one URI only)`;

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
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      threads: { type: 'string' },
      watch: { type: 'string', default: '10' },
      name: { type: 'string' },
      version: { type: 'string' },
      'max-body-bytes': { type: 'string' },
    },
  });
  const port = integerOption('--port', values.port!, 0, 65535);
  const watchSeconds = integerOption('--watch', values.watch!, 0, 86400);
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

  const server = await startModelServer({
    sources,
    port,
    host: values.host!,
    watchSeconds,
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
  const first = server.loads[0]!;
  if (example) {
    const requests = path.join(packageRoot(), 'examples/requests');
    io.out('try:');
    io.out(
      `  curl -s -H 'content-type: application/json' -d @${path.join(requests, 'lenet-kserve.json')} ${server.url}/v2/models/${first.name}/infer`,
    );
    io.out(
      `  curl -s -H 'content-type: application/json' -d @${path.join(requests, 'lenet-mindspore-serving.json')} ${server.url}/model/${first.name}:predict`,
    );
  } else {
    io.out(`try:\n  curl -s ${server.url}/v2/models/${first.name}`);
  }
  return server;
}

/** The package root: the folder holding examples/ whether running from src/ (tsx) or dist/src/ (built). */
function packageRoot(): string {
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
