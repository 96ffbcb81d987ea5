import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServingError } from '../../src/errors.js';
import { StaticModelRepository, servedModelFromSession } from '../../src/repository/served-model.js';
import { createSession, loadSession } from '../../src/runtime/session.js';
import type { Session } from '../../src/runtime/types.js';
import { createServingApp } from '../../src/serving/app.js';
import { mindsporeServingRoutes } from '../../src/serving/mindspore-serving.js';
import {
  DEFAULT_SERVING_LIMITS,
  type ModelRepository,
  type ServedModel,
  type ServingLimits,
  type ServingObserver,
} from '../../src/serving/types.js';
import type { Tensor } from '../../src/tensor/types.js';
import { opModel, seededRandom } from '../tools/op-model.js';
import { repoRoot } from '../tools/proto-encode.js';

const fixtures = path.join(repoRoot, 'test/fixtures/mindir');

interface Reply {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

interface ErrorReply {
  error_msg: string;
  code: string;
}

type Instances = Array<Record<string, unknown>>;

let lenetSession: Session;
let addSession: Session;
let reluSession: Session;
let dynamicSession: Session;
let ragged: Session;
let lenet: ServedModel;
let add: ServedModel;
let relu: ServedModel;
/** [-1,3] → y = x + b (float32) and g = y > b (bool): a dynamic batch with two outputs. */
let dynamic: ServedModel;
/** [-1,-1] → x + x: samples of different lengths cannot share a run. */
let double: ServedModel;

beforeAll(async () => {
  lenetSession = await loadSession(path.join(fixtures, 'ori_net.mindir'), { threads: 2 });
  addSession = await loadSession(path.join(fixtures, 'add_no_encrpty.mindir'), { threads: 1 });
  reluSession = await loadSession(path.join(fixtures, 'relu.mindir'), { threads: 1 });
  dynamicSession = createSession(
    opModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 3] }],
      constants: { b: { shape: [3], data: [0.5, -1, 2] } },
      nodes: [
        { op: 'Add', inputs: ['x', 'b'], outputs: ['y'] },
        { op: 'Greater', inputs: ['y', 'b'], outputs: ['g'] },
      ],
      outputs: ['y', 'g'],
    }),
    { threads: 1 },
  );
  ragged = createSession(
    opModel({ inputs: [{ name: 'x', dtype: 'float32', shape: [-1, -1] }], nodes: [{ op: 'Add', inputs: ['x', 'x'] }] }),
    { threads: 1 },
  );
  const platform = 'mindspore_mindir' as const;
  lenet = servedModelFromSession(lenetSession, { name: 'lenet', version: '1', platform });
  add = servedModelFromSession(addSession, { name: 'add', version: '1', platform });
  relu = servedModelFromSession(reluSession, { name: 'relu', version: '3', platform });
  // Test graphs declare no output shapes; a real export declares the batch dim, as here.
  const dyn = servedModelFromSession(dynamicSession, { name: 'dyn', version: '1', platform });
  dynamic = {
    ...dyn,
    outputs: [
      { name: 'y', dtype: 'float32', shape: [-1, 3] },
      { name: 'g', dtype: 'bool', shape: [-1, 3] },
    ],
  };
  const dbl = servedModelFromSession(ragged, { name: 'double', version: '1', platform });
  double = { ...dbl, outputs: [{ ...dbl.outputs[0]!, shape: [-1, -1] }] };
});

afterAll(() => {
  for (const session of [lenetSession, addSession, reluSession, dynamicSession, ragged]) session?.close();
});

function serving(
  options: {
    models?: ServedModel[];
    repository?: ModelRepository;
    limits?: Partial<ServingLimits>;
    observer?: ServingObserver;
  } = {},
): Hono {
  const app = new Hono();
  app.route(
    '/',
    mindsporeServingRoutes({
      repository:
        options.repository ?? new StaticModelRepository(options.models ?? [lenet, add, relu, dynamic, double]),
      limits: { ...DEFAULT_SERVING_LIMITS, maxInstances: 16, ...options.limits },
      ...(options.observer ? { observer: options.observer } : {}),
    }),
  );
  return app;
}

async function post(
  app: Hono,
  route: string,
  body: unknown,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Promise<Reply> {
  const payload = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
  const response = await app.fetch(
    new Request(`http://localhost${route}`, { method: 'POST', headers, body: payload as RequestInit['body'] }),
  );
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as Record<string, unknown>, headers: response.headers };
}

