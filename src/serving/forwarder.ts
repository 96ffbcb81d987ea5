/**
 * Forwards requests for models served by a container task (TASK_ROUTES) from the HTTP front to the task's base URL:
 * same method, path, query and body; only headers the serving protocols need travel (never credentials). Each
 * attempt has a timeout and the whole request a deadline; an attempt is repeated only when the upstream cannot
 * have run it (connection refused or reset before any answer) or said it could not (502/503). Failures answer JSON
 * in the serving app's error shapes: 502 when the upstream is unreachable or answers badly, 504 when it is too slow.
 */
import { MindletError, ServingError } from '../errors.js';
import { checkModelName } from '../store/names.js';
import { readBodyBytes, readCapped } from './body.js';
import { jsonResponse } from './response.js';
import { DEFAULT_SERVING_LIMITS } from './types.js';

/**
 * Models served by a container task instead of this function, as the Lambda HTTP front reads them from
 * `TASK_ROUTES`: comma-separated `<model name>=<base URL>` pairs, e.g.
 * `resnet50=http://internal-mindlet-gpu-123.eu-west-1.elb.amazonaws.com`. Requests for those models are forwarded.
 */
export const TASK_ROUTES_ENV = 'TASK_ROUTES';

/** Model name → the task service's base URL (origin, optionally a path prefix). */
export type TaskRoutes = ReadonlyMap<string, URL>;

/**
 * `TASK_ROUTES`: comma-separated `<model name>=<base URL>` pairs. Names follow the store's grammar; URLs are http or
 * https with no credentials, query or fragment. Blank entries (a trailing comma) are ignored.
 */
export function parseTaskRoutes(raw: string | undefined, source = TASK_ROUTES_ENV): Map<string, URL> {
  const routes = new Map<string, URL>();
  for (const [index, entry] of (raw ?? '').split(',').entries()) {
    const pair = entry.trim();
    if (!pair) continue;
    const where = `${source} entry ${index + 1} (${JSON.stringify(pair.slice(0, 120))})`;
    const equals = pair.indexOf('=');
    if (equals <= 0 || equals === pair.length - 1)
      throw new MindletError('INVALID_ARGUMENT', `${where}: expected <model name>=<base URL>`);
    const name = pair.slice(0, equals).trim();
    const href = pair.slice(equals + 1).trim();
    try {
      checkModelName(name);
    } catch (error) {
      throw new MindletError('INVALID_ARGUMENT', `${where}: ${(error as Error).message}`);
    }
    if (routes.has(name)) throw new MindletError('INVALID_ARGUMENT', `${where}: model ${name} is routed twice`);
    routes.set(name, parseBaseUrl(href, where));
  }
  return routes;
}

