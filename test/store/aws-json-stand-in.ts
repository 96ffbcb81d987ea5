/**
 * A tiny stand-in for AWS services that speak the AWS JSON 1.1 protocol (Secrets Manager, SSM): POST / with an
 * `X-Amz-Target: <Service>.<Operation>` header and a JSON body. Handlers return a JSON answer, or throw
 * `{ type, message }` to answer with an AWS error. Binds 127.0.0.1 on a free port.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AwsJsonCall {
  target: string;
  body: Record<string, unknown>;
}

export type AwsJsonHandler = (body: Record<string, unknown>) => unknown;

export interface AwsJsonStandIn {
  endpoint: string;
  calls: AwsJsonCall[];
  stop(): Promise<void>;
}

export class AwsJsonError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startAwsJsonStandIn(handlers: Record<string, AwsJsonHandler>): Promise<AwsJsonStandIn> {
  const calls: AwsJsonCall[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      const reply = (status: number, payload: unknown, errorType?: string) => {
        response.writeHead(status, {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-requestid': `req-${calls.length}`,
          ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
        });
        response.end(JSON.stringify(payload));
      };
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch {
        reply(400, { __type: 'SerializationException', message: 'bad JSON' }, 'SerializationException');
        return;
      }
      calls.push({ target, body });
      const handler = request.method === 'POST' ? handlers[target] : undefined;
      if (!handler) {
        reply(400, { __type: 'UnknownOperationException', message: target }, 'UnknownOperationException');
        return;
      }
      try {
        reply(200, handler(body));
      } catch (error) {
        const type = error instanceof AwsJsonError ? error.type : 'InternalFailure';
        reply(error instanceof AwsJsonError ? 400 : 500, { __type: type, message: (error as Error).message }, type);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
