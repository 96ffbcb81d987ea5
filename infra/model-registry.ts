/**
 * Where models live: a versioned, KMS-encrypted, TLS-only bucket laid out as `models/<name>/<version>/<file>` (the
 * layout `mindlet publish` writes), and `ModelSource`, the one thing endpoints and batch pipelines need from it: a
 * model URI and a grant scoped to that model's folder.
 */
import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { checkModelName, checkModelVersion } from '../src/store/names.js';

export interface ModelRegistryProps {
  /**
   * Physical bucket name.
   * @default a name CloudFormation generates
   */
  readonly bucketName?: string;
  /**
   * The customer managed key the bucket is encrypted with.
   * @default a new key with yearly rotation
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * How long a replaced or deleted model version is kept before it expires.
   * @default Duration.days(30)
   */
  readonly noncurrentVersionExpiration?: Duration;
  /**
   * Bucket for S3 server access logs.
   * @default no access logs
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
  /**
   * Key prefix of the access logs in `serverAccessLogsBucket`.
   * @default 'model-registry/'
   */
  readonly serverAccessLogsPrefix?: string;
  /**
   * What happens to the bucket and key when they leave the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Models' default file name, as `mindlet publish` writes it for a MindIR model. */
export const DEFAULT_MODEL_FILE = 'model.mindir';

/** A versioned, SSE-KMS, TLS-only, private bucket for models under `models/<name>/<version>/`. */
export class ModelRegistry extends Construct {
  readonly bucket: s3.Bucket;
  readonly encryptionKey: kms.IKey;

  constructor(scope: Construct, id: string, props: ModelRegistryProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.encryptionKey =
      props.encryptionKey ??
      new kms.Key(this, 'Key', {
        description: 'mindlet model registry',
        enableKeyRotation: true,
        removalPolicy,
      });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: props.bucketName,
      versioned: true,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.encryptionKey,
      // One data key per bucket rather than per object: fewer KMS calls on every model download.
      bucketKeyEnabled: true,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        {
          id: 'expire-old-model-versions',
          noncurrentVersionExpiration: props.noncurrentVersionExpiration ?? Duration.days(30),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
      serverAccessLogsBucket: props.serverAccessLogsBucket,
      serverAccessLogsPrefix: props.serverAccessLogsBucket
        ? (props.serverAccessLogsPrefix ?? 'model-registry/')
        : undefined,
      removalPolicy,
    });
  }

  /** `models/<name>/`: the folder every version of a model lives in. */
  modelPrefix(name: string): string {
    return `models/${checkName(name)}/`;
  }

  /** `s3://<bucket>/models/<name>/<version>/<file>`. */
  modelUri(name: string, version: string, file = DEFAULT_MODEL_FILE): string {
    const checkedVersion = Token.isUnresolved(version) ? version : checkModelVersion(version);
    return `s3://${this.bucket.bucketName}/${this.modelPrefix(name)}${checkedVersion}/${file}`;
  }

  /** Read access to every version of one model (`models/<name>/*`) and decryption with the registry's key. */
  grantReadModel(grantee: iam.IGrantable, name: string): iam.Grant {
    const read = iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:GetObject'],
      resourceArns: [this.bucket.arnForObjects(`${this.modelPrefix(name)}*`)],
    });
    return read.combine(this.encryptionKey.grantDecrypt(grantee));
  }
}

/** A model as functions see it: a URI for `MODEL_URI` and a read grant scoped to the model's folder. */
export abstract class ModelSource {
  /** A model in a `ModelRegistry`; read access covers every version of that model name. */
  static fromRegistry(registry: ModelRegistry, name: string, version: string, file?: string): ModelSource {
    return new RegistryModelSource(registry, name, version, file ?? DEFAULT_MODEL_FILE);
  }

  /**
   * A model object in any bucket, e.g. `models/lenet/1/model.mindir`; read access covers the object's folder
   * (`models/lenet/1/*`, so the `mindlet.json` beside it too) and the bucket's KMS key, if it has one.
   */
  static fromBucket(bucket: s3.IBucket, key: string): ModelSource {
    return new BucketModelSource(bucket, key);
  }

  /** `s3://bucket/key` of the model file. */
  abstract readonly uri: string;
  /** Grants read access to the model (and its manifest) and nothing else in the bucket. */
  abstract grantRead(grantee: iam.IGrantable): iam.Grant;
}

class RegistryModelSource extends ModelSource {
  readonly uri: string;

  constructor(
    private readonly registry: ModelRegistry,
    private readonly name: string,
    version: string,
    file: string,
  ) {
    super();
    this.uri = registry.modelUri(name, version, file);
  }

  grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.registry.grantReadModel(grantee, this.name);
  }
}

class BucketModelSource extends ModelSource {
  readonly uri: string;
  private readonly folder: string;

  constructor(
    private readonly bucket: s3.IBucket,
    key: string,
  ) {
    super();
    const slash = key.lastIndexOf('/');
    if (key.startsWith('/') || key.includes('..') || slash <= 0 || slash === key.length - 1)
      throw new Error(
        `model key ${JSON.stringify(key)}: give a file inside a folder, e.g. models/lenet/1/model.mindir`,
      );
    this.folder = key.slice(0, slash + 1);
    this.uri = `s3://${bucket.bucketName}/${key}`;
  }

  grantRead(grantee: iam.IGrantable): iam.Grant {
    const read = iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:GetObject'],
      resourceArns: [this.bucket.arnForObjects(`${this.folder}*`)],
    });
    return this.bucket.encryptionKey ? read.combine(this.bucket.encryptionKey.grantDecrypt(grantee)) : read;
  }
}

function checkName(name: string): string {
  return Token.isUnresolved(name) ? name : checkModelName(name);
}