function parseBaseUrl(href: string, where: string): URL {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    throw new MindletError('INVALID_ARGUMENT', `${where}: ${JSON.stringify(href.slice(0, 120))} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new MindletError('INVALID_ARGUMENT', `${where}: the URL must be http:// or https://, not ${url.protocol}//`);
  // Credentials in an environment variable would end up in logs; the task sits behind a private load balancer.
  if (url.username || url.password)
    throw new MindletError('INVALID_ARGUMENT', `${where}: the URL may not carry a user name or password`);
  if (url.search || url.hash)
    throw new MindletError('INVALID_ARGUMENT', `${where}: the URL may not carry a query or fragment`);
  url.pathname = url.pathname.replace(/\/+$/, '');
  return url;
}

/** Which protocol a forwarded path belongs to: it decides the shape of the front's own error answers. */
export type ForwardProtocol = 'kserve' | 'mindspore-serving';

export interface ForwardOptions {
  /**
   * Longest wait for one attempt's answer (headers and body). Under API Gateway HTTP APIs' 30 s integration timeout,
   * which cannot be raised (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html), so
   * the front answers 504 itself rather than the client getting API Gateway's bare 503.
   * @default 25000
   */
  attemptTimeoutMs?: number;
  /**
   * Longest time for the whole request, retries and back-off included (a caller's own deadline, such as Lambda's
   * remaining time, may shorten it per request).
   * @default 28000
   */
  deadlineMs?: number;
  /** Attempts in all, the first included. @default 3 */
  maxAttempts?: number;
  /** First back-off; doubled per retry, with jitter. @default 100 */
  backoffMs?: number;
  /** Largest request body forwarded (larger: 413). @default the serving app's maxBodyBytes (6 MiB) */
  maxRequestBytes?: number;
  /**
   * Largest answer taken from the upstream (larger: 502). @default 6 MiB, the serving app's body limit and Lambda's
   * synchronous response payload limit.
   */
  maxResponseBytes?: number;
  /**
   * Pass answers with a declared Content-Length through as a stream instead of reading them whole. Off by default:
   * a whole read turns a truncated or oversized answer into a clean 502, and Lambda buffers responses anyway.
   * @default false
   */
  streamResponses?: boolean;
  /** Told about every forwarded request (logs, metrics). */
  onForward?: (event: ForwardEvent) => void;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

export interface ForwardEvent {
  model: string;
  method: string;
  path: string;
  requestId: string;
  /** Status the front answered with. */
  status: number;
  /** `answered`: the upstream's answer was passed on; otherwise why the front answered itself. */
  outcome: 'answered' | 'unreachable' | 'bad-answer' | 'timeout' | 'rejected';
  attempts: number;
  ms: number;
}

export interface ForwardTarget {
  model: string;
  protocol: ForwardProtocol;
  /** Milliseconds left for this request (shortens the configured deadline). */
  remainingMs?: number;
}

/** Request headers the serving protocols use; everything else (Authorization, Cookie, X-Amz-*, hop-by-hop) stays. */
const FORWARDED_REQUEST_HEADERS = [
  'content-type',
  'accept',
  // KServe binary tensor extension: where the JSON header of the body ends.
  'inference-header-content-length',
  'x-forwarded-for',
  // Tracing ids, so a request can be followed into the task's logs.
  'x-amzn-trace-id',
  'traceparent',
  'tracestate',
] as const;

/** Answer headers passed back; hop-by-hop headers and cookies are not among them. */
const FORWARDED_RESPONSE_HEADERS = ['content-type', 'inference-header-content-length', 'retry-after', 'allow'] as const;

/** The serving app's rule for client request ids (src/serving/app.ts): short and plain, else a new one. */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** Errors that mean the request never reached an upstream that answered: the socket failed before any response. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  // Connecting timed out: nothing was sent.
  'UND_ERR_CONNECT_TIMEOUT',
  // The upstream closed the connection before answering. Also what a kept-alive connection the load balancer
  // dropped while this function was frozen looks like.
  'UND_ERR_SOCKET',
]);

type Attempt =
  | { kind: 'answer'; response: Response; body: Uint8Array | ReadableStream<Uint8Array> | null }
  | { kind: 'unreachable'; code: string; detail: string }
  | { kind: 'bad'; detail: string }
  | { kind: 'timeout'; ms: number };

export class TaskForwarder {
  private readonly attemptTimeoutMs: number;
  private readonly deadlineMs: number;
  private readonly maxAttempts: number;
  private readonly backoffMs: number;
  private readonly maxRequestBytes: number;
  private readonly maxResponseBytes: number;
  private readonly fetch: typeof fetch;

