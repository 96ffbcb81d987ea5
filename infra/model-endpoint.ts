/**
 * An online endpoint for one model, like an aws-ecs-patterns construct: the http function (functions/http.ts) with
 * the native runtime layer, sized from the model's manifest profile, behind an HTTP API (IAM or JWT auth) or a
 * function URL (IAM auth), with read access to that model's folder only and alarms on errors, throttles and latency.
 */
import { Annotations, Duration, Size } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { TASK_ROUTES_ENV } from '../src/serving/forwarder.js';
import { checkModelName } from '../src/store/names.js';
import type { InferenceService, ModelDescription, RoutedService } from './contracts.js';
import { grantKeyRef } from './grants.js';
import { modelEphemeralStorageMb, modelMemoryMb } from './memory-sizing.js';
import type { ModelSource } from './model-registry.js';
import { LAMBDA_NODE_RUNTIME, mindletPath, NativeRuntimeLayer } from './native-runtime-layer.js';

/** Who may call the endpoint. */
export class EndpointAuthorization {
  /** SigV4-signed requests from principals granted with `grantInvoke` (HTTP API or function URL). */
  static iam(): EndpointAuthorization {
    return new EndpointAuthorization('iam');
  }

  /** Bearer JWTs from an OIDC issuer (HTTP API only). */
  static jwt(options: JwtAuthorizationOptions): EndpointAuthorization {
    return new EndpointAuthorization('jwt', options);
  }

  private constructor(
    readonly kind: 'iam' | 'jwt',
    readonly jwt?: JwtAuthorizationOptions,
  ) {}
}

export interface JwtAuthorizationOptions {
  /** The token issuer, e.g. `https://cognito-idp.<region>.amazonaws.com/<pool id>`. */
  readonly issuer: string;
  /** Accepted `aud` (or `client_id`) values. */
  readonly audience: string[];
}

export enum FrontDoor {
  /** An API Gateway HTTP API (payload format 2.0) with a `$default` route. */
  HTTP_API = 'http-api',
  /** A Lambda function URL with AWS_IAM auth. */
  FUNCTION_URL = 'function-url',
}

export interface ModelEndpointProps {
  /** The model's name and profile, e.g. its parsed `mindlet.json`. */
  readonly model: ModelDescription;
  /** Where the model is; the function may read that model's folder and nothing else. */
  readonly source: ModelSource;
  /**
   * The http function bundle (a folder with `index.mjs`).
   * @default `dist/functions/http` in the mindlet package (`npm run build:functions`)
   */
  readonly codePath?: string;
  /**
   * The native runtime layer.
   * @default a new `NativeRuntimeLayer` with its default zip
   */
  readonly layer?: lambda.ILayerVersion;
  /**
   * Function memory (MB).
   * @default the manifest's `placement.memoryMb`, else `modelMemoryMb(model.profile)` (throws over Lambda's limit)
   */
  readonly memorySize?: number;
  /**
   * /tmp size (MB), where the model is cached.
   * @default `modelEphemeralStorageMb(model.bytes ?? model.profile.parameterBytes)`
   */
  readonly ephemeralStorageSize?: number;
  /**
   * Function timeout.
   * @default Duration.seconds(30), API Gateway's integration limit
   */
  readonly timeout?: Duration;
  /**
   * Concurrency reserved for (and limiting) the function.
   * @default no reservation
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Provisioned concurrency on the `live` alias the front door calls.
   * @default none (on-demand)
   */
  readonly provisionedConcurrentExecutions?: number;
  /**
   * HTTP API or function URL.
   * @default FrontDoor.HTTP_API
   */
  readonly frontDoor?: FrontDoor;
  /**
   * Who may call the endpoint; JWT needs the HTTP API.
   * @default EndpointAuthorization.iam()
   */
  readonly authorization?: EndpointAuthorization;
  /**
   * `MODEL_KEY_REF` for an encrypted model (env:, secretsmanager:, ssm:); grant access to the secret yourself.
   * @default the manifest's `encryption.keyRef`, else unset
   */
  readonly keyRef?: string;
  /**
   * `POWERTOOLS_SERVICE_NAME`.
   * @default `mindlet-<model name>`
   */
  readonly serviceName?: string;
  /**
   * More environment variables (`MINDLET_THREADS`, `MINDLET_MAX_BODY_BYTES`, ...).
   * @default none
   */
  readonly environment?: Record<string, string>;
  /**
   * Retention of the function's log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * p99 duration over 5 minutes that raises the latency alarm.
   * @default 80% of the timeout
   */
  readonly latencyAlarmThreshold?: Duration;
  /**
   * Topic the alarms notify.
   * @default no alarm actions
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Models the function forwards to container services instead of running them (`TASK_ROUTES`, `name=url,...`).
   * With GPU services the function runs in their VPC's subnets (all routes must share one VPC), in a security group
   * the services' load balancers admit.
   * @default none: the function runs every model itself, outside any VPC
   */
  readonly taskRoutes?: ReadonlyArray<TaskRoute>;
}

