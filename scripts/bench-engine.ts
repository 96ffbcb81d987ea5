/**
 * `npm run bench`: mindlet's engine against onnxruntime-node on the reference networks, same thread count, same
 * run. Each (network, runtime) is measured in its own fresh process so load time and peak RSS are its own.
 *
 *   npm run bench                                   all networks, batch 1 and 8, threads = available CPUs
 *   npm run bench -- --model resnet50 --batch 1 --json
 *   options: --model NAME (repeatable; lenet5 resnet50 mobilenetv2 bert) --batch N (repeatable) --threads N
 *            --seconds S (time per measurement, default 4) --json (one JSON line per measurement)
 *            --profile (print mindlet's kernel time per op, all batches together)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NETS = ['lenet5', 'resnet50', 'mobilenetv2', 'bert'] as const;
type Net = (typeof NETS)[number];
type Runtime = 'mindlet' | 'ort';

interface ChildResult {
  loadMs: number;
  peakRssMb: number;
  batches: Array<{ batch: number; medianMs: number; p90Ms: number; iterations: number }>;
}

const { values } = parseArgs({
  options: {
    model: { type: 'string', multiple: true },
    batch: { type: 'string', multiple: true },
    threads: { type: 'string' },
    seconds: { type: 'string' },
    json: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    child: { type: 'string' },
    file: { type: 'string' },
    inputs: { type: 'string' },
  },
});

if (values.child) await child(values.child as Runtime);
else await parent();

async function parent(): Promise<void> {
  const models = (values.model ?? [...NETS]) as Net[];
  for (const m of models) if (!NETS.includes(m)) throw new Error(`unknown model ${m}; choose from ${NETS.join(', ')}`);
  const batches = (values.batch ?? ['1', '8']).map(Number);
  const threads = Number(values.threads ?? os.availableParallelism());
  const seconds = Number(values.seconds ?? 4);
  const dir = path.join(os.tmpdir(), 'mindlet-bench');
  mkdirSync(dir, { recursive: true });
  if (!values.json) {
    console.log(
      `mindlet engine vs onnxruntime-node ${ortVersion()} — ${threads} thread(s), ${os.cpus()[0]?.model ?? 'cpu'}`,
    );
  }
  for (const model of models) {
    const files = await prepare(model, batches, dir);
    const results: Partial<Record<Runtime, ChildResult>> = {};
    // onnxruntime first for one network, mindlet first for the next: neither always gets the cooler machine.
    const order: Runtime[] = models.indexOf(model) % 2 ? ['mindlet', 'ort'] : ['ort', 'mindlet'];
    for (const runtime of order) {
      const args = [
        '--import',
        'tsx',
        fileURLToPath(import.meta.url),
        '--child',
        runtime,
        '--file',
        runtime === 'ort' ? files.onnx : files.mindir,
        '--inputs',
        files.inputs,
        '--threads',
        String(threads),
        '--seconds',
        String(seconds),
        ...batches.flatMap((b) => ['--batch', String(b)]),
        ...(values.profile ? ['--profile'] : []),
      ];
      const run = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 24 });
      if (run.status !== 0) throw new Error(`${runtime} on ${model} failed:\n${run.stderr}`);
      if (values.profile && run.stderr.trim())
        console.error(`${model} ${runtime} kernel time by op:\n${run.stderr.trimEnd()}`);
      results[runtime] = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as ChildResult;
    }
    report(model, threads, results.mindlet as ChildResult, results.ort as ChildResult);
  }
}

function report(model: Net, threads: number, mindlet: ChildResult, ort: ChildResult): void {
  for (const m of mindlet.batches) {
    const o = ort.batches.find((b) => b.batch === m.batch);
    if (!o) continue;
    const line = {
      model,
      batch: m.batch,
      threads,
      mindletMs: round(m.medianMs),
      ortMs: round(o.medianMs),
      ratio: round(m.medianMs / o.medianMs, 3),
      mindletP90Ms: round(m.p90Ms),
      ortP90Ms: round(o.p90Ms),
      mindletLoadMs: round(mindlet.loadMs),
      ortLoadMs: round(ort.loadMs),
      mindletPeakRssMb: round(mindlet.peakRssMb, 0),
      ortPeakRssMb: round(ort.peakRssMb, 0),
      iterations: Math.min(m.iterations, o.iterations),
    };
    if (values.json) {
      console.log(JSON.stringify(line));
      continue;
    }
    console.log(
      `${model.padEnd(12)} batch ${String(m.batch).padStart(2)}  median ${fmt(line.mindletMs)} vs ${fmt(line.ortMs)} ms` +
        `  ratio ${line.ratio.toFixed(3)}  p90 ${fmt(line.mindletP90Ms)} vs ${fmt(line.ortP90Ms)}` +
        `  load ${fmt(line.mindletLoadMs)} vs ${fmt(line.ortLoadMs)} ms  peak RSS ${line.mindletPeakRssMb} vs ${line.ortPeakRssMb} MB`,
    );
  }
}

/** Writes the network's files and sample inputs once per machine (tmpdir), so every child reads the same bytes. */
async function prepare(model: Net, batches: number[], dir: string) {
  const mindir = path.join(dir, `${model}.mindir`);
  const onnx = path.join(dir, `${model}.onnx`);
  const inputs = path.join(dir, `${model}.inputs.json`);
  const stamp = path.join(dir, `${model}.stamp`);
  const wanted = JSON.stringify({ batches, version: 2 });
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== wanted) {
    const { buildReferenceNet } = await import('../test/tools/reference-nets/index.js');
    const net = buildReferenceNet(model);
    writeFileSync(mindir, net.mindir);
    writeFileSync(onnx, net.onnx);
    const byBatch: Record<string, unknown> = {};
    for (const batch of batches) {
      byBatch[batch] = net.sampleInputs(batch).map((t, k) => {
        const file = path.join(dir, `${model}.b${batch}.input${k}.bin`);
        writeFileSync(file, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
        return { dtype: t.dtype, shape: t.shape, file };
      });
    }
    writeFileSync(inputs, JSON.stringify(byBatch));
    writeFileSync(stamp, wanted);
  }
  return { mindir, onnx, inputs };
}

