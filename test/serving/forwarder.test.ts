/**
 * The HTTP front's forwarder against real servers on 127.0.0.1: a model server with the bundled LeNet (answers
 * forwarded unchanged, KServe and MindSpore Serving), and a misbehaving raw server (slow, refusing, 503 then 200,
 * garbage and oversized answers, an HTML error page) that records what reached it, headers included.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServingApp } from '../../src/serving/app.js';
import { type ForwardEvent, parseTaskRoutes } from '../../src/serving/forwarder.js';
import { type RunningModelServer, startModelServer } from '../../src/serving/node-server.js';
import { emptyRepository, modelOfPath, withTaskRoutes } from '../../src/serving/task-front.js';
import { decodeNpy } from '../../src/tensor/npy.js';

const EXAMPLE = path.resolve('examples/models/lenet/1/model.mindir');

let modelServer: RunningModelServer;
let digit: number[];

/** What the raw server does next for a path; it records every request it gets. */
type Behaviour = (request: http.IncomingMessage, response: http.ServerResponse) => void;
let raw: http.Server;
let rawUrl: string;
const behaviours = new Map<string, Behaviour>();
const seen: Array<{ path: string; method: string; headers: http.IncomingHttpHeaders; body: string }> = [];
let garbage: net.Server;
let garbageUrl: string;
let garbageHits = 0;
let closedUrl: string;

function seenOn(pathname: string) {
  return seen.filter((request) => request.path.startsWith(pathname));
}

beforeAll(async () => {
  modelServer = await startModelServer({ sources: [{ uri: EXAMPLE }], port: 0, watchSeconds: 0, threads: 1 });
  const image = decodeNpy(readFileSync(path.resolve('examples/digit-7.npy')), 'digit-7.npy');
  digit = Array.from(image.data as Float32Array);

  raw = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://raw');
      seen.push({
        path: url.pathname + url.search,
        method: request.method ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const behaviour = [...behaviours].find(([prefix]) => url.pathname.includes(prefix))?.[1];
      if (behaviour) behaviour(request, response);
      else {
        response.writeHead(404, { 'content-type': 'application/json' });
        response.end('{"error":"no behaviour"}');
      }
    });
  });
  await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
  rawUrl = `http://127.0.0.1:${(raw.address() as AddressInfo).port}`;

  // Answers anything with bytes that are not HTTP.
  garbage = net.createServer((socket) => {
    socket.once('data', () => {
      garbageHits++;
      socket.end('SSH-2.0-OpenSSH_9.6\r\n\r\n');
    });
  });
  await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve));
  garbageUrl = `http://127.0.0.1:${(garbage.address() as AddressInfo).port}`;

  // A port nothing listens on: bound, then released.
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}, 60_000);

afterAll(async () => {
  await modelServer?.close();
  raw?.closeAllConnections();
  await new Promise<void>((resolve) => (raw ? raw.close(() => resolve()) : resolve()));
  await new Promise<void>((resolve) => (garbage ? garbage.close(() => resolve()) : resolve()));
});

/** A front with no local model and the given routes; forwarded requests are reported into `events`. */
function front(routes: string, options: Parameters<typeof withTaskRoutes>[2] = {}) {
  const events: ForwardEvent[] = [];
  const local = createServingApp({ repository: emptyRepository() });
  const app: Hono = withTaskRoutes(local, parseTaskRoutes(routes), {
    backoffMs: 5,
    ...options,
    onForward: (event) => events.push(event),
  });
  return { app, events };
}

function inferBody(): string {
  return JSON.stringify({
    id: 'digit-7',
    inputs: [{ name: 'x', shape: [1, 1, 32, 32], datatype: 'FP32', data: digit }],
  });
}

async function send(app: Hono, pathname: string, init: RequestInit = {}): Promise<Response> {
  return app.fetch(new Request(`http://front.test${pathname}`, init));
}

