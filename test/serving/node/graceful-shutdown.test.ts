/**
 * Graceful shutdown of the model server. `mindlet serve` runs in a child process of its own (from the sources) with
 * 60 requests in flight, their bodies half sent, when SIGTERM arrives: every one of them must still be answered 200
 * with the right prediction, new connections must be refused, requests arriving on connections opened before the
 * signal must get 503 and `Connection: close` (readiness too, liveness still 200), and the process must exit 0.
 * In-process: a request that never completes is cut off at the drain timeout, and idle kept-alive connections do not
 * hold the drain open.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { Agent, type IncomingMessage, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSession } from '../../../src/runtime/session.js';
import type { Session } from '../../../src/runtime/types.js';
import { type RunningModelServer, startModelServer } from '../../../src/serving/node-server.js';
import { repoRoot } from '../../tools/proto-encode.js';

const MODEL = path.join(repoRoot, 'examples/models/lenet/1/model.mindir');
const IN_FLIGHT = 60;
/** Same engine, weights and thread count; only summation order could differ. */
const TOLERANCE = 1e-5;

let session: Session;

beforeAll(async () => {
  session = await loadSession(MODEL, { threads: 1 });
});

afterAll(() => {
  session?.close();
});

function image(seed: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length: 1024 }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  });
}

function inferBody(data: Float32Array): Buffer {
  return Buffer.from(
    JSON.stringify({ inputs: [{ name: 'x', shape: [1, 1, 32, 32], datatype: 'FP32', data: Array.from(data) }] }),
  );
}

async function expected(data: Float32Array): Promise<Float32Array> {
  const [output] = await session.run([{ dtype: 'float32', shape: [1, 1, 32, 32], data }]);
  return output!.data as Float32Array;
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends raw bytes on a socket and reads the one response until the server closes the connection. */
function rawExchange(socket: Socket, text: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
    });
    socket.once('error', reject);
    socket.once('close', () => {
      const [head = '', body = ''] = received.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(
        lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    });
    socket.write(text);
  });
}

/** Sends a request and reads one complete response (by Content-Length), leaving the connection open. */
function firstResponse(socket: Socket, text: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let received = '';
    const onData = (chunk: Buffer) => {
      received += chunk.toString('utf8');
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return;
      const [statusLine = '', ...lines] = received.slice(0, end).split('\r\n');
      const headers = Object.fromEntries(
        lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      const body = received.slice(end + 4);
      if (Buffer.byteLength(body) < Number(headers['content-length'] ?? 0)) return;
      socket.off('data', onData);
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(text);
  });
}

async function openSocket(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  return socket;
}

function readReply(response: IncomingMessage): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let body = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      body += chunk;
    });
    response.once('error', reject);
    response.once('end', () =>
      resolve({ status: response.statusCode ?? 0, headers: response.headers as Record<string, string>, body }),
    );
  });
}

