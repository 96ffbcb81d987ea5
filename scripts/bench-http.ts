/**
 * `npm run bench:http`: what serving a model over HTTP costs on top of the engine. The serving app runs on
 * @hono/node-server (127.0.0.1, its own process) with ori_net.mindir (LeNet, input [1,1,32,32]); autocannon sends
 * real requests built from examples/digit-7.npy — KServe v2 JSON, KServe v2 binary tensors, MindSpore Serving
 * instances — and the same run times the bare engine (`session.run`, same threads, one at a time) and the app without
 * a socket (`app.fetch`), so the table shows where the time goes.
 *
 *   npm run bench:http                                  10 s per measurement, 1 and 8 connections
 *   npm run bench:http -- --duration 5 --connections 1 --threads 2
 *   options: --duration S (default 10) --connections N (repeatable; default 1 and 8) --threads N (engine threads,
 *            default 1) --profile DIR (write the server's V8 CPU profile there, for Chrome DevTools or speedscope)
 */
import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { KServeClient } from '../src/client/kserve-client.js';
import { StaticModelRepository, servedModelFromSession } from '../src/repository/served-model.js';
import { loadSession } from '../src/runtime/index.js';
import type { Session } from '../src/runtime/types.js';
import { createServingApp } from '../src/serving/app.js';
import { decodeNpy } from '../src/tensor/npy.js';
import type { Tensor } from '../src/tensor/types.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MODEL_FILE = path.join(root, 'test', 'fixtures', 'mindir', 'ori_net.mindir');
const INPUT_FILE = path.join(root, 'examples', 'digit-7.npy');
const MODEL = 'lenet';

/** The slice of autocannon's API used here (the package ships no types). */
interface AutocannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
interface AutocannonInstance extends PromiseLike<AutocannonResult> {
  on(event: 'response', listener: (client: unknown, status: number, bytes: number, ms: number) => void): void;
}
type Autocannon = (options: {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: Buffer;
  connections: number;
  duration: number;
  pipelining: number;
}) => AutocannonInstance;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', multiple: true },
    threads: { type: 'string', default: '1' },
    profile: { type: 'string' },
    serve: { type: 'boolean', default: false },
  },
});
const threads = positive(values.threads!, '--threads');

if (values.serve) await serveChild();
else await benchmark();

/** The server process: loads the model, serves it, reports its port, stops when told. */
async function serveChild(): Promise<void> {
  const session = await loadSession(MODEL_FILE, { threads });
  const model = servedModelFromSession(session, { name: MODEL, version: '1', platform: 'mindspore_mindir' });
  const app = createServingApp({ repository: new StaticModelRepository([model]) });
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) => {
    process.send!({ port: info.port });
  });
  process.once('message', () => {
    server.close(() => {
      session.close();
      process.disconnect();
    });
  });
}

interface Body {
  label: string;
  route: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

interface Row {
  what: string;
  connections: number | string;
  rate: number;
  p50: number;
  p99: number;
  overhead?: { p50: number; p99: number };
}

async function benchmark(): Promise<void> {
  const duration = positive(values.duration!, '--duration');
  const connectionCounts = (values.connections ?? ['1', '8']).map((n) => positive(n, '--connections'));
  const digit = decodeNpy(readFileSync(INPUT_FILE), INPUT_FILE);
  const session = await loadSession(MODEL_FILE, { threads });
  const served = servedModelFromSession(session, { name: MODEL, version: '1', platform: 'mindspore_mindir' });
  const inputName = served.inputs[0]!.name;
  const outputName = served.outputs[0]!.name;
  const bodies = requestBodies(digit, inputName);

  const child = startServer(values.profile);
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`server process exited (${code}) before listening`)));
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    await checkAnswers(base, bodies, session, digit, inputName, outputName);
    console.error(
      `bench:http — ori_net.mindir [1,1,32,32], ${threads} engine thread(s), ${duration} s each, node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} ×${os.availableParallelism()}`,
    );

    const rows: Row[] = [];
    const engine = await timeLoop(duration, () => session.run([digit]));
    rows.push({ what: 'engine: session.run (no HTTP)', connections: 'seq', ...engine });

    const app = createServingApp({ repository: new StaticModelRepository([served]) });
    for (const body of bodies) {
      const inProcess = await timeLoop(duration, async () => {
        const response = await app.fetch(
          new Request(`http://bench${body.path}`, { method: 'POST', headers: body.headers, body: body.body }),
        );
        if (response.status !== 200) throw new Error(`${body.label}: app answered ${response.status}`);
        await response.arrayBuffer();
      });
      rows.push({
        what: `app.fetch, no socket: ${body.label}`,
        connections: 'seq',
        ...inProcess,
        overhead: over(inProcess, engine),
      });
    }

    for (const body of bodies) {
      await load(`${base}${body.path}`, body, 1, Math.min(2, duration)); // warm-up: JIT, connection, plan caches
      for (const connections of connectionCounts) {
        const measured = await load(`${base}${body.path}`, body, connections, duration);
        rows.push({
          what: `HTTP ${body.route}: ${body.label}`,
          connections,
          ...measured,
          ...(connections === 1 ? { overhead: over(measured, engine) } : {}),
        });
      }
    }
    printTable(rows);
  } finally {
    child.send('stop');
    await new Promise((resolve) => child.once('exit', resolve));
    session.close();
  }
}

