/** `mindlet inspect`: what a model or checkpoint file holds, for people (default) or tools (--json). */

import { profileModel } from '../graph/profile.js';
import type { Model, TensorInfo } from '../graph/types.js';
import { readCheckpoint } from '../mindir/checkpoint.js';
import { loadModel } from '../model/load.js';
import { findUnsupportedOps } from '../runtime/session.js';
import { formatBytes, formatCount, formatShape } from './format.js';

export interface InspectOptions {
  json: boolean;
  key?: string;
}

export async function inspectCommand(
  file: string,
  options: InspectOptions,
  out: (line: string) => void,
): Promise<void> {
  if (file.toLowerCase().endsWith('.ckpt')) return inspectCheckpoint(file, options, out);
  const model = await loadModel(file, options.key === undefined ? {} : { key: options.key });
  const report = modelReport(model);
  if (options.json) {
    out(JSON.stringify(report, null, 2));
    return;
  }
  out(`${file}`);
  if (report.mslite) {
    out(
      `  format     MindSpore Lite .ms, ${report.mslite.generation === 'current' ? 'current schema (MSL2)' : 'original schema (v0, Lite 1.0/1.1)'}, converted from ${report.mslite.sourceFramework}`,
    );
  } else {
    out(
      `  format     MindIR ir_version ${report.irVersion} (mind_ir_version ${report.mindIrVersion})${report.encrypted ? ', encrypted' : ''}`,
    );
  }
  out(`  producer   ${report.producer} ${report.producerVersion}`.trimEnd());
  out('  inputs');
  for (const input of report.inputs) out(`    ${describe(input)}`);
  out('  outputs');
  for (const output of report.outputs) out(`    ${describe(output)}`);
  out(
    `  parameters ${report.parameters.count} tensors, ${formatCount(report.parameters.elements)} elements, ${formatBytes(report.parameters.bytes)}`,
  );
  if (report.constants.count)
    out(`  constants  ${report.constants.count} tensors, ${formatBytes(report.constants.bytes)}`);
  out(`  FLOPs      ${formatCount(report.flops)} (batch as declared)`);
  out(
    `  activations ${formatBytes(report.activationBytes)} in all, ${formatBytes(report.peakActivationBytes)} live at peak`,
  );
  out(`  nodes      ${report.nodeCount}${report.subgraphs.length ? `, ${report.subgraphs.length} sub-graphs` : ''}`);
  const ops = Object.entries(report.ops).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  out(`  ops        ${ops.map(([op, count]) => `${op} ×${count}`).join(', ') || '(none)'}`);
  if (report.mslite) {
    const liteOps = Object.entries(report.mslite.ops).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    out(`  lite ops   ${liteOps.map(([op, count]) => `${op} ×${count}`).join(', ')}`);
    const t = report.mslite.layoutTransposes;
    out(`  layout     NHWC ops run as NCHW: ${t.before} layout transposes, ${t.after} left after cancelling`);
  }
  if (report.unsupportedOps === null) out('  engine     not checked (the native engine addon is not built)');
  else if (report.unsupportedOps.length === 0) out('  engine     every op runs on the CPU engine');
  else out(`  engine     unsupported: ${report.unsupportedOps.map((u) => `${u.op} (node ${u.node})`).join(', ')}`);
  for (const warning of report.warnings) out(`  warning    ${warning}`);
}

/** Ops the CPU engine lacks, or null when the addon is not available to ask. */
function engineGaps(model: Model): Array<{ op: string; node: string }> | null {
  try {
    return findUnsupportedOps(model);
  } catch {
    return null;
  }
}

function describe(info: { name: string; dtype: string; shape: number[] }): string {
  return `${info.name}  ${info.dtype}  ${formatShape(info.shape)}`;
}

/** The JSON shape other tools read (documented in the README). */
export function modelReport(model: Model) {
  const profile = profileModel(model);
  const tensor = (info: TensorInfo) => ({ name: info.name, dtype: info.dtype, shape: [...info.shape] });
  return {
    file: model.source,
    format: model.format,
    producer: model.producer,
    producerVersion: model.producerVersion,
    irVersion: model.irVersion,
    mindIrVersion: model.mindIrVersion,
    encrypted: model.encrypted,
    inputs: model.graph.inputs.map(tensor),
    outputs: model.graph.outputs.map(tensor),
    parameters: { count: profile.parameterCount, bytes: profile.parameterBytes, elements: profile.parameterElements },
    constants: { count: profile.constantTensorCount, bytes: profile.constantTensorBytes },
    ops: profile.ops,
    flops: profile.flops,
    activationBytes: profile.activationBytes,
    peakActivationBytes: profile.peakActivationBytes,
    nodeCount: model.graph.nodes.length,
    subgraphs: [...model.subgraphs.keys()],
    unsupportedOps: engineGaps(model),
    warnings: model.warnings,
    ...(model.mslite ? { mslite: model.mslite } : {}),
  };
}

async function inspectCheckpoint(file: string, options: InspectOptions, out: (line: string) => void): Promise<void> {
  const checkpoint = await readCheckpoint(file, options.key === undefined ? {} : { key: options.key });
  const tensors = [...checkpoint.tensors.values()].map((t) => ({
    name: t.name,
    dtype: t.dtype,
    shape: [...t.shape],
    bytes: t.data.byteLength,
  }));
  const bytes = tensors.reduce((sum, t) => sum + t.bytes, 0);
  if (options.json) {
    out(
      JSON.stringify(
        { file, format: 'ckpt', tensors, count: tensors.length, bytes, warnings: checkpoint.warnings },
        null,
        2,
      ),
    );
    return;
  }
  out(`${file}`);
  out(`  format     MindSpore checkpoint, ${tensors.length} tensors, ${formatBytes(bytes)}`);
  for (const t of tensors) out(`    ${describe(t)}  ${formatBytes(t.bytes)}`);
  for (const warning of checkpoint.warnings) out(`  warning    ${warning}`);
}
