/**
 * `mindlet.json`, the manifest beside a published model: what a server needs to know before (or instead of) loading
 * the model — its signature with public tensor names, size and cost, placement hint and where its key lives.
 * Manifests come from buckets other people can write to, so every field is checked before use.
 */

import { MindletError } from '../errors.js';
import { DTYPE_SIZES } from '../graph/dtype.js';
import { profileModel } from '../graph/profile.js';
import type { DType, Model, TensorInfo } from '../graph/types.js';
import { parseKeyRef } from './key-ref-syntax.js';
import { checkModelName, checkModelVersion, isValidModelName, isValidModelVersion } from './names.js';

export const MANIFEST_FILE = 'mindlet.json';
export const PLACEMENT_TARGETS = ['cpu', 'gpu', 'ascend', 'edge', 'auto'] as const;
export type PlacementTarget = (typeof PLACEMENT_TARGETS)[number];

/** One signature tensor: `name` is the public name clients use, `graphName` the name in the model's graph. */
export interface SignatureTensor {
  name: string;
  graphName: string;
  dtype: DType;
  shape: number[];
  /** Outputs only: class names by class index, for KServe's classification extension (`"<value>:<index>:<label>"`). */
  labels?: string[];
}

export interface Manifest {
  manifestVersion: 1;
  name: string;
  version: string;
  /** File name of the model beside the manifest, e.g. "model.mindir". */
  model: string;
  format: 'mindir' | 'mslite';
  /** Size and SHA-256 (lowercase hex) of the model file. */
  bytes: number;
  sha256: string;
  signature: { inputs: SignatureTensor[]; outputs: SignatureTensor[] };
  /** Weight bytes (parameters and tensor constants) and FLOPs of one inference at batch 1. */
  profile: { parameterBytes: number; flops: number };
  placement?: { target: PlacementTarget; memoryMb?: number };
  /** For encrypted models: MindSpore's encryption mode and where the key is (never the key itself). */
  encryption?: { mode: string; keyRef: string };
  /** ISO 8601 time of publishing. */
  createdAt: string;
  producer?: string;
}

export interface ManifestFields {
  name: string;
  version: string;
  modelFile: string;
  bytes: number;
  sha256: string;
  placement?: Manifest['placement'];
  keyRef?: string;
  encryptionMode?: string;
  /** Class labels by public output name (the model's only output may also be named by `*`). */
  labels?: Record<string, string[]>;
}

const MAX_TENSOR_NAME = 1024;
const MAX_LABELS = 1 << 16;
const MAX_LABEL = 256;

/**
 * How many classes an output of this shape has, as the classification extension reads it: the first dimension of a
 * rank-2+ output is the batch, the rest together are the classes; a rank-1 output is one row. Undefined when a class
 * dimension is dynamic.
 */
export function outputClassCount(shape: readonly number[]): number | undefined {
  const classDims = shape.length <= 1 ? shape : shape.slice(1);
  if (classDims.some((dim) => dim < 0)) return undefined;
  return classDims.reduce((a, b) => a * b, 1);
}
const MAX_TENSORS = 4096;
const MAX_RANK = 64;

/**
 * Names clients type: MindSpore prefixes graph tensor names with the graph's (`17_1_construct.Default_wrapper.5:x`),
 * so the part after the last ':' is used when that is unique among the tensors, else the full name.
 */
export function publicTensorNames(names: readonly string[]): string[] {
  const short = names.map((name) => name.slice(name.lastIndexOf(':') + 1) || name);
  const unique = new Set(short).size === short.length && short.every((name) => name.length > 0);
  return unique ? short : [...names];
}

/** The manifest for a loaded model and the file it was loaded from. */
export function buildManifest(model: Model, fields: ManifestFields): Manifest {
  checkModelName(fields.name);
  checkModelVersion(fields.version);
  if (!isModelFileName(fields.modelFile))
    throw new MindletError('INVALID_ARGUMENT', `invalid model file name ${JSON.stringify(fields.modelFile)}`);
  if (model.encrypted && fields.keyRef === undefined)
    throw new MindletError(
      'INVALID_ARGUMENT',
      'the model is encrypted: give a key reference (e.g. --key-ref secretsmanager:<id> or env:MINDLET_MODEL_KEY) so servers can find its key',
    );
  if (!model.encrypted && fields.keyRef !== undefined)
    throw new MindletError('INVALID_ARGUMENT', 'a key reference was given but the model is not encrypted');
  if (fields.keyRef !== undefined) parseKeyRef(fields.keyRef);
  const profile = profileModel(model);
  const manifest: Manifest = {
    manifestVersion: 1,
    name: fields.name,
    version: fields.version,
    model: fields.modelFile,
    format: model.format,
    bytes: fields.bytes,
    sha256: fields.sha256,
    signature: {
      inputs: signature(model.graph.inputs),
      outputs: withLabels(signature(model.graph.outputs), fields.labels),
    },
    profile: { parameterBytes: profile.parameterBytes + profile.constantTensorBytes, flops: profile.flops },
    createdAt: new Date().toISOString(),
  };
  if (fields.placement) manifest.placement = { ...fields.placement };
  if (fields.keyRef !== undefined)
    manifest.encryption = { mode: fields.encryptionMode ?? 'AES-GCM', keyRef: fields.keyRef };
  const producer = `${model.producer} ${model.producerVersion}`.trim();
  if (producer) manifest.producer = producer;
  // The same checks a reader applies, so nothing is published that a server would refuse.
  return parseManifest(JSON.parse(JSON.stringify(manifest)), 'the new manifest');
}

