/** The test writer produces files the loader reads like MindSpore's own (in memory and streamed). */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeMindir, loadMindir } from '../../src/mindir/loader.js';
import { profileModel } from '../../src/mindir/profile.js';
import { mind_ir } from '../../src/mindir/proto/mind_ir.gen.js';
import { lenet5, writeLargeMlp } from './mindir-writer.js';
import { fixture } from './proto-encode.js';

describe('mindir-writer', () => {
  it('writes LeNet-5 with the structure of the real ori_net.mindir', () => {
    const written = mind_ir.ModelProto.decode(lenet5());
    const real = mind_ir.ModelProto.decode(readFileSync(fixture('ori_net.mindir')));
    const ops = (m: mind_ir.ModelProto) =>
      new Set(m.graph!.node!.map((n) => (n.opType!.startsWith('REF::') ? 'REF' : n.opType)));
    expect(ops(written)).toEqual(ops(real));
    expect(written.irVersion).toBe(real.irVersion);
    const model = decodeMindir(lenet5(), { label: 'lenet' });
    const histogram = profileModel(model).ops;
    expect(histogram).toEqual({ Conv2D: 2, ReLU: 4, MaxPool: 2, MatMul: 3, Reshape: 1 });
    expect(model.warnings).toEqual([]);
    expect(model.graph.outputs[0]).toMatchObject({ dtype: 'float32', shape: [1, 10] });
  });

  it('streams a large model that loads with zero-copy weights', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'mindlet-writer-')), 'mlp.mindir');
    const { bytes, layers } = writeLargeMlp(file, 4 * 256 * 256 * 3, 256);
    expect(statSync(file).size).toBe(bytes);
    const model = await loadMindir(file);
    expect(model.graph.parameters.size).toBe(layers);
    expect(profileModel(model).parameterBytes).toBe(layers * 256 * 256 * 4);
    expect(model.graph.outputs[0]).toMatchObject({ shape: [1, 256] });
  });
});
