/**
 * AcceleratedService: the GPU service (instances, capacity provider, task definitions, load balancer, scaling), the
 * batch worker and heavy jobs, the Ascend (ECS Anywhere) variant, the ModelEndpoint and BatchPrediction hooks, least
 * privilege of every role, cdk-nag, and an image context staged without Docker.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, type CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExampleStack } from '../../infra/example-stack.js';
import {
  AcceleratedService,
  type AcceleratedServiceProps,
  acceleratorImage,
  BatchPrediction,
  ModelEndpoint,
  ModelRegistry,
  ModelSource,
  NativeRuntimeLayer,
} from '../../infra/index.js';
import type { Manifest } from '../../src/store/manifest.js';

let assets: string;
let context: string;
let httpCode: string;
let batchCode: string;
let layerZip: string;

beforeAll(() => {
  assets = mkdtempSync(path.join(tmpdir(), 'mindlet-accelerated-'));
  httpCode = path.join(assets, 'http');
  batchCode = path.join(assets, 'batch');
  for (const dir of [httpCode, batchCode]) {
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'index.mjs'), 'export const handler = async () => ({});\n');
  }
  layerZip = path.join(assets, 'layer-x86_64.zip');
  writeFileSync(layerZip, Buffer.from([0x50, 0x4b, 0x05, 0x06, ...new Array(18).fill(0)]));
  // A stand-in build context: the Dockerfiles, a source file, and what the image build must never see.
  context = path.join(assets, 'context');
  for (const dir of ['containers', 'src', 'node_modules/big', '.git', 'cdk.out'])
    mkdirSync(path.join(context, dir), { recursive: true });
  writeFileSync(path.join(context, 'containers/Dockerfile.gpu'), 'FROM scratch\n');
  writeFileSync(path.join(context, 'containers/Dockerfile.ascend'), 'FROM scratch\n');
  writeFileSync(path.join(context, 'src/index.ts'), 'export {};\n');
  writeFileSync(path.join(context, 'node_modules/big/index.js'), 'x'.repeat(1 << 16));
  writeFileSync(path.join(context, '.git/HEAD'), 'ref: refs/heads/main\n');
});

afterAll(() => rmSync(assets, { recursive: true, force: true }));

const RESNET = {
  name: 'resnet50',
  version: '1',
  bytes: 102_000_000,
  profile: { parameterBytes: 102_000_000, flops: 8_200_000_000 },
  placement: { target: 'gpu' as const },
};
const ENV = { account: '123456789012', region: 'eu-west-1' };

/** `env: null` makes a region-agnostic stack. */
function setup(env: typeof ENV | null = ENV) {
  const app = new App();
  const stack = new Stack(app, 'Test', env ? { env } : {});
  const registry = new ModelRegistry(stack, 'Registry');
  const source = ModelSource.fromRegistry(registry, RESNET.name, '1');
  return { app, stack, registry, source };
}

function service(
  ctx: ReturnType<typeof setup>,
  props: Partial<AcceleratedServiceProps> = {},
  id = 'Gpu',
): AcceleratedService {
  const accelerator = props.accelerator ?? (props.model?.placement?.target as 'ascend' | undefined) ?? 'gpu';
  return new AcceleratedService(ctx.stack, id, {
    model: RESNET,
    source: ctx.source,
    image: acceleratorImage(ctx.stack, `${id}Image`, accelerator, { directory: context }),
    ...props,
  });
}

function batchResources(stack: Stack) {
  const bucket = new s3.Bucket(stack, 'Data', { enforceSSL: true });
  const deadLetterQueue = new sqs.Queue(stack, 'Dlq', { enforceSSL: true });
  const queue = new sqs.Queue(stack, 'Events', {
    enforceSSL: true,
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: 3 },
  });
  return { bucket, queue, deadLetterQueue };
}

function id(stack: Stack, construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return stack.getLogicalId(element);
}

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

function resources(stack: Stack): Resources {
  return (Template.fromStack(stack).toJSON() as { Resources: Resources }).Resources;
}

