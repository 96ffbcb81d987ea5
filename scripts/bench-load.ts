/**
 * MindIR load benchmark: `npm run bench` (or `tsx scripts/bench-load.ts --size-mb 500`).
 * Writes a ~500 MB model with the test writer, then in fresh Node processes (clean RSS, equally warm page cache)
 * times (a) reading the file into memory and (b) loadMindir on it (decode, validate, shape inference), and reports
 * load/read time and peak RSS / file size. Targets: load < 2x read, peak RSS < 1.3x file size.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeLargeMlp } from '../test/tools/mindir-writer.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: { 'size-mb': { type: 'string', default: '500' }, runs: { type: 'string', default: '3' } },
});
const sizeMb = Number(values['size-mb']);
const runs = Number(values.runs);
const dist = path.join(root, 'dist', 'src', 'mindir', 'index.js');
if (!existsSync(dist)) {
  console.error('bench-load: dist/ is missing; run npm run build first');
  process.exit(1);
}

const dir = path.join(os.tmpdir(), 'mindlet-bench');
mkdirSync(dir, { recursive: true });
const file = path.join(dir, `mlp-${sizeMb}mb.mindir`);
if (!existsSync(file)) {
  const started = performance.now();
  const { layers } = writeLargeMlp(file, sizeMb * 1e6);
  console.log(`wrote ${file}: ${layers} layers in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
const size = statSync(file).size;

const readScript = `
const { readFileSync } = await import('node:fs');
const t = performance.now(); const b = readFileSync(process.argv[1]); const ms = performance.now() - t;
console.log(JSON.stringify({ ms, rss: process.resourceUsage().maxRSS * 1024, n: b.length }));`;
const loadScript = `
const { loadMindir } = await import(${JSON.stringify(dist)});
const t = performance.now(); const m = await loadMindir(process.argv[1]); const ms = performance.now() - t;
console.log(JSON.stringify({ ms, rss: process.resourceUsage().maxRSS * 1024, n: m.graph.parameters.size }));`;

function measure(script: string): { ms: number; rss: number } {
  const results: Array<{ ms: number; rss: number }> = [];
  for (let i = 0; i < runs + 1; i++) {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, file], { encoding: 'utf8' });
    if (i > 0) results.push(JSON.parse(out)); // the first run warms the page cache
  }
  return { ms: Math.min(...results.map((r) => r.ms)), rss: Math.max(...results.map((r) => r.rss)) };
}

const read = measure(readScript);
const load = measure(loadScript);
const mb = (b: number) => `${(b / 1e6).toFixed(0)} MB`;
const timeRatio = load.ms / read.ms;
const rssRatio = load.rss / size;
console.log(
  `\nMindIR load, ${mb(size)} file, best of ${runs} fresh processes (Node ${process.version}, ${os.cpus()[0]?.model})`,
);
console.log('| step | time | peak RSS |');
console.log('|---|---|---|');
console.log(`| read file (readFileSync) | ${read.ms.toFixed(0)} ms | ${mb(read.rss)} |`);
console.log(`| loadMindir (read + decode + graph + shapes) | ${load.ms.toFixed(0)} ms | ${mb(load.rss)} |`);
console.log(`\nload / read time: ${timeRatio.toFixed(2)}x (target < 2x)`);
console.log(`peak RSS / file size: ${rssRatio.toFixed(2)}x (target < 1.3x)`);
if (timeRatio >= 2 || rssRatio >= 1.3) {
  console.error('bench-load: a target was missed');
  process.exit(1);
}
