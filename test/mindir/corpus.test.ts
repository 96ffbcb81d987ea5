/**
 * The real MindIR files MindSpore exported (test/fixtures/mindir; provenance: test/fixtures/README.md): what each
 * one holds, read back through the loader, and for those the engine cannot run yet, the error that says why.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lenetWeights } from '../../scripts/make-example.js';
import { isMindletError } from '../../src/errors.js';
import { BOOKKEEPING_OPS, profileModel } from '../../src/graph/profile.js';
import type { Graph, TensorValue } from '../../src/graph/types.js';
import { decodeMindir, loadMindir } from '../../src/mindir/loader.js';
import { mind_ir } from '../../src/mindir/proto/mind_ir.gen.js';
import { createSession } from '../../src/runtime/session.js';
import { compareOutputs } from '../tools/compare.js';
import { expectRefusedByEngine } from '../tools/engine-refusal.js';
import { seededRandom } from '../tools/op-model.js';
import { fixture } from '../tools/proto-encode.js';

const KEY_ASCII = '0123456789ABCDEF';
const KEY_HEX = Buffer.from(KEY_ASCII, 'ascii').toString('hex');

/** Every node input is a graph input, parameter, constant or an earlier node's output. */
function expectTopologicalAndClosed(graph: Graph): void {
  const defined = new Set<string>([
    ...graph.inputs.map((i) => i.name),
    ...graph.parameters.keys(),
    ...graph.constants.keys(),
  ]);
  for (const node of graph.nodes) {
    for (const input of node.inputs) expect(defined, `${node.name} input ${input}`).toContain(input);
    for (const output of node.outputs) defined.add(output);
  }
  for (const output of graph.outputs) expect(defined).toContain(output.name);
}

function opHistogram(graph: Graph): Record<string, number> {
  const histogram: Record<string, number> = {};
  for (const node of graph.nodes) histogram[node.op] = (histogram[node.op] ?? 0) + 1;
  return histogram;
}

describe('relu.mindir (MindSpore 1.5, ir 0.1.0, plain op_type)', () => {
  it('loads its one ReLU with the recorded input and output', async () => {
    const model = await loadMindir(fixture('relu.mindir'));
    expect(model.irVersion).toBe('0.1.0');
    expect(model.producer).toBe('MindSpore');
    expect(model.producerVersion).toBe('1.5.0rc1');
    expect(model.encrypted).toBe(false);
    expect(model.graph.inputs).toHaveLength(1);
    expect(model.graph.inputs[0]!.name.endsWith(':x')).toBe(true);
    expect(model.graph.inputs[0]).toMatchObject({ dtype: 'float32', shape: [1, 1, 2, 2] });
    expect(model.graph.outputs).toHaveLength(1);
    expect(model.graph.outputs[0]).toMatchObject({ dtype: 'float32', shape: [1, 1, 2, 2] });
    expect(model.graph.nodes.map((n) => n.op)).toEqual(['ReLU']);
    expect(model.graph.nodes[0]!.inputs).toEqual([model.graph.inputs[0]!.name]);
    expect(model.graph.nodes[0]!.scope).toMatch(/ReLU/);
    // 1.x "scalar:List[value1,]," attributes decode to arrays.
    expect(model.graph.nodes[0]!.attrs.input_names).toEqual(['x']);
    expect(model.graph.parameters.size).toBe(0);
  });
});

describe('add_no_encrpty.mindir (MindSpore 1.1, ir 0.1.0)', () => {
  it('loads x_ + y_', async () => {
    const model = await loadMindir(fixture('add_no_encrpty.mindir'));
    expect(model.irVersion).toBe('0.1.0');
    expect(model.graph.inputs.map((i) => i.name.split(':').at(-1))).toEqual(['x_', 'y_']);
    for (const input of model.graph.inputs) expect(input).toMatchObject({ dtype: 'float32', shape: [2, 2] });
    expect(model.graph.nodes.map((n) => n.op)).toEqual(['Add']);
    expect(model.graph.nodes[0]!.inputs).toEqual(model.graph.inputs.map((i) => i.name));
    expect(model.graph.nodes[0]!.attrs.input_names).toEqual(['x', 'y']);
    expect(model.graph.outputs).toEqual([{ name: model.graph.nodes[0]!.outputs[0], dtype: 'float32', shape: [2, 2] }]);
  });
});

