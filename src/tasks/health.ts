/**
 * The queue worker's health endpoint, for ECS container health checks and load balancer target groups: `GET
 * /healthz` (and `/v2/health/ready`, the path the container images' HEALTHCHECK asks the server) answers 200 while
 * the worker takes messages and 503 while it starts or drains; `GET /v2/health/live` answers 200 while the process
 * runs. Nothing else is served.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MindletError } from '../errors.js';

export type WorkerState = 'starting' | 'running' | 'draining' | 'stopped';

export const HEALTH_PATH = '/healthz';
const READY_PATHS = new Set([HEALTH_PATH, '/v2/health/ready']);
const LIVE_PATH = '/v2/health/live';

export interface HealthServer {
  /** `http://host:port` */
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startHealthServer(options: {
  port: number;
  /** @default '127.0.0.1' (0.0.0.0 in a container, for a load balancer's checks) */
  host?: string;
  state: () => WorkerState;
}): Promise<HealthServer> {
  const host = options.host ?? '127.0.0.1';
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0]!;
    const reply = (status: number, body: Record<string, unknown>) => {
      const text = JSON.stringify(body);
      response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      response.end(request.method === 'HEAD' ? undefined : text);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') return reply(405, { error: 'use GET' });
    const state = options.state();
    if (READY_PATHS.has(path)) return reply(state === 'running' ? 200 : 503, { status: state });
    if (path === LIVE_PATH) return reply(200, { live: true, status: state });
    return reply(404, { error: `no route for ${path.slice(0, 200)}` });
  });
  // Health checks open a connection per probe; none should hold the process open while it stops.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE' || error.code === 'EACCES'
          ? new MindletError(
              'INVALID_ARGUMENT',
              `cannot listen on ${host}:${options.port} for health checks: ${error.code}`,
            )
          : error,
      ),
    );
    server.listen(options.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
