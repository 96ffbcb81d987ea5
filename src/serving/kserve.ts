/**
 * Open Inference Protocol (KServe v2) REST routes: health, server and model metadata, readiness, Triton's repository
 * index, and inference in JSON or with Triton's binary tensor data extension.
 */
import { type Context, Hono } from 'hono';
import { clip, ServingError } from '../errors.js';
import { pickVersion } from '../repository/resolve.js';
import { parseJsonBody } from '../tensor/json-body.js';
import {
  decodeInferRequest,
  encodeInferResponse,
  INFERENCE_HEADER_LENGTH,
  kserveDatatype,
  type RequestedOutput,
} from '../tensor/kserve-codec.js';
import { mediaType, readBodyBytes } from './body.js';
import { classify } from './classification.js';
import { errorResponse, MethodNotAllowedError } from './kserve-errors.js';
import { orderInputs } from './signature.js';
import type { ModelIndexEntry, ProtocolOptions, ServedModel } from './types.js';

/** Extensions `GET /v2` reports: binary tensors, and the repository index (load/unload are not offered). */
export const KSERVE_EXTENSIONS = ['binary_tensor_data', 'classification', 'model_repository'] as const;

export interface KServeServerInfo {
  /** `GET /v2` name. */
  name: string;
  /** `GET /v2` version. */
  version: string;
}

type Method = 'GET' | 'POST';
type Handler = (c: Context) => Promise<Response> | Response;

export function kserveRoutes(
  options: ProtocolOptions,
  server: KServeServerInfo = { name: 'mindlet', version: 'unknown' },
): Hono {
  const { repository, limits, observer } = options;
  const app = new Hono();
  app.onError((error, c) => errorResponse(c, error));

  const routes = new Map<string, Method>();
  const on = (method: Method, paths: string[], handler: Handler): void => {
    for (const path of paths) {
      routes.set(path, method);
      app.on(method, path, handler);
    }
  };

  on('GET', ['/v2/health/live'], (c) => c.json({ live: true }));

  on('GET', ['/v2/health/ready'], (c) => {
    if (!repository.ready()) {
      const pending = repository.index().filter((entry) => entry.state !== 'READY');
      const names = pending.map((entry) => `${entry.name}/${entry.version} ${entry.state}`).join(', ');
      throw new ServingError('UNAVAILABLE', `server is not ready${names ? `: ${clip(names)}` : ''}`);
    }
    return c.json({ ready: true });
  });

  on('GET', ['/v2'], (c) => c.json({ name: server.name, version: server.version, extensions: KSERVE_EXTENSIONS }));

  on('POST', ['/v2/repository/index'], async (c) => {
    const readyOnly = await indexFilter(c, limits.maxBodyBytes);
    const entries = repository.index().filter((entry) => !readyOnly || entry.state === 'READY');
    return c.json(entries.map(({ name, version, state, reason }) => ({ name, version, state, reason })));
  });

  on('GET', ['/v2/models/:model', '/v2/models/:model/versions/:version'], async (c) => {
    const model = await repository.resolve(c.req.param('model')!, c.req.param('version'));
    return c.json(modelMetadata(model, repository.index()));
  });

  on('GET', ['/v2/models/:model/ready', '/v2/models/:model/versions/:version/ready'], (c) => {
    const name = c.req.param('model')!;
    const entry = indexEntry(repository.index(), name, c.req.param('version'));
    if (entry.state !== 'READY')
      throw new ServingError(
        'UNAVAILABLE',
        `model ${clip(name)} version ${entry.version} is ${entry.state}${entry.reason ? `: ${entry.reason}` : ''}`,
      );
    return c.json({ name: entry.name, version: entry.version, ready: true });
  });

  on('POST', ['/v2/models/:model/infer', '/v2/models/:model/versions/:version/infer'], async (c) => {
    const headerLength = c.req.header(INFERENCE_HEADER_LENGTH) ?? null;
    checkInferContentType(c.req.raw, headerLength !== null);
    const model = await repository.resolve(c.req.param('model')!, c.req.param('version'));
    const body = await readBodyBytes(c.req.raw, limits.maxBodyBytes);
    c.set('requestBytes', body.byteLength);
    const request = decodeInferRequest(body, headerLength, limits.maxTensorElements);
    const inputs = orderInputs(model, request.inputs);
    const wanted = (
      request.outputs ?? model.outputs.map(({ name }): RequestedOutput => ({ name, binary: undefined }))
    ).map((output) => {
      const index = model.outputs.findIndex((info) => info.name === output.name);
      if (index < 0)
        throw new ServingError(
          'INVALID_INPUT',
          `unknown output ${clip(output.name, 100)}; model ${model.name} gives ${model.outputs.map((o) => o.name).join(', ')}`,
        );
      return {
        name: output.name,
        index,
        binary: output.binary ?? request.binaryOutput,
        classification: output.classification,
      };
    });

    const started = performance.now();
    let results: Awaited<ReturnType<ServedModel['run']>>;
    try {
      results = await model.run(inputs);
    } finally {
      notify(() =>
        observer?.inference?.({ model: model.name, version: model.version, ms: performance.now() - started }),
      );
    }
    if (results.length !== model.outputs.length)
      throw new ServingError(
        'INTERNAL',
        `model ${model.name} returned ${results.length} outputs, expected ${model.outputs.length}`,
      );
    const encoded = encodeInferResponse(
      { model_name: model.name, model_version: model.version, id: request.id },
      wanted.map(({ name, index, binary, classification }) => ({
        name,
        tensor:
          classification === undefined
            ? results[index]!
            : classify(name, results[index]!, classification, model.outputLabels?.[index]),
        binary,
      })),
    );
    const headers: Record<string, string> = {
      'content-type': encoded.contentType,
      'content-length': String(encoded.body.byteLength),
    };
    if (encoded.headerLength !== undefined) headers[INFERENCE_HEADER_LENGTH] = String(encoded.headerLength);
    return new Response(encoded.body, { status: 200, headers });
  });

  // A known path asked with another method is a 405 naming the one it takes, not a 404.
  for (const [path, method] of routes)
    app.all(path, (c) => {
      throw new MethodNotAllowedError(c.req.method, c.req.path, method === 'GET' ? ['GET', 'HEAD'] : [method]);
    });
  return app;
}

