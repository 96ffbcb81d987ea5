/**
 * The contract between whatever supplies models (the store, R2, sessions in memory) and what uses them (the serving
 * protocols, batch prediction): a `ModelRepository` of `ServedModel`s, resolved by name and version.
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
