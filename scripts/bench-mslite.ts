/**
 * `npx tsx scripts/bench-mslite.ts [--threads N] [--runs N]`: the real MindSpore Lite files in test/fixtures/mslite on
 * the engine — load time, median latency, and MobileFaceNet's error against the output MindSpore Lite recorded.
 * MindSpore Lite itself does not run here and onnxruntime cannot read `.ms`, so there is no peer ratio.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadSession } from '../src/runtime/session.js';

const { values } = parseArgs({
  options: { threads: { type: 'string', default: '1' }, runs: { type: 'string', default: '200' } },
});
const threads = Number(values.threads);
const runs = Number(values.runs);
const fixtures = path.resolve(import.meta.dirname, '../test/fixtures/mslite');
const floats = (file: string) => new Float32Array(Uint8Array.from(readFileSync(path.join(fixtures, file))).buffer);

const models = [
  {
    file: 'mobilefacenet0924.ms',
    shape: [1, 112, 112, 3],
    input: floats('facenet_input.f32'),
    want: floats('facenet_output.f32'),
  },
  {
    file: 'lenet_tod_infer.ms',
    shape: [2, 32, 32, 1],
    input: floats('x_lenet.bin').subarray(0, 2048),
    want: undefined,
  },
];
for (const m of models) {
  const start = performance.now();
  const session = await loadSession(path.join(fixtures, m.file), { threads });
  const load = performance.now() - start;
  const x = { dtype: 'float32' as const, shape: m.shape, data: m.input };
  for (let i = 0; i < 20; i++) await session.run([x]);
  const times: number[] = [];
  let out: Float32Array | undefined;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    out = (await session.run([x]))[0]?.data as Float32Array;
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  let error = '';
  if (m.want && out) {
    let diff = 0;
    let sum = 0;
    let maxAbs = 0;
    let scale = 0;
    for (let i = 0; i < m.want.length; i++) {
      const d = Math.abs((out[i] as number) - (m.want[i] as number));
      diff += d;
      sum += Math.abs(m.want[i] as number);
      maxAbs = Math.max(maxAbs, d);
      scale = Math.max(scale, Math.abs(m.want[i] as number));
    }
    error = `  summed-relative ${(diff / sum).toExponential(2)}  max-abs ${maxAbs.toExponential(2)}  Linf-relative ${(maxAbs / scale).toExponential(2)}`;
  }
  const median = times[Math.floor(times.length / 2)] as number;
  console.log(`${m.file}  threads ${threads}  load ${load.toFixed(1)} ms  median ${median.toFixed(3)} ms${error}`);
  session.close();
}
