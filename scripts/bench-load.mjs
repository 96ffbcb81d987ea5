#!/usr/bin/env node
/**
 * MindIR load benchmark: `node scripts/bench-load.mjs [--size-mb 500] [--external] [--runs 3]`.
 * Writes an MLP of 4096x4096 float32 MatMul layers (64 MiB each, Load'ed parameters, MindSpore 2.x layout; the
 * weights total at least --size-mb MiB) with test/tools/mindir-writer.ts into os.tmpdir()/mindlet-bench, then in
 * fresh Node processes (so peak RSS is the step's own) times (a) reading the model's files with readFileSync and
 * (b) loadMindir(path) from dist/ (read + decode + graph + shapes). One warm-up of each, then --runs rounds; the
 * best time and the highest peak RSS count. Fails when load/read time >= 2 or load peak RSS / file size >= 1.3.
 * The written files are removed afterwards unless --keep.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const TIME_RATIO_LIMIT = 2;
const RSS_RATIO_LIMIT = 1.3;
const MiB = 1024 * 1024;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    'size-mb': { type: 'string', default: '500' },
    external: { type: 'boolean', default: false },
    runs: { type: 'string', default: '3' },
    width: { type: 'string', default: '4096' },
    keep: { type: 'boolean', default: false },
  },
});
const sizeMb = Number(values['size-mb']);
const runs = Number(values.runs);
const width = Number(values.width);
if (!(sizeMb > 0) || !(runs >= 1) || !(width >= 1)) {
  console.error('bench-load: --size-mb, --runs and --width must be positive numbers');
  process.exit(2);
}

const dist = path.join(root, 'dist', 'src', 'mindir', 'index.js');
if (!existsSync(dist)) {
  console.error(`bench-load: ${path.relative(root, dist)} is missing; run npm run build first`);
  process.exit(1);
}

const dir = path.join(os.tmpdir(), 'mindlet-bench');
mkdirSync(dir, { recursive: true });
const prefix = `mlp-${sizeMb}mb`;
const file = path.join(dir, values.external ? `${prefix}_graph.mindir` : `${prefix}.mindir`);
rmSync(path.join(dir, `${prefix}_variables`), { recursive: true, force: true });

// Linux carries a parent's RSS into a forked child's maxRSS, so this process stays small: the writer (TypeScript
// test tooling, loaded through tsx, a devDependency) runs in a child of its own.
const writeScript = `
const { tsImport } = await import('tsx/esm/api');
const writer = await tsImport(${JSON.stringify(pathToFileURL(path.join(root, 'test', 'tools', 'mindir-writer.ts')).href)}, import.meta.url);
const [file, bytes, width, external] = JSON.parse(process.argv[1]);
const t = performance.now();
const result = writer.writeLargeMlp(file, bytes, width, { external });
const seconds = (performance.now() - t) / 1000;
console.log(JSON.stringify({ ...result, seconds, rss: process.resourceUsage().maxRSS * 1024 }));`;
const written = runNode(writeScript, [file, sizeMb * MiB, width, values.external]);
const files = written.files;
const size = files.reduce((sum, f) => sum + statSync(f).size, 0);
console.log(
  `wrote ${files.map((f) => path.relative(dir, f)).join(' + ')} in ${dir}: ${written.layers} layers, ` +
    `${mb(size)} in ${written.seconds.toFixed(1)} s (writer peak RSS ${mb(written.rss)})`,
);

// Each child prints {ms, rss}: rss is process.resourceUsage().maxRSS (KiB) in bytes.
const idleScript = `console.log(JSON.stringify({ ms: 0, rss: process.resourceUsage().maxRSS * 1024 }));`;
const readScript = `
import { readFileSync } from 'node:fs';
const files = JSON.parse(process.argv[1]);
const t = performance.now();
let n = 0;
for (const f of files) n += readFileSync(f).byteLength;
const ms = performance.now() - t;
console.log(JSON.stringify({ ms, rss: process.resourceUsage().maxRSS * 1024, n }));`;
const loadScript = `
const { loadMindir } = await import(${JSON.stringify(pathToFileURL(dist).href)});
const files = JSON.parse(process.argv[1]);
const t = performance.now();
const model = await loadMindir(files[0]);
const ms = performance.now() - t;
console.log(JSON.stringify({ ms, rss: process.resourceUsage().maxRSS * 1024, n: model.graph.parameters.size }));`;

function runChild(script) {
  return runNode(script, files);
}

/** Runs `script` as an ES module in a fresh Node process with `args` as JSON in argv[1]; parses its last line. */
function runNode(script, args) {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(args)], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split('\n').at(-1));
}

// Warm-ups first so the page cache is equally warm for both; then alternate so drift hits both alike.
const idle = runChild(idleScript);
const firstRead = runChild(readScript);
const firstLoad = runChild(loadScript);
if (firstRead.n !== size) throw new Error(`read ${firstRead.n} bytes, expected ${size}`);
if (firstLoad.n !== written.layers) throw new Error(`loaded ${firstLoad.n} parameters, expected ${written.layers}`);
const reads = [];
const loads = [];
for (let i = 0; i < runs; i++) {
  reads.push(runChild(readScript));
  loads.push(runChild(loadScript));
}
const best = (results) => ({
  ms: Math.min(...results.map((r) => r.ms)),
  rss: Math.max(...results.map((r) => r.rss)),
});
const read = best(reads);
const load = best(loads);
const timeRatio = load.ms / read.ms;
const rssRatio = load.rss / size;

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `\nMindIR load: ${mb(size)} ${values.external ? '(graph + external data file)' : '(one file)'}, ` +
    `best of ${runs} fresh processes after a warm-up; Node ${process.version}, ${cpu}, ${os.cpus().length} CPUs\n`,
);
console.log('| step | time | peak RSS | peak RSS / file size |');
console.log('| --- | --- | --- | --- |');
console.log(`| empty Node process | - | ${mb(idle.rss)} | - |`);
console.log(
  `| read files (readFileSync) | ${read.ms.toFixed(0)} ms | ${mb(read.rss)} | ${(read.rss / size).toFixed(2)}x |`,
);
console.log(`| loadMindir(path) | ${load.ms.toFixed(0)} ms | ${mb(load.rss)} | ${rssRatio.toFixed(2)}x |`);
console.log(`\nload / read time: ${timeRatio.toFixed(2)}x (limit < ${TIME_RATIO_LIMIT}x)`);
console.log(`load peak RSS / file size: ${rssRatio.toFixed(2)}x (limit < ${RSS_RATIO_LIMIT}x)`);

if (!values.keep) {
  rmSync(file, { force: true });
  rmSync(path.join(dir, `${prefix}_variables`), { recursive: true, force: true });
}

const failures = [];
if (timeRatio >= TIME_RATIO_LIMIT) {
  failures.push(`loading takes ${timeRatio.toFixed(2)}x the time of reading the file (limit ${TIME_RATIO_LIMIT}x)`);
}
if (rssRatio >= RSS_RATIO_LIMIT) {
  failures.push(`loading peaks at ${rssRatio.toFixed(2)}x the file size in RSS (limit ${RSS_RATIO_LIMIT}x)`);
}
if (failures.length) {
  for (const failure of failures) console.error(`bench-load: FAIL: ${failure}`);
  process.exit(1);
}
console.log('bench-load: OK');

function mb(bytes) {
  return `${(bytes / MiB).toFixed(0)} MiB`;
}