describe('forwarding to a model server', () => {
  it('returns the task server’s exact KServe answer for a routed model', async () => {
    const { app, events } = front(`lenet=${modelServer.url}`);
    const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: inferBody() };
    const direct = await fetch(`${modelServer.url}/v2/models/lenet/infer`, init);
    const forwarded = await send(app, '/v2/models/lenet/infer', init);
    expect(forwarded.status).toBe(200);
    expect(forwarded.headers.get('content-type')).toBe(direct.headers.get('content-type'));
    const answer = (await forwarded.json()) as { model_name: string; id: string; outputs: Array<{ data: number[] }> };
    expect(answer).toEqual(await direct.json());
    expect(answer.model_name).toBe('lenet');
    expect(answer.id).toBe('digit-7');
    expect(answer.outputs[0]!.data).toHaveLength(10);
    expect(events).toMatchObject([{ model: 'lenet', status: 200, outcome: 'answered', attempts: 1 }]);
  });

  it('forwards MindSpore Serving predictions, versioned paths and model metadata', async () => {
    const { app } = front(`lenet=${modelServer.url}/`);
    const image = [[Array.from({ length: 32 }, (_, r) => digit.slice(r * 32, r * 32 + 32))]];
    const body = JSON.stringify({ instances: [{ x: image }] });
    const direct = await fetch(`${modelServer.url}/model/lenet/version/1:predict`, { method: 'POST', body });
    const forwarded = await send(app, '/model/lenet/version/1:predict', { method: 'POST', body });
    expect(forwarded.status).toBe(200);
    expect(await forwarded.json()).toEqual(await direct.json());

    const metadata = await send(app, '/v2/models/lenet/versions/1');
    expect(metadata.status).toBe(200);
    expect(await metadata.json()).toMatchObject({ name: 'lenet', inputs: [{ name: 'x', shape: [1, 1, 32, 32] }] });
    // The upstream's own errors (JSON) pass through unchanged.
    const unknown = await send(app, '/v2/models/lenet/versions/9/infer', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: inferBody(),
    });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: string }).error).toMatch(/version 9/);
  });

  it('leaves unrouted models, health and the repository index to the local app', async () => {
    const { app, events } = front(`lenet=${modelServer.url}`);
    const ready = await send(app, '/v2/health/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true });
    const other = await send(app, '/v2/models/resnet/infer', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(other.status).toBe(404);
    expect(((await other.json()) as { error: string }).error).toMatch(/not served here/);
    const index = await send(app, '/v2/repository/index', { method: 'POST' });
    expect(await index.json()).toEqual([]);
    expect(events).toHaveLength(0);
  });
});

