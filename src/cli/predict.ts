/**
 * `mindlet predict`: runs a model once on `.npy` inputs and prints the outputs (summary or --json) or writes them
 * as `.npy` files (--output, --output-dir); with --url the model runs on a KServe v2 server instead.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { KServeClient } from '../client/kserve-client.js';
import { MindletError } from '../errors.js';
import type { TensorInfo } from '../graph/types.js';
import type { Session, SessionOptions } from '../runtime/types.js';
import { decodeNpy, encodeNpy } from '../tensor/npy.js';
import { decodeNpz } from '../tensor/npz.js';
import type { NamedTensor, Tensor } from '../tensor/types.js';
import { formatShape } from './format.js';
import { elementAt, formatValue, jsonValue, valueStats } from './values.js';

export interface PredictOptions {
  /** `--input` values: `file.npy` (next input by position), `name=file.npy`, or `file.npz` (members by name). */
  inputs: string[];
  /** Write the only output here. */
  output?: string;
  /** Write each output to `<dir>/<sanitized output name>.npy`. */
  outputDir?: string;
  json: boolean;
  threads?: number;
  key?: string;
}

export type SessionLoader = (model: string, options: SessionOptions) => Promise<Session>;

/** How many leading values the human summary shows. */
const PREVIEW = 8;

export async function predictCommand(
  model: string,
  options: PredictOptions,
  out: (line: string) => void,
  load: SessionLoader = loadRuntimeSession,
): Promise<void> {
  if (options.output !== undefined && options.outputDir !== undefined)
    throw new MindletError('INVALID_ARGUMENT', 'use --output or --output-dir, not both');
  if (options.threads !== undefined && !(Number.isSafeInteger(options.threads) && options.threads >= 1))
    throw new MindletError('INVALID_ARGUMENT', `--threads must be a positive integer, got ${options.threads}`);
  const specs = options.inputs.map(parseInputSpec);

  const sessionOptions: SessionOptions = {};
  if (options.threads !== undefined) sessionOptions.threads = options.threads;
  if (options.key !== undefined) sessionOptions.key = options.key;
  const session = await load(model, sessionOptions);
  try {
    if (options.output !== undefined && session.outputs.length !== 1)
      throw new MindletError(
        'INVALID_ARGUMENT',
        `the model has ${session.outputs.length} outputs (${session.outputs.map((o) => o.name).join(', ')}); use --output-dir to write them all`,
      );
    const inputs = await assignInputs(session.inputs, specs);
    await reportOutputs(await session.run(inputs), options, out);
  } finally {
    session.close();
  }
}

export interface RemotePredictOptions {
  /** The server's base URL (KServe v2 routes below it). */
  url: string;
  model: string;
  modelVersion?: string;
  /** As for a local model: `file.npy` by position in the server's input order, `name=file.npy`, `file.npz`. */
  inputs: string[];
  output?: string;
  outputDir?: string;
  json: boolean;
  /** Binary tensor data extension: true, false, or 'auto' (by size). Default: 'auto'. */
  binary?: boolean | 'auto';
}

/** `mindlet predict --url`: the same inputs and outputs as a local run, the inference done by a KServe v2 server. */
export async function predictRemoteCommand(
  options: RemotePredictOptions,
  out: (line: string) => void,
  client: KServeClient = new KServeClient(options.url),
): Promise<void> {
  if (options.output !== undefined && options.outputDir !== undefined)
    throw new MindletError('INVALID_ARGUMENT', 'use --output or --output-dir, not both');
  const specs = options.inputs.map(parseInputSpec);
  const metadata = await client.metadata(options.model, options.modelVersion);
  if (options.output !== undefined && metadata.outputs.length !== 1)
    throw new MindletError(
      'INVALID_ARGUMENT',
      `model ${metadata.name} has ${metadata.outputs.length} outputs (${metadata.outputs.map((o) => o.name).join(', ')}); use --output-dir to write them all`,
    );
  const inputs = await assignInputs(metadata.inputs, specs);
  const result = await client.infer(
    options.model,
    inputs.map((tensor, index) => ({ name: metadata.inputs[index]!.name, ...tensor })),
    {
      ...(options.modelVersion === undefined ? {} : { version: options.modelVersion }),
      binary: options.binary ?? 'auto',
    },
  );
  await reportOutputs(result.outputs, options, out);
}