describe('add_encrpty_key_0123456789ABCDEF.mindir (AES-GCM)', () => {
  it('loads with the key given as hex or bytes', async () => {
    for (const key of [KEY_HEX, Buffer.from(KEY_ASCII, 'ascii')]) {
      const model = await loadMindir(fixture('add_encrpty_key_0123456789ABCDEF.mindir'), { key });
      expect(model.encrypted).toBe(true);
      expect(model.irVersion).toBe('0.1.1');
      expect(model.mindIrVersion).toBe(1);
      expect(model.graph.nodes.map((n) => n.op)).toEqual(['Add']);
      expect(model.graph.inputs).toHaveLength(2);
    }
  });

  it('fails clearly without a key and with a wrong key', async () => {
    const file = fixture('add_encrpty_key_0123456789ABCDEF.mindir');
    await expect(loadMindir(file)).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
    await expect(loadMindir(file, { key: 'ff'.repeat(16) })).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
    const error = await loadMindir(file).catch((e: unknown) => e);
    expect(isMindletError(error) && error.message.includes('add_encrpty_key')).toBe(true);
    expect(String((error as Error).message)).not.toContain('\n');
  });
});

describe('ori_net.mindir (MindSpore 2.0, LeNet-style, REF:: primitives)', () => {
  it('runs as a plain-loop reference computed from the file’s own tensors does', async () => {
    const model = await loadMindir(fixture('ori_net.mindir'));
    const weights = lenetWeights(model);
    const floats = (name: string) => {
      const data = weights.get(name)!.data;
      return new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    };
    const random = seededRandom(11);
    const x = Float32Array.from({ length: 32 * 32 }, () => random());
    const session = createSession(model, { threads: 1 });
    try {
      const [out] = await session.run([{ dtype: 'float32', shape: [1, 1, 32, 32], data: x }]);
      const want = plainLenet(x, floats('conv1.weight'), floats('conv2.weight'), [
        floats('fc1.weight'),
        floats('fc2.weight'),
        floats('fc3.weight'),
      ]);
      // Float32 sums in another order; the export's untrained weights make logits in the thousands, so 1e-5 of the
      // largest is a few hundredths: a wrong weight, layout or padding is off by hundreds.
      expect(compareOutputs(out!.data as Float32Array, want).relative).toBeLessThan(1e-5);
    } finally {
      session.close();
    }
  });

  it('has the facts the corpus README lists', async () => {
    const model = await loadMindir(fixture('ori_net.mindir'));
    expect(model.irVersion).toBe('0.1.1');
    expect(model.mindIrVersion).toBe(1);
    expect(model.producerVersion).toBe('2.0.0a0');
    expect(model.graph.inputs).toEqual([
      { name: expect.stringMatching(/:x$/), dtype: 'float32', shape: [1, 1, 32, 32] },
    ]);
    expect(model.graph.outputs).toHaveLength(1);
    expect(model.graph.outputs[0]).toMatchObject({ dtype: 'float32', shape: [1, 10] });

    const histogram: Record<string, number> = {};
    for (const node of model.graph.nodes) histogram[node.op] = (histogram[node.op] ?? 0) + 1;
    expect(histogram).toEqual({ Conv2D: 2, ReLU: 4, MaxPool: 2, MatMul: 3, Reshape: 1 });
    expect(profileModel(model).ops).toEqual(histogram);

    const params = [...model.graph.parameters.values()];
    expect(params.map((p) => p.key).sort()).toEqual(['conv1.weight', 'conv2.weight']);
    expect(params.reduce((sum, p) => sum + p.data.byteLength, 0)).toBe(10_200);
    expect(model.graph.parameters.get(params.find((p) => p.key === 'conv1.weight')!.name)!.shape).toEqual([6, 1, 5, 5]);
  });

  it('resolves the bookkeeping nodes into a closed, topologically ordered dataflow graph', async () => {
    const model = await loadMindir(fixture('ori_net.mindir'));
    const graph = model.graph;
    for (const node of graph.nodes) expect(BOOKKEEPING_OPS.has(node.op), node.op).toBe(false);
    expectTopologicalAndClosed(graph);
    // Conv2D reads the parameter directly (the Load is resolved away) and the graph output is the last MatMul
    // (the Depend is resolved away).
    const conv1 = graph.nodes.find((n) => n.op === 'Conv2D')!;
    expect(graph.parameters.get(conv1.inputs[1]!)?.key).toBe('conv1.weight');
    const last = graph.nodes.at(-1)!;
    expect(last.op).toBe('MatMul');
    expect(graph.outputs[0]!.name).toBe(last.outputs[0]);
    // Dense weights live in Constant tensors: 400x120, 120x84, 84x10.
    const denseWeights = graph.nodes
      .filter((n) => n.op === 'MatMul')
      .map((n) => (graph.constants.get(n.inputs[1]!) as TensorValue).tensor.shape);
    expect(denseWeights).toEqual(
      [
        [120, 400],
        [84, 120],
        [10, 84],
      ].map((s) => expect.arrayContaining(s)),
    );
    // Reshape's target is a constant tuple.
    const reshape = graph.nodes.find((n) => n.op === 'Reshape')!;
    expect(graph.constants.get(reshape.inputs[1]!)).toEqual([1, -1]);
  });

  it('decodes the primitive table attributes to plain values', async () => {
    const model = await loadMindir(fixture('ori_net.mindir'));
    const convs = model.graph.nodes.filter((n) => n.op === 'Conv2D');
    expect(convs.map((n) => n.attrs.out_channel)).toEqual([6, 16]);
    expect(convs[0]!.attrs).toMatchObject({ kernel_size: [5, 5], pad_mode: 'valid', format: 'NCHW', mode: 1 });
    const pool = model.graph.nodes.find((n) => n.op === 'MaxPool')!;
    expect(pool.attrs).toMatchObject({ kernel_size: [1, 1, 2, 2], strides: [1, 1, 2, 2], pad_mode: 'VALID' });
    const matmul = model.graph.nodes.find((n) => n.op === 'MatMul')!;
    expect(matmul.attrs.transpose_a).toBe(false);
    expect(matmul.attrs.transpose_b).toBe(false);
  });

  it('keeps weights as views of the file buffer (no copies)', () => {
    const bytes = readFileSync(fixture('ori_net.mindir'));
    const model = decodeMindir(bytes, { label: 'ori_net' });
    for (const weight of model.graph.parameters.values()) expect(weight.data.buffer).toBe(bytes.buffer);
    for (const value of model.graph.constants.values()) {
      if (value && typeof value === 'object' && !Array.isArray(value) && value.kind === 'tensor') {
        expect(value.tensor.data.buffer).toBe(bytes.buffer);
      }
    }
  });

  it('infers every node output shape, agreeing with what MindSpore recorded', async () => {
    const model = await loadMindir(fixture('ori_net.mindir'));
    expect(model.warnings).toEqual([]);
    for (const node of model.graph.nodes) {
      for (const output of node.outputs) expect(model.graph.values.get(output), output).toBeDefined();
    }
    const profile = profileModel(model);
    // LeNet-5 at 32x32: conv1 2*6*28*28*25 + conv2 2*16*10*10*150 + dense 2*(400*120+120*84+84*10) MACs dominate.
    const macFlops = 2 * (6 * 28 * 28 * 25 + 16 * 10 * 10 * 150 + 400 * 120 + 120 * 84 + 84 * 10);
    expect(profile.flops).toBeGreaterThanOrEqual(macFlops);
    expect(profile.flops).toBeLessThan(macFlops * 1.1);
  });
});

