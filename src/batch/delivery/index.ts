/** The batch delivery rules, written once for every runner: retry or dead-letter, status file, dead letter. */
export {
  type DeliveryEvent,
  type DeliveryLog,
  type DeliveryLogLevel,
  type DeliveryOptions,
  type DeliveryPipeline,
  type FailureResult,
  JobDelivery,
  type JobResult,
  type MessageDelivery,
  type MessageResult,
} from './job-delivery.js';
export {
  attemptsFromReceiveCount,
  type FailureVerdict,
  judgeFailure,
  MAX_RETRY_DELAY_SECONDS,
  reasonOf,
  retryDelaySeconds,
} from './rules.js';