describe('mindlet serve under load gets SIGTERM', () => {
  let child: ChildProcess;
  let stderr = '';
  let url: URL;

  beforeAll(async () => {
    child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(repoRoot, 'test/tools/mindlet-from-source.ts'),
        'serve',
        MODEL,
        '--port',
        '0',
        '--watch',
        '0',
        '--threads',
        '1',
      ],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stderr!.on('data', (chunk) => {
      stderr += chunk;
    });
    url = await new Promise<URL>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`no banner in 30 s: ${stderr}`)), 30_000);
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
      child.stdout!.on('data', (chunk) => {
        out += chunk;
        const found = /listening on (http:\/\/\S+)/.exec(out)?.[1];
        if (found) {
          clearTimeout(timer);
          resolve(new URL(found));
        }
      });
    });
  }, 40_000);

  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('answers every request started before the signal, refuses the rest, and exits 0', async () => {
    const port = Number(url.port);
    const images = Array.from({ length: IN_FLIGHT }, (_, i) => image(i + 1));
    const bodies = images.map(inferBody);
    // Kept-alive connections, one per request, as a load balancer holds them.
    const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
    const replies: Array<Promise<Reply>> = [];
    const requests = bodies.map((body, index) => {
      const req = request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/v2/models/lenet/infer',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': body.byteLength, 'x-request-id': `r${index}` },
      });
      replies.push(new Promise((resolve, reject) => req.once('response', (r) => readReply(r).then(resolve, reject))));
      // Headers and half the body now: the request is started, and stays in flight until the rest is sent.
      req.write(body.subarray(0, body.byteLength >> 1));
      return req;
    });
    await Promise.all(
      requests.map((req) => new Promise<void>((resolve) => req.once('socket', (s) => s.once('connect', resolve)))),
    );
    // Connections opened before the signal whose requests come after it (a load balancer's kept-alive sockets).
    const late = await Promise.all([openSocket(port), openSocket(port), openSocket(port)]);
    const begun = ['GET /v2/health/rea', 'GET /v2/health/li', 'POST /v2/models/lenet/inf'];
    for (const [index, socket] of late.entries()) socket.write(begun[index]!);
    // The server is up to date with the connections once an answer on a later one comes back.
    expect((await fetch(new URL('/v2/health/ready', url))).status).toBe(200);

    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const draining = await new Promise<number>((resolve) => {
      const check = () => {
        const match = /draining (\d+) in-flight request/.exec(stderr);
        if (match) resolve(Number(match[1]));
        else setTimeout(check, 10);
      };
      check();
    });
    expect(draining).toBe(IN_FLIGHT);

    // New connections are refused once the listener is closed.
    await expect(fetch(new URL('/v2/health/live', url))).rejects.toThrow();
    // Requests on connections opened before: readiness 503 (load balancers stop sending), liveness 200,
    // anything else 503; every answer closes its connection.
    const [ready, live, infer] = await Promise.all([
      rawExchange(late[0]!, 'dy HTTP/1.1\r\nHost: x\r\n\r\n'),
      rawExchange(late[1]!, 've HTTP/1.1\r\nHost: x\r\n\r\n'),
      rawExchange(
        late[2]!,
        `er HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${bodies[0]!.byteLength}\r\n\r\n${bodies[0]!.toString()}`,
      ),
    ]);
    expect(ready.status).toBe(503);
    expect(ready.headers.connection).toBe('close');
    expect(live.status).toBe(200);
    expect(live.headers.connection).toBe('close');
    expect(infer.status).toBe(503);
    expect(infer.headers.connection).toBe('close');
    expect(JSON.parse(infer.body)).toMatchObject({ error: 'server is shutting down', code: 'UNAVAILABLE' });

    // The requests in flight finish their uploads during the drain and are answered in full.
    for (const [index, req] of requests.entries()) req.end(bodies[index]!.subarray(bodies[index]!.byteLength >> 1));
    const answered = await Promise.all(replies);
    for (const [index, reply] of answered.entries()) {
      expect(reply.status, reply.body).toBe(200);
      expect(reply.headers.connection).toBe('close');
      expect(reply.headers['x-request-id']).toBe(`r${index}`);
      const output = (JSON.parse(reply.body) as { outputs: Array<{ shape: number[]; data: number[] }> }).outputs[0]!;
      expect(output.shape).toEqual([1, 10]);
      const wanted = await expected(images[index]!);
      output.data.forEach((value, i) => {
        expect(Math.abs(value - wanted[i]!)).toBeLessThanOrEqual(TOLERANCE * Math.max(1, Math.abs(wanted[i]!)));
      });
    }
    agent.destroy();
    expect(await exited).toBe(0);
    expect(stderr).not.toMatch(/drain timeout reached/);
  }, 40_000);
});

describe('RunningModelServer.shutdown', () => {
  let server: RunningModelServer;

  beforeAll(async () => {
    server = await startModelServer({ sources: [{ uri: MODEL }], port: 0, watchSeconds: 0, threads: 1 });
  }, 30_000);

  afterAll(async () => {
    await server.shutdown({ timeoutMs: 0 });
  });

  it('closes idle kept-alive connections at once and cuts a stalled request off at the timeout', async () => {
    const idle = await openSocket(server.port);
    const first = await firstResponse(idle, 'GET /v2/health/ready HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(first.status).toBe(200);
    expect(first.headers.connection).toBe('keep-alive');
    const idleClosed = once(idle, 'close').then(() => performance.now());
    const stalled = await openSocket(server.port);
    const stalledReply = rawExchange(
      stalled,
      'POST /v2/models/lenet/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"inp',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.inFlight).toBe(1);
    const started = performance.now();
    const report = server.shutdown({ timeoutMs: 400 });
    expect(server.draining).toBe(true);
    expect(server.shutdown()).toBe(report);
    // The idle connection does not wait for the drain (nor for its keep-alive timeout).
    expect((await idleClosed) - started).toBeLessThan(300);
    const done = await report;
    expect(done.inFlight).toBe(1);
    expect(done.forced).toBe(true);
    expect(done.ms).toBeGreaterThanOrEqual(350);
    // The stalled request got no answer: its connection was closed under it.
    expect((await stalledReply).status).toBeNaN();
    expect(server.repository.ready()).toBe(false);
  });
});
