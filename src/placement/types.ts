/**
 * The placement contract: where a model runs (a deploy target), why, and what each target would cost. The policy
 * (`placeModel`), `mindlet plan`, the Lambda front's forwarder, the batch function's task runner and the CDK
 * constructs all speak these types.
 */

/** Where a model can be deployed. `edge-function` is only ever chosen when the caller opts in. */
export const DEPLOY_TARGETS = ['cpu-function', 'gpu-task', 'ascend-task', 'edge-function'] as const;
export type DeployTarget = (typeof DEPLOY_TARGETS)[number];

/**
 * The engine an estimate assumes computes the model: `cpu` is mindlet's native CPU engine, `wasm` its WebAssembly
 * build, `gpu` and `ascend` the accelerator backends that container tasks name in `MINDLET_ENGINE_BACKEND`
 * (src/runtime/engine-backend.ts) and that do not exist yet.
 */
export type PlacementEngine = 'cpu' | 'wasm' | 'gpu' | 'ascend';

/** The engines each target can run; which one runs today is `TARGET_ENGINES` (src/placement/engines.ts). */
export interface TargetEngines {
  readonly 'cpu-function': 'cpu';
  readonly 'gpu-task': 'cpu' | 'gpu';
  readonly 'ascend-task': 'cpu' | 'ascend';
  readonly 'edge-function': 'wasm';
}

/** What the policy needs to know about a model (from a loaded model, or from its manifest alone). */
export interface PlacementProfile {
  /** Weight bytes: parameters plus tensor constants. */
  weightBytes: number;
  /** Peak live activation bytes of one inference at `batch` (estimated from FLOPs when unknown). */
  peakActivationBytes?: number;
  /** Floating point operations of one inference at batch 1 (multiply-add counts as 2). */
  flops: number;
  /** Declared batch (the leading dimension of the first input; 1 when dynamic). */
  batch: number;
  /** Whether any input has a dynamic (-1) dimension. */
  dynamicDims: boolean;
  /** Accelerator the model declares it wants (manifest placement `gpu` / `ascend`). */
  accelerator?: 'gpu' | 'ascend';
  /** Size of the model file in bytes (download and cold start). */
  fileBytes?: number;
  /**
   * Bytes of the inputs and outputs of one inference at `batch` (dynamic dimensions as 1): the request payload and
   * the host↔device copies.
   */
  ioBytes?: number;
}

export interface TargetEstimate {
  target: DeployTarget;
  /** The engine the estimate assumes computes there: the one that runs on the target today. */
  engine: PlacementEngine;
  /** That engine and the hardware it gets, in words (e.g. why a GPU host's estimate is a CPU one). */
  engineNote: string;
  /** Whether the model fits the target's hard limits. */
  fits: boolean;
  /** Memory the model needs where it computes (host memory for the CPU engines, device memory for a backend), MiB. */
  memoryMb: number;
  /** Estimated latency of one inference at the declared batch, warm, milliseconds. */
  latencyMs: number;
  /** Estimated cold start (download + load), milliseconds. */
  coldStartMs: number;
  /** Estimated cost of one million inferences in USD (on-demand list prices, see the policy's comments). */
  costPerMillionUsd: number;
  /** Limits the model breaks on this target, each one sentence (empty when it fits). */
  limits: string[];
}

export interface PlacementDecision {
  target: DeployTarget;
  /** True when the manifest (or the caller) pinned the target rather than the policy choosing it. */
  pinned: boolean;
  /** Why, one sentence each, most important first. */
  reasons: string[];
  /** The estimate for every target (edge-function included, marked as opt-in in its limits when not allowed). */
  estimates: Record<DeployTarget, TargetEstimate>;
}

export interface PlacementOptions {
  /** Pin a target (overrides the manifest's placement). */
  pin?: DeployTarget;
  /** Let the policy choose `edge-function` for models small enough for Cloudflare Workers. @default false */
  allowEdge?: boolean;
  /** Size for this batch instead of the profile's (peak activations and I/O bytes scale with it). */
  batch?: number;
  /**
   * vCPUs one ascend-task gets on your Ascend server, which the CPU engine computes on until an Ascend backend runs.
   * @default PLACEMENT_ASSUMPTIONS.ascendHostVcpus (src/placement/policy.ts)
   */
  ascendHostVcpus?: number;
  /**
   * Host memory (MiB) one ascend-task may use on your Ascend server, what limits a model on the CPU engine there.
   * @default PLACEMENT_ASSUMPTIONS.ascendHostMemoryMb (src/placement/policy.ts)
   */
  ascendHostMemoryMb?: number;
}

/*
 * Implemented in src/placement/policy.ts (exported from src/placement/index.ts):
 *   placeModel(profile: PlacementProfile, options?: PlacementOptions): PlacementDecision
 *   profileFromModel(model: Model): PlacementProfile          (model = src/graph/types.ts Model)
 *   profileFromManifest(manifest: Manifest): PlacementProfile  (manifest = src/store/manifest.ts Manifest)
 *   placementOfManifest(manifest: Manifest, options?: PlacementOptions): PlacementDecision
 *     (the manifest's placement.target pins: cpu → cpu-function, gpu → gpu-task, ascend → ascend-task,
 *      edge → edge-function; auto or absent → the policy decides)
 */
