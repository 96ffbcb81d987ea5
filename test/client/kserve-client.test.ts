/**
 * KServeClient against the real serving app over real HTTP (@hono/node-server on 127.0.0.1, port 0) with a real
 * model: outputs must equal a direct `session.run` on the same input, in JSON and binary modes; failures must carry
 * the server's own message and status.
 */

import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KServeClient, KServeError } from '../../src/client/kserve-client.js';
import { isMindletError } from '../../src/errors.js';
import { StaticModelRepository, servedModelFromSession } from '../../src/repository/served-model.js';
import { loadSession } from '../../src/runtime/index.js';
import type { Session } from '../../src/runtime/types.js';
import { createServingApp } from '../../src/serving/app.js';
import { decodeNpy } from '../../src/tensor/npy.js';
import type { NamedTensor, Tensor } from '../../src/tensor/types.js';
import { fixture, repoRoot } from '../tools/proto-encode.js';

let session: Session;
let server: ReturnType<typeof serve>;
let baseUrl: string;
let digit: Tensor;
let inputName: string;
/** Every request the client sent, for checking which encoding it chose. */
const sent: Array<{ url: string; headers: Headers; body: Uint8Array; answer?: Headers }> = [];

const recordingFetch: typeof fetch = async (input, init) => {
  const body = init?.body instanceof Uint8Array ? init.body : new Uint8Array(0);
  const record: (typeof sent)[number] = { url: String(input), headers: new Headers(init?.headers), body };
  sent.push(record);
  const response = await fetch(input, init);
  record.answer = response.headers;
  return response;
};

