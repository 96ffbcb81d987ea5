/**
 * `mindlet deploy <model-uri> [--name N] [--batch] [--dry-run]`: the CDK stack for a published model (an endpoint,
 * optionally a batch pipeline), synthesized in-process; `--dry-run` prints the resources it would create, otherwise
 * the AWS CDK CLI deploys the synthesized assembly. Runs from a mindlet checkout (it builds the function bundles and
 * the layer zip there when they are missing). `--target workers` writes a Cloudflare Worker instead
 * (deploy-workers.ts); `--target lambda` is the default.
 */

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { MindletError } from '../errors.js';
import { checkModelName } from '../store/names.js';
import { parseModelUri } from '../store/uri.js';
import { readPublishedManifest } from './published-manifest.js';

export interface DeployIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

export { DEPLOY_USAGE } from './deploy-usage.js';

export const DEPLOY_PLATFORMS = ['lambda', 'workers'] as const;
export type DeployPlatform = (typeof DEPLOY_PLATFORMS)[number];

/** The `--target` among the arguments (`--target X` or `--target=X`), checked; `lambda` when absent. */
export function deployTarget(args: readonly string[]): DeployPlatform {
  let target: string | undefined;
  args.forEach((arg, index) => {
    if (arg === '--target') target = args[index + 1];
    else if (arg.startsWith('--target=')) target = arg.slice('--target='.length);
  });
  if (target === undefined) return 'lambda';
  if (!(DEPLOY_PLATFORMS as readonly string[]).includes(target))
    throw new MindletError('INVALID_ARGUMENT', `--target must be ${DEPLOY_PLATFORMS.join(' or ')}, got "${target}"`);
  return target as DeployPlatform;
}

export async function deployCommand(args: string[], io: DeployIo): Promise<number> {
  if (deployTarget(args) === 'workers') {
    const { deployWorkersCommand } = await import('./deploy-workers.js');
    return deployWorkersCommand(args, io);
  }
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      target: { type: 'string' },
      name: { type: 'string' },
      batch: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      out: { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new MindletError('INVALID_ARGUMENT', 'deploy takes one model URI');
  const location = parseModelUri(positionals[0]!);
  if (location.kind !== 's3')
    throw new MindletError(
      'INVALID_ARGUMENT',
      `deploy takes a model in S3 (s3://bucket/models/<name>/<version>/model.mindir); publish ${location.path} first with \`mindlet publish\``,
    );
  const manifest = await readPublishedManifest(location);
  const stackName = values.name ?? `Mindlet-${checkModelName(manifest.name)}`;
  if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(stackName))
    throw new MindletError(
      'INVALID_ARGUMENT',
      `stack name ${JSON.stringify(stackName)}: letters, digits and '-', starting with a letter`,
    );

  await ensureAssets();
  const { App } = await import('aws-cdk-lib');
  const { ExampleStack } = await import('../../infra/example-stack.js');
  const outdir = values.out ? path.resolve(values.out) : mkdtempSync(path.join(os.tmpdir(), 'mindlet-deploy-'));
  const app = new App({ outdir });
  const stack = new ExampleStack(app, stackName, { model: { uri: location.uri, manifest }, batch: values.batch });
  const assembly = app.synth();
  const template = assembly.getStackByName(stack.stackName).template as { Resources: Record<string, { Type: string }> };
  const resources = Object.entries(template.Resources).map(([id, r]) => ({ type: r.Type, path: id }));

  if (values['dry-run']) {
    io.out(`stack ${stackName}: ${resources.length} resources (cloud assembly in ${outdir})`);
    for (const r of resources.sort((a, b) => a.type.localeCompare(b.type) || a.path.localeCompare(b.path)))
      io.out(`  ${r.type.padEnd(40)} ${r.path}`);
    return 0;
  }
  io.err(`deploying ${stackName} (${resources.length} resources) with the AWS CDK CLI`);
  const cdk = spawn('npx', ['cdk', 'deploy', '--app', outdir, stackName, '--require-approval', 'broadening'], {
    stdio: 'inherit',
    cwd: await packageRoot(),
  });
  return new Promise((resolve) => cdk.on('close', (code) => resolve(code ?? 1)));
}

/** The function bundles and the layer zip the stack's assets point at, built when missing. */
async function ensureAssets(): Promise<void> {
  const root = await packageRoot();
  const needFunctions = ['http', 'batch'].some(
    (name) => !existsSync(path.join(root, `dist/functions/${name}/index.mjs`)),
  );
  const { DEFAULT_LAYER_ZIP } = await import('../../infra/native-runtime-layer.js');
  const needLayer = !existsSync(DEFAULT_LAYER_ZIP);
  if (!needFunctions && !needLayer) return;
  const scripts = path.join(root, 'scripts');
  if (!existsSync(scripts))
    throw new MindletError(
      'NOT_FOUND',
      'the function bundles and layer zip are missing; run deploy from a mindlet checkout',
    );
  if (needFunctions)
    await (await import(pathToFileURL(path.join(scripts, 'build-functions.mjs')).href)).buildFunctions();
  if (needLayer) await (await import(pathToFileURL(path.join(scripts, 'build-layer.mjs')).href)).buildLayer();
}

async function packageRoot(): Promise<string> {
  const { mindletPath } = await import('../../infra/native-runtime-layer.js');
  return mindletPath('.');
}
