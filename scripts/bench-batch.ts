/**
 * `npm run bench:batch`: records/s of the batch pipeline (read → decode → micro-batch → engine → encode → write)
 * against the bare engine running the same records at the same batch size, each in its own fresh process so peak
 * RSS is its own. Inputs are a .npy and a KServe-style .jsonl of the same records, in a local folder and in the S3
 * stand-in (s3rver on 127.0.0.1, in its own process).
 *
 *   npm run bench:batch
 *   npm run bench:batch -- --model lenet5 --records 20000 --threads 2 --store local --json
 *   options: --model NAME (repeatable; lenet5 mobilenetv2 resnet50) --records N (per model; default by model)
 *            --threads N --store local|s3 (repeatable) --format npy|jsonl (repeatable) --json
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NETS = ['lenet5', 'mobilenetv2', 'resnet50'] as const;
type Net = (typeof NETS)[number];
/** The JSONL input holds 1/JSONL_FRACTION of the records. */
const JSONL_FRACTION = 8;
/** Measurements of each kind per row; the median is reported. */
const RUNS = 5;
const DEFAULT_RECORDS: Record<Net, number> = { lenet5: 40000, mobilenetv2: 256, resnet50: 64 };

const { values } = parseArgs({
  options: {
    model: { type: 'string', multiple: true },
    records: { type: 'string' },
    threads: { type: 'string' },
    store: { type: 'string', multiple: true },
    format: { type: 'string', multiple: true },
    json: { type: 'boolean', default: false },
    child: { type: 'string' },
    file: { type: 'string' },
    input: { type: 'string' },
    output: { type: 'string' },
    batch: { type: 'string' },
    endpoint: { type: 'string' },
  },
});

interface ChildResult {
  records: number;
  ms: number;
  /** Pipeline only: time inside engine runs. */
  inferenceMs?: number;
  batchSize: number;
  peakRssMb: number;
}

if (values.child === 'pipeline') await childPipeline();
else if (values.child === 'engine') await childEngine();
else if (values.child === 's3') await childS3();
else await parent();

async function parent(): Promise<void> {
  const models = (values.model ?? ['lenet5', 'mobilenetv2']) as Net[];
  for (const m of models) if (!NETS.includes(m)) throw new Error(`unknown model ${m}; choose from ${NETS.join(', ')}`);
  const threads = Number(values.threads ?? os.availableParallelism());
  const stores = values.store ?? ['local', 's3'];
  const formats = values.format ?? ['npy', 'jsonl'];
  const dir = path.join(os.tmpdir(), 'mindlet-bench-batch');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  if (!values.json)
    console.log(`batch pipeline vs bare engine — ${threads} thread(s), ${os.cpus()[0]?.model ?? 'cpu'}`);

  const s3 = stores.includes('s3') ? await startS3Child(dir) : undefined;
  try {
    for (const model of models) {
      const records = Number(values.records ?? DEFAULT_RECORDS[model]);
      const prepared = await prepare(model, records, dir, formats);
      for (const format of formats) {
        for (const store of stores) {
          let input = prepared.folders[format]!;
          if (store === 's3') {
            input = `s3://bench/${model}-${format}-in/`;
            await uploadFolder(s3!.endpoint, prepared.folders[format]!, input);
          }
          // Pipeline and engine alternate, RUNS times each, on a fresh output each time; medians are compared, so a
          // noisy neighbour on a shared machine shifts both, not one.
          const pipes: ChildResult[] = [];
          const engines: ChildResult[] = [];
          for (let run = 0; run < RUNS; run++) {
            const output =
              store === 's3'
                ? `s3://bench/${model}-${format}-out-${run}/`
                : path.join(dir, `${model}-${format}-${store}-out-${run}`);
            const pipe = runChild('pipeline', {
              file: prepared.mindir,
              input,
              output,
              threads,
              ...(s3 ? { endpoint: s3.endpoint } : {}),
              ...(pipes[0] ? { batch: pipes[0].batchSize } : {}),
            });
            pipes.push(pipe);
            engines.push(
              runChild('engine', { file: prepared.mindir, input: prepared.npy, threads, batch: pipe.batchSize }),
            );
          }
          const pipe = medianBy(pipes, (r) => r.records / r.ms);
          const engine = medianBy(engines, (r) => r.records / r.ms);
          const line = {
            model,
            format,
            store,
            records: pipe.records,
            threads,
            batchSize: pipe.batchSize,
            pipelineRecordsPerS: round(pipe.records / (pipe.ms / 1000)),
            engineRecordsPerS: round(engine.records / (engine.ms / 1000)),
            ratio: round(pipe.records / pipe.ms / (engine.records / engine.ms), 3),
            // Noise-free view of the same thing: the share of the pipeline's own time spent in engine runs.
            engineShare: round((pipe.inferenceMs ?? 0) / pipe.ms, 3),
            pipelinePeakRssMb: round(pipe.peakRssMb, 0),
            enginePeakRssMb: round(engine.peakRssMb, 0),
            inputMb: round(prepared.bytes[format]! / 2 ** 20, 1),
          };
          if (values.json) console.log(JSON.stringify(line));
          else
            console.log(
              `${model.padEnd(12)} ${format.padEnd(5)} ${store.padEnd(5)} ${String(line.records).padStart(6)} records (${line.inputMb} MiB)  batch ${String(line.batchSize).padStart(2)}  pipeline ${line.pipelineRecordsPerS} rec/s  engine ${line.engineRecordsPerS} rec/s  ratio ${line.ratio.toFixed(3)}  engine share ${line.engineShare.toFixed(2)}  peak RSS ${line.pipelinePeakRssMb} vs ${line.enginePeakRssMb} MB`,
            );
        }
      }
    }
  } finally {
    s3?.child.kill();
  }
}

