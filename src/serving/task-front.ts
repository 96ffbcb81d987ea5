/**
 * The HTTP front: the serving app for models loaded here, and the forwarder for models routed to a container task.
 * Any adapter that takes a Hono app (the Lambda function, `mindlet serve`) can put it in front of the serving app.
 *
 * What is forwarded: every KServe request under `/v2/models/<name>` (metadata, readiness, inference) and every
 * MindSpore Serving request under `/model/<name>` whose model is routed; a route wins over a local model of the
 * same name. Everything else is the local app's: `/v2/health/ready` says whether the models loaded *here* are
 * ready (it does not probe upstreams, whose readiness is `/v2/models/<name>/ready`, forwarded), and the repository
 * index lists local models only, since the front cannot know a routed model's versions or state without asking.
 */
import { Hono } from 'hono';
import { ServingError } from '../errors.js';
import { type ForwardOptions, type ForwardProtocol, TaskForwarder, type TaskRoutes } from './forwarder.js';
import type { ModelRepository } from './types.js';

export interface TaskRouteOptions extends ForwardOptions {
  /**
   * Milliseconds left for a request, read from the adapter's environment (the Lambda function passes its context's
   * remaining time, less a margin), so a 504 is answered before the platform cuts the request off.
   */
  remainingMs?: (env: unknown) => number | undefined;
}

/** The routed model a path names, if it names one: KServe `/v2/models/<name>…`, MindSpore Serving `/model/<name>…`. */
export function modelOfPath(pathname: string): { model: string; protocol: ForwardProtocol } | undefined {
  const kserve = /^\/v2\/models\/([^/]+)(?:\/|$)/.exec(pathname);
  if (kserve) {
    const model = decode(kserve[1]!);
    return model === undefined ? undefined : { model, protocol: 'kserve' };
  }
  // `/model/<name>:predict` or `/model/<name>/version/<v>:predict`: the name ends at the first '/' or ':'.
  const mindspore = /^\/model\/([^/:]+)(?:[/:]|$)/.exec(pathname);
  if (mindspore) {
    const model = decode(mindspore[1]!);
    return model === undefined ? undefined : { model, protocol: 'mindspore-serving' };
  }
  return undefined;
}

/**
 * `app` with requests for routed models forwarded (see the file comment). Without routes, use `app` itself.
 */
export function withTaskRoutes(app: Hono, routes: TaskRoutes, options: TaskRouteOptions = {}): Hono {
  const forwarder = new TaskForwarder(routes, options);
  const front = new Hono();
  front.all('*', (c) => {
    const target = modelOfPath(new URL(c.req.url).pathname);
    if (target && routes.has(target.model)) {
      const remainingMs = options.remainingMs?.(c.env);
      return forwarder.forward(c.req.raw, { ...target, ...(remainingMs === undefined ? {} : { remainingMs }) });
    }
    return app.fetch(c.req.raw, c.env);
  });
  return front;
}

/** The repository of a front that serves no model itself: always ready, nothing listed, every model unknown. */
export function emptyRepository(): ModelRepository {
  return {
    index: () => [],
    ready: () => true,
    resolve: async (name) => {
      throw new ServingError('NOT_FOUND', `model ${name.slice(0, 80)} is not served here`);
    },
  };
}

function decode(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}
