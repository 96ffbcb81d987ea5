/**
 * KServeClient's wire format against a stand-in fetch: the request bodies it builds (JSON and the binary tensor
 * extension) parsed back independently, and responses as other v2 servers (Triton, KServe) write them — several
 * binary outputs, nested JSON data, nulls — decoded into the right typed arrays.
 */
import { describe, expect, it } from 'vitest';
import {
  AUTO_BINARY_BYTES,
  dtypeOfDatatype,
  KServeClient,
  KServeError,
  kserveDatatype,
} from '../../src/client/kserve-client.js';
import { MindletError } from '../../src/errors.js';

interface Captured {
  url: string;
  method: string;
  headers: Headers;
  body: Uint8Array;
}

/** A fetch that records the request and answers with `reply`. */
function stubFetch(reply: (request: Captured) => Response): { fetch: typeof fetch; requests: Captured[] } {
  const requests: Captured[] = [];
  const stub: typeof fetch = async (input, init) => {
    const request: Captured = {
      url: String(input),
      method: init?.method ?? 'GET',
      headers: new Headers(init?.headers),
      body: init?.body instanceof Uint8Array ? init.body : new Uint8Array(0),
    };
    requests.push(request);
    return reply(request);
  };
  return { fetch: stub, requests };
}

interface BinaryHeader {
  id?: string;
  parameters?: unknown;
  inputs: unknown[];
}

/** Splits a binary-extension body into its JSON header and the bytes after it. */
function splitBinary(body: Uint8Array, headerLength: string | null): { json: BinaryHeader; rest: Uint8Array } {
  const length = Number(headerLength);
  return {
    json: JSON.parse(Buffer.from(body.subarray(0, length)).toString('utf8')),
    rest: body.subarray(length),
  };
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** A binary-extension response: JSON header, then each tensor's bytes in order. */
function binaryResponse(header: unknown, tensors: ArrayBufferView[]): Response {
  const json = Buffer.from(JSON.stringify(header));
  const body = Buffer.concat([json, ...tensors.map((t) => Buffer.from(bytesOf(t)))]);
  return new Response(body, {
    headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(json.length) },
  });
}

const ok = (json: unknown) => new Response(JSON.stringify(json), { headers: { 'content-type': 'application/json' } });

