/**
 * The contract between the batch function and a container task it starts for one heavy job (ECS RunTask): what the
 * function writes into the task's environment and `mindlet worker --job-env` reads.
 */

/** Environment variable carrying a `TaskJobSpec` (JSON) into a container task started for one heavy batch job. */
export const TASK_JOB_ENV = 'MINDLET_JOB';

/**
 * One batch job handed to a container task (ECS RunTask): the batch function writes it, `mindlet worker --job-env`
 * reads it, runs the job with the same pipeline and writes the same status file.
 */
export interface TaskJobSpec {
  specVersion: 1;
  /** The object to predict: `s3://bucket/key`, with the etag / versionId the event announced. */
  job: { input: string; etag?: string; versionId?: string; size?: number; trigger?: string };
  modelUri: string;
  modelName?: string;
  modelVersion?: string;
  keyRef?: string;
  inputPrefix: string;
  outputPrefix: string;
  /** Why the job left the function (the placement reason), recorded in logs. */
  reason: string;
}