/** KServe model metadata: versions from the index, datatypes in KServe's names, -1 for dynamic dims. */
export function modelMetadata(model: ServedModel, index: readonly ModelIndexEntry[]) {
  const versions = index.filter((entry) => entry.name === model.name).map((entry) => entry.version);
  const tensors = (infos: ServedModel['inputs']) =>
    infos.map(({ name, dtype, shape }) => ({
      name,
      datatype: kserveDatatype(dtype) ?? dtype.toUpperCase(),
      shape: shape.map((dim) => (dim < 0 ? -1 : dim)),
    }));
  return {
    name: model.name,
    versions: versions.length ? versions : [model.version],
    platform: model.platform,
    inputs: tensors(model.inputs),
    outputs: tensors(model.outputs),
  };
}

/** Readiness from the index, so a probe never starts a load: the named version, else the latest one. */
function indexEntry(index: readonly ModelIndexEntry[], name: string, version: string | undefined): ModelIndexEntry {
  return pickVersion(
    name,
    version,
    index.filter((entry) => entry.name === name),
  );
}

/** JSON bodies come as application/json or untyped; binary ones announce themselves with the header, any type. */
function checkInferContentType(request: Request, binary: boolean): void {
  const encoding = request.headers.get('content-encoding');
  if (encoding !== null && encoding.trim().toLowerCase() !== 'identity')
    throw new ServingError('UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${clip(encoding, 40)} is not supported`);
  if (binary) return;
  const type = mediaType(request);
  if (type !== '' && type !== 'application/json')
    throw new ServingError(
      'UNSUPPORTED_MEDIA_TYPE',
      `Content-Type ${clip(type, 80)} is not supported; send application/json, or binary tensors with an Inference-Header-Content-Length header`,
    );
}

/** The repository index's optional `{"ready": true}` body. */
async function indexFilter(c: Context, maxBodyBytes: number): Promise<boolean> {
  const type = mediaType(c.req.raw);
  if (type !== '' && type !== 'application/json')
    throw new ServingError('UNSUPPORTED_MEDIA_TYPE', `Content-Type ${clip(type, 80)} is not supported; send JSON`);
  const body = await readBodyBytes(c.req.raw, maxBodyBytes);
  c.set('requestBytes', body.byteLength);
  if (body.byteLength === 0) return false;
  const parsed = parseJsonBody(body, 'repository index request');
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new ServingError('BAD_REQUEST', 'repository index request must be a JSON object');
  const ready = (parsed as { ready?: unknown }).ready;
  if (ready !== undefined && typeof ready !== 'boolean')
    throw new ServingError('BAD_REQUEST', 'repository index "ready" must be true or false');
  return ready === true;
}

/** Observers are someone else's code: their failures must not fail the request. */
function notify(call: () => void): void {
  try {
    call();
  } catch {
    // Dropped on purpose: metrics are best-effort.
  }
}