/** Every statement of the policies attached to a role. */
function statementsOf(stack: Stack, role: iam.IRole): Statement[] {
  const roleId = id(stack, role);
  return Object.values(resources(stack))
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .filter((r) => (r.Properties.Roles as Array<{ Ref: string }>).some((ref) => ref.Ref === roleId))
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

function actions(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const object = value as Record<string, unknown>;
  if ('Fn::Join' in object) return ((object['Fn::Join'] as [string, unknown[]])[1] ?? []).map(flatten).join('');
  if ('Fn::GetAtt' in object) return `<${(object['Fn::GetAtt'] as string[]).join('.')}>`;
  if ('Ref' in object) return `<${object.Ref as string}>`;
  return JSON.stringify(value);
}

function resourceStrings(statement: Statement): string[] {
  return ([] as unknown[]).concat(statement.Resource).map(flatten);
}

/** The one container definition of a task definition. */
function container(stack: Stack, definition: ecs.TaskDefinition): Record<string, unknown> {
  const properties = resources(stack)[id(stack, definition)]!.Properties;
  return (properties.ContainerDefinitions as Array<Record<string, unknown>>)[0]!;
}

function ofType(stack: Stack, type: string): Array<Record<string, unknown>> {
  return Object.values(resources(stack))
    .filter((r) => r.Type === type)
    .map((r) => r.Properties);
}

describe('AcceleratedService on GPU', () => {
  let ctx: ReturnType<typeof setup>;
  let svc: AcceleratedService;
  let template: Template;

  beforeAll(() => {
    ctx = setup();
    svc = service(ctx);
    template = Template.fromStack(ctx.stack);
  });

  it('runs GPU instances from the ECS GPU AMI, g5/g6, from zero, IMDSv2 and encrypted disks', () => {
    const parameters = Template.fromStack(ctx.stack).toJSON().Parameters as Record<string, { Default: string }>;
    const ami = Object.entries(parameters).find(([, p]) => p.Default.includes('/ecs/optimized-ami/'));
    expect(ami?.[1].Default).toBe('/aws/service/ecs/optimized-ami/amazon-linux-2023/gpu/recommended/image_id');
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        ImageId: { Ref: ami![0] },
        MetadataOptions: { HttpTokens: 'required' },
        UserData: Match.anyValue(),
        Monitoring: { Enabled: true },
        BlockDeviceMappings: [
          {
            DeviceName: '/dev/xvda',
            Ebs: { Encrypted: true, VolumeType: 'gp3', VolumeSize: 100 + 1, DeleteOnTermination: true },
          },
        ],
      }),
    });
    const userData = flatten(
      (ofType(ctx.stack, 'AWS::EC2::LaunchTemplate')[0]!.LaunchTemplateData as { UserData: { 'Fn::Base64': unknown } })
        .UserData['Fn::Base64'],
    );
    expect(userData).toContain('echo ECS_ENABLE_GPU_SUPPORT=true >> /etc/ecs/ecs.config');
    expect(userData).toContain(
      `echo ECS_CLUSTER=<${id(ctx.stack, svc.cluster as ecs.Cluster)}> >> /etc/ecs/ecs.config`,
    );
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      MinSize: '0',
      NewInstancesProtectedFromScaleIn: true,
      MaxSize: '6',
      MixedInstancesPolicy: {
        LaunchTemplate: {
          LaunchTemplateSpecification: Match.anyValue(),
          Overrides: [{ InstanceType: 'g5.xlarge' }, { InstanceType: 'g6.xlarge' }],
        },
        InstancesDistribution: Match.objectLike({ OnDemandPercentageAboveBaseCapacity: 100 }),
      },
      VPCZoneIdentifier: ctx.stack.resolve(svc.vpc!.selectSubnets(svc.vpcSubnets).subnetIds),
    });
  });

  it('registers the group as a managed-scaling capacity provider of a Container Insights cluster', () => {
    template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
    template.hasResourceProperties('AWS::ECS::CapacityProvider', {
      AutoScalingGroupProvider: {
        AutoScalingGroupArn: Match.anyValue(),
        ManagedScaling: Match.objectLike({ Status: 'ENABLED', TargetCapacity: 100 }),
        ManagedTerminationProtection: 'ENABLED',
        ManagedDraining: 'ENABLED',
      },
    });
    template.hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', {
      CapacityProviders: Match.arrayWith([ctx.stack.resolve(svc.capacityProvider!.capacityProviderName)]),
    });
    template.hasResourceProperties('AWS::ECS::Service', {
      TaskDefinition: { Ref: id(ctx.stack, svc.taskDefinition) },
      DesiredCount: 1,
      CapacityProviderStrategy: [
        { CapacityProvider: ctx.stack.resolve(svc.capacityProvider!.capacityProviderName), Weight: 1 },
      ],
      HealthCheckGracePeriodSeconds: 600,
      DeploymentConfiguration: Match.objectLike({ DeploymentCircuitBreaker: { Enable: true, Rollback: true } }),
    });
  });

  it('serves the model from a GPU task: command, environment, memory, logs, read-only root, drain', () => {
    const definition = resources(ctx.stack)[id(ctx.stack, svc.taskDefinition)]!.Properties;
    expect(definition.NetworkMode).toBe('awsvpc');
    expect(definition.RequiresCompatibilities).toEqual(['EC2']);
    const volume = { Scope: 'task', Driver: 'local' };
    expect(definition.Volumes).toEqual([
      { Name: 'cache', DockerVolumeConfiguration: volume },
      { Name: 'tmp', DockerVolumeConfiguration: volume },
    ]);
    const serve = container(ctx.stack, svc.taskDefinition);
    expect(serve.Name).toBe('mindlet');
    expect(ctx.stack.resolve(serve.Command)).toEqual(
      ctx.stack.resolve(['serve', svc.modelUri, '--host', '0.0.0.0', '--port', '8080', '--watch', '0']),
    );
    expect(serve.ResourceRequirements).toEqual([{ Type: 'GPU', Value: '1' }]);
    // The policy's host figure for the CPU engine in the task: file 102 MB + packed weights 102 MB (195 MiB together)
    // + activations (8.2 GFLOP / 128 FLOP per byte = 64 MB, 61 MiB) + 512 MiB of runtime, rounded up.
    expect(serve.MemoryReservation).toBe(Math.ceil((2 * 102e6 + 8.2e9 / 128) / 2 ** 20 + 512));
    expect(serve.ReadonlyRootFilesystem).toBe(true);
    expect(serve.StopTimeout).toBe(120);
    expect(serve.PortMappings).toEqual([{ ContainerPort: 8080, Protocol: 'tcp' }]);
    expect(serve.MountPoints).toEqual([
      { ContainerPath: '/var/cache/mindlet', ReadOnly: false, SourceVolume: 'cache' },
      { ContainerPath: '/tmp', ReadOnly: false, SourceVolume: 'tmp' },
    ]);
    expect(serve.User).toBeUndefined();
    // AWS_REGION: CDK adds it to awsvpc EC2 tasks, which cannot reach the instance metadata.
    expect(serve.Environment).toEqual([
      { Name: 'MODEL_URI', Value: ctx.stack.resolve(svc.modelUri) },
      { Name: 'MODEL_NAME', Value: 'resnet50' },
      { Name: 'MINDLET_CACHE_DIR', Value: '/var/cache/mindlet' },
      { Name: 'AWS_REGION', Value: 'eu-west-1' },
    ]);
    expect(serve.LogConfiguration).toEqual({
      LogDriver: 'awslogs',
      Options: {
        'awslogs-group': { Ref: id(ctx.stack, svc.logGroup) },
        'awslogs-stream-prefix': 'serve',
        'awslogs-region': 'eu-west-1',
      },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('puts an internal load balancer in front, health-checking /v2/health/ready, draining 120 s', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internal',
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'access_logs.s3.enabled', Value: 'true' }]),
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' },
      ]),
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, Protocol: 'HTTP' });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 8080,
      Protocol: 'HTTP',
      TargetType: 'ip',
      HealthCheckPath: '/v2/health/ready',
      Matcher: { HttpCode: '200' },
      TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '120' }]),
    });
    expect(ctx.stack.resolve(svc.url)).toEqual({
      'Fn::Join': ['', ['http://', { 'Fn::GetAtt': [id(ctx.stack, svc.loadBalancer!), 'DNSName'] }]],
    });
  });

  it('opens the load balancer to nobody but grantees, and the tasks to the load balancer only', () => {
    const ingress = [
      ...ofType(ctx.stack, 'AWS::EC2::SecurityGroupIngress'),
      ...ofType(ctx.stack, 'AWS::EC2::SecurityGroup').flatMap(
        (sg) => (sg.SecurityGroupIngress as Array<Record<string, unknown>> | undefined) ?? [],
      ),
    ];
    expect(ingress).toHaveLength(1);
    expect(ingress[0]).toMatchObject({
      IpProtocol: 'tcp',
      FromPort: 8080,
      ToPort: 8080,
      SourceSecurityGroupId: {
        'Fn::GetAtt': [id(ctx.stack, svc.loadBalancer!.connections.securityGroups[0]!), 'GroupId'],
      },
    });
  });

  it('tracks requests per task, between minTasks 1 and maxTasks 4', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 1,
      MaxCapacity: 4,
      ScalableDimension: 'ecs:service:DesiredCount',
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: Match.objectLike({ PredefinedMetricType: 'ALBRequestCountPerTarget' }),
        TargetValue: 600,
      }),
    });
    // Step policies only come with minTasks 0.
    expect(ofType(ctx.stack, 'AWS::ApplicationAutoScaling::ScalingPolicy')).toHaveLength(1);
  });

  it('gives the task roles the model prefix only, and the execution roles image pull and logs only', () => {
    const modelObjects = `<${id(ctx.stack, ctx.registry.bucket)}.Arn>/models/resnet50/*`;
    for (const definition of [svc.taskDefinition, svc.jobTaskDefinition]) {
      const task = statementsOf(ctx.stack, definition.taskRole);
      expect(task.flatMap(actions).sort()).toEqual(['kms:Decrypt', 's3:GetObject']);
      for (const statement of task.filter((s) => actions(s).includes('s3:GetObject')))
        expect(resourceStrings(statement)).toEqual([modelObjects]);
      const execution = statementsOf(ctx.stack, definition.obtainExecutionRole());
      expect(execution.flatMap(actions).sort()).toEqual([
        'ecr:BatchCheckLayerAvailability',
        'ecr:BatchGetImage',
        'ecr:GetAuthorizationToken',
        'ecr:GetDownloadUrlForLayer',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
      ]);
      for (const statement of execution) {
        const star = resourceStrings(statement).includes('*');
        // Only GetAuthorizationToken, which has no resource-level permissions, is on '*'.
        if (star) expect(actions(statement)).toEqual(['ecr:GetAuthorizationToken']);
      }
      for (const statement of [...task, ...execution])
        for (const action of actions(statement)) expect(action).not.toContain('*');
    }
  });

  it('scales to zero when idle and back on the load balancer’s own 503s with minTasks 0', () => {
    const zero = setup();
    service(zero, { minTasks: 0, idleTimeout: Duration.minutes(20) });
    const t = Template.fromStack(zero.stack);
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 0, MaxCapacity: 4 });
    t.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 0 });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      StepScalingPolicyConfiguration: Match.objectLike({
        AdjustmentType: 'ExactCapacity',
        StepAdjustments: [{ MetricIntervalUpperBound: 0, ScalingAdjustment: 0 }],
      }),
    });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      StepScalingPolicyConfiguration: Match.objectLike({
        AdjustmentType: 'ChangeInCapacity',
        Cooldown: 600,
        StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }],
      }),
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ComparisonOperator: 'LessThanOrEqualToThreshold',
      Threshold: 0,
      EvaluationPeriods: 20,
      TreatMissingData: 'breaching',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'FILL(requests, 0) + FILL(rejected, 0)' }),
        Match.objectLike({
          Id: 'requests',
          MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'RequestCount' }) }),
        }),
      ]),
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      MetricName: 'HTTPCode_ELB_503_Count',
      Namespace: 'AWS/ApplicationELB',
      Statistic: 'Sum',
    });
  });

  it('serves HTTPS on 443 with a certificate, under the given name', () => {
    const https = setup();
    const certificate = { certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc' };
    const svc = service(https, {
      certificate: certificate as never,
      domainName: 'resnet.models.internal',
    });
    Template.fromStack(https.stack).hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: certificate.certificateArn }],
    });
    expect(svc.url).toBe('https://resnet.models.internal');
    expect(svc.listenerPort).toBe(443);
  });

  it('refuses settings that cannot work', () => {
    expect(() => service(setup(), { gpuCount: 2 })).toThrow(/default instance types have one GPU/);
    expect(() => service(setup(), { drainTimeout: Duration.seconds(300) })).toThrow(/at most 120 s/);
    expect(() => service(setup(), { minTasks: 3, maxTasks: 2 })).toThrow(/maxTasks 2/);
    const huge = { ...RESNET, bytes: 10e9, profile: { parameterBytes: 10e9, flops: 1e9 } };
    expect(() => service(setup(), { model: huge })).toThrow(/over the 15360 MiB a g5.xlarge or g6.xlarge leaves/);
    expect(() => service(setup(), { model: huge, instanceTypes: [new ec2.InstanceType('g5.4xlarge')] })).not.toThrow();
    const { bucket, queue } = batchResources(new Stack());
    expect(() =>
      service(setup(), { batch: { bucket, queue, inputPrefix: 'data/', outputPrefix: 'data/out/' } }),
    ).toThrow(/overlap/);
  });
});

