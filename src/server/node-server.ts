/**
 * The serving app on Node's HTTP server: `mindlet serve` locally and the container tasks run this. It only wires a
 * repository and the fetch app to a socket; protocols live in src/serving.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { MindletError } from '../errors.js';
import { createServingApp } from '../serving/app.js';
import {
  type LoadReport,
  type ModelSource,
  type RepositoryEvent,
  StoreModelRepository,
} from '../serving/store-repository.js';
import type { ServingLimits, ServingObserver } from '../serving/types.js';
import type { ModelStore } from '../store/model-store.js';

export interface ModelServerOptions {
  sources: ModelSource[];
  /** @default 8080 */
  port?: number;
  /** @default '127.0.0.1' (reachable from this machine only; pass 0.0.0.0 in a container) */
  host?: string;
  /** Engine threads per inference. @default all available CPUs */
  threads?: number;
  /** Seconds between ETag checks of every model object; 0 turns reloading off. @default 10 */
  watchSeconds?: number;
  limits?: Partial<ServingLimits>;
  observer?: ServingObserver;
  store?: ModelStore;
  onEvent?: (event: RepositoryEvent) => void;
}

export interface RunningModelServer {
  /** `http://host:port` */
  url: string;
  port: number;
  repository: StoreModelRepository;
  /** What loading each model took (before the server started listening). */
  loads: LoadReport[];
  close(): Promise<void>;
}

/** Loads every model, then listens; a model that fails to load fails the start (nothing half-served). */
export async function startModelServer(options: ModelServerOptions): Promise<RunningModelServer> {
  const repository = new StoreModelRepository(options.sources, {
    ...(options.threads === undefined ? {} : { threads: options.threads }),
    ...(options.store === undefined ? {} : { store: options.store }),
    ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
  });
  let loads: LoadReport[];
  try {
    loads = await repository.load();
  } catch (error) {
    repository.close();
    throw error;
  }
  const app = createServingApp({
    repository,
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.observer === undefined ? {} : { observer: options.observer }),
    serverVersion: packageVersion(),
  });
  const server = createAdaptorServer({ fetch: app.fetch, hostname: options.host ?? '127.0.0.1' });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      repository.close();
      reject(
        error.code === 'EADDRINUSE' || error.code === 'EACCES'
          ? new MindletError('INVALID_ARGUMENT', `cannot listen on ${host}:${options.port ?? 8080}: ${error.code}`)
          : error,
      );
    });
    server.listen(options.port ?? 8080, host, () => resolve());
  });
  const watchSeconds = options.watchSeconds ?? 10;
  if (watchSeconds > 0) repository.watch(watchSeconds * 1000);
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    repository,
    loads,
    close: () =>
      new Promise<void>((resolve) => {
        // Keep-alive sockets would hold close() open; idle ones go now, busy ones after their response.
        (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
        server.close(() => {
          repository.close();
          resolve();
        });
      }),
  };
}

let cachedVersion: string | undefined;

/** mindlet's version from its package.json (src/server or dist/src/server); 'unknown' when bundled without it. */
function packageVersion(): string {
  if (cachedVersion !== undefined) return cachedVersion;
  cachedVersion = 'unknown';
  for (const relative of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'mindlet' && typeof pkg.version === 'string') {
        cachedVersion = pkg.version;
        break;
      }
    } catch {
      // Not there (a bundle): try the next place.
    }
  }
  return cachedVersion;
}
