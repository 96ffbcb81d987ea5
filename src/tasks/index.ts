/** Container tasks (ECS): the SQS queue worker, one handed-off batch job, the health endpoint. */
export { HEALTH_PATH, type HealthServer, startHealthServer, type WorkerState } from './health.js';
export { jsonLineLog, type LogLevel, silentLog, type WorkerLog } from './log.js';
export {
  MAX_RETRY_DELAY_SECONDS,
  MAX_VISIBILITY_SECONDS,
  MAX_WAIT_SECONDS,
  SQS_WORKER_DEFAULTS,
  SqsWorker,
  type SqsWorkerOptions,
  sqsRecordOf,
  type WorkerCounts,
  type WorkerStopReport,
} from './sqs-worker.js';
export { parseTaskJobSpec, runTaskJob, type TaskJobOptions, type TaskJobResult } from './task-job.js';
