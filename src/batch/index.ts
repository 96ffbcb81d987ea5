/** Event-driven batch prediction: `mindlet/batch`. */
export {
  attemptsFromReceiveCount,
  type DeliveryEvent,
  type DeliveryLog,
  type DeliveryLogLevel,
  type DeliveryOptions,
  type FailureVerdict,
  JobDelivery,
  type JobResult,
  judgeFailure,
  type MessageDelivery,
  type MessageResult,
  retryDelaySeconds,
} from './delivery/index.js';
export { EcsTaskRunner, type EcsTaskRunnerOptions, taskPlacementByPolicy } from './ecs-task-runner.js';
export { codecForKey } from './formats/index.js';
export { MAX_MICRO_BATCH, type MicroBatchPlan, planMicroBatch } from './micro-batch.js';
export {
  BatchPipeline,
  type BatchPipelineOptions,
  ERRORS_KEPT,
  isPermanentBatchError,
  type ObjectProgress,
  type ProcessOptions,
} from './pipeline.js';
export { BATCH_MARKER, type BatchPrefix, parseBatchPrefix, STATUS_SUFFIX } from './prefixes.js';
export { type BatchProgress, type ObjectResult, type RunBatchOptions, type RunBatchSummary, runBatch } from './run.js';
export { type BatchListing, type ListedObject, type ListedState, listBatchStatus } from './status.js';
export { TASK_JOB_ENV, type TaskJobSpec } from './task-job-spec.js';
export * from './types.js';