function runChild(kind: 'pipeline' | 'engine', args: Record<string, string | number>): ChildResult {
  const flags = Object.entries(args).flatMap(([k, v]) => [`--${k}`, String(v)]);
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', kind, ...flags],
    {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 1 << 24,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    },
  );
  if (run.status !== 0) throw new Error(`${kind} child failed:\n${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as ChildResult;
}

/** Writes the network and its records once: a .npy of all records and a KServe-style .jsonl of the same. */
async function prepare(model: Net, records: number, dir: string, formats: readonly string[]) {
  const { buildReferenceNet } = await import('../test/tools/reference-nets/index.js');
  const { encodeNpy } = await import('../src/tensor/npy.js');
  const net = buildReferenceNet(model);
  const mindir = path.join(dir, `${model}.mindir`);
  writeFileSync(mindir, net.mindir);
  const [sample] = net.sampleInputs(Math.min(records, 64));
  const per = sample!.data.length / sample!.shape[0]!;
  const data = new Float32Array(records * per);
  for (let r = 0; r < records; r++)
    data.set(
      (sample!.data as Float32Array).subarray((r % sample!.shape[0]!) * per, ((r % sample!.shape[0]!) + 1) * per),
      r * per,
    );
  const shape = [records, ...sample!.shape.slice(1)];
  const folders: Record<string, string> = {};
  const bytes: Record<string, number> = {};
  const npyDir = path.join(dir, `${model}-npy-in`);
  mkdirSync(npyDir, { recursive: true });
  const npy = path.join(npyDir, 'records.npy');
  const encoded = encodeNpy({ dtype: 'float32', shape, data });
  writeFileSync(npy, encoded);
  folders.npy = npyDir;
  bytes.npy = encoded.byteLength;
  if (formats.includes('jsonl')) {
    const jsonlDir = path.join(dir, `${model}-jsonl-in`);
    mkdirSync(jsonlDir, { recursive: true });
    const file = path.join(jsonlDir, 'records.jsonl');
    const stream = createWriteStream(file);
    let total = 0;
    // JSON costs far more per record than the engine on these inputs: a fraction of the records says as much.
    for (let r = 0; r < Math.ceil(records / JSONL_FRACTION); r++) {
      const line = `${JSON.stringify({ id: String(r), inputs: [{ name: net.inputs[0]!.name, shape: [1, ...shape.slice(1)], datatype: 'FP32', data: Array.from(data.subarray(r * per, (r + 1) * per)) }] })}\n`;
      total += Buffer.byteLength(line);
      if (!stream.write(line)) await new Promise<void>((resolve) => stream.once('drain', () => resolve()));
    }
    await new Promise<void>((resolve) => stream.end(() => resolve()));
    folders.jsonl = jsonlDir;
    bytes.jsonl = total;
  }
  return { mindir, npy, folders, bytes };
}

async function startS3Child(dir: string): Promise<{ endpoint: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', 's3', '--output', path.join(dir, 's3')],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const endpoint = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once('exit', (code) => reject(new Error(`s3 stand-in exited with ${code}`)));
  });
  return { endpoint, child };
}

function s3Env(endpoint: string): void {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    MINDLET_S3_FORCE_PATH_STYLE: '1',
  });
}

async function uploadFolder(endpoint: string, folder: string, prefix: string): Promise<void> {
  s3Env(endpoint);
  const { createS3Client } = await import('../src/store/s3-client.js');
  const { openObjectSink } = await import('../src/store/object-sink.js');
  const { readdirSync } = await import('node:fs');
  const s3 = createS3Client();
  for (const name of readdirSync(folder)) {
    const sink = await openObjectSink(`${prefix}${name}`, { s3 });
    const bytes = readFileSync(path.join(folder, name));
    for (let at = 0; at < bytes.byteLength; at += 1 << 22) await sink.write(bytes.subarray(at, at + (1 << 22)));
    await sink.close();
  }
  s3.destroy();
}

async function childS3(): Promise<void> {
  const { default: S3rver } = await import('s3rver');
  const directory = values.output!;
  mkdirSync(directory, { recursive: true });
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory,
    configureBuckets: [{ name: 'bench' }],
  });
  const { port } = (await server.run()) as { port: number };
  process.stdout.write(`http://127.0.0.1:${port}\n`);
}