describe('AcceleratedService batch worker and heavy jobs', () => {
  let ctx: ReturnType<typeof setup>;
  let svc: AcceleratedService;
  let data: ReturnType<typeof batchResources>;
  let caller: iam.Role;

  beforeAll(() => {
    ctx = setup();
    data = batchResources(ctx.stack);
    svc = service(ctx, {
      batch: { ...data, inputPrefix: 'in/', outputPrefix: 'out/', maxWorkers: 3, maxAttempts: 2 },
    });
    caller = new iam.Role(ctx.stack, 'Caller', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    svc.grantRunJob(caller);
  });

  it('runs `mindlet worker` with the queue, prefixes and dead-letter queue, from zero tasks', () => {
    const worker = container(ctx.stack, svc.workerTaskDefinition!);
    expect(worker.Command).toEqual(['worker']);
    expect(worker.ResourceRequirements).toEqual([{ Type: 'GPU', Value: '1' }]);
    const env = Object.fromEntries(
      (worker.Environment as Array<{ Name: string; Value: unknown }>).map((e) => [e.Name, flatten(e.Value)]),
    );
    const bucket = `<${id(ctx.stack, data.bucket)}>`;
    expect(env).toEqual({
      MODEL_URI: `s3://<${id(ctx.stack, ctx.registry.bucket)}>/models/resnet50/1/model.mindir`,
      MODEL_NAME: 'resnet50',
      MINDLET_CACHE_DIR: '/var/cache/mindlet',
      QUEUE_URL: `<${id(ctx.stack, data.queue)}>`,
      INPUT_PREFIX: `s3://${bucket}/in/`,
      OUTPUT_PREFIX: `s3://${bucket}/out/`,
      MAX_ATTEMPTS: '2',
      DEAD_LETTER_QUEUE_URL: `<${id(ctx.stack, data.deadLetterQueue)}>`,
      AWS_REGION: 'eu-west-1',
    });
    Template.fromStack(ctx.stack).hasResourceProperties('AWS::ECS::Service', {
      TaskDefinition: { Ref: id(ctx.stack, svc.workerTaskDefinition!) },
      DesiredCount: 0,
    });
  });

  it('scales workers out on visible messages and to zero once the queue is empty', () => {
    const t = Template.fromStack(ctx.stack);
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 0, MaxCapacity: 3 });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(ctx.stack, data.queue), 'QueueName'] } }],
    });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      StepScalingPolicyConfiguration: Match.objectLike({
        AdjustmentType: 'ChangeInCapacity',
        StepAdjustments: [
          { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 9, ScalingAdjustment: 1 },
          { MetricIntervalLowerBound: 9, MetricIntervalUpperBound: 99, ScalingAdjustment: 2 },
          { MetricIntervalLowerBound: 99, ScalingAdjustment: 4 },
        ],
      }),
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ComparisonOperator: 'LessThanOrEqualToThreshold',
      EvaluationPeriods: 5,
      TreatMissingData: 'breaching',
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'FILL(visible, 0) + FILL(inFlight, 0)' })]),
    });
  });

  it('lets workers read inputs, write outputs, consume the queue and dead-letter, nothing else', () => {
    const statements = statementsOf(ctx.stack, svc.workerTaskDefinition!.taskRole);
    const bucket = `<${id(ctx.stack, data.bucket)}.Arn>`;
    const byResource = statements.map((s) => ({ actions: actions(s).sort(), resources: resourceStrings(s) }));
    expect(byResource).toEqual(
      expect.arrayContaining([
        { actions: ['s3:GetObject'], resources: [`<${id(ctx.stack, ctx.registry.bucket)}.Arn>/models/resnet50/*`] },
        { actions: ['s3:GetObject'], resources: [`${bucket}/in/*`] },
        { actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'], resources: [`${bucket}/out/*`] },
        { actions: ['s3:ListBucket'], resources: [bucket] },
        {
          actions: [
            'sqs:ChangeMessageVisibility',
            'sqs:DeleteMessage',
            'sqs:GetQueueAttributes',
            'sqs:GetQueueUrl',
            'sqs:ReceiveMessage',
          ],
          resources: [`<${id(ctx.stack, data.queue)}.Arn>`],
        },
        {
          actions: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
          resources: [`<${id(ctx.stack, data.deadLetterQueue)}.Arn>`],
        },
      ]),
    );
    for (const statement of statements)
      for (const resource of resourceStrings(statement)) {
        expect(resource).not.toBe('*');
        expect(resource).not.toMatch(/^<[^>]+>\/\*$/);
      }
    for (const action of statements.flatMap(actions)) expect(action).not.toContain('*');
  });

  it('defines the heavy job task and tells RunTask callers how to start it', () => {
    const job = container(ctx.stack, svc.jobTaskDefinition);
    expect(job.Command).toEqual(['worker', '--job-env']);
    expect(job.ResourceRequirements).toEqual([{ Type: 'GPU', Value: '1' }]);
    const env = ctx.stack.resolve(svc.heavyTaskEnvironment());
    expect(env).toEqual({
      HEAVY_TASK_CLUSTER: { 'Fn::GetAtt': [id(ctx.stack, svc.cluster as ecs.Cluster), 'Arn'] },
      HEAVY_TASK_DEFINITION: { Ref: id(ctx.stack, svc.jobTaskDefinition) },
      HEAVY_TASK_CONTAINER: 'mindlet',
      HEAVY_TASK_CAPACITY_PROVIDER: ctx.stack.resolve(svc.capacityProvider!.capacityProviderName),
      HEAVY_TASK_SUBNETS: ctx.stack.resolve(svc.vpc!.selectSubnets(svc.vpcSubnets).subnetIds.join(',')),
      HEAVY_TASK_SECURITY_GROUPS: { 'Fn::GetAtt': [id(ctx.stack, svc.taskSecurityGroup!), 'GroupId'] },
    });
  });

  it('grants RunTask on the job definition in this cluster, and PassRole of its two roles only', () => {
    const statements = statementsOf(ctx.stack, caller);
    const clusterArn = { 'Fn::GetAtt': [id(ctx.stack, svc.cluster as ecs.Cluster), 'Arn'] };
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: 'ecs:RunTask',
        Resource: { Ref: id(ctx.stack, svc.jobTaskDefinition) },
        Condition: { ArnEquals: { 'ecs:cluster': clusterArn } },
      },
      {
        Effect: 'Allow',
        Action: 'ecs:TagResource',
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':ecs:eu-west-1:123456789012:task/',
              { Ref: id(ctx.stack, svc.cluster as ecs.Cluster) },
              '/*',
            ],
          ],
        },
        Condition: { StringEquals: { 'ecs:CreateAction': 'RunTask' } },
      },
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: [
          { 'Fn::GetAtt': [id(ctx.stack, svc.jobTaskDefinition.taskRole), 'Arn'] },
          { 'Fn::GetAtt': [id(ctx.stack, svc.jobTaskDefinition.obtainExecutionRole()), 'Arn'] },
        ],
        Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      },
    ]);
  });
});

