/** mindlet's CDK constructs: a model registry, the native runtime layer, online endpoints and batch pipelines. */
export {
  BatchPrediction,
  type BatchPredictionProps,
  VISIBILITY_TIMEOUT_FACTOR,
} from './batch-prediction.js';
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
  type InferenceService,
  type JwtAuthorizationOptions,
  type ModelDescription,
  ModelEndpoint,
  type ModelEndpointProps,
} from './model-endpoint.js';
export { DEFAULT_MODEL_FILE, ModelRegistry, type ModelRegistryProps, ModelSource } from './model-registry.js';
export {
  DEFAULT_LAYER_ZIP,
  mindletPath,
  NativeRuntimeLayer,
  type NativeRuntimeLayerProps,
} from './native-runtime-layer.js';
