/**
 * The serving app on Node's HTTP server: `mindlet serve` locally and the container tasks run this. It only wires a
 * repository and the fetch app to a socket; protocols live in src/serving.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createAdaptorServer, type HttpBindings } from '@hono/node-server';
import { MindletError } from '../errors.js';
import {
  type LoadReport,
  type ModelSource,
  type RepositoryEvent,
  StoreModelRepository,
} from '../repository/store-repository.js';
import type { ModelStore } from '../store/model-store.js';
import { createServingApp } from './app.js';
import type { ErrorBody } from './kserve-errors.js';
import type { ServingLimits, ServingObserver } from './types.js';

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
  /** Longest `shutdown` waits for in-flight requests before closing their connections, ms. @default 30000 */
  drainTimeoutMs?: number;
}

/** What a shutdown found and did. */
export interface ShutdownReport {
  /** Requests being answered when the drain began. */
  inFlight: number;
  /** True when the drain timeout ran out and the connections still open were closed under their requests. */
  forced: boolean;
  /** Milliseconds from the start of the drain until every connection was closed. */
  ms: number;
}

/** The one route answered normally while draining: the process is alive, only leaving. */
export const LIVENESS_PATH = '/v2/health/live';
/** Answers 503 while draining, so load balancers stop sending before the listener goes. */
export const READINESS_PATH = '/v2/health/ready';
export const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;

export interface RunningModelServer {
  /** `http://host:port` */
  url: string;
  port: number;
  repository: StoreModelRepository;
  /** What loading each model took (before the server started listening). */
  loads: LoadReport[];
  /** True once `shutdown` (or `close`) has begun. */
  readonly draining: boolean;
  /** Requests being answered now. */
  readonly inFlight: number;
  /**
   * Graceful stop: stops accepting connections; answers requests that arrive on kept-alive connections with 503 and
   * `Connection: close` (`/v2/health/ready` included, `/v2/health/live` still 200); lets requests in flight finish
   * and closes each connection after its response; after `timeoutMs` (default: the server's drain timeout) closes
   * whatever is still open; then frees the models. Calling it again returns the same promise; `{ timeoutMs: 0 }`
   * cuts a running drain short.
   */
  shutdown(options?: { timeoutMs?: number }): Promise<ShutdownReport>;
  /** `shutdown()` with the default drain timeout. */
  close(): Promise<void>;
}

/** Loads every model, then listens; a model that fails to load fails the start (nothing half-served). */
export async function startModelServer(options: ModelServerOptions): Promise<RunningModelServer> {
  const drainTimeoutMs = options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
  if (!(Number.isFinite(drainTimeoutMs) && drainTimeoutMs >= 0))
    throw new MindletError(
      'INVALID_ARGUMENT',
      `drain timeout must be a non-negative number of ms, got ${drainTimeoutMs}`,
    );
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
  let draining = false;
  let inFlight = 0;
  const server = createAdaptorServer({
    fetch: async (request: Request, env: unknown) => {
      const outgoing = (env as Partial<HttpBindings> | undefined)?.outgoing;
      if (draining && new URL(request.url).pathname !== LIVENESS_PATH) {
        closeAfter(outgoing);
        return shuttingDown(request);
      }
      inFlight++;
      try {
        return await app.fetch(request, env);
      } finally {
        inFlight--;
        // A response that goes out while draining closes its connection, so the drain never waits on keep-alive.
        if (draining) closeAfter(outgoing);
      }
    },
    hostname: options.host ?? '127.0.0.1',
  });
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
  const http = server as typeof server & { closeIdleConnections(): void; closeAllConnections(): void };

  let stopping: Promise<ShutdownReport> | undefined;
  let forceNow: (() => void) | undefined;
  const shutdown = (shutdownOptions: { timeoutMs?: number } = {}): Promise<ShutdownReport> => {
    const timeoutMs = shutdownOptions.timeoutMs ?? drainTimeoutMs;
    if (stopping) {
      if (timeoutMs === 0) forceNow?.();
      return stopping;
    }
    draining = true;
    const started = performance.now();
    const atStart = inFlight;
    stopping = new Promise<ShutdownReport>((resolve) => {
      let forced = false;
      const force = () => {
        forced = true;
        http.closeAllConnections();
      };
      forceNow = force;
      const timer = setTimeout(force, timeoutMs);
      // A kept-alive connection whose last response left just before the drain carries no "close": end it once idle.
      const sweep = setInterval(() => http.closeIdleConnections(), 100);
      server.close(() => {
        clearTimeout(timer);
        clearInterval(sweep);
        repository.close();
        resolve({ inFlight: atStart, forced, ms: performance.now() - started });
      });
      http.closeIdleConnections();
    });
    return stopping;
  };

  return {
    url: `http://${shownHost}:${port}`,
    port,
    repository,
    loads,
    get draining() {
      return draining;
    },
    get inFlight() {
      return inFlight;
    },
    shutdown,
    close: async () => {
      await shutdown();
    },
  };
}

/** Marks the response as the connection's last (HTTP/1.1 only; the adaptor merges it into its headers). */
function closeAfter(outgoing: unknown): void {
  if (outgoing instanceof ServerResponse && !outgoing.headersSent) outgoing.setHeader('connection', 'close');
}

/** The KServe error body for a request that arrived after the drain began. */
function shuttingDown(request: Request): Response {
  const clientId = request.headers.get('x-request-id');
  const requestId = clientId && /^[A-Za-z0-9._-]{1,128}$/.test(clientId) ? clientId : randomUUID();
  const body: ErrorBody = { error: 'server is shutting down', code: 'UNAVAILABLE', request_id: requestId };
  return new Response(JSON.stringify(body), {
    status: 503,
    headers: { 'content-type': 'application/json', 'x-request-id': requestId },
  });
}

let cachedVersion: string | undefined;

/** mindlet's version from its package.json (src/serving or dist/src/serving); 'unknown' when bundled without it. */
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
