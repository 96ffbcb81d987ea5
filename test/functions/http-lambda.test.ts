/**
 * The HTTP function as Lambda runs it: the esbuild bundle and the native runtime layer are built, the bundle is run
 * from a temp directory in a fresh Node process that finds the engine only through NODE_PATH (the layer), and real
 * API Gateway HTTP API (payload v2) and function URL events are invoked one after another in that one environment.
 */
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSession } from '../../src/runtime/session.js';
import { publishModel } from '../../src/store/publish.js';
import { decodeNpy } from '../../src/tensor/npy.js';
import type { Tensor } from '../../src/tensor/types.js';
import { type EventKind, type HttpRequest, lambdaEvent } from '../tools/lambda-events.js';
import { type InvokeOutcome, type LambdaRunner, startLambdaRunner } from '../tools/lambda-runner.js';
import { type LocalS3, startLocalS3 } from '../tools/s3-server.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MODEL_FILE = path.join(root, 'test/fixtures/mindir/ori_net.mindir');
const BUCKET = 'mindlet-function-test';
const MODEL_URI = `s3://${BUCKET}/models/lenet/1/model.mindir`;
const MAX_BODY_BYTES = 64 * 1024;

interface HttpResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

function httpResult(outcome: InvokeOutcome): HttpResult {
  expect(outcome.error, `handler threw: ${JSON.stringify(outcome.error)}`).toBeUndefined();
  return outcome.result as HttpResult;
}

function jsonBody(result: HttpResult): Record<string, unknown> {
  expect(result.isBase64Encoded).toBe(false);
  return JSON.parse(result.body) as Record<string, unknown>;
}

function jsonLines(lines: readonly string[]): Record<string, unknown>[] {
  return lines.flatMap((line) => {
    try {
      const value = JSON.parse(line) as unknown;
      return typeof value === 'object' && value !== null ? [value as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  });
}

/** CloudWatch embedded-metric-format objects in the namespace, as name → values. */
function emfMetrics(lines: readonly string[]): Map<string, number[]> {
  const metrics = new Map<string, number[]>();
  for (const line of jsonLines(lines)) {
    const aws = line._aws as { CloudWatchMetrics?: Array<{ Namespace: string; Metrics: Array<{ Name: string }> }> };
    for (const directive of aws?.CloudWatchMetrics ?? []) {
      if (directive.Namespace !== 'mindlet') continue;
      for (const { Name } of directive.Metrics) {
        const value = line[Name];
        const values = Array.isArray(value) ? (value as number[]) : [value as number];
        metrics.set(Name, [...(metrics.get(Name) ?? []), ...values]);
      }
    }
  }
  return metrics;
}

/** Both streams: Powertools writes info to stdout and warnings and errors to stderr; CloudWatch gets both. */
function output(step: { stdout: string[]; stderr: string[] }): string[] {
  return [...step.stdout, ...step.stderr];
}

function logMessages(lines: readonly string[]): Record<string, unknown>[] {
  return jsonLines(lines).filter((line) => typeof line.message === 'string' && typeof line.level === 'string');
}

let s3: LocalS3;
let work: string;
let bundleDir: string;
let layerNodeModules: string;
let digit: Tensor;
let expected: Float32Array;
let environments = 0;

/** Each execution environment gets its own model cache (Lambda's /tmp), so none finds another's download. */
function functionEnv(extra: Record<string, string>): Record<string, string> {
  environments += 1;
  return { ...s3.env, MINDLET_CACHE_DIR: path.join(work, `cache-${environments}`), ...extra };
}

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'mindlet-function-build-'));
  execFileSync(
    process.execPath,
    [path.join(root, 'scripts/build-layer.mjs'), '--out', path.join(work, 'layer'), '--no-zip'],
    {
      cwd: root,
      stdio: 'pipe',
    },
  );
  execFileSync(
    process.execPath,
    [path.join(root, 'scripts/build-functions.mjs'), '--out', path.join(work, 'functions')],
    {
      cwd: root,
      stdio: 'pipe',
    },
  );
  bundleDir = path.join(work, 'functions/http');
  layerNodeModules = path.join(work, 'layer/native-runtime/nodejs/node_modules');

  s3 = await startLocalS3();
  await s3.createBucket(BUCKET);
  const published = await publishModel({
    file: MODEL_FILE,
    destination: `s3://${BUCKET}`,
    name: 'lenet',
    version: '1',
    s3: s3.client,
  });
  expect(published.modelUri).toBe(MODEL_URI);

  digit = decodeNpy(readFileSync(path.join(root, 'examples/digit-7.npy')), 'digit-7.npy');
  const session = await loadSession(MODEL_FILE, { threads: 1 });
  const [output] = await session.run([digit]);
  expected = output!.data as Float32Array;
  session.close();
}, 180_000);

