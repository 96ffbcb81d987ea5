/**
 * A model served from a container on an accelerator, the container counterpart of `ModelEndpoint`: on NVIDIA GPUs an
 * ECS cluster on GPU instances (an Auto Scaling group that ECS scales, from zero) behind an internal Application Load
 * Balancer; on Huawei Ascend NPUs an ECS Anywhere cluster whose tasks run on your own registered servers. Optionally a
 * queue-driven batch worker service, and always a task definition for one-shot heavy batch jobs that
 * `BatchPrediction`'s function starts with RunTask. Roles get the model's folder and the batch prefixes, nothing more.
 */
import { Annotations, ArnFormat, Duration, IgnoreMode, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { GPU_INSTANCES } from '../src/placement/limits.js';
import { estimateTargets, PLACEMENT_ASSUMPTIONS } from '../src/placement/policy.js';
import type { HeavyJobTasks, ModelDescription, RoutedService } from './contracts.js';
import { checkPrefix, grantKeyRef, grantPrefixes } from './grants.js';
import type { ModelSource } from './model-registry.js';
import { mindletPath } from './native-runtime-layer.js';

export type Accelerator = 'gpu' | 'ascend';

/** The port `mindlet serve` listens on inside the container. */
export const SERVE_PORT = 8080;
/** KServe v2 readiness: 200 once the model is loaded, 503 while loading or draining. */
export const HEALTH_CHECK_PATH = '/v2/health/ready';
/** The one container of every task definition (what `HEAVY_TASK_CONTAINER` names for RunTask overrides). */
export const CONTAINER_NAME = 'mindlet';
/**
 * ECS's longest container stop timeout, between SIGTERM and SIGKILL
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html, `stopTimeout`).
 */
export const MAX_STOP_TIMEOUT_SECONDS = 120;
/**
 * What the image build never needs from the repository root (the build context), so synthesis stages and fingerprints
 * a few MB rather than node_modules; a `.dockerignore` at the root adds to this.
 */
export const CONTAINER_CONTEXT_EXCLUDE = [
  '.git',
  '**/node_modules',
  '**/cdk.out',
  'coverage',
  'scratch',
  '.tmp',
  'build',
  'layers/native-runtime/build',
  'layers/native-runtime/build-test',
  'layers/native-runtime/dist',
  '*.log',
];
/** The default GPU instance types: one NVIDIA A10G (g5) or L4 (g6) with 24 GB, 4 vCPUs and 16 GiB each. */
export const DEFAULT_GPU_INSTANCE_TYPES = ['g5.xlarge', 'g6.xlarge'] as const;
/** Device indices (`/dev/davinci<N>`) given to an Ascend task by default. */
export const DEFAULT_ASCEND_DEVICES = [0];
/** Ascend driver files the container uses from the host, mounted read-only. */
export const ASCEND_DRIVER_MOUNTS = ['/usr/local/Ascend/driver', '/usr/local/dcmi', '/usr/local/bin/npu-smi'] as const;
/** Ascend control devices every NPU task needs besides its `/dev/davinci<N>`. */
export const ASCEND_CONTROL_DEVICES = ['/dev/davinci_manager', '/dev/devmm_svm', '/dev/hisi_hdc'] as const;

const GIB = 2 ** 30;
/** Where the images keep downloaded models (`MINDLET_CACHE_DIR`, containers/README.md). */
export const MODEL_CACHE_DIR = '/var/cache/mindlet';
/** The images' unprivileged user (containers/Dockerfile.*). */
const IMAGE_USER = 'mindlet';

export interface AcceleratedBatchOptions {
  /** The bucket holding inputs and outputs. */
  readonly bucket: s3.IBucket;
  /** The queue of S3 object-created events the workers consume (S3 event notifications or EventBridge). */
  readonly queue: sqs.IQueue;
  /** Key prefix of inputs, ending in '/'. */
  readonly inputPrefix: string;
  /** Key prefix of outputs and status files, ending in '/'. */
  readonly outputPrefix: string;
  /**
   * Where workers send objects that keep failing (`DEAD_LETTER_QUEUE_URL`).
   * @default none: SQS's own redrive policy on `queue`, if any, applies
   */
  readonly deadLetterQueue?: sqs.IQueue;
  /**
   * `MAX_ATTEMPTS`: deliveries of a transiently failing object before the worker dead-letters it.
   * @default 3
   */
  readonly maxAttempts?: number;
  /**
   * Most worker tasks (GPU); the fixed number of workers on Ascend, where ECS Anywhere services do not autoscale.
   * @default 2 on GPU, 1 on Ascend
   */
  readonly maxWorkers?: number;
  /**
   * How long the queue must be empty (no visible and no in-flight messages) before the workers scale to zero (GPU).
   * @default Duration.minutes(5)
   */
  readonly idleTimeout?: Duration;
}

export interface AcceleratedServiceProps {
  /** The model's name and profile, e.g. its parsed `mindlet.json`. */
  readonly model: ModelDescription;
  /** Where the model is; the tasks may read that model's folder and nothing else. */
  readonly source: ModelSource;
  /**
   * The accelerator.
   * @default the manifest's `placement.target` when it is 'gpu' or 'ascend', else 'gpu'
   */
  readonly accelerator?: Accelerator;
  /**
   * The container image; its entrypoint runs `mindlet`.
   * @default `acceleratorImage(this, 'Image', accelerator)`: `containers/Dockerfile.<accelerator>` in the mindlet
   *   package, built from the package root at deploy time (synthesis only stages the context, no Docker needed)
   */
  readonly image?: ecs.ContainerImage;
  /**
   * `MODEL_KEY_REF` for an encrypted model; the tasks may read that one secret or SSM parameter.
   * @default the manifest's `encryption.keyRef`, else unset
   */
  readonly keyRef?: string;
  /**
   * More environment variables for every container.
   * @default none
   */
  readonly environment?: Record<string, string>;
  /**
   * Host memory reserved for each task (MiB), what ECS places tasks by (a reservation, not a limit).
   * @default the manifest's `placement.memoryMb`, else the placement policy's host memory estimate for the task
   *   (`estimateTargets`, src/placement/policy.ts): the model file, its packed weights, activations and the runtime, as
   *   the CPU engine that computes in the task needs them
   */
  readonly memoryReservationMiB?: number;
  /**
   * Retention of the containers' log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Serving tasks kept running. 0 lets the service scale to zero when idle and back when requests arrive (GPU):
   * the first requests then get 503s for the minutes an instance and the model take to start.
   * @default 1
   */
  readonly minTasks?: number;
  /**
   * Most serving tasks (GPU); on Ascend the service runs `minTasks` tasks, at least one.
   * @default 4
   */
  readonly maxTasks?: number;
  /**
   * Time a stopping task gets to finish in-flight requests: the target group's deregistration delay and the
   * container's stop timeout (SIGTERM to SIGKILL), at most 120 s.
   * @default Duration.seconds(120)
   */
  readonly drainTimeout?: Duration;
  /**
   * How long a new serving task may take to download and load the model before failed health checks count.
   * @default Duration.minutes(10)
   */
  readonly startupGracePeriod?: Duration;
  /**
   * A second service running `mindlet worker` on a queue of S3 events.
   * @default no worker service
   */
  readonly batch?: AcceleratedBatchOptions;

  /**
   * (GPU) The VPC; tasks, instances and the load balancer go in its private subnets with egress.
   * @default a new VPC over two AZs with public and private subnets, one NAT gateway and flow logs
   */
  readonly vpc?: ec2.IVpc;
  /**
   * (GPU) Subnets for the instances, tasks and load balancer.
   * @default { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }
   */
  readonly subnets?: ec2.SubnetSelection;
  /**
   * (GPU) Instance types, in order of preference (an on-demand mixed instances policy).
   * @default g5.xlarge, g6.xlarge
   */
  readonly instanceTypes?: ec2.InstanceType[];
  /**
   * (GPU) The instances' AMI.
   * @default ecs.EcsOptimizedImage.amazonLinux2023(ecs.AmiHardwareType.GPU), the ECS GPU-optimized AL2023 AMI
   */
  readonly machineImage?: ec2.IMachineImage;
  /**
   * (GPU) GPUs per task.
   * @default 1
   */
  readonly gpuCount?: number;
  /**
   * (GPU) Most instances.
   * @default maxTasks + maxWorkers + 2 (room for heavy jobs), one task per instance
   */
  readonly maxInstances?: number;
  /**
   * (GPU) Root volume size (GiB, gp3, encrypted): the image, Docker layers and model copies.
   * @default 100 + twice the model size
   */
  readonly diskSizeGiB?: number;
  /**
   * (GPU) Serve HTTPS on 443 with this certificate instead of HTTP on 80.
   * @default HTTP
   */
  readonly certificate?: acm.ICertificate;
  /**
   * (GPU) The name in `url`, e.g. a private DNS record for the load balancer matching `certificate`.
   * @default the load balancer's DNS name
   */
  readonly domainName?: string;
  /**
   * (GPU) Requests per task per minute that target tracking keeps (ALBRequestCountPerTarget).
   * @default 600
   */
  readonly requestsPerTask?: number;
  /**
   * (GPU, `minTasks: 0`) Minutes without requests before the service scales to zero.
   * @default Duration.minutes(15)
   */
  readonly idleTimeout?: Duration;
  /**
   * (GPU) Bucket for the load balancer's access logs (SSE-S3: ALB cannot write SSE-KMS). Access logs need a stack
   * with a region (ELB's log-delivery principal depends on it); region-agnostic stacks get none, with a warning.
   * @default a new SSE-S3, TLS-only, private bucket, objects expiring after 90 days
   */
  readonly accessLogsBucket?: s3.IBucket;
  /**
   * (GPU) Topic notified of the Auto Scaling group's launches, terminations and failures.
   * @default no notifications (the group's activity history and ECS events still record them)
   */
  readonly notificationTopic?: sns.ITopic;

  /**
   * (Ascend) The URL callers reach the servers' port 8080 on (a load balancer or DNS name you run): ECS Anywhere
   * services have no Cloud Map or load balancer integration.
   * @default none; required for 'ascend'
   */
  readonly endpointUrl?: string;
  /**
   * (Ascend) NPU indices mapped into each task (`/dev/davinci<N>`).
   * @default [0]
   */
  readonly ascendDevices?: number[];
  /**
   * (Ascend) The gid of the servers' `HwHiAiUser` group, which owns the NPU devices: the container runs as the
   * image's user with this group (`getent group HwHiAiUser` on a server; the same on every server).
   * @default the image's user and group, which cannot open the devices unless they are world-accessible
   */
  readonly ascendDeviceGroupId?: number;
}

/** A model served on GPU (ECS on EC2) or Ascend (ECS Anywhere) containers. */
export class AcceleratedService extends Construct implements RoutedService, HeavyJobTasks {
  readonly accelerator: Accelerator;
  readonly modelUri: string;
  readonly url: string;
  /** The ECS cluster; on Ascend register your servers to it (SSM activation, `ecs-anywhere-install.sh`). */
  readonly cluster: ecs.ICluster;
  /** The serving service (`mindlet serve`). */
  readonly service: ecs.BaseService;
  readonly taskDefinition: ecs.TaskDefinition;
  /** The one-shot heavy-job task definition (`mindlet worker --job-env`, `MINDLET_JOB` set per task). */
  readonly jobTaskDefinition: ecs.TaskDefinition;
  /** The worker service, with `batch`. */
  readonly workerService?: ecs.BaseService;
  readonly workerTaskDefinition?: ecs.TaskDefinition;
  readonly logGroup: logs.LogGroup;
  /** (GPU) */
  readonly vpc?: ec2.IVpc;
  /** (GPU) Where the instances, tasks and load balancer are. */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** (GPU) */
  readonly autoScalingGroup?: autoscaling.AutoScalingGroup;
  /** (GPU) */
  readonly capacityProvider?: ecs.AsgCapacityProvider;
  /** (GPU) The internal load balancer in front of the serving service. */
  readonly loadBalancer?: elbv2.ApplicationLoadBalancer;
  readonly listener?: elbv2.ApplicationListener;
  readonly targetGroup?: elbv2.ApplicationTargetGroup;
  /** (GPU) The listener's port: 80, or 443 with a certificate. */
  readonly listenerPort?: number;
  /** (GPU) The security group of worker and heavy-job tasks (no inbound rules). */
  readonly taskSecurityGroup?: ec2.ISecurityGroup;

  private readonly settings: Settings;

  constructor(scope: Construct, id: string, props: AcceleratedServiceProps) {
    super(scope, id);
    const { model } = props;
    const target = model.placement?.target;
    this.accelerator = props.accelerator ?? (target === 'gpu' || target === 'ascend' ? target : 'gpu');
    if (target === 'cpu')
      Annotations.of(this).addWarningV2(
        'mindlet:placement',
        `model ${model.name} is placed on cpu; AcceleratedService serves it on ${this.accelerator} (ModelEndpoint is the cpu path)`,
      );
    this.modelUri = props.source.uri;
    const minTasks = props.minTasks ?? 1;
    const maxTasks = props.maxTasks ?? 4;
    checkCount('minTasks', minTasks, 0);
    checkCount('maxTasks', maxTasks, Math.max(1, minTasks));
    const drain = props.drainTimeout ?? Duration.seconds(MAX_STOP_TIMEOUT_SECONDS);
    if (drain.toSeconds() < 1 || drain.toSeconds() > MAX_STOP_TIMEOUT_SECONDS)
      throw new Error(`drainTimeout ${drain.toSeconds()} s: ECS stops a container at most 120 s after SIGTERM`);
    const keyRef = props.keyRef ?? model.encryption?.keyRef;
    const batch = props.batch && checkBatch(props.batch);
    const modelBytes = model.bytes ?? model.profile.parameterBytes;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const image = props.image ?? acceleratorImage(this, 'Image', this.accelerator);
    const environment = {
      ...props.environment,
      MODEL_URI: this.modelUri,
      MODEL_NAME: model.name,
      ...(keyRef === undefined ? {} : { MODEL_KEY_REF: keyRef }),
      MINDLET_CACHE_DIR: MODEL_CACHE_DIR,
    };
    const memoryReservationMiB =
      props.memoryReservationMiB ??
      model.placement?.memoryMb ??
      // The policy's own figure for this task (one rule: src/placement/policy.ts).
      estimateTargets({
        weightBytes: model.profile.parameterBytes,
        flops: model.profile.flops,
        batch: 1,
        dynamicDims: false,
        fileBytes: modelBytes,
      })[this.accelerator === 'ascend' ? 'ascend-task' : 'gpu-task'].memoryMb;
    checkCount('memoryReservationMiB', memoryReservationMiB, 6);
    const common: ContainerCommon = {
      image,
      environment,
      memoryReservationMiB,
      stopTimeout: drain,
      logGroup: this.logGroup,
      grantModel: (role) => {
        props.source.grantRead(role);
        if (keyRef !== undefined) grantKeyRef(role, keyRef);
      },
    };

    if (this.accelerator === 'ascend') {
      if (props.endpointUrl === undefined)
        throw new Error(
          'an Ascend AcceleratedService needs endpointUrl: ECS Anywhere tasks run on your servers, which ECS cannot put behind a load balancer or Cloud Map',
        );
      this.url = props.endpointUrl.replace(/\/+$/, '');
      const ascend = new AscendTasks(
        this,
        common,
        props.ascendDevices ?? DEFAULT_ASCEND_DEVICES,
        props.ascendDeviceGroupId,
      );
      this.cluster = ascend.cluster;
      this.taskDefinition = ascend.taskDefinition('Serve', serveCommand(this.modelUri), true);
      this.service = ascend.service('Service', this.taskDefinition, Math.max(1, minTasks));
      this.jobTaskDefinition = ascend.taskDefinition('Job', ['worker', '--job-env'], false);
      if (batch) {
        this.workerTaskDefinition = ascend.taskDefinition('Worker', ['worker'], false, workerEnvironment(batch));
        grantBatch(this.workerTaskDefinition.taskRole, batch);
        this.workerService = ascend.service('WorkerService', this.workerTaskDefinition, batch.maxWorkers ?? 1);
      }
      this.settings = { clusterArn: ascend.clusterArn, clusterName: ascend.clusterName, launchType: 'EXTERNAL' };
      this.acknowledgeFindings(false);
      return;
    }

    // GPU.
    const gpuCount = props.gpuCount ?? 1;
    checkCount('gpuCount', gpuCount, 1);
    if (props.instanceTypes === undefined) {
      if (gpuCount > 1)
        throw new Error(`gpuCount ${gpuCount}: the default instance types have one GPU; give instanceTypes with more`);
      // What the default types leave after the OS and the ECS agent (the policy's figures, src/placement/limits.ts).
      const hostMb =
        Math.min(...DEFAULT_GPU_INSTANCE_TYPES.map((type) => GPU_INSTANCES[type].memoryMb)) -
        PLACEMENT_ASSUMPTIONS.taskHostReservedMb;
      if (memoryReservationMiB > hostMb)
        throw new Error(
          `a task needs ${memoryReservationMiB} MiB of host memory, over the ${hostMb} MiB a ${DEFAULT_GPU_INSTANCE_TYPES.join(' or ')} leaves: give instanceTypes with more memory`,
        );
    }
    const maxWorkers = batch ? (batch.maxWorkers ?? 2) : 0;
    const gpu = new GpuCapacity(this, {
      vpc: props.vpc,
      subnets: props.subnets,
      instanceTypes: props.instanceTypes,
      machineImage: props.machineImage,
      maxInstances: props.maxInstances ?? maxTasks + maxWorkers + 2,
      diskSizeGiB: props.diskSizeGiB ?? 100 + Math.ceil((2 * modelBytes) / GIB),
      notificationTopic: props.notificationTopic,
      logRetention: props.logRetention,
    });
    this.vpc = gpu.vpc;
    this.vpcSubnets = gpu.subnets;
    this.cluster = gpu.cluster;
    this.autoScalingGroup = gpu.autoScalingGroup;
    this.capacityProvider = gpu.capacityProvider;
    const tasks = new GpuTasks(this, common, gpu, gpuCount);
    this.taskDefinition = tasks.taskDefinition('Serve', serveCommand(this.modelUri), true);
    this.jobTaskDefinition = tasks.taskDefinition('Job', ['worker', '--job-env'], false);
    this.taskSecurityGroup = new ec2.SecurityGroup(this, 'TaskSecurityGroup', {
      vpc: gpu.vpc,
      description: `mindlet ${model.name} worker and job tasks (outbound only)`,
    });

    // The internal load balancer, reachable only from security groups granted with grantInvoke.
    const serveSecurityGroup = new ec2.SecurityGroup(this, 'ServeSecurityGroup', {
      vpc: gpu.vpc,
      description: `mindlet ${model.name} serving tasks (from the load balancer only)`,
    });
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: gpu.vpc,
      vpcSubnets: gpu.subnets,
      internetFacing: false,
      dropInvalidHeaderFields: true,
      securityGroup: new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', {
        vpc: gpu.vpc,
        description: `mindlet ${model.name} internal load balancer (callers granted with grantInvoke)`,
        allowAllOutbound: false,
      }),
    });
    if (Token.isUnresolved(Stack.of(this).region)) {
      // ELB's log-delivery principal differs by region, which a region-agnostic stack does not know.
      Annotations.of(this).addWarningV2(
        'mindlet:accessLogs',
        'the stack has no region: the load balancer writes no access logs (give the stack an env to enable them)',
      );
      Validations.of(this.loadBalancer).acknowledge({
        id: 'AwsSolutions::AwsSolutions-ELB2',
        reason:
          'Region-agnostic stack: ELB access logging needs the region to name its log-delivery principal. Stacks with an env get access logs.',
      });
    } else {
      const accessLogs = props.accessLogsBucket ?? this.accessLogsBucket();
      this.loadBalancer.logAccessLogs(accessLogs, `mindlet-${model.name}`);
    }
    this.listenerPort = props.certificate ? 443 : 80;
    this.listener = this.loadBalancer.addListener('Listener', {
      port: this.listenerPort,
      open: false,
      ...(props.certificate
        ? { certificates: [props.certificate], sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS }
        : { protocol: elbv2.ApplicationProtocol.HTTP }),
    });
    const host = props.domainName ?? this.loadBalancer.loadBalancerDnsName;
    this.url = `${props.certificate ? 'https' : 'http'}://${host}`;

    const service = tasks.service('Service', this.taskDefinition, minTasks, serveSecurityGroup, {
      healthCheckGracePeriod: props.startupGracePeriod ?? Duration.minutes(10),
    });
    this.service = service;
    this.targetGroup = this.listener.addTargets('Model', {
      port: SERVE_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [service.loadBalancerTarget({ containerName: CONTAINER_NAME, containerPort: SERVE_PORT })],
      // A draining task answers readiness with 503 while it finishes its requests, for up to the drain time.
      deregistrationDelay: drain,
      healthCheck: {
        path: HEALTH_CHECK_PATH,
        healthyHttpCodes: '200',
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
    });
    this.scaleServing(service, minTasks, maxTasks, props);

    if (batch) {
      this.workerTaskDefinition = tasks.taskDefinition('Worker', ['worker'], false, workerEnvironment(batch));
      grantBatch(this.workerTaskDefinition.taskRole, batch);
      const worker = tasks.service('WorkerService', this.workerTaskDefinition, 0, this.taskSecurityGroup);
      this.workerService = worker;
      this.scaleWorkers(worker, batch, maxWorkers);
    }
    this.settings = {
      clusterArn: gpu.cluster.clusterArn,
      clusterName: gpu.cluster.clusterName,
      capacityProvider: gpu.capacityProvider.capacityProviderName,
      subnets: gpu.vpc.selectSubnets(gpu.subnets).subnetIds,
      securityGroups: [this.taskSecurityGroup.securityGroupId],
    };
    this.acknowledgeFindings(props.notificationTopic === undefined);
  }

  /**
   * Lets `grantee` call the service. The load balancer is internal and unauthenticated, so access is by network: the
   * grantee's security groups may reach the listener (a function must be in the service's VPC). Returns a grant with
   * no IAM statement. Ascend services are reached on your own network, which a grant cannot open.
   */
  grantInvoke(grantee: iam.IGrantable): iam.Grant {
    const connectable = connectionsOf(grantee);
    if (!connectable)
      throw new Error(
        'AcceleratedService access is by network: give a connectable grantee (a function in the VPC, a security group)',
      );
    this.allowFrom(connectable);
    return iam.Grant.drop(grantee, `reach ${this.url}`);
  }

  /** Lets `peer` (a security group, a function in the VPC, ...) reach the load balancer's listener (GPU). */
  allowFrom(peer: ec2.IConnectable): void {
    if (!this.loadBalancer || this.listenerPort === undefined)
      throw new Error(`Ascend services are reached at ${this.url} on your network: there is no load balancer to open`);
    this.loadBalancer.connections.allowFrom(peer, ec2.Port.tcp(this.listenerPort), `mindlet ${this.node.id} callers`);
  }

  /**
   * Lets `grantee` start heavy jobs: `ecs:RunTask` on `jobTaskDefinition` in this cluster only, `ecs:TagResource` on
   * the tasks RunTask creates in this cluster (the batch function tags each task with its object), and `iam:PassRole`
   * of the job's task and execution roles to ECS tasks only.
   */
  grantRunJob(grantee: iam.IGrantable): iam.Grant {
    const run = iam.Grant.addToPrincipal({
      grantee,
      actions: ['ecs:RunTask'],
      resourceArns: [this.jobTaskDefinition.taskDefinitionArn],
      conditions: { ArnEquals: { 'ecs:cluster': this.settings.clusterArn } },
    });
    const tasks = Stack.of(this).formatArn({
      service: 'ecs',
      resource: 'task',
      resourceName: `${this.settings.clusterName}/*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    const tag = iam.Grant.addToPrincipal({
      grantee,
      actions: ['ecs:TagResource'],
      resourceArns: [tasks],
      conditions: { StringEquals: { 'ecs:CreateAction': 'RunTask' } },
    });
    const roles = [this.jobTaskDefinition.taskRole, this.jobTaskDefinition.obtainExecutionRole()];
    const pass = iam.Grant.addToPrincipal({
      grantee,
      actions: ['iam:PassRole'],
      resourceArns: roles.map((role) => role.roleArn),
      conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    });
    if (Construct.isConstruct(grantee))
      Validations.of(grantee).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::${nagFlatten(Stack.of(this).resolve(tasks))}]`,
        reason:
          'Tagging the tasks RunTask creates in this one cluster (ecs:CreateAction RunTask): task IDs are not known before they start.',
      });
    return run.combine(tag).combine(pass);
  }

  /**
   * What a function needs to start a heavy job with RunTask: `HEAVY_TASK_CLUSTER`, `HEAVY_TASK_DEFINITION`,
   * `HEAVY_TASK_CONTAINER`, and `HEAVY_TASK_CAPACITY_PROVIDER`, `HEAVY_TASK_SUBNETS`, `HEAVY_TASK_SECURITY_GROUPS`
   * (comma-separated; GPU, awsvpc) or `HEAVY_TASK_LAUNCH_TYPE=EXTERNAL` (Ascend).
   */
  heavyTaskEnvironment(): Record<string, string> {
    const s = this.settings;
    return {
      HEAVY_TASK_CLUSTER: s.clusterArn,
      HEAVY_TASK_DEFINITION: this.jobTaskDefinition.taskDefinitionArn,
      HEAVY_TASK_CONTAINER: CONTAINER_NAME,
      ...(s.launchType === undefined ? {} : { HEAVY_TASK_LAUNCH_TYPE: s.launchType }),
      ...(s.capacityProvider === undefined ? {} : { HEAVY_TASK_CAPACITY_PROVIDER: s.capacityProvider }),
      ...(s.subnets === undefined ? {} : { HEAVY_TASK_SUBNETS: s.subnets.join(',') }),
      ...(s.securityGroups === undefined ? {} : { HEAVY_TASK_SECURITY_GROUPS: s.securityGroups.join(',') }),
    };
  }

  private accessLogsBucket(): s3.Bucket {
    const bucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions::AwsSolutions-S1',
      reason: 'This bucket holds the load balancer access logs; logging it into itself would loop.',
    });
    return bucket;
  }

  /**
   * Target tracking on requests per task. Idle load balancers publish no metrics
   * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html), so
   * target tracking can neither reach zero nor leave it: with `minTasks: 0` two step policies do, one to zero after
   * `idleTimeout` without requests, one adding a task when the load balancer answers 503 itself (no registered target).
   */
  private scaleServing(service: ecs.BaseService, minTasks: number, maxTasks: number, props: AcceleratedServiceProps) {
    const scaling = scalableTarget(this, 'ServeScaling', service, minTasks, maxTasks);
    const loadBalancer = this.loadBalancer!;
    scaling.scaleToTrackMetric('RequestsPerTask', {
      predefinedMetric: appscaling.PredefinedMetric.ALB_REQUEST_COUNT_PER_TARGET,
      resourceLabel: `${loadBalancer.loadBalancerFullName}/${this.targetGroup!.targetGroupFullName}`,
      targetValue: props.requestsPerTask ?? 600,
      scaleOutCooldown: Duration.minutes(1),
      scaleInCooldown: Duration.minutes(5),
    });
    if (minTasks > 0) return;
    const period = Duration.minutes(1);
    const requests = loadBalancer.metrics.requestCount({ period, statistic: 'Sum' });
    // The load balancer's own 503s: no registered target to send the request to (HttpCodeElb has no 503 member).
    const rejected = new cloudwatch.Metric({
      namespace: 'AWS/ApplicationELB',
      metricName: 'HTTPCode_ELB_503_Count',
      dimensionsMap: { LoadBalancer: loadBalancer.loadBalancerFullName },
      statistic: 'Sum',
      period,
    });
    const idleMinutes = Math.max(1, Math.round((props.idleTimeout ?? Duration.minutes(15)).toMinutes()));
    stepPolicy(this, 'ScaleToZero', scaling, {
      alarm: {
        metric: new cloudwatch.MathExpression({
          expression: 'FILL(requests, 0) + FILL(rejected, 0)',
          usingMetrics: { requests, rejected },
          period,
        }),
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
        threshold: 0,
        evaluationPeriods: idleMinutes,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        alarmDescription: `no requests to the ${props.model.name} service for ${idleMinutes} minutes: scale to zero`,
      },
      adjustmentType: appscaling.AdjustmentType.EXACT_CAPACITY,
      steps: [{ upperBound: 0, adjustment: 0 }],
    });
    stepPolicy(this, 'ScaleFromZero', scaling, {
      alarm: {
        metric: rejected,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        threshold: 1,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `the ${props.model.name} load balancer answered 503 (no task): start one`,
      },
      adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
      // Long enough for an instance to start and the model to load, so one burst of 503s starts one task.
      cooldown: props.startupGracePeriod ?? Duration.minutes(10),
      steps: [{ lowerBound: 0, adjustment: 1 }],
    });
  }

  /** Workers follow the queue: more as messages wait, zero once nothing is visible or in flight for `idleTimeout`. */
  private scaleWorkers(worker: ecs.BaseService, batch: AcceleratedBatchOptions, maxWorkers: number) {
    const scaling = scalableTarget(this, 'WorkerScaling', worker, 0, maxWorkers);
    const period = Duration.minutes(1);
    const visible = batch.queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' });
    const inFlight = batch.queue.metricApproximateNumberOfMessagesNotVisible({ period, statistic: 'Maximum' });
    stepPolicy(this, 'WorkersOut', scaling, {
      alarm: {
        metric: visible,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        threshold: 1,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: 'messages wait in the batch queue: add workers',
      },
      adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
      cooldown: Duration.minutes(3),
      // Bounds are relative to the threshold (1 message): 1-9 waiting → +1, 10-99 → +2, 100 or more → +4.
      steps: [
        { lowerBound: 0, upperBound: 9, adjustment: 1 },
        { lowerBound: 9, upperBound: 99, adjustment: 2 },
        { lowerBound: 99, adjustment: 4 },
      ],
    });
    const idleMinutes = Math.max(1, Math.round((batch.idleTimeout ?? Duration.minutes(5)).toMinutes()));
    stepPolicy(this, 'WorkersToZero', scaling, {
      alarm: {
        metric: new cloudwatch.MathExpression({
          expression: 'FILL(visible, 0) + FILL(inFlight, 0)',
          usingMetrics: { visible, inFlight },
          period,
        }),
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
        threshold: 0,
        evaluationPeriods: idleMinutes,
        // SQS stops reporting an inactive queue's metrics: no data is an empty queue.
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        alarmDescription: `the batch queue has been empty for ${idleMinutes} minutes: stop the workers`,
      },
      adjustmentType: appscaling.AdjustmentType.EXACT_CAPACITY,
      steps: [{ upperBound: 0, adjustment: 0 }],
    });
  }

  /** cdk-nag findings that come with this construct's design, each acknowledged on the resource it is about. */
  private acknowledgeFindings(noNotifications: boolean): void {
    for (const definition of [this.taskDefinition, this.jobTaskDefinition, this.workerTaskDefinition]) {
      if (!definition) continue;
      Validations.of(definition).acknowledge({
        id: 'AwsSolutions::AwsSolutions-ECS2',
        reason:
          'The environment holds no secrets: model and bucket URIs, queue URLs and at most a key reference (where the key is, never the key).',
      });
      Validations.of(definition.obtainExecutionRole()).acknowledge({
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason:
          'ecr:GetAuthorizationToken has no resource-level permissions; image pulls are limited to the one repository.',
      });
    }
    const asg = this.autoScalingGroup;
    if (!asg) return;
    Validations.of(asg.role).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason:
          'The ECS container agent policy CDK attaches: ecs:Poll and ecs:StartTelemetrySession (conditioned on this cluster), ecs:DiscoverPollEndpoint, ecr:GetAuthorizationToken and the agent log calls take no resource ARNs.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Action::ecs:Submit*]',
        reason: 'The ECS container agent reports task and container state with ecs:Submit*, on this cluster only.',
      },
    );
    Validations.of(asg).acknowledge({
      id: 'AwsSolutions::AwsSolutions-EC26',
      reason:
        "The rule reads only an Auto Scaling group's LaunchTemplate and throws on a MixedInstancesPolicy; the group's launch template has one block device, EBS-encrypted.",
    });
    if (noNotifications)
      Validations.of(asg).acknowledge({
        id: 'AwsSolutions::AwsSolutions-AS3',
        reason:
          'The ECS capacity provider drives this group; launches and terminations are in its activity history and the ECS service events. Pass notificationTopic to be notified.',
      });
  }
}