type InputFile = { dtype: string; shape: number[]; file: string };

function loadInputs(file: string, batch: number) {
  const all = JSON.parse(readFileSync(file, 'utf8')) as Record<string, InputFile[]>;
  const list = all[batch];
  if (!list) throw new Error(`no inputs for batch ${batch}`);
  return list.map((t) => {
    const bytes = readFileSync(t.file);
    const copy = new Uint8Array(bytes.byteLength);
    copy.set(bytes);
    const data =
      t.dtype === 'int32'
        ? new Int32Array(copy.buffer)
        : t.dtype === 'int64'
          ? new BigInt64Array(copy.buffer)
          : new Float32Array(copy.buffer);
    return { dtype: t.dtype, shape: t.shape, data };
  });
}

async function child(runtime: Runtime): Promise<void> {
  const file = values.file as string;
  const threads = Number(values.threads);
  const seconds = Number(values.seconds ?? 4);
  const batches = (values.batch ?? ['1']).map(Number);
  const started = performance.now();
  let run: (inputs: ReturnType<typeof loadInputs>) => Promise<unknown>;
  if (runtime === 'ort') {
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(file, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    run = (inputs) => {
      const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
      inputs.forEach((t, k) => {
        feeds[session.inputNames[k] as string] = new ort.Tensor(t.dtype as 'float32', t.data, t.shape);
      });
      return session.run(feeds);
    };
  } else {
    // The compiled package (npm run bench builds it first), as users load it: no on-the-fly TypeScript.
    const { loadSession } = (await import(
      path.join(root, 'dist/src/runtime/index.js')
    )) as typeof import('../src/runtime/index.js');
    const session = await loadSession(file, { threads, profile: values.profile });
    run = (inputs) => session.run(inputs as never);
    if (values.profile) {
      process.on('exit', () => {
        const times = Object.entries(session.stats().opTimes).sort((a, b) => b[1].ms - a[1].ms);
        const total = times.reduce((sum, [, t]) => sum + t.ms, 0);
        for (const [op, t] of times.slice(0, Number(process.env.BENCH_PROFILE_TOP ?? 12))) {
          process.stderr.write(
            `  ${op.padEnd(44)} ${((100 * t.ms) / total).toFixed(1).padStart(5)}%  ${(t.ms / t.calls).toFixed(3)} ms/call\n`,
          );
        }
      });
    }
  }
  const loadMs = performance.now() - started;
  const results: ChildResult['batches'] = [];
  for (const batch of batches) {
    const inputs = loadInputs(values.inputs as string, batch);
    for (let i = 0; i < 3; i++) await run(inputs); // warm-up: first-run planning, page faults, caches
    const times: number[] = [];
    const until = performance.now() + seconds * 1000;
    while ((performance.now() < until || times.length < 10) && times.length < 1000) {
      const t0 = performance.now();
      await run(inputs);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] as number;
    results.push({ batch, medianMs: at(0.5), p90Ms: at(0.9), iterations: times.length });
  }
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ loadMs, peakRssMb, batches: results }));
  process.exit(0);
}

function ortVersion(): string {
  try {
    return (
      JSON.parse(readFileSync(path.join(root, 'node_modules/onnxruntime-node/package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
  } catch {
    return '?';
  }
}

function round(v: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function fmt(v: number): string {
  return v.toFixed(2).padStart(8);
}
