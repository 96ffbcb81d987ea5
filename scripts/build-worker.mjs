// Bundles the Cloudflare Workers function (functions/cloudflare-worker.ts) with esbuild into dist/worker/worker.js, beside a
// copy of the WebAssembly engine (dist/worker/mindlet-engine.wasm), which the bundle imports by that name: Workers
// (wrangler's default rule for *.wasm, and Miniflare) hand it over as a compiled WebAssembly.Module. The platform is
// esbuild's `neutral` with the workerd/worker export conditions and no Node built-ins, so a `node:*` import anywhere
// on the serving path fails the build instead of needing the nodejs_compat flag. Prints raw and gzip sizes against
// the Workers script limits (3 MB free, 10 MB paid, after compression).
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The engine the bundle imports: the committed build (build-wasm.sh). */
export const ENGINE_WASM = path.join(root, 'layers/native-runtime/prebuilt/mindlet-engine.wasm');
export const WORKER_SCRIPT = 'worker.js';
export const WORKER_WASM = 'mindlet-engine.wasm';
/** Worker size limits after compression (https://developers.cloudflare.com/workers/platform/limits/). */
export const SCRIPT_LIMITS = { free: 3 * 1000 * 1000, paid: 10 * 1000 * 1000 };

/** Every .wasm import becomes the engine file beside the bundle, left for the runtime to load as a module. */
const wasmBesideBundle = {
  name: 'wasm-beside-bundle',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /\.wasm$/ }, () => ({ path: `./${WORKER_WASM}`, external: true }));
  },
};

/**
 * Builds the bundle into `outDir` (default dist/worker/) and returns what it wrote with raw and gzip sizes. Only
 * the two output files are replaced, so a wrangler.toml already in `outDir` stays.
 */
export async function buildWorker({ outDir = path.join(root, 'dist/worker'), wasm = ENGINE_WASM } = {}) {
  if (!existsSync(wasm))
    throw new Error(
      `the WebAssembly engine ${path.relative(root, wasm)} is missing (it is committed; rebuild it with \`npm run build:wasm\`)`,
    );
  const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  mkdirSync(outDir, { recursive: true });
  const script = path.join(outDir, WORKER_SCRIPT);
  const engine = path.join(outDir, WORKER_WASM);
  rmSync(script, { force: true });
  rmSync(`${script}.map`, { force: true });
  const result = await build({
    entryPoints: [path.join(root, 'functions/cloudflare-worker.ts')],
    outfile: script,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    target: 'es2022',
    minify: true,
    // Class names survive minification, so error names (MindletError) read the same in logs.
    keepNames: true,
    sourcemap: true,
    sourcesContent: false,
    define: { 'process.env.MINDLET_PACKAGE_VERSION': JSON.stringify(version) },
    plugins: [wasmBesideBundle],
    metafile: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const externals = Object.values(result.metafile.outputs)
    .flatMap((output) => output.imports)
    .filter((imported) => imported.external && imported.path !== `./${WORKER_WASM}`)
    .map((imported) => imported.path);
  if (externals.length)
    throw new Error(`the Worker bundle imports modules Workers do not have: ${[...new Set(externals)].join(', ')}`);
  copyFileSync(wasm, engine);
  const sizes = (file) => {
    const bytes = readFileSync(file);
    return { file, bytes: bytes.byteLength, gzipBytes: gzipSync(bytes, { level: 9 }).byteLength };
  };
  const files = [sizes(script), sizes(engine)];
  const gzipBytes = files.reduce((sum, f) => sum + f.gzipBytes, 0);
  return {
    script,
    wasm: engine,
    files,
    gzipBytes,
    fitsFree: gzipBytes <= SCRIPT_LIMITS.free,
    fitsPaid: gzipBytes <= SCRIPT_LIMITS.paid,
    inputs: Object.keys(result.metafile.inputs),
  };
}

/** The size lines `build:worker` and `mindlet deploy --target workers` print. */
export function describeBuild(built, from = process.cwd()) {
  const kib = (bytes) => `${(bytes / 1024).toFixed(0)} KiB`;
  const lines = built.files.map(
    (f) => `  ${path.relative(from, f.file) || f.file}  ${kib(f.bytes)} (gzip ${kib(f.gzipBytes)})`,
  );
  const verdict = built.fitsFree
    ? 'within the Workers Free limit (3 MB)'
    : built.fitsPaid
      ? 'over the Workers Free limit (3 MB), within the paid limit (10 MB)'
      : 'over the Workers paid limit (10 MB): it will not deploy';
  lines.push(`  total gzip ${kib(built.gzipBytes)}: ${verdict}`);
  return lines;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--out');
  const outDir = at > 0 ? path.resolve(process.argv[at + 1] ?? '') : undefined;
  const built = await buildWorker(outDir ? { outDir } : {});
  console.log('Cloudflare Worker bundle:');
  for (const line of describeBuild(built)) console.log(line);
}