/**
 * The container image for an accelerator: `containers/Dockerfile.<accelerator>` with `directory` (the mindlet
 * package root) as build context. Synthesis stages the context into the cloud assembly (no Docker); `cdk deploy`
 * builds and pushes it.
 */
export function acceleratorImage(
  scope: Construct,
  id: string,
  accelerator: Accelerator,
  options: { directory?: string; platform?: ecrAssets.Platform } = {},
): ecs.ContainerImage {
  const file = `containers/Dockerfile.${accelerator}`;
  const asset = new ecrAssets.DockerImageAsset(scope, id, {
    directory: options.directory ?? mindletPath('.'),
    file,
    // After the context's .dockerignore (which may leave containers/ out): CDK re-includes the Dockerfile by its base
    // name only, which does not reach into an excluded folder.
    exclude: [...CONTAINER_CONTEXT_EXCLUDE, `!${file}`],
    ignoreMode: IgnoreMode.DOCKER,
    platform: options.platform ?? ecrAssets.Platform.LINUX_AMD64,
  });
  return ecs.ContainerImage.fromDockerImageAsset(asset);
}

interface Settings {
  clusterArn: string;
  clusterName: string;
  launchType?: 'EXTERNAL';
  capacityProvider?: string;
  subnets?: string[];
  securityGroups?: string[];
}