  constructor(
    readonly routes: TaskRoutes,
    private readonly options: ForwardOptions = {},
  ) {
    this.attemptTimeoutMs = positive(options.attemptTimeoutMs, 25_000, 'attemptTimeoutMs');
    this.deadlineMs = positive(options.deadlineMs, 28_000, 'deadlineMs');
    this.maxAttempts = positive(options.maxAttempts, 3, 'maxAttempts');
    this.backoffMs = positive(options.backoffMs, 100, 'backoffMs');
    this.maxRequestBytes = positive(options.maxRequestBytes, DEFAULT_SERVING_LIMITS.maxBodyBytes, 'maxRequestBytes');
    this.maxResponseBytes = positive(options.maxResponseBytes, DEFAULT_SERVING_LIMITS.maxBodyBytes, 'maxResponseBytes');
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /** Forwards one request for a routed model; always resolves with a response (the upstream's, or a JSON error). */
  async forward(request: Request, target: ForwardTarget): Promise<Response> {
    const started = performance.now();
    const deadline = started + Math.min(this.deadlineMs, Math.max(0, target.remainingMs ?? Number.POSITIVE_INFINITY));
    const incoming = new URL(request.url);
    const clientId = request.headers.get('x-request-id');
    const requestId = clientId !== null && CLIENT_REQUEST_ID.test(clientId) ? clientId : crypto.randomUUID();
    let attempts = 0;
    const done = (response: Response, outcome: ForwardEvent['outcome']): Response => {
      response.headers.set('x-request-id', requestId);
      try {
        this.options.onForward?.({
          model: target.model,
          method: request.method,
          path: incoming.pathname,
          requestId,
          status: response.status,
          outcome,
          attempts,
          ms: performance.now() - started,
        });
      } catch {
        // Observers are best-effort, as in the serving app.
      }
      return response;
    };
    const fail = (status: number, code: string, message: string, outcome: ForwardEvent['outcome']) =>
      done(errorAnswer(target.protocol, status, code, message, requestId), outcome);

    const base = this.routes.get(target.model);
    if (!base) return fail(404, 'NOT_FOUND', `model ${target.model} is not routed to a container task`, 'rejected');
    // A bare origin's path is '/': the prefix is the path without its trailing slash ('' for none).
    const url = `${base.origin}${base.pathname.replace(/\/+$/, '')}${incoming.pathname}${incoming.search}`;
    const headers = new Headers();
    for (const name of FORWARDED_REQUEST_HEADERS) {
      const value = request.headers.get(name);
      if (value !== null) headers.set(name, value);
    }
    headers.set('x-request-id', requestId);
    let body: Uint8Array | undefined;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      try {
        // Read whole: a retry must send it again, and the Lambda event holds it in memory already.
        body = await readBodyBytes(request, this.maxRequestBytes);
      } catch (error) {
        const failure = error instanceof ServingError ? error : new ServingError('BAD_REQUEST', 'unreadable body');
        return fail(failure.status, failure.code, failure.message, 'rejected');
      }
    }
    // Inference has no side effects, so an infer or predict POST the upstream refused with 502/503 is as safe to
    // send again as a GET; other methods are only resent when the connection failed before anything was sent.
    const repeatable =
      request.method === 'GET' ||
      request.method === 'HEAD' ||
      (request.method === 'POST' && /(\/infer|:predict)$/.test(incoming.pathname));
    const upstream = `upstream ${target.model}`;

    for (;;) {
      attempts++;
      const left = deadline - performance.now();
      if (left <= 0)
        return fail(504, 'GATEWAY_TIMEOUT', `no time was left to forward the request to ${upstream}`, 'timeout');
      const timeoutMs = Math.max(1, Math.floor(Math.min(this.attemptTimeoutMs, left)));
      const attempt = await this.attempt(url, { method: request.method, headers, body }, timeoutMs);
      const again = attempts < this.maxAttempts ? this.backoff(attempts, deadline) : undefined;
      switch (attempt.kind) {
        case 'timeout':
          // Never retried: the upstream may still be running the first request.
          return fail(504, 'GATEWAY_TIMEOUT', `${upstream} did not answer within ${attempt.ms} ms`, 'timeout');
        case 'unreachable':
          if (again !== undefined && (repeatable || attempt.code === 'ECONNREFUSED')) {
            await sleep(again);
            continue;
          }
          return fail(
            502,
            'BAD_GATEWAY',
            `${upstream} unreachable: ${attempt.detail} (${attempts} attempt${attempts === 1 ? '' : 's'})`,
            'unreachable',
          );
        case 'bad':
          return fail(502, 'BAD_GATEWAY', `${upstream} answered badly: ${attempt.detail}`, 'bad-answer');
        case 'answer': {
          const { response } = attempt;
          if ((response.status === 502 || response.status === 503) && repeatable && again !== undefined) {
            if (attempt.body instanceof ReadableStream) await attempt.body.cancel().catch(() => undefined);
            await sleep(again);
            continue;
          }
          const type = response.headers.get('content-type') ?? '';
          // The serving app answers every error in JSON; any other error body came from something in between (a
          // load balancer's HTML page), which the client should not have to parse.
          if (response.status >= 400 && !isJson(type)) {
            if (attempt.body instanceof ReadableStream) await attempt.body.cancel().catch(() => undefined);
            return fail(
              502,
              'BAD_GATEWAY',
              `${upstream} answered badly: HTTP ${response.status}${type ? ` (${type.slice(0, 60)})` : ''}`,
              'bad-answer',
            );
          }
          const answerHeaders = new Headers();
          for (const name of FORWARDED_RESPONSE_HEADERS) {
            const value = response.headers.get(name);
            if (value !== null) answerHeaders.set(name, value);
          }
          const length =
            attempt.body instanceof Uint8Array ? attempt.body.byteLength : response.headers.get('content-length');
          if (length !== null) answerHeaders.set('content-length', String(length));
          const nullBody = request.method === 'HEAD' || response.status === 204 || response.status === 304;
          return done(
            new Response(nullBody ? null : attempt.body, { status: response.status, headers: answerHeaders }),
            'answered',
          );
        }
      }
    }
  }

