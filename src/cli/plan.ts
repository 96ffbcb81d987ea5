/**
 * `mindlet plan <model>`: where a model should run and why, with every target's estimates. A local .mindir/.ms file
 * is loaded and profiled (peak activations from the graph); an s3:// or file:// URI names a published model, judged
 * from its mindlet.json alone (nothing else is downloaded), whose placement.target pins as it does at deploy time.
 */
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { MindletError } from '../errors.js';
import { loadModel } from '../model/load.js';
import { PLACEMENT_ASSUMPTIONS, placeModel, placementOfManifest, profileFromModel } from '../placement/policy.js';
import {
  DEPLOY_TARGETS,
  type DeployTarget,
  type PlacementDecision,
  type PlacementOptions,
} from '../placement/types.js';
import { parseModelUri } from '../store/uri.js';
import { formatBytes } from './format.js';
import { readPublishedManifest } from './published-manifest.js';

export const PLAN_USAGE = `  plan <model> [--json] [--target TARGET] [--allow-edge] [--batch N] [--key HEX]
       [--ascend-vcpus N] [--ascend-memory-mb N]
                                        where a model should run and why: ${DEPLOY_TARGETS.join(', ')},
                                        with each target's memory, latency, cold start and cost, and the
                                        engine each estimate assumes (the one that runs there today)
                                        <model>: a .mindir/.ms file, or the s3:// or file:// URI of a
                                        published model (read from its mindlet.json alone)
                                        --target: pin a target (overrides the manifest's placement)
                                        --allow-edge: let the policy choose edge-function
                                        --batch: size for N items per inference (default: as declared)
                                        --ascend-vcpus, --ascend-memory-mb: the vCPUs and host memory (MiB)
                                        one task gets on your Ascend server, which the CPU engine runs on
                                        (default: ${PLACEMENT_ASSUMPTIONS.ascendHostVcpus} and ${PLACEMENT_ASSUMPTIONS.ascendHostMemoryMb}, assumed)
                                        --json: print {target, pinned, reasons, estimates}
                                        --key: decryption key of an encrypted model file, as hex`;

export interface PlanIo {
  out(line: string): void;
  err(line: string): void;
}

/** Runs `mindlet plan`; returns the exit code (user errors are thrown as MindletError). */
export async function planCommand(args: string[], io: PlanIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      target: { type: 'string' },
      'allow-edge': { type: 'boolean', default: false },
      batch: { type: 'string' },
      key: { type: 'string' },
      'ascend-vcpus': { type: 'string' },
      'ascend-memory-mb': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(`usage:\n${PLAN_USAGE}`);
    return 0;
  }
  if (positionals.length !== 1)
    throw new MindletError(
      'INVALID_ARGUMENT',
      'plan takes one model: a .mindir/.ms file, or the s3:// or file:// URI of a published model',
    );
  const options: PlacementOptions = { allowEdge: values['allow-edge'] ?? false };
  if (values.target !== undefined) {
    if (!(DEPLOY_TARGETS as readonly string[]).includes(values.target))
      throw new MindletError(
        'INVALID_ARGUMENT',
        `--target must be one of ${DEPLOY_TARGETS.join(', ')}, got "${values.target.slice(0, 40)}"`,
      );
    options.pin = values.target as DeployTarget;
  }
  if (values.batch !== undefined) {
    if (!/^[1-9]\d{0,5}$/.test(values.batch))
      throw new MindletError(
        'INVALID_ARGUMENT',
        `--batch must be an integer from 1 to 999999, got "${values.batch.slice(0, 40)}"`,
      );
    options.batch = Number(values.batch);
  }
  if (values['ascend-vcpus'] !== undefined)
    options.ascendHostVcpus = positiveInteger('--ascend-vcpus', values['ascend-vcpus'], 1024);
  if (values['ascend-memory-mb'] !== undefined)
    options.ascendHostMemoryMb = positiveInteger('--ascend-memory-mb', values['ascend-memory-mb'], 16 * 2 ** 20);

  const source = positionals[0]!;
  const { label, decision } = /^(s3|file):\/\//i.test(source)
    ? await planPublished(source, values.key, options)
    : await planFile(source, values.key ?? process.env.MINDLET_MODEL_KEY, options);
  if (values.json) {
    const { target, pinned, reasons, estimates } = decision;
    io.out(JSON.stringify({ target, pinned, reasons, estimates }, null, 2));
    return 0;
  }
  printDecision(label, decision, options.batch, io.out);
  return 0;
}

async function planFile(
  file: string,
  key: string | undefined,
  options: PlacementOptions,
): Promise<{ label: string; decision: PlacementDecision }> {
  const model = await loadModel(file, key ? { key } : {});
  const { size } = await stat(file);
  return { label: file, decision: placeModel({ ...profileFromModel(model), fileBytes: size }, options) };
}

async function planPublished(
  uri: string,
  key: string | undefined,
  options: PlacementOptions,
): Promise<{ label: string; decision: PlacementDecision }> {
  if (key !== undefined)
    throw new MindletError(
      'INVALID_ARGUMENT',
      '--key applies to a model file; a published model is planned from its manifest',
    );
  const location = parseModelUri(uri);
  const manifest = await readPublishedManifest(location, ', or plan the model file itself');
  return {
    label: `${manifest.name} version ${manifest.version} (${location.uri})`,
    decision: placementOfManifest(manifest, options),
  };
}

function printDecision(
  label: string,
  decision: PlacementDecision,
  batch: number | undefined,
  out: (line: string) => void,
): void {
  out(`${label}`);
  out(`  placement  ${decision.target} (${decision.pinned ? 'pinned' : 'chosen by the policy'})`);
  out('  why');
  for (const reason of decision.reasons) out(`    - ${reason}`);
  out(`  estimates${batch === undefined ? ' (at the declared batch)' : ` (at batch ${batch})`}`);
  const rows = [
    ['target', 'engine', 'fits', 'memory', 'latency', 'cold start', '$ per 1M'],
    ...DEPLOY_TARGETS.map((target) => {
      const e = decision.estimates[target];
      return [
        target,
        e.engine,
        e.fits ? 'yes' : 'no',
        formatBytes(Math.round(e.memoryMb * 2 ** 20)),
        duration(e.latencyMs),
        duration(e.coldStartMs),
        dollars(e.costPerMillionUsd),
      ];
    }),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const row of rows)
    out(
      `    ${row.map((cell, column) => (column < 2 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ')}`,
    );
  // Every figure above is for the engine that runs on the target today: name it with its hardware.
  out('  engines');
  for (const target of DEPLOY_TARGETS) out(`    - ${target}: ${decision.estimates[target].engineNote}`);
  const broken = DEPLOY_TARGETS.filter((target) => decision.estimates[target].limits.length > 0);
  if (broken.length === 0) return;
  out('  limits');
  for (const target of broken) for (const limit of decision.estimates[target].limits) out(`    - ${target}: ${limit}`);
}

function positiveInteger(flag: string, value: string, max: number): number {
  const parsed = /^[1-9]\d{0,9}$/.test(value) ? Number(value) : Number.NaN;
  if (!(parsed <= max))
    throw new MindletError(
      'INVALID_ARGUMENT',
      `${flag} must be an integer from 1 to ${max}, got "${value.slice(0, 40)}"`,
    );
  return parsed;
}

function duration(ms: number): string {
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 3_600_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

function dollars(value: number): string {
  return value >= 0.01 ? `$${value.toFixed(2)}` : `$${value.toPrecision(2)}`;
}