afterAll(async () => {
  await s3?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the native runtime layer', () => {
  it('holds the addon as @mindlet/native-runtime, loadable by name through NODE_PATH alone', () => {
    const packageDir = path.join(layerNodeModules, '@mindlet/native-runtime');
    const manifest = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
    expect(manifest.name).toBe('@mindlet/native-runtime');
    expect(existsSync(path.join(packageDir, manifest.main))).toBe(true);
    const ops = execFileSync(
      process.execPath,
      ['-e', "process.stdout.write(String(require('@mindlet/native-runtime').registeredOps().length))"],
      { cwd: os.tmpdir(), env: { PATH: process.env.PATH ?? '', NODE_PATH: layerNodeModules }, encoding: 'utf8' },
    );
    expect(Number(ops)).toBeGreaterThan(0);
  });

  it('needs no shared library beyond glibc and libgcc_s (libstdc++ is linked in)', () => {
    let dynamic: string;
    try {
      dynamic = execFileSync(
        'readelf',
        ['-d', path.join(layerNodeModules, '@mindlet/native-runtime/mindlet_native.node')],
        {
          encoding: 'utf8',
        },
      );
    } catch {
      return; // no binutils here; the build machine checks it
    }
    const needed = [...dynamic.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((match) => match[1]!);
    expect(needed.length).toBeGreaterThan(0);
    const glibc = /^(libc|libm|libpthread|libdl|librt|ld-linux-x86-64|libgcc_s)\.so\.\d+$/;
    expect(needed.filter((library) => !glibc.test(library))).toEqual([]);
  });
});

describe('the bundle', () => {
  it('is one ESM file that leaves the engine to the layer and does not point into the repository', () => {
    const source = readFileSync(path.join(bundleDir, 'index.mjs'), 'utf8');
    expect(source).toContain('@mindlet/native-runtime');
    expect(source).not.toContain(root);
    expect(existsSync(path.join(bundleDir, 'index.mjs.map'))).toBe(true);
  });
});

describe('the HTTP function in one warm environment', () => {
  let lambda: LambdaRunner;
  const outcomes: InvokeOutcome[] = [];
  const invoke = async (kind: EventKind, request: HttpRequest): Promise<HttpResult> => {
    const outcome = await lambda.invoke(lambdaEvent(kind, request));
    outcomes.push(outcome);
    return httpResult(outcome);
  };

  beforeAll(async () => {
    lambda = await startLambdaRunner({
      bundleDir,
      layerNodeModules,
      env: functionEnv({
        MODEL_URI,
        MINDLET_MAX_BODY_BYTES: String(MAX_BODY_BYTES),
        MINDLET_THREADS: '2',
        POWERTOOLS_SERVICE_NAME: 'mindlet-http',
      }),
    });
  }, 60_000);

  afterAll(async () => {
    await lambda?.close();
  });

  it('answers health and readiness (API Gateway HTTP API event)', async () => {
    const live = await invoke('api-gateway-http-v2', { method: 'GET', path: '/v2/health/live' });
    expect(live.statusCode).toBe(200);
    const ready = await invoke('api-gateway-http-v2', { method: 'GET', path: '/v2/health/ready' });
    expect(ready.statusCode).toBe(200);
  });

  it('describes the model it loaded from S3', async () => {
    const result = await invoke('function-url', { method: 'GET', path: '/v2/models/lenet' });
    expect(result.statusCode).toBe(200);
    const metadata = jsonBody(result) as { name: string; versions: string[]; inputs: Array<Record<string, unknown>> };
    expect(metadata.name).toBe('lenet');
    expect(metadata.versions).toContain('1');
    expect(metadata.inputs).toEqual([{ name: 'x', datatype: 'FP32', shape: [1, 1, 32, 32] }]);
  });

  it('runs a KServe v2 JSON inference exactly as a direct session does (function URL event)', async () => {
    const body = JSON.stringify({
      id: 'digit-7',
      inputs: [{ name: 'x', datatype: 'FP32', shape: digit.shape, data: Array.from(digit.data as Float32Array) }],
    });
    const result = await invoke('function-url', {
      method: 'POST',
      path: '/v2/models/lenet/infer',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(result.statusCode).toBe(200);
    const response = jsonBody(result) as { id: string; outputs: Array<{ shape: number[]; data: number[] }> };
    expect(response.id).toBe('digit-7');
    expect(response.outputs).toHaveLength(1);
    expect(response.outputs[0]!.shape).toEqual([1, 10]);
    expect(response.outputs[0]!.data).toEqual(Array.from(expected));
  });

  it('takes a base64 binary request and answers a base64 binary response (API Gateway event)', async () => {
    const input = new Uint8Array((digit.data as Float32Array).slice().buffer);
    const header = new TextEncoder().encode(
      JSON.stringify({
        inputs: [
          { name: 'x', datatype: 'FP32', shape: digit.shape, parameters: { binary_data_size: input.byteLength } },
        ],
        parameters: { binary_data_output: true },
      }),
    );
    const body = new Uint8Array(header.byteLength + input.byteLength);
    body.set(header, 0);
    body.set(input, header.byteLength);
    const result = await invoke('api-gateway-http-v2', {
      method: 'POST',
      path: '/v2/models/lenet/versions/1/infer',
      headers: {
        'content-type': 'application/octet-stream',
        'inference-header-content-length': String(header.byteLength),
      },
      body,
    });
    expect(result.statusCode).toBe(200);
    expect(result.isBase64Encoded).toBe(true);
    const bytes = Buffer.from(result.body, 'base64');
    const headerLength = Number(result.headers['inference-header-content-length']);
    const head = JSON.parse(bytes.subarray(0, headerLength).toString('utf8')) as {
      outputs: Array<{ parameters: { binary_data_size: number } }>;
    };
    expect(head.outputs[0]!.parameters.binary_data_size).toBe(expected.byteLength);
    const tail = bytes.subarray(headerLength);
    const values = new Float32Array(tail.buffer.slice(tail.byteOffset, tail.byteOffset + tail.byteLength));
    expect(Array.from(values)).toEqual(Array.from(expected));
  });

  it('answers a MindSpore Serving request', async () => {
    const rows = Array.from({ length: 32 }, (_, r) =>
      Array.from((digit.data as Float32Array).subarray(r * 32, (r + 1) * 32)),
    );
    const result = await invoke('function-url', {
      method: 'POST',
      path: '/model/lenet:predict',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instances: [{ x: [[rows]] }] }),
    });
    expect(result.statusCode).toBe(200);
    const response = jsonBody(result) as { instances: Array<Record<string, unknown>> };
    expect(response.instances).toHaveLength(1);
    const values = Object.values(response.instances[0]!);
    expect(values).toHaveLength(1);
    expect((values[0] as unknown[]).flat(Number.POSITIVE_INFINITY)).toEqual(Array.from(expected));
  });

  it('answers 404 for an unknown model, 400 for a malformed body and 413 for a body over the limit', async () => {
    const missing = await invoke('api-gateway-http-v2', { method: 'GET', path: '/v2/models/no-such-model' });
    expect(missing.statusCode).toBe(404);
    expect(jsonBody(missing).error).toEqual(expect.any(String));

    const malformed = await invoke('function-url', {
      method: 'POST',
      path: '/v2/models/lenet/infer',
      headers: { 'content-type': 'application/json' },
      body: '{"inputs": [',
    });
    expect(malformed.statusCode).toBe(400);
    expect(jsonBody(malformed).error).toEqual(expect.any(String));

    const large = await invoke('function-url', {
      method: 'POST',
      path: '/v2/models/lenet/infer',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [], padding: 'x'.repeat(MAX_BODY_BYTES) }),
    });
    expect(large.statusCode).toBe(413);
    expect(jsonBody(large).error).toEqual(expect.any(String));
  });

  it('loaded the model once for every invoke, and logs each invoke with its request id', () => {
    const all = [...lambda.initStdout, ...lambda.initStderr, ...outcomes.flatMap(output)];
    const loads = logMessages(all).filter((line) => line.message === 'model loaded');
    expect(loads).toHaveLength(1);
    // During init (the module's import), before any invoke.
    expect(logMessages(lambda.initStdout).filter((line) => line.message === 'model loaded')).toHaveLength(1);
    expect(loads[0]).toMatchObject({ name: 'lenet', version: '1', from: 's3' });
    const withIds = outcomes.filter((outcome) =>
      logMessages(output(outcome)).some((line) => line.function_request_id === outcome.requestId),
    );
    // Every invoke that logged anything logged it under its own request id.
    for (const outcome of outcomes)
      for (const line of logMessages(output(outcome))) expect(line.function_request_id).toBe(outcome.requestId);
    expect(withIds.length).toBeGreaterThan(0);
  });

  it('publishes EMF metrics on stdout each invoke: cold start and load once, inference time and payload size', () => {
    expect(outcomes.length).toBeGreaterThan(3);
    const perInvoke = outcomes.map((outcome) => emfMetrics(outcome.stdout));
    expect(perInvoke.every((metrics) => metrics.has('PayloadBytes'))).toBe(true);
    expect(perInvoke.filter((metrics) => metrics.has('ColdStart'))).toHaveLength(1);
    expect(perInvoke[0]!.get('ColdStart')).toEqual([1]);
    const loadMetrics = perInvoke.filter((metrics) => metrics.has('LoadMs'));
    expect(loadMetrics).toHaveLength(1);
    expect(loadMetrics[0]!.get('DownloadMs')).toHaveLength(1);
    // The three successful inferences (JSON, binary, MindSpore Serving) each ran the engine once.
    const inferences = perInvoke.flatMap((metrics) => metrics.get('InferenceMs') ?? []);
    expect(inferences).toHaveLength(3);
    for (const ms of inferences) expect(ms).toBeGreaterThanOrEqual(0);
  });
});

