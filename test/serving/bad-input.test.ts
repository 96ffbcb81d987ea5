/**
 * Requests a client can get wrong, each answered with the right status, a one-line JSON error and the request id,
 * and never by a crash: after the whole table, a good request still gets the engine's answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binaryBody, digitSeven, loadTestModels, send, type TestModels, testApp } from './helpers.js';

let models: TestModels;
let app: ReturnType<typeof testApp>;
/** Tight limits, so size checks can be hit with small requests. */
let small: ReturnType<typeof testApp>;

beforeAll(async () => {
  models = await loadTestModels();
  app = testApp(models.repository);
  small = testApp(models.repository, { limits: { maxBodyBytes: 2048, maxTensorElements: 100 } });
});
afterAll(() => models.close());

const JSON_TYPE = { 'content-type': 'application/json' };
const utf8 = (text: string) => new TextEncoder().encode(text);

/** A LeNet input tensor spec, with fields replaced as a case needs. */
const lenetInput = (fields: Record<string, unknown> = {}) => ({
  name: 'x',
  shape: [1, 1, 32, 32],
  datatype: 'FP32',
  data: new Array(1024).fill(0.5),
  ...fields,
});
const echoInt = (datatype: string, data: unknown[]) => ({
  inputs: [{ name: `in_${datatype.toLowerCase()}`, shape: [data.length], datatype, data }],
});
const addInputs = (names: string[]) => ({
  inputs: names.map((name) => ({ name, shape: [2, 2], datatype: 'FP32', data: [1, 2, 3, 4] })),
});

/** A binary request: JSON header then bytes, with the header length as given (or the true one). */
function binary(header: unknown, bytes: Uint8Array, headerLength?: string) {
  const built = binaryBody(header, [bytes]);
  return {
    body: built.body,
    headers: {
      'content-type': 'application/octet-stream',
      'inference-header-content-length': headerLength ?? String(built.headerLength),
    },
  };
}
const reluBinary = (size: number, extra: Record<string, unknown> = {}) => ({
  inputs: [{ name: 'x', shape: [1, 1, 2, 2], datatype: 'FP32', parameters: { binary_data_size: size }, ...extra }],
});

interface BadCase {
  name: string;
  method?: string;
  path?: string;
  json?: unknown;
  body?: Uint8Array;
  headers?: Record<string, string>;
  small?: boolean;
  status: number;
  code: string;
}

const INFER = '/v2/models/lenet/infer';