/** A model name the http function forwards, and the service it forwards to. */
export interface TaskRoute {
  readonly name: string;
  readonly service: RoutedService;
}

/** One model behind an authenticated HTTPS endpoint on Lambda. */
export class ModelEndpoint extends Construct implements InferenceService {
  readonly function: lambda.Function;
  /** The alias the front door invokes (and provisioned concurrency sits on). */
  readonly alias: lambda.Alias;
  readonly httpApi?: apigwv2.HttpApi;
  readonly functionUrl?: lambda.FunctionUrl;
  readonly modelUri: string;
  readonly url: string;
  readonly alarms: { errors: cloudwatch.Alarm; throttles: cloudwatch.Alarm; latency: cloudwatch.Alarm };
  private readonly authorization: EndpointAuthorization;

  constructor(scope: Construct, id: string, props: ModelEndpointProps) {
    super(scope, id);
    const { model } = props;
    this.modelUri = props.source.uri;
    this.authorization = props.authorization ?? EndpointAuthorization.iam();
    const frontDoor = props.frontDoor ?? FrontDoor.HTTP_API;
    if (this.authorization.kind === 'jwt' && frontDoor === FrontDoor.FUNCTION_URL)
      throw new Error('JWT authorization needs the HTTP API front door: function URLs take AWS_IAM or no auth');
    const target = model.placement?.target;
    const routed = props.taskRoutes?.some((route) => route.name === model.name) ?? false;
    if ((target === 'gpu' || target === 'ascend') && !routed)
      Annotations.of(this).addWarningV2(
        'mindlet:placement',
        `model ${model.name} is placed on ${target}; ModelEndpoint serves it on CPU (AcceleratedService is the ${target} path)`,
      );

    const timeout = props.timeout ?? Duration.seconds(30);
    const keyRef = props.keyRef ?? model.encryption?.keyRef;
    const routes = props.taskRoutes ?? [];
    const network = routesNetwork(routes);
    this.function = new lambda.Function(this, 'Function', {
      code: lambda.Code.fromAsset(props.codePath ?? mindletPath('dist/functions/http')),
      handler: 'index.handler',
      runtime: LAMBDA_NODE_RUNTIME,
      architecture: lambda.Architecture.X86_64,
      layers: [props.layer ?? new NativeRuntimeLayer(this, 'NativeRuntime').layerVersion],
      memorySize: props.memorySize ?? model.placement?.memoryMb ?? modelMemoryMb(model.profile),
      ephemeralStorageSize: Size.mebibytes(
        props.ephemeralStorageSize ?? modelEphemeralStorageMb(model.bytes ?? model.profile.parameterBytes),
      ),
      timeout,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        ...props.environment,
        MODEL_URI: this.modelUri,
        MODEL_NAME: model.name,
        ...(keyRef === undefined ? {} : { MODEL_KEY_REF: keyRef }),
        POWERTOOLS_SERVICE_NAME: props.serviceName ?? `mindlet-${model.name}`,
        ...(routes.length === 0
          ? {}
          : { [TASK_ROUTES_ENV]: routes.map((route) => `${route.name}=${route.service.url}`).join(',') }),
      },
      ...network,
      logGroup: new logs.LogGroup(this, 'Logs', { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH }),
      description: `mindlet endpoint for ${model.name}`,
    });
    props.source.grantRead(this.function);
    if (keyRef !== undefined) grantKeyRef(this.function, keyRef);
    // Internal load balancers admit callers by security group; Ascend services are reached on your own network.
    for (const route of routes) if (route.service.loadBalancer) route.service.grantInvoke(this.function);

