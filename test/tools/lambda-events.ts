/**
 * Real Lambda HTTP event shapes (API Gateway HTTP API payload v2, Function URL) for a request, built from the
 * templates in test/functions/events; binary bodies travel base64-encoded as API Gateway sends them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export type EventKind = 'api-gateway-http-v2' | 'function-url';

export interface HttpRequest {
  method: 'GET' | 'POST';
  path: string;
  query?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

/** A real event of the given kind for this request, from the templates in ./events. */
export function lambdaEvent(kind: EventKind, request: HttpRequest): Record<string, unknown> {
  const template = JSON.parse(readFileSync(path.join(root, 'test/functions/events', `${kind}.json`), 'utf8'));
  const binary = request.body instanceof Uint8Array;
  const body =
    request.body === undefined
      ? undefined
      : binary
        ? Buffer.from(request.body as Uint8Array).toString('base64')
        : (request.body as string);
  const bodyBytes =
    request.body === undefined ? 0 : binary ? (request.body as Uint8Array).byteLength : Buffer.byteLength(body!);
  const event = {
    ...template,
    rawPath: request.path,
    rawQueryString: request.query ?? '',
    headers: { ...template.headers, ...request.headers, 'content-length': String(bodyBytes) },
    requestContext: {
      ...template.requestContext,
      http: { ...template.requestContext.http, method: request.method, path: request.path },
      requestId: `req-${Math.random().toString(36).slice(2)}`,
      timeEpoch: Date.now(),
    },
    isBase64Encoded: binary,
  };
  if (body !== undefined) event.body = body;
  return event;
}