describe('KServeClient requests', () => {
  it('builds a binary request: header length, binary_data_size per input, the raw bytes in order', async () => {
    const a = Float32Array.from([1.5, -2, 3.25, 0]);
    const b = BigInt64Array.from([2n ** 60n, -1n]);
    const c = Uint8Array.from([1, 0, 1]);
    const { fetch, requests } = stubFetch(() => ok({ model_name: 'm', outputs: [] }));
    await new KServeClient('http://server.test/prefix/', { fetch, headers: { authorization: 'Bearer t' } }).infer(
      'my model',
      [
        { name: 'a', dtype: 'float32', shape: [2, 2], data: a },
        { name: 'b', dtype: 'int64', shape: [2], data: b },
        { name: 'c', dtype: 'bool', shape: [3], data: c },
      ],
      { binary: true, id: 'x1' },
    );
    const [request] = requests;
    expect(request!.method).toBe('POST');
    expect(request!.url).toBe('http://server.test/prefix/v2/models/my%20model/infer');
    expect(request!.headers.get('authorization')).toBe('Bearer t');
    const { json, rest } = splitBinary(request!.body, request!.headers.get('inference-header-content-length'));
    expect(json.id).toBe('x1');
    expect(json.parameters).toEqual({ binary_data_output: true });
    expect(json.inputs).toEqual([
      { name: 'a', shape: [2, 2], datatype: 'FP32', parameters: { binary_data_size: a.byteLength } },
      { name: 'b', shape: [2], datatype: 'INT64', parameters: { binary_data_size: b.byteLength } },
      { name: 'c', shape: [3], datatype: 'BOOL', parameters: { binary_data_size: c.byteLength } },
    ]);
    expect(Buffer.from(rest)).toEqual(Buffer.concat([bytesOf(a), bytesOf(b), bytesOf(c)].map((v) => Buffer.from(v))));
  });

  it('builds a JSON request with flat data, booleans for BOOL, and requested outputs', async () => {
    const { fetch, requests } = stubFetch(() => ok({ model_name: 'm', outputs: [] }));
    await new KServeClient('http://server.test', { fetch }).infer(
      'm',
      [
        { name: 'x', dtype: 'float32', shape: [1, 3], data: Float32Array.from([0.1, 2, -3]) },
        { name: 'flag', dtype: 'bool', shape: [2], data: Uint8Array.from([1, 0]) },
        { name: 'ids', dtype: 'int64', shape: [2], data: BigInt64Array.from([7n, -9n]) },
      ],
      { version: '3', outputs: ['y'] },
    );
    const [request] = requests;
    expect(request!.url).toBe('http://server.test/v2/models/m/versions/3/infer');
    expect(request!.headers.has('inference-header-content-length')).toBe(false);
    const json = JSON.parse(Buffer.from(request!.body).toString('utf8'));
    expect(json.inputs).toEqual([
      { name: 'x', shape: [1, 3], datatype: 'FP32', data: Array.from(Float32Array.from([0.1, 2, -3])) },
      { name: 'flag', shape: [2], datatype: 'BOOL', data: [true, false] },
      { name: 'ids', shape: [2], datatype: 'INT64', data: [7, -9] },
    ]);
    expect(json.outputs).toEqual([{ name: 'y' }]);
    expect(json.parameters).toBeUndefined();
  });

  it(`switches to binary in auto mode above ${AUTO_BINARY_BYTES} bytes of inputs`, async () => {
    const { fetch, requests } = stubFetch(() => ok({ model_name: 'm', outputs: [] }));
    const client = new KServeClient('http://server.test', { fetch });
    const elements = AUTO_BINARY_BYTES / 4;
    await client.infer('m', [{ name: 'x', dtype: 'float32', shape: [elements], data: new Float32Array(elements) }]);
    await client.infer('m', [
      { name: 'x', dtype: 'float32', shape: [elements + 1], data: new Float32Array(elements + 1) },
    ]);
    expect(requests.map((r) => r.headers.has('inference-header-content-length'))).toEqual([false, true]);
  });

  it('refuses, before sending, what JSON cannot carry when binary is off, and malformed tensors', async () => {
    const { fetch, requests } = stubFetch(() => ok({ model_name: 'm', outputs: [] }));
    const client = new KServeClient('http://server.test', { fetch });
    await expect(
      client.infer('m', [{ name: 'x', dtype: 'float32', shape: [1], data: Float32Array.from([Infinity]) }], {
        binary: false,
      }),
    ).rejects.toThrow(/JSON cannot carry/);
    await expect(
      client.infer('m', [{ name: 'n', dtype: 'int64', shape: [1], data: BigInt64Array.from([2n ** 53n + 1n]) }], {
        binary: false,
      }),
    ).rejects.toThrow(/JSON cannot carry/);
    await expect(
      client.infer('m', [{ name: 'x', dtype: 'float32', shape: [2, 2], data: new Float32Array(3) }]),
    ).rejects.toThrow(/needs 4 elements/);
    await expect(
      client.infer('m', [{ name: 'c', dtype: 'complex64', shape: [1], data: new Float32Array(2) }]),
    ).rejects.toBeInstanceOf(MindletError);
    expect(requests).toHaveLength(0);
  });

  it('rejects base URLs it cannot use', () => {
    expect(() => new KServeClient('not a url')).toThrow(MindletError);
    expect(() => new KServeClient('ftp://server.test')).toThrow(/http/);
    expect(() => new KServeClient('http://server.test/?a=1')).toThrow(MindletError);
  });
});

