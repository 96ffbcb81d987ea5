/**
 * The HTTP Lambda function: the serving app (KServe v2, MindSpore Serving REST) behind API Gateway HTTP APIs
 * (payload v2) and function URLs. Models load once per execution environment, starting at module init; a failed
 * load answers 503 and is tried again on the next invoke. Models placed on a container task (TASK_ROUTES) are
 * forwarded to it; with routes alone the function is a pure front. Configuration comes from the environment
 * (README.md).
 */
import os from 'node:os';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { handle, type LambdaEvent } from 'hono/aws-lambda';
import { toServingError } from '../src/errors.js';
import {
  type LoadReport,
  type ModelSource,
  type RepositoryEvent,
  StoreModelRepository,
} from '../src/repository/store-repository.js';
import { createServingApp } from '../src/serving/app.js';
import { parseTaskRoutes, TASK_ROUTES_ENV, type TaskRoutes } from '../src/serving/forwarder.js';
import { emptyRepository, modelOfPath, withTaskRoutes } from '../src/serving/task-front.js';
import type { ServingObserver } from '../src/serving/types.js';
import { createTelemetry } from './telemetry.js';

// POWERTOOLS_SERVICE_NAME, when set, names the service in logs, metrics and traces.
const telemetry = createTelemetry('mindlet-http');
const { logger, metrics } = telemetry;

interface Config {
  /** Models loaded here; empty for a pure front (every model routed). */
  sources: ModelSource[];
  routes: TaskRoutes;
  threads: number;
  maxBodyBytes?: number;
  routeTimeoutMs?: number;
}

/** Lambda's remaining time less this is the forwarder's deadline, so its 504 is sent before the function times out. */
const DEADLINE_MARGIN_MS = 500;

/** One value for every URI, or one per URI (comma-separated, in MODEL_URI's order). */
function perSource(env: NodeJS.ProcessEnv, key: string, count: number): (string | undefined)[] {
  const raw = env[key]?.trim();
  if (!raw) return Array(count).fill(undefined);
  const values = raw.split(',').map((value) => value.trim());
  if (values.length === 1) return Array(count).fill(values[0]);
  if (values.length !== count) throw new Error(`${key} has ${values.length} values for ${count} MODEL_URI entries`);
  return values;
}

function positiveInteger(env: NodeJS.ProcessEnv, key: string): number | undefined {
  const raw = env[key]?.trim();
  if (!raw) return undefined;
  const value = Number(raw);
  if (!(Number.isSafeInteger(value) && value > 0)) throw new Error(`${key} must be a positive integer, got ${raw}`);
  return value;
}

function readConfig(env: NodeJS.ProcessEnv): Config {
  const uris = (env.MODEL_URI ?? '')
    .split(',')
    .map((uri) => uri.trim())
    .filter((uri) => uri.length > 0);
  const routes = parseTaskRoutes(env[TASK_ROUTES_ENV]);
  if (uris.length === 0 && routes.size === 0)
    throw new Error(
      `MODEL_URI is not set: give the model to serve (s3://bucket/key, comma-separated for several), or ${TASK_ROUTES_ENV}`,
    );
  const names = perSource(env, 'MODEL_NAME', uris.length);
  const versions = perSource(env, 'MODEL_VERSION', uris.length);
  const keyRefs = perSource(env, 'MODEL_KEY_REF', uris.length);
  const sources = uris.map((uri, index) => ({
    uri,
    ...(names[index] === undefined ? {} : { name: names[index] }),
    ...(versions[index] === undefined ? {} : { version: versions[index] }),
    ...(keyRefs[index] === undefined ? {} : { keyRef: keyRefs[index] }),
  }));
  const maxBodyBytes = positiveInteger(env, 'MINDLET_MAX_BODY_BYTES');
  const routeTimeoutMs = positiveInteger(env, 'TASK_ROUTE_TIMEOUT_MS');
  return {
    sources,
    routes,
    threads: positiveInteger(env, 'MINDLET_THREADS') ?? os.availableParallelism(),
    ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }),
    ...(routeTimeoutMs === undefined ? {} : { routeTimeoutMs }),
  };
}

const observer: ServingObserver = {
  inference: ({ ms }) => metrics.addMetric('InferenceMs', MetricUnit.Milliseconds, ms),
  request: ({ requestId, method, path, status, ms, requestBytes, responseBytes }) => {
    metrics.addMetric('PayloadBytes', MetricUnit.Bytes, requestBytes);
    logger.info('request', { requestId, method, path, status, ms, requestBytes, responseBytes });
  },
};

function logRepositoryEvent(event: RepositoryEvent): void {
  if (event.kind === 'loaded') logger.info('model loaded', { ...event.report, reload: event.reload });
  else
    logger.error('model load failed', {
      uri: event.uri,
      model: event.name,
      version: event.version,
      error: event.error,
    });
}