describe('forwarding to a misbehaving upstream', () => {
  it('answers 504 after the attempt timeout and does not retry a request that may still run', async () => {
    behaviours.set('/slow/', (_request, response) => {
      const timer = setTimeout(() => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{"late":true}');
      }, 1500);
      response.on('close', () => clearTimeout(timer));
    });
    const { app, events } = front(`slow=${rawUrl}`, { attemptTimeoutMs: 200 });
    const started = performance.now();
    const answer = await send(app, '/v2/models/slow/infer', { method: 'POST', body: inferBody() });
    expect(performance.now() - started).toBeLessThan(1200);
    expect(answer.status).toBe(504);
    const body = (await answer.json()) as { error: string; code: string; request_id: string };
    expect(body.error).toBe('upstream slow did not answer within 200 ms');
    expect(body.code).toBe('GATEWAY_TIMEOUT');
    expect(body.request_id).toBe(answer.headers.get('x-request-id'));
    expect(seenOn('/v2/models/slow/')).toHaveLength(1);
    expect(events[0]).toMatchObject({ outcome: 'timeout', attempts: 1, status: 504 });
  });

  it('retries a refused connection, then answers 502 naming the upstream', async () => {
    const { app, events } = front(`gone=${closedUrl}`);
    const answer = await send(app, '/v2/models/gone/infer', { method: 'POST', body: inferBody() });
    expect(answer.status).toBe(502);
    const body = (await answer.json()) as { error: string; code: string };
    expect(body.code).toBe('BAD_GATEWAY');
    expect(body.error).toMatch(/^upstream gone unreachable: .*ECONNREFUSED.*\(3 attempts\)$/);
    expect(events[0]).toMatchObject({ outcome: 'unreachable', attempts: 3 });

    // MindSpore Serving paths answer in its error shape.
    const predict = await send(app, '/model/gone:predict', { method: 'POST', body: '{"instances": []}' });
    expect(predict.status).toBe(502);
    expect(((await predict.json()) as { error_msg: string }).error_msg).toMatch(/^upstream gone unreachable/);
  });

  it('retries an inference the upstream answered 503, and returns the answer that follows', async () => {
    let calls = 0;
    behaviours.set('/flaky/', (_request, response) => {
      calls++;
      if (calls === 1) {
        response.writeHead(503, { 'content-type': 'application/json' });
        response.end('{"error":"model flaky is LOADING"}');
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(`{"model_name":"flaky","outputs":[],"call":${calls}}`);
    });
    const { app, events } = front(`flaky=${rawUrl}`);
    const answer = await send(app, '/v2/models/flaky/infer', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: inferBody(),
    });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ model_name: 'flaky', outputs: [], call: 2 });
    const requests = seenOn('/v2/models/flaky/');
    expect(requests).toHaveLength(2);
    // The same body both times.
    expect(requests[1]!.body).toBe(requests[0]!.body);
    expect(JSON.parse(requests[0]!.body).id).toBe('digit-7');
    expect(events[0]).toMatchObject({ outcome: 'answered', attempts: 2, status: 200 });
  });

  it('passes a JSON 503 on once retries run out; an HTML error page becomes a JSON 502', async () => {
    behaviours.set('/loading/', (_request, response) => {
      response.writeHead(503, { 'content-type': 'application/json', 'retry-after': '5' });
      response.end('{"error":"model loading is LOADING"}');
    });
    behaviours.set('/balancer/', (_request, response) => {
      response.writeHead(503, { 'content-type': 'text/html' });
      response.end('<html><body>503 Service Temporarily Unavailable</body></html>');
    });
    const { app } = front(`loading=${rawUrl},balancer=${rawUrl}`);
    const loading = await send(app, '/v2/models/loading/ready');
    expect(loading.status).toBe(503);
    expect(loading.headers.get('retry-after')).toBe('5');
    expect(await loading.json()).toEqual({ error: 'model loading is LOADING' });
    expect(seenOn('/v2/models/loading/')).toHaveLength(3);

    const balancer = await send(app, '/v2/models/balancer/infer', { method: 'POST', body: inferBody() });
    expect(balancer.status).toBe(502);
    expect(((await balancer.json()) as { error: string }).error).toBe(
      'upstream balancer answered badly: HTTP 503 (text/html)',
    );
  });

  it('answers 502 for bytes that are not HTTP, without retrying', async () => {
    const { app, events } = front(`garbled=${garbageUrl}`);
    const answer = await send(app, '/v2/models/garbled/infer', { method: 'POST', body: inferBody() });
    expect(answer.status).toBe(502);
    expect(((await answer.json()) as { error: string }).error).toMatch(/^upstream garbled answered badly: .*HPE_/);
    expect(garbageHits).toBe(1);
    expect(events[0]).toMatchObject({ outcome: 'bad-answer', attempts: 1 });
  });

  it('answers 502 for an answer over the size limit, declared or streamed', async () => {
    const big = Buffer.alloc(64 * 1024, 0x61);
    behaviours.set('/declared', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': big.byteLength });
      response.end(big);
    });
    behaviours.set('/chunked', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      for (let i = 0; i < 8; i++) response.write(big.subarray(0, 8 * 1024));
      response.end();
    });
    const { app } = front(`declared=${rawUrl},chunked=${rawUrl}`, { maxResponseBytes: 16 * 1024 });
    const declared = await send(app, '/v2/models/declared');
    expect(declared.status).toBe(502);
    expect(((await declared.json()) as { error: string }).error).toBe(
      'upstream declared answered badly: an answer of 65536 bytes exceeds the limit of 16384 bytes',
    );
    const chunked = await send(app, '/v2/models/chunked');
    expect(chunked.status).toBe(502);
    expect(((await chunked.json()) as { error: string }).error).toMatch(/exceeds the limit of 16384 bytes/);
  });

  it('forwards only the protocol headers, never credentials, and strips hop-by-hop answer headers', async () => {
    behaviours.set('/echo/', (_request, response) => {
      response.writeHead(200, {
        'content-type': 'application/json',
        'set-cookie': 'session=upstream',
        'x-powered-by': 'upstream',
        'inference-header-content-length': '2',
        connection: 'keep-alive',
      });
      response.end('{}');
    });
    const { app } = front(`echo=${rawUrl}/prefix`);
    const answer = await send(app, '/v2/models/echo/infer?debug=1', {
      method: 'POST',
      headers: {
        'content-type': 'application/octet-stream',
        accept: 'application/json',
        'inference-header-content-length': '120',
        authorization: 'Bearer secret-token',
        cookie: 'session=client',
        'x-amz-security-token': 'session-token',
        'x-amz-date': '20240101T000000Z',
        'x-api-key': 'key',
        'x-request-id': 'client-id-1',
        'x-forwarded-for': '203.0.113.7',
        'proxy-authorization': 'Basic abc',
      },
      body: new Uint8Array([1, 2, 3]),
    });
    expect(answer.status).toBe(200);
    const [request] = seenOn('/prefix/v2/models/echo/');
    expect(request!.path).toBe('/prefix/v2/models/echo/infer?debug=1');
    expect(request!.method).toBe('POST');
    const headers = request!.headers;
    expect(headers['content-type']).toBe('application/octet-stream');
    expect(headers.accept).toBe('application/json');
    expect(headers['inference-header-content-length']).toBe('120');
    expect(headers['x-request-id']).toBe('client-id-1');
    expect(headers['x-forwarded-for']).toBe('203.0.113.7');
    for (const name of [
      'authorization',
      'cookie',
      'x-amz-security-token',
      'x-amz-date',
      'x-api-key',
      'proxy-authorization',
    ])
      expect(headers[name], name).toBeUndefined();
    expect(Buffer.from(request!.body, 'utf8')).toEqual(Buffer.from([1, 2, 3]));

    expect(answer.headers.get('set-cookie')).toBeNull();
    expect(answer.headers.get('x-powered-by')).toBeNull();
    expect(answer.headers.get('connection')).toBeNull();
    expect(answer.headers.get('inference-header-content-length')).toBe('2');
    expect(answer.headers.get('x-request-id')).toBe('client-id-1');
    expect(answer.headers.get('content-length')).toBe('2');
  });

  it('streams answers with a declared length when asked to', async () => {
    const body = Buffer.alloc(40_000, 0x62);
    behaviours.set('/stream/', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.byteLength });
      response.write(body.subarray(0, 20_000));
      setTimeout(() => response.end(body.subarray(20_000)), 20);
    });
    const { app } = front(`stream=${rawUrl}`, { streamResponses: true });
    const answer = await send(app, '/v2/models/stream/infer', { method: 'POST', body: '{}' });
    expect(answer.status).toBe(200);
    expect(answer.body).toBeInstanceOf(ReadableStream);
    expect(answer.headers.get('content-length')).toBe('40000');
    expect(Buffer.from(await answer.arrayBuffer())).toEqual(body);
  });

  it('refuses request bodies over the limit with 413 before contacting the upstream', async () => {
    const { app, events } = front(`echo=${rawUrl}`, { maxRequestBytes: 100 });
    const before = seen.length;
    const answer = await send(app, '/v2/models/echo/infer', { method: 'POST', body: 'x'.repeat(101) });
    expect(answer.status).toBe(413);
    expect(((await answer.json()) as { code: string }).code).toBe('PAYLOAD_TOO_LARGE');
    expect(seen.length).toBe(before);
    expect(events[0]).toMatchObject({ outcome: 'rejected', attempts: 0 });
  });
});

