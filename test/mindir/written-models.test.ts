/** Models from the test writer (MindSpore 2.x layout, inline and external weights) load through loadMindir. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMindir, profileModel } from '../../src/mindir/index.js';
import { encodeModel, largeMlp, lenet5, writeLargeMlp } from '../tools/mindir-writer.js';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'mindlet-written-'));

describe('written models load', () => {
  it('LeNet-5 (dense weights as constants, like ori_net) loads with its ops, parameters and output shape', async () => {
    const builder = lenet5();
    const model = await loadMindir(encodeModel(builder), { label: 'lenet' });
    expect(model.warnings).toEqual([]);
    expect(model.irVersion).toBe('0.1.1');
    expect(profileModel(model).ops).toEqual({ Conv2D: 2, ReLU: 4, MaxPool: 2, Reshape: 1, MatMul: 3 });
    expect([...model.graph.parameters.values()].map((p) => p.key)).toEqual(builder.parameters().map((p) => p.key));
    expect(model.graph.outputs[0]).toMatchObject({ dtype: 'float32', shape: [1, 10] });
  });

  it('external weights load from the data file with their bytes intact', async () => {
    const dir = tmp();
    const builder = lenet5({ denseWeights: 'parameter' });
    const file = path.join(dir, 'lenet_graph.mindir');
    writeFileSync(file, encodeModel(builder, { externalData: { dir, fileName: 'lenet_variables/data_0' } }));
    const model = await loadMindir(file);
    expect(model.graph.parameters.size).toBe(builder.parameters().length);
    for (const record of builder.parameters()) {
      const weight = model.graph.parameters.get(record.name)!;
      expect(weight.storage).toMatchObject({ kind: 'external', location: 'lenet_variables/data_0' });
      const source = record.source as Float32Array;
      expect(Buffer.from(weight.data).equals(Buffer.from(source.buffer, source.byteOffset, source.byteLength))).toBe(
        true,
      );
    }
  });

  it('a streamed MLP loads with every layer and the output shape', async () => {
    const file = path.join(tmp(), 'mlp.mindir');
    const { layers } = writeLargeMlp(file, 4 * 256 * 256 * 3, 256);
    const model = await loadMindir(file);
    expect(model.graph.parameters.size).toBe(layers);
    expect(profileModel(model).parameterBytes).toBe(layers * 256 * 256 * 4);
    expect(model.graph.outputs[0]).toMatchObject({ shape: [1, 256] });
    expect(largeMlp(1, { width: 8 }).parameters().length).toBe(1);
  });
});