describe('tensor_add.mindir (MindSpore 1.1.0 docs sample, ir 0.1.0)', () => {
  it('loads the one Add with both float32 [2, 2] inputs', async () => {
    const model = await loadMindir(fixture('tensor_add.mindir'));
    expect(model).toMatchObject({
      irVersion: '0.1.0',
      producer: 'MindSpore',
      producerVersion: '1.1.0',
      encrypted: false,
    });
    expect(model.graph.inputs).toEqual([
      { name: '8_7_5_construct_wrapper:x_', dtype: 'float32', shape: [2, 2] },
      { name: '8_7_5_construct_wrapper:y_', dtype: 'float32', shape: [2, 2] },
    ]);
    expect(model.graph.outputs).toEqual([{ name: '8_7_5_construct_wrapper:1:2', dtype: 'float32', shape: [2, 2] }]);
    expect(opHistogram(model.graph)).toEqual({ Add: 1 });
    expect(model.graph.nodes[0]!.attrs).toEqual({ input_names: ['x', 'y'], output_names: ['output'] });
    expect(model.warnings).toEqual([]);
  });
});

describe('test_ops_celu_cast_float_fp32_cnode_to_fp64_v2.mindir (MindSpore 2.5.0, mind_ir_version 3)', () => {
  const file = fixture('test_ops_celu_cast_float_fp32_cnode_to_fp64_v2.mindir');

  it('loads CeLU(x, alpha) with alpha = ScalarMul(Shape(NonZero(y))[0], 0.5)', async () => {
    const model = await loadMindir(file);
    expect(model).toMatchObject({ irVersion: '0.1.1', mindIrVersion: 3, producerVersion: '2.5.0' });
    expect(model.graph.inputs).toEqual([
      { name: '30_17_fn_28:x', dtype: 'float32', shape: [2, 2] },
      { name: '30_17_fn_28:y', dtype: 'int64', shape: [5] },
    ]);
    expect(model.graph.outputs).toEqual([{ name: '30_17_fn_28:CNode_32:9', dtype: 'float32', shape: [2, 2] }]);
    expect(model.graph.nodes.map((n) => n.op)).toEqual(['NonZero', 'Shape', 'ScalarMul', 'CeLU']);
    const [nonZero, shape, scalarMul, celu] = model.graph.nodes;
    expect(nonZero!.attrs).toEqual({ output_is_dynamic_shape: true });
    expect(shape!.inputs).toEqual(nonZero!.outputs);
    expect(scalarMul!.inputs[0]).toBe(shape!.outputs[0]);
    expect(model.graph.constants.get(scalarMul!.inputs[1]!)).toBe(0.5);
    expect(celu!.inputs).toEqual(['30_17_fn_28:x', scalarMul!.outputs[0]]);
    expect(model.graph.parameters.size).toBe(0);
  });

  it('is refused by the engine, naming CeLU, NonZero and ScalarMul', async () => {
    expectRefusedByEngine(await loadMindir(file), [{ op: 'NonZero' }, { op: 'ScalarMul' }, { op: 'CeLU' }]);
  });
});

