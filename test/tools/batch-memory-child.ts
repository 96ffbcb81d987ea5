/**
 * Runs one batch job in a fresh process and reports its memory: resident set size after the pipeline has opened
 * (model loaded and planned) and the highest resident set size sampled while the object streamed through. Used by
 * the large-object test; arguments come as JSON in MINDLET_BATCH_CHILD.
 */
import { BatchPipeline } from '../../src/batch/pipeline.js';

const { modelUri, inputPrefix, outputPrefix, input, threads } = JSON.parse(process.env.MINDLET_BATCH_CHILD ?? '{}') as {
  modelUri: string;
  inputPrefix: string;
  outputPrefix: string;
  input: string;
  threads: number;
};

const pipeline = await BatchPipeline.open({ modelUri, inputPrefix, outputPrefix, threads });
globalThis.gc?.();
const openRss = process.memoryUsage().rss;
let peakRss = openRss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 5);
const outcome = await pipeline.process({ input });
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
await pipeline.close();
process.stdout.write(`${JSON.stringify({ openRss, peakRss, outcome })}\n`);
