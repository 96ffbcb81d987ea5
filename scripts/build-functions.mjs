// Bundles each Lambda function (functions/<name>.ts) into dist/functions/<name>/index.mjs with esbuild: one ESM file
// with every dependency inlined, except the native engine, which Lambda finds in the native runtime layer through
// NODE_PATH (@mindlet/native-runtime). The MindIR and MindSpore Lite schemas are generated code (src/mindir/proto,
// src/mslite/schema.ts) and are bundled like any module, so nothing is read from disk beside the bundle.
import { readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FUNCTIONS = ['http', 'batch'];

// ESM output has no `require`, `__filename` or `__dirname`; CommonJS dependencies bundled into it expect them.
const BANNER = [
  "import { createRequire as __mindletCreateRequire } from 'node:module';",
  "import { fileURLToPath as __mindletFileURLToPath } from 'node:url';",
  "import { dirname as __mindletDirname } from 'node:path';",
  'const require = __mindletCreateRequire(import.meta.url);',
  'const __filename = __mindletFileURLToPath(import.meta.url);',
  'const __dirname = __mindletDirname(__filename);',
].join('\n');

export async function buildFunctions({ outDir = path.join(root, 'dist/functions'), names = FUNCTIONS } = {}) {
  const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const outputs = [];
  for (const name of names) {
    const target = path.join(outDir, name);
    rmSync(target, { recursive: true, force: true });
    const outfile = path.join(target, 'index.mjs');
    await build({
      entryPoints: [path.join(root, 'functions', `${name}.ts`)],
      outfile,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      // Minified for a smaller, faster-to-parse cold start; names kept so error and class names survive.
      minify: true,
      keepNames: true,
      sourcemap: true,
      sourcesContent: false,
      external: ['@mindlet/native-runtime', '*.node'],
      // Prefer packages' ESM builds (Powertools, the AWS SDK) over their CommonJS ones.
      mainFields: ['module', 'main'],
      banner: { js: BANNER },
      define: { 'process.env.MINDLET_PACKAGE_VERSION': JSON.stringify(version) },
      legalComments: 'linked',
      logLevel: 'warning',
    });
    outputs.push(outfile);
  }
  return outputs;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--out');
  const outDir = at > 0 ? path.resolve(process.argv[at + 1] ?? '') : undefined;
  for (const file of await buildFunctions(outDir ? { outDir } : {})) {
    const kib = (f) => `${(statSync(f).size / 1024).toFixed(0)} KiB`;
    console.log(`bundle: ${path.relative(root, file)} ${kib(file)} (source map ${kib(`${file}.map`)})`);
  }
}
