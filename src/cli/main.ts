/** The `mindlet` command line: parses arguments, runs one command, turns errors into one line and exit code 1. */
import { parseArgs } from 'node:util';
import { isMindletError } from '../errors.js';
import { BATCH_USAGE } from './batch.js';
import { DEPLOY_USAGE } from './deploy-usage.js';
import { inspectCommand } from './inspect.js';
import { PLAN_USAGE } from './plan.js';
import { predictCommand, predictRemoteCommand } from './predict.js';
import { SERVE_USAGE, serveCommand, serveRuntime, stopOnSignal } from './serve.js';
import { WORKER_USAGE } from './worker.js';

const USAGE = `usage: mindlet <command> [options]

commands:
  inspect <file> [--json] [--key HEX]   what a model (.mindir, .ms) or checkpoint (.ckpt) holds
                                        --key: decryption key of an encrypted model, as hex
                                        (also read from MINDLET_MODEL_KEY when --key is absent)
  predict <model> --input FILE.npy [--input NAME=FILE.npy ...] [--output OUT.npy | --output-dir DIR]
          [--json] [--threads N] [--key HEX]
                                        run a model once on numpy arrays
                                        --input: inputs in order, or by name (full, or the part after
                                        the last ':'); an .npz file gives inputs by member name
                                        --output: write the model's only output as .npy
                                        --output-dir: write every output as DIR/<name>.npy (characters
                                        outside A-Z a-z 0-9 . _ - in names become '_')
                                        --json: print {"outputs": [{name, dtype, shape, data}]}
                                        (no file options and no --json: a short summary per output)
                                        --threads: threads for the inference (default: all CPUs)
  predict --url URL --model NAME [--model-version V] --input FILE.npy [--input NAME=FILE.npy ...]
          [--output OUT.npy | --output-dir DIR] [--json] [--binary | --no-binary]
                                        the same, run by a KServe v2 server at URL (inputs by position
                                        follow the server's model metadata)
                                        --binary / --no-binary: always / never use the binary tensor
                                        extension (default: binary above 64 KiB of inputs)
${SERVE_USAGE}
  publish <model-file> <s3-uri> [options]
                                        upload a model and its mindlet.json manifest (see publish --help)
${PLAN_USAGE}
${BATCH_USAGE}
${WORKER_USAGE}
${DEPLOY_USAGE}
  help                                  this text`;

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

const defaultIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Runs the CLI; returns the process exit code. */
export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'inspect': {
        const { values, positionals } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: { json: { type: 'boolean', default: false }, key: { type: 'string' } },
        });
        if (positionals.length !== 1) return usageError(io, 'inspect takes exactly one file');
        const key = values.key ?? process.env.MINDLET_MODEL_KEY;
        await inspectCommand(positionals[0]!, { json: values.json ?? false, ...(key ? { key } : {}) }, io.out);
        return 0;
      }
      case 'predict': {
        const { values, positionals } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: {
            input: { type: 'string', short: 'i', multiple: true, default: [] },
            output: { type: 'string', short: 'o' },
            'output-dir': { type: 'string' },
            json: { type: 'boolean', default: false },
            threads: { type: 'string' },
            key: { type: 'string' },
            url: { type: 'string' },
            model: { type: 'string' },
            'model-version': { type: 'string' },
            binary: { type: 'boolean' },
            'no-binary': { type: 'boolean' },
          },
        });
        const outputs = {
          inputs: values.input ?? [],
          json: values.json ?? false,
          ...(values.output === undefined ? {} : { output: values.output }),
          ...(values['output-dir'] === undefined ? {} : { outputDir: values['output-dir'] }),
        };
        if (values.url !== undefined) {
          if (positionals.length) return usageError(io, 'predict --url takes no model file (name it with --model)');
          if (values.model === undefined) return usageError(io, 'predict --url needs --model NAME');
          if (values.threads !== undefined || values.key !== undefined)
            return usageError(io, '--threads and --key apply to a local model, not to --url');
          if (values.binary && values['no-binary']) return usageError(io, 'use --binary or --no-binary, not both');
          await predictRemoteCommand(
            {
              ...outputs,
              url: values.url,
              model: values.model,
              ...(values['model-version'] === undefined ? {} : { modelVersion: values['model-version'] }),
              binary: values.binary ? true : values['no-binary'] ? false : 'auto',
            },
            io.out,
          );
          return 0;
        }
        const remoteOnly = (['model', 'model-version', 'binary', 'no-binary'] as const).find(
          (o) => values[o] !== undefined,
        );
        if (remoteOnly) return usageError(io, `--${remoteOnly} needs --url`);
        if (positionals.length !== 1) return usageError(io, 'predict takes exactly one model file');
        if (values.threads !== undefined && !/^[1-9]\d{0,5}$/.test(values.threads))
          return usageError(io, `--threads must be a positive integer, got "${values.threads}"`);
        const key = values.key ?? process.env.MINDLET_MODEL_KEY;
        await predictCommand(
          positionals[0]!,
          {
            ...outputs,
            ...(values.threads === undefined ? {} : { threads: Number(values.threads) }),
            ...(key ? { key } : {}),
          },
          io.out,
        );
        return 0;
      }
      case 'serve': {
        if (serveRuntime(rest) === 'workerd') {
          const { serveWorkerdCommand, stopLocalWorkerOnSignal } = await import('./serve-workerd.js');
          await stopLocalWorkerOnSignal(await serveWorkerdCommand(rest, io), io);
          return 0;
        }
        const server = await serveCommand(rest, io);
        // Runs until SIGTERM / SIGINT: refuse new requests, finish those in flight, free the models, exit 0.
        await stopOnSignal(server, io);
        return 0;
      }
      case 'batch': {
        const { batchCommand } = await import('./batch.js');
        return await batchCommand(rest, io);
      }
      case 'worker': {
        const { workerCommand } = await import('./worker.js');
        return await workerCommand(rest, io);
      }
      case 'deploy': {
        const { deployCommand } = await import('./deploy.js');
        return await deployCommand(rest, io);
      }
      case 'plan': {
        const { planCommand } = await import('./plan.js');
        return await planCommand(rest, io);
      }
      case 'publish': {
        const { publishCommand } = await import('./publish.js');
        await publishCommand(rest, io);
        return 0;
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return command === undefined ? 1 : 0;
      default:
        return usageError(io, `unknown command "${command}"`);
    }
  } catch (error) {
    // User errors, and store faults that outlasted their retries (S3 unreachable, throttled): one line, no stack.
    if (isMindletError(error) || ['TransientStoreError', 'ObjectChangedError'].includes((error as Error)?.name)) {
      io.err(`mindlet: ${(error as Error).message}`);
      return 1;
    }
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))
      return usageError(io, (error as Error).message);
    io.err(`mindlet: internal error: ${(error as Error).message ?? String(error)}`);
    if (process.env.MINDLET_DEBUG) io.err(String((error as Error).stack));
    return 2;
  }
}

function usageError(io: CliIo, message: string): number {
  io.err(`mindlet: ${message}`);
  io.err(USAGE);
  return 1;
}
