/**
 * An HTTP proxy on 127.0.0.1 in front of the local S3 server that injects the failures real networks and real S3
 * produce: error statuses (500 InternalError, 503 SlowDown), slow answers, connections reset before an answer,
 * bodies cut off mid-way, and bodies that stall with the socket held open. Rules are plain mutable objects, so a
 * test adds, changes and clears them while the proxy runs; every request is logged with the fault it got.
 */
import { once } from 'node:events';
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { S3Client } from '@aws-sdk/client-s3';

export type FaultAction =
  /** Answer with this status and S3's XML error body (500 → InternalError, 503 → SlowDown unless `code` says). */
  | { kind: 'status'; status: number; code?: string; message?: string }
  /** Wait before forwarding. */
  | { kind: 'delay'; ms: number }
  /** Forward; relay the response headers and the first `afterBytes` body bytes, then destroy the socket. */
  | { kind: 'drop-mid-body'; afterBytes: number }
  /** Destroy the client's socket before any response. */
  | { kind: 'reset' }
  /** Forward; relay the headers and `afterBytes` body bytes, then send nothing more with the socket left open. */
  | { kind: 'stall'; afterBytes: number };

export type FaultKind = FaultAction['kind'];

export interface FaultRule {
  /** HTTP method; any when absent. */
  method?: string;
  /** Tested against the URL path (without the query); any when absent. */
  path?: RegExp;
  /** A substring the raw query must contain (e.g. 'partNumber=2'). */
  query?: string;
  /** Fire from the nth matching request on (1-based), `times` times (default 1 with nth). */
  nth?: number;
  /** Fire on every nth matching request. */
  every?: number;
  /** Fire with this probability, from a generator seeded with `seed` (default 1): the same run, the same faults. */
  probability?: number;
  seed?: number;
  /** Most firings. @default 1 with `nth`, else unlimited */
  times?: number;
  action: FaultAction;
  /** Kept by the proxy: requests this rule matched, and faults it injected. */
  matched?: number;
  fired?: number;
}

export interface ProxiedRequest {
  method: string;
  path: string;
  /** Raw query string without '?'. */
  query: string;
  /** The Range header, if any. */
  range?: string;
  fault?: FaultKind;
}

export interface FaultProxy {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** Checked in order; the first that fires decides (later rules do not see that request). */
  rules: FaultRule[];
  injected: Record<FaultKind, number>;
  requests: ProxiedRequest[];
  /** Clears rules, counts and the request log. */
  reset(): void;
  stop(): Promise<void>;
}

