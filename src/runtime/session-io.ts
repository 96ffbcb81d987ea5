/**
 * What every engine session (the native addon's, the WebAssembly engine's) does the same way at its edges:
 * refuse models with ops the engine lacks, order and check inputs against the graph's signature before they reach
 * C++, wrap outputs as typed arrays, and turn engine errors into MindletErrors. No `node:` imports: the
 * WebAssembly engine uses this in Workers too.
 */
import { MindletError, type MindletErrorCode } from '../errors.js';
import { elementCount } from '../graph/dtype.js';
import { typedArrayConstructor } from '../graph/typed-arrays.js';
import type { DType, Graph, Model, TensorInfo } from '../graph/types.js';
import { namesAgainst, shapeMatches } from '../tensor/signature.js';
import { unsupportedOps } from './graph-spec.js';
import type { NamedTensor, Tensor, TensorData } from './types.js';

/** Codes an engine error may carry through to the caller; anything else is a bug in mindlet. */
export const ENGINE_CODES: ReadonlySet<MindletErrorCode> = new Set<MindletErrorCode>([
  'NOT_FOUND',
  'INVALID_FORMAT',
  'INVALID_GRAPH',
  'UNSUPPORTED',
  'INVALID_ARGUMENT',
  'LIMIT_EXCEEDED',
]);

/** A tensor as the engines take it: checked dtype and shape, data a typed array of that dtype. */
export interface EngineInput {
  dtype: string;
  shape: number[];
  data: ArrayBufferView;
}

/** An engine's output before wrapping: its bytes in their own ArrayBuffer. */
export interface EngineOutput {
  dtype: string;
  shape: number[];
  data: ArrayBuffer;
}

/** Throws UNSUPPORTED naming every op of the model that `supported` lacks (with the first node using it). */
export function assertSupported(model: Model, supported: ReadonlySet<string>): void {
  const missing = unsupportedOps(model.graph, supported);
  if (missing.length > 0) {
    const list = missing.map((m) => `${m.op} (node ${m.node})`).join(', ');
    throw new MindletError('UNSUPPORTED', `unsupported operator${missing.length > 1 ? 's' : ''}: ${list}`, {
      file: model.source,
    });
  }
}

/** The graph's inputs and outputs as a session exposes them (copies: the model's buffers may go). */
export function signature(graph: Graph): { inputs: TensorInfo[]; outputs: TensorInfo[] } {
  return {
    inputs: graph.inputs.map((i) => ({ name: i.name, dtype: i.dtype, shape: [...i.shape] })),
    outputs: graph.outputs.map((o) => ({ name: o.name, dtype: o.dtype, shape: [...o.shape] })),
  };
}

/** Inputs by position or by name → checked tensors in the graph's input order. */
export function prepareInputs(inputs: Tensor[] | Record<string, Tensor>, infos: TensorInfo[]): EngineInput[] {
  return orderInputs(inputs, infos).map((tensor, k) => checkInput(tensor, infos[k] as TensorInfo));
}

function orderInputs(inputs: Tensor[] | Record<string, Tensor>, infos: TensorInfo[]): Tensor[] {
  if (Array.isArray(inputs)) {
    if (inputs.length !== infos.length) {
      throw new MindletError(
        'INVALID_ARGUMENT',
        `the model takes ${infos.length} input${infos.length === 1 ? '' : 's'} (${infos.map((i) => i.name).join(', ')}), got ${inputs.length}`,
      );
    }
    return inputs;
  }
  const { unknown } = namesAgainst(
    infos.map((info) => info.name),
    Object.keys(inputs),
  );
  if (unknown.length > 0) {
    throw new MindletError(
      'INVALID_ARGUMENT',
      `unknown input${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; the model's inputs are ${infos.map((i) => i.name).join(', ')}`,
    );
  }
  return infos.map((info) => {
    const tensor = inputs[info.name];
    if (!tensor) throw new MindletError('INVALID_ARGUMENT', `missing input ${info.name}`);
    return tensor;
  });
}

function checkInput(tensor: Tensor, info: TensorInfo): EngineInput {
  const where = `input ${info.name}`;
  if (tensor.dtype !== info.dtype) {
    throw new MindletError('INVALID_ARGUMENT', `${where} must be ${info.dtype}, got ${tensor.dtype}`);
  }
  const shape = tensor.shape;
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new MindletError('INVALID_ARGUMENT', `${where}: shape must be a list of non-negative integers`);
  }
  const fits = shapeMatches(info.shape, shape);
  if (info.shape.length > 0 || shape.length > 0) {
    if (!fits) {
      throw new MindletError(
        'INVALID_ARGUMENT',
        `${where} must have shape [${info.shape.map((d) => (d < 0 ? '?' : d)).join(', ')}], got [${shape.join(', ')}]`,
      );
    }
  }
  const ctor = typedArrayConstructor(info.dtype);
  if (!ctor || !(tensor.data instanceof ctor)) {
    throw new MindletError(
      'INVALID_ARGUMENT',
      `${where}: data must be a ${ctor?.name ?? 'typed array'} for ${info.dtype}`,
    );
  }
  if (tensor.data.length !== elementCount(shape)) {
    throw new MindletError(
      'INVALID_ARGUMENT',
      `${where}: shape [${shape.join(', ')}] needs ${elementCount(shape)} values, data has ${tensor.data.length}`,
    );
  }
  return { dtype: tensor.dtype, shape, data: tensor.data };
}

/** Engine outputs → named tensors viewing the outputs' own buffers (no copy). */
export function wrapOutputs(results: EngineOutput[], outputs: TensorInfo[]): NamedTensor[] {
  return results.map((r, k) => {
    const dtype = r.dtype as DType;
    const ctor = typedArrayConstructor(dtype);
    if (!ctor) throw new MindletError('UNSUPPORTED', `output of type ${dtype} has no typed array`);
    const data = new ctor(r.data, 0, r.data.byteLength / ctor.BYTES_PER_ELEMENT) as TensorData;
    return { name: outputs[k]?.name ?? `output${k}`, dtype, shape: r.shape, data };
  });
}

/** An engine failure as thrown to the caller: a MindletError for the codes users cause, else an internal error. */
export function engineError(error: unknown, file: string): Error {
  const code = (error as { code?: unknown })?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && ENGINE_CODES.has(code as MindletErrorCode)) {
    return new MindletError(code as MindletErrorCode, message, { file, cause: error });
  }
  // Anything else is a bug in mindlet, not the user's input: keep it an ordinary error.
  return Object.assign(new Error(`engine failure: ${message}`, { cause: error }), { code: 'INTERNAL' });
}
