/**
 * The Cloudflare Worker as it deploys: the bundle scripts/build-worker.mjs builds (into a temporary folder), run by
 * workerd through Miniflare over an R2 bucket holding the real LeNet-class MindIR (ori_net.mindir) published with
 * its manifest. Both protocols must give the native engine's numbers, and every bad request must get the answer
 * the Node server gives for the same model: same status, same error text.
 *
 * Tolerance: the WebAssembly engine runs the same C++ kernels as the native addon, compiled for wasm32 SIMD128
 * instead of AVX2/AVX-512: only the order of float32 additions (vector width, blocking) and fused multiply-adds
 * differ. Each LeNet output is a chain of dot products of at most 400 terms (conv2: 5·5·16; the dense layers 400,
 * 120, 84), where reordering moves a float32 sum by a few units in the last place of the partial sums' magnitude
 * (2^-24 ≈ 6e-8 each); bounded by 1e-5 of the output's largest magnitude, which leaves ~100 ulps of headroom and
 * still catches any real kernel difference (a wrong weight, a missed bias, a transposed layout move outputs by
 * percents).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWorkerBuild, type WorkerBuild } from '../../src/cli/worker-build.js';
import { loadSession } from '../../src/runtime/session.js';
import { type RunningModelServer, startModelServer } from '../../src/serving/node-server.js';
import { compareOutputs } from '../tools/compare.js';
import { repoRoot } from '../tools/proto-encode.js';
import { lenetBytes, publishedFiles, testImage } from './helpers.js';

/** The body limit both servers run with, small enough to exceed cheaply. */
const LIMIT = 64 * 1024;
const TOLERANCE = 1e-5;

interface Started {
  url: string;
  miniflare: Miniflare;
  logs: string[];
}

let work: string;
let built: WorkerBuild;
let edge: Started;
let refusing: Started;
let misconfigured: Started;
let node: RunningModelServer;
let native: Float32Array;
let outputName: string;
let version: string;

async function startWorker(
  models: string,
  files: Map<string, Uint8Array>,
  maxBodyBytes = String(LIMIT),
): Promise<Started> {
  const logs: string[] = [];
  const miniflare = new Miniflare({
    modulesRoot: path.dirname(built.script),
    modules: [
      { type: 'ESModule', path: built.script, contents: readFileSync(built.script, 'utf8') },
      { type: 'CompiledWasm', path: built.wasm, contents: readFileSync(built.wasm) },
    ],
    compatibilityDate: '2026-04-26',
    r2Buckets: ['MODELS_BUCKET'],
    bindings: { MODELS: models, MAX_BODY_BYTES: maxBodyBytes },
    host: '127.0.0.1',
    port: 0,
    handleRuntimeStdio: (stdout: Readable, stderr: Readable) => {
      stdout.on('data', (chunk: Buffer) => logs.push(String(chunk)));
      stderr.on('data', (chunk: Buffer) => logs.push(String(chunk)));
    },
  });
  const url = (await miniflare.ready).origin;
  const bucket = (await miniflare.getR2Bucket('MODELS_BUCKET')) as unknown as {
    put(key: string, value: Uint8Array): Promise<unknown>;
  };
  for (const [key, bytes] of files) await bucket.put(key, bytes);
  return { url, miniflare, logs };
}

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'mindlet-workers-'));
  const { buildWorker } = await loadWorkerBuild();
  built = await buildWorker({ outDir: path.join(work, 'bundle') });

  const bucket = new Map([...publishedFiles('lenet', '2'), ...publishedFiles('lenet', '10')]);
  // Far over an isolate's memory by its manifest; its model object is absent, so a fetch would be a different error.
  const huge = publishedFiles('huge', '1', (manifest) => {
    manifest.profile.parameterBytes = 300_000_000;
    manifest.profile.flops = 4e10;
  });
  huge.delete('models/huge/1/model.mindir');
  [edge, refusing, misconfigured] = await Promise.all([
    startWorker('lenet', bucket),
    startWorker('huge,lenet@2', new Map([...bucket, ...huge])),
    startWorker('lenet', bucket, '1e9'),
  ]);

  // The Node server over the same published files, as `mindlet serve` would read them from a folder.
  for (const [key, bytes] of publishedFiles('lenet', '10')) {
    mkdirSync(path.dirname(path.join(work, 'r2', key)), { recursive: true });
    writeFileSync(path.join(work, 'r2', key), bytes);
  }
  node = await startModelServer({
    sources: [{ uri: path.join(work, 'r2/models/lenet/10/model.mindir') }],
    port: 0,
    watchSeconds: 0,
    threads: 1,
    limits: { maxBodyBytes: LIMIT },
  });
  const session = await loadSession(lenetBytes(), { threads: 1 });
  try {
    const [out] = await session.run([{ dtype: 'float32', shape: [1, 1, 32, 32], data: testImage() }]);
    native = out!.data as Float32Array;
  } finally {
    session.close();
  }
  outputName = node.repository.index().length ? (await node.repository.resolve('lenet')).outputs[0]!.name : '';
  version = node.repository.index()[0]!.version;
}, 120_000);

