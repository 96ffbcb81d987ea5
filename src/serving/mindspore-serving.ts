/**
 * MindSpore Serving's RESTful protocol, so its clients work unchanged: `POST /model/{name}[/version/{n}]:predict`
 * with `{"instances": [{input: value, ...}, ...]}`, answered `{"instances": [{output: value, ...}, ...]}` or
 * `{"error_msg": "..."}`. Instances are single samples when the model has a batch dimension (MindSpore Serving's
 * `with_batch_dim=True`): they are stacked into runs of the model's batch size and the outputs sliced back.
 */
import { type Context, Hono } from 'hono';
import { ServingError, toServingError } from '../errors.js';
import type { TensorInfo } from '../graph/types.js';
import { batchDimension, sampleOf, stackSamples } from '../runtime/batching.js';
import { isJsonNumericDType } from '../tensor/json.js';
import { parseJsonBody } from '../tensor/json-body.js';
import { decodeInstanceValue, tensorToJsonValue } from '../tensor/mindspore-serving-codec.js';
import { formatShape, shapeMatches } from '../tensor/signature.js';
import type { Tensor } from '../tensor/types.js';
import { mediaType, readBodyBytes } from './body.js';
import { jsonResponse } from './response.js';
import type { ProtocolOptions, ServedModel } from './types.js';

/** The one method a served model offers (a MindSpore servable may declare several; ours run the graph as is). */
export const MINDSPORE_SERVING_METHOD = 'predict';

/** Where a request goes: `/model/{model}[/version/{version}]:{method}`. */
export interface MindsporeServingTarget {
  model: string;
  /** Undefined (no `/version/` part, or version 0) means the latest version, as in MindSpore Serving. */
  version?: string;
  method: string;
}

/**
 * Content types taken as JSON: MindSpore Serving reads the body whatever the header says, and its documented clients
 * send none (`requests.post(url, data=...)`) or curl's form default (`curl -d`).
 */
const JSON_MEDIA_TYPES = new Set(['', 'application/json', 'application/x-www-form-urlencoded', 'text/plain']);

export function mindsporeServingRoutes(options: ProtocolOptions): Hono {
  const app = new Hono();
  app.all('/model/*', async (c) => {
    try {
      const target = parseMindsporeServingPath(new URL(c.req.url).pathname);
      if (c.req.method !== 'POST')
        throw new ServingError(
          'METHOD_NOT_ALLOWED',
          `${c.req.method} is not allowed here; MindSpore Serving takes POST`,
        );
      if (target.method !== MINDSPORE_SERVING_METHOD)
        throw new ServingError(
          'NOT_FOUND',
          `model ${target.model} has no method ${target.method.slice(0, 80)}; available method: ${MINDSPORE_SERVING_METHOD}`,
        );
      const type = mediaType(c.req.raw);
      if (!JSON_MEDIA_TYPES.has(type) && !type.endsWith('+json'))
        throw new ServingError(
          'UNSUPPORTED_MEDIA_TYPE',
          `content type ${type.slice(0, 80)} is not JSON; send application/json`,
        );
      const bytes = await readBodyBytes(c.req.raw, options.limits.maxBodyBytes);
      c.set('requestBytes', bytes.byteLength);
      const body = parseJsonBody(bytes);
      const instances = requestInstances(body, options.limits.maxInstances);
      const model = await options.repository.resolve(target.model, target.version);
      return jsonResponse({ instances: await predictInstances(model, instances, options) });
    } catch (error) {
      return errorResponse(c, error);
    }
  });
  return app;
}

