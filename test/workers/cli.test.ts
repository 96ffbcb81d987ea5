/**
 * The Workers commands: `mindlet deploy --target workers` writes a bundle and a wrangler.toml that describe a Worker
 * which actually starts (Miniflare runs it from exactly what the toml says), and `mindlet serve --runtime workerd`
 * (from the sources, in a child process) serves the bundled example until SIGTERM stops it cleanly.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { loadSession } from '../../src/runtime/session.js';
import { decodeNpy } from '../../src/tensor/npy.js';
import { repoRoot } from '../tools/proto-encode.js';

let work: string;

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'mindlet-workers-cli-'));
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

type TomlValue = string | number | boolean | string[];
type TomlTable = Record<string, TomlValue>;

/** The TOML the deploy command writes: tables, arrays of tables, and JSON-compatible scalar and string-array values. */
function parseToml(text: string): Record<string, TomlValue | TomlTable | TomlTable[]> {
  const root: Record<string, TomlValue | TomlTable | TomlTable[]> = {};
  let table: Record<string, TomlValue> = root as Record<string, TomlValue>;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const arrayTable = /^\[\[([a-z0-9_]+)\]\]$/.exec(line);
    const plainTable = /^\[([a-z0-9_]+)\]$/.exec(line);
    if (arrayTable) {
      const name = arrayTable[1]!;
      if (root[name] === undefined) root[name] = [];
      table = {};
      (root[name] as TomlTable[]).push(table);
    } else if (plainTable) {
      table = {};
      root[plainTable[1]!] = table;
    } else {
      const match = /^([A-Za-z_]+) = (.+)$/.exec(line);
      if (!match) throw new Error(`not TOML this test reads: ${line}`);
      table[match[1]!] = JSON.parse(match[2]!) as TomlValue;
    }
  }
  return root;
}

describe('mindlet deploy --target workers', () => {
  it('writes the bundle and a wrangler.toml that Miniflare runs as written', async () => {
    const out = path.join(work, 'deploy');
    const result = await run(
      'deploy',
      '--target',
      'workers',
      '--dry-run',
      '--models',
      'lenet, resnet@2',
      '--bucket',
      'my-models',
      '--cpu-ms',
      '50000',
      '--out',
      out,
    );
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toContain(`Worker mindlet-lenet in ${out}:`);
    expect(result.out).toMatch(/worker\.js {2}\d+ KiB \(gzip \d+ KiB\)/);
    expect(result.out).toMatch(/mindlet-engine\.wasm {2}\d+ KiB \(gzip \d+ KiB\)/);
    expect(result.out).toContain('within the Workers Free limit (3 MB)');
    expect(result.out).toMatch(
      /dry run: files written, nothing deployed; deploy with: npx wrangler deploy --config \S*wrangler\.toml$/,
    );

    const toml = parseToml(readFileSync(path.join(out, 'wrangler.toml'), 'utf8'));
    expect(toml).toMatchObject({
      name: 'mindlet-lenet',
      main: 'worker.js',
      no_bundle: true,
      rules: [{ type: 'CompiledWasm', globs: ['**/*.wasm'], fallthrough: true }],
      r2_buckets: [{ binding: 'MODELS_BUCKET', bucket_name: 'my-models' }],
      vars: { MODELS: 'lenet,resnet@2' },
      limits: { cpu_ms: 50000 },
    });
    expect(toml.compatibility_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(toml.compatibility_flags).toBeUndefined();
    expect(existsSync(path.join(out, 'mindlet-engine.wasm'))).toBe(true);

    // What the toml describes is a Worker that starts: its main, its module rule, its binding and its vars.
    const rules = toml.rules as TomlTable[];
    const miniflare = new Miniflare({
      scriptPath: path.join(out, toml.main as string),
      modules: true,
      modulesRoot: out,
      modulesRules: rules.map((rule) => ({
        type: rule.type as 'CompiledWasm',
        include: rule.globs as string[],
        fallthrough: rule.fallthrough as boolean,
      })),
      compatibilityDate: toml.compatibility_date as string,
      r2Buckets: (toml.r2_buckets as TomlTable[]).map((bucket) => bucket.binding as string),
      bindings: toml.vars as Record<string, string>,
      handleRuntimeStdio: () => {},
    });
    try {
      const live = await miniflare.dispatchFetch('http://worker/v2/health/live');
      expect(live.status).toBe(200);
      expect(await live.json()).toEqual({ live: true });
      // The bucket is empty here: both models are reported, not served.
      const ready = await miniflare.dispatchFetch('http://worker/v2/health/ready');
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { error: string }).error).toBe(
        'server is not ready: lenet/ UNAVAILABLE, resnet/2 UNAVAILABLE',
      );
    } finally {
      await miniflare.dispose();
    }
  });

  it('without --dry-run prints the wrangler command to run, and checks its options', async () => {
    const out = path.join(work, 'deploy-2');
    const result = await run('deploy', '--target=workers', '--models', 'lenet@1', '--name', 'digits', '--out', out);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/wrangler is not a mindlet dependency; deploy with: npx wrangler deploy --config \S+$/);
    const toml = parseToml(readFileSync(path.join(out, 'wrangler.toml'), 'utf8'));
    expect(toml).toMatchObject({
      name: 'digits',
      r2_buckets: [{ bucket_name: 'mindlet-models' }],
      vars: { MODELS: 'lenet@1' },
    });
    expect(toml.limits).toBeUndefined();

    expect(await run('deploy', '--target', 'workers', '--out', out)).toMatchObject({
      code: 1,
      err: 'mindlet: deploy --target workers needs --models (e.g. --models lenet or lenet@1)',
    });
    expect((await run('deploy', '--target', 'workers', '--models', 'a', '--cpu-ms', '400000')).err).toBe(
      'mindlet: --cpu-ms must be an integer from 1 to 300000 (paid plans), got "400000"',
    );
    expect((await run('deploy', '--target', 'cloud', 's3://b/k')).err).toBe(
      'mindlet: --target must be lambda or workers, got "cloud"',
    );
  });
});