describe('the HTTP function traced', () => {
  it('sends the handler as an X-Ray subsegment of the invoke when the invoke is sampled', async () => {
    const daemon = createSocket('udp4');
    const documents: Array<Record<string, unknown>> = [];
    daemon.on('message', (datagram) => {
      // The daemon protocol: a JSON header line, then one segment document.
      const [, body] = datagram.toString('utf8').split('\n', 2);
      if (body) documents.push(JSON.parse(body) as Record<string, unknown>);
    });
    await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
    const lambda = await startLambdaRunner({
      bundleDir,
      layerNodeModules,
      env: functionEnv({ MODEL_URI }),
      xrayDaemonAddress: `127.0.0.1:${daemon.address().port}`,
    });
    try {
      const outcome = await lambda.invoke(lambdaEvent('function-url', { method: 'GET', path: '/v2/health/ready' }));
      expect(httpResult(outcome).statusCode).toBe(200);
      for (let wait = 0; wait < 50 && !documents.some((d) => d.name === '## index.handler'); wait++)
        await new Promise((resolve) => setTimeout(resolve, 20));
      const handlerSegment = documents.find((document) => document.name === '## index.handler');
      expect(handlerSegment).toBeDefined();
      expect(handlerSegment!.annotations).toMatchObject({ ColdStart: true, Service: 'mindlet-http' });
    } finally {
      await lambda.close();
      daemon.close();
    }
  }, 60_000);
});

