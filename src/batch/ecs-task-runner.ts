/**
 * Heavy batch jobs handed to a container task with ECS RunTask: one task per object, started from a task definition
 * whose container runs `mindlet worker --job-env`, which reads the job (a `TaskJobSpec`) from `MINDLET_JOB`, predicts
 * the object with the same pipeline and writes the same status file. GPU tasks usually start through a capacity
 * provider (an Auto Scaling group of GPU instances), Ascend tasks on ECS Anywhere hosts (launch type EXTERNAL).
 *
 * Failing to start is transient (the message comes back and is retried): RunTask `failures` such as RESOURCE:GPU
 * (no instance has a free GPU yet), throttling, ECS 5xx and network errors. ECS refusing the request itself (bad
 * parameters, a missing cluster, access denied) and overrides over ECS's size limit are permanent.
 */
import { createHash } from 'node:crypto';
import {
  type CapacityProviderStrategyItem,
  ECSClient,
  type LaunchType,
  RunTaskCommand,
  type RunTaskCommandInput,
  type RunTaskCommandOutput,
  type TaskOverride,
} from '@aws-sdk/client-ecs';
import { MindletError } from '../errors.js';
import { placementOfManifest } from '../placement/policy.js';
import type { Manifest } from '../store/manifest.js';
import { regionFromEnv } from '../store/s3-client.js';
import { TASK_JOB_ENV, type TaskJobSpec } from './task-job-spec.js';
import type { HeavyJobRunner, ObjectJob } from './types.js';

/**
 * RunTask allows 8192 characters of overrides, JSON formatting included
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html#ECS-RunTask-request-overrides).
 */
export const MAX_OVERRIDES_CHARS = 8192;

/** `startedBy` of every task this runner starts (ListTasks can filter on it). */
export const STARTED_BY = 'mindlet-batch';

export interface EcsTaskRunnerOptions {
  /** Short name or ARN of the cluster. */
  cluster: string;
  /** Family, family:revision or ARN of the task definition. */
  taskDefinition: string;
  /** The container that runs mindlet in the task definition. @default 'mindlet' */
  containerName?: string;
  /** E.g. EXTERNAL for ECS Anywhere (Ascend hosts). Exclusive with a capacity provider. */
  launchType?: LaunchType;
  /** One capacity provider (e.g. the GPU Auto Scaling group's), weight 1. Exclusive with launchType. */
  capacityProvider?: string;
  /** A full strategy, instead of `capacityProvider`. */
  capacityProviderStrategy?: CapacityProviderStrategyItem[];
  /** awsvpc network configuration; given subnets, the task gets its own network interface in them. */
  subnets?: readonly string[];
  securityGroups?: readonly string[];
  /** @default false */
  assignPublicIp?: boolean;
  /** What every job's spec carries besides the object and the model URI (the batch function's configuration). */
  spec: Pick<TaskJobSpec, 'inputPrefix' | 'outputPrefix' | 'modelName' | 'modelVersion' | 'keyRef'>;
  /**
   * Tag tasks with the object they predict (`mindlet:input`, `mindlet:job`); needs `ecs:TagResource` on the task.
   * @default true
   */
  tagTasks?: boolean;
  /** @default an ECSClient for the environment's region (AWS_ENDPOINT_URL_ECS points it elsewhere) */
  ecs?: ECSClient;
  /** Name recorded in status files. @default 'ecs' */
  name?: string;
}

/** Starting the task failed in a way a later attempt may not: the job's message should come back. */
export class TransientTaskError extends Error {
  readonly code = 'TRANSIENT';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TransientTaskError';
  }
}

export class EcsTaskRunner implements HeavyJobRunner {
  readonly name: string;
  private readonly ecs: ECSClient;
  private readonly containerName: string;
  private readonly placement: Pick<RunTaskCommandInput, 'launchType' | 'capacityProviderStrategy'>;