beforeAll(async () => {
  session = await loadSession(fixture('ori_net.mindir'), { threads: 1 });
  const model = servedModelFromSession(session, { name: 'lenet', version: '1', platform: 'mindspore_mindir' });
  inputName = model.inputs[0]!.name;
  const app = createServingApp({ repository: new StaticModelRepository([model]) });
  digit = decodeNpy(readFileSync(`${repoRoot}/examples/digit-7.npy`), 'digit-7.npy');
  await new Promise<void>((resolve) => {
    server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve());
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  session?.close();
});

function expectSameTensor(actual: NamedTensor | undefined, expected: NamedTensor | undefined): void {
  expect(actual).toBeDefined();
  expect(actual!.dtype).toBe(expected!.dtype);
  expect(actual!.shape).toEqual(expected!.shape);
  expect(actual!.data).toBeInstanceOf(expected!.data.constructor);
  expect(Array.from(actual!.data as Float32Array)).toEqual(Array.from(expected!.data as Float32Array));
}

describe('KServeClient against createServingApp', () => {
  it('reports the server live and ready', async () => {
    const client = new KServeClient(baseUrl);
    expect(await client.live()).toBe(true);
    expect(await client.ready()).toBe(true);
    expect(await client.modelReady('lenet')).toBe(true);
    expect(await client.modelReady('no-such-model')).toBe(false);
  });

  it("reads the model's metadata as the session declares it", async () => {
    const metadata = await new KServeClient(baseUrl).metadata('lenet');
    expect(metadata.name).toBe('lenet');
    expect(metadata.inputs.map((t) => [t.dtype, t.shape])).toEqual(session.inputs.map((t) => [t.dtype, t.shape]));
    expect(metadata.outputs.map((t) => [t.dtype, t.shape])).toEqual(session.outputs.map((t) => [t.dtype, t.shape]));
    expect(metadata.inputs[0]!.name).toBe(inputName);
    expect(metadata.inputs[0]!.datatype).toBe('FP32');
  });

  for (const binary of [false, true] as const) {
    it(`infers exactly what session.run gives (${binary ? 'binary' : 'JSON'} tensors)`, async () => {
      const expected = await session.run([digit]);
      sent.length = 0;
      const client = new KServeClient(baseUrl, { fetch: recordingFetch });
      const result = await client.infer('lenet', [{ name: inputName, ...digit }], { binary, id: 'req-7' });
      expect(result.modelName).toBe('lenet');
      expect(result.modelVersion).toBe('1');
      expect(result.id).toBe('req-7');
      expect(result.outputs).toHaveLength(expected.length);
      expectSameTensor(result.outputs[0], { ...expected[0]!, name: expected[0]!.name });
      const request = sent.at(-1)!;
      expect(request.headers.has('inference-header-content-length')).toBe(binary);
      expect(request.answer!.has('inference-header-content-length')).toBe(binary);
    });
  }

  it('picks JSON for a small input in auto mode, and addresses an explicit version', async () => {
    sent.length = 0;
    const client = new KServeClient(baseUrl, { fetch: recordingFetch });
    const result = await client.infer('lenet', [{ name: inputName, ...digit }], { version: '1' });
    expect(sent.at(-1)!.url).toBe(`${baseUrl}/v2/models/lenet/versions/1/infer`);
    expect(sent.at(-1)!.headers.get('content-type')).toBe('application/json');
    expectSameTensor(result.outputs[0], (await session.run([digit]))[0]);
  });

  it('sends NaN inputs binary in auto mode (JSON has no NaN)', async () => {
    const data = Float32Array.from(digit.data as Float32Array);
    data[0] = Number.NaN;
    const input: Tensor = { dtype: 'float32', shape: digit.shape, data };
    sent.length = 0;
    const client = new KServeClient(baseUrl, { fetch: recordingFetch });
    const result = await client.infer('lenet', [{ name: inputName, ...input }]);
    expect(sent.at(-1)!.headers.has('inference-header-content-length')).toBe(true);
    const expected = await session.run([input]);
    // NaN ≠ NaN, so compare bit patterns as the engine produced them.
    expect(new Uint32Array((result.outputs[0]!.data as Float32Array).buffer)).toEqual(
      new Uint32Array((expected[0]!.data as Float32Array).slice().buffer),
    );
  });

  it("carries the server's message and status for a wrong shape", async () => {
    const bad = { name: inputName, dtype: 'float32' as const, shape: [1, 1, 16, 16], data: new Float32Array(256) };
    const raw = await fetch(`${baseUrl}/v2/models/lenet/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        inputs: [{ name: bad.name, shape: bad.shape, datatype: 'FP32', data: Array(256).fill(0) }],
      }),
    });
    const serverError = ((await raw.json()) as { error: string }).error;
    expect(serverError.length).toBeGreaterThan(0);
    for (const binary of [false, true]) {
      const failure = await new KServeClient(baseUrl).infer('lenet', [bad], { binary }).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(KServeError);
      expect((failure as KServeError).status).toBe(raw.status);
      expect((failure as Error).message).toContain(`HTTP ${raw.status}`);
      expect((failure as Error).message).toContain(serverError);
    }
  });

  it('reports an unknown model as NOT_FOUND with the server message', async () => {
    const client = new KServeClient(baseUrl);
    for (const call of [() => client.metadata('nope'), () => client.infer('nope', [{ name: inputName, ...digit }])]) {
      const failure = (await call().catch((e: unknown) => e)) as KServeError;
      expect(isMindletError(failure)).toBe(true);
      expect(failure.code).toBe('NOT_FOUND');
      expect(failure.status).toBe(404);
      expect(failure.message).toContain('nope');
    }
  });

  it('reports a server that is not there as a clear MindletError', async () => {
    const closed = serve({ fetch: () => new Response(''), hostname: '127.0.0.1', port: 0 });
    await new Promise((resolve) => closed.once('listening', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const failure = (await new KServeClient(`http://127.0.0.1:${port}`).live().catch((e: unknown) => e)) as KServeError;
    expect(failure).toBeInstanceOf(KServeError);
    expect(failure.status).toBeUndefined();
    expect(failure.message).toContain(`127.0.0.1:${port}`);
    expect(failure.message).toContain('ECONNREFUSED');
  });
});
