/**
 * `loadSession`: a model (path, bytes or loaded Model) → a native engine session. Validates inputs against the
 * graph's signature before they reach C++, and wraps the engine's outputs as typed arrays without copying.
 */
import os from 'node:os';
import { MindletError, type MindletErrorCode } from '../errors.js';
import { elementCount } from '../mindir/dtype.js';
import { typedArrayConstructor } from '../mindir/tensors.js';
import type { DType, Graph, Model, TensorInfo } from '../mindir/types.js';
import { loadModel } from '../model/load.js';
import { buildGraphSpec, unsupportedOps } from './graph-spec.js';
import { type NativeSession, type NativeSessionStats, nativeAddon } from './native.js';
import type { NamedTensor, Session, SessionOptions, Tensor, TensorData } from './types.js';

const ENGINE_CODES = new Set<MindletErrorCode>([
  'NOT_FOUND',
  'INVALID_FORMAT',
  'INVALID_GRAPH',
  'UNSUPPORTED',
  'INVALID_ARGUMENT',
  'LIMIT_EXCEEDED',
]);

/** Loads a model and prepares it for the native engine (fusion, constant folding, weight packing). */
export async function loadSession(model: string | Uint8Array | Model, options: SessionOptions = {}): Promise<Session> {
  const loaded =
    typeof model === 'string' || model instanceof Uint8Array
      ? await loadModel(model, { key: options.key, label: typeof model === 'string' ? undefined : 'model bytes' })
      : model;
  return createSession(loaded, options);
}

/** The set of MindSpore primitives the engine runs. */
export function supportedOps(): ReadonlySet<string> {
  return new Set(nativeAddon().registeredOps());
}

/** Primitives of a model the engine cannot run yet, each with the first node that uses it. */
export function findUnsupportedOps(model: Model): Array<{ op: string; node: string }> {
  return unsupportedOps(model.graph, supportedOps());
}

export function createSession(model: Model, options: SessionOptions = {}): Session {
  const threads = options.threads ?? os.availableParallelism();
  if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
    throw new MindletError('INVALID_ARGUMENT', `threads must be an integer from 1 to 256, got ${threads}`);
  }
  const planCacheSize = options.planCacheSize ?? 4;
  const missing = findUnsupportedOps(model);
  if (missing.length > 0) {
    const list = missing.map((m) => `${m.op} (node ${m.node})`).join(', ');
    throw new MindletError('UNSUPPORTED', `unsupported operator${missing.length > 1 ? 's' : ''}: ${list}`, {
      file: model.source,
    });
  }
  const spec = buildGraphSpec(model);
  const addon = nativeAddon();
  let native: NativeSession;
  try {
    native = new addon.NativeSession(spec, { threads, planCacheSize, profile: options.profile ?? false });
  } catch (error) {
    throw engineError(error, model.source);
  }
  return new EngineSession(native, model.graph, model.source, threads);
}

class EngineSession implements Session {
  readonly inputs: TensorInfo[];
  readonly outputs: TensorInfo[];
  private closed = false;

  // Only the signature and the file name are kept: the engine holds what it needs, so the model's buffers can go.
  constructor(
    private readonly native: NativeSession,
    graph: Graph,
    private readonly source: string,
    readonly threads: number,
  ) {
    this.inputs = graph.inputs.map((i) => ({ name: i.name, dtype: i.dtype, shape: [...i.shape] }));
    this.outputs = graph.outputs.map((o) => ({ name: o.name, dtype: o.dtype, shape: [...o.shape] }));
  }

  async run(inputs: Tensor[] | Record<string, Tensor>): Promise<NamedTensor[]> {
    if (this.closed) throw new MindletError('INVALID_ARGUMENT', 'the session is closed');
    const ordered = this.order(inputs);
    const native = ordered.map((tensor, k) => this.check(tensor, this.inputs[k] as TensorInfo));
    let results: Awaited<ReturnType<NativeSession['run']>>;
    try {
      results = await this.native.run(native);
    } catch (error) {
      throw engineError(error, this.source);
    }
    return results.map((r, k) => {
      const dtype = r.dtype as DType;
      const ctor = typedArrayConstructor(dtype);
      if (!ctor) throw new MindletError('UNSUPPORTED', `output of type ${dtype} has no typed array`);
      const data = new ctor(r.data, 0, r.data.byteLength / ctor.BYTES_PER_ELEMENT) as TensorData;
      return { name: this.outputs[k]?.name ?? `output${k}`, dtype, shape: r.shape, data };
    });
  }

  /** Engine figures: nodes after fusion, fusions applied, cached plans. */
  stats(): NativeSessionStats {
    return this.native.stats();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.native.close();
  }

  private order(inputs: Tensor[] | Record<string, Tensor>): Tensor[] {
    if (Array.isArray(inputs)) {
      if (inputs.length !== this.inputs.length) {
        throw new MindletError(
          'INVALID_ARGUMENT',
          `the model takes ${this.inputs.length} input${this.inputs.length === 1 ? '' : 's'} (${this.inputs.map((i) => i.name).join(', ')}), got ${inputs.length}`,
        );
      }
      return inputs;
    }
    const unknown = Object.keys(inputs).filter((name) => !this.inputs.some((i) => i.name === name));
    if (unknown.length > 0) {
      throw new MindletError(
        'INVALID_ARGUMENT',
        `unknown input${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; the model's inputs are ${this.inputs.map((i) => i.name).join(', ')}`,
      );
    }
    return this.inputs.map((info) => {
      const tensor = inputs[info.name];
      if (!tensor) throw new MindletError('INVALID_ARGUMENT', `missing input ${info.name}`);
      return tensor;
    });
  }

  private check(tensor: Tensor, info: TensorInfo): { dtype: string; shape: number[]; data: ArrayBufferView } {
    const where = `input ${info.name}`;
    if (tensor.dtype !== info.dtype) {
      throw new MindletError('INVALID_ARGUMENT', `${where} must be ${info.dtype}, got ${tensor.dtype}`);
    }
    const shape = tensor.shape;
    if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new MindletError('INVALID_ARGUMENT', `${where}: shape must be a list of non-negative integers`);
    }
    const fits = shape.length === info.shape.length && info.shape.every((d, i) => d < 0 || d === shape[i]);
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
}

function engineError(error: unknown, file: string): Error {
  const code = (error as { code?: unknown })?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && ENGINE_CODES.has(code as MindletErrorCode)) {
    return new MindletError(code as MindletErrorCode, message, { file, cause: error });
  }
  // Anything else is a bug in mindlet, not the user's input: keep it an ordinary error.
  return Object.assign(new Error(`engine failure: ${message}`, { cause: error }), { code: 'INTERNAL' });
}
