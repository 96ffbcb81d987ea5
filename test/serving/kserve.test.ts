import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaticModelRepository } from '../../src/repository/served-model.js';
import type { ServingObserver } from '../../src/serving/types.js';
import type { Tensor } from '../../src/tensor/types.js';
import {
  binaryBody,
  bytesOf,
  DATATYPES,
  digitSeven,
  LoadingRepository,
  loadTestModels,
  send,
  splitBinaryResponse,
  type TestModels,
  testApp,
} from './helpers.js';

let models: TestModels;
let app: ReturnType<typeof testApp>;

beforeAll(async () => {
  models = await loadTestModels();
  app = testApp(models.repository);
});
afterAll(() => models.close());

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Row-major nesting of a flat array into `shape`. */
function nest(values: readonly number[], shape: readonly number[]): unknown {
  if (shape.length === 0) return values[0];
  const [dim, ...rest] = shape;
  const stride = rest.reduce((a, b) => a * b, 1);
  return Array.from({ length: dim! }, (_, i) => nest(values.slice(i * stride, (i + 1) * stride), rest));
}

async function lenetDirect(input: Tensor): Promise<number[]> {
  const [out] = await models.lenet.run([input]);
  return Array.from(out!.data as Float32Array);
}

describe('health and server metadata', () => {
  it('is live, and ready when every model is', async () => {
    const live = await send(app, 'GET', '/v2/health/live');
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ live: true });
    expect(live.headers.get('x-request-id')).toMatch(UUID);
    const ready = await send(app, 'GET', '/v2/health/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true });
  });

  it('is not ready (503) while a model loads, and names it', async () => {
    const loading = testApp(new LoadingRepository(models.repository));
    const response = await send(loading, 'GET', '/v2/health/ready');
    expect(response.status).toBe(503);
    const body = await response.json();
    expect(body.code).toBe('UNAVAILABLE');
    expect(body.error).toContain('pending');
    expect(body.request_id).toBe(response.headers.get('x-request-id'));
    expect((await send(loading, 'GET', '/v2/health/live')).status).toBe(200);
  });

  it('answers HEAD on GET routes', async () => {
    const response = await send(app, 'HEAD', '/v2/health/live');
    expect(response.status).toBe(200);
  });

  it('reports name, the version its adapter gives and extensions', async () => {
    const body = await (await send(app, 'GET', '/v2')).json();
    expect(body.name).toBe('mindlet');
    expect(body.version).toBe('unknown');
    expect(body.extensions).toContain('binary_tensor_data');
    const named = testApp(models.repository, { serverName: 'digits', serverVersion: '9.9' });
    expect(await (await send(named, 'GET', '/v2')).json()).toMatchObject({ name: 'digits', version: '9.9' });
  });
});

describe('request ids', () => {
  it('echoes a plain client id and replaces others', async () => {
    const echoed = await send(app, 'GET', '/v2/health/live', { headers: { 'x-request-id': 'abc-123_X.y' } });
    expect(echoed.headers.get('x-request-id')).toBe('abc-123_X.y');
    for (const bad of ['has space', 'a'.repeat(129), 'semi;colon', '']) {
      const response = await send(app, 'GET', '/v2/health/live', { headers: { 'x-request-id': bad } });
      expect(response.headers.get('x-request-id')).toMatch(UUID);
    }
  });

  it('gives different requests different ids', async () => {
    const a = await send(app, 'GET', '/v2/health/live');
    const b = await send(app, 'GET', '/v2/health/live');
    expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'));
  });
});

describe('repository index', () => {
  it('lists every model version with its state', async () => {
    const response = await send(app, 'POST', '/v2/repository/index');
    expect(response.status).toBe(200);
    const body = (await response.json()) as Array<{ name: string; version: string; state: string }>;
    expect(body.map((e) => `${e.name}/${e.version}`).sort()).toEqual(
      models.repository
        .index()
        .map((e) => `${e.name}/${e.version}`)
        .sort(),
    );
    expect(body.every((e) => e.state === 'READY')).toBe(true);
  });

  it('filters to ready models with {"ready": true}', async () => {
    const loading = testApp(new LoadingRepository(models.repository));
    const all = (await (await send(loading, 'POST', '/v2/repository/index', { json: {} })).json()) as Array<{
      name: string;
      state: string;
      reason?: string;
    }>;
    expect(all.find((e) => e.name === 'pending')).toMatchObject({ state: 'LOADING', reason: 'downloading' });
    const ready = (await (
      await send(loading, 'POST', '/v2/repository/index', { json: { ready: true } })
    ).json()) as Array<{
      name: string;
    }>;
    expect(ready.map((e) => e.name)).not.toContain('pending');
    expect(ready).toHaveLength(all.length - 1);
  });
});

