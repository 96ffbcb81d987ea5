/**
 * Triton's classification extension on KServe v2 inference: `outputs[].parameters.classification = k` returns the
 * k highest classes of the output as BYTES "<value>:<index>[:<label>]" elements, JSON or binary, labels from the
 * served model; bad counts are 400s naming the output.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaticModelRepository, servedModelFromSession } from '../../src/repository/served-model.js';
import { classify } from '../../src/serving/classification.js';
import type { Tensor } from '../../src/tensor/types.js';
import { digitSeven, loadTestModels, send, splitBinaryResponse, type TestModels, testApp } from './helpers.js';

let models: TestModels;
let app: ReturnType<typeof testApp>;
const LABELS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

beforeAll(async () => {
  models = await loadTestModels();
  app = testApp(
    new StaticModelRepository([
      servedModelFromSession(models.lenet, { name: 'plain', version: '1', platform: 'mindspore_mindir' }),
      servedModelFromSession(models.lenet, {
        name: 'labelled',
        version: '1',
        platform: 'mindspore_mindir',
        outputLabels: [LABELS],
      }),
    ]),
  );
});
afterAll(() => models.close());

async function logitsOfSeven(): Promise<number[]> {
  const [out] = await models.lenet.run([digitSeven()]);
  return Array.from(out!.data as Float32Array);
}

/** Indices by descending value, written out independently of the module under test. */
function ranking(values: number[]): number[] {
  return values
    .map((v, i) => [v, i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .map(([, i]) => i);
}

function inferBody(classification: unknown, extra: Record<string, unknown> = {}) {
  const digit = digitSeven();
  return {
    inputs: [{ name: 'x', shape: digit.shape, datatype: 'FP32', data: Array.from(digit.data as Float32Array) }],
    outputs: [{ name: '23', parameters: { classification } }],
    ...extra,
  };
}

describe('the classification extension', () => {
  it('is listed in the server metadata', async () => {
    const body = await (await send(app, 'GET', '/v2')).json();
    expect(body.extensions).toContain('classification');
  });

  it('returns the top k as value:index, highest first, for a model without labels', async () => {
    const logits = await logitsOfSeven();
    const response = await send(app, 'POST', '/v2/models/plain/infer', { json: inferBody(3) });
    expect(response.status).toBe(200);
    const output = (await response.json()).outputs[0];
    expect(output).toMatchObject({ name: '23', datatype: 'BYTES', shape: [1, 3] });
    expect(output.data).toEqual(
      ranking(logits)
        .slice(0, 3)
        .map((i) => `${logits[i]!.toFixed(6)}:${i}`),
    );
  });

  it('adds the model’s label for each class', async () => {
    const logits = await logitsOfSeven();
    const response = await send(app, 'POST', '/v2/models/labelled/infer', { json: inferBody(10) });
    const output = (await response.json()).outputs[0];
    expect(output.shape).toEqual([1, 10]);
    expect(output.data).toEqual(ranking(logits).map((i) => `${logits[i]!.toFixed(6)}:${i}:${LABELS[i]}`));
  });

  it('sends BYTES in the binary form: a 4-byte little-endian length before each element', async () => {
    const json = await (await send(app, 'POST', '/v2/models/labelled/infer', { json: inferBody(2) })).json();
    const response = await send(app, 'POST', '/v2/models/labelled/infer', {
      json: inferBody(2, { parameters: { binary_data_output: true } }),
    });
    expect(response.status).toBe(200);
    const { header, rest: binary } = await splitBinaryResponse(response);
    expect(header.outputs[0]).toMatchObject({ datatype: 'BYTES', shape: [1, 2] });
    const strings: string[] = [];
    const view = new DataView(binary.buffer, binary.byteOffset, binary.byteLength);
    for (let at = 0; at < binary.byteLength; ) {
      const length = view.getUint32(at, true);
      strings.push(new TextDecoder().decode(binary.subarray(at + 4, at + 4 + length)));
      at += 4 + length;
    }
    expect(header.outputs[0].parameters.binary_data_size).toBe(binary.byteLength);
    expect(strings).toEqual(json.outputs[0].data);
  });

  it('refuses a count that is not a positive integer (400), or more classes than the output has (422)', async () => {
    for (const bad of [0, -1, 1.5, '2', true]) {
      const response = await send(app, 'POST', '/v2/models/plain/infer', { json: inferBody(bad) });
      expect(response.status, JSON.stringify(bad)).toBe(400);
      expect((await response.json()).error).toMatch(/classification must be a positive integer/);
    }
    // A well-formed request that does not fit this model's output, like a wrong shape: 422.
    const response = await send(app, 'POST', '/v2/models/plain/infer', { json: inferBody(11) });
    expect(response.status).toBe(422);
    expect((await response.json()).error).toMatch(/output 23: classification 11 asks for more classes than .* 10/);
  });
});

describe('classify', () => {
  const tensor = (data: number[], shape: number[]): Tensor => ({
    dtype: 'float32',
    shape,
    data: Float32Array.from(data),
  });

  it('keeps the batch dimension and ranks each row on its own; ties go to the lower index', () => {
    const result = classify('y', tensor([1, 3, 3, 0, 9, 8, 7, 6], [2, 4]), 2, undefined);
    expect(result.shape).toEqual([2, 2]);
    expect(result.values).toEqual(['3.000000:1', '3.000000:2', '9.000000:0', '8.000000:1']);
  });

  it('reads a rank-1 output as one row, and every dimension after the first as classes', () => {
    expect(classify('y', tensor([0.5, 2, 1], [3]), 1, ['a', 'b', 'c'])).toEqual({
      shape: [1],
      values: ['2.000000:1:b'],
    });
    const nested = classify('y', tensor([0, 1, 5, 2], [1, 2, 2]), 1, undefined);
    expect(nested).toEqual({ shape: [1, 1], values: ['5.000000:2'] });
  });

  it('ranks NaN last and reads float16 bits as numbers', () => {
    expect(classify('y', tensor([Number.NaN, -1, 2], [3]), 3, undefined).values).toEqual([
      '2.000000:2',
      '-1.000000:1',
      'NaN:0',
    ]);
    // float16 bits: 0x3C00 = 1, 0x4000 = 2, 0xBC00 = -1.
    const half: Tensor = { dtype: 'float16', shape: [3], data: Uint16Array.from([0x3c00, 0x4000, 0xbc00]) };
    expect(classify('h', half, 2, undefined).values).toEqual(['2.000000:1', '1.000000:0']);
  });

  it('refuses outputs that are not numbers', () => {
    const flags: Tensor = { dtype: 'bool', shape: [2], data: Uint8Array.from([1, 0]) };
    expect(() => classify('flags', flags, 1, undefined)).toThrow(/output flags is bool/);
  });
});
