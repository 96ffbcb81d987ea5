/**
 * The serving app: KServe v2 and MindSpore Serving REST routes over one model repository, as a web-standard
 * `fetch(Request) → Response`. Adapters (Lambda, Node, Workers) only translate their events to and from it.
 */
import { Hono } from 'hono';
import { clip, MindletError, ServingError } from '../errors.js';
import { kserveRoutes } from './kserve.js';
import { errorResponse } from './kserve-errors.js';
import { mindsporeServingRoutes } from './mindspore-serving.js';
import {
  DEFAULT_SERVING_LIMITS,
  type ModelRepository,
  type ProtocolOptions,
  type ServingLimits,
  type ServingObserver,
} from './types.js';

export interface ServingAppOptions {
  repository: ModelRepository;
  /** Bounds on requests, merged over `DEFAULT_SERVING_LIMITS`. */
  limits?: Partial<ServingLimits>;
  /** Told about every request and inference (metrics, logs). Default: none. */
  observer?: ServingObserver;
  /**
   * Server name in `GET /v2`.
   * @default 'mindlet'
   */
  serverName?: string;
  /**
   * Server version in `GET /v2`; adapters pass mindlet's (the app reads no files, so it runs on any platform).
   * @default 'unknown'
   */
  serverVersion?: string;
}

/** Client request ids are echoed only when they are short and plain, so they are safe in headers and logs. */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

export function createServingApp(options: ServingAppOptions): Hono {
  const limits = servingLimits(options.limits);
  const protocol: ProtocolOptions = { repository: options.repository, limits, observer: options.observer };
  const observer = options.observer;
  const app = new Hono();

  app.use(async (c, next) => {
    const started = performance.now();
    const clientId = c.req.header('x-request-id');
    const requestId = clientId !== undefined && CLIENT_REQUEST_ID.test(clientId) ? clientId : crypto.randomUUID();
    c.set('requestId', requestId);
    await next();
    c.res.headers.set('x-request-id', requestId);
    let responseBytes = Number(c.res.headers.get('content-length') ?? Number.NaN);
    if (!Number.isFinite(responseBytes)) {
      // Bodies here are built whole, so measuring one costs a copy, and gives every adapter a Content-Length.
      const bytes = c.res.body ? new Uint8Array(await c.res.arrayBuffer()) : new Uint8Array(0);
      const headers = new Headers(c.res.headers);
      headers.set('content-length', String(bytes.byteLength));
      c.res = new Response(c.res.body === null ? null : bytes, { status: c.res.status, headers });
      responseBytes = bytes.byteLength;
    }
    const declared = Number(c.req.header('content-length') ?? 0);
    const requestBytes = c.get('requestBytes') ?? (Number.isFinite(declared) ? declared : 0);
    try {
      observer?.request?.({
        requestId,
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: performance.now() - started,
        requestBytes,
        responseBytes,
      });
    } catch {
      // Metrics are best-effort: an observer's failure must not fail the request.
    }
  });

  app.route(
    '/',
    kserveRoutes(protocol, {
      name: options.serverName ?? 'mindlet',
      version: options.serverVersion ?? 'unknown',
    }),
  );
  app.route('/', mindsporeServingRoutes(protocol));

  app.notFound((c) =>
    errorResponse(c, new ServingError('NOT_FOUND', `no route for ${c.req.method} ${clip(c.req.path)}`)),
  );
  app.onError((error, c) => errorResponse(c, error));
  return app;
}

/** Limits over the defaults; a limit that is not a positive integer is a configuration error, caught at start. */
export function servingLimits(overrides: Partial<ServingLimits> = {}): ServingLimits {
  const limits: ServingLimits = { ...DEFAULT_SERVING_LIMITS };
  for (const [key, value] of Object.entries(overrides) as Array<[keyof ServingLimits, number | undefined]>) {
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value <= 0)
      throw new MindletError('INVALID_ARGUMENT', `serving limit ${key} must be a positive integer, got ${value}`);
    limits[key] = value;
  }
  return limits;
}
