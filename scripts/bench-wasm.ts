/**
 * The WebAssembly engine against the native one on the same models, in one process: median latency of wasm
 * (single-threaded), native with 1 thread and native with the default threads, and the ratio native/wasm (below 1:
 * wasm is slower). Needs the native addon and dist/mindlet-engine.wasm built.
 *
 *   npx tsx scripts/bench-wasm.ts                              LeNet (the corpus' ori_net.mindir) and MobileNetV2
 *   npx tsx scripts/bench-wasm.ts --model mobilenetv2 --batch 1 --batch 8 --iterations 50 --json
 *   options: --model NAME (repeatable; lenet mobilenetv2 resnet50) --batch N (repeatable, default 1)
 *            --iterations N (timed runs per measurement, default 30) --threads N (the "default" native threads;
 *            default: available CPUs) --json (one JSON line per measurement)
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Model } from '../src/graph/types.js';
import { decodeMindir } from '../src/mindir/index.js';
import { loadModel } from '../src/model/load.js';
import { createSession } from '../src/runtime/session.js';
import type { Session } from '../src/runtime/types.js';
import { loadWasmEngine, wasmEnginePath } from '../src/runtime/wasm/node.js';
import type { Tensor } from '../src/tensor/types.js';
import { buildReferenceNet } from '../test/tools/reference-nets/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MODELS = ['lenet', 'mobilenetv2', 'resnet50'] as const;
type ModelName = (typeof MODELS)[number];
/** MindSpore's own LeNet-style export (provenance: test/fixtures/README.md). */
const CORPUS_LENET = path.join(root, 'test/fixtures/mindir/ori_net.mindir');

const { values } = parseArgs({
  options: {
    model: { type: 'string', multiple: true },
    batch: { type: 'string', multiple: true },
    iterations: { type: 'string' },
    threads: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});

const models = (values.model ?? ['lenet', 'mobilenetv2']) as ModelName[];
for (const m of models)
  if (!MODELS.includes(m)) throw new Error(`unknown model ${m}; choose from ${MODELS.join(', ')}`);
const batches = (values.batch ?? ['1']).map(Number);
const iterations = Number(values.iterations ?? 30);
const threads = Number(values.threads ?? os.availableParallelism());
if (!Number.isInteger(iterations) || iterations < 1) throw new Error('--iterations must be a positive integer');

const engine = await loadWasmEngine();
if (!values.json) {
  console.log(
    `mindlet WebAssembly engine (${path.relative(root, wasmEnginePath())}) vs native — native threads 1 and ${threads}, ${os.cpus()[0]?.model ?? 'cpu'}`,
  );
}

for (const name of models) {
  const { model, label, inputs, fixedBatch } = await prepare(name);
  const started = performance.now();
  const wasm = engine.createSession(model);
  const wasmLoadMs = performance.now() - started;
  const native1 = createSession(model, { threads: 1 });
  const nativeN = createSession(model, { threads });
  for (const batch of fixedBatch ? [fixedBatch] : batches) {
    const feed = inputs(batch);
    // Interleaved rounds: a slower or hotter moment of the machine falls on all three alike.
    const times: Record<'wasm' | 'native1' | 'nativeN', number[]> = { wasm: [], native1: [], nativeN: [] };
    const sessions = { wasm, native1, nativeN } as const;
    for (const s of Object.values(sessions)) for (let i = 0; i < 5; i++) await s.run(feed); // warm-up: plans, and V8 tiering wasm up from its baseline compiler
    for (let i = 0; i < iterations; i++) {
      for (const key of Object.keys(sessions) as Array<keyof typeof sessions>)
        times[key].push(await timed(sessions[key], feed));
    }
    const line = {
      model: label,
      batch,
      wasmMs: round(median(times.wasm)),
      native1Ms: round(median(times.native1)),
      nativeMs: round(median(times.nativeN)),
      nativeThreads: threads,
      ratio1: round(median(times.native1) / median(times.wasm), 3),
      ratio: round(median(times.nativeN) / median(times.wasm), 3),
      wasmLoadMs: round(wasmLoadMs),
      wasmMemoryMb: round(engine.memoryBytes() / 2 ** 20, 1),
      iterations,
    };
    if (values.json) console.log(JSON.stringify(line));
    else {
      console.log(
        `${label.padEnd(24)} batch ${String(batch).padStart(2)}  wasm ${fmt(line.wasmMs)} ms  native(1) ${fmt(line.native1Ms)} ms` +
          `  native(${threads}) ${fmt(line.nativeMs)} ms  native/wasm ${line.ratio1.toFixed(3)} (1 thread) ${line.ratio.toFixed(3)} (${threads})` +
          `  wasm load ${fmt(line.wasmLoadMs)} ms, memory ${line.wasmMemoryMb} MB`,
      );
    }
  }
  for (const s of [wasm, native1, nativeN]) s.close();
}

interface Prepared {
  model: Model;
  label: string;
  inputs: (batch: number) => Tensor[];
  /** The model's only batch size, when its input shape fixes one. */
  fixedBatch?: number;
}

async function prepare(name: ModelName): Promise<Prepared> {
  if (name === 'lenet') {
    // The fixture's input is [1, 1, 32, 32]: batch 1 only.
    const model = await loadModel(CORPUS_LENET);
    const x = Float32Array.from({ length: 32 * 32 }, (_, i) => Math.sin(i * 0.37));
    return {
      model,
      label: 'lenet (ori_net.mindir)',
      inputs: () => [{ dtype: 'float32', shape: [1, 1, 32, 32], data: x }],
      fixedBatch: 1,
    };
  }
  const net = buildReferenceNet(name);
  const model = decodeMindir(net.mindir, { label: `${net.name}.mindir` });
  return {
    model,
    label: net.name,
    inputs: (batch) =>
      net.sampleInputs(batch).map((t) => ({ dtype: 'float32', shape: t.shape, data: t.data as Float32Array })),
  };
}

async function timed(session: Session, inputs: Tensor[]): Promise<number> {
  const t0 = performance.now();
  await session.run(inputs);
  return performance.now() - t0;
}

function median(list: number[]): number {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function round(v: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function fmt(v: number): string {
  return v.toFixed(2).padStart(8);
}
