/**
 * Sizing a CPU function for a model from its manifest profile: memory for the weights, the activations of one
 * inference and the Node.js runtime, and /tmp room for the model cache. Estimates, not measurements: they decide a
 * starting point that `mindlet bench` and CloudWatch's max-memory figure can then refine. The CDK constructs
 * (infra/memory-sizing.ts re-exports this) and the placement policy use the same figures, so `mindlet plan` shows the
 * memory a deploy configures.
 */
import type { Manifest } from '../store/manifest.js';
import {
  LAMBDA_MAX_EPHEMERAL_MB,
  LAMBDA_MAX_MEMORY_MB,
  LAMBDA_MIN_EPHEMERAL_MB,
  LAMBDA_MIN_MEMORY_MB,
} from './limits.js';

export { LAMBDA_MAX_EPHEMERAL_MB, LAMBDA_MAX_MEMORY_MB, LAMBDA_MIN_EPHEMERAL_MB, LAMBDA_MIN_MEMORY_MB };

/** Lambda's "MB" is 2^20 bytes. */
const MIB = 2 ** 20;

/** The model file and the engine's packed copy of its weights are both alive while the model loads. */
export const WEIGHT_COPIES = 2;
/** Rule of thumb for the live activation bytes of one inference at batch 1: one byte per 128 FLOPs. */
export const FLOPS_PER_ACTIVATION_BYTE = 128;
/** Floor for activations (small models still get an arena and I/O buffers). */
export const MIN_ACTIVATIONS_MB = 16;
/** Node.js, the AWS SDK, Powertools and the native addon before any model is loaded. */
export const RUNTIME_HEADROOM_MB = 256;
/** Memory is rounded up to a multiple of this. */
export const MEMORY_STEP_MB = 64;
/** /tmp beyond the cached model copies: the runtime's own files and partial downloads. */
export const EPHEMERAL_HEADROOM_MB = 512;

export type ModelProfile = Manifest['profile'];

export interface ModelMemoryEstimate {
  /** Weights, counted `WEIGHT_COPIES` times. */
  readonly weightsMb: number;
  readonly activationsMb: number;
  readonly runtimeMb: number;
  /** weights + activations + runtime, rounded up to `MEMORY_STEP_MB`; may exceed Lambda's limit. */
  readonly requiredMb: number;
  /** `requiredMb` clamped to Lambda's 128–10,240 MB. */
  readonly memoryMb: number;
  /** Whether `requiredMb` is within Lambda's limit. */
  readonly fitsLambda: boolean;
}

/** The memory estimate for a model, never throwing: over-limit models come back with `fitsLambda: false`. */
export function estimateModelMemory(profile: ModelProfile): ModelMemoryEstimate {
  checkProfile(profile);
  return memoryEstimate(profile.parameterBytes, profile.flops / FLOPS_PER_ACTIVATION_BYTE);
}

/**
 * The same estimate from weight bytes and live activation bytes (at whatever batch the caller sizes for): the policy
 * passes the larger of the graph's measured peak and the FLOPs rule of thumb.
 */
export function memoryEstimate(weightBytes: number, activationBytes: number): ModelMemoryEstimate {
  const weightsMb = (weightBytes * WEIGHT_COPIES) / MIB;
  const activationsMb = Math.max(MIN_ACTIVATIONS_MB, activationBytes / MIB);
  const runtimeMb = RUNTIME_HEADROOM_MB;
  const requiredMb = Math.ceil((weightsMb + activationsMb + runtimeMb) / MEMORY_STEP_MB) * MEMORY_STEP_MB;
  const memoryMb = Math.min(LAMBDA_MAX_MEMORY_MB, Math.max(LAMBDA_MIN_MEMORY_MB, requiredMb));
  return { weightsMb, activationsMb, runtimeMb, requiredMb, memoryMb, fitsLambda: requiredMb <= LAMBDA_MAX_MEMORY_MB };
}

/**
 * Lambda memory (MB) for a model: weights + activations + runtime headroom, rounded up, within 128–10,240 MB.
 * Throws when the model needs more than Lambda's maximum: clamping would deploy a function that runs out of memory
 * on its first load, so the caller must choose (a container service, or an explicit memory size).
 */
export function modelMemoryMb(profile: ModelProfile): number {
  const estimate = estimateModelMemory(profile);
  if (!estimate.fitsLambda)
    throw new Error(
      `the model needs about ${estimate.requiredMb} MB of memory (weights ${mb(estimate.weightsMb)} MB for ` +
        `${WEIGHT_COPIES} copies, activations ${mb(estimate.activationsMb)} MB, runtime ${estimate.runtimeMb} MB), ` +
        `over Lambda's ${LAMBDA_MAX_MEMORY_MB} MB limit: serve it from a container (AcceleratedService) or set ` +
        'memorySize explicitly if you know it fits',
    );
  return estimate.memoryMb;
}

/** /tmp (MB) the model cache needs: two copies of the model file (cached + downloading) and headroom, unclamped. */
export function requiredEphemeralStorageMb(modelBytes: number): number {
  if (!Number.isFinite(modelBytes) || modelBytes < 0) throw new Error(`invalid model size ${modelBytes}`);
  return Math.ceil((modelBytes * 2) / MIB + EPHEMERAL_HEADROOM_MB);
}

/** /tmp (MB) for the model cache, within Lambda's 512–10,240 MB. */
export function modelEphemeralStorageMb(modelBytes: number): number {
  const requiredMb = requiredEphemeralStorageMb(modelBytes);
  return Math.min(LAMBDA_MAX_EPHEMERAL_MB, Math.max(LAMBDA_MIN_EPHEMERAL_MB, requiredMb));
}

function checkProfile(profile: ModelProfile): void {
  for (const [key, value] of Object.entries({ parameterBytes: profile.parameterBytes, flops: profile.flops }))
    if (!Number.isFinite(value) || value < 0) throw new Error(`invalid model profile: ${key} is ${value}`);
}

function mb(value: number): string {
  return value.toFixed(0);
}
