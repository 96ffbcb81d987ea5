/**
 * The JSON error body KServe clients read (`{"error": ...}`), also used by the app for routes no protocol owns, and
 * the per-request values the app's middleware hands to routes (request id, bytes read).
 */
import type { Context } from 'hono';
import { clip, ServingError, toServingError } from '../errors.js';
import { jsonResponse } from './response.js';

declare module 'hono' {
  interface ContextVariableMap {
    /** Set by the app on every request; echoed as `x-request-id` and in error bodies. */
    requestId: string;
    /** Body bytes a route read, for `ServingObserver.request` (Content-Length is absent on many requests). */
    requestBytes: number;
  }
}

/** A known route asked with the wrong HTTP method: 405 with the methods it takes. */
export class MethodNotAllowedError extends ServingError {
  readonly allow: readonly string[];

  constructor(method: string, path: string, allow: readonly string[]) {
    super('METHOD_NOT_ALLOWED', `${method} is not allowed on ${clip(path)}; use ${allow.join(' or ')}`);
    this.allow = allow;
  }
}

/** The shape of every non-2xx JSON body outside MindSpore Serving's routes. */
export interface ErrorBody {
  error: string;
  code: ServingError['code'];
  request_id: string | undefined;
}

/** Any thrown value as a JSON error response; internal failures say only "internal error". */
export function errorResponse(c: Context, thrown: unknown): Response {
  const error = toServingError(thrown);
  const body: ErrorBody = { error: oneLine(error.message), code: error.code, request_id: c.get('requestId') };
  const headers: Record<string, string> = {};
  if (error instanceof MethodNotAllowedError) headers.Allow = error.allow.join(', ');
  return jsonResponse(body, error.status, headers);
}

function oneLine(message: string): string {
  return clip(message.replace(/\s+/g, ' ').trim(), 1000);
}
