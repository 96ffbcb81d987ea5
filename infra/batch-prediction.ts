/**
 * A batch pipeline for one model: objects created under an input prefix reach an SQS queue (S3 event notifications,
 * or EventBridge), the batch function (functions/batch.ts) predicts each one and writes under the output prefix,
 * reporting per-message failures; messages that keep failing end in a dead-letter queue. The function may read the
 * input prefix, write the output prefix and read the model, nothing else in the bucket.
 */
import { Duration, Size } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { HeavyJobTasks, ModelDescription } from './contracts.js';
import { checkPrefix, grantKeyRef, grantPrefixes } from './grants.js';
import { modelEphemeralStorageMb, modelMemoryMb } from './memory-sizing.js';
import type { ModelSource } from './model-registry.js';
import { LAMBDA_NODE_RUNTIME, mindletPath, NativeRuntimeLayer } from './native-runtime-layer.js';

/** Lambda's advice for SQS event sources: visibility timeout at least six times the function timeout. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

export interface BatchPredictionProps {
  /** The bucket holding inputs and outputs. */
  readonly bucket: s3.IBucket;
  /**
   * Key prefix of inputs; must end in '/' and not overlap the output prefix.
   * @default 'in/'
   */
  readonly inputPrefix?: string;
  /**
   * Key prefix of outputs and status files; must end in '/' and not overlap the input prefix.
   * @default 'out/'
   */
  readonly outputPrefix?: string;
  /** Where the model is; the function may read that model's folder and nothing else. */
  readonly source: ModelSource;
  /**
   * The model's name and profile (e.g. its parsed `mindlet.json`), used to size the function.
   * @default none: `memorySize` and `ephemeralStorageSize` defaults apply
   */
  readonly model?: ModelDescription;
  /**
   * Deliver S3 events through EventBridge (the bucket's EventBridge notifications and a rule) instead of S3 event
   * notifications, e.g. when the bucket's notification configuration is managed elsewhere.
   * @default false
   */
  readonly eventBridge?: boolean;
  /**
   * The batch function bundle (a folder with `index.mjs`).
   * @default `dist/functions/batch` in the mindlet package (`npm run build:functions`)
   */
  readonly codePath?: string;
  /**
   * The native runtime layer.
   * @default a new `NativeRuntimeLayer` with its default zip
   */
  readonly layer?: lambda.ILayerVersion;
  /**
   * Function memory (MB).
   * @default the manifest's `placement.memoryMb`, else `modelMemoryMb(model.profile)` when `model` is given,
   *   else 1769 (one full vCPU)
   */
  readonly memorySize?: number;
  /**
   * /tmp size (MB): the model cache and spooled `.npz` outputs.
   * @default `modelEphemeralStorageMb(model bytes)` when `model` is given, else 2048
   */
  readonly ephemeralStorageSize?: number;
  /**
   * Function timeout; the queue's visibility timeout is six times this.
   * @default Duration.minutes(5)
   */
  readonly timeout?: Duration;
  /**
   * SQS messages per invoke.
   * @default 1
   */
  readonly batchSize?: number;
  /**
   * Most concurrent invokes the event source makes (2 to 1000).
   * @default no limit beyond the function's concurrency
   */
  readonly maxConcurrency?: number;
  /**
   * `MAX_ATTEMPTS`: deliveries of a transiently failing object before the function dead-letters it.
   * @default 3
   */
  readonly maxAttempts?: number;
  /**
   * Receives before SQS itself moves a message to the dead-letter queue; at least `maxAttempts`.
   * @default 3
   */
  readonly maxReceiveCount?: number;
  /**
   * `POWERTOOLS_SERVICE_NAME`.
   * @default 'mindlet-batch'
   */
  readonly serviceName?: string;
  /**
   * More environment variables (`BATCH_SIZE`, `ENGINE_THREADS`, `MODEL_KEY_REF`, ...).
   * @default none
   */
  readonly environment?: Record<string, string>;
  /**
   * Where an encrypted model's key is (`env:`, `secretsmanager:`, `ssm:`); the function may read that one secret or
   * parameter.
   * @default the model manifest's `encryption.keyRef`, else unset
   */
  readonly keyRef?: string;
  /**
   * Retention of the function's log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Where jobs too heavy for the function run: the function gets the service's `heavyTaskEnvironment()` and may
   * start its `jobTaskDefinition` (RunTask, a public API: the function stays outside any VPC); the job tasks get the
   * same input and output access as the function.
   * @default none: every job runs in the function
   */
  readonly heavyTasks?: HeavyJobTasks;
}

/** Objects in under one prefix, predictions out under another. */
export class BatchPrediction extends Construct {
  readonly function: lambda.Function;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  /** The EventBridge rule, with `eventBridge: true`. */
  readonly rule?: events.Rule;
  readonly inputPrefix: string;
  readonly outputPrefix: string;

