/**
 * The real `.ms` files without a golden check elsewhere (test/fixtures/mslite; provenance: test/fixtures/README.md):
 * what each one holds, read back through the loader, and for those the engine cannot run yet, the error that
 * names the missing primitive. mobilefacenet0924.ms and lenet_tod_infer.ms are checked in golden.test.ts,
 * lenet_train.ms's outputs in lenet-train.test.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../src/graph/types.js';
import { loadModel } from '../../src/model/load.js';
import { decodeLiteModel } from '../../src/mslite/decode.js';
import { findUnsupportedOps } from '../../src/runtime/session.js';
import { expectRefusedByEngine } from '../tools/engine-refusal.js';
import { liteFixture } from '../tools/proto-encode.js';

function opHistogram(graph: Graph): Record<string, number> {
  const histogram: Record<string, number> = {};
  for (const node of graph.nodes) histogram[node.op] = (histogram[node.op] ?? 0) + 1;
  return histogram;
}

describe('mobile_segment.ms (MindSpore Lite 1.0.0 Android demo, original schema)', () => {
  const file = liteFixture('mobile_segment.ms');

  it('loads the 257×257 segmentation net with its 21-class output', async () => {
    const model = await loadModel(file);
    expect(model).toMatchObject({ format: 'mslite', producer: 'MindSpore Lite', producerVersion: '1.0.0' });
    expect(model.mslite).toMatchObject({ generation: 'v0', sourceFramework: 'TF or not recorded' });
    expect(model.mslite?.ops).toEqual({ Conv2D: 38, DepthwiseConv2D: 17, Add: 10, Resize: 3, Concat: 1, Pooling: 1 });
    expect(model.graph.inputs).toEqual([{ name: '0', dtype: 'float32', shape: [1, 257, 257, 3] }]);
    expect(model.graph.outputs).toEqual([{ name: '180', dtype: 'float32', shape: [1, 257, 257, 21] }]);
    // Lite's Conv2D and DepthwiseConv2D carry bias and activation; lowering splits them out.
    expect(opHistogram(model.graph)).toEqual({
      Conv2D: 55,
      BiasAdd: 55,
      ReLU6: 34,
      Add: 10,
      Transpose: 5,
      'lite.Resize': 3,
      ReLU: 3,
      AvgPool: 1,
      Concat: 1,
    });
    expect(model.graph.parameters.size).toBe(110);
  });

  it('is refused by the engine, naming Resize (ResizeBilinear)', async () => {
    expectRefusedByEngine(await loadModel(file), [{ op: 'lite.Resize', node: 'ResizeBilinear-63' }]);
  });
});

describe('parallel.ms (MindSpore Lite 1.3.0 test net converted from TFLite)', () => {
  const file = liteFixture('parallel.ms');

  it('loads the conv branches, their Stack outputs and the recorded shapes', async () => {
    const model = await loadModel(file);
    expect(model).toMatchObject({ format: 'mslite', producer: 'MindSpore Lite', producerVersion: '1.3.0' });
    expect(model.mslite).toMatchObject({ generation: 'current', sourceFramework: 'TFLITE' });
    expect(model.mslite?.ops).toEqual({ Conv2DFusion: 7, Stack: 3, AddFusion: 1, ReduceFusion: 1 });
    expect(model.graph.inputs).toEqual([{ name: 'graph_input-0', dtype: 'float32', shape: [1, 2, 4, 4] }]);
    expect(model.graph.outputs).toEqual([
      { name: 'Stack-8', dtype: 'float32', shape: [1, 1, 2, 4, 2] },
      { name: 'Stack-10', dtype: 'float32', shape: [1, 1, 2, 4, 1] },
      { name: 'Stack-12', dtype: 'float32', shape: [1, 1, 2, 4, 2] },
    ]);
    expect(opHistogram(model.graph)).toEqual({
      Conv2D: 7,
      BiasAdd: 7,
      Transpose: 7,
      'lite.Stack': 3,
      Add: 1,
      ReduceMean: 1,
    });
  });

  it('is refused by the engine, naming Stack', async () => {
    expectRefusedByEngine(await loadModel(file), [{ op: 'lite.Stack', node: 'Stack-12#1' }]);
  });
});

describe('lenet_train.ms (MindSpore Lite 2.2.0 training graph, current schema)', () => {
  it('loads forward net, L1 loss, gradients and Adam; lowering keeps what feeds the loss', async () => {
    const model = await loadModel(liteFixture('lenet_train.ms'));
    expect(model).toMatchObject({ format: 'mslite', producer: 'MindSpore Lite', producerVersion: '2.2.0.20231010' });
    expect(model.mslite).toMatchObject({ generation: 'current', sourceFramework: 'MINDIR' });
    expect(model.mslite?.ops).toEqual({
      MatMulFusion: 9,
      Adam: 8,
      Transpose: 5,
      Activation: 4,
      ActivationGrad: 4,
      BiasAdd: 3,
      BiasAddGrad: 3,
      MulFusion: 3,
      Assign: 2,
      Conv2DBackpropFilterFusion: 2,
      Conv2DFusion: 2,
      MaxPoolFusion: 2,
      MaxPoolGrad: 2,
      Reshape: 2,
      Abs: 1,
      AbsGrad: 1,
      Conv2DBackpropInputFusion: 1,
      ReduceFusion: 1,
      SubFusion: 1,
    });
    expect(model.graph.inputs).toEqual([
      { name: 'inputs0', dtype: 'float32', shape: [2, 32, 32, 1] },
      { name: 'inputs1', dtype: 'float32', shape: [2, 10] },
    ]);
    expect(model.graph.outputs).toEqual([
      { name: 'Default/network-WithLossCell/_loss_fn-L1Loss/ReduceMean-op127', dtype: 'float32', shape: [] },
    ]);
    // The gradient and Adam nodes write weights and feed no output, so only LeNet and the loss remain.
    expect(opHistogram(model.graph)).toEqual({
      ReLU: 4,
      Add: 3,
      MatMul: 3,
      Conv2D: 2,
      MaxPool: 2,
      Abs: 1,
      Mul: 1,
      ReduceMean: 1,
      Reshape: 1,
      Sub: 1,
      Transpose: 1,
    });
    // The trainable weights as the file stores them (KHWC convolutions, [out, in] dense layers).
    const lite = decodeLiteModel(readFileSync(liteFixture('lenet_train.ms')));
    const dims = (name: string) => lite.tensors.find((t) => t.name === name)?.dims;
    expect(['conv1', 'conv2', 'fc1', 'fc2', 'fc3'].map((layer) => dims(`${layer}.weight`))).toEqual([
      [6, 5, 5, 1],
      [16, 5, 5, 6],
      [120, 400],
      [84, 120],
      [10, 84],
    ]);
    expect(['fc1', 'fc2', 'fc3'].map((layer) => dims(`${layer}.bias`))).toEqual([[120], [84], [10]]);
    expect(findUnsupportedOps(model)).toEqual([]);
  });
});