describe('test_ops_upsample_cast_tuple_float_fp32_value_node_to_fp64.mindir (MindSpore 2.5.0)', () => {
  const file = fixture('test_ops_upsample_cast_tuple_float_fp32_value_node_to_fp64.mindir');

  it('loads UpsampleNearest3D on float64 with its scale factors as a tuple value node', async () => {
    const model = await loadMindir(file);
    expect(model).toMatchObject({ irVersion: '0.1.1', mindIrVersion: 3, producerVersion: '2.5.0' });
    expect(model.graph.inputs).toEqual([{ name: '42_17_fn_40:x', dtype: 'float64', shape: [1, 2, 2, 2, 2] }]);
    // The recorded output shape is floor(2 × each scale factor): [1, 3, 5].
    expect(model.graph.outputs).toEqual([{ name: '42_17_fn_40:x:1', dtype: 'float64', shape: [1, 2, 1, 3, 5] }]);
    expect(opHistogram(model.graph)).toEqual({ UpsampleNearest3D: 1 });
    const [, size, scales] = model.graph.nodes[0]!.inputs;
    expect(model.graph.constants.get(size!)).toBeNull();
    expect(model.graph.constants.get(scales!)).toEqual([0.5, 1.5, 2.5]);
  });

  it('is refused by the engine, naming UpsampleNearest3D', async () => {
    expectRefusedByEngine(await loadMindir(file), [{ op: 'UpsampleNearest3D' }]);
  });
});