interface ContainerCommon {
  image: ecs.ContainerImage;
  environment: Record<string, string>;
  memoryReservationMiB: number;
  stopTimeout: Duration;
  logGroup: logs.ILogGroup;
  grantModel(role: iam.Role): void;
}

interface GpuCapacityProps {
  vpc?: ec2.IVpc;
  subnets?: ec2.SubnetSelection;
  instanceTypes?: ec2.InstanceType[];
  machineImage?: ec2.IMachineImage;
  maxInstances: number;
  diskSizeGiB: number;
  notificationTopic?: sns.ITopic;
  logRetention?: logs.RetentionDays;
}

/** The VPC, the cluster and its GPU instances: an Auto Scaling group from zero that ECS managed scaling sizes. */
class GpuCapacity {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly cluster: ecs.Cluster;
  readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  readonly capacityProvider: ecs.AsgCapacityProvider;

  constructor(scope: Construct, props: GpuCapacityProps) {
    this.subnets = props.subnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    this.vpc = props.vpc ?? newVpc(scope, props.logRetention);
    this.cluster = new ecs.Cluster(scope, 'Cluster', {
      vpc: this.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    checkCount('maxInstances', props.maxInstances, 1);
    if (!Number.isInteger(props.diskSizeGiB) || props.diskSizeGiB < 30)
      throw new Error(`diskSizeGiB ${props.diskSizeGiB}: give a whole number of GiB, at least 30`);

    const instanceTypes = props.instanceTypes ?? DEFAULT_GPU_INSTANCE_TYPES.map((type) => new ec2.InstanceType(type));
    if (instanceTypes.length === 0) throw new Error('instanceTypes is empty: give at least one GPU instance type');
    const role = new iam.Role(scope, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'mindlet GPU container instances (ECS agent)',
    });
    const launchTemplate = new ec2.LaunchTemplate(scope, 'LaunchTemplate', {
      // The ECS GPU-optimized AL2023 AMI (NVIDIA driver and container toolkit, GPU support on in the agent), the
      // successor of AL2's, which reaches end of life on 2026-06-30
      // (https://github.com/aws/containers-roadmap/issues/2072).
      machineImage: props.machineImage ?? ecs.EcsOptimizedImage.amazonLinux2023(ecs.AmiHardwareType.GPU),
      userData: ec2.UserData.forLinux(),
      role,
      securityGroup: new ec2.SecurityGroup(scope, 'InstanceSecurityGroup', {
        vpc: this.vpc,
        description: 'mindlet GPU container instances (outbound only; tasks have their own ENIs)',
      }),
      // IMDSv2 with the default hop limit of 1: containers cannot reach the instance role's credentials.
      requireImdsv2: true,
      detailedMonitoring: true,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(props.diskSizeGiB, {
            encrypted: true,
            volumeType: ec2.EbsDeviceVolumeType.GP3,
            deleteOnTermination: true,
          }),
        },
      ],
    });
    // Set on the GPU-optimized AMI already; explicit for a custom machineImage (the agent then reports its GPUs).
    launchTemplate.userData!.addCommands('echo ECS_ENABLE_GPU_SUPPORT=true >> /etc/ecs/ecs.config');
    this.autoScalingGroup = new autoscaling.AutoScalingGroup(scope, 'Instances', {
      vpc: this.vpc,
      vpcSubnets: this.subnets,
      mixedInstancesPolicy: {
        launchTemplate,
        launchTemplateOverrides: instanceTypes.map((instanceType) => ({ instanceType })),
        instancesDistribution: {
          onDemandPercentageAboveBaseCapacity: 100,
          onDemandAllocationStrategy: autoscaling.OnDemandAllocationStrategy.PRIORITIZED,
        },
      },
      minCapacity: 0,
      maxCapacity: props.maxInstances,
      cooldown: Duration.minutes(5),
      notifications: props.notificationTopic ? [{ topic: props.notificationTopic }] : undefined,
    });
    this.capacityProvider = new ecs.AsgCapacityProvider(scope, 'CapacityProvider', {
      autoScalingGroup: this.autoScalingGroup,
      // ECS sizes the group from the tasks waiting for a GPU, down to zero instances when none run.
      enableManagedScaling: true,
      targetCapacityPercent: 100,
      enableManagedTerminationProtection: true,
      enableManagedDraining: true,
    });
    this.cluster.addAsgCapacityProvider(this.capacityProvider);
  }
}