    this.alias = new lambda.Alias(this, 'Live', {
      aliasName: 'live',
      version: this.function.currentVersion,
      provisionedConcurrentExecutions: props.provisionedConcurrentExecutions,
    });

    if (frontDoor === FrontDoor.FUNCTION_URL) {
      this.functionUrl = this.alias.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });
      this.url = this.functionUrl.url;
    } else {
      const jwt = this.authorization.jwt;
      this.httpApi = new apigwv2.HttpApi(this, 'Api', {
        description: `mindlet endpoint for ${model.name}`,
        defaultIntegration: new HttpLambdaIntegration('Model', this.alias),
        defaultAuthorizer: jwt
          ? new HttpJwtAuthorizer('Jwt', jwt.issuer, { jwtAudience: jwt.audience })
          : new HttpIamAuthorizer(),
      });
      this.url = this.httpApi.apiEndpoint;
    }

    this.alarms = this.createAlarms(timeout, props);
  }

  /** Lets `grantee` call the endpoint with SigV4 (execute-api:Invoke, or lambda:InvokeFunctionUrl). */
  grantInvoke(grantee: iam.IGrantable): iam.Grant {
    if (this.authorization.kind !== 'iam')
      throw new Error('this endpoint authorizes callers by JWT: IAM grants do not apply');
    if (this.functionUrl) return this.alias.grantInvokeUrl(grantee);
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: [this.httpApi!.arnForExecuteApi()],
    });
  }

  private createAlarms(timeout: Duration, props: ModelEndpointProps): ModelEndpoint['alarms'] {
    const period = Duration.minutes(5);
    const latencyMs = props.latencyAlarmThreshold?.toMilliseconds() ?? Math.round(timeout.toMilliseconds() * 0.8);
    const common = {
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    };
    const alarms = {
      errors: this.function.metricErrors({ period }).createAlarm(this, 'ErrorsAlarm', {
        ...common,
        threshold: 1,
        alarmDescription: `the ${props.model.name} endpoint's function failed`,
      }),
      throttles: this.function.metricThrottles({ period }).createAlarm(this, 'ThrottlesAlarm', {
        ...common,
        threshold: 1,
        alarmDescription: `the ${props.model.name} endpoint was throttled (reserved concurrency or account limit)`,
      }),
      latency: this.function.metricDuration({ period, statistic: 'p99' }).createAlarm(this, 'LatencyAlarm', {
        ...common,
        threshold: latencyMs,
        alarmDescription: `the ${props.model.name} endpoint's p99 duration reached ${latencyMs} ms`,
      }),
    };
    if (props.alarmTopic) {
      const action = new cwActions.SnsAction(props.alarmTopic);
      for (const alarm of Object.values(alarms)) alarm.addAlarmAction(action);
    }
    return alarms;
  }
}

/** The VPC and subnets of the routes' GPU services (one VPC for all), for the function to reach their load balancers. */
function routesNetwork(routes: ReadonlyArray<TaskRoute>): { vpc?: ec2.IVpc; vpcSubnets?: ec2.SubnetSelection } {
  const names = new Set<string>();
  for (const route of routes) {
    checkModelName(route.name);
    if (names.has(route.name)) throw new Error(`taskRoutes names ${route.name} twice`);
    names.add(route.name);
  }
  const networked = routes.filter((route) => route.service.vpc !== undefined);
  const first = networked[0];
  if (!first) return {};
  for (const route of networked)
    if (route.service.vpc !== first.service.vpc)
      throw new Error(
        `taskRoutes ${first.name} and ${route.name} are in different VPCs: the function can join only one`,
      );
  return { vpc: first.service.vpc, vpcSubnets: first.service.vpcSubnets };
}
