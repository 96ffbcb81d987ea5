/**
 * The native runtime layer artifact as Lambda gets it: the zip `npm run build:layer` writes is unpacked into an
 * empty folder, and a bundled program (the engine's TypeScript side, the addon left external) runs a model in a
 * fresh process whose only module path is that folder's nodejs/node_modules. `ldd` shows the addon asks the host
 * for nothing beyond glibc and libgcc_s (libstdc++ is linked in).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAMBDA_NODE_RUNTIME } from '../../infra/native-runtime-layer.js';
import { readZip } from '../../src/tensor/zip.js';

const root = path.resolve(import.meta.dirname, '../..');
/** What Lambda's Amazon Linux 2023 Node.js runtime provides: glibc, libm, libgcc_s, the loader and the vDSO. */
const HOST_LIBRARIES =
  /^(linux-vdso\.so\.1|libc\.so\.6|libm\.so\.6|libgcc_s\.so\.1|libpthread\.so\.0|libdl\.so\.2|\/lib64\/ld-linux-x86-64\.so\.2|ld-linux-x86-64\.so\.2)$/;

let work: string;
let layerRoot: string;

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'mindlet-layer-zip-'));
  const zipFile = path.join(work, 'layer-x86_64.zip');
  execFileSync(
    process.execPath,
    [path.join(root, 'scripts/build-layer.mjs'), '--out', path.join(work, 'tree'), '--zip', zipFile],
    { cwd: root, stdio: 'pipe' },
  );
  // Unpack into an empty folder, as Lambda unpacks a layer into /opt.
  layerRoot = path.join(work, 'opt');
  for (const entry of readZip(readFileSync(zipFile), zipFile)) {
    const target = path.join(layerRoot, entry.name);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, entry.data);
  }
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the layer zip', () => {
  it('is tested on the Node.js major the functions are deployed on', () => {
    // npm test runs on the project's Node (the `node` devDependency); the functions and the layer declare this runtime.
    expect(`nodejs${process.versions.node.split('.')[0]}.x`).toBe(LAMBDA_NODE_RUNTIME.name);
  });

  it('holds the addon as the package Node on Lambda resolves from /opt/nodejs/node_modules', () => {
    const names = readZip(readFileSync(path.join(work, 'layer-x86_64.zip'))).map((entry) => entry.name);
    expect(names.sort()).toEqual([
      'nodejs/node_modules/@mindlet/native-runtime/mindlet_native.node',
      'nodejs/node_modules/@mindlet/native-runtime/package.json',
    ]);
  });

  it('runs a model with only the unpacked layer on the module path', async () => {
    const program = path.join(work, 'program');
    mkdirSync(program);
    const entry = path.join(work, 'entry.ts');
    writeFileSync(
      entry,
      [
        `import { loadSession } from ${JSON.stringify(path.join(root, 'src/runtime/session.ts'))};`,
        `import { decodeNpy } from ${JSON.stringify(path.join(root, 'src/tensor/npy.ts'))};`,
        "import { readFileSync } from 'node:fs';",
        'const session = await loadSession(process.argv[2], { threads: 1 });',
        'const [out] = await session.run([decodeNpy(readFileSync(process.argv[3]))]);',
        'console.log(JSON.stringify({ shape: out.shape, data: Array.from(out.data) }));',
        'session.close();',
      ].join('\n'),
    );
    await build({
      entryPoints: [entry],
      outfile: path.join(program, 'index.mjs'),
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      external: ['@mindlet/native-runtime'],
      banner: {
        js: "import { createRequire as __layerTestRequire } from 'node:module'; const require = __layerTestRequire(import.meta.url);",
      },
      logLevel: 'error',
    });
    const model = path.join(root, 'examples/models/lenet/1/model.mindir');
    const input = path.join(root, 'examples/digit-7.npy');
    const env = { PATH: process.env.PATH ?? '', NODE_PATH: path.join(layerRoot, 'nodejs/node_modules') };
    // The program's folder has no node_modules and none above it in the temp dir: the layer is the only way in.
    const stdout = execFileSync(process.execPath, [path.join(program, 'index.mjs'), model, input], {
      cwd: program,
      env,
      encoding: 'utf8',
    });
    const result = JSON.parse(stdout) as { shape: number[]; data: number[] };
    expect(result.shape).toEqual([1, 10]);
    expect(result.data.every(Number.isFinite)).toBe(true);

    // Without the layer the same program cannot find the engine.
    expect(() =>
      execFileSync(process.execPath, [path.join(program, 'index.mjs'), model, input], {
        cwd: program,
        env: { PATH: env.PATH },
        stdio: 'pipe',
      }),
    ).toThrow(/native engine addon was not found/);
  });

  it('needs nothing from the host beyond glibc and libgcc_s', () => {
    const addon = path.join(layerRoot, 'nodejs/node_modules/@mindlet/native-runtime/mindlet_native.node');
    const needed = execFileSync('ldd', [addon], { encoding: 'utf8' })
      .split('\n')
      .map((line) => line.trim().split(/\s+/)[0] ?? '')
      .filter(Boolean);
    expect(needed.length).toBeGreaterThan(0);
    expect(needed.filter((name) => !HOST_LIBRARIES.test(name))).toEqual([]);
    expect(execFileSync('ldd', [addon], { encoding: 'utf8' })).not.toMatch(/not found/);
  });
});
