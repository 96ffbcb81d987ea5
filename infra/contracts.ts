/**
 * What the constructs know of each other, as interfaces: the model an endpoint or pipeline is for, a service that
 * serves a model behind a URL, and the container tasks a batch pipeline hands heavy jobs to. `AcceleratedService`
 * implements the last two; `ModelEndpoint` and `BatchPrediction` depend on these, not on it, so no construct imports
 * another's file.
 */
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { Manifest } from '../src/store/manifest.js';

/** What an endpoint needs to know about its model: a parsed `mindlet.json` fits, only name and profile are needed. */
export type ModelDescription = Pick<Manifest, 'name' | 'profile'> &
  Partial<Pick<Manifest, 'version' | 'bytes' | 'encryption' | 'placement'>>;

/**
 * The seam for `AcceleratedService` (the routing issue): a model served behind a URL that callers are granted to
 * invoke. `ModelEndpoint` is the CPU/Lambda implementation; `AcceleratedService` will be the GPU/Ascend container one
 * (ECS on GPU instances), picked by the manifest's `placement.target`, so apps and the router can hold either.
 */
export interface InferenceService {
  /** The model served, `s3://bucket/key`. */
  readonly modelUri: string;
  /** Base URL of the service (KServe v2 under `/v2/...`). */
  readonly url: string;
  /** Lets `grantee` call the service (IAM-authorized services only). */
  grantInvoke(grantee: iam.IGrantable): iam.Grant;
}

/** A service the http function forwards a model's requests to (`ModelEndpoint`'s `taskRoutes`). */
export interface RoutedService extends InferenceService {
  /** The load balancer in front of the service, when it has one (the function is granted to reach it). */
  readonly loadBalancer?: elbv2.ApplicationLoadBalancer;
  /** The VPC the service runs in: the function joins it to reach an internal load balancer. */
  readonly vpc?: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
}

/** Container tasks a batch function hands heavy jobs to (ECS RunTask), as `BatchPrediction`'s `heavyTasks`. */
export interface HeavyJobTasks {
  /** The model the tasks serve, `s3://bucket/key`. */
  readonly modelUri: string;
  /** The one-shot job task's definition (its role is granted the batch prefixes). */
  readonly jobTaskDefinition: ecs.TaskDefinition;
  /** Environment the batch function needs to start a job task. */
  heavyTaskEnvironment(): Record<string, string>;
  /** Lets `grantee` start a job task (and pass its roles). */
  grantRunJob(grantee: iam.IGrantable): iam.Grant;
}
