/**
 * `bin/mindlet.js` run from the sources (through tsx), for tests that need the CLI in a child process of its own
 * (signals, exit codes) without a build of dist/: `node --import tsx test/tools/mindlet-from-source.ts serve ...`.
 */
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