/** `/model/lenet/version/1:predict` → its parts; anything else under /model/ is a 404 that shows the grammar. */
export function parseMindsporeServingPath(pathname: string): MindsporeServingTarget {
  const grammar = 'expected /model/{name}[/version/{version}]:{method}';
  const rest = pathname.startsWith('/model/') ? pathname.slice('/model/'.length) : '';
  const colon = rest.indexOf(':');
  const parts = (colon < 0 ? rest : rest.slice(0, colon)).split('/').map(decodePart);
  const method = colon < 0 ? '' : decodePart(rest.slice(colon + 1));
  const [model, keyword, version] = parts;
  const shaped = parts.length === 1 || (parts.length === 3 && keyword === 'version' && version);
  if (!model || !method || !shaped || parts.includes(undefined))
    throw new ServingError('NOT_FOUND', `no route for ${pathname.slice(0, 200)}: ${grammar}`);
  return { model, method, ...(version && version !== '0' ? { version } : {}) };
}

function decodePart(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}

/** `instances` as a list: MindSpore Serving also takes one instance given as a bare object. */
function requestInstances(body: unknown, maxInstances: number): unknown[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !('instances' in body))
    throw new ServingError('BAD_REQUEST', 'request body must be a JSON object with an "instances" list');
  const { instances } = body as { instances: unknown };
  const list = Array.isArray(instances)
    ? instances
    : typeof instances === 'object' && instances !== null
      ? [instances]
      : undefined;
  if (!list)
    throw new ServingError('BAD_REQUEST', '"instances" must be a list of objects mapping input names to values');
  if (list.length === 0) throw new ServingError('BAD_REQUEST', '"instances" is empty');
  if (list.length > maxInstances)
    throw new ServingError(
      'PAYLOAD_TOO_LARGE',
      `${list.length} instances exceed the limit of ${maxInstances} per request`,
    );
  return list;
}

/** One instance's inputs in model order, and whether they are single samples or whole model inputs. */
interface DecodedInstance {
  index: number;
  tensors: Tensor[];
  sample: boolean;
}

type OutputRecord = Record<string, unknown>;

/** Decodes every instance, runs them (samples stacked into batches) and returns one output record per instance. */
async function predictInstances(
  model: ServedModel,
  instances: readonly unknown[],
  options: ProtocolOptions,
): Promise<OutputRecord[]> {
  const batch = batchDimension(model);
  const decoded = instances.map((instance, index) =>
    decodeInstance(model, instance, index, batch, options.limits.maxTensorElements),
  );
  const results: OutputRecord[] = new Array(instances.length);

  // Samples stack only with samples of the same shapes (dynamic non-batch dims may differ between instances).
  const groups = new Map<string, DecodedInstance[]>();
  for (const instance of decoded) {
    if (!instance.sample) {
      const outputs = await runModel(model, instance.tensors, options);
      results[instance.index] = outputRecord(model, outputs, (tensor) => tensor);
      continue;
    }
    const key = instance.tensors.map((tensor) => formatShape(tensor.shape)).join(';');
    const group = groups.get(key);
    if (group) group.push(instance);
    else groups.set(key, [instance]);
  }

  for (const group of groups.values()) {
    const size = batch === undefined || batch < 0 ? group.length : batch;
    for (let start = 0; start < group.length; start += size) {
      const chunk = group.slice(start, start + size);
      // A fixed batch is filled by repeating the last instance; the padded results are dropped.
      const padded = [...chunk, ...new Array<DecodedInstance>(size - chunk.length).fill(chunk[chunk.length - 1]!)];
      const inputs = model.inputs.map((_, i) => stackSamples(padded.map((instance) => instance.tensors[i]!)));
      const outputs = await runModel(model, inputs, options);
      chunk.forEach((instance, row) => {
        results[instance.index] = outputRecord(model, outputs, (tensor, info) => sliceSample(tensor, info, row, size));
      });
    }
  }
  return results;
}