describe('the HTTP function when it cannot serve', () => {
  it('answers every invoke with a JSON 500 and a log line when MODEL_URI is missing', async () => {
    const lambda = await startLambdaRunner({ bundleDir, layerNodeModules, env: functionEnv({}) });
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        const outcome = await lambda.invoke(lambdaEvent('function-url', { method: 'GET', path: '/v2/health/ready' }));
        const result = httpResult(outcome);
        expect(result.statusCode).toBe(500);
        expect(String(jsonBody(result).error)).toContain('MODEL_URI');
        expect(logMessages(outcome.stderr).some((line) => line.level === 'ERROR')).toBe(true);
      }
    } finally {
      expect(await lambda.close()).toBe(0);
    }
  }, 60_000);

  it('answers 503 when the model object is missing, and tries the load again on the next invoke', async () => {
    const lambda = await startLambdaRunner({
      bundleDir,
      layerNodeModules,
      env: functionEnv({ MODEL_URI: `s3://${BUCKET}/models/absent/1/model.mindir` }),
    });
    try {
      const failures: number[] = [];
      for (let attempt = 0; attempt < 2; attempt++) {
        const outcome = await lambda.invoke(
          lambdaEvent('api-gateway-http-v2', {
            method: 'POST',
            path: '/v2/models/absent/infer',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1], data: [0] }] }),
          }),
        );
        const result = httpResult(outcome);
        expect(result.statusCode).toBe(503);
        expect(String(jsonBody(result).error)).toContain('absent');
        failures.push(logMessages(output(outcome)).filter((line) => line.message === 'model load failed').length);
      }
      // The first invoke awaits init's load (or, when that already failed, loads again); the second loads again.
      const initFailures = logMessages([...lambda.initStdout, ...lambda.initStderr]).filter(
        (line) => line.message === 'model load failed',
      );
      expect(initFailures.length + failures[0]!).toBeGreaterThanOrEqual(1);
      expect(failures[1]).toBe(1);
    } finally {
      expect(await lambda.close()).toBe(0);
    }
  }, 60_000);
});
