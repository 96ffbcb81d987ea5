/**
 * Long fuzz campaigns of the MindIR loader: `npm run fuzz -- --minutes 30 [--seed N]`. Mutates the real corpus
 * files as the CI fuzz test does, for as long as asked; prints the seed and mutation of any failure so it can be
 * replayed with FUZZ_SEED in the test.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { isMindletError } from '../src/errors.js';
import { profileModel } from '../src/graph/profile.js';
import { decodeMindir } from '../src/mindir/loader.js';
import { mutate, mutationArbitrary } from '../test/tools/mutate.js';
import { fixture } from '../test/tools/proto-encode.js';

const { values } = parseArgs({
  options: { minutes: { type: 'string', default: '10' }, seed: { type: 'string' } },
});
const deadline = Date.now() + Number(values.minutes) * 60_000;
const dir = path.dirname(fixture('x'));
const files = readdirSync(dir).filter((f) => f.endsWith('.mindir'));
const corpus = files.map((f) => readFileSync(path.join(dir, f)));
const key = Buffer.from('0123456789ABCDEF', 'ascii');
let seed = Number(values.seed ?? Date.now() % 2 ** 31);
let total = 0;
let models = 0;
let lastReport = Date.now();

while (Date.now() < deadline) {
  const runSeed = seed++;
  const index = runSeed % corpus.length;
  const result = fc.check(
    fc.property(mutationArbitrary(), (mutation) => {
      const bytes = mutate(corpus[index]!, mutation, corpus);
      total++;
      try {
        profileModel(decodeMindir(bytes, { label: files[index]!, key }));
        models++;
      } catch (error) {
        if (!isMindletError(error) || error.message.includes('\n')) throw error;
      }
    }),
    { numRuns: 2000, seed: runSeed },
  );
  if (result.failed) {
    console.error(`FAILED on ${files[index]} with seed ${runSeed}:`, result.counterexample, result.errorInstance);
    process.exit(1);
  }
  if (Date.now() - lastReport > 10_000) {
    lastReport = Date.now();
    console.log(`${total} inputs, ${models} decoded as models, ${Math.round((deadline - Date.now()) / 1000)} s left`);
  }
}
console.log(`done: ${total} mutated inputs, only clean errors`);
