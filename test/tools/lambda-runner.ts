/**
 * Runs a bundled Lambda function the way the Node.js runtime does, in a fresh Node process: the bundle is copied to
 * its own temp directory (no node_modules above it), NODE_PATH holds only the layer's node_modules, the module is
 * imported once (the init phase) and `handler(event, context)` is called for each event in turn, so invokes share
 * one warm execution environment. Everything the function writes to stdout (logs, EMF metrics) is kept per invoke.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

/** Written beside the bundle and run by the child; plain JS, since the child has no TypeScript loader. */
const BOOTSTRAP = `
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const MARK = process.env.LAMBDA_RUNNER_MARK;
// Each step ends with a marked line on stdout (the message) and on stderr (so the parent can split both streams).
const say = (message) => {
  process.stdout.write(JSON.stringify({ [MARK]: message }) + '\\n');
  process.stderr.write(JSON.stringify({ [MARK]: { kind: 'end' } }) + '\\n');
};
const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME;

let handler;
const initStarted = performance.now();
try {
  const [file, name] = process.env._HANDLER.split('.');
  handler = (await import(pathToFileURL(process.env.LAMBDA_TASK_ROOT + '/' + file + '.mjs').href))[name];
  if (typeof handler !== 'function') throw new Error('handler ' + process.env._HANDLER + ' is not a function');
  say({ kind: 'init', ms: performance.now() - initStarted });
} catch (error) {
  say({ kind: 'init-error', error: { name: error.name, message: error.message } });
  process.exit(1);
}

for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  if (!line.trim()) continue;
  const { requestId, event, timeoutMs, traceId } = JSON.parse(line);
  // The runtime sets the invoke's trace header in the environment, where the X-Ray SDK and Powertools read it.
  process.env._X_AMZN_TRACE_ID = traceId;
  const deadline = Date.now() + timeoutMs;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: 'arn:aws:lambda:' + process.env.AWS_REGION + ':123456789012:function:' + functionName,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: requestId,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
  const started = performance.now();
  try {
    const result = await handler(event, context);
    say({ kind: 'result', requestId, result, ms: performance.now() - started });
  } catch (error) {
    say({ kind: 'error', requestId, error: { name: error?.name, message: error?.message }, ms: performance.now() - started });
  }
}
`;

export interface InvokeOutcome {
  requestId: string;
  /** What the handler returned (undefined when it threw). */
  result?: unknown;
  /** What the handler threw. */
  error?: { name?: string; message?: string };
  ms: number;
  /** Lines the function wrote to stdout during this invoke (info logs, EMF metrics). */
  stdout: string[];
  /** Lines the function wrote to stderr during this invoke (warning and error logs). */
  stderr: string[];
}

export interface LambdaRunner {
  /** Lines the function wrote to stdout during init (module import). */
  readonly initStdout: string[];
  /** Lines the function wrote to stderr during init. */
  readonly initStderr: string[];
  invoke(event: unknown, options?: { timeoutMs?: number }): Promise<InvokeOutcome>;
  /** Ends stdin, waits for the process to exit and removes its directory. */
  close(): Promise<number | null>;
}

export interface LambdaRunnerOptions {
  /** Directory holding the bundle's index.mjs (and its source map). */
  bundleDir: string;
  /** The layer's nodejs/node_modules, as Lambda's NODE_PATH has /opt/nodejs/node_modules. */
  layerNodeModules: string;
  /** Function configuration (MODEL_URI, ...) and anything else the function should see. */
  env: Record<string, string>;
  functionName?: string;
  /** Where X-Ray segments go (a UDP host:port); when given, every invoke is sampled. Default: none, unsampled. */
  xrayDaemonAddress?: string;
}

type Message =
  | { kind: 'init'; ms: number }
  | { kind: 'init-error'; error: { name?: string; message?: string } }
  | { kind: 'result'; requestId: string; result: unknown; ms: number }
  | { kind: 'error'; requestId: string; error: { name?: string; message?: string }; ms: number };

