/**
 * `npm run bench`: mindlet's engine against onnxruntime-node on the reference networks, same thread count, same
 * run. Each (network, runtime) is measured in its own fresh process so load time and peak RSS are its own: 3
 * warm-up runs per batch, then timed runs one at a time for --seconds (at least 10, at most 1000); median and p90.
 * Before the networks, the native addon probes this machine's FMA peak on the bench's thread count
 * (measureFmaPeak: a register-only loop, AVX-512F where the CPU has it), and every result is also given as GFLOP/s
 * (the network's FLOPs at that batch from profileModel, the same number for both runtimes, over the median) and as
 * a percentage of that peak.
 *
 *   npm run bench                                   all networks, batch 1 and 8, threads = available CPUs
 *   npm run bench -- --model resnet50 --batch 1 --json
 *   options: --model NAME (repeatable; lenet5 resnet50 mobilenetv2 bert) --batch N (repeatable) --threads N
 *            --seconds S (time per measurement, default 4) --json (one JSON line per measurement)
 *            --profile (print mindlet's kernel time per op, all batches together)
 *            --peak-ms MS (time for the FMA peak probe, default 1000)
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

/** The probed FMA peak (native addon measureFmaPeak) on the bench's threads, and on one thread alone. */
interface Peak {
  isa: string;
  threads: number;
  gflopsPerThread: number;
  gflopsTotal: number;
  /** One loop with the other cores idle (only when threads > 1): tells a busy machine from a slow one. */
  gflopsOneThread?: number;
}

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
    'peak-ms': { type: 'string' },
  },
});

if (values.child === 'flops') await childFlops();
else if (values.child) await child(values.child as Runtime);
else await parent();

async function parent(): Promise<void> {
  const models = (values.model ?? [...NETS]) as Net[];
  for (const m of models) if (!NETS.includes(m)) throw new Error(`unknown model ${m}; choose from ${NETS.join(', ')}`);
  const batches = (values.batch ?? ['1', '8']).map(Number);
  const threads = Number(values.threads ?? os.availableParallelism());
  const seconds = Number(values.seconds ?? 4);
  const dir = path.join(os.tmpdir(), 'mindlet-bench');
  mkdirSync(dir, { recursive: true });
  // First, while nothing else of the bench runs: what this machine's cores can do at most.
  const peak = await probePeak(threads, Number(values['peak-ms'] ?? 1000));
  if (!values.json) {
    console.log(
      `mindlet engine vs onnxruntime-node ${ortVersion()} — ${threads} thread(s), ${os.cpus()[0]?.model ?? 'cpu'}`,
    );
    console.log(
      `FMA peak (probed, ${peak.isa}, ${peak.threads} thread(s) at once): ${peak.gflopsPerThread.toFixed(1)} GFLOP/s per core, ` +
        `${peak.gflopsTotal.toFixed(1)} total` +
        (peak.gflopsOneThread === undefined ? '' : ` (one thread alone: ${peak.gflopsOneThread.toFixed(1)})`),
    );
  }
  for (const model of models) {
    const files = await prepare(model, batches, dir);
    const flops = networkFlops(model, files.mindir, batches, dir);
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
    report(model, threads, results.mindlet as ChildResult, results.ort as ChildResult, flops, peak);
  }
}

/** Probes the FMA peak with the compiled addon (npm run bench builds it), as the engine's own children load it. */
async function probePeak(threads: number, milliseconds: number): Promise<Peak> {
  const { nativeAddon } = (await import(
    path.join(root, 'dist/src/runtime/native.js')
  )) as typeof import('../src/runtime/native.js');
  const addon = nativeAddon();
  const peak: Peak = addon.measureFmaPeak({ threads, milliseconds });
  if (threads > 1) peak.gflopsOneThread = addon.measureFmaPeak({ threads: 1, milliseconds }).gflopsTotal;
  return peak;
}

/**
 * FLOPs of one run of the network at each batch (profileModel, multiply-add = 2), cached beside the files. Profiled
 * at the concrete batch, not at the file's dynamic one: the profile counts a -1 dimension as 1, which undercounts a
 * graph that folds the batch into another dimension (BERT reshapes [batch, 128, 768] to [-1, 768]).
 */