describe('AcceleratedService on Ascend (ECS Anywhere)', () => {
  let ctx: ReturnType<typeof setup>;
  let svc: AcceleratedService;

  beforeAll(() => {
    ctx = setup();
    svc = service(
      ctx,
      {
        model: { ...RESNET, placement: { target: 'ascend' } },
        endpointUrl: 'http://npu.models.internal:8080/',
        ascendDevices: [0, 1],
        ascendDeviceGroupId: 1000,
        batch: { ...batchResources(ctx.stack), inputPrefix: 'in/', outputPrefix: 'out/' },
      },
      'Npu',
    );
  });

  it('runs EXTERNAL tasks and services, with no load balancer, instances or VPC', () => {
    expect(svc.accelerator).toBe('ascend');
    const definitions = ofType(ctx.stack, 'AWS::ECS::TaskDefinition');
    expect(definitions).toHaveLength(3);
    for (const definition of definitions) {
      expect(definition.RequiresCompatibilities).toEqual(['EXTERNAL']);
      expect(definition.NetworkMode).toBe('bridge');
    }
    const services = ofType(ctx.stack, 'AWS::ECS::Service');
    expect(services.map((s) => [s.LaunchType, s.DesiredCount])).toEqual([
      ['EXTERNAL', 1],
      ['EXTERNAL', 1],
    ]);
    for (const type of [
      'AWS::ElasticLoadBalancingV2::LoadBalancer',
      'AWS::AutoScaling::AutoScalingGroup',
      'AWS::EC2::VPC',
      'AWS::EC2::SecurityGroup',
    ])
      expect(ofType(ctx.stack, type)).toHaveLength(0);
    Template.fromStack(ctx.stack).hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
    expect(svc.url).toBe('http://npu.models.internal:8080');
  });

  it('maps the NPUs and control devices in, and the driver read-only', () => {
    const serve = container(ctx.stack, svc.taskDefinition);
    const devices = (serve.LinuxParameters as { Devices: Array<{ HostPath: string; ContainerPath: string }> }).Devices;
    expect(devices.map((d) => d.HostPath)).toEqual([
      '/dev/davinci0',
      '/dev/davinci1',
      '/dev/davinci_manager',
      '/dev/devmm_svm',
      '/dev/hisi_hdc',
    ]);
    for (const device of devices) expect(device.ContainerPath).toBe(device.HostPath);
    expect(serve.User).toBe('mindlet:1000');
    expect(serve.MountPoints).toEqual([
      { ContainerPath: '/var/cache/mindlet', ReadOnly: false, SourceVolume: 'cache' },
      { ContainerPath: '/tmp', ReadOnly: false, SourceVolume: 'tmp' },
      { ContainerPath: '/usr/local/Ascend/driver', ReadOnly: true, SourceVolume: 'ascend-0' },
      { ContainerPath: '/usr/local/dcmi', ReadOnly: true, SourceVolume: 'ascend-1' },
      { ContainerPath: '/usr/local/bin/npu-smi', ReadOnly: true, SourceVolume: 'ascend-2' },
    ]);
    const definition = resources(ctx.stack)[id(ctx.stack, svc.taskDefinition)]!.Properties;
    expect(definition.Volumes).toEqual(
      expect.arrayContaining([{ Name: 'ascend-0', Host: { SourcePath: '/usr/local/Ascend/driver' } }]),
    );
    expect(serve.PortMappings).toEqual([{ ContainerPort: 8080, HostPort: 8080, Protocol: 'tcp' }]);
    expect(serve.ReadonlyRootFilesystem).toBe(true);
    expect(serve.ResourceRequirements).toBeUndefined();
  });

  it('starts heavy jobs with launch type EXTERNAL and grants no network access', () => {
    expect(ctx.stack.resolve(svc.heavyTaskEnvironment())).toEqual({
      HEAVY_TASK_CLUSTER: { 'Fn::GetAtt': [expect.stringMatching(/^NpuCluster/), 'Arn'] },
      HEAVY_TASK_DEFINITION: { Ref: id(ctx.stack, svc.jobTaskDefinition) },
      HEAVY_TASK_CONTAINER: 'mindlet',
      HEAVY_TASK_LAUNCH_TYPE: 'EXTERNAL',
    });
    const role = new iam.Role(ctx.stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    expect(() => svc.grantInvoke(role)).toThrow(/by network/);
    expect(() => svc.allowFrom(new ec2.Connections())).toThrow(/on your network/);
  });

  it('needs an endpoint URL', () => {
    expect(() => service(setup(), { accelerator: 'ascend' })).toThrow(/needs endpointUrl/);
  });
});

describe('ModelEndpoint with taskRoutes', () => {
  it('forwards the routed models, from inside the service VPC, through the load balancer listener', () => {
    const ctx = setup();
    const svc = service(ctx);
    const layer = new NativeRuntimeLayer(ctx.stack, 'Layer', { zipPath: layerZip }).layerVersion;
    const endpoint = new ModelEndpoint(ctx.stack, 'Front', {
      model: RESNET,
      source: ctx.source,
      codePath: httpCode,
      layer,
      taskRoutes: [{ name: 'resnet50', service: svc }],
    });
    const fn = resources(ctx.stack)[id(ctx.stack, endpoint.function)]!.Properties;
    const variables = (fn.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(flatten(variables.TASK_ROUTES)).toBe(`resnet50=http://<${id(ctx.stack, svc.loadBalancer!)}.DNSName>`);
    const vpcConfig = fn.VpcConfig as { SubnetIds: unknown; SecurityGroupIds: unknown[] };
    expect(vpcConfig.SubnetIds).toEqual(ctx.stack.resolve(svc.vpc!.selectSubnets(svc.vpcSubnets).subnetIds));
    const functionSg = endpoint.function.connections.securityGroups[0]!;
    expect(vpcConfig.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [id(ctx.stack, functionSg), 'GroupId'] }]);
    Template.fromStack(ctx.stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 80,
      ToPort: 80,
      GroupId: { 'Fn::GetAtt': [id(ctx.stack, svc.loadBalancer!.connections.securityGroups[0]!), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [id(ctx.stack, functionSg), 'GroupId'] },
    });
    // The model is routed, so no "served on CPU" warning.
    Annotations.fromStack(ctx.stack).hasNoWarning('/Test/Front', Match.stringLikeRegexp('placed on gpu'));
  });

  it('stays outside any VPC without routes, and refuses duplicate names', () => {
    const ctx = setup();
    const layer = new NativeRuntimeLayer(ctx.stack, 'Layer', { zipPath: layerZip }).layerVersion;
    const endpoint = new ModelEndpoint(ctx.stack, 'Front', {
      model: RESNET,
      source: ctx.source,
      codePath: httpCode,
      layer,
    });
    const fn = resources(ctx.stack)[id(ctx.stack, endpoint.function)]!.Properties;
    expect(fn.VpcConfig).toBeUndefined();
    expect(Object.keys((fn.Environment as { Variables: object }).Variables)).not.toContain('TASK_ROUTES');
    const svc = service(ctx);
    expect(
      () =>
        new ModelEndpoint(ctx.stack, 'Twice', {
          model: RESNET,
          source: ctx.source,
          codePath: httpCode,
          layer,
          taskRoutes: [
            { name: 'resnet50', service: svc },
            { name: 'resnet50', service: svc },
          ],
        }),
    ).toThrow(/twice/);
  });
});

