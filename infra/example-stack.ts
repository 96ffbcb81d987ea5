/**
 * The example deployment: a model registry holding the bundled LeNet example, an HTTP endpoint for it and a batch
 * pipeline on a data bucket, secure by default and checked by cdk-nag's AwsSolutions pack. A model whose manifest
 * places it on `gpu` or `ascend` also gets an `AcceleratedService`, which the endpoint forwards to and the batch
 * pipeline runs heavy jobs on. Every suppression below says why the finding does not apply.
 */
import { readFileSync } from 'node:fs';
import { Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { Manifest } from '../src/store/manifest.js';
import { AcceleratedService } from './accelerated-service.js';
import { BatchPrediction } from './batch-prediction.js';
import { ModelEndpoint } from './model-endpoint.js';
import { ModelRegistry, ModelSource } from './model-registry.js';
import { mindletPath, NativeRuntimeLayer } from './native-runtime-layer.js';

export interface ExampleStackProps extends StackProps {
  /** The model's manifest. @default examples/models/lenet/1/mindlet.json */
  readonly manifestPath?: string;
  /** Function bundles folder (`<dir>/http`, `<dir>/batch`). @default dist/functions */
  readonly functionsDir?: string;
  /** The layer zip. @default layers/native-runtime/dist/layer-x86_64.zip */
  readonly layerZip?: string;
  /** Also deploy the batch pipeline. @default true */
  readonly batch?: boolean;
  /**
   * A model already published to S3 (`mindlet publish`): its `s3://bucket/key` and manifest. The stack then reads it
   * from that bucket (read access to its folder only) instead of making a registry for the bundled example.
   * @default the bundled example in a new ModelRegistry
   */
  readonly model?: { uri: string; manifest: Manifest };
  /**
   * For a model placed on `gpu`/`ascend`: the container image (`containers/Dockerfile.<target>` by default) and, for
   * Ascend, the URL of your servers (`endpointUrl`, required there).
   * @default the default image; no endpoint URL
   */
  readonly accelerated?: { image?: ecs.ContainerImage; endpointUrl?: string };
}

export class ExampleStack extends Stack {
  /** Undefined when the model comes from an existing bucket (`model`). */
  readonly registry: ModelRegistry | undefined;
  readonly endpoint: ModelEndpoint;
  readonly batch: BatchPrediction | undefined;
  /** For a model placed on `gpu` or `ascend`. */
  readonly accelerated: AcceleratedService | undefined;

  constructor(scope: Construct, id: string, props: ExampleStackProps = {}) {
    super(scope, id, props);
    const manifest =
      props.model?.manifest ??
      (JSON.parse(
        readFileSync(props.manifestPath ?? mindletPath('examples/models/lenet/1/mindlet.json'), 'utf8'),
      ) as Manifest);
    const functionsDir = props.functionsDir ?? mindletPath('dist/functions');

    // Access logs of both buckets go to one log bucket (S3 server access logs need SSE-S3, not SSE-KMS).
    const logs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      versioned: true,
    });
    let source: ModelSource;
    let modelObjects: string;
    if (props.model) {
      const { bucket, key } = splitS3Uri(props.model.uri);
      source = ModelSource.fromBucket(s3.Bucket.fromBucketName(this, 'ModelBucket', bucket), key);
      this.registry = undefined;
      modelObjects = `arn:<AWS::Partition>:s3:::${bucket}/${key.slice(0, key.lastIndexOf('/') + 1)}*`;
    } else {
      const registry = new ModelRegistry(this, 'Models', {
        serverAccessLogsBucket: logs,
        serverAccessLogsPrefix: 'models/',
      });
      this.registry = registry;
      source = ModelSource.fromRegistry(registry, manifest.name, manifest.version);
      modelObjects = `<${this.getLogicalId(registry.bucket.node.defaultChild as s3.CfnBucket)}.Arn>/models/${manifest.name}/*`;
    }
    const layer = new NativeRuntimeLayer(this, 'NativeRuntime', props.layerZip ? { zipPath: props.layerZip } : {});

    const target = manifest.placement?.target;
    this.accelerated =
      target === 'gpu' || target === 'ascend'
        ? new AcceleratedService(this, 'Accelerated', {
            model: manifest,
            source,
            accelerator: target,
            image: props.accelerated?.image,
            endpointUrl: props.accelerated?.endpointUrl,
          })
        : undefined;
    this.endpoint = new ModelEndpoint(this, 'Endpoint', {
      model: manifest,
      source,
      layer: layer.layerVersion,
      codePath: `${functionsDir}/http`,
      taskRoutes: this.accelerated ? [{ name: manifest.name, service: this.accelerated }] : undefined,
    });

    let data: s3.Bucket | undefined;
    if (props.batch ?? true) {
      const dataKey = new kms.Key(this, 'DataKey', { enableKeyRotation: true, description: 'mindlet batch data' });
      data = new s3.Bucket(this, 'Data', {
        encryption: s3.BucketEncryption.KMS,
        encryptionKey: dataKey,
        bucketKeyEnabled: true,
        enforceSSL: true,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        versioned: true,
        serverAccessLogsBucket: logs,
        serverAccessLogsPrefix: 'data/',
      });
      this.batch = new BatchPrediction(this, 'Batch', {
        bucket: data,
        source,
        model: manifest,
        layer: layer.layerVersion,
        codePath: `${functionsDir}/batch`,
        heavyTasks: this.accelerated,
      });
    }
    this.suppressFindings(logs, modelObjects, data);
  }

  /** cdk-nag findings acknowledged, each with why it does not apply. */
  private suppressFindings(logs: s3.Bucket, modelObjects: string, data: s3.IBucket | undefined): void {
    Validations.of(logs).acknowledge({
      id: 'AwsSolutions::AwsSolutions-S1',
      reason: 'This is the access-log bucket; logging it into itself would loop.',
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        'AWSLambdaBasicExecutionRole only lets a function write its own CloudWatch log streams; AWS maintains it for exactly that.',
    });
    // Each wildcard is acknowledged on its own, so a new one (a broader grant) fails the synth until it is reviewed.
    const arn = (bucket: s3.IBucket) => `<${this.getLogicalId(bucket.node.defaultChild as s3.CfnBucket)}.Arn>`;
    const wildcards: Array<[string, string]> = [
      [
        `Resource::${modelObjects}`,
        'Read access to the objects of this one model (its versions and manifest), nothing else in the bucket.',
      ],
      ['Resource::*', 'X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions.'],
    ];
    if (this.batch && data) {
      wildcards.push(
        [`Resource::${arn(data)}/${this.batch.inputPrefix}*`, 'Reading input objects, only under the input prefix.'],
        [
          `Resource::${arn(data)}/${this.batch.outputPrefix}*`,
          'Writing outputs and status files, only under the output prefix.',
        ],
        ['Action::kms:GenerateDataKey*', 'Encrypting outputs written to the data bucket, with its one key.'],
        ['Action::kms:ReEncrypt*', 'Granted with the data key for multipart uploads, on that key only.'],
      );
    }
    for (const [finding, reason] of wildcards)
      Validations.of(this).acknowledge({ id: `AwsSolutions::AwsSolutions-IAM5[${finding}]`, reason });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions::AwsSolutions-L1',
      reason:
        'The functions are pinned to nodejs22.x, the Node.js major the native runtime layer is built and tested against; moving to a newer runtime is a deliberate, tested change.',
    });
    if (this.accelerated?.vpc)
      Validations.of(this.endpoint.function).acknowledge({
        id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
        reason:
          'The endpoint function runs in the VPC to reach the internal load balancer; AWS maintains this policy for exactly the network interfaces that needs.',
      });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions::AwsSolutions-APIG1',
      reason:
        'Every request is logged by the endpoint function itself (Powertools logger, with the request id and status); API Gateway access logs would duplicate those lines.',
    });
  }
}

/** `s3://bucket/key` → its parts (the CLI has validated the URI). */
function splitS3Uri(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match) throw new Error(`not an s3://bucket/key URI: ${uri}`);
  return { bucket: match[1]!, key: match[2]! };
}
