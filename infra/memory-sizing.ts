/**
 * Sizing a CPU function for a model from its manifest profile. The estimate lives in src/placement/memory.ts, where the
 * placement policy uses it too (src/ never imports infra/); this module keeps the constructs' import path.
 */
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
  modelEphemeralStorageMb,
  modelMemoryMb,
  RUNTIME_HEADROOM_MB,
  WEIGHT_COPIES,
} from '../src/placement/memory.js';
