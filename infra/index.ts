/**
 * mindlet's CDK constructs: a model registry, the native runtime layer, online endpoints, batch pipelines and
 * accelerated (GPU / Ascend) container services.
 */
export {
  type AcceleratedBatchOptions,
  AcceleratedService,
  type AcceleratedServiceProps,
  type Accelerator,
  ASCEND_CONTROL_DEVICES,
  ASCEND_DRIVER_MOUNTS,
  acceleratorImage,
  CONTAINER_CONTEXT_EXCLUDE,
  CONTAINER_NAME,
  DEFAULT_ASCEND_DEVICES,
  DEFAULT_GPU_INSTANCE_TYPES,
  HEALTH_CHECK_PATH,
  MAX_STOP_TIMEOUT_SECONDS,
  MODEL_CACHE_DIR,
  SERVE_PORT,
} from './accelerated-service.js';
export {
  BatchPrediction,
  type BatchPredictionProps,
  VISIBILITY_TIMEOUT_FACTOR,
} from './batch-prediction.js';
export type { HeavyJobTasks, InferenceService, ModelDescription, RoutedService } from './contracts.js';
export { grantKeyRef, grantPrefixes } from './grants.js';
export {
  estimateModelMemory,
  LAMBDA_MAX_EPHEMERAL_MB,
  LAMBDA_MAX_MEMORY_MB,
  LAMBDA_MIN_EPHEMERAL_MB,
  LAMBDA_MIN_MEMORY_MB,
  type ModelMemoryEstimate,
  type ModelProfile,
  modelEphemeralStorageMb,
  modelMemoryMb,
} from './memory-sizing.js';
export {
  EndpointAuthorization,
  FrontDoor,
  type JwtAuthorizationOptions,
  ModelEndpoint,
  type ModelEndpointProps,
  type TaskRoute,
} from './model-endpoint.js';
export { DEFAULT_MODEL_FILE, ModelRegistry, type ModelRegistryProps, ModelSource } from './model-registry.js';
export {
  DEFAULT_LAYER_ZIP,
  mindletPath,
  NativeRuntimeLayer,
  type NativeRuntimeLayerProps,
} from './native-runtime-layer.js';