  /** Milliseconds to wait before attempt `attempts + 1`, or undefined when the deadline leaves no room for it. */
  private backoff(attempts: number, deadline: number): number | undefined {
    const wait = this.backoffMs * 2 ** (attempts - 1) * (0.5 + Math.random() / 2);
    // A retry needs time to be worth sending: at least as long again as the wait.
    return deadline - performance.now() > 2 * wait + 50 ? wait : undefined;
  }

  private async attempt(
    url: string,
    init: { method: string; headers: Headers; body: Uint8Array | undefined },
    timeoutMs: number,
  ): Promise<Attempt> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    let keepTimer = false;
    let answered = false;
    try {
      const response = await this.fetch(url, {
        method: init.method,
        headers: init.headers,
        ...(init.body === undefined ? {} : { body: init.body }),
        // A redirect from the task is passed on, not followed to wherever it points.
        redirect: 'manual',
        signal: controller.signal,
      });
      answered = true;
      const declared = declaredLength(response.headers.get('content-length'));
      if (declared !== undefined && declared > this.maxResponseBytes) {
        await response.body?.cancel().catch(() => undefined);
        return { kind: 'bad', detail: tooLarge(declared, this.maxResponseBytes) };
      }
      if (this.options.streamResponses && declared !== undefined && response.body) {
        // The per-attempt timer keeps running until the stream ends, so a stalled body is cut off all the same.
        keepTimer = true;
        return { kind: 'answer', response, body: withRelease(response.body, () => clearTimeout(timer)) };
      }
      const body = response.body ? await readCappedAnswer(response.body, this.maxResponseBytes) : null;
      if (typeof body === 'string') return { kind: 'bad', detail: body };
      return { kind: 'answer', response, body };
    } catch (error) {
      if (timedOut) return { kind: 'timeout', ms: timeoutMs };
      const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
      const code = typeof cause?.code === 'string' ? cause.code : '';
      const detail = typeof cause?.message === 'string' && cause.message ? cause.message : (error as Error).message;
      if (!answered && CONNECTION_CODES.has(code)) return { kind: 'unreachable', code, detail: `${detail} (${code})` };
      if (answered) return { kind: 'bad', detail: `the answer broke off: ${detail}` };
      return { kind: 'bad', detail: code ? `${detail} (${code})` : detail };
    } finally {
      if (!keepTimer) clearTimeout(timer);
    }
  }
}

/** A stream that calls `release` however it ends: read to the end, failed, or cancelled by the consumer. */
function withRelease(stream: ReadableStream<Uint8Array>, release: () => void): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          release();
          controller.close();
        } else controller.enqueue(value);
      } catch (error) {
        release();
        controller.error(error);
      }
    },
    async cancel(reason) {
      release();
      await reader.cancel(reason);
    },
  });
}

/** The body whole, or why not (over the bound) as a string. */
async function readCappedAnswer(stream: ReadableStream<Uint8Array>, max: number): Promise<Uint8Array | string> {
  const read = await readCapped(stream, max);
  return 'over' in read ? tooLarge(read.over, max, 'at least ') : read.bytes;
}

function tooLarge(bytes: number, max: number, qualifier = ''): string {
  return `an answer of ${qualifier}${bytes} bytes exceeds the limit of ${max} bytes`;
}

function declaredLength(header: string | null): number | undefined {
  if (header === null || !/^\d+$/.test(header.trim())) return undefined;
  const length = Number(header);
  return Number.isSafeInteger(length) ? length : undefined;
}

function isJson(contentType: string): boolean {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || type.endsWith('+json');
}

/** The serving app's error shapes: KServe's `{"error"}`, MindSpore Serving's `{"error_msg"}`. */
export function errorAnswer(
  protocol: ForwardProtocol,
  status: number,
  code: string,
  message: string,
  requestId: string,
): Response {
  const text = message.replace(/\s+/g, ' ').trim().slice(0, 1000);
  return jsonResponse(
    protocol === 'kserve'
      ? { error: text, code, request_id: requestId }
      : { error_msg: text, code, request_id: requestId },
    status,
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(Number.isSafeInteger(value) && value > 0))
    throw new MindletError('INVALID_ARGUMENT', `forwarder option ${name} must be a positive integer, got ${value}`);
  return value;
}