const XML_ERRORS: Record<number, { code: string; message: string }> = {
  403: { code: 'AccessDenied', message: 'Access Denied' },
  404: { code: 'NoSuchKey', message: 'The specified key does not exist.' },
  500: { code: 'InternalError', message: 'We encountered an internal error. Please try again.' },
  503: { code: 'SlowDown', message: 'Please reduce your request rate.' },
};

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const agent = new Agent({ keepAlive: true });
  const random = new WeakMap<FaultRule, () => number>();
  const proxy: FaultProxy = {
    endpoint: '',
    rules: [],
    injected: emptyCounts(),
    requests: [],
    reset() {
      proxy.rules.length = 0;
      proxy.requests.length = 0;
      proxy.injected = emptyCounts();
    },
    stop: async () => {},
  };

  const choose = (method: string, pathname: string, query: string): FaultAction | undefined => {
    for (const rule of proxy.rules) {
      if (rule.method && rule.method.toUpperCase() !== method) continue;
      if (rule.path && !rule.path.test(pathname)) continue;
      if (rule.query !== undefined && !query.includes(rule.query)) continue;
      rule.matched = (rule.matched ?? 0) + 1;
      const limit = rule.times ?? (rule.nth !== undefined ? 1 : Number.POSITIVE_INFINITY);
      if ((rule.fired ?? 0) >= limit) continue;
      let fires = true;
      if (rule.nth !== undefined) fires = rule.matched >= rule.nth;
      else if (rule.every !== undefined) fires = rule.matched % rule.every === 0;
      else if (rule.probability !== undefined) {
        let next = random.get(rule);
        if (!next) {
          next = seededRandom(rule.seed ?? 1);
          random.set(rule, next);
        }
        fires = next() < rule.probability;
      }
      if (!fires) continue;
      rule.fired = (rule.fired ?? 0) + 1;
      return rule.action;
    }
    return undefined;
  };

  const handle = async (incoming: IncomingMessage, outgoing: ServerResponse) => {
    const url = new URL(incoming.url ?? '/', 'http://proxy');
    const method = incoming.method ?? 'GET';
    const query = url.search.slice(1);
    const action = choose(method, url.pathname, query);
    const range = incoming.headers.range;
    proxy.requests.push({
      method,
      path: url.pathname,
      query,
      ...(range ? { range } : {}),
      ...(action ? { fault: action.kind } : {}),
    });
    if (action) proxy.injected[action.kind]++;
    if (action?.kind === 'reset') {
      incoming.socket.destroy();
      return;
    }
    if (action?.kind === 'status') {
      // Read the request body first, so the client sees the status rather than a broken upload.
      incoming.resume();
      await once(incoming, 'end').catch(() => {});
      if (action.status < 400) {
        outgoing.writeHead(action.status).end();
        return;
      }
      const known = XML_ERRORS[action.status];
      const code = action.code ?? known?.code ?? `Status${action.status}`;
      const message = action.message ?? known?.message ?? 'Injected by the fault proxy.';
      const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>fault-proxy</RequestId></Error>`;
      outgoing.writeHead(action.status, {
        'content-type': 'application/xml',
        'content-length': Buffer.byteLength(xml),
      });
      outgoing.end(xml);
      return;
    }
    if (action?.kind === 'delay') {
      await sleep(action.ms);
      if (incoming.socket.destroyed) return; // the client gave up waiting
    }
    forward(incoming, outgoing, action);
  };

  const forward = (incoming: IncomingMessage, outgoing: ServerResponse, action: FaultAction | undefined) => {
    const headers = { ...incoming.headers };
    // Hop-by-hop headers stay on this hop. (Host is kept: the request's signature covers it.)
    delete headers.connection;
    delete headers['keep-alive'];
    delete headers.expect;
    const upstreamRequest = request(
      {
        host: target.hostname,
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        headers,
        agent,
      },
      (upstreamResponse) => relay(upstreamResponse, incoming, outgoing, action),
    );
    upstreamRequest.on('error', () => {
      if (!outgoing.headersSent) outgoing.writeHead(502).end();
      else incoming.socket.destroy();
    });
    incoming.on('error', () => upstreamRequest.destroy());
    outgoing.on('close', () => {
      if (!outgoing.writableFinished) upstreamRequest.destroy();
    });
    incoming.pipe(upstreamRequest);
  };

  const relay = (
    upstreamResponse: IncomingMessage,
    incoming: IncomingMessage,
    outgoing: ServerResponse,
    action: FaultAction | undefined,
  ) => {
    const headers = { ...upstreamResponse.headers };
    delete headers.connection;
    delete headers['keep-alive'];
    outgoing.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.statusMessage, headers);
    if (action?.kind !== 'drop-mid-body' && action?.kind !== 'stall') {
      upstreamResponse.pipe(outgoing);
      return;
    }
    const limit = action.afterBytes;
    let sent = 0;
    const cut = () => {
      upstreamResponse.destroy();
      // Written first, then cut: the client gets exactly `limit` bytes.
      outgoing.write(Buffer.alloc(0), () => {
        if (action.kind === 'drop-mid-body') incoming.socket.destroy();
      });
    };
    if (limit === 0) {
      cut();
      return;
    }
    upstreamResponse.on('data', (chunk: Buffer) => {
      if (sent >= limit) return;
      const piece = chunk.subarray(0, limit - sent);
      sent += piece.byteLength;
      outgoing.write(piece);
      if (sent >= limit) cut();
    });
    // A body shorter than the limit goes through whole.
    upstreamResponse.on('end', () => {
      if (sent < limit) outgoing.end();
    });
  };

  const server = createServer((incoming, outgoing) => {
    outgoing.on('error', () => {}); // a client that went away is not the proxy's failure
    handle(incoming, outgoing).catch(() => incoming.socket.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  proxy.endpoint = `http://127.0.0.1:${port}`;
  proxy.stop = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    agent.destroy();
    await closed;
  };
  return proxy;
}

/** A client for a proxy (or any local S3 stand-in): path-style, s3rver's dummy credentials, quick SDK retries. */
export function createTestS3Client(
  endpoint: string,
  options: { maxAttempts?: number; retryDelayMs?: number } = {},
): S3Client {
  const maxAttempts = options.maxAttempts ?? 4;
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    maxAttempts,
    retryStrategy: quickRetries(maxAttempts, options.retryDelayMs ?? 10),
  });
}

/** The SDK's retry decisions (which errors are retryable) with a fixed short delay instead of exponential backoff. */
function quickRetries(maxAttempts: number, delayMs: number) {
  const token = (count: number) => ({ getRetryCount: () => count, getRetryDelay: () => delayMs });
  return {
    mode: 'standard',
    acquireInitialRetryToken: async (_scope: string) => token(0),
    refreshRetryTokenForRetry: async (
      previous: { getRetryCount(): number },
      info: { errorType: string; error?: unknown },
    ) => {
      const count = previous.getRetryCount() + 1;
      if (info.errorType === 'CLIENT_ERROR' || count >= maxAttempts) throw info.error ?? new Error('no more retries');
      return token(count);
    },
    recordSuccess: (_token: unknown) => {},
  };
}

function emptyCounts(): Record<FaultKind, number> {
  return { status: 0, delay: 0, 'drop-mid-body': 0, reset: 0, stall: 0 };
}

/** mulberry32: small, fast, and the same sequence for the same seed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