describe('TASK_ROUTES', () => {
  it('parses name=url pairs, ignoring blanks and trailing slashes', () => {
    const routes = parseTaskRoutes(
      ' resnet50=http://internal-gpu.elb.amazonaws.com/ , bert-base=https://10.0.0.5:8443/api/,',
    );
    expect([...routes].map(([name, url]) => [name, url.href])).toEqual([
      ['resnet50', 'http://internal-gpu.elb.amazonaws.com/'],
      ['bert-base', 'https://10.0.0.5:8443/api'],
    ]);
    expect(parseTaskRoutes(undefined).size).toBe(0);
  });

  it('rejects bad names, schemes, credentials, queries, duplicates and malformed pairs, naming the entry', () => {
    expect(() => parseTaskRoutes('../x=http://a')).toThrow(/TASK_ROUTES entry 1 .*invalid model name/);
    expect(() => parseTaskRoutes('a=http://h,b=ftp://h')).toThrow(/entry 2 .*http:\/\/ or https:\/\/, not ftp:/);
    expect(() => parseTaskRoutes('a=http://user:pw@h')).toThrow(/may not carry a user name or password/);
    expect(() => parseTaskRoutes('a=http://h/?x=1')).toThrow(/may not carry a query or fragment/);
    expect(() => parseTaskRoutes('a=http://h,a=http://g')).toThrow(/model a is routed twice/);
    expect(() => parseTaskRoutes('http://h')).toThrow(/expected <model name>=<base URL>/);
    expect(() => parseTaskRoutes('a=')).toThrow(/expected <model name>=<base URL>/);
    expect(() => parseTaskRoutes('a=not a url')).toThrow(/is not a URL/);
  });

  it('finds the model a KServe or MindSpore Serving path names', () => {
    expect(modelOfPath('/v2/models/lenet/infer')).toEqual({ model: 'lenet', protocol: 'kserve' });
    expect(modelOfPath('/v2/models/lenet')).toEqual({ model: 'lenet', protocol: 'kserve' });
    expect(modelOfPath('/v2/models/le%6Eet/versions/2/ready')).toEqual({ model: 'lenet', protocol: 'kserve' });
    expect(modelOfPath('/model/lenet:predict')).toEqual({ model: 'lenet', protocol: 'mindspore-serving' });
    expect(modelOfPath('/model/lenet/version/3:predict')).toEqual({ model: 'lenet', protocol: 'mindspore-serving' });
    expect(modelOfPath('/v2/health/ready')).toBeUndefined();
    expect(modelOfPath('/v2/models')).toBeUndefined();
    expect(modelOfPath('/v2/models/%E0%A4%A/infer')).toBeUndefined();
  });
});