/** Writes outputs where the options say, then prints JSON, what was written, or a summary per output. */
async function reportOutputs(
  outputs: readonly NamedTensor[],
  options: { output?: string; outputDir?: string; json: boolean },
  out: (line: string) => void,
): Promise<void> {
  const written: Array<{ file: string; tensor: NamedTensor }> = [];
  if (options.output !== undefined) {
    const [only] = outputs;
    if (only) written.push({ file: options.output, tensor: only });
  } else if (options.outputDir !== undefined) {
    await createDirectory(options.outputDir);
    const names = outputFileNames(outputs.map((output) => output.name));
    for (const [index, tensor] of outputs.entries())
      written.push({ file: path.join(options.outputDir, names[index]!), tensor });
  }
  for (const { file, tensor } of written) await writeOutput(file, tensor);

  if (options.json) {
    out(JSON.stringify({ outputs: outputs.map(jsonOutput) }));
  } else if (written.length) {
    for (const { file, tensor } of written)
      out(`wrote ${file}  ${tensor.name}  ${tensor.dtype}  ${formatShape(tensor.shape)}`);
  } else {
    for (const output of outputs) for (const line of summary(output)) out(line);
  }
}

/** The engine is imported only when predict runs, so `inspect` never loads the native addon. */
async function loadRuntimeSession(model: string, options: SessionOptions): Promise<Session> {
  const { loadSession } = await import('../runtime/index.js');
  return loadSession(model, options);
}

interface InputSpec {
  /** The input name (full or the part after the last ':'); undefined for "next by position". */
  name?: string;
  file: string;
  /** The raw `--input` value, for messages. */
  raw: string;
}

/** `name=file` names an input; anything else, or a name containing a path separator, is a file. */
export function parseInputSpec(raw: string): InputSpec {
  const equals = raw.indexOf('=');
  const name = raw.slice(0, equals);
  if (equals > 0 && !name.includes('/') && !name.includes(path.sep)) return { name, file: raw.slice(equals + 1), raw };
  if (raw === '') throw new MindletError('INVALID_ARGUMENT', '--input needs a file');
  return { file: raw, raw };
}

async function assignInputs(wanted: readonly TensorInfo[], specs: readonly InputSpec[]): Promise<Tensor[]> {
  const assigned: Array<{ tensor: Tensor; from: string } | undefined> = wanted.map(() => undefined);
  const put = (index: number, tensor: Tensor, from: string) => {
    const info = wanted[index]!;
    const previous = assigned[index];
    if (previous)
      throw new MindletError('INVALID_ARGUMENT', `input ${info.name} is given twice (${previous.from} and ${from})`);
    checkInput(info, tensor, from);
    assigned[index] = { tensor, from };
  };
  let position = 0;
  const extra: string[] = [];
  for (const spec of specs) {
    const bytes = await readInputFile(spec.file);
    if (spec.name === undefined && spec.file.toLowerCase().endsWith('.npz')) {
      for (const [name, tensor] of decodeNpz(bytes, spec.file))
        put(findInput(wanted, name, spec.file), tensor, `${spec.file}:${name}`);
      continue;
    }
    const tensor = decodeNpy(bytes, spec.file);
    if (spec.name !== undefined) {
      put(findInput(wanted, spec.name, spec.raw), tensor, spec.file);
      continue;
    }
    while (position < wanted.length && assigned[position]) position++;
    if (position >= wanted.length) extra.push(spec.file);
    else put(position++, tensor, spec.file);
  }
  if (extra.length)
    throw new MindletError(
      'INVALID_ARGUMENT',
      `the model takes ${wanted.length} input${wanted.length === 1 ? '' : 's'}; extra: ${extra.join(', ')}`,
    );
  const missing = wanted.filter((_, index) => !assigned[index]).map((info) => info.name);
  if (missing.length)
    throw new MindletError(
      'INVALID_ARGUMENT',
      `missing input${missing.length === 1 ? '' : 's'} ${missing.join(', ')} (give --input FILE.npy or --input NAME=FILE.npy)`,
    );
  return assigned.map((entry) => entry!.tensor);
}