describe('model metadata and readiness', () => {
  it('describes LeNet with KServe datatypes, its versions and the engine shapes', async () => {
    const response = await send(app, 'GET', '/v2/models/lenet');
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toEqual({
      name: 'lenet',
      versions: ['1', '2'],
      platform: 'mindspore_mindir',
      inputs: [{ name: 'x', datatype: 'FP32', shape: models.lenet.inputs[0]!.shape }],
      outputs: [{ name: '23', datatype: 'FP32', shape: models.lenet.outputs[0]!.shape }],
    });
    const v1 = await (await send(app, 'GET', '/v2/models/lenet/versions/1')).json();
    expect(v1.name).toBe('lenet');
  });

  it('names every datatype and marks dynamic dims -1', async () => {
    const body = await (await send(app, 'GET', '/v2/models/echo')).json();
    expect(body.inputs.map((i: { datatype: string }) => i.datatype)).toEqual(DATATYPES.map(([d]) => d));
    expect(body.inputs.every((i: { shape: number[] }) => i.shape.length === 1 && i.shape[0] === -1)).toBe(true);
  });

  it('reports readiness per model and version', async () => {
    expect((await send(app, 'GET', '/v2/models/lenet/ready')).status).toBe(200);
    const v1 = await send(app, 'GET', '/v2/models/lenet/versions/1/ready');
    expect(await v1.json()).toEqual({ name: 'lenet', version: '1', ready: true });
    expect((await send(app, 'GET', '/v2/models/lenet/versions/7/ready')).status).toBe(404);
    expect((await send(app, 'GET', '/v2/models/nope/ready')).status).toBe(404);
    const loading = testApp(new LoadingRepository(models.repository));
    expect((await send(loading, 'GET', '/v2/models/pending/ready')).status).toBe(503);
    expect((await send(loading, 'POST', '/v2/models/pending/infer', { json: { inputs: [] } })).status).toBe(503);
  });
});

describe('inference, JSON', () => {
  it('runs LeNet on flat data exactly as the engine does', async () => {
    const digit = digitSeven();
    const response = await send(app, 'POST', '/v2/models/lenet/infer', {
      json: {
        id: 'req-1',
        inputs: [{ name: 'x', shape: digit.shape, datatype: 'FP32', data: Array.from(digit.data as Float32Array) }],
      },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await response.json();
    expect(body.model_name).toBe('lenet');
    expect(body.model_version).toBe('2');
    expect(body.id).toBe('req-1');
    expect(body.outputs).toHaveLength(1);
    expect(body.outputs[0]).toMatchObject({ name: '23', datatype: 'FP32', shape: [1, 10] });
    expect(body.outputs[0].data).toEqual(await lenetDirect(digit));
  });

  it('takes nested data and a named version', async () => {
    const digit = digitSeven();
    const values = Array.from(digit.data as Float32Array);
    const response = await send(app, 'POST', '/v2/models/lenet/versions/1/infer', {
      json: { inputs: [{ name: 'x', shape: [1, 1, 32, 32], datatype: 'FP32', data: nest(values, [1, 1, 32, 32]) }] },
    });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.model_version).toBe('1');
    expect(body.id).toBeUndefined();
    expect(body.outputs[0].data).toEqual(await lenetDirect(digit));
  });

  it('runs a two-input model with inputs in any order', async () => {
    const x = { dtype: 'float32' as const, shape: [2, 2], data: Float32Array.from([1.5, -2, 3.25, 0]) };
    const y = { dtype: 'float32' as const, shape: [2, 2], data: Float32Array.from([10, 20, -30, 0.125]) };
    const [expected] = await models.add.run([x, y]);
    const response = await send(app, 'POST', '/v2/models/add/infer', {
      json: {
        inputs: [
          { name: 'y_', shape: [2, 2], datatype: 'FP32', data: Array.from(y.data) },
          { name: 'x_', shape: [2, 2], datatype: 'FP32', data: Array.from(x.data) },
        ],
      },
    });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.outputs[0].data).toEqual(Array.from(expected!.data as Float32Array));
  });

  it('round-trips every datatype through JSON', async () => {
    const values: Record<string, unknown[]> = {
      BOOL: [true, false, true],
      UINT8: [0, 255, 7],
      UINT16: [0, 65535, 300],
      UINT32: [0, 4294967295, 70000],
      UINT64: [0, Number.MAX_SAFE_INTEGER, 5],
      INT8: [-128, 127, 0],
      INT16: [-32768, 32767, -1],
      INT32: [-2147483648, 2147483647, 12],
      INT64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, -3],
      FP16: [1.5, -2, 0.25],
      FP32: [0.5, Math.fround(-1e30), 3.25],
      FP64: [0.1, 1e300, -3],
      BF16: [1, -0.5, 256],
    };
    const response = await send(app, 'POST', '/v2/models/echo/infer', {
      json: {
        inputs: DATATYPES.map(([datatype]) => ({
          name: `in_${datatype.toLowerCase()}`,
          shape: [3],
          datatype,
          data: values[datatype],
        })),
      },
    });
    expect(response.status).toBe(200);
    const body = await response.json();
    for (const [datatype] of DATATYPES) {
      const output = body.outputs.find((o: { name: string }) => o.name === `out_${datatype.toLowerCase()}`);
      expect(output, datatype).toMatchObject({ datatype, shape: [3] });
      expect(output.data, datatype).toEqual(values[datatype]);
    }
  });

  it('returns only the outputs asked for, in the order asked', async () => {
    const response = await send(app, 'POST', '/v2/models/echo/infer', {
      json: {
        inputs: DATATYPES.map(([datatype]) => ({
          name: `in_${datatype.toLowerCase()}`,
          shape: [2],
          datatype,
          data: datatype === 'BOOL' ? [false, true] : [1, 0],
        })),
        outputs: [{ name: 'out_int8' }, { name: 'out_bool' }],
      },
    });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.outputs.map((o: { name: string }) => o.name)).toEqual(['out_int8', 'out_bool']);
    expect(body.outputs[1].data).toEqual([false, true]);
  });
});

