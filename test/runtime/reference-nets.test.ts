/**
 * The four reference networks through mindlet's engine (MindIR) and onnxruntime-node (ONNX, same weights):
 * outputs must agree within 1e-4 L∞-relative error (see test/tools/compare.ts). float32 accumulation order
 * differs between the engines (blocked GEMMs, Winograd, folded BatchNorm), which costs a few ulp per layer and
 * grows roughly with √depth: 1e-4 leaves room for 50+ layers while any wrong op moves outputs by far more.
 */
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeMindir } from '../../src/mindir/index.js';
import { createSession } from '../../src/runtime/index.js';
import type { Session } from '../../src/runtime/types.js';
import { compareOutputs } from '../tools/compare.js';
import { buildReferenceNet, type ReferenceNetName } from '../tools/reference-nets/index.js';

const BOUND = 1e-4;
const open: Session[] = [];
afterAll(() => {
  for (const s of open) s.close();
});

async function compareNet(name: ReferenceNetName, batches: number[], options: { seqLength?: number } = {}) {
  const net = buildReferenceNet(name, options);
  const model = decodeMindir(net.mindir, { label: `${name}.mindir` });
  const session = createSession(model, { threads: 2 });
  open.push(session);
  // Every inference BatchNorm after a convolution is folded into it: none is left to run.
  const batchNorms = model.graph.nodes.filter((n) => n.op === 'BatchNorm').length;
  expect(session.stats().fusedBatchNorm).toBe(batchNorms);
  const reference = await ort.InferenceSession.create(net.onnx, { intraOpNumThreads: 2, interOpNumThreads: 1 });
  const results: Record<string, number> = {};
  for (const batch of batches) {
    const inputs = net.sampleInputs(batch);
    const feeds: Record<string, ort.Tensor> = {};
    net.inputs.forEach((info, k) => {
      const t = inputs[k];
      if (!t) throw new Error('missing sample input');
      feeds[reference.inputNames[k] ?? info.name] = new ort.Tensor(t.dtype as 'float32', t.data, t.shape);
    });
    const want = await reference.run(feeds);
    const got = await session.run(inputs.map((t) => ({ dtype: t.dtype as 'float32', shape: t.shape, data: t.data })));
    expect(got.length).toBe(reference.outputNames.length);
    reference.outputNames.forEach((outputName, k) => {
      const w = want[outputName];
      const g = got[k];
      if (!w || !g) throw new Error('missing output');
      expect(g.shape).toEqual([...w.dims]);
      const c = compareOutputs(g.data as Float32Array, w.data as Float32Array);
      results[`${outputName}@${batch}`] = c.relative;
      expect(
        c.relative,
        `${name} ${outputName} batch ${batch}: max |Δ| ${c.maxAbs} at scale ${c.scale}`,
      ).toBeLessThanOrEqual(BOUND);
    });
  }
  return results;
}

describe('reference networks match onnxruntime', () => {
  it('LeNet-5', async () => {
    await compareNet('lenet5', [1, 3, 8]);
  });
  it('MobileNetV2', async () => {
    await compareNet('mobilenetv2', [1, 2]);
  }, 60_000);
  it('ResNet-50', async () => {
    await compareNet('resnet50', [1, 2]);
  }, 60_000);
  it('BERT-base (seq 128)', async () => {
    await compareNet('bert', [1, 2]);
  }, 120_000);
});