async function childPipeline(): Promise<void> {
  if (values.endpoint) s3Env(values.endpoint);
  const { runBatch } = await import('../src/batch/run.js');
  const started = performance.now();
  const summary = await runBatch({
    modelUri: values.file!,
    input: values.input!,
    output: values.output!,
    threads: Number(values.threads),
    ...(values.batch ? { batchSize: Number(values.batch) } : {}),
  });
  const ms = performance.now() - started;
  if (summary.failedObjects) throw new Error(JSON.stringify(summary.objects));
  const records = summary.records.ok + summary.records.failed;
  // Time from the first record read to the last status written, without the model load and calibration.
  const status = summary.objects[0]?.outcome;
  const timings = status?.kind === 'done' ? status.status.timings : undefined;
  print({ records, ms: timings?.totalMs ?? ms, inferenceMs: timings?.inferenceMs ?? 0, batchSize: summary.batchSize });
}

async function childEngine(): Promise<void> {
  const { loadSession } = await import('../src/runtime/session.js');
  const { decodeNpy } = await import('../src/tensor/npy.js');
  const session = await loadSession(values.file!, { threads: Number(values.threads) });
  const all = decodeNpy(readFileSync(values.input!));
  const batch = Number(values.batch);
  const records = all.shape[0]!;
  const per = all.data.length / records;
  const run = async (start: number, count: number) => {
    const data = (all.data as Float32Array).subarray(start * per, (start + count) * per);
    await session.run([{ dtype: 'float32', shape: [count, ...all.shape.slice(1)], data }]);
  };
  await run(0, Math.min(batch, records)); // plan the batch shape, as the pipeline's calibration did
  const started = performance.now();
  for (let start = 0; start < records; start += batch) await run(start, Math.min(batch, records - start));
  print({ records, ms: performance.now() - started, batchSize: batch });
  session.close();
}

function print(result: Omit<ChildResult, 'peakRssMb'>): void {
  process.stdout.write(`${JSON.stringify({ ...result, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
  process.exit(0);
}

/** The element whose `key` is the median. */
function medianBy<T>(items: T[], key: (item: T) => number): T {
  return [...items].sort((a, b) => key(a) - key(b))[Math.floor(items.length / 2)]!;
}

function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