  constructor(scope: Construct, id: string, props: BatchPredictionProps) {
    super(scope, id);
    const { bucket } = props;
    this.inputPrefix = checkPrefix('inputPrefix', props.inputPrefix ?? 'in/');
    this.outputPrefix = checkPrefix('outputPrefix', props.outputPrefix ?? 'out/');
    if (this.inputPrefix.startsWith(this.outputPrefix) || this.outputPrefix.startsWith(this.inputPrefix))
      throw new Error(
        `inputPrefix ${this.inputPrefix} and outputPrefix ${this.outputPrefix} overlap: outputs would trigger the pipeline again`,
      );
    const maxAttempts = props.maxAttempts ?? 3;
    const maxReceiveCount = props.maxReceiveCount ?? 3;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1)
      throw new Error(`maxAttempts ${maxAttempts}: give 1 or more`);
    if (maxReceiveCount < maxAttempts)
      throw new Error(
        `maxReceiveCount ${maxReceiveCount} is below maxAttempts ${maxAttempts}: SQS would dead-letter messages the function still retries`,
      );
    const timeout = props.timeout ?? Duration.minutes(5);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      // SSE-SQS rather than a customer key: S3 and EventBridge can send to it without a key policy.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(timeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });

    if (props.eventBridge) {
      bucket.enableEventBridgeNotification();
      this.rule = new events.Rule(this, 'ObjectCreated', {
        description: `objects created under s3://${bucket.bucketName}/${this.inputPrefix}`,
        eventPattern: {
          source: ['aws.s3'],
          detailType: ['Object Created'],
          detail: { bucket: { name: [bucket.bucketName] }, object: { key: [{ prefix: this.inputPrefix }] } },
        },
        targets: [new eventsTargets.SqsQueue(this.queue)],
      });
    } else {
      bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SqsDestination(this.queue), {
        prefix: this.inputPrefix,
      });
    }

    const modelBytes = props.model ? (props.model.bytes ?? props.model.profile.parameterBytes) : undefined;
    const keyRef = props.keyRef ?? props.model?.encryption?.keyRef;
    this.function = new lambda.Function(this, 'Function', {
      code: lambda.Code.fromAsset(props.codePath ?? mindletPath('dist/functions/batch')),
      handler: 'index.handler',
      runtime: LAMBDA_NODE_RUNTIME,
      architecture: lambda.Architecture.X86_64,
      layers: [props.layer ?? new NativeRuntimeLayer(this, 'NativeRuntime').layerVersion],
      memorySize:
        props.memorySize ??
        props.model?.placement?.memoryMb ??
        (props.model ? modelMemoryMb(props.model.profile) : 1769),
      ephemeralStorageSize: Size.mebibytes(
        props.ephemeralStorageSize ?? (modelBytes === undefined ? 2048 : modelEphemeralStorageMb(modelBytes)),
      ),
      timeout,
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        ...props.environment,
        MODEL_URI: props.source.uri,
        ...(keyRef === undefined ? {} : { MODEL_KEY_REF: keyRef }),
        INPUT_PREFIX: `s3://${bucket.bucketName}/${this.inputPrefix}`,
        OUTPUT_PREFIX: `s3://${bucket.bucketName}/${this.outputPrefix}`,
        MAX_ATTEMPTS: String(maxAttempts),
        DEAD_LETTER_QUEUE_URL: this.deadLetterQueue.queueUrl,
        POWERTOOLS_SERVICE_NAME: props.serviceName ?? 'mindlet-batch',
        ...props.heavyTasks?.heavyTaskEnvironment(),
      },
      logGroup: new logs.LogGroup(this, 'Logs', { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH }),
      description: `mindlet batch: ${this.inputPrefix} to ${this.outputPrefix}`,
    });
    this.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: props.batchSize ?? 1,
        reportBatchItemFailures: true,
        maxConcurrency: props.maxConcurrency,
      }),
    );
    grantPrefixes(this.function, bucket, this.inputPrefix, this.outputPrefix);
    props.source.grantRead(this.function);
    if (keyRef !== undefined) grantKeyRef(this.function, keyRef);
    this.function.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.queueArn] }),
    );
    if (props.heavyTasks) {
      const jobRole = props.heavyTasks.jobTaskDefinition.taskRole;
      props.heavyTasks.grantRunJob(this.function);
      grantPrefixes(jobRole, bucket, this.inputPrefix, this.outputPrefix);
      // The job loads the model this function names (its MODEL_URI), which may not be the one the service serves.
      if (props.source.uri !== props.heavyTasks.modelUri) props.source.grantRead(jobRole);
      if (keyRef !== undefined) grantKeyRef(jobRole, keyRef);
    }
  }
}