/** An input by its full name, or by the part after the last ':' (MindSpore prefixes names with the graph's). */
function findInput(wanted: readonly TensorInfo[], name: string, from: string): number {
  const exact = wanted.findIndex((info) => info.name === name);
  if (exact >= 0) return exact;
  const short = wanted.flatMap((info, index) => (shortName(info.name) === name ? [index] : []));
  if (short.length === 1) return short[0]!;
  const names = wanted.map((info) => info.name).join(', ');
  if (short.length > 1)
    throw new MindletError(
      'INVALID_ARGUMENT',
      `input name "${name}" (${from}) is ambiguous; use the full name: ${names}`,
    );
  throw new MindletError(
    'INVALID_ARGUMENT',
    `unknown input "${name}" (${from}); the model's inputs: ${names || '(none)'}`,
  );
}

function shortName(name: string): string {
  return name.slice(name.lastIndexOf(':') + 1);
}

/** The session checks too; checking here names the file and says how to fix it. */
function checkInput(info: TensorInfo, tensor: Tensor, from: string): void {
  const where = `input ${info.name} (${from})`;
  if (tensor.dtype !== info.dtype)
    throw new MindletError(
      'INVALID_ARGUMENT',
      `${where}: dtype ${tensor.dtype}, the model takes ${info.dtype} (numpy: array.astype(numpy.${info.dtype}))`,
    );
  const fits =
    tensor.shape.length === info.shape.length && info.shape.every((dim, axis) => dim < 0 || dim === tensor.shape[axis]);
  if (!fits)
    throw new MindletError(
      'INVALID_ARGUMENT',
      `${where}: shape ${formatShape(tensor.shape)}, the model takes ${formatShape(info.shape)}`,
    );
}

async function readInputFile(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (error) {
    throw fileError(error, file, 'read');
  }
}

async function writeOutput(file: string, tensor: NamedTensor): Promise<void> {
  const bytes = encodeNpy({ dtype: tensor.dtype, shape: tensor.shape, data: tensor.data }, `output ${tensor.name}`);
  try {
    await writeFile(file, bytes);
  } catch (error) {
    throw fileError(error, file, 'write');
  }
}

async function createDirectory(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw fileError(error, dir, 'create');
  }
}

function fileError(error: unknown, file: string, action: string): MindletError {
  const code = (error as { code?: string }).code;
  if (code === 'ENOENT')
    return new MindletError('NOT_FOUND', action === 'read' ? 'no such file' : 'no such directory', { file });
  const reason =
    code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (code ?? String(error));
  return new MindletError('INVALID_ARGUMENT', `cannot ${action}: ${reason}`, { file, cause: error });
}

/**
 * File names for outputs: characters outside [A-Za-z0-9._-] become '_', and names that end up equal (or empty)
 * get a numeric suffix, so every output gets its own file inside the directory.
 */
export function outputFileNames(names: readonly string[]): string[] {
  const used = new Set<string>();
  return names.map((name, index) => {
    let base = name.replace(/[^A-Za-z0-9._-]/g, '_');
    if (base === '' || /^\.+$/.test(base)) base = `output_${index}`;
    let candidate = base;
    for (let n = 2; used.has(candidate.toLowerCase()); n++) candidate = `${base}_${n}`;
    used.add(candidate.toLowerCase());
    return `${candidate}.npy`;
  });
}

function jsonOutput(tensor: NamedTensor) {
  const data = new Array<number | string | boolean>(tensor.data.length);
  for (let index = 0; index < data.length; index++) data[index] = jsonValue(tensor, index);
  return { name: tensor.name, dtype: tensor.dtype, shape: [...tensor.shape], data };
}

function summary(tensor: NamedTensor): string[] {
  const count = tensor.data.length;
  const lines = [`${tensor.name}  ${tensor.dtype}  ${formatShape(tensor.shape)}`];
  if (count === 0) return [...lines, '  (no elements)'];
  const preview: string[] = [];
  for (let index = 0; index < Math.min(count, PREVIEW); index++) {
    const value = elementAt(tensor, index);
    preview.push(formatValue(tensor.dtype === 'bool' ? value !== 0 : value));
  }
  lines.push(`  values  ${preview.join(', ')}${count > PREVIEW ? `, … (${count} in all)` : ''}`);
  const stats = valueStats(tensor);
  if (stats)
    lines.push(
      `  min ${formatValue(stats.min)}  max ${formatValue(stats.max)}  mean ${formatValue(stats.mean)}${stats.nans ? `  (${stats.nans} NaN)` : ''}`,
    );
  else lines.push(`  all ${count} values are NaN`);
  return lines;
}