describe('Concat_bprop.mindir (MindSpore 2.0 gradient graph with control flow, not an inference model)', () => {
  const file = fixture('Concat_bprop.mindir');

  it('is what the README says: many FuncGraphs, Switch control flow, MetaFuncGraph and ClassType references', () => {
    // Read with the raw protobuf decoder: these are the constructs the loader must name when it refuses the file.
    const proto = mind_ir.ModelProto.decode(readFileSync(file));
    expect(proto.irVersion).toBe('0.1.1');
    expect(Number(proto.mindIrVersion)).toBe(1);
    expect(proto.graph?.name).toBe('get_bprop_concat.1');
    expect(proto.graph?.input?.map((i) => i.name)).toEqual(
      ['self', 'x', 'out', 'dout'].map((name) => `get_bprop_concat.1:${name}`),
    );
    expect(proto.functions).toHaveLength(75);
    const opTypes = [proto.graph!, ...proto.functions!].flatMap((g) => g.node!.map((n) => n.opType ?? ''));
    expect(opTypes.filter((op) => op.startsWith('REF::Switch:'))).toHaveLength(24);
    expect(opTypes.some((op) => op.startsWith('REF::MetaFuncGraph::'))).toBe(true);
    expect(opTypes).toContain('REF::ClassType::mindspore.ops.operations._grad_ops.ConcatOffset');
  });

  it('is refused at load with a one-line error naming the ClassType reference and its node', async () => {
    const error = await loadMindir(file).catch((e: unknown) => e);
    expect(isMindletError(error) && error.code).toBe('INVALID_GRAPH');
    const message = (error as Error).message;
    expect(message).toContain('Concat_bprop.mindir');
    expect(message).toMatch(/node bprop\.3:\[CNode\]7:8: /);
    expect(message).toMatch(
      /op_type REF::ClassType::mindspore\.ops\.operations\._grad_ops\.ConcatOffset names no primitive, graph or value/,
    );
    expect(message).not.toContain('\n');
  });
});

/**
 * ori_net's LeNet in plain loops, float64, NCHW, from its attributes: Conv2D 5×5 valid (no bias), ReLU, MaxPool 2×2
 * stride 2, twice; Reshape to 400; MatMul 400×120, ReLU, 120×84, ReLU, 84×10 (weights [in, out], no transposes).
 */
function plainLenet(x: Float32Array, conv1: Float32Array, conv2: Float32Array, dense: Float32Array[]): Float64Array {
  const conv = (input: Float64Array, c: number, size: number, w: Float32Array, out: number) => {
    const o = size - 4;
    const y = new Float64Array(out * o * o);
    for (let f = 0; f < out; f++)
      for (let i = 0; i < o; i++)
        for (let j = 0; j < o; j++) {
          let sum = 0;
          for (let k = 0; k < c; k++)
            for (let u = 0; u < 5; u++)
              for (let v = 0; v < 5; v++)
                sum += input[(k * size + i + u) * size + j + v]! * w[((f * c + k) * 5 + u) * 5 + v]!;
          y[(f * o + i) * o + j] = Math.max(sum, 0);
        }
    return y;
  };
  const pool = (input: Float64Array, c: number, size: number) => {
    const o = size / 2;
    const y = new Float64Array(c * o * o);
    for (let k = 0; k < c; k++)
      for (let i = 0; i < o; i++)
        for (let j = 0; j < o; j++) {
          const at = (u: number, v: number) => input[(k * size + 2 * i + u) * size + 2 * j + v]!;
          y[(k * o + i) * o + j] = Math.max(at(0, 0), at(0, 1), at(1, 0), at(1, 1));
        }
    return y;
  };
  let h = pool(conv(pool(conv(Float64Array.from(x), 1, 32, conv1, 6), 6, 28), 6, 14, conv2, 16), 16, 10);
  dense.forEach((w, layer) => {
    const n = w.length / h.length;
    const y = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let i = 0; i < h.length; i++) sum += h[i]! * w[i * n + j]!;
      y[j] = layer < dense.length - 1 ? Math.max(sum, 0) : sum;
    }
    h = y;
  });
  return h;
}