function errorOf(reply: Reply): ErrorReply {
  expect(typeof reply.body.error_msg).toBe('string');
  return reply.body as unknown as ErrorReply;
}

function instancesOf(reply: Reply): Instances {
  expect(reply.status).toBe(200);
  expect(Array.isArray(reply.body.instances)).toBe(true);
  return reply.body.instances as Instances;
}

function randomFloats(count: number, seed: number): Float32Array {
  const next = seededRandom(seed);
  return Float32Array.from({ length: count }, () => next() * 2 - 1);
}

/** Row-major flat values → nested lists of `shape`, as a client would write them. */
function nested(data: ArrayLike<number>, shape: readonly number[]): unknown {
  if (shape.length === 0) return data[0];
  const inner = shape.slice(1).reduce((a, b) => a * b, 1);
  return Array.from({ length: shape[0]! }, (_, i) =>
    nested(Array.prototype.slice.call(data, i * inner, (i + 1) * inner) as number[], shape.slice(1)),
  );
}

function base64(data: ArrayBufferView): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
}

function digitSeven(): Float32Array {
  const file = readFileSync(path.join(repoRoot, 'examples/digit-7.npy'));
  const headerLength = file.readUInt16LE(8);
  const bytes = file.subarray(10 + headerLength);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

async function runDirect(session: Session, inputs: Tensor[]): Promise<Tensor[]> {
  return session.run(inputs);
}

const f32 = (shape: number[], data: Float32Array): Tensor => ({ dtype: 'float32', shape, data });

describe('MindSpore Serving protocol: predictions', () => {
  it('answers a request written as MindSpore Serving documents it (one instance, b64 image)', async () => {
    const image = digitSeven();
    const [expected] = await runDirect(lenetSession, [f32([1, 1, 32, 32], image)]);
    // `curl -X POST -d '{"instances":{"image":{"b64":"..."}}}' .../model/lenet/version/1:predict`: curl sends
    // application/x-www-form-urlencoded, and the input here is our model's "x".
    const reply = await post(
      serving(),
      '/model/lenet/version/1:predict',
      `{"instances":{"x":{"b64":"${base64(image)}"}}}`,
      { 'content-type': 'application/x-www-form-urlencoded' },
    );
    const [instance, ...rest] = instancesOf(reply);
    expect(rest).toEqual([]);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    const outputName = lenet.outputs[0]!.name;
    expect(Object.keys(instance!)).toEqual([outputName]);
    // One sample: the batch dim is stripped, [1,10] → [10].
    expect(instance![outputName]).toEqual(Array.from(expected!.data as Float32Array));
  });

  it('answers the documented Python client (requests.post(url, data=json.dumps(...)): no Content-Type)', async () => {
    const x = randomFloats(1024, 5);
    const [expected] = await runDirect(lenetSession, [f32([1, 1, 32, 32], x)]);
    const app = serving();
    const body = JSON.stringify({ instances: [{ x: nested(x, [1, 32, 32]) }] });
    const response = await app.fetch(
      new Request('http://localhost/model/lenet:predict', { method: 'POST', body: new TextEncoder().encode(body) }),
    );
    const reply = { status: response.status, body: (await response.json()) as Record<string, unknown> } as Reply;
    expect(instancesOf(reply)[0]![lenet.outputs[0]!.name]).toEqual(Array.from(expected!.data as Float32Array));
  });

  it('answers the documented add example: whole [2,2] tensors per instance, as with_batch_dim=False', async () => {
    // {"instances":[{"x1":[[1.0, 2.0], [3.0, 4.0]], "x2":[[1.0, 2.0], [3.0, 4.0]]}]} with our input names.
    const [xName, yName] = add.inputs.map((info) => info.name);
    const text = `{"instances":[{"${xName}":[[1.0, 2.0], [3.0, 4.0]], "${yName}":[[1.0, 2.0], [3.0, 4.0]]}]}`;
    const reply = await post(serving(), '/model/add/version/1:predict', text);
    const values = new Float32Array([1, 2, 3, 4]);
    const [expected] = await runDirect(addSession, [f32([2, 2], values), f32([2, 2], values)]);
    expect(instancesOf(reply)).toEqual([{ [add.outputs[0]!.name]: nested(expected!.data as Float32Array, [2, 2]) }]);
  });

  it('runs several LeNet instances (fixed batch 1) one per run, each matching a direct run', async () => {
    const events: Array<{ model: string; version: string; ms: number }> = [];
    const app = serving({ observer: { inference: (event) => events.push(event) } });
    const inputs = [1, 2, 3].map((seed) => randomFloats(1024, seed));
    const reply = await post(app, '/model/lenet:predict', {
      instances: inputs.map((x) => ({ x: nested(x, [1, 32, 32]) })),
    });
    const instances = instancesOf(reply);
    expect(instances).toHaveLength(3);
    for (const [i, x] of inputs.entries()) {
      const [expected] = await runDirect(lenetSession, [f32([1, 1, 32, 32], x)]);
      expect(instances[i]![lenet.outputs[0]!.name]).toEqual(Array.from(expected!.data as Float32Array));
    }
    expect(events.map(({ model, version }) => `${model}@${version}`)).toEqual(['lenet@1', 'lenet@1', 'lenet@1']);
    expect(events.every((event) => event.ms >= 0)).toBe(true);
  });

  it('chunks samples by a fixed batch of 2, padding the last chunk and dropping the padded result', async () => {
    const events: unknown[] = [];
    const app = serving({ observer: { inference: (event) => events.push(event) } });
    const [xName, yName] = add.inputs.map((info) => info.name) as [string, string];
    const xs = [randomFloats(2, 11), randomFloats(2, 12), randomFloats(2, 13)];
    const ys = [randomFloats(2, 21), randomFloats(2, 22), randomFloats(2, 23)];
    const reply = await post(app, '/model/add:predict', {
      instances: xs.map((x, i) => ({ [xName]: Array.from(x), [yName]: Array.from(ys[i]!) })),
    });
    const instances = instancesOf(reply);
    expect(instances).toHaveLength(3);
    expect(events).toHaveLength(2);
    for (const [i, x] of xs.entries()) {
      // Each sample is a row of a [2,2] run; the other row does not change it (elementwise add).
      const other = xs[(i + 1) % 3]!;
      const [expected] = await runDirect(addSession, [
        f32([2, 2], Float32Array.from([...x, ...other])),
        f32([2, 2], Float32Array.from([...ys[i]!, ...ys[(i + 1) % 3]!])),
      ]);
      expect(instances[i]).toEqual({
        [add.outputs[0]!.name]: Array.from(expected!.data.subarray(0, 2) as Float32Array),
      });
    }
  });

  it('stacks every sample of a dynamic batch into one run; bool outputs come back as true/false', async () => {
    const events: unknown[] = [];
    const app = serving({ observer: { inference: (event) => events.push(event) } });
    const rows = [0, 1, 2, 3].map((seed) => randomFloats(3, 40 + seed));
    const reply = await post(app, '/model/dyn:predict', { instances: rows.map((x) => ({ x: Array.from(x) })) });
    const instances = instancesOf(reply);
    expect(events).toHaveLength(1);
    const [y, g] = await runDirect(dynamicSession, [f32([4, 3], Float32Array.from(rows.flatMap((r) => [...r])))]);
    expect(g!.dtype).toBe('bool');
    instances.forEach((instance, i) => {
      expect(instance.y).toEqual(Array.from(y!.data.subarray(i * 3, i * 3 + 3) as Float32Array));
      expect(instance.g).toEqual(Array.from((g!.data as Uint8Array).subarray(i * 3, i * 3 + 3), (v) => v !== 0));
    });
  });

  it('runs samples of different shapes in separate runs and answers in request order', async () => {
    const events: unknown[] = [];
    const app = serving({ observer: { inference: (event) => events.push(event) } });
    const samples = [[1, 2], [3, 4, 5], [6, 7], [-1.5]];
    const reply = await post(app, '/model/double:predict', { instances: samples.map((x) => ({ x })) });
    expect(events).toHaveLength(3);
    const instances = instancesOf(reply);
    for (const [i, x] of samples.entries()) {
      const [expected] = await runDirect(ragged, [f32([1, x.length], Float32Array.from(x))]);
      expect(instances[i]).toEqual({ [double.outputs[0]!.name]: Array.from(expected!.data as Float32Array) });
    }
  });

  it('takes b64 tensors: raw bytes with and without type and shape, one sample or the whole input', async () => {
    const x = randomFloats(1024, 9);
    const [expected] = await runDirect(lenetSession, [f32([1, 1, 32, 32], x)]);
    const flat = Array.from(expected!.data as Float32Array);
    const name = lenet.outputs[0]!.name;
    const app = serving();
    const b64 = base64(x);
    const reply = await post(app, '/model/lenet:predict', {
      instances: [
        { x: { b64 } },
        { x: { b64, type: 'fp32' } },
        { x: { b64, type: 'float32', shape: [1, 32, 32] } },
        { x: { b64, type: 'bytes', shape: [1, 1, 32, 32] } },
        { x: nested(x, [1, 1, 32, 32]) },
      ],
    });
    expect(instancesOf(reply)).toEqual([
      { [name]: flat },
      { [name]: flat },
      { [name]: flat },
      // A whole input (with its batch dim) gets the whole output back.
      { [name]: [flat] },
      { [name]: [flat] },
    ]);
  });

  it('converts JSON integers to the float input and reads 4-d relu input as one sample of [1,1,2,2]', async () => {
    const reply = await post(serving(), '/model/relu/version/3:predict', {
      instances: [
        {
          x: [
            [
              [-1, 2],
              [0, 3],
            ],
          ],
        },
      ],
    });
    const [expected] = await runDirect(reluSession, [f32([1, 1, 2, 2], Float32Array.from([-1, 2, 0, 3]))]);
    expect(instancesOf(reply)).toEqual([
      { [relu.outputs[0]!.name]: nested(expected!.data as Float32Array, [1, 2, 2]) },
    ]);
  });

  it('serves the latest version without /version/ and for version 0', async () => {
    const older: ServedModel = { ...relu, version: '2', run: async () => Promise.reject(new Error('old version ran')) };
    const app = serving({ models: [older, relu] });
    const body = {
      instances: [
        {
          x: [
            [
              [1, -2],
              [3, -4],
            ],
          ],
        },
      ],
    };
    for (const route of ['/model/relu:predict', '/model/relu/version/0:predict', '/model/relu/version/3:predict'])
      expect((await post(app, route, body)).status).toBe(200);
    expect((await post(app, '/model/relu/version/2:predict', body)).status).toBe(500);
  });
});

describe('MindSpore Serving protocol: errors', () => {
  const x = () => nested(randomFloats(1024, 1), [1, 32, 32]);

  async function expectError(
    reply: Promise<Reply>,
    status: number,
    code: string,
    ...fragments: Array<string | RegExp>
  ): Promise<void> {
    const settled = await reply;
    const error = errorOf(settled);
    expect({ status: settled.status, code: error.code }).toEqual({ status, code });
    for (const fragment of fragments) expect(error.error_msg).toMatch(fragment);
    expect(Object.keys(settled.body).sort()).toEqual(['code', 'error_msg']);
  }

  it('404s unknown models, versions, methods and paths, naming what exists', async () => {
    const app = serving();
    const body = { instances: [{ x: x() }] };
    await expectError(post(app, '/model/nope:predict', body), 404, 'NOT_FOUND', 'nope');
    await expectError(post(app, '/model/lenet/version/7:predict', body), 404, 'NOT_FOUND', '7');
    await expectError(post(app, '/model/lenet:classify', body), 404, 'NOT_FOUND', 'classify', 'predict');
    await expectError(post(app, '/model/lenet', body), 404, 'NOT_FOUND', /\/model\/\{name\}/);
    await expectError(post(app, '/model/lenet/v/1:predict', body), 404, 'NOT_FOUND');
    await expectError(post(app, '/model/lenet/version/:predict', body), 404, 'NOT_FOUND');
    await expectError(post(app, '/model/%E0%A4%A:predict', body), 404, 'NOT_FOUND');
  });

  it('405s other HTTP methods', async () => {
    const response = await serving().fetch(new Request('http://localhost/model/lenet:predict'));
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(((await response.json()) as ErrorReply).code).toBe('METHOD_NOT_ALLOWED');
  });

  it('415s bodies sent as something other than JSON', async () => {
    await expectError(
      post(serving(), '/model/lenet:predict', JSON.stringify({ instances: [{ x: x() }] }), {
        'content-type': 'application/octet-stream',
      }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'application/octet-stream',
    );
  });

  it('413s bodies over maxBodyBytes and requests over maxInstances', async () => {
    const small = serving({ limits: { maxBodyBytes: 1000 } });
    await expectError(post(small, '/model/lenet:predict', { instances: [{ x: x() }] }), 413, 'PAYLOAD_TOO_LARGE');
    const few = serving({ limits: { maxInstances: 2 } });
    const three = { instances: [0, 1, 2].map(() => ({ x: [[[1]]] })) };
    await expectError(post(few, '/model/lenet:predict', three), 413, 'PAYLOAD_TOO_LARGE', '3 instances', '2');
    const tiny = serving({ limits: { maxTensorElements: 100 } });
    await expectError(post(tiny, '/model/lenet:predict', { instances: [{ x: x() }] }), 413, 'PAYLOAD_TOO_LARGE');
    await expectError(
      post(tiny, '/model/lenet:predict', { instances: [{ x: { b64: base64(new Float32Array(1024)) } }] }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
  });

  it('400s bodies that are not the instances JSON', async () => {
    const app = serving();
    const route = '/model/lenet:predict';
    await expectError(post(app, route, '{"instances": ['), 400, 'BAD_REQUEST', /JSON/);
    await expectError(post(app, route, new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), 400, 'BAD_REQUEST', /UTF-8/);
    await expectError(post(app, route, ''), 400, 'BAD_REQUEST', /empty/);
    await expectError(post(app, route, []), 400, 'BAD_REQUEST', /instances/);
    await expectError(post(app, route, { inputs: [] }), 400, 'BAD_REQUEST', /instances/);
    await expectError(post(app, route, { instances: 5 }), 400, 'BAD_REQUEST', /instances/);
    await expectError(post(app, route, { instances: [] }), 400, 'BAD_REQUEST', /empty/);
    await expectError(post(app, route, { instances: [{ x: x() }, 7] }), 400, 'BAD_REQUEST', /instance 1/);
  });

  it('400s values that do not convert: ragged lists, non-numbers, nulls, bad base64, wrong byte counts', async () => {
    const app = serving();
    const route = '/model/lenet:predict';
    const one = (value: unknown) => ({ instances: [{ x: value }] });
    const ragged = x() as number[][][];
    ragged[0]![3]!.pop();
    await expectError(post(app, route, one(ragged)), 400, 'BAD_REQUEST', 'instance 0, input x', /rectangular/);
    const withBool = x() as unknown[][][];
    withBool[0]![3]![5] = true;
    await expectError(post(app, route, one(withBool)), 400, 'BAD_REQUEST', 'input x', /true/);
    await expectError(post(app, route, one(null)), 400, 'BAD_REQUEST', 'input x');
    await expectError(post(app, route, one({ b64: 'not base64!' })), 400, 'BAD_REQUEST', /base64/);
    await expectError(post(app, route, one({ b64: 'AAA' })), 400, 'BAD_REQUEST', /base64/);
    await expectError(
      post(app, route, one({ b64: base64(new Float32Array(1024)), shape: [1, 32, 31] })),
      400,
      'BAD_REQUEST',
      /4096/,
    );
    await expectError(post(app, route, one({ b64: base64(new Float32Array(7)) })), 400, 'BAD_REQUEST', /shape/);
    await expectError(post(app, route, one({ b64: 'AAAA', type: 'float128' })), 400, 'BAD_REQUEST', /type/);
    await expectError(post(app, route, one({ b64: 'AAAA', dtype: 'fp32' })), 400, 'BAD_REQUEST', /dtype/);
    await expectError(post(app, route, one({ b64: 'AAAA', shape: [-1] })), 400, 'BAD_REQUEST', /shape/);
  });

  it('422s instances that do not match the model: names, shapes, types', async () => {
    const app = serving();
    const route = '/model/lenet:predict';
    await expectError(
      post(app, route, { instances: [{ x: x() }, { x: [[[1, 2]]] }] }),
      422,
      'INVALID_INPUT',
      'instance 1, input x',
      '[1,32,32]',
      '[1,1,2]',
    );
    await expectError(post(app, route, { instances: [{ x: x(), y: 1 }] }), 422, 'INVALID_INPUT', 'unknown input y');
    await expectError(post(app, route, { instances: [{ image: x() }] }), 422, 'INVALID_INPUT', 'image', 'takes x');
    await expectError(
      post(app, '/model/add:predict', { instances: [{ [add.inputs[0]!.name]: [1, 2] }] }),
      422,
      'INVALID_INPUT',
      `missing input ${add.inputs[1]!.name}`,
    );
    // The int16 tensor from MindSpore Serving's documentation, sent to a float32 input.
    await expectError(
      post(app, route, { instances: [{ x: { b64: 'AQACAAIAAwADAAQA', type: 'int16', shape: [3, 2] } }] }),
      422,
      'INVALID_INPUT',
      'int16',
      'float32',
    );
    await expectError(post(app, route, { instances: [{ x: 'a digit' }] }), 422, 'INVALID_INPUT', /string/);
    const [xName, yName] = add.inputs.map((info) => info.name) as [string, string];
    await expectError(
      post(app, '/model/add:predict', {
        instances: [
          {
            [xName]: [1, 2],
            [yName]: [
              [1, 2],
              [3, 4],
            ],
          },
        ],
      }),
      422,
      'INVALID_INPUT',
      /mix/,
    );
  });

  it('503s a model that is not ready and 500s an engine failure, reporting the run to the observer', async () => {
    const unavailable: ModelRepository = {
      index: () => [{ name: 'lenet', version: '1', state: 'LOADING' }],
      ready: () => false,
      resolve: async () => {
        throw new ServingError('UNAVAILABLE', 'model lenet is loading');
      },
    };
    await expectError(
      post(serving({ repository: unavailable }), '/model/lenet:predict', { instances: [{ x: x() }] }),
      503,
      'UNAVAILABLE',
      'loading',
    );
    const events: unknown[] = [];
    const broken: ServedModel = { ...lenet, run: async () => Promise.reject(new Error('engine exploded at 0xdead')) };
    const reply = post(
      serving({ models: [broken], observer: { inference: (event) => events.push(event) } }),
      '/model/lenet:predict',
      { instances: [{ x: x() }] },
    );
    await expectError(reply, 500, 'INTERNAL');
    expect(errorOf(await reply).error_msg).not.toMatch(/0xdead/);
    expect(events).toHaveLength(1);
  });

  it('keeps serving after bad requests', async () => {
    const app = serving();
    const bad = [
      post(app, '/model/lenet:predict', '{"instances"'),
      post(app, '/model/lenet:predict', { instances: [{ x: [[[Number.NaN]]] }] }),
      post(app, '/model/lenet:predict', { instances: [{ x: { b64: '====' } }] }),
      post(app, '/model/lenet:predict', { instances: [{ x: [[[1e40]]] }] }),
    ];
    for (const reply of await Promise.all(bad)) expect(reply.status).toBeGreaterThanOrEqual(400);
    const input = randomFloats(1024, 77);
    const [expected] = await runDirect(lenetSession, [f32([1, 1, 32, 32], input)]);
    const reply = await post(app, '/model/lenet:predict', { instances: [{ x: nested(input, [1, 32, 32]) }] });
    expect(instancesOf(reply)[0]![lenet.outputs[0]!.name]).toEqual(Array.from(expected!.data as Float32Array));
  });
});

describe('MindSpore Serving protocol: dtypes and scalars', () => {
  let intSession: Session;
  let scalarSession: Session;
  let ints: ServedModel;
  let scalars: ServedModel;

  beforeAll(() => {
    const platform = 'mindspore_mindir' as const;
    // [-1,2] int32 → y = x + x (int32), z = Cast(x, int64).
    intSession = createSession(
      opModel({
        inputs: [{ name: 'x', dtype: 'int32', shape: [-1, 2] }],
        values: { t: { kind: 'type', dtype: 'int64' } },
        nodes: [
          { op: 'Add', inputs: ['x', 'x'], outputs: ['y'] },
          { op: 'Cast', inputs: ['x', 't'], outputs: ['z'] },
        ],
        outputs: ['y', 'z'],
      }),
      { threads: 1 },
    );
    // [-1] float32 → x + x: each instance is a scalar sample and gets a scalar back.
    scalarSession = createSession(
      opModel({ inputs: [{ name: 'x', dtype: 'float32', shape: [-1] }], nodes: [{ op: 'Add', inputs: ['x', 'x'] }] }),
      { threads: 1 },
    );
    const i = servedModelFromSession(intSession, { name: 'ints', version: '1', platform });
    ints = {
      ...i,
      outputs: [
        { name: 'y', dtype: 'int32', shape: [-1, 2] },
        { name: 'z', dtype: 'int64', shape: [-1, 2] },
      ],
    };
    const sc = servedModelFromSession(scalarSession, { name: 'scalars', version: '1', platform });
    scalars = { ...sc, outputs: [{ name: 'y', dtype: 'float32', shape: [-1] }] };
  });

  afterAll(() => {
    intSession?.close();
    scalarSession?.close();
  });

  it('converts JSON numbers to int32, returns int32 and int64 as JSON numbers', async () => {
    const app = serving({ models: [ints] });
    const rows = [
      [1, -2],
      [2147483647, -2147483648],
      [7, 0],
    ];
    const reply = await post(app, '/model/ints:predict', {
      instances: [
        { x: rows[0] },
        { x: rows[1] },
        { x: { b64: base64(Int32Array.from(rows[2]!)), type: 'int32', shape: [2] } },
      ],
    });
    const [y, z] = await runDirect(intSession, [{ dtype: 'int32', shape: [3, 2], data: Int32Array.from(rows.flat()) }]);
    expect(instancesOf(reply)).toEqual(
      rows.map((_, r) => ({
        y: Array.from(y!.data.subarray(r * 2, r * 2 + 2) as Int32Array),
        z: Array.from(z!.data.subarray(r * 2, r * 2 + 2) as BigInt64Array, Number),
      })),
    );
  });

  it('400s fractions and out-of-range integers for an int input, 422s a b64 tensor of another int type', async () => {
    const app = serving({ models: [ints] });
    const route = '/model/ints:predict';
    const error = async (value: unknown) => {
      const reply = await post(app, route, { instances: [{ x: value }] });
      return { status: reply.status, message: errorOf(reply).error_msg };
    };
    expect(await error([1.5, 2])).toMatchObject({ status: 400, message: expect.stringMatching(/1\.5/) });
    expect(await error([2147483648, 2])).toMatchObject({ status: 400, message: expect.stringMatching(/int32/) });
    const int64 = { b64: base64(BigInt64Array.from([1n, 2n])), type: 'int64', shape: [2] };
    expect(await error(int64)).toMatchObject({ status: 422, message: expect.stringMatching(/int64.*int32/) });
  });

  it('reads scalar instance values as samples of a [-1] input and answers scalars', async () => {
    const app = serving({ models: [scalars] });
    const values = [1.25, -3, 0.1];
    const reply = await post(app, '/model/scalars:predict', { instances: values.map((x) => ({ x })) });
    const [expected] = await runDirect(scalarSession, [f32([3], Float32Array.from(values))]);
    expect(instancesOf(reply)).toEqual(Array.from(expected!.data as Float32Array, (y) => ({ y })));
  });
});

describe('MindSpore Serving protocol inside the serving app', () => {
  it('keeps its own error shape and carries the request id the app assigns', async () => {
    const requests: Array<{ path: string; status: number; requestBytes: number }> = [];
    const app = createServingApp({
      repository: new StaticModelRepository([lenet]),
      observer: { request: ({ path, status, requestBytes }) => requests.push({ path, status, requestBytes }) },
    });
    const bad = await post(
      app,
      '/model/lenet:predict',
      { instances: [{ image: [1] }] },
      {
        'content-type': 'application/json',
        'x-request-id': 'client-42',
      },
    );
    expect(bad.status).toBe(422);
    expect(bad.headers.get('x-request-id')).toBe('client-42');
    expect(bad.body).toMatchObject({ code: 'INVALID_INPUT', request_id: 'client-42' });
    expect(errorOf(bad).error_msg).toMatch(/image/);
    expect(bad.body).not.toHaveProperty('error');

    const x = randomFloats(1024, 3);
    const text = JSON.stringify({ instances: [{ x: nested(x, [1, 32, 32]) }] });
    const good = await post(app, '/model/lenet/version/1:predict', text);
    const [expected] = await runDirect(lenetSession, [f32([1, 1, 32, 32], x)]);
    expect(instancesOf(good)[0]![lenet.outputs[0]!.name]).toEqual(Array.from(expected!.data as Float32Array));
    expect(requests.at(-1)).toEqual({
      path: '/model/lenet/version/1:predict',
      status: 200,
      requestBytes: new TextEncoder().encode(text).byteLength,
    });
  });
});