function startServer(profileDir: string | undefined): ChildProcess {
  const execArgv = [...process.execArgv];
  if (profileDir) execArgv.push('--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`);
  return fork(fileURLToPath(import.meta.url), ['--serve', '--threads', String(threads)], {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** The three ways a client asks for one prediction of the same digit. */
function requestBodies(digit: Tensor, inputName: string): Body[] {
  const data = digit.data as Float32Array;
  const json = JSON.stringify({
    inputs: [{ name: inputName, shape: digit.shape, datatype: 'FP32', data: Array.from(data) }],
  });
  const header = Buffer.from(
    JSON.stringify({
      inputs: [
        { name: inputName, shape: digit.shape, datatype: 'FP32', parameters: { binary_data_size: data.byteLength } },
      ],
      parameters: { binary_data_output: true },
    }),
  );
  // MindSpore Serving instances are single samples: the model's batch dimension is left out.
  const instance = { [inputName]: nest(Array.from(data), digit.shape.slice(1)) };
  return [
    {
      label: 'JSON',
      route: 'KServe v2',
      path: `/v2/models/${MODEL}/infer`,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(json),
    },
    {
      label: 'binary tensors',
      route: 'KServe v2',
      path: `/v2/models/${MODEL}/infer`,
      headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) },
      body: Buffer.concat([header, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]),
    },
    {
      label: 'instances',
      route: 'MindSpore Serving',
      path: `/model/${MODEL}:predict`,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify({ instances: [instance] })),
    },
  ];
}

function nest(flat: number[], shape: readonly number[]): unknown {
  if (shape.length === 0) return flat[0];
  const [size, ...rest] = shape as [number, ...number[]];
  const step = flat.length / size;
  return Array.from({ length: size }, (_, i) => nest(flat.slice(i * step, (i + 1) * step), rest));
}

/** A benchmark of wrong answers measures nothing: every body must give the engine's own output first. */
async function checkAnswers(
  base: string,
  bodies: readonly Body[],
  session: Session,
  digit: Tensor,
  inputName: string,
  outputName: string,
): Promise<void> {
  const expected = Array.from((await session.run([digit]))[0]!.data as Float32Array);
  const same = (label: string, actual: ArrayLike<number>) => {
    if (JSON.stringify(Array.from(actual)) !== JSON.stringify(expected))
      throw new Error(`${label}: the server's output differs from session.run`);
  };
  const client = new KServeClient(base);
  for (const binary of [false, true]) {
    const result = await client.infer(MODEL, [{ name: inputName, ...digit }], { binary });
    same(`KServe ${binary ? 'binary' : 'JSON'}`, result.outputs[0]!.data as Float32Array);
  }
  for (const body of bodies) {
    const response = await fetch(`${base}${body.path}`, { method: 'POST', headers: body.headers, body: body.body });
    if (response.status !== 200)
      throw new Error(`${body.route} ${body.label}: HTTP ${response.status}: ${await response.text()}`);
    if (body.route === 'MindSpore Serving') {
      const answer = (await response.json()) as { instances: Array<Record<string, unknown>> };
      same('MindSpore Serving', Float32Array.from((answer.instances[0]![outputName] as unknown[]).flat(4) as number[]));
    } else {
      await response.arrayBuffer();
    }
  }
}

/** autocannon for `seconds`; latency percentiles from every response's own time (autocannon's are whole ms). */
async function load(
  url: string,
  body: Body,
  connections: number,
  seconds: number,
): Promise<{ rate: number; p50: number; p99: number }> {
  const latencies: number[] = [];
  const instance = autocannon({
    url,
    method: 'POST',
    headers: body.headers,
    body: body.body,
    connections,
    duration: seconds,
    pipelining: 1,
  });
  instance.on('response', (_client, status, _bytes, ms) => {
    if (status === 200) latencies.push(ms);
  });
  const result = await instance;
  if (result.non2xx || result.errors || result.timeouts)
    throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
  return { rate: latencies.length / seconds, ...percentiles(latencies) };
}

/** Calls `run` one at a time for `seconds` (after a short warm-up) and times each call. */
async function timeLoop(
  seconds: number,
  run: () => Promise<unknown>,
): Promise<{ rate: number; p50: number; p99: number }> {
  for (let i = 0; i < 200; i++) await run();
  const times: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  return { rate: times.length / seconds, ...percentiles(times) };
}

function percentiles(values: number[]): { p50: number; p99: number } {
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99) };
}

function over(measured: { p50: number; p99: number }, engine: { p50: number; p99: number }) {
  return { p50: measured.p50 - engine.p50, p99: measured.p99 - engine.p99 };
}

function printTable(rows: readonly Row[]): void {
  const ms = (v: number) => v.toFixed(3);
  console.log('| what | connections | requests/s | p50 ms | p99 ms | overhead p50 ms | overhead p99 ms |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const row of rows)
    console.log(
      `| ${row.what} | ${row.connections} | ${Math.round(row.rate)} | ${ms(row.p50)} | ${ms(row.p99)} | ${row.overhead ? ms(row.overhead.p50) : ''} | ${row.overhead ? ms(row.overhead.p99) : ''} |`,
    );
}

function positive(text: string, option: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${option} must be a positive integer, got ${text}`);
  return value;
}