const cases: BadCase[] = [
  { name: 'malformed JSON', body: utf8('{"inputs": ['), headers: JSON_TYPE, status: 400, code: 'BAD_REQUEST' },
  { name: 'empty body', body: new Uint8Array(0), headers: JSON_TYPE, status: 400, code: 'BAD_REQUEST' },
  {
    name: 'non-UTF-8 body',
    body: Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]),
    headers: JSON_TYPE,
    status: 400,
    code: 'BAD_REQUEST',
  },
  { name: 'JSON array, not an object', json: [lenetInput()], status: 400, code: 'BAD_REQUEST' },
  { name: 'no inputs', json: {}, status: 400, code: 'BAD_REQUEST' },
  { name: 'empty inputs', json: { inputs: [] }, status: 400, code: 'BAD_REQUEST' },
  { name: 'input not an object', json: { inputs: [1] }, status: 400, code: 'BAD_REQUEST' },
  {
    name: 'input without a name',
    json: { inputs: [lenetInput({ name: undefined })] },
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'unknown datatype',
    json: { inputs: [lenetInput({ datatype: 'FLOAT32' })] },
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'wrong dtype for the model',
    json: { inputs: [lenetInput({ datatype: 'INT32', data: new Array(1024).fill(1) })] },
    status: 422,
    code: 'INVALID_INPUT',
  },
  {
    name: 'BYTES tensor',
    json: { inputs: [lenetInput({ datatype: 'BYTES', data: ['a'] })] },
    status: 422,
    code: 'INVALID_INPUT',
  },
  {
    name: 'wrong shape, right element count',
    json: { inputs: [lenetInput({ shape: [1, 1, 16, 64] })] },
    status: 422,
    code: 'INVALID_INPUT',
  },
  {
    name: 'data shorter than the shape',
    json: { inputs: [lenetInput({ data: new Array(1000).fill(0) })] },
    status: 400,
    code: 'BAD_REQUEST',
  },
  { name: 'missing input', path: '/v2/models/add/infer', json: addInputs(['x_']), status: 422, code: 'INVALID_INPUT' },
  {
    name: 'extra input',
    path: '/v2/models/add/infer',
    json: addInputs(['x_', 'y_', 'z_']),
    status: 422,
    code: 'INVALID_INPUT',
  },
  {
    name: 'duplicate input names',
    path: '/v2/models/add/infer',
    json: addInputs(['x_', 'x_']),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'negative dim',
    json: { inputs: [lenetInput({ shape: [1, -1, 32, 32] })] },
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'fractional dim',
    json: { inputs: [lenetInput({ shape: [1, 1.5, 32, 32] })] },
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'shape not an array',
    json: { inputs: [lenetInput({ shape: '1,1,32,32' })] },
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'absurd dims',
    json: { inputs: [lenetInput({ shape: [1e9, 1e9, 1e9], data: [1] })] },
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  {
    name: 'a zero dim beside an absurd one',
    json: { inputs: [lenetInput({ shape: [0, 1e12], data: [] })] },
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  {
    name: 'more elements than the limit',
    small: true,
    path: '/v2/models/echo/infer',
    json: echoInt('FP32', new Array(101).fill(1)),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  {
    name: 'NaN as a string',
    json: { inputs: [lenetInput({ data: ['NaN', ...new Array(1023).fill(0)] })] },
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'null in float data',
    json: { inputs: [lenetInput({ data: [null, ...new Array(1023).fill(0)] })] },
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'ragged nested data',
    path: '/v2/models/add/infer',
    json: {
      inputs: [
        { name: 'x_', shape: [2, 2], datatype: 'FP32', data: [[1, 2], [3]] },
        { name: 'y_', shape: [2, 2], datatype: 'FP32', data: [1, 2, 3, 4] },
      ],
    },
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'fraction for INT32',
    path: '/v2/models/echo/infer',
    json: echoInt('INT32', [1, 2.5]),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'out-of-range UINT8',
    path: '/v2/models/echo/infer',
    json: echoInt('UINT8', [1, 256]),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'INT64 past 2^53',
    path: '/v2/models/echo/infer',
    json: echoInt('INT64', [2 ** 60]),
    status: 400,
    code: 'BAD_REQUEST',
  },
  { name: 'id not a string', json: { id: 7, inputs: [lenetInput()] }, status: 400, code: 'BAD_REQUEST' },
  {
    name: 'binary_data_output not a boolean',
    json: { parameters: { binary_data_output: 'yes' }, inputs: [lenetInput()] },
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'unknown requested output',
    json: { inputs: [lenetInput()], outputs: [{ name: 'logits' }] },
    status: 422,
    code: 'INVALID_INPUT',
  },
  {
    name: 'output requested twice',
    json: { inputs: [lenetInput()], outputs: [{ name: '23' }, { name: '23' }] },
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'unknown model',
    path: '/v2/models/resnet/infer',
    json: { inputs: [lenetInput()] },
    status: 404,
    code: 'NOT_FOUND',
  },
  {
    name: 'unknown version',
    path: '/v2/models/lenet/versions/9/infer',
    json: { inputs: [lenetInput()] },
    status: 404,
    code: 'NOT_FOUND',
  },
  { name: 'metadata of an unknown model', method: 'GET', path: '/v2/models/resnet', status: 404, code: 'NOT_FOUND' },
  { name: 'unknown route', method: 'GET', path: '/v3/models', status: 404, code: 'NOT_FOUND' },
  { name: 'wrong method on infer', method: 'GET', status: 405, code: 'METHOD_NOT_ALLOWED' },
  {
    name: 'wrong method on metadata',
    method: 'DELETE',
    path: '/v2/models/lenet',
    status: 405,
    code: 'METHOD_NOT_ALLOWED',
  },
  {
    name: 'text/plain body',
    body: utf8(JSON.stringify({ inputs: [lenetInput()] })),
    headers: { 'content-type': 'text/plain' },
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'multipart body',
    body: utf8('--b\r\n\r\n{}\r\n--b--'),
    headers: { 'content-type': 'multipart/form-data; boundary=b' },
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'octet-stream without the header length',
    body: new Uint8Array(16),
    headers: { 'content-type': 'application/octet-stream' },
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'gzip-encoded body',
    body: utf8(JSON.stringify({ inputs: [lenetInput()] })),
    headers: { ...JSON_TYPE, 'content-encoding': 'gzip' },
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'body over maxBodyBytes',
    small: true,
    json: { inputs: [lenetInput()] },
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  {
    name: 'binary header length past the body',
    path: '/v2/models/relu/infer',
    ...binary(reluBinary(16), new Uint8Array(16), '100000'),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'binary header length not a number',
    path: '/v2/models/relu/infer',
    ...binary(reluBinary(16), new Uint8Array(16), '12abc'),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'binary header length cutting the JSON short',
    path: '/v2/models/relu/infer',
    ...binary(reluBinary(16), new Uint8Array(16), '10'),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'binary_data_size not matching the shape',
    path: '/v2/models/relu/infer',
    ...binary(reluBinary(12), new Uint8Array(12)),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'binary bytes left over',
    path: '/v2/models/relu/infer',
    ...binary(reluBinary(16), new Uint8Array(20)),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'binary bytes missing',
    path: '/v2/models/relu/infer',
    ...binary(reluBinary(16), new Uint8Array(8)),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'binary_data_size negative',
    path: '/v2/models/relu/infer',
    ...binary(reluBinary(-16), new Uint8Array(0)),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'binary_data_size without the header',
    path: '/v2/models/relu/infer',
    json: reluBinary(16),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'both data and binary_data_size',
    path: '/v2/models/relu/infer',
    ...binary(reluBinary(16, { data: [1, 2, 3, 4] }), new Uint8Array(16)),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'BOOL byte neither 0 nor 1',
    path: '/v2/models/echo/infer',
    ...binary(
      { inputs: [{ name: 'in_bool', shape: [2], datatype: 'BOOL', parameters: { binary_data_size: 2 } }] },
      Uint8Array.from([1, 2]),
    ),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'repository index filter not a boolean',
    path: '/v2/repository/index',
    json: { ready: 'yes' },
    status: 400,
    code: 'BAD_REQUEST',
  },
];

describe('bad requests', () => {
  it('has a case for each kind of mistake', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it.each(cases)('$name → $status', async (c) => {
    const target = c.small ? small : app;
    const response = await send(target, c.method ?? 'POST', c.path ?? INFER, {
      json: c.json,
      body: c.body,
      headers: c.headers,
    });
    expect(response.status).toBe(c.status);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toBeTruthy();
    const body = await response.json();
    expect(body.code).toBe(c.code);
    expect(typeof body.error).toBe('string');
    expect(body.error.length).toBeGreaterThan(0);
    expect(body.error).not.toContain('\n');
    expect(body.request_id).toBe(requestId);
    if (c.status === 405) expect(response.headers.get('allow')).toBeTruthy();
  });

  it('still answers a good request exactly after all of them', async () => {
    for (const c of cases) await send(c.small ? small : app, c.method ?? 'POST', c.path ?? INFER, c);
    const digit = digitSeven();
    const response = await send(app, 'POST', INFER, {
      json: {
        inputs: [{ name: 'x', shape: digit.shape, datatype: 'FP32', data: Array.from(digit.data as Float32Array) }],
      },
    });
    expect(response.status).toBe(200);
    const [direct] = await models.lenet.run([digit]);
    expect((await response.json()).outputs[0].data).toEqual(Array.from(direct!.data as Float32Array));
  });
});