  constructor(private readonly options: EcsTaskRunnerOptions) {
    if (!options.cluster.trim()) throw new MindletError('INVALID_ARGUMENT', 'the ECS cluster is empty');
    if (!options.taskDefinition.trim()) throw new MindletError('INVALID_ARGUMENT', 'the ECS task definition is empty');
    const strategy =
      options.capacityProviderStrategy ??
      (options.capacityProvider ? [{ capacityProvider: options.capacityProvider, weight: 1 }] : undefined);
    // RunTask rejects both at once (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html).
    if (strategy && options.launchType)
      throw new MindletError(
        'INVALID_ARGUMENT',
        `give a launch type (${options.launchType}) or a capacity provider strategy, not both`,
      );
    if ((options.securityGroups?.length ?? 0) > 0 && (options.subnets?.length ?? 0) === 0)
      throw new MindletError('INVALID_ARGUMENT', 'security groups need subnets (awsvpc network configuration)');
    this.placement = strategy
      ? { capacityProviderStrategy: strategy }
      : options.launchType
        ? { launchType: options.launchType }
        : {};
    this.containerName = options.containerName ?? 'mindlet';
    this.name = options.name ?? 'ecs';
    this.ecs = options.ecs ?? new ECSClient({ region: regionFromEnv() });
  }

  /** The spec a job travels as, in the container's `MINDLET_JOB`. */
  jobSpec(job: ObjectJob, context: { modelUri: string; reason: string }): TaskJobSpec {
    const { spec } = this.options;
    return {
      specVersion: 1,
      job: {
        input: job.input,
        ...(job.etag === undefined ? {} : { etag: job.etag }),
        ...(job.versionId === undefined ? {} : { versionId: job.versionId }),
        ...(job.size === undefined ? {} : { size: job.size }),
        ...(job.trigger === undefined ? {} : { trigger: job.trigger }),
      },
      modelUri: context.modelUri,
      ...(spec.modelName === undefined ? {} : { modelName: spec.modelName }),
      ...(spec.modelVersion === undefined ? {} : { modelVersion: spec.modelVersion }),
      ...(spec.keyRef === undefined ? {} : { keyRef: spec.keyRef }),
      inputPrefix: spec.inputPrefix,
      outputPrefix: spec.outputPrefix,
      reason: context.reason,
    };
  }

  /** The RunTask request for one job; throws LIMIT_EXCEEDED when its overrides are over ECS's limit. */
  runTaskInput(job: ObjectJob, context: { modelUri: string; reason: string }): RunTaskCommandInput {
    const overrides: TaskOverride = {
      containerOverrides: [
        {
          name: this.containerName,
          command: ['worker', '--job-env'],
          environment: [{ name: TASK_JOB_ENV, value: JSON.stringify(this.jobSpec(job, context)) }],
        },
      ],
    };
    const chars = JSON.stringify(overrides).length;
    if (chars > MAX_OVERRIDES_CHARS)
      throw new MindletError(
        'LIMIT_EXCEEDED',
        `${job.input}: the task's container overrides take ${chars} characters, over ECS RunTask's limit of ${MAX_OVERRIDES_CHARS} (shorten the object key or the prefixes)`,
      );
    const { subnets, securityGroups } = this.options;
    return {
      cluster: this.options.cluster,
      taskDefinition: this.options.taskDefinition,
      count: 1,
      ...this.placement,
      ...(subnets && subnets.length > 0
        ? {
            networkConfiguration: {
              awsvpcConfiguration: {
                subnets: [...subnets],
                ...(securityGroups && securityGroups.length > 0 ? { securityGroups: [...securityGroups] } : {}),
                assignPublicIp: this.options.assignPublicIp ? 'ENABLED' : 'DISABLED',
              },
            },
          }
        : {}),
      overrides,
      startedBy: STARTED_BY,
      // `referenceId` is reserved for ECS itself; tags tie the task to its object instead.
      ...(this.options.tagTasks === false ? {} : { tags: jobTags(job) }),
    };
  }

