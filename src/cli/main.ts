/** The `mindlet` command line: parses arguments, runs one command, turns errors into one line and exit code 1. */
import { parseArgs } from 'node:util';
import { isMindletError } from '../errors.js';
import { inspectCommand } from './inspect.js';

const USAGE = `usage: mindlet <command> [options]

commands:
  inspect <file> [--json] [--key HEX]   what a MindIR model (.mindir) or checkpoint (.ckpt) holds
                                        --key: decryption key of an encrypted model, as hex
                                        (also read from MINDLET_MODEL_KEY when --key is absent)
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
    if (isMindletError(error)) {
      io.err(`mindlet: ${error.message}`);
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