function signature(infos: readonly TensorInfo[]): SignatureTensor[] {
  const names = publicTensorNames(infos.map((info) => info.name));
  return infos.map((info, index) => ({
    name: names[index]!,
    graphName: info.name,
    dtype: info.dtype,
    shape: [...info.shape],
  }));
}

function withLabels(outputs: SignatureTensor[], labels: ManifestFields['labels']): SignatureTensor[] {
  for (const [name, list] of Object.entries(labels ?? {})) {
    const output = name === '*' && outputs.length === 1 ? outputs[0] : outputs.find((o) => o.name === name);
    if (!output)
      throw new MindletError(
        'INVALID_ARGUMENT',
        name === '*'
          ? `labels for "the only output", but the model has ${outputs.length} outputs (${outputs.map((o) => o.name).join(', ')}): name one`
          : `labels for output ${JSON.stringify(name)}, which the model does not have (${outputs.map((o) => o.name).join(', ')})`,
      );
    output.labels = [...list];
  }
  return outputs;
}

/** A manifest written for another model must not rename this one's tensors. */
export function checkManifestSignature(manifest: Manifest | undefined, model: Model, uri: string): void {
  if (!manifest) return;
  const check = (what: string, declared: readonly { graphName: string }[], actual: readonly { name: string }[]) => {
    const same =
      declared.length === actual.length && declared.every((tensor, index) => tensor.graphName === actual[index]!.name);
    if (!same)
      throw new MindletError(
        'INVALID_FORMAT',
        `mindlet.json ${what} (${declared.map((t) => t.graphName).join(', ')}) do not match the model's (${actual.map((t) => t.name).join(', ')})`,
        { file: uri },
      );
  };
  check('inputs', manifest.signature.inputs, model.graph.inputs);
  check('outputs', manifest.signature.outputs, model.graph.outputs);
}

/** Checks every field of a parsed `mindlet.json`; INVALID_FORMAT naming the first bad field. */
export function parseManifest(json: unknown, source: string): Manifest {
  const bad = (field: string, expected: string) =>
    new MindletError('INVALID_FORMAT', `manifest field ${field}: expected ${expected}`, { file: source });
  const root = object(json, 'manifest', bad);
  if (root.manifestVersion !== 1) {
    if (Number.isInteger(root.manifestVersion) && (root.manifestVersion as number) > 1)
      throw new MindletError(
        'UNSUPPORTED',
        `manifestVersion ${root.manifestVersion} is newer than 1, the newest this mindlet reads`,
        { file: source },
      );
    throw bad('manifestVersion', '1');
  }
  const name = string(root.name, 'name', bad);
  if (!isValidModelName(name)) throw bad('name', "1-64 letters, digits, '.', '_' or '-'");
  const version = string(root.version, 'version', bad);
  if (!isValidModelVersion(version)) throw bad('version', "1-32 letters, digits, '.', '_' or '-'");
  const model = string(root.model, 'model', bad);
  if (!isModelFileName(model)) throw bad('model', 'a file name beside the manifest (no "/")');
  const format = root.format;
  if (format !== 'mindir' && format !== 'mslite') throw bad('format', '"mindir" or "mslite"');
  const bytes = root.bytes;
  if (!Number.isSafeInteger(bytes) || (bytes as number) < 0) throw bad('bytes', 'a byte count');
  const sha256 = string(root.sha256, 'sha256', bad);
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw bad('sha256', '64 lowercase hex digits');

  const sig = object(root.signature, 'signature', bad);
  const inputs = tensors(sig.inputs, 'signature.inputs', bad);
  const outputs = tensors(sig.outputs, 'signature.outputs', bad, true);

  const prof = object(root.profile, 'profile', bad);
  const parameterBytes = count(prof.parameterBytes, 'profile.parameterBytes', bad);
  const flops = count(prof.flops, 'profile.flops', bad);

  const createdAt = string(root.createdAt, 'createdAt', bad);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(createdAt) || Number.isNaN(Date.parse(createdAt)))
    throw bad('createdAt', 'an ISO 8601 time');

  const manifest: Manifest = {
    manifestVersion: 1,
    name,
    version,
    model,
    format,
    bytes: bytes as number,
    sha256,
    signature: { inputs, outputs },
    profile: { parameterBytes, flops },
    createdAt,
  };
  if (root.placement !== undefined) {
    const placement = object(root.placement, 'placement', bad);
    const target = placement.target;
    if (!PLACEMENT_TARGETS.includes(target as PlacementTarget))
      throw bad('placement.target', PLACEMENT_TARGETS.map((t) => `"${t}"`).join(', '));
    manifest.placement = { target: target as PlacementTarget };
    if (placement.memoryMb !== undefined) {
      const memoryMb = placement.memoryMb;
      if (!Number.isSafeInteger(memoryMb) || (memoryMb as number) <= 0)
        throw bad('placement.memoryMb', 'a positive integer');
      manifest.placement.memoryMb = memoryMb as number;
    }
  }
  if (root.encryption !== undefined) {
    const encryption = object(root.encryption, 'encryption', bad);
    const mode = string(encryption.mode, 'encryption.mode', bad);
    if (!/^[A-Za-z0-9-]{1,32}$/.test(mode)) throw bad('encryption.mode', 'an encryption mode such as "AES-GCM"');
    const keyRef = string(encryption.keyRef, 'encryption.keyRef', bad);
    try {
      parseKeyRef(keyRef);
    } catch {
      throw bad('encryption.keyRef', 'env:NAME, secretsmanager:<id>[#field] or ssm:<name>');
    }
    manifest.encryption = { mode, keyRef };
  }
  if (root.producer !== undefined) {
    const producer = string(root.producer, 'producer', bad);
    if (producer.length > 256) throw bad('producer', 'at most 256 characters');
    manifest.producer = producer;
  }
  return manifest;
}

