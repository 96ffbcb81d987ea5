import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, type CfnElement, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BatchPrediction,
  EndpointAuthorization,
  FrontDoor,
  ModelEndpoint,
  ModelRegistry,
  ModelSource,
  NativeRuntimeLayer,
} from '../../infra/index.js';

// Stand-ins for the bundles and the layer zip, so synthesis needs no build.
let assets: string;
let httpCode: string;
let batchCode: string;
let layerZip: string;

beforeAll(() => {
  assets = mkdtempSync(path.join(tmpdir(), 'mindlet-infra-'));
  httpCode = path.join(assets, 'http');
  batchCode = path.join(assets, 'batch');
  for (const dir of [httpCode, batchCode]) {
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'index.mjs'), 'export const handler = async () => ({});\n');
  }
  layerZip = path.join(assets, 'layer-x86_64.zip');
  // An empty zip: just the end-of-central-directory record.
  writeFileSync(layerZip, Buffer.from([0x50, 0x4b, 0x05, 0x06, ...new Array(18).fill(0)]));
});

afterAll(() => rmSync(assets, { recursive: true, force: true }));

const LENET = { name: 'lenet', version: '1', bytes: 250_000, profile: { parameterBytes: 246_824, flops: 845_000 } };

function setup() {
  const app = new App();
  const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const registry = new ModelRegistry(stack, 'Registry');
  const layer = new NativeRuntimeLayer(stack, 'Layer', { zipPath: layerZip }).layerVersion;
  return { app, stack, registry, layer };
}

function logicalId(stack: Stack, construct: IConstruct): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

/** Every statement of the policies attached to a function's role. */
function roleStatements(stack: Stack, fn: lambda.Function): Statement[] {
  const roleId = logicalId(stack, fn.role!);
  const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: roleId }] },
  });
  return Object.values(policies).flatMap(
    (policy) =>
      (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
  );
}

function actions(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

/** Resources as strings: Fn::Join parts concatenated, references as `<logical id>`. */
function resourceStrings(statement: Statement): string[] {
  const list = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
  return list.map(flatten);
}

function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const object = value as Record<string, unknown>;
  if ('Fn::Join' in object) return ((object['Fn::Join'] as [string, unknown[]])[1] ?? []).map(flatten).join('');
  if ('Fn::GetAtt' in object) return `<${(object['Fn::GetAtt'] as string[]).join('.')}>`;
  if ('Ref' in object) return `<${object.Ref as string}>`;
  return JSON.stringify(value);
}

/** No S3 action on `*`, or on every object of a bucket. */
function expectNoBroadS3(statements: Statement[]): void {
  for (const statement of statements) {
    if (!actions(statement).some((action) => action.startsWith('s3:'))) continue;
    for (const resource of resourceStrings(statement)) {
      expect(resource).not.toBe('*');
      expect(resource).not.toMatch(/^<[^>]+>\/\*$/);
    }
  }
}