afterAll(async () => {
  await Promise.all([
    edge?.miniflare.dispose(),
    refusing?.miniflare.dispose(),
    misconfigured?.miniflare.dispose(),
    node?.close(),
  ]);
  if (work) rmSync(work, { recursive: true, force: true });
});

const JSON_TYPE = { 'content-type': 'application/json' };

function kserveBody(fields: Record<string, unknown> = {}): string {
  return JSON.stringify({
    inputs: [{ name: 'x', shape: [1, 1, 32, 32], datatype: 'FP32', data: Array.from(testImage()), ...fields }],
  });
}

function mindsporeBody(): string {
  const image = Array.from(testImage());
  const rows = Array.from({ length: 32 }, (_, r) => image.slice(r * 32, r * 32 + 32));
  return JSON.stringify({ instances: [{ x: [rows] }] });
}

async function call(base: string, route: string, init: RequestInit = {}) {
  const response = await fetch(`${base}${route}`, init);
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, json: json as Record<string, unknown>, headers: response.headers };
}

describe('the Worker bundle', () => {
  it('bundles the serving app and the wasm engine without Node, the AWS SDK or the native engine', () => {
    const inputs = built.inputs.join('\n');
    expect(inputs).toContain('src/runtime/wasm/engine.ts');
    expect(inputs).toContain('src/repository/r2-repository.ts');
    for (const absent of ['@aws-sdk', 'src/runtime/native.ts', 'src/mindir/loader.ts', 'src/mindir/encryption.ts'])
      expect(inputs).not.toContain(absent);
    expect(readFileSync(built.script, 'utf8')).not.toMatch(/from\s*"node:/);
    expect(built.fitsFree).toBe(true);
    expect(built.files.map((f) => path.basename(f.file))).toEqual(['worker.js', 'mindlet-engine.wasm']);
  });
});

describe('the Worker in workerd', () => {
  it('answers KServe v2 JSON inference with the native engine numbers, loading the model once', async () => {
    // The isolate's first requests arrive together: they share one load.
    const replies = await Promise.all(
      [1, 2, 3].map(() =>
        call(edge.url, '/v2/models/lenet/infer', { method: 'POST', headers: JSON_TYPE, body: kserveBody() }),
      ),
    );
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(replies[1]!.json.outputs).toEqual(replies[0]!.json.outputs);
    expect(edge.logs.join('').match(/"message":"model loaded"/g)).toHaveLength(1);
    const reply = replies[0]!;
    expect(reply.json).toMatchObject({ model_name: 'lenet', model_version: '10' });
    const [output] = reply.json.outputs as Array<{ name: string; datatype: string; shape: number[]; data: number[] }>;
    expect(output).toMatchObject({ name: outputName, datatype: 'FP32', shape: [1, 10] });
    const comparison = compareOutputs(output!.data, native);
    expect(comparison.relative).toBeLessThanOrEqual(TOLERANCE);
  });

  it('answers MindSpore Serving predict with the native engine numbers', async () => {
    const reply = await call(edge.url, '/model/lenet:predict', {
      method: 'POST',
      headers: JSON_TYPE,
      body: mindsporeBody(),
    });
    expect(reply.status).toBe(200);
    const instances = reply.json.instances as Array<Record<string, number[]>>;
    expect(instances).toHaveLength(1);
    expect(compareOutputs(instances[0]![outputName]!.flat(), native).relative).toBeLessThanOrEqual(TOLERANCE);
    const versioned = await call(edge.url, '/model/lenet/version/10:predict', {
      method: 'POST',
      body: mindsporeBody(),
    });
    expect(versioned.json).toEqual(reply.json);
  });

  it('serves health, server and model metadata as the Node server does', async () => {
    expect(await call(edge.url, '/v2/health/live')).toMatchObject({ status: 200, json: { live: true } });
    expect(await call(edge.url, '/v2/health/ready')).toMatchObject({ status: 200, json: { ready: true } });
    const server = await call(edge.url, '/v2');
    const { version: packageVersion } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(server.json).toEqual({ ...(await call(node.url, '/v2')).json, version: packageVersion });
    for (const route of ['/v2/models/lenet', '/v2/models/lenet/versions/10', '/v2/models/lenet/ready']) {
      const [fromEdge, fromNode] = await Promise.all([call(edge.url, route), call(node.url, route)]);
      expect(fromEdge.status).toBe(200);
      expect(fromEdge.json).toEqual(fromNode.json);
    }
    const index = await call(edge.url, '/v2/repository/index', { method: 'POST' });
    expect(index.json).toEqual([{ name: 'lenet', version, state: 'READY' }]);
    expect(index.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  const BAD: Array<[string, string, RequestInit]> = [
    [
      'KServe: wrong shape',
      '/v2/models/lenet/infer',
      { method: 'POST', headers: JSON_TYPE, body: kserveBody({ shape: [1, 1, 16, 64] }) },
    ],
    [
      'KServe: wrong dims',
      '/v2/models/lenet/infer',
      { method: 'POST', headers: JSON_TYPE, body: kserveBody({ shape: [1, 1, 28, 28], data: new Array(784).fill(0) }) },
    ],
    [
      'KServe: wrong dtype',
      '/v2/models/lenet/infer',
      { method: 'POST', headers: JSON_TYPE, body: kserveBody({ datatype: 'INT32' }) },
    ],
    ['KServe: malformed JSON', '/v2/models/lenet/infer', { method: 'POST', headers: JSON_TYPE, body: '{"inputs": [' }],
    ['KServe: unknown model', '/v2/models/nope/infer', { method: 'POST', headers: JSON_TYPE, body: kserveBody() }],
    [
      'KServe: unknown version',
      '/v2/models/lenet/versions/3/infer',
      { method: 'POST', headers: JSON_TYPE, body: kserveBody() },
    ],
    [
      'KServe: oversized body',
      '/v2/models/lenet/infer',
      { method: 'POST', headers: JSON_TYPE, body: kserveBody({ padding: ' '.repeat(LIMIT) }) },
    ],
    [
      'KServe: wrong media type',
      '/v2/models/lenet/infer',
      { method: 'POST', headers: { 'content-type': 'text/csv' }, body: '1,2' },
    ],
    ['KServe: wrong method', '/v2/models/lenet/infer', { method: 'GET' }],
    ['no such route', '/v3/anything', { method: 'GET' }],
    ['MindSpore Serving: malformed JSON', '/model/lenet:predict', { method: 'POST', body: '{"instances": [' }],
    [
      'MindSpore Serving: wrong shape',
      '/model/lenet:predict',
      { method: 'POST', body: '{"instances": [{"x": [[1, 2]]}]}' },
    ],
    ['MindSpore Serving: unknown model', '/model/nope:predict', { method: 'POST', body: mindsporeBody() }],
    ['MindSpore Serving: unknown method', '/model/lenet:train', { method: 'POST', body: mindsporeBody() }],
    ['MindSpore Serving: oversized body', '/model/lenet:predict', { method: 'POST', body: ' '.repeat(LIMIT + 1) }],
  ];

  it.each(BAD)('answers %s as the Node server does', async (_, route, init) => {
    const [fromEdge, fromNode] = await Promise.all([call(edge.url, route, init), call(node.url, route, init)]);
    expect(fromEdge.status).toBeGreaterThanOrEqual(400);
    expect(fromEdge.status).toBeLessThan(500);
    expect(fromEdge.status).toBe(fromNode.status);
    const { request_id: edgeId, ...edgeBody } = fromEdge.json;
    const { request_id: nodeId, ...nodeBody } = fromNode.json;
    expect(edgeBody).toEqual(nodeBody);
    if (route.startsWith('/v2') || route.startsWith('/v3')) expect(typeof edgeId).toBe(typeof nodeId);
  });

  it('still answers after the bad requests', async () => {
    const reply = await call(edge.url, '/v2/models/lenet/infer', {
      method: 'POST',
      headers: JSON_TYPE,
      body: kserveBody(),
    });
    expect(reply.status).toBe(200);
  });
});

describe('a model over the edge limit', () => {
  it('is refused with the numbers and where to serve it, before its model is fetched', async () => {
    const metadata = await call(refusing.url, '/v2/models/huge');
    expect(metadata.status).toBe(507);
    expect(metadata.json.code).toBe('MODEL_TOO_LARGE');
    expect(metadata.json.error).toMatch(
      /^model huge needs ~\d+ MiB \(file 0\.2 \+ weights 286 \+ activations 596 \+ runtime and one request 8\.3 MiB\), over the 128 MB Workers memory limit; serve it with a cpu-function \(mindlet plan\)$/,
    );
    const predict = await call(refusing.url, '/model/huge:predict', { method: 'POST', body: mindsporeBody() });
    expect(predict).toMatchObject({ status: 507, json: { error_msg: metadata.json.error } });
    const infer = await call(refusing.url, '/v2/models/huge/infer', {
      method: 'POST',
      headers: JSON_TYPE,
      body: kserveBody(),
    });
    expect(infer.status).toBe(507);
  });

  it('keeps the isolate ready for the models that fit, and says which one is not', async () => {
    const ready = await call(refusing.url, '/v2/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.json.error).toBe('server is not ready: huge/1 UNAVAILABLE');
    expect((await call(refusing.url, '/v2/models/lenet/ready')).status).toBe(200);
    const reply = await call(refusing.url, '/v2/models/lenet/infer', {
      method: 'POST',
      headers: JSON_TYPE,
      body: kserveBody(),
    });
    expect(reply.status).toBe(200);
    expect(reply.json.model_version).toBe('2');
    expect(refusing.logs.join('')).toMatch(/"message":"model load failed".*"status":507/);
  });
});

describe('a misconfigured Worker', () => {
  it('answers every request, health included, with a JSON 500 naming the setting', async () => {
    for (const route of ['/v2/health/live', '/v2/models/lenet']) {
      const reply = await call(misconfigured.url, route);
      expect(reply.status).toBe(500);
      expect(reply.json).toMatchObject({
        code: 'INTERNAL',
        error:
          'invalid configuration: MAX_BODY_BYTES must be an integer from 1 to 16777216 (16 MiB: parsed JSON takes several times its size in a 128 MB isolate), got "1e9"',
      });
    }
  });
});