interface Served {
  /** Undefined for a pure front. */
  repository: StoreModelRepository | undefined;
  routes: TaskRoutes;
  lambdaHandler: ReturnType<typeof handle>;
}

/** The invoke's remaining time, from the Lambda context hono's adapter passes as the app's env. */
function remainingMs(env: unknown): number | undefined {
  const context = (env as { lambdaContext?: Partial<Context> } | undefined)?.lambdaContext;
  const remaining = context?.getRemainingTimeInMillis?.();
  return typeof remaining === 'number' ? remaining - DEADLINE_MARGIN_MS : undefined;
}

/** Built once per execution environment; a bad configuration is kept as the error every invoke answers with. */
function setUp(): Served | Error {
  try {
    const config = readConfig(process.env);
    const repository =
      config.sources.length === 0
        ? undefined
        : new StoreModelRepository(config.sources, { threads: config.threads, onEvent: logRepositoryEvent });
    const app = createServingApp({
      repository: repository ?? emptyRepository(),
      observer,
      // The bundle has no package.json beside it; the build writes the version in.
      ...(process.env.MINDLET_PACKAGE_VERSION ? { serverVersion: process.env.MINDLET_PACKAGE_VERSION } : {}),
      ...(config.maxBodyBytes === undefined ? {} : { limits: { maxBodyBytes: config.maxBodyBytes } }),
    });
    const { routes } = config;
    if (routes.size === 0) return { repository, routes, lambdaHandler: handle(app) };
    logger.info('models routed to container tasks', {
      routes: Object.fromEntries([...routes].map(([name, url]) => [name, url.origin + url.pathname])),
    });
    const front = withTaskRoutes(app, routes, {
      remainingMs,
      ...(config.maxBodyBytes === undefined ? {} : { maxRequestBytes: config.maxBodyBytes }),
      ...(config.routeTimeoutMs === undefined ? {} : { attemptTimeoutMs: config.routeTimeoutMs }),
      onForward: (event) => {
        metrics.addMetric('ForwardMs', MetricUnit.Milliseconds, event.ms);
        // The front's own 502/504 answers are warnings: the task is down, slow or answering badly.
        if (event.outcome === 'answered') logger.info('request forwarded', { ...event });
        else logger.warn('request forwarded', { ...event });
      },
    });
    return { repository, routes, lambdaHandler: handle(front) };
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

const served = setUp();
if (served instanceof Error) logger.error('function is misconfigured', { error: served });
/** Load reports not yet counted in metrics (published with the invoke that awaited them). */
let unreported: LoadReport[] = [];
// Loaded during module init (top-level await): the init phase, provisioned concurrency and SnapStart-style pre-init
// pay for the download and planning, not the first request. startLoad never rejects, so init never fails.
let loading: Promise<void> | undefined =
  served instanceof Error || !served.repository ? undefined : startLoad(served.repository);
await loading;

function startLoad(repository: StoreModelRepository): Promise<void> {
  return repository.load().then(
    (reports) => {
      unreported.push(...reports);
    },
    () => {
      // Logged through onEvent; forgetting the promise makes the next invoke try again.
      loading = undefined;
    },
  );
}

function jsonError(statusCode: number, message: string): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ error: message }),
    isBase64Encoded: false,
  };
}

async function invoke(event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> {
  if (served instanceof Error) {
    logger.error('function is misconfigured', { error: served });
    return jsonError(500, `function is misconfigured: ${served.message}`);
  }
  // A request forwarded to a container task does not wait for (or retry) the load of this function's models.
  const routed = served.routes.has(modelOfPath(event.rawPath ?? '')?.model ?? '');
  if (served.repository && !routed && !served.repository.ready()) {
    loading ??= startLoad(served.repository);
    await loading;
  }
  for (const report of unreported) {
    metrics.addMetric('DownloadMs', MetricUnit.Milliseconds, report.downloadMs);
    metrics.addMetric('LoadMs', MetricUnit.Milliseconds, report.loadMs);
  }
  unreported = [];
  // Not ready here means the load failed: the app answers 503 with the repository's reason.
  // The same payload v2 JSON under two typings: hono's requires `authorizer` and a null body, AWS's need neither.
  return (await served.lambdaHandler(event as unknown as LambdaEvent, context)) as APIGatewayProxyStructuredResultV2;
}

export function handler(event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> {
  // The app answers its own errors; one reaching here is a bug in the adapter, and the client still gets JSON.
  return telemetry.invoke(
    context,
    () => invoke(event, context),
    (error) => jsonError(500, toServingError(error).message),
  );
}