describe('BatchPrediction with heavyTasks', () => {
  it('sets the RunTask environment and grants, and gives the job tasks the batch prefixes', () => {
    const ctx = setup();
    const svc = service(ctx);
    const bucket = new s3.Bucket(ctx.stack, 'Data', { enforceSSL: true });
    const layer = new NativeRuntimeLayer(ctx.stack, 'Layer', { zipPath: layerZip }).layerVersion;
    const batch = new BatchPrediction(ctx.stack, 'Batch', {
      bucket,
      source: ctx.source,
      model: RESNET,
      codePath: batchCode,
      layer,
      memorySize: 2048,
      heavyTasks: svc,
    });
    const fn = resources(ctx.stack)[id(ctx.stack, batch.function)]!.Properties;
    expect(fn.VpcConfig).toBeUndefined();
    const variables = (fn.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(ctx.stack.resolve(svc.heavyTaskEnvironment())).toEqual(
      Object.fromEntries(Object.entries(variables).filter(([key]) => key.startsWith('HEAVY_TASK_'))),
    );
    const fnActions = statementsOf(ctx.stack, batch.function.role!).flatMap(actions);
    expect(fnActions).toEqual(expect.arrayContaining(['ecs:RunTask', 'ecs:TagResource', 'iam:PassRole']));
    const jobResources = statementsOf(ctx.stack, svc.jobTaskDefinition.taskRole)
      .filter((s) => actions(s).some((a) => a.startsWith('s3:')))
      .flatMap(resourceStrings);
    const data = `<${id(ctx.stack, bucket)}.Arn>`;
    expect(jobResources.sort()).toEqual(
      [`<${id(ctx.stack, ctx.registry.bucket)}.Arn>/models/resnet50/*`, `${data}/in/*`, `${data}/out/*`, data].sort(),
    );
  });
});

describe('cdk-nag AwsSolutions', () => {
  /** The findings a stack using these constructs acknowledges itself: its buckets and the grants on its prefixes. */
  function acknowledgeStackFindings(stack: Stack, registry: ModelRegistry, data?: s3.IBucket) {
    const arn = (construct: IConstruct) => `<${id(stack, construct)}.Arn>`;
    const findings: Array<[string, string]> = [
      ['AwsSolutions-S1', 'test buckets without server access logs'],
      [`AwsSolutions-IAM5[Resource::${arn(registry.bucket)}/models/resnet50/*]`, 'the one model prefix'],
      [
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'function logs',
      ],
      [
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
        'the endpoint function joins the VPC',
      ],
      ['AwsSolutions-IAM5[Resource::*]', 'X-Ray has no resource-level permissions'],
      ['AwsSolutions-L1', 'runtime pinned'],
      ['AwsSolutions-APIG1', 'the function logs requests'],
    ];
    if (data)
      findings.push(
        [`AwsSolutions-IAM5[Resource::${arn(data)}/in/*]`, 'input prefix'],
        [`AwsSolutions-IAM5[Resource::${arn(data)}/out/*]`, 'output prefix'],
      );
    for (const [finding, reason] of findings)
      Validations.of(stack).acknowledge({ id: `AwsSolutions::${finding}`, reason });
  }

  function nagApp(accelerator: 'gpu' | 'ascend') {
    const ctx = setup();
    const events = batchResources(ctx.stack);
    const svc = service(
      ctx,
      {
        accelerator,
        endpointUrl: 'http://npu.internal:8080',
        batch: { ...events, inputPrefix: 'in/', outputPrefix: 'out/' },
      },
      accelerator === 'gpu' ? 'Gpu' : 'Npu',
    );
    const layer = new NativeRuntimeLayer(ctx.stack, 'Layer', { zipPath: layerZip }).layerVersion;
    new ModelEndpoint(ctx.stack, 'Front', {
      model: RESNET,
      source: ctx.source,
      codePath: httpCode,
      layer,
      taskRoutes: [{ name: 'resnet50', service: svc }],
    });
    new BatchPrediction(ctx.stack, 'Batch', {
      bucket: events.bucket,
      source: ctx.source,
      codePath: batchCode,
      layer,
      heavyTasks: svc,
    });
    Validations.of(ctx.app).addPlugins(new AwsSolutionsChecks(ctx.app));
    return { ...ctx, svc, data: events.bucket };
  }

  it('finds nothing unacknowledged on GPU and Ascend, and fails a broader grant', () => {
    for (const accelerator of ['gpu', 'ascend'] as const) {
      const { app, stack, registry, data } = nagApp(accelerator);
      acknowledgeStackFindings(stack, registry, data);
      expect(() => app.synth(), accelerator).not.toThrow();
    }
    const { app, stack, registry, data, svc } = nagApp('gpu');
    acknowledgeStackFindings(stack, registry, data);
    registry.bucket.grantRead(svc.taskDefinition.taskRole);
    expect(() => app.synth()).toThrow(/AwsSolutions-IAM5/);
  }, 60_000);

  it('passes on the example stack for a GPU-placed model: routed endpoint, heavy batch jobs', () => {
    const manifest = JSON.parse(
      readFileSync(path.resolve(import.meta.dirname, '../../examples/models/lenet/1/mindlet.json'), 'utf8'),
    ) as Manifest;
    const functions = path.join(assets, 'functions');
    for (const name of ['http', 'batch']) {
      mkdirSync(path.join(functions, name), { recursive: true });
      writeFileSync(path.join(functions, name, 'index.mjs'), 'export const handler = async () => ({});\n');
    }
    const app = new App();
    const stack = new ExampleStack(app, 'MindletGpu', {
      functionsDir: functions,
      layerZip,
      model: {
        uri: 's3://published-models/models/lenet/1/model.mindir',
        manifest: { ...manifest, placement: { target: 'gpu' } },
      },
      accelerated: { image: ecs.ContainerImage.fromRegistry('registry.example.com/mindlet:gpu') },
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
    const variables = (fn: IConstruct) =>
      (resources(stack)[id(stack, fn)]!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(flatten(variables(stack.endpoint.function).TASK_ROUTES)).toMatch(
      /^lenet=http:\/\/<AcceleratedLoadBalancer\w+\.DNSName>$/,
    );
    expect(Object.keys(variables(stack.batch!.function))).toEqual(
      expect.arrayContaining(['HEAVY_TASK_CLUSTER', 'HEAVY_TASK_DEFINITION', 'HEAVY_TASK_SUBNETS']),
    );
  }, 60_000);

  it('synthesizes a region-agnostic GPU stack without access logs, with a warning', () => {
    const ctx = setup(null);
    service(ctx);
    Annotations.fromStack(ctx.stack).hasWarning('/Test/Gpu', Match.stringLikeRegexp('no access logs'));
    expect(ofType(ctx.stack, 'AWS::S3::Bucket')).toHaveLength(1);
  });
});

describe('acceleratorImage', () => {
  /** The Docker image entries of a stack's asset manifest: staged directory and Dockerfile. */
  function dockerAssets(app: App, stackName: string) {
    const assembly = app.synth();
    const manifest = JSON.parse(readFileSync(path.join(assembly.directory, `${stackName}.assets.json`), 'utf8')) as {
      dockerImages: Record<string, { source: { directory: string; dockerFile?: string; platform?: string } }>;
    };
    return { directory: assembly.directory, images: Object.values(manifest.dockerImages).map((image) => image.source) };
  }

  it('stages the context without node_modules or .git, and needs no Docker at synth', () => {
    const app = new App();
    const stack = new Stack(app, 'Image', { env: ENV });
    const image = acceleratorImage(stack, 'Image', 'gpu', { directory: context });
    new ecs.Ec2TaskDefinition(stack, 'Task').addContainer('c', { image, memoryReservationMiB: 64 });
    const started = Date.now();
    const { directory, images } = dockerAssets(app, 'Image');
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(images).toEqual([
      {
        directory: expect.stringMatching(/^asset\./),
        dockerFile: 'containers/Dockerfile.gpu',
        platform: 'linux/amd64',
      },
    ]);
    const staged = path.join(directory, images[0]!.directory);
    expect(readdirSync(staged).sort()).toEqual(['containers', 'src']);
    expect(existsSync(path.join(staged, 'containers/Dockerfile.gpu'))).toBe(true);
  });

  it('stages the repository for containers/Dockerfile.gpu and .ascend with every file they COPY, quickly', () => {
    const root = path.resolve(import.meta.dirname, '../..');
    for (const accelerator of ['gpu', 'ascend'] as const) {
      const app = new App();
      const stack = new Stack(app, 'Image', { env: ENV });
      const started = Date.now();
      new ecs.Ec2TaskDefinition(stack, 'Task').addContainer('c', {
        image: acceleratorImage(stack, 'Image', accelerator),
        memoryReservationMiB: 64,
      });
      const { directory, images } = dockerAssets(app, 'Image');
      expect(Date.now() - started, accelerator).toBeLessThan(30_000);
      const staged = path.join(directory, images[0]!.directory);
      const dockerfile = readFileSync(path.join(root, `containers/Dockerfile.${accelerator}`), 'utf8');
      expect(existsSync(path.join(staged, `containers/Dockerfile.${accelerator}`))).toBe(true);
      // Every COPY from the context (not from a build stage) finds its sources in the staged context.
      const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+)$/gm)].flatMap((m) =>
        m[1]!.trim().split(/\s+/).slice(0, -1),
      );
      expect(sources.length).toBeGreaterThan(3);
      for (const source of sources) expect(existsSync(path.join(staged, source)), source).toBe(true);
      for (const never of ['node_modules', '.git', 'dist', 'cdk.out'])
        expect(existsSync(path.join(staged, never))).toBe(false);
    }
  }, 90_000);

  it('uses containers/Dockerfile.ascend for Ascend', () => {
    const app = new App();
    const stack = new Stack(app, 'Image', { env: ENV });
    new ecs.ExternalTaskDefinition(stack, 'Task').addContainer('c', {
      image: acceleratorImage(stack, 'Image', 'ascend', { directory: context }),
      memoryReservationMiB: 64,
    });
    expect(dockerAssets(app, 'Image').images.map((image) => image.dockerFile)).toEqual([
      'containers/Dockerfile.ascend',
    ]);
  });
});