  async submit(
    job: ObjectJob,
    context: { modelUri: string; outputUri: string; reason: string },
  ): Promise<{ taskId: string }> {
    const input = this.runTaskInput(job, context);
    let output: RunTaskCommandOutput;
    try {
      // The SDK fills in a client token (RunTask is idempotent with it), so its own retries start one task at most.
      output = await this.ecs.send(new RunTaskCommand(input));
    } catch (error) {
      throw runTaskError(error, this.options.cluster);
    }
    const taskArn = output.tasks?.find((task) => task.taskArn)?.taskArn;
    if (taskArn) return { taskId: taskArn };
    const failures = (output.failures ?? []).map(describeFailure).join('; ');
    // RESOURCE:GPU, RESOURCE:MEMORY, AGENT...: no capacity now; the capacity provider may be scaling out.
    throw new TransientTaskError(
      `ECS could not start a task in ${this.options.cluster}: ${failures || 'RunTask started no task and gave no reason'}`,
    );
  }
}

interface EcsFailure {
  arn?: string;
  reason?: string;
  detail?: string;
}

function describeFailure(failure: EcsFailure): string {
  return [failure.reason ?? 'unknown reason', failure.detail, failure.arn ? `(${failure.arn})` : undefined]
    .filter(Boolean)
    .join(' ');
}

/** Tag values may hold letters, digits, spaces and `+ - = . _ : / @`, at most 256 characters. */
function tagValue(text: string): string {
  const clean = text.replace(/[^\p{L}\p{Z}\p{N}+\-=._:/@]/gu, '_');
  // The end of a key tells objects apart better than the bucket at its start.
  return clean.length > 256 ? clean.slice(-256) : clean;
}

/**
 * `mindlet:input` (the object, cleaned to the tag alphabet; https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Tag.html)
 * and `mindlet:job` (SHA-256 of the object and version, exact even when the key had to be cleaned or cut).
 */
function jobTags(job: ObjectJob): { key: string; value: string }[] {
  const version = job.versionId ?? job.etag ?? '';
  const id = createHash('sha256').update(`${job.input}\n${version}`).digest('hex');
  return [
    { key: 'mindlet:input', value: tagValue(job.input) },
    { key: 'mindlet:job', value: id },
  ];
}

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'ServerException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

interface SdkLikeError {
  name?: string;
  message?: string;
  code?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** RunTask's own errors sorted: transient (retry the message) or permanent (MindletError, dead-lettered). */
function runTaskError(error: unknown, cluster: string): Error {
  const sdk = (error ?? {}) as SdkLikeError;
  const name = sdk.name ?? 'Error';
  const message = sdk.message ?? String(error);
  const status = sdk.$metadata?.httpStatusCode;
  const transient =
    status === undefined ||
    status >= 500 ||
    status === 429 ||
    sdk.$retryable !== undefined ||
    THROTTLING.has(name) ||
    /rate exceeded|throttl/i.test(message);
  if (transient)
    return new TransientTaskError(`ECS RunTask in ${cluster} failed: ${name}: ${message}`, { cause: error });
  return new MindletError('INVALID_ARGUMENT', `ECS refused RunTask in ${cluster}: ${name} (${status}): ${message}`, {
    cause: error,
  });
}

/**
 * The batch function's placement decision for a model, from its manifest: the reason it runs on a container task
 * (the policy chose, or the manifest pinned, gpu-task or ascend-task), or undefined when it runs in the function.
 */
export function taskPlacementByPolicy(manifest: Manifest): string | undefined {
  const decision = placementOfManifest(manifest);
  if (decision.target !== 'gpu-task' && decision.target !== 'ascend-task') return undefined;
  const why = decision.reasons[0];
  return `model ${manifest.name} is placed on ${decision.target}${why ? `: ${why}` : ''}`;
}
