import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { type FaultProxy, type FaultRule, startFaultProxy } from './fault-proxy.js';

const BODY = Buffer.alloc(256 * 1024, 7);

let upstream: Server;
let proxy: FaultProxy;

beforeAll(async () => {
  // GET: BODY; POST/PUT: the number of request body bytes received.
  upstream = createServer((request, response) => {
    if (request.method === 'GET') {
      response.writeHead(200, { 'content-length': BODY.byteLength, etag: '"v1"' }).end(BODY);
      return;
    }
    let received = 0;
    request.on('data', (chunk: Buffer) => {
      received += chunk.byteLength;
    });
    request.on('end', () => response.end(String(received)));
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  proxy = await startFaultProxy(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
});

afterAll(async () => {
  await proxy?.stop();
  await new Promise((resolve) => upstream?.close(resolve));
});

beforeEach(() => proxy.reset());

/** The status and as much of the body as arrived before the connection ended or broke. */
async function fetchAll(
  path: string,
  init: RequestInit = {},
): Promise<{ status?: number; bytes: number; text: string; broken: boolean }> {
  let status: number | undefined;
  const chunks: Buffer[] = [];
  try {
    const response = await fetch(`${proxy.endpoint}${path}`, { ...init, signal: AbortSignal.timeout(5000) });
    status = response.status;
    for await (const chunk of response.body ?? []) chunks.push(Buffer.from(chunk));
    const body = Buffer.concat(chunks);
    return { status, bytes: body.byteLength, text: body.toString(), broken: false };
  } catch {
    const body = Buffer.concat(chunks);
    return { ...(status === undefined ? {} : { status }), bytes: body.byteLength, text: '', broken: true };
  }
}

test('requests pass through unchanged, uploads streamed, and are logged', async () => {
  expect(await fetchAll('/bucket/key?x=1')).toEqual({
    status: 200,
    bytes: BODY.byteLength,
    text: BODY.toString(),
    broken: false,
  });
  const upload = await fetchAll('/bucket/up?partNumber=3', { method: 'PUT', body: Buffer.alloc(3_000_000, 1) });
  expect(upload).toMatchObject({ status: 200, text: '3000000' });
  expect(proxy.requests).toEqual([
    { method: 'GET', path: '/bucket/key', query: 'x=1' },
    { method: 'PUT', path: '/bucket/up', query: 'partNumber=3' },
  ]);
});

test('status faults answer with S3 XML errors, after reading the upload', async () => {
  proxy.rules.push({ method: 'PUT', query: 'partNumber=', action: { kind: 'status', status: 503 } });
  const slow = await fetchAll('/b/k?partNumber=1', { method: 'PUT', body: Buffer.alloc(1_000_000) });
  expect(slow.status).toBe(503);
  expect(slow.text).toContain('<Code>SlowDown</Code>');
  proxy.rules[0] = { action: { kind: 'status', status: 500 } };
  const internal = await fetchAll('/b/k');
  expect(internal.status).toBe(500);
  expect(internal.text).toContain('<Code>InternalError</Code>');
  expect(proxy.injected.status).toBe(2);
});

test('drop-mid-body relays exactly afterBytes, then breaks the connection; reset answers nothing', async () => {
  proxy.rules.push({ nth: 1, action: { kind: 'drop-mid-body', afterBytes: 100_000 } });
  expect(await fetchAll('/b/k')).toMatchObject({ status: 200, bytes: 100_000, broken: true });
  expect(await fetchAll('/b/k')).toMatchObject({ status: 200, bytes: BODY.byteLength, broken: false });
  proxy.rules[0] = { times: 1, action: { kind: 'reset' } };
  expect(await fetchAll('/b/k')).toMatchObject({ bytes: 0, broken: true });
  expect(proxy.requests.map((r) => r.fault)).toEqual(['drop-mid-body', undefined, 'reset']);
});

test('stall relays afterBytes and then holds the connection open until the client gives up', async () => {
  proxy.rules.push({ action: { kind: 'stall', afterBytes: 1000 } });
  const chunks: Buffer[] = [];
  const controller = new AbortController();
  const response = await fetch(`${proxy.endpoint}/b/k`, { signal: controller.signal });
  const reader = response.body!.getReader();
  const first = await reader.read();
  chunks.push(Buffer.from(first.value!));
  const more = reader.read();
  const timeout = new Promise((resolve) => setTimeout(() => resolve('stalled'), 300));
  expect(await Promise.race([more, timeout])).toBe('stalled');
  controller.abort();
  await more.catch(() => {});
  expect(Buffer.concat(chunks).byteLength).toBeLessThanOrEqual(1000);
});

test('nth/times, every and seeded probability decide which matches fire', async () => {
  const nth: FaultRule = { path: /^\/n$/, nth: 2, times: 2, action: { kind: 'status', status: 500 } };
  const every: FaultRule = { path: /^\/e$/, every: 3, action: { kind: 'status', status: 500 } };
  proxy.rules.push(nth, every);
  const statuses = async (path: string, count: number) => {
    const found: Array<number | undefined> = [];
    for (let i = 0; i < count; i++) found.push((await fetchAll(path)).status);
    return found;
  };
  expect(await statuses('/n', 5)).toEqual([200, 500, 500, 200, 200]);
  expect(await statuses('/e', 6)).toEqual([200, 200, 500, 200, 200, 500]);
  expect([nth.matched, nth.fired, every.matched, every.fired]).toEqual([5, 2, 6, 2]);

  const run = async () => {
    proxy.reset();
    proxy.rules.push({ probability: 0.5, seed: 42, action: { kind: 'status', status: 503 } });
    return statuses('/p', 16);
  };
  const first = await run();
  expect(first).toContain(503);
  expect(first).toContain(200);
  expect(await run()).toEqual(first);
});
