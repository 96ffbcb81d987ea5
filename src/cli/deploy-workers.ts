/**
 * `mindlet deploy --target workers`: the Cloudflare Workers function, ready for wrangler. Builds the Worker bundle
 * (scripts/build-worker.mjs: worker.js and the WebAssembly engine beside it) into --out and writes a wrangler.toml
 * there: the R2 binding the Worker reads models from, the models to serve, module rules for the engine and, when
 * asked, a CPU limit. wrangler is not a mindlet dependency, so nothing is deployed here: the command prints the
 * `npx wrangler deploy` line to run (with --dry-run it says it only wrote files).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MindletError } from '../errors.js';
import { EDGE_DEFAULT_MAX_BODY_BYTES, edgeBodyLimit, WORKERS_LIMITS } from '../placement/edge-limits.js';
import { parseModelList } from '../repository/r2-repository.js';
import { loadWorkerBuild } from './worker-build.js';

export interface DeployWorkersIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** The Workers runtime date the bundle is written and tested against (Miniflare's workerd 1.20260426). */
export const WORKERS_COMPATIBILITY_DATE = '2026-04-26';
/** The R2 binding name functions/cloudflare-worker.ts reads. */
export const MODELS_BUCKET_BINDING = 'MODELS_BUCKET';

export interface WranglerConfig {
  name: string;
  bucket: string;
  models: string;
  maxBodyBytes?: number;
  cpuMs?: number;
}

/** wrangler.toml for a bundle already built (no_bundle: wrangler uploads worker.js and the .wasm as they are). */
export function wranglerToml(config: WranglerConfig, version: string): string {
  const lines = [
    `# Written by mindlet ${version} (mindlet deploy --target workers). Deploy: npx wrangler deploy --config wrangler.toml`,
    `name = ${tomlString(config.name)}`,
    `main = "worker.js"`,
    `compatibility_date = ${tomlString(WORKERS_COMPATIBILITY_DATE)}`,
    '# No compatibility_flags: the bundle imports no node:* module, so it needs no nodejs_compat.',
    '# Already bundled by mindlet: upload worker.js as is, with the engine beside it as a compiled module.',
    'no_bundle = true',
    '',
    '[[rules]]',
    'type = "CompiledWasm"',
    'globs = ["**/*.wasm"]',
    'fallthrough = true',
    '',
    '# Models are read from models/<name>/<version>/{mindlet.json, model.mindir} in this bucket.',
    '[[r2_buckets]]',
    `binding = ${tomlString(MODELS_BUCKET_BINDING)}`,
    `bucket_name = ${tomlString(config.bucket)}`,
    '',
    '[vars]',
    `MODELS = ${tomlString(config.models)}`,
  ];
  if (config.maxBodyBytes !== undefined) lines.push(`MAX_BODY_BYTES = ${tomlString(String(config.maxBodyBytes))}`);
  if (config.cpuMs !== undefined) {
    lines.push('', '# Workers paid plans: CPU milliseconds per request (default 30000, at most 300000).');
    lines.push('[limits]', `cpu_ms = ${config.cpuMs}`);
  }
  return `${lines.join('\n')}\n`;
}

export async function deployWorkersCommand(args: string[], io: DeployWorkersIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      target: { type: 'string' },
      name: { type: 'string' },
      bucket: { type: 'string', default: 'mindlet-models' },
      models: { type: 'string' },
      out: { type: 'string' },
      'max-body-bytes': { type: 'string' },
      'cpu-ms': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
    },
  });
  if (positionals.length)
    throw new MindletError(
      'INVALID_ARGUMENT',
      'deploy --target workers takes no model URI: the Worker reads models from its R2 bucket; name them with --models',
    );
  if (values.models === undefined)
    throw new MindletError(
      'INVALID_ARGUMENT',
      'deploy --target workers needs --models (e.g. --models lenet or lenet@1)',
    );
  const specs = parseModelList(values.models, '--models');
  const models = specs.map((s) => (s.version === undefined ? s.name : `${s.name}@${s.version}`)).join(',');
  const name = values.name ?? `mindlet-${specs[0]!.name.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`.slice(0, 63);
  if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(name))
    throw new MindletError(
      'INVALID_ARGUMENT',
      `Worker name ${JSON.stringify(name)}: 1-63 lowercase letters, digits and '-', not starting or ending with '-'`,
    );
  const bucket = values.bucket!;
  if (!/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucket))
    throw new MindletError(
      'INVALID_ARGUMENT',
      `R2 bucket name ${JSON.stringify(bucket)}: 3-63 lowercase letters, digits and '-', not starting or ending with '-'`,
    );
  const maxBodyBytes = values['max-body-bytes'] === undefined ? undefined : edgeBodyLimit(values['max-body-bytes']);
  let cpuMs: number | undefined;
  if (values['cpu-ms'] !== undefined) {
    cpuMs = Number(values['cpu-ms']);
    if (!/^\d+$/.test(values['cpu-ms']) || cpuMs < 1 || cpuMs > WORKERS_LIMITS.cpuMsMax)
      throw new MindletError(
        'INVALID_ARGUMENT',
        `--cpu-ms must be an integer from 1 to ${WORKERS_LIMITS.cpuMsMax} (paid plans), got "${values['cpu-ms']}"`,
      );
  }

  const outDir = values.out ? path.resolve(values.out) : mkdtempSync(path.join(os.tmpdir(), 'mindlet-worker-'));
  const { buildWorker, describeBuild, version } = await loadWorkerBuild();
  const built = await buildWorker({ outDir });
  const tomlFile = path.join(outDir, 'wrangler.toml');
  writeFileSync(
    tomlFile,
    wranglerToml(
      {
        name,
        bucket,
        models,
        ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }),
        ...(cpuMs === undefined ? {} : { cpuMs }),
      },
      version,
    ),
  );
  io.out(`Worker ${name} in ${outDir}:`);
  io.out(`  ${tomlFile}`);
  for (const line of describeBuild(built, outDir)) io.out(line);
  io.out(
    `bindings: R2 bucket ${bucket} as ${MODELS_BUCKET_BINDING}; MODELS=${models}; request bodies up to ${maxBodyBytes ?? EDGE_DEFAULT_MAX_BODY_BYTES} bytes` +
      (cpuMs === undefined ? '' : `; cpu_ms=${cpuMs}`),
  );
  io.out('models go in the bucket as models/<name>/<version>/mindlet.json and the model file it names, e.g.:');
  io.out(
    `  npx wrangler r2 object put ${bucket}/models/${specs[0]!.name}/<version>/mindlet.json --file mindlet.json --remote`,
  );
  const deploy = `npx wrangler deploy --config ${path.relative(process.cwd(), tomlFile) || tomlFile}`;
  if (values['dry-run']) io.out(`dry run: files written, nothing deployed; deploy with: ${deploy}`);
  else io.out(`wrangler is not a mindlet dependency; deploy with: ${deploy}`);
  return 0;
}

/** A TOML basic string: JSON's escapes are a subset TOML accepts for the characters names and lists contain. */
function tomlString(value: string): string {
  return JSON.stringify(value);
}