function networkFlops(model: Net, mindir: string, batches: number[], dir: string): Map<number, number> {
  const file = path.join(dir, `${model}.flops.json`);
  const stamp = readFileSync(path.join(dir, `${model}.stamp`), 'utf8');
  let cached: { stamp?: string; flops?: Record<string, number> } = {};
  if (existsSync(file)) cached = JSON.parse(readFileSync(file, 'utf8')) as typeof cached;
  const known = cached.stamp === stamp ? (cached.flops ?? {}) : {};
  const missing = batches.filter((b) => known[b] === undefined);
  if (missing.length) {
    // In a child: decoding BERT takes ~0.5 GB that this parent would otherwise carry into every child's peak RSS.
    const args = ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', 'flops', '--file', mindir];
    const run = spawnSync(process.execPath, [...args, ...missing.flatMap((b) => ['--batch', String(b)])], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    if (run.status !== 0) throw new Error(`profiling ${model} failed:\n${run.stderr}`);
    Object.assign(known, JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}'));
    writeFileSync(file, JSON.stringify({ stamp, flops: known }));
  }
  return new Map(batches.map((b) => [b, known[b] as number]));
}

/** `--child flops`: prints {batch: FLOPs} for the model file at each --batch. */
async function childFlops(): Promise<void> {
  const { decodeMindir, inferShapes, profileModel } = (await import(
    path.join(root, 'dist/src/mindir/index.js')
  )) as typeof import('../src/mindir/index.js');
  const bytes = readFileSync(values.file as string);
  const out: Record<string, number> = {};
  for (const batch of (values.batch ?? ['1']).map(Number)) {
    // A fresh decode per batch: shapes inferred for one batch would contradict the next.
    const model = decodeMindir(bytes, { label: values.file as string });
    const graph = model.graph;
    graph.inputs = graph.inputs.map((input) => ({
      ...input,
      shape: input.shape.map((d, k) => (k === 0 && d < 0 ? batch : d)),
    }));
    for (const input of graph.inputs) graph.values.set(input.name, input);
    inferShapes(graph, []);
    out[batch] = profileModel(model).flops;
  }
  console.log(JSON.stringify(out));
}

function report(
  model: Net,
  threads: number,
  mindlet: ChildResult,
  ort: ChildResult,
  flops: Map<number, number>,
  peak: Peak,
): void {
  for (const m of mindlet.batches) {
    const o = ort.batches.find((b) => b.batch === m.batch);
    if (!o) continue;
    const networkFlops = flops.get(m.batch) ?? Number.NaN;
    const gflops = (ms: number) => networkFlops / (ms / 1000) / 1e9;
    const ofPeak = (ms: number) => (100 * gflops(ms)) / peak.gflopsTotal;
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
      flops: networkFlops,
      mindletGflops: round(gflops(m.medianMs), 1),
      ortGflops: round(gflops(o.medianMs), 1),
      mindletPercentOfPeak: round(ofPeak(m.medianMs), 1),
      ortPercentOfPeak: round(ofPeak(o.medianMs), 1),
      peak: {
        isa: peak.isa,
        threads: peak.threads,
        gflopsPerThread: round(peak.gflopsPerThread, 1),
        gflopsTotal: round(peak.gflopsTotal, 1),
        ...(peak.gflopsOneThread === undefined ? {} : { gflopsOneThread: round(peak.gflopsOneThread, 1) }),
      },
    };
    if (values.json) {
      console.log(JSON.stringify(line));
      continue;
    }
    console.log(
      `${model.padEnd(12)} batch ${String(m.batch).padStart(2)}  median ${fmt(line.mindletMs)} vs ${fmt(line.ortMs)} ms` +
        `  ratio ${line.ratio.toFixed(3)}  p90 ${fmt(line.mindletP90Ms)} vs ${fmt(line.ortP90Ms)}` +
        `  load ${fmt(line.mindletLoadMs)} vs ${fmt(line.ortLoadMs)} ms  peak RSS ${line.mindletPeakRssMb} vs ${line.ortPeakRssMb} MB` +
        `  GFLOP/s ${line.mindletGflops.toFixed(1)} vs ${line.ortGflops.toFixed(1)}` +
        ` (${line.mindletPercentOfPeak.toFixed(1)}% vs ${line.ortPercentOfPeak.toFixed(1)}% of peak)`,
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