type Bad = (field: string, expected: string) => MindletError;

function object(value: unknown, field: string, bad: Bad): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(field, 'an object');
  return value as Record<string, unknown>;
}

function string(value: unknown, field: string, bad: Bad): string {
  if (typeof value !== 'string' || value.length === 0) throw bad(field, 'a non-empty string');
  return value;
}

function count(value: unknown, field: string, bad: Bad): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw bad(field, 'a non-negative number');
  return value;
}

function tensors(value: unknown, field: string, bad: Bad, mayHaveLabels = false): SignatureTensor[] {
  if (!Array.isArray(value) || value.length > MAX_TENSORS) throw bad(field, `an array of at most ${MAX_TENSORS}`);
  const result = value.map((entry, index): SignatureTensor => {
    const at = `${field}[${index}]`;
    const tensor = object(entry, at, bad);
    const name = string(tensor.name, `${at}.name`, bad);
    if (name.length > MAX_TENSOR_NAME) throw bad(`${at}.name`, `at most ${MAX_TENSOR_NAME} characters`);
    const graphName = string(tensor.graphName, `${at}.graphName`, bad);
    if (graphName.length > MAX_TENSOR_NAME) throw bad(`${at}.graphName`, `at most ${MAX_TENSOR_NAME} characters`);
    const dtype = tensor.dtype;
    if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_SIZES, dtype)) throw bad(`${at}.dtype`, 'a dtype name');
    const shape = tensor.shape;
    if (
      !Array.isArray(shape) ||
      shape.length > MAX_RANK ||
      !shape.every((dim) => Number.isSafeInteger(dim) && (dim as number) >= -1)
    )
      throw bad(`${at}.shape`, 'an array of integers >= -1 (-1 = dynamic)');
    const result: SignatureTensor = { name, graphName, dtype: dtype as DType, shape: [...(shape as number[])] };
    if (tensor.labels !== undefined) {
      if (!mayHaveLabels) throw bad(`${at}.labels`, 'nothing: only outputs have labels');
      result.labels = labelList(tensor.labels, result.shape, `${at}.labels`, bad);
    }
    return result;
  });
  if (new Set(result.map((t) => t.name)).size !== result.length) throw bad(field, 'unique names');
  return result;
}

function labelList(value: unknown, shape: readonly number[], field: string, bad: Bad): string[] {
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    value.length > MAX_LABELS ||
    !value.every((label) => typeof label === 'string' && label.length > 0 && label.length <= MAX_LABEL)
  )
    throw bad(field, `an array of 1-${MAX_LABELS} strings of 1-${MAX_LABEL} characters`);
  const classes = outputClassCount(shape);
  if (classes !== undefined && value.length !== classes)
    throw bad(field, `one label per class: ${classes} for shape [${shape.join(',')}], not ${value.length}`);
  return [...(value as string[])];
}

/** A bare file name: what `model` may hold, so a manifest cannot point outside its own folder. */
function isModelFileName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/.test(name) && !name.includes('..');
}