describe('mindlet serve --runtime workerd', () => {
  let child: ChildProcess;
  let stdout = '';
  let stderr = '';

  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('serves the bundled example, answers like the engine, and stops on SIGTERM', async () => {
    child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(repoRoot, 'test/tools/mindlet-from-source.ts'),
        'serve',
        '--runtime',
        'workerd',
        '--port',
        '0',
      ],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stderr!.on('data', (chunk) => {
      stderr += chunk;
    });
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no banner in 60 s; stdout: ${stdout}; stderr: ${stderr}`)),
        60_000,
      );
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
      child.stdout!.on('data', (chunk) => {
        stdout += chunk;
        const found = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
        if (found && stdout.includes('lenet-mindspore-serving.json')) {
          clearTimeout(timer);
          resolve(found);
        }
      });
    });
    expect(stdout).toMatch(/^serving lenet version 1 \(workerd, R2 folder \S+\)$/m);

    const ready = await fetch(`${url}/v2/health/ready`);
    expect(ready.status).toBe(200);
    const reply = await fetch(`${url}/v2/models/lenet/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: readFileSync(path.join(repoRoot, 'examples/requests/lenet-kserve.json')),
    });
    expect(reply.status).toBe(200);
    // The request asks for the top class: "<value>:<index>:<label>", the label from the manifest in R2.
    const json = (await reply.json()) as { outputs: Array<{ datatype: string; data: string[] }> };
    expect(json.outputs[0]!.datatype).toBe('BYTES');
    const [value, index, label] = json.outputs[0]!.data[0]!.split(':');
    expect([index, label]).toEqual(['7', '7']);
    const session = await loadSession(path.join(repoRoot, 'examples/models/lenet/1/model.mindir'), { threads: 1 });
    try {
      const image = decodeNpy(new Uint8Array(readFileSync(path.join(repoRoot, 'examples/digit-7.npy'))));
      const [out] = await session.run([{ dtype: 'float32', shape: [1, 1, 32, 32], data: image.data }]);
      const logits = out!.data as Float32Array;
      // The wasm and native engines agree within 1e-5 of the largest logit (wasm-session.test.ts); 6 decimals printed.
      expect(Math.abs(Number(value) - logits[7]!)).toBeLessThanOrEqual(1e-5 * Math.max(...logits.map(Math.abs)) + 1e-6);
    } finally {
      session.close();
    }

    child.removeAllListeners('exit');
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toContain('mindlet: SIGTERM: stopping workerd');
    await expect(fetch(`${url}/v2/health/live`)).rejects.toThrow();
  }, 90_000);
});