export async function startLambdaRunner(options: LambdaRunnerOptions): Promise<LambdaRunner> {
  const taskRoot = mkdtempSync(path.join(os.tmpdir(), 'mindlet-lambda-'));
  cpSync(options.bundleDir, taskRoot, { recursive: true });
  writeFileSync(path.join(taskRoot, 'bootstrap.mjs'), BOOTSTRAP);
  const mark = `lambda-runner-${randomUUID()}`;
  const functionName = options.functionName ?? 'mindlet-http';
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [path.join(taskRoot, 'bootstrap.mjs')], {
    cwd: taskRoot,
    // Only what Lambda's environment has; nothing points back into the repository.
    env: {
      PATH: '/usr/local/bin:/usr/bin:/bin',
      HOME: taskRoot,
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      NODE_PATH: options.layerNodeModules,
      LAMBDA_TASK_ROOT: taskRoot,
      _HANDLER: 'index.handler',
      AWS_LAMBDA_FUNCTION_NAME: functionName,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '2048',
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
      AWS_LAMBDA_LOG_STREAM_NAME: '2024/03/12/[$LATEST]0123456789abcdef0123456789abcdef',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_REGION: 'us-east-1',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
      ...(options.xrayDaemonAddress ? { AWS_XRAY_DAEMON_ADDRESS: options.xrayDaemonAddress } : {}),
      LAMBDA_RUNNER_MARK: mark,
      ...options.env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stdout = new MarkedLines(child.stdout, mark, exited);
  const stderr = new MarkedLines(child.stderr, mark, exited);
  const nextMessage = async (): Promise<{ message: Message; stdout: string[]; stderr: string[] }> => {
    const [out, err] = await Promise.all([stdout.next(), stderr.next()]);
    return { message: out.message as Message, stdout: out.lines, stderr: err.lines };
  };

  const init = await nextMessage().catch(async (error: Error) => {
    rmSync(taskRoot, { recursive: true, force: true });
    throw error;
  });
  if (init.message.kind !== 'init') {
    await exited;
    rmSync(taskRoot, { recursive: true, force: true });
    throw new Error(`function init failed: ${JSON.stringify(init.message)}\nstderr:\n${init.stderr.join('\n')}`);
  }

  let queue: Promise<unknown> = Promise.resolve();
  return {
    initStdout: init.stdout,
    initStderr: init.stderr,
    invoke(event, { timeoutMs = 30_000 } = {}) {
      const requestId = randomUUID();
      const traceId = `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomHex(24)};Parent=${randomHex(16)};Sampled=${options.xrayDaemonAddress ? 1 : 0}`;
      // One invoke at a time per environment, as Lambda does.
      const outcome = queue.then(async (): Promise<InvokeOutcome> => {
        child.stdin.write(`${JSON.stringify({ requestId, event, timeoutMs, traceId })}\n`);
        const { message, stdout, stderr } = await nextMessage();
        if (message.kind === 'result') return { requestId, result: message.result, ms: message.ms, stdout, stderr };
        if (message.kind === 'error') return { requestId, error: message.error, ms: message.ms, stdout, stderr };
        throw new Error(`unexpected runner message ${JSON.stringify(message)}`);
      });
      queue = outcome.catch(() => undefined);
      return outcome;
    },
    async close() {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      rmSync(taskRoot, { recursive: true, force: true });
      return code;
    },
  };
}

function randomHex(length: number): string {
  return randomBytes(length / 2).toString('hex');
}

/** A child's output stream as lines, split into steps at the bootstrap's marked lines. */
class MarkedLines {
  private pending: string[] = [];
  private readonly steps: Array<{ message: unknown; lines: string[] }> = [];
  private readonly waiting: Array<() => void> = [];
  private ended = false;

  constructor(
    stream: NodeJS.ReadableStream,
    mark: string,
    private readonly exited: Promise<number | null>,
  ) {
    const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    lines.on('line', (line) => {
      const message = line.includes(mark) ? (JSON.parse(line) as Record<string, unknown>)[mark] : undefined;
      if (message === undefined) {
        this.pending.push(line);
        return;
      }
      this.steps.push({ message, lines: this.pending });
      this.pending = [];
      this.waiting.shift()?.();
    });
    lines.on('close', () => {
      this.ended = true;
      for (const wake of this.waiting.splice(0)) wake();
    });
  }

  async next(): Promise<{ message: unknown; lines: string[] }> {
    while (this.steps.length === 0) {
      if (this.ended) {
        const code = await this.exited;
        throw new Error(`function process exited (code ${code}); last output:\n${this.pending.join('\n')}`);
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    return this.steps.shift()!;
  }
}
