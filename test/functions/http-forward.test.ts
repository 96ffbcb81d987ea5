/**
 * The HTTP function as a pure front (TASK_ROUTES, no MODEL_URI), run as Lambda runs it: the esbuild bundle in a
 * fresh Node process with the native runtime layer, invoked with real API Gateway payload v2 and function URL
 * events. Routed requests reach a model server on 127.0.0.1 (the bundled LeNet) and come back exactly as that
 * server answers them; a route to a closed port answers a JSON 502.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningModelServer, startModelServer } from '../../src/serving/node-server.js';
import { decodeNpy } from '../../src/tensor/npy.js';
import { type EventKind, type HttpRequest, lambdaEvent } from '../tools/lambda-events.js';
import { type InvokeOutcome, type LambdaRunner, startLambdaRunner } from '../tools/lambda-runner.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const EXAMPLE = path.join(root, 'examples/models/lenet/1/model.mindir');

interface HttpResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

let work: string;
let bundleDir: string;
let layerNodeModules: string;
let modelServer: RunningModelServer;
let recorder: http.Server;
let recorderUrl: string;
const recorded: http.IncomingHttpHeaders[] = [];
let closedUrl: string;
let digit: Float32Array;
let lambda: LambdaRunner;
const outcomes: InvokeOutcome[] = [];

async function invoke(kind: EventKind, request: HttpRequest): Promise<HttpResult> {
  const outcome = await lambda.invoke(lambdaEvent(kind, request));
  outcomes.push(outcome);
  expect(outcome.error, `handler threw: ${JSON.stringify(outcome.error)}`).toBeUndefined();
  return outcome.result as HttpResult;
}

function json(result: HttpResult): Record<string, unknown> {
  expect(result.isBase64Encoded).toBe(false);
  return JSON.parse(result.body) as Record<string, unknown>;
}

beforeAll(async () => {
  // Built before any server starts: the builds are synchronous children that talk to nothing here.
  work = mkdtempSync(path.join(os.tmpdir(), 'mindlet-forward-build-'));
  execFileSync(
    process.execPath,
    [path.join(root, 'scripts/build-layer.mjs'), '--out', path.join(work, 'layer'), '--no-zip'],
    { cwd: root, stdio: 'pipe' },
  );
  // Only the HTTP function's bundle.
  const build = `import(${JSON.stringify(pathToFileURL(path.join(root, 'scripts/build-functions.mjs')).href)}).then((m) => m.buildFunctions({ outDir: ${JSON.stringify(path.join(work, 'functions'))}, names: ['http'] }))`;
  execFileSync(process.execPath, ['--input-type=module', '-e', build], { cwd: root, stdio: 'pipe' });
  bundleDir = path.join(work, 'functions/http');
  layerNodeModules = path.join(work, 'layer/native-runtime/nodejs/node_modules');

  digit = decodeNpy(readFileSync(path.join(root, 'examples/digit-7.npy')), 'digit-7.npy').data as Float32Array;
  modelServer = await startModelServer({ sources: [{ uri: EXAMPLE }], port: 0, watchSeconds: 0, threads: 1 });

  // Records the headers that reach an upstream.
  recorder = http.createServer((request, response) => {
    recorded.push(request.headers);
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'upstream=1' });
      response.end('{"recorded":true}');
    });
  });
  await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
  recorderUrl = `http://127.0.0.1:${(recorder.address() as AddressInfo).port}`;

  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => probe.close(() => resolve()));

  lambda = await startLambdaRunner({
    bundleDir,
    layerNodeModules,
    env: {
      TASK_ROUTES: `lenet=${modelServer.url},echo=${recorderUrl}/,gone=${closedUrl}`,
      TASK_ROUTE_TIMEOUT_MS: '5000',
      AWS_REGION: 'us-east-1',
      MINDLET_CACHE_DIR: path.join(work, 'cache'),
      POWERTOOLS_SERVICE_NAME: 'mindlet-http',
    },
  });
}, 180_000);

afterAll(async () => {
  await lambda?.close();
  await modelServer?.close();
  recorder?.closeAllConnections();
  await new Promise<void>((resolve) => (recorder ? recorder.close(() => resolve()) : resolve()));
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the HTTP function as a front for a container task', () => {
  it('starts without MODEL_URI and is ready: no model of its own to wait for', async () => {
    const ready = await invoke('api-gateway-http-v2', { method: 'GET', path: '/v2/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(json(ready)).toEqual({ ready: true });
    const index = await invoke('api-gateway-http-v2', { method: 'POST', path: '/v2/repository/index' });
    expect(json(index)).toEqual([]);
  });

  it('forwards a KServe v2 inference (API Gateway event) and returns the task server’s exact answer', async () => {
    const body = JSON.stringify({
      id: 'digit-7',
      inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 1, 32, 32], data: Array.from(digit) }],
    });
    const direct = await fetch(`${modelServer.url}/v2/models/lenet/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    const expected = (await direct.json()) as { outputs: Array<{ data: number[] }> };
    const result = await invoke('api-gateway-http-v2', {
      method: 'POST',
      path: '/v2/models/lenet/infer',
      headers: { 'content-type': 'application/json', 'x-request-id': 'front-test-1' },
      body,
    });
    expect(result.statusCode).toBe(200);
    expect(result.headers['x-request-id']).toBe('front-test-1');
    const answer = json(result) as {
      id: string;
      model_name: string;
      outputs: Array<{ shape: number[]; data: number[] }>;
    };
    expect(answer).toEqual(expected);
    expect(answer.model_name).toBe('lenet');
    expect(answer.outputs[0]!.shape).toEqual([1, 10]);
    expect(answer.outputs[0]!.data).toEqual(expected.outputs[0]!.data);
    const forwarded = outcomes.at(-1)!.stdout.filter((line) => line.includes('"request forwarded"'));
    expect(forwarded).toHaveLength(1);
    expect(JSON.parse(forwarded[0]!)).toMatchObject({ model: 'lenet', status: 200, outcome: 'answered', attempts: 1 });
  });

  it('forwards a binary KServe request and answer, base64 both ways', async () => {
    const input = new Uint8Array(digit.slice().buffer);
    const header = new TextEncoder().encode(
      JSON.stringify({
        inputs: [
          { name: 'x', datatype: 'FP32', shape: [1, 1, 32, 32], parameters: { binary_data_size: input.byteLength } },
        ],
        parameters: { binary_data_output: true },
      }),
    );
    const body = new Uint8Array(header.byteLength + input.byteLength);
    body.set(header, 0);
    body.set(input, header.byteLength);
    const headers = {
      'content-type': 'application/octet-stream',
      'inference-header-content-length': String(header.byteLength),
    };
    const direct = await fetch(`${modelServer.url}/v2/models/lenet/versions/1/infer`, {
      method: 'POST',
      headers,
      body,
    });
    const expected = new Uint8Array(await direct.arrayBuffer());
    const result = await invoke('api-gateway-http-v2', {
      method: 'POST',
      path: '/v2/models/lenet/versions/1/infer',
      headers,
      body,
    });
    expect(result.statusCode).toBe(200);
    expect(result.isBase64Encoded).toBe(true);
    expect(result.headers['inference-header-content-length']).toBe(
      direct.headers.get('inference-header-content-length'),
    );
    expect(new Uint8Array(Buffer.from(result.body, 'base64'))).toEqual(expected);
  });

  it('forwards a MindSpore Serving prediction (function URL event)', async () => {
    const image = [[Array.from({ length: 32 }, (_, r) => Array.from(digit.subarray(r * 32, r * 32 + 32)))]];
    const body = JSON.stringify({ instances: [{ x: image }] });
    const direct = await fetch(`${modelServer.url}/model/lenet:predict`, { method: 'POST', body });
    const expected = await direct.json();
    const result = await invoke('function-url', {
      method: 'POST',
      path: '/model/lenet:predict',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(result.statusCode).toBe(200);
    const answer = json(result) as { instances: Array<Record<string, unknown[]>> };
    expect(answer).toEqual(expected);
    expect(Object.values(answer.instances[0]!)[0]!.flat()).toHaveLength(10);
  });

  it('sends the client address on, and neither cookies nor credentials', async () => {
    const result = await invoke('api-gateway-http-v2', {
      method: 'GET',
      path: '/v2/models/echo/ready',
      headers: { authorization: 'Bearer secret', 'x-amz-security-token': 'token' },
    });
    expect(result.statusCode).toBe(200);
    expect(result.headers['set-cookie']).toBeUndefined();
    const headers = recorded.at(-1)!;
    expect(headers['x-forwarded-for']).toBe('192.0.2.1');
    expect(headers.cookie).toBeUndefined();
    expect(headers.authorization).toBeUndefined();
    expect(headers['x-amz-security-token']).toBeUndefined();
  });

  it('answers a JSON 502 naming the model when its task is down', async () => {
    const kserve = await invoke('api-gateway-http-v2', {
      method: 'POST',
      path: '/v2/models/gone/infer',
      headers: { 'content-type': 'application/json' },
      body: '{"inputs": []}',
    });
    expect(kserve.statusCode).toBe(502);
    expect(kserve.headers['content-type']).toBe('application/json');
    const body = json(kserve) as { error: string; code: string; request_id: string };
    expect(body.error).toMatch(/^upstream gone unreachable: .*ECONNREFUSED/);
    expect(body.code).toBe('BAD_GATEWAY');
    expect(body.request_id).toBe(kserve.headers['x-request-id']);
    const warning = outcomes.at(-1)!.stderr.find((line) => line.includes('"request forwarded"'));
    expect(JSON.parse(warning!)).toMatchObject({ model: 'gone', status: 502, outcome: 'unreachable', attempts: 3 });

    const serving = await invoke('function-url', { method: 'POST', path: '/model/gone:predict', body: '{}' });
    expect(serving.statusCode).toBe(502);
    expect((json(serving) as { error_msg: string }).error_msg).toMatch(/^upstream gone unreachable/);
  });

  it('answers models that are neither routed nor loaded here with a 404 from the local app', async () => {
    const result = await invoke('api-gateway-http-v2', { method: 'GET', path: '/v2/models/resnet50' });
    expect(result.statusCode).toBe(404);
    expect((json(result) as { error: string }).error).toMatch(/resnet50 is not served here/);
  });
});

describe('a misconfigured front', () => {
  it('answers every invoke with a JSON 500 naming the bad TASK_ROUTES entry', async () => {
    const broken = await startLambdaRunner({
      bundleDir,
      layerNodeModules,
      env: { TASK_ROUTES: 'lenet=ftp://10.0.0.1', AWS_REGION: 'us-east-1' },
    });
    try {
      const outcome = await broken.invoke(
        lambdaEvent('api-gateway-http-v2', { method: 'GET', path: '/v2/health/ready' }),
      );
      const result = outcome.result as HttpResult;
      expect(result.statusCode).toBe(500);
      expect((JSON.parse(result.body) as { error: string }).error).toMatch(
        /function is misconfigured: TASK_ROUTES entry 1 .*must be http:\/\/ or https:\/\//,
      );
    } finally {
      await broken.close();
    }
  });
});