describe('ModelRegistry', () => {
  it('the broad-S3 check catches a whole-bucket grant', () => {
    const { stack, registry, layer } = setup();
    const construct = new ModelEndpoint(stack, 'Endpoint', {
      model: LENET,
      source: ModelSource.fromRegistry(registry, 'lenet', '1'),
      codePath: httpCode,
      layer,
    });
    registry.bucket.grantRead(construct.function);
    expect(() => expectNoBroadS3(roleStatements(stack, construct.function))).toThrow();
  });

  it('makes a versioned, KMS-encrypted, TLS-only, private bucket with a lifecycle', () => {
    const { stack } = setup();
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() },
            BucketKeyEnabled: true,
          },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: {
        Rules: [
          {
            Status: 'Enabled',
            NoncurrentVersionExpiration: { NoncurrentDays: 30 },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
  });

  it('takes the expiry and an access log bucket', () => {
    const stack = new Stack();
    const logs = new s3.Bucket(stack, 'Logs');
    new ModelRegistry(stack, 'Registry', {
      noncurrentVersionExpiration: Duration.days(90),
      serverAccessLogsBucket: logs,
    });
    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: [Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 90 } })] },
      LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'model-registry/' },
    });
  });

  it('builds model URIs and refuses bad names', () => {
    const { stack, registry } = setup();
    expect(stack.resolve(registry.modelUri('lenet', '1'))).toEqual({
      'Fn::Join': ['', ['s3://', { Ref: logicalId(stack, registry.bucket) }, '/models/lenet/1/model.mindir']],
    });
    expect(() => registry.modelUri('../etc', '1')).toThrow(/invalid model name/);
    expect(() => registry.modelUri('lenet', 'a/b')).toThrow(/invalid model version/);
  });

  it('grants read on one model and decrypt on the key, nothing more', () => {
    const { stack, registry } = setup();
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    registry.grantReadModel(role, 'lenet');
    const bucketId = logicalId(stack, registry.bucket);
    const keyId = logicalId(stack, registry.encryptionKey);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 's3:GetObject',
            Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/models/lenet/*']] },
          },
          { Effect: 'Allow', Action: 'kms:Decrypt', Resource: { 'Fn::GetAtt': [keyId, 'Arn'] } },
        ],
      },
    });
  });
});

describe('NativeRuntimeLayer', () => {
  it('is a Node.js 22, x86_64 layer from the zip', () => {
    const { stack } = setup();
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::LayerVersion', {
      CompatibleRuntimes: ['nodejs22.x'],
      CompatibleArchitectures: ['x86_64'],
      Content: { S3Bucket: Match.anyValue(), S3Key: Match.stringLikeRegexp('\\.zip$') },
    });
  });

  it('says how to build a missing zip', () => {
    expect(() => new NativeRuntimeLayer(new Stack(), 'Layer', { zipPath: path.join(assets, 'none.zip') })).toThrow(
      /npm run build:layer/,
    );
  });
});

describe('ModelEndpoint', () => {
  function endpoint(props: Partial<ConstructorParameters<typeof ModelEndpoint>[2]> = {}) {
    const context = setup();
    const model = props.model ?? LENET;
    const construct = new ModelEndpoint(context.stack, 'Endpoint', {
      model,
      source: ModelSource.fromRegistry(context.registry, model.name, '1'),
      codePath: httpCode,
      layer: context.layer,
      ...props,
    });
    return { ...context, endpoint: construct, template: Template.fromStack(context.stack) };
  }

  it('runs the http function sized from the profile, with the layer and the environment', () => {
    const { template, stack, registry, layer } = endpoint();
    const bucketId = logicalId(stack, registry.bucket);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Runtime: 'nodejs22.x',
      Architectures: ['x86_64'],
      MemorySize: 320,
      EphemeralStorage: { Size: 513 },
      Timeout: 30,
      TracingConfig: { Mode: 'Active' },
      Layers: [{ Ref: logicalId(stack, layer) }],
      Environment: {
        Variables: {
          MODEL_URI: { 'Fn::Join': ['', ['s3://', { Ref: bucketId }, '/models/lenet/1/model.mindir']] },
          MODEL_NAME: 'lenet',
          POWERTOOLS_SERVICE_NAME: 'mindlet-lenet',
        },
      },
    });
    const fn = template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } });
    const variables = (Object.values(fn)[0] as { Properties: { Environment: { Variables: object } } }).Properties
      .Environment.Variables;
    expect(Object.keys(variables).sort()).toEqual(['MODEL_NAME', 'MODEL_URI', 'POWERTOOLS_SERVICE_NAME']);
  });

  it('reads only its model prefix', () => {
    const { stack, registry, endpoint: construct } = endpoint();
    const bucketId = logicalId(stack, registry.bucket);
    const statements = roleStatements(stack, construct.function);
    const s3Statements = statements.filter((statement) => actions(statement).some((a) => a.startsWith('s3:')));
    expect(s3Statements).toEqual([
      {
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/models/lenet/*']] },
      },
    ]);
    expect(statements.some((statement) => actions(statement).includes('kms:Decrypt'))).toBe(true);
    expectNoBroadS3(statements);
  });

  it('sits behind an HTTP API with IAM auth on the live alias by default', () => {
    const { template } = endpoint();
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default', AuthorizationType: 'AWS_IAM' });
    template.hasResourceProperties('AWS::Lambda::Alias', { Name: 'live' });
    template.resourceCountIs('AWS::Lambda::Url', 0);
  });

  it('grants execute-api:Invoke on its API', () => {
    const { stack, registry, layer } = setup();
    const construct = new ModelEndpoint(stack, 'Endpoint', {
      model: LENET,
      source: ModelSource.fromRegistry(registry, 'lenet', '1'),
      codePath: httpCode,
      layer,
    });
    const caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    construct.grantInvoke(caller);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'execute-api:Invoke',
            Resource: {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':execute-api:eu-west-1:123456789012:',
                  { Ref: logicalId(stack, construct.httpApi!) },
                  '/*/*/*',
                ],
              ],
            },
          },
        ],
      },
      Roles: [{ Ref: logicalId(stack, caller) }],
    });
  });

  it('takes a JWT authorizer', () => {
    const { template } = endpoint({
      authorization: EndpointAuthorization.jwt({ issuer: 'https://issuer.example.com', audience: ['mindlet'] }),
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: 'https://issuer.example.com', Audience: ['mindlet'] },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { AuthorizationType: 'JWT' });
  });

  it('or a function URL with AWS_IAM auth', () => {
    const { template } = endpoint({ frontDoor: FrontDoor.FUNCTION_URL });
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM', Qualifier: 'live' });
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 0);
    expect(() =>
      endpoint({
        frontDoor: FrontDoor.FUNCTION_URL,
        authorization: EndpointAuthorization.jwt({ issuer: 'https://i.example.com', audience: ['a'] }),
      }),
    ).toThrow(/JWT authorization needs the HTTP API/);
  });

  it('reserves and provisions concurrency', () => {
    const { template } = endpoint({ reservedConcurrentExecutions: 20, provisionedConcurrentExecutions: 2 });
    template.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 20 });
    template.hasResourceProperties('AWS::Lambda::Alias', {
      Name: 'live',
      ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 },
    });
  });

  it('passes the key reference of an encrypted model', () => {
    const { template } = endpoint({
      model: { ...LENET, encryption: { mode: 'AES-GCM', keyRef: 'secretsmanager:mindlet/lenet' } },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ MODEL_KEY_REF: 'secretsmanager:mindlet/lenet' }) },
    });
  });

  it('alarms on errors, throttles and p99 duration', () => {
    const { template } = endpoint();
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Errors', Threshold: 1 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Throttles', Threshold: 1 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Duration',
      ExtendedStatistic: 'p99',
      Threshold: 24_000,
    });
  });

  it('refuses a model over Lambda memory, and warns about accelerator placement', () => {
    expect(() =>
      endpoint({ model: { name: 'big', version: '1', profile: { parameterBytes: 28e9, flops: 1e10 } } }),
    ).toThrow(/over Lambda's 10240 MB limit/);
    const { stack } = endpoint({ model: { ...LENET, placement: { target: 'gpu' } } });
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('placed on gpu'));
  });

  it('can read a model from any bucket, scoped to its folder', () => {
    const { stack, layer } = setup();
    const bucket = new s3.Bucket(stack, 'Elsewhere');
    const construct = new ModelEndpoint(stack, 'Other', {
      model: LENET,
      source: ModelSource.fromBucket(bucket, 'teams/a/lenet/3/model.mindir'),
      codePath: httpCode,
      layer,
    });
    const bucketId = logicalId(stack, bucket);
    const s3Statements = roleStatements(stack, construct.function).filter((statement) =>
      actions(statement).some((a) => a.startsWith('s3:')),
    );
    expect(s3Statements).toEqual([
      {
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/teams/a/lenet/3/*']] },
      },
    ]);
  });
});

describe('BatchPrediction', () => {
  function batch(props: Partial<ConstructorParameters<typeof BatchPrediction>[2]> = {}) {
    const context = setup();
    const data = new s3.Bucket(context.stack, 'Data', { enforceSSL: true });
    const construct = new BatchPrediction(context.stack, 'Batch', {
      bucket: data,
      source: ModelSource.fromRegistry(context.registry, 'lenet', '1'),
      codePath: batchCode,
      layer: context.layer,
      ...props,
    });
    const ids = {
      data: logicalId(context.stack, data),
      registry: logicalId(context.stack, context.registry.bucket),
      queue: logicalId(context.stack, construct.queue),
      dlq: logicalId(context.stack, construct.deadLetterQueue),
    };
    return { ...context, data, batch: construct, ids, template: Template.fromStack(context.stack) };
  }

  it('queues S3 object-created events under the input prefix, with a dead-letter queue', () => {
    const { template, ids } = batch();
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 1800,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [ids.dlq, 'Arn'] }, maxReceiveCount: 3 },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' } }),
        ]),
      },
    });
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'in/' }] } },
            QueueArn: { 'Fn::GetAtt': [ids.queue, 'Arn'] },
          },
        ],
      },
    });
    template.resourceCountIs('AWS::Events::Rule', 0);
  });

  it('or through EventBridge', () => {
    const { template, ids } = batch({ eventBridge: true });
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: { EventBridgeConfiguration: {} },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: [{ Ref: ids.data }] }, object: { key: [{ prefix: 'in/' }] } },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [ids.queue, 'Arn'] } })],
    });
  });

  it('runs the batch function on the queue with partial batch responses', () => {
    const { template, ids } = batch();
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [ids.queue, 'Arn'] },
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Runtime: 'nodejs22.x',
      Timeout: 300,
      Environment: {
        Variables: {
          MODEL_URI: { 'Fn::Join': ['', ['s3://', { Ref: ids.registry }, '/models/lenet/1/model.mindir']] },
          INPUT_PREFIX: { 'Fn::Join': ['', ['s3://', { Ref: ids.data }, '/in/']] },
          OUTPUT_PREFIX: { 'Fn::Join': ['', ['s3://', { Ref: ids.data }, '/out/']] },
          MAX_ATTEMPTS: '3',
          DEAD_LETTER_QUEUE_URL: { Ref: ids.dlq },
          POWERTOOLS_SERVICE_NAME: 'mindlet-batch',
        },
      },
    });
  });

  it('may touch only its prefixes, the model and the dead-letter queue', () => {
    const { stack, batch: construct, ids } = batch();
    const statements = roleStatements(stack, construct.function);
    const dataArn = { 'Fn::GetAtt': [ids.data, 'Arn'] };
    const s3Statements = statements.filter((statement) => actions(statement).some((a) => a.startsWith('s3:')));
    expect(s3Statements).toEqual([
      { Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Join': ['', [dataArn, '/in/*']] } },
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
        Resource: { 'Fn::Join': ['', [dataArn, '/out/*']] },
      },
      {
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: dataArn,
        Condition: { StringLike: { 's3:prefix': ['out/*'] } },
      },
      {
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [ids.registry, 'Arn'] }, '/models/lenet/*']] },
      },
    ]);
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: 'sqs:SendMessage',
      Resource: { 'Fn::GetAtt': [ids.dlq, 'Arn'] },
    });
    // The event source's consume permissions are on the queue only.
    const consume = statements.find((statement) => actions(statement).includes('sqs:ReceiveMessage'));
    expect(consume?.Resource).toEqual({ 'Fn::GetAtt': [ids.queue, 'Arn'] });
    expectNoBroadS3(statements);
  });

  it('takes its sizes, prefixes and retry counts from props', () => {
    const { template } = batch({
      inputPrefix: 'requests/',
      outputPrefix: 'predictions/',
      timeout: Duration.minutes(15),
      batchSize: 5,
      maxAttempts: 2,
      maxReceiveCount: 4,
      model: { name: 'resnet', profile: { parameterBytes: 102_400_000, flops: 8.2e9 } },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 576,
      EphemeralStorage: { Size: 708 },
      Timeout: 900,
      Environment: { Variables: Match.objectLike({ MAX_ATTEMPTS: '2' }) },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 5400,
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 4 }),
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 5 });
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        QueueConfigurations: [
          Match.objectLike({ Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'requests/' }] } } }),
        ],
      },
    });
  });

  it('refuses overlapping prefixes and a redrive below MAX_ATTEMPTS', () => {
    expect(() => batch({ inputPrefix: 'data/', outputPrefix: 'data/out/' })).toThrow(/overlap/);
    expect(() => batch({ inputPrefix: 'in' })).toThrow(/ending in '\/'/);
    expect(() => batch({ maxAttempts: 5, maxReceiveCount: 3 })).toThrow(/maxReceiveCount 3 is below maxAttempts 5/);
  });
});

describe('encrypted models', () => {
  it('lets the functions read only the secret or parameter their key reference names', () => {
    const { stack, registry, layer } = setup();
    const source = ModelSource.fromRegistry(registry, 'lenet', '1');
    const endpoint = new ModelEndpoint(stack, 'Endpoint', {
      model: { ...LENET, encryption: { mode: 'AES-GCM', keyRef: 'secretsmanager:mindlet/lenet-key' } },
      source,
      codePath: httpCode,
      layer,
    });
    const bucket = new s3.Bucket(stack, 'Data');
    const batch = new BatchPrediction(stack, 'Batch', {
      bucket,
      source,
      keyRef: 'ssm:/mindlet/lenet-key',
      codePath: batchCode,
      layer,
    });
    const statementsOf = (fn: lambda.Function) =>
      roleStatements(stack, fn).filter((s) => actions(s).some((a) => /^(secretsmanager|ssm):/.test(a)));
    const secret = statementsOf(endpoint.function);
    expect(secret.map(actions)).toEqual([['secretsmanager:GetSecretValue']]);
    expect(resourceStrings(secret[0]!)).toEqual([
      expect.stringMatching(
        /^arn:<AWS::Partition>:secretsmanager:eu-west-1:123456789012:secret:mindlet\/lenet-key-\?{6}$/,
      ),
    ]);
    const parameter = statementsOf(batch.function);
    expect(parameter.map(actions)).toEqual([['ssm:GetParameter']]);
    expect(resourceStrings(parameter[0]!)).toEqual([
      expect.stringMatching(/^arn:<AWS::Partition>:ssm:eu-west-1:123456789012:parameter\/mindlet\/lenet-key$/),
    ]);
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ MODEL_KEY_REF: 'ssm:/mindlet/lenet-key' }) },
    });
  });
});