describe('inference, binary tensor data', () => {
  it('takes binary input and answers JSON', async () => {
    const digit = digitSeven();
    const { body, headerLength } = binaryBody(
      { inputs: [{ name: 'x', shape: digit.shape, datatype: 'FP32', parameters: { binary_data_size: 4096 } }] },
      [bytesOf(digit.data)],
    );
    const response = await send(app, 'POST', '/v2/models/lenet/infer', {
      body,
      headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(headerLength) },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('inference-header-content-length')).toBeNull();
    expect((await response.json()).outputs[0].data).toEqual(await lenetDirect(digit));
  });

  it('answers binary when asked with binary_data_output', async () => {
    const digit = digitSeven();
    const { body, headerLength } = binaryBody(
      {
        id: 'bin',
        parameters: { binary_data_output: true },
        inputs: [{ name: 'x', shape: digit.shape, datatype: 'FP32', parameters: { binary_data_size: 4096 } }],
      },
      [bytesOf(digit.data)],
    );
    const response = await send(app, 'POST', '/v2/models/lenet/infer', {
      body,
      headers: { 'inference-header-content-length': String(headerLength) },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    const { header, rest } = await splitBinaryResponse(response);
    const [direct] = await models.lenet.run([digit]);
    expect(header).toMatchObject({ model_name: 'lenet', id: 'bin' });
    expect(header.outputs[0]).toEqual({
      name: '23',
      datatype: 'FP32',
      shape: [1, 10],
      parameters: { binary_data_size: direct!.data.byteLength },
    });
    expect(Array.from(rest)).toEqual(Array.from(bytesOf(direct!.data)));
  });

  it('round-trips every datatype as bytes, mixing binary and JSON outputs', async () => {
    const tensors: Record<string, ArrayBufferView> = {
      BOOL: Uint8Array.from([1, 0, 1, 1]),
      UINT8: Uint8Array.from([0, 255, 9, 1]),
      UINT16: Uint16Array.from([0, 65535, 9, 1]),
      UINT32: Uint32Array.from([0, 4294967295, 9, 1]),
      UINT64: BigUint64Array.from([0n, 2n ** 64n - 1n, 9n, 1n]),
      INT8: Int8Array.from([-128, 127, 9, 1]),
      INT16: Int16Array.from([-32768, 32767, 9, 1]),
      INT32: Int32Array.from([-2147483648, 2147483647, 9, 1]),
      INT64: BigInt64Array.from([-(2n ** 63n), 2n ** 63n - 1n, 9n, 1n]),
      FP16: Uint16Array.from([0x3c00, 0xc000, 0x7c00, 0x0001]),
      FP32: Float32Array.from([0.1, Number.NaN, Number.POSITIVE_INFINITY, -0]),
      FP64: Float64Array.from([0.1, Number.NaN, 1e-310, -0]),
      BF16: Uint16Array.from([0x3f80, 0xbf00, 0x7f80, 0x0001]),
    };
    const { body, headerLength } = binaryBody(
      {
        inputs: DATATYPES.map(([datatype]) => ({
          name: `in_${datatype.toLowerCase()}`,
          shape: [4],
          datatype,
          parameters: { binary_data_size: tensors[datatype]!.byteLength },
        })),
        // Every output binary except INT16, which comes back as JSON.
        outputs: DATATYPES.map(([datatype]) => ({
          name: `out_${datatype.toLowerCase()}`,
          parameters: { binary_data: datatype !== 'INT16' },
        })),
      },
      DATATYPES.map(([datatype]) => bytesOf(tensors[datatype]!)),
    );
    const response = await send(app, 'POST', '/v2/models/echo/infer', {
      body,
      headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(headerLength) },
    });
    expect(response.status).toBe(200);
    const { header, rest } = await splitBinaryResponse(response);
    let at = 0;
    for (const [datatype] of DATATYPES) {
      const output = header.outputs.find((o: { name: string }) => o.name === `out_${datatype.toLowerCase()}`);
      expect(output.datatype).toBe(datatype);
      if (datatype === 'INT16') {
        expect(output.data).toEqual(Array.from(tensors.INT16 as Int16Array));
        continue;
      }
      const sent = bytesOf(tensors[datatype]!);
      expect(output.parameters.binary_data_size, datatype).toBe(sent.byteLength);
      expect(Array.from(rest.subarray(at, at + sent.byteLength)), datatype).toEqual(Array.from(sent));
      at += sent.byteLength;
    }
    expect(at).toBe(rest.byteLength);
  });
});

describe('what the app reports and guards', () => {
  it('tells the observer about requests and inferences', async () => {
    const requests: Array<Parameters<NonNullable<ServingObserver['request']>>[0]> = [];
    const inferences: Array<{ model: string; version: string; ms: number }> = [];
    const observed = testApp(models.repository, {
      observer: { request: (e) => requests.push(e), inference: (e) => inferences.push(e) },
    });
    const json = JSON.stringify({
      inputs: [{ name: 'x', shape: [1, 1, 2, 2], datatype: 'FP32', data: [1, -1, 2, -2] }],
    });
    // Bytes, not a string: a string body would make fetch add Content-Type text/plain, which infer refuses.
    const response = await send(observed, 'POST', '/v2/models/relu/infer', { body: new TextEncoder().encode(json) });
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(inferences).toEqual([{ model: 'relu', version: '3', ms: expect.any(Number) }]);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      method: 'POST',
      path: '/v2/models/relu/infer',
      status: 200,
      requestBytes: new TextEncoder().encode(json).byteLength,
      responseBytes: new TextEncoder().encode(text).byteLength,
      requestId: response.headers.get('x-request-id'),
    });
    expect(response.headers.get('content-length')).toBe(String(requests[0]!.responseBytes));
    await send(observed, 'GET', '/nowhere');
    expect(requests[1]).toMatchObject({ status: 404, path: '/nowhere' });
  });

  it('survives an observer that throws', async () => {
    const observed = testApp(models.repository, {
      observer: {
        request: () => {
          throw new Error('metrics down');
        },
      },
    });
    expect((await send(observed, 'GET', '/v2/health/live')).status).toBe(200);
  });

  it('hides engine internals behind a 500', async () => {
    const response = await send(app, 'POST', '/v2/models/broken/infer', {
      json: { inputs: [{ name: 'x', shape: [1], datatype: 'FP32', data: [1] }] },
    });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ code: 'INTERNAL', error: 'internal error' });
    expect(text).not.toContain('secret');
  });

  it('answers 405 with Allow on known paths', async () => {
    const post = await send(app, 'POST', '/v2/health/live');
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const get = await send(app, 'GET', '/v2/models/lenet/versions/1/infer');
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect((await get.json()).code).toBe('METHOD_NOT_ALLOWED');
  });

  it('serves an empty repository', async () => {
    const empty = testApp(new StaticModelRepository([]));
    expect(await (await send(empty, 'POST', '/v2/repository/index')).json()).toEqual([]);
    expect((await send(empty, 'GET', '/v2/health/ready')).status).toBe(200);
  });

  it('refuses limits that are not positive integers', () => {
    expect(() => testApp(models.repository, { limits: { maxBodyBytes: 0 } })).toThrow(/maxBodyBytes/);
    expect(() => testApp(models.repository, { limits: { maxTensorElements: 1.5 } })).toThrow(/maxTensorElements/);
  });
});
