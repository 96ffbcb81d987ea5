/**
 * `loadSession`: a model (path, bytes or loaded Model) → a native engine session. Validates inputs against the
 * graph's signature before they reach C++, and wraps the engine's outputs as typed arrays without copying.
 */
import os from 'node:os';
import { MindletError } from '../errors.js';
import type { Graph, Model, TensorInfo } from '../graph/types.js';
import { loadModel } from '../model/load.js';
import { buildGraphSpec, unsupportedOps } from './graph-spec.js';
import { type NativeSession, type NativeSessionStats, nativeAddon } from './native.js';
import { assertSupported, engineError, prepareInputs, signature, wrapOutputs } from './session-io.js';
import type { NamedTensor, Session, SessionOptions, Tensor } from './types.js';

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
  assertSupported(model, supportedOps());
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
    const sig = signature(graph);
    this.inputs = sig.inputs;
    this.outputs = sig.outputs;
  }

  async run(inputs: Tensor[] | Record<string, Tensor>): Promise<NamedTensor[]> {
    if (this.closed) throw new MindletError('INVALID_ARGUMENT', 'the session is closed');
    const native = prepareInputs(inputs, this.inputs);
    let results: Awaited<ReturnType<NativeSession['run']>>;
    try {
      results = await this.native.run(native);
    } catch (error) {
      throw engineError(error, this.source);
    }
    return wrapOutputs(results, this.outputs);
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
}
