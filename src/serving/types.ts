/**
 * The contract between the protocols (KServe v2, MindSpore Serving REST) and whatever supplies models: the app only
 * sees a `ModelRepository` of `ServedModel`s, never the store, the engine or a platform.
 */
import type { TensorInfo } from '../graph/types.js';
import type { Tensor } from '../tensor/types.js';

/** Where a model came from, as KServe's model metadata `platform` names it. */
export type ServedPlatform = 'mindspore_mindir' | 'mindspore_lite';

/** A model version ready to run. */
export interface ServedModel {
  readonly name: string;
  readonly version: string;
  readonly platform: ServedPlatform;
  /** Inputs in the order `run` takes them, under their public names (manifest signature, else short graph names). */
  readonly inputs: readonly TensorInfo[];
  /** Outputs in the order `run` returns them, under their public names. */
  readonly outputs: readonly TensorInfo[];
  /** Class labels of each output, by class index (the manifest's `signature.outputs[i].labels`), where it has them. */
  readonly outputLabels?: readonly (readonly string[] | undefined)[];
  /** One inference. Inputs are positional and already checked against `inputs` (dtype, rank, fixed dims). */
  run(inputs: Tensor[]): Promise<Tensor[]>;
}

/** KServe's repository-index states (Triton's repository extension). */
export type ModelState = 'READY' | 'LOADING' | 'UNAVAILABLE';

export interface ModelIndexEntry {
  name: string;
  version: string;
  state: ModelState;
  /** Why a model is not READY (load error, still downloading). */
  reason?: string;
}

/** The models a server serves. Implementations load lazily or eagerly; the app does not care which. */
export interface ModelRepository {
  /** Every model version known to the server, with its state. */
  index(): ModelIndexEntry[];
  /**
   * The model to serve. `version` undefined means the default (latest) version. Throws `ServingError` 404 for an
   * unknown name or version and 503 for one that is known but not loaded (loading, or its load failed).
   */
  resolve(name: string, version?: string): Promise<ServedModel>;
  /** True when every model the server was asked to serve is READY (`/v2/health/ready`). */
  ready(): boolean;
}

/** Bounds on what one request may ask of the server. */
export interface ServingLimits {
  /**
   * Largest request body in bytes.
   * @default 6291456 (6 MiB, the payload limit of a synchronous Lambda invocation)
   */
  maxBodyBytes: number;
  /**
   * Most elements one request tensor may declare or carry, checked before any buffer is allocated.
   * @default 16777216 (2^24)
   */
  maxTensorElements: number;
  /**
   * Most `instances` in one MindSpore Serving request.
   * @default 1024
   */
  maxInstances: number;
}

export const DEFAULT_SERVING_LIMITS: Readonly<ServingLimits> = {
  maxBodyBytes: 6 * 1024 * 1024,
  maxTensorElements: 1 << 24,
  maxInstances: 1024,
};

/** What a function adapter may want to count: the app reports, the adapter decides where it goes (metrics, logs). */
export interface ServingObserver {
  /** After every inference the engine ran. */
  inference?(event: { model: string; version: string; ms: number }): void;
  /** After every request, whatever its outcome. */
  request?(event: {
    requestId: string;
    method: string;
    path: string;
    status: number;
    ms: number;
    requestBytes: number;
    responseBytes: number;
  }): void;
}

/** What each protocol's routes are built from. */
export interface ProtocolOptions {
  repository: ModelRepository;
  limits: ServingLimits;
  observer?: ServingObserver;
}
