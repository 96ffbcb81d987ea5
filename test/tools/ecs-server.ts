/**
 * A local stand-in for Amazon ECS on 127.0.0.1, speaking the protocol the SDK uses (awsJson1_1: `POST /` with
 * `X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Operation>` and a JSON body). It answers RunTask with a task
 * whose ARN names the cluster, records every request, and can be switched to answer RunTask `failures` (no capacity),
 * a throttling error or any other ECS error, as ECS does.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ECSClient } from '@aws-sdk/client-ecs';

const TARGET_PREFIX = 'AmazonEC2ContainerServiceV20141113.';
const JSON_TYPE = 'application/x-amz-json-1.1';
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

export interface EcsRequest {
  /** The operation, e.g. `RunTask`. */
  operation: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** What RunTask answers next: a started task, placement failures, a throttling error or another ECS error. */
export type RunTaskMode =
  | { kind: 'ok' }
  | { kind: 'failures'; reason: string; detail?: string }
  | { kind: 'throttle' }
  | { kind: 'error'; type: string; message: string };

export interface LocalEcs {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** A client for the server (dummy credentials, SDK retries off so each call is one request). */
  client: ECSClient;
  /** Environment pointing the SDK at this server, for child processes. */
  env: Record<string, string>;
  /** Every request so far, in order. */
  readonly requests: EcsRequest[];
  /** ARNs of the tasks RunTask started. */
  readonly taskArns: string[];
  /** Sets how RunTask answers from now on. */
  setMode(mode: RunTaskMode): void;
  stop(): Promise<void>;
}

export async function startLocalEcs(): Promise<LocalEcs> {
  const requests: EcsRequest[] = [];
  const taskArns: string[] = [];
  let mode: RunTaskMode = { kind: 'ok' };

  const answer = (response: http.ServerResponse, status: number, value: unknown, errorType?: string) => {
    const body = JSON.stringify(value);
    response.writeHead(status, {
      'content-type': JSON_TYPE,
      'content-length': Buffer.byteLength(body),
      'x-amzn-requestid': randomBytes(16).toString('hex'),
      ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
    });
    response.end(body);
  };

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      if (request.method !== 'POST' || request.url !== '/' || !target.startsWith(TARGET_PREFIX)) {
        answer(response, 400, { __type: 'UnknownOperationException', message: `no operation ${target}` });
        return;
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        answer(response, 400, { __type: 'SerializationException', message: 'body is not JSON' });
        return;
      }
      const operation = target.slice(TARGET_PREFIX.length);
      requests.push({ operation, headers: request.headers, body });
      if (operation !== 'RunTask') {
        answer(response, 400, { __type: 'UnknownOperationException', message: `${operation} is not offered here` });
        return;
      }
      if (mode.kind === 'throttle') {
        answer(response, 400, { __type: 'ThrottlingException', message: 'Rate exceeded' }, 'ThrottlingException');
        return;
      }
      if (mode.kind === 'error') {
        answer(response, 400, { __type: mode.type, message: mode.message }, mode.type);
        return;
      }
      const cluster = String(body.cluster ?? 'default')
        .split('/')
        .pop();
      if (mode.kind === 'failures') {
        const instance = `arn:aws:ecs:${REGION}:${ACCOUNT}:container-instance/${cluster}/${randomBytes(16).toString('hex')}`;
        answer(response, 200, {
          tasks: [],
          failures: [{ arn: instance, reason: mode.reason, ...(mode.detail ? { detail: mode.detail } : {}) }],
        });
        return;
      }
      const taskArn = `arn:aws:ecs:${REGION}:${ACCOUNT}:task/${cluster}/${randomBytes(16).toString('hex')}`;
      taskArns.push(taskArn);
      const family = String(body.taskDefinition ?? '')
        .split('/')
        .pop();
      answer(response, 200, {
        tasks: [
          {
            taskArn,
            clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${cluster}`,
            taskDefinitionArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${family}`,
            lastStatus: 'PROVISIONING',
            desiredStatus: 'RUNNING',
            launchType: body.launchType,
            capacityProviderName: (
              body.capacityProviderStrategy as Array<{ capacityProvider?: string }> | undefined
            )?.[0]?.capacityProvider,
            overrides: body.overrides,
            startedBy: body.startedBy,
            tags: body.tags,
            createdAt: Date.now() / 1000,
          },
        ],
        failures: [],
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const credentials = { accessKeyId: 'ECSLOCAL', secretAccessKey: 'ECSLOCAL' };
  const client = new ECSClient({ endpoint, region: REGION, credentials, maxAttempts: 1 });
  return {
    endpoint,
    client,
    env: {
      AWS_ENDPOINT_URL_ECS: endpoint,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    },
    requests,
    taskArns,
    setMode(next) {
      mode = next;
    },
    async stop() {
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