function newVpc(scope: Construct, retention: logs.RetentionDays | undefined): ec2.Vpc {
  const vpc = new ec2.Vpc(scope, 'Vpc', {
    maxAzs: 2,
    natGateways: 1,
    subnetConfiguration: [
      { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
      { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
    ],
  });
  vpc.addFlowLog('FlowLog', {
    destination: ec2.FlowLogDestination.toCloudWatchLogs(
      new logs.LogGroup(scope, 'FlowLogs', {
        retention: retention ?? logs.RetentionDays.ONE_MONTH,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
    ),
  });
  return vpc;
}

/** EC2 task definitions (awsvpc, one GPU resource requirement) and services on the capacity provider. */
class GpuTasks {
  constructor(
    private readonly scope: Construct,
    private readonly common: ContainerCommon,
    private readonly capacity: GpuCapacity,
    private readonly gpuCount: number,
  ) {}

  taskDefinition(id: string, command: string[], serves: boolean, extraEnv: Record<string, string> = {}) {
    const roles = taskRoles(this.scope, id, this.common);
    const definition = new ecs.Ec2TaskDefinition(this.scope, `${id}Task`, {
      // awsvpc: each task has its own ENI and security group, and the load balancer targets task IPs.
      networkMode: ecs.NetworkMode.AWS_VPC,
      ...roles,
    });
    addContainer(definition, this.common, command, serves, extraEnv, { gpuCount: this.gpuCount });
    return definition;
  }

  service(
    id: string,
    taskDefinition: ecs.TaskDefinition,
    desiredCount: number,
    securityGroup: ec2.ISecurityGroup,
    extra: { healthCheckGracePeriod?: Duration } = {},
  ): ecs.Ec2Service {
    return new ecs.Ec2Service(this.scope, id, {
      cluster: this.capacity.cluster,
      taskDefinition,
      desiredCount,
      capacityProviderStrategies: [
        { capacityProvider: this.capacity.capacityProvider.capacityProviderName, weight: 1 },
      ],
      vpcSubnets: this.capacity.subnets,
      securityGroups: [securityGroup],
      circuitBreaker: { rollback: true },
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      ...extra,
    });
  }
}

/**
 * ECS Anywhere: a cluster your Ascend servers register to, EXTERNAL task definitions with the NPU devices and driver
 * mapped in, and services without load balancer, Cloud Map or autoscaling (`ecs.ExternalService` refuses all three).
 */
class AscendTasks {
  readonly cluster: ecs.ICluster;
  readonly clusterArn: string;
  readonly clusterName: string;

  constructor(
    private readonly scope: Construct,
    private readonly common: ContainerCommon,
    private readonly devices: number[],
    private readonly deviceGroupId: number | undefined,
  ) {
    if (devices.length === 0 || devices.some((index) => !Number.isInteger(index) || index < 0))
      throw new Error(`ascendDevices ${JSON.stringify(devices)}: give NPU indices, e.g. [0]`);
    if (deviceGroupId !== undefined) checkCount('ascendDeviceGroupId', deviceGroupId, 0);
    // The L1 cluster: ecs.Cluster would make a VPC, which external instances do not use.
    const cluster = new ecs.CfnCluster(scope, 'Cluster', {
      clusterSettings: [{ name: 'containerInsights', value: 'enabled' }],
    });
    this.clusterArn = cluster.attrArn;
    this.clusterName = cluster.ref;
    this.cluster = ecs.Cluster.fromClusterArn(scope, 'ClusterRef', cluster.attrArn);
  }

  taskDefinition(id: string, command: string[], serves: boolean, extraEnv: Record<string, string> = {}) {
    const roles = taskRoles(this.scope, id, this.common);
    // Bridge networking: a served task publishes port 8080 on its server, where endpointUrl points.
    const definition = new ecs.ExternalTaskDefinition(this.scope, `${id}Task`, {
      networkMode: ecs.NetworkMode.BRIDGE,
      ...roles,
    });
    const linuxParameters = new ecs.LinuxParameters(this.scope, `${id}Linux`);
    const rw = [ecs.DevicePermission.READ, ecs.DevicePermission.WRITE];
    for (const device of [...this.devices.map((index) => `/dev/davinci${index}`), ...ASCEND_CONTROL_DEVICES])
      linuxParameters.addDevices({ hostPath: device, containerPath: device, permissions: rw });
    const container = addContainer(
      definition,
      this.common,
      command,
      serves,
      // CANN writes its logs under $HOME by default; the root filesystem is read-only, /tmp is the task volume.
      { ASCEND_PROCESS_LOG_PATH: '/tmp/ascend-log', ...extraEnv },
      {
        linuxParameters,
        // The NPU devices belong to the host's HwHiAiUser group: the image's user joins it by gid.
        user: this.deviceGroupId === undefined ? undefined : `${IMAGE_USER}:${this.deviceGroupId}`,
      },
    );
    ASCEND_DRIVER_MOUNTS.forEach((hostPath, index) => {
      const name = `ascend-${index}`;
      definition.addVolume({ name, host: { sourcePath: hostPath } });
      container.addMountPoints({ sourceVolume: name, containerPath: hostPath, readOnly: true });
    });
    return definition;
  }

  service(id: string, taskDefinition: ecs.TaskDefinition, desiredCount: number): ecs.ExternalService {
    return new ecs.ExternalService(this.scope, id, {
      cluster: this.cluster,
      taskDefinition,
      desiredCount,
      minHealthyPercent: 0,
      maxHealthyPercent: 100,
    });
  }
}

/** A task role (what the container may do) and an execution role (image pull and logs only) per task definition. */
function taskRoles(scope: Construct, id: string, common: ContainerCommon) {
  const principal = new iam.ServicePrincipal('ecs-tasks.amazonaws.com');
  const taskRole = new iam.Role(scope, `${id}TaskRole`, {
    assumedBy: principal,
    description: `mindlet ${id.toLowerCase()} containers`,
  });
  common.grantModel(taskRole);
  const executionRole = new iam.Role(scope, `${id}ExecutionRole`, {
    assumedBy: principal,
    description: `ECS pulls the mindlet image and writes ${id.toLowerCase()} logs`,
  });
  return { taskRole, executionRole };
}

function addContainer(
  definition: ecs.TaskDefinition,
  common: ContainerCommon,
  command: string[],
  serves: boolean,
  extraEnv: Record<string, string>,
  options: { gpuCount?: number; linuxParameters?: ecs.LinuxParameters; user?: string },
): ecs.ContainerDefinition {
  const container = definition.addContainer(CONTAINER_NAME, {
    image: common.image,
    command,
    environment: { ...common.environment, ...extraEnv },
    memoryReservationMiB: common.memoryReservationMiB,
    gpuCount: options.gpuCount,
    linuxParameters: options.linuxParameters,
    user: options.user,
    readonlyRootFilesystem: true,
    stopTimeout: common.stopTimeout,
    logging: ecs.LogDrivers.awsLogs({
      logGroup: common.logGroup,
      streamPrefix: definition.node.id.replace(/Task$/, '').toLowerCase(),
    }),
    portMappings: serves
      ? [
          {
            containerPort: SERVE_PORT,
            hostPort: definition.networkMode === ecs.NetworkMode.BRIDGE ? SERVE_PORT : undefined,
          },
        ]
      : undefined,
  });
  // The model cache and every other write: a volume on the instance's disk, as large as the disk.
  // Every write (the model cache, /tmp) goes to task-scoped Docker volumes on the instance's disk, not to tmpfs, which
  // is memory. A new Docker volume starts as a copy of the image's folder, owner included, so the image's
  // unprivileged user can write to it.
  for (const [name, containerPath] of [
    ['cache', MODEL_CACHE_DIR],
    ['tmp', '/tmp'],
  ] as const) {
    definition.addVolume({ name, dockerVolumeConfiguration: { scope: ecs.Scope.TASK, driver: 'local' } });
    container.addMountPoints({ sourceVolume: name, containerPath, readOnly: false });
  }
  return container;
}

function serveCommand(modelUri: string): string[] {
  return ['serve', modelUri, '--host', '0.0.0.0', '--port', String(SERVE_PORT), '--watch', '0'];
}

function workerEnvironment(batch: AcceleratedBatchOptions): Record<string, string> {
  const bucket = batch.bucket.bucketName;
  return {
    QUEUE_URL: batch.queue.queueUrl,
    INPUT_PREFIX: `s3://${bucket}/${batch.inputPrefix}`,
    OUTPUT_PREFIX: `s3://${bucket}/${batch.outputPrefix}`,
    MAX_ATTEMPTS: String(batch.maxAttempts ?? 3),
    ...(batch.deadLetterQueue ? { DEAD_LETTER_QUEUE_URL: batch.deadLetterQueue.queueUrl } : {}),
  };
}

/** Workers read inputs, write outputs, consume the queue and send to the dead-letter queue; nothing else. */
function grantBatch(role: iam.IRole, batch: AcceleratedBatchOptions): void {
  grantPrefixes(role, batch.bucket, batch.inputPrefix, batch.outputPrefix);
  batch.queue.grantConsumeMessages(role);
  batch.deadLetterQueue?.grantSendMessages(role);
}

function scalableTarget(
  scope: Construct,
  id: string,
  service: ecs.BaseService,
  minCapacity: number,
  maxCapacity: number,
): appscaling.ScalableTarget {
  const target = new appscaling.ScalableTarget(scope, id, {
    serviceNamespace: appscaling.ServiceNamespace.ECS,
    scalableDimension: 'ecs:service:DesiredCount',
    resourceId: `service/${service.cluster.clusterName}/${service.serviceName}`,
    minCapacity,
    maxCapacity,
    // Application Auto Scaling's service-linked role for ECS, as ecs.BaseService.autoScaleTaskCount uses.
    role: iam.Role.fromRoleArn(
      scope,
      `${id}Role`,
      service.stack.formatArn({
        region: '',
        service: 'iam',
        resource: 'role/aws-service-role/ecs.application-autoscaling.amazonaws.com',
        resourceName: 'AWSServiceRoleForApplicationAutoScaling_ECSService',
      }),
    ),
  });
  target.node.addDependency(service);
  return target;
}

interface StepPolicyOptions {
  alarm: Omit<cloudwatch.AlarmProps, 'actionsEnabled'>;
  adjustmentType: appscaling.AdjustmentType;
  cooldown?: Duration;
  steps: appscaling.AdjustmentTier[];
}

/** One alarm, one step scaling action: explicit, so missing data and the adjustment type are ours to choose. */
function stepPolicy(scope: Construct, id: string, target: appscaling.ScalableTarget, options: StepPolicyOptions) {
  const action = new appscaling.StepScalingAction(scope, `${id}Action`, {
    scalingTarget: target,
    adjustmentType: options.adjustmentType,
    cooldown: options.cooldown ?? Duration.minutes(1),
    metricAggregationType: appscaling.MetricAggregationType.MAXIMUM,
  });
  for (const step of options.steps) action.addAdjustment(step);
  const alarm = new cloudwatch.Alarm(scope, `${id}Alarm`, options.alarm);
  alarm.addAlarmAction(new cwActions.ApplicationScalingAction(action));
  return alarm;
}

function connectionsOf(grantee: iam.IGrantable): ec2.IConnectable | undefined {
  if (!('connections' in grantee)) return undefined;
  try {
    // A function outside a VPC has a `connections` getter that throws.
    return (grantee as iam.IGrantable & ec2.IConnectable).connections ? (grantee as ec2.IConnectable) : undefined;
  } catch {
    return undefined;
  }
}

function checkBatch(batch: AcceleratedBatchOptions): AcceleratedBatchOptions {
  const input = checkPrefix('batch.inputPrefix', batch.inputPrefix);
  const output = checkPrefix('batch.outputPrefix', batch.outputPrefix);
  if (input.startsWith(output) || output.startsWith(input))
    throw new Error(`batch prefixes ${input} and ${output} overlap: outputs would be read as inputs`);
  const maxAttempts = batch.maxAttempts ?? 3;
  checkCount('batch.maxAttempts', maxAttempts, 1);
  if (batch.maxWorkers !== undefined) checkCount('batch.maxWorkers', batch.maxWorkers, 1);
  return batch;
}

function checkCount(what: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min)
    throw new Error(`${what} ${value}: give a whole number, at least ${min}`);
}

/** A resolved CloudFormation value as cdk-nag names it in findings: `<LogicalId>`, `<LogicalId.Attr>`, joins flattened. */
function nagFlatten(value: unknown): string {
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const object = value as Record<string, unknown>;
  if ('Fn::Join' in object) {
    const [delimiter, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map(nagFlatten).join(delimiter);
  }
  if ('Fn::GetAtt' in object) return `<${(object['Fn::GetAtt'] as string[]).join('.')}>`;
  if ('Ref' in object) return `<${object.Ref as string}>`;
  return JSON.stringify(value);
}
