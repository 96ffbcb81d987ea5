/**
 * Placement, pure (no HTTP, no AWS): which deploy target a model runs on (a Lambda function, a GPU or Ascend
 * container task, or, opted in, a Cloudflare Worker), why, and what each target would cost; the targets' limits; the
 * CPU function's memory sizing. Forwarding requests to a task is serving's (src/serving/forwarder.ts).
 */

export { TARGET_ENGINES } from './engines.js';
export {
  ASCEND_910B_DEVICE_MEMORY_MB,
  type AscendDevice,
  ATLAS_300I_DUO_DEVICE,
  DEFAULT_ASCEND_DEVICE,
  DEFAULT_GPU_INSTANCE,
  ECS_ANYWHERE_USD_PER_INSTANCE_HOUR,
  GPU_INSTANCES,
  type GpuInstanceType,
  LAMBDA_LIMITS,
  LAMBDA_PRICING,
  WORKERS_LIMITS,
  WORKERS_PRICING,
} from './limits.js';
export {
  EPHEMERAL_HEADROOM_MB,
  estimateModelMemory,
  FLOPS_PER_ACTIVATION_BYTE,
  LAMBDA_MAX_EPHEMERAL_MB,
  LAMBDA_MAX_MEMORY_MB,
  LAMBDA_MIN_EPHEMERAL_MB,
  LAMBDA_MIN_MEMORY_MB,
  MEMORY_STEP_MB,
  MIN_ACTIVATIONS_MB,
  type ModelMemoryEstimate,
  type ModelProfile,
  memoryEstimate,
  modelEphemeralStorageMb,
  modelMemoryMb,
  RUNTIME_HEADROOM_MB,
  requiredEphemeralStorageMb,
  WEIGHT_COPIES,
} from './memory.js';
export {
  estimateTargets,
  PLACEMENT_ASSUMPTIONS,
  placeModel,
  placementOfManifest,
  profileFromManifest,
  profileFromModel,
  withBatch,
} from './policy.js';
export {
  DEPLOY_TARGETS,
  type DeployTarget,
  type PlacementDecision,
  type PlacementEngine,
  type PlacementOptions,
  type PlacementProfile,
  type TargetEngines,
  type TargetEstimate,
} from './types.js';