function decodeInstance(
  model: ServedModel,
  instance: unknown,
  index: number,
  batch: number | undefined,
  maxElements: number,
): DecodedInstance {
  if (typeof instance !== 'object' || instance === null || Array.isArray(instance))
    throw new ServingError('BAD_REQUEST', `instance ${index}: must be an object mapping input names to values`);
  const values = instance as Record<string, unknown>;
  const expected = model.inputs.map((info) => info.name);
  const takes = `model ${model.name} takes ${expected.join(', ') || '(no inputs)'}`;
  const unknown = Object.keys(values).filter((name) => !expected.includes(name));
  if (unknown.length)
    throw new ServingError(
      'INVALID_INPUT',
      `instance ${index}: unknown input${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => n.slice(0, 80)).join(', ')}; ${takes}`,
    );
  const missing = expected.filter((name) => !Object.hasOwn(values, name));
  if (missing.length)
    throw new ServingError(
      'INVALID_INPUT',
      `instance ${index}: missing input${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; ${takes}`,
    );

  const modes: boolean[] = [];
  const tensors = model.inputs.map((info) => {
    const label = `instance ${index}, input ${info.name}`;
    const sampleShape = info.shape.slice(1);
    const tensor = decodeInstanceValue(values[info.name], {
      dtype: info.dtype,
      shapes: batch === undefined ? [info.shape] : [sampleShape, info.shape],
      maxElements,
      label,
    });
    const sample = batch !== undefined && shapeMatches(sampleShape, tensor.shape);
    if (!sample && !shapeMatches(info.shape, tensor.shape))
      throw new ServingError(
        'INVALID_INPUT',
        batch === undefined
          ? `${label}: expected shape ${formatShape(info.shape)}, got ${formatShape(tensor.shape)}`
          : `${label}: expected shape ${formatShape(sampleShape)} (one sample of ${formatShape(info.shape)}), got ${formatShape(tensor.shape)}`,
      );
    modes.push(sample);
    return tensor;
  });
  if (modes.some((sample) => sample !== modes[0]))
    throw new ServingError(
      'INVALID_INPUT',
      `instance ${index}: inputs mix single samples and whole batches (${model.inputs
        .map((info, i) => `${info.name} ${formatShape(tensors[i]!.shape)}`)
        .join(', ')})`,
    );
  return { index, tensors, sample: modes[0] ?? false };
}

/** Row `row` of a batched output, without its batch dimension. */
function sliceSample(tensor: Tensor, info: TensorInfo, row: number, rows: number): Tensor {
  const sample = sampleOf(tensor, row, rows);
  if (!sample)
    throw new ServingError(
      'INTERNAL',
      `output ${info.name}: shape ${formatShape(tensor.shape)} has no batch dimension of ${rows} to split by instance`,
    );
  return sample;
}

function outputRecord(
  model: ServedModel,
  outputs: readonly Tensor[],
  select: (tensor: Tensor, info: TensorInfo) => Tensor,
): OutputRecord {
  if (outputs.length !== model.outputs.length)
    throw new ServingError(
      'INTERNAL',
      `model ${model.name} returned ${outputs.length} outputs, its signature has ${model.outputs.length}`,
    );
  const record: OutputRecord = {};
  model.outputs.forEach((info, i) => {
    const tensor = select(outputs[i]!, info);
    if (!isJsonNumericDType(tensor.dtype))
      throw new ServingError('INTERNAL', `output ${info.name}: dtype ${tensor.dtype} cannot be written as JSON`);
    record[info.name] = tensorToJsonValue(tensor.data, tensor.dtype, tensor.shape);
  });
  return record;
}

async function runModel(model: ServedModel, inputs: Tensor[], options: ProtocolOptions): Promise<Tensor[]> {
  const started = performance.now();
  try {
    return await model.run(inputs);
  } finally {
    options.observer?.inference?.({ model: model.name, version: model.version, ms: performance.now() - started });
  }
}

/**
 * MindSpore Serving's error shape, `{"error_msg": "..."}`, plus our stable `code` and the request id the app set.
 * MindSpore Serving itself answers 200 to everything; the status here says what failed, and clients that only read
 * error_msg still work.
 */
function errorResponse(c: Context, error: unknown): Response {
  const failure = toServingError(error);
  return jsonResponse(
    { error_msg: failure.message, code: failure.code, request_id: c.get('requestId') },
    failure.status,
    failure.status === 405 ? { Allow: 'POST' } : {},
  );
}