describe('KServeClient responses', () => {
  it('decodes several binary outputs (as Triton writes them) into typed arrays', async () => {
    const scores = Float32Array.from([0.25, -1, 7.5]);
    const ids = BigInt64Array.from([-(2n ** 62n), 5n]);
    const mask = Uint8Array.from([0, 1, 1, 0]);
    const half = Uint16Array.from([0x3c00, 0xc000]); // 1.0, -2.0 in IEEE half
    const { fetch } = stubFetch(() =>
      binaryResponse(
        {
          model_name: 'm',
          model_version: '2',
          id: 'r',
          outputs: [
            { name: 'scores', datatype: 'FP32', shape: [1, 3], parameters: { binary_data_size: scores.byteLength } },
            { name: 'ids', datatype: 'INT64', shape: [2], parameters: { binary_data_size: ids.byteLength } },
            { name: 'mask', datatype: 'BOOL', shape: [2, 2], parameters: { binary_data_size: mask.byteLength } },
            { name: 'half', datatype: 'FP16', shape: [2], parameters: { binary_data_size: half.byteLength } },
            { name: 'json', datatype: 'INT32', shape: [2], data: [4, -4] },
          ],
        },
        [scores, ids, mask, half],
      ),
    );
    const result = await new KServeClient('http://server.test', { fetch }).infer('m', [], { binary: true });
    expect(result).toMatchObject({ modelName: 'm', modelVersion: '2', id: 'r' });
    const [a, b, c, d, e] = result.outputs;
    expect(a).toMatchObject({ name: 'scores', dtype: 'float32', shape: [1, 3] });
    expect(a!.data).toEqual(scores);
    expect(b).toMatchObject({ name: 'ids', dtype: 'int64' });
    expect(b!.data).toEqual(ids);
    expect(c).toMatchObject({ name: 'mask', dtype: 'bool', shape: [2, 2] });
    expect(c!.data).toEqual(mask);
    expect(d).toMatchObject({ name: 'half', dtype: 'float16' });
    expect(d!.data).toEqual(half);
    expect(e).toMatchObject({ name: 'json', dtype: 'int32' });
    expect(e!.data).toEqual(Int32Array.from([4, -4]));
  });

  it('decodes nested JSON data, booleans, FP16 numbers and null (NaN)', async () => {
    const { fetch } = stubFetch(() =>
      ok({
        model_name: 'm',
        outputs: [
          {
            name: 'y',
            datatype: 'FP32',
            shape: [2, 2],
            data: [
              [1, 2],
              [null, 4],
            ],
          },
          { name: 'b', datatype: 'BOOL', shape: [3], data: [true, false, true] },
          { name: 'h', datatype: 'FP16', shape: [2], data: [1, -2] },
          { name: 'u', datatype: 'UINT64', shape: [1], data: [12] },
        ],
      }),
    );
    const result = await new KServeClient('http://server.test', { fetch }).infer('m', []);
    const [y, b, h, u] = result.outputs;
    expect(y!.data).toBeInstanceOf(Float32Array);
    expect(Array.from(y!.data as Float32Array)).toEqual([1, 2, Number.NaN, 4]);
    expect(b!.data).toEqual(Uint8Array.from([1, 0, 1]));
    expect(h!.data).toEqual(Uint16Array.from([0x3c00, 0xc000]));
    expect(u!.data).toEqual(BigUint64Array.from([12n]));
  });

  it('refuses responses whose data does not fit their shape or body', async () => {
    const cases: unknown[] = [
      ok({ model_name: 'm', outputs: [{ name: 'y', datatype: 'FP32', shape: [3], data: [1, 2] }] }),
      ok({ model_name: 'm', outputs: [{ name: 'y', datatype: 'NOPE', shape: [1], data: [1] }] }),
      ok({ model_name: 'm' }),
      binaryResponse(
        {
          model_name: 'm',
          outputs: [{ name: 'y', datatype: 'FP32', shape: [2], parameters: { binary_data_size: 8 } }],
        },
        [new Float32Array(1)],
      ),
      binaryResponse(
        {
          model_name: 'm',
          outputs: [{ name: 'y', datatype: 'FP32', shape: [3], parameters: { binary_data_size: 8 } }],
        },
        [new Float32Array(2)],
      ),
      new Response('<html>oops</html>'),
    ];
    for (const response of cases) {
      const { fetch } = stubFetch(() => response as Response);
      const failure = await new KServeClient('http://server.test', { fetch }).infer('m', []).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(MindletError);
      expect((failure as MindletError).code).toBe('INVALID_FORMAT');
    }
  });

  it('turns statuses into errors with the server message, or the start of a non-JSON body', async () => {
    const answers: Array<[Response, string, string]> = [
      [
        new Response(JSON.stringify({ error: 'input x: bad dtype' }), { status: 422 }),
        'input x: bad dtype',
        'INVALID_ARGUMENT',
      ],
      [new Response(JSON.stringify({ error: 'too big' }), { status: 413 }), 'too big', 'LIMIT_EXCEEDED'],
      [new Response('Bad Gateway from proxy', { status: 502 }), 'Bad Gateway from proxy', 'UNSUPPORTED'],
    ];
    for (const [response, message, code] of answers) {
      const status = response.status;
      const { fetch } = stubFetch(() => response);
      const failure = (await new KServeClient('http://server.test', { fetch })
        .metadata('m')
        .catch((e: unknown) => e)) as KServeError;
      expect(failure).toBeInstanceOf(KServeError);
      expect(failure.status).toBe(status);
      expect(failure.code).toBe(code);
      expect(failure.message).toBe(`GET http://server.test/v2/models/m: HTTP ${status}: ${message}`);
    }
  });

  it('gives up after timeoutMs', async () => {
    const hanging: typeof fetch = (_input, init) =>
      new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason)));
    const failure = (await new KServeClient('http://server.test', { fetch: hanging, timeoutMs: 30 })
      .live()
      .catch((e: unknown) => e)) as KServeError;
    expect(failure).toBeInstanceOf(KServeError);
    expect(failure.code).toBe('LIMIT_EXCEEDED');
    expect(failure.message).toContain('30 ms');
  });

  it('maps every protocol datatype to a dtype and back', () => {
    for (const datatype of [
      'BOOL',
      'UINT8',
      'UINT16',
      'UINT32',
      'UINT64',
      'INT8',
      'INT16',
      'INT32',
      'INT64',
      'FP16',
      'BF16',
      'FP32',
      'FP64',
      'BYTES',
    ]) {
      const dtype = dtypeOfDatatype(datatype);
      expect(dtype).toBeDefined();
      expect(kserveDatatype(dtype!)).toBe(datatype);
    }
    expect(dtypeOfDatatype('toString')).toBeUndefined();
    expect(kserveDatatype('qint4x2')).toBeUndefined();
  });
});
