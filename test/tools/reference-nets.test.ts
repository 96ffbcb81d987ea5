/**
 * The reference networks: each ONNX file runs in onnxruntime-node at batch 1 and 2; each MindIR file loads with
 * mindlet's loader, shape inference agrees with the recorded shapes, and both files hold the same weights.
 * LeNet-5's ONNX output is also checked against a plain-JS forward pass over the MindIR weights, and its
 * primitives against the real MindSpore export ori_net.mindir.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { loadMindir, type Model, profileModel, tensorView } from '../../src/mindir/index.js';
import { mind_ir } from '../../src/mindir/proto/mind_ir.gen.js';
import { OnnxGraphBuilder } from './onnx/onnx-writer.js';
import { buildReferenceNet, type ReferenceNet, type ReferenceNetName } from './reference-nets/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const onnxSchema = protobuf.loadSync(path.join(here, 'onnx', 'onnx.proto'));
const OnnxModel = onnxSchema.lookupType('onnx.ModelProto');

interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}
interface OnnxDecoded {
  irVersion: number;
  opsetImport: Array<{ version: number }>;
  graph: { node: Array<{ opType: string }>; initializer: OnnxTensor[]; input: Array<{ name: string }> };
}
const decodeOnnx = (bytes: Uint8Array) =>
  OnnxModel.toObject(OnnxModel.decode(bytes), { longs: Number, defaults: true }) as unknown as OnnxDecoded;

/** Names are built for the batch size, so one session serves batch 1 and 2 only if the batch dim is symbolic. */
async function runOnnx(
  net: ReferenceNet,
  batch: number,
): Promise<Array<{ dims: readonly number[]; data: Float32Array }>> {
  const session = await ort.InferenceSession.create(net.onnx);
  try {
    const feeds: Record<string, ort.Tensor> = {};
    net.sampleInputs(batch).forEach((input, i) => {
      feeds[net.inputs[i]!.name] = new ort.Tensor(input.dtype as 'float32', input.data, input.shape);
    });
    const results = await session.run(feeds);
    return net.outputs.map((output) => {
      const tensor = results[output.name];
      if (!tensor) throw new Error(`no output ${output.name}`);
      return { dims: tensor.dims, data: tensor.data as Float32Array };
    });
  } finally {
    await session.release();
  }
}

const withBatch = (shape: number[], batch: number) => shape.map((d) => (d === -1 ? batch : d));

function rms(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]! ** 2;
  return Math.sqrt(sum / values.length);
}

const CASES: Array<{ name: ReferenceNetName; options?: { seqLength: number } }> = [
  { name: 'lenet5' },
  { name: 'mobilenetv2' },
  { name: 'resnet50' },
  { name: 'bert', options: { seqLength: 16 } },
];

describe.each(CASES)('reference network $name', ({ name, options }) => {
  // Built once per network: ResNet-50 and BERT are hundreds of megabytes.
  let cached: { net: ReferenceNet; model: Model } | undefined;
  const built = async () => {
    if (!cached) {
      const net = buildReferenceNet(name, options);
      cached = {
        net,
        model: await loadMindir(Buffer.from(net.mindir.buffer, net.mindir.byteOffset, net.mindir.byteLength)),
      };
    }
    return cached;
  };

  it('runs in onnxruntime with a dynamic batch and gives finite, input-dependent outputs of the declared shape', async () => {
    const { net } = await built();
    for (const batch of [1, 2]) {
      const outputs = await runOnnx(net, batch);
      outputs.forEach((output, i) => {
        expect([...output.dims]).toEqual(withBatch(net.outputs[i]!.shape, batch));
        expect(output.data.every(Number.isFinite)).toBe(true);
        // Activations stay O(1): neither vanished nor exploded through the depth of the network.
        expect(rms(output.data)).toBeGreaterThan(0.05);
        expect(rms(output.data)).toBeLessThan(50);
        if (batch === 2) {
          const half = output.data.length / 2;
          const rowDiff = output.data.subarray(0, half).map((v, k) => v - output.data[half + k]!);
          expect(rms(rowDiff)).toBeGreaterThan(0.01);
        }
      });
    }
  });

  it('loads as MindIR with the declared inputs and outputs and no shape disagreements', async () => {
    const { net, model } = await built();
    expect(model.warnings).toEqual([]);
    expect(model.producer).toBe('MindSpore');
    expect(model.graph.inputs.map((i) => ({ dtype: i.dtype, shape: i.shape }))).toEqual(
      net.inputs.map((i) => ({ dtype: i.dtype, shape: i.shape })),
    );
    expect(model.graph.outputs.map((o) => o.shape)).toEqual(net.outputs.map((o) => o.shape));
    expect(model.graph.outputs.every((o) => o.dtype === 'float32')).toBe(true);
    // Every computed value has a known dtype and shape, with -1 only for the batch dim.
    for (const node of model.graph.nodes) {
      for (const output of node.outputs) {
        const info = model.graph.values.get(output);
        if (!info && /\[[1-9]\]$/.test(output)) continue; // unused BatchNorm / LayerNorm statistics
        expect(info, `${node.op} ${output}`).toBeDefined();
        expect(
          info!.shape.slice(1).every((d) => d > 0),
          `${node.op} ${output} [${info!.shape}]`,
        ).toBe(true);
      }
    }
    const ops = profileModel(model).ops;
    expect(Object.keys(ops).length).toBeGreaterThan(3);
  });

  it('holds the same weights in both files, under the same MindSpore parameter keys', async () => {
    const { net, model } = await built();
    const onnx = decodeOnnx(net.onnx);
    expect(onnx.opsetImport[0]!.version).toBe(17);
    const initializers = new Map(onnx.graph.initializer.map((t) => [t.name, t]));
    expect(model.graph.parameters.size).toBeGreaterThan(0);
    for (const weight of model.graph.parameters.values()) {
      const twin = initializers.get(weight.key!);
      expect(twin, weight.key).toBeDefined();
      expect(twin!.dims).toEqual(weight.shape);
      expect(Buffer.compare(Buffer.from(twin!.rawData), Buffer.from(weight.data))).toBe(0);
    }
  });
});

describe('reference network determinism and options', () => {
  it('gives identical files and inputs for the same seed and different ones for another seed', () => {
    const a = buildReferenceNet('lenet5', { seed: 5 });
    const b = buildReferenceNet('lenet5', { seed: 5 });
    const c = buildReferenceNet('lenet5', { seed: 6 });
    expect(Buffer.compare(Buffer.from(a.mindir), Buffer.from(b.mindir))).toBe(0);
    expect(Buffer.compare(Buffer.from(a.onnx), Buffer.from(b.onnx))).toBe(0);
    expect(Buffer.compare(Buffer.from(a.onnx), Buffer.from(c.onnx))).not.toBe(0);
    expect(a.sampleInputs(3)[0]!.data).toEqual(b.sampleInputs(3)[0]!.data);
    expect(a.sampleInputs(3)[0]!.data).not.toEqual(c.sampleInputs(3)[0]!.data);
    expect(a.sampleInputs(3)[0]!.shape).toEqual([3, 1, 32, 32]);
  });

  it('writes BERT for the requested sequence length with int32 inputs in range', () => {
    const net = buildReferenceNet('bert', { seqLength: 8 });
    expect(net.inputs.map((i) => [i.name, i.dtype, i.shape])).toEqual([
      ['input_ids', 'int32', [-1, 8]],
      ['token_type_ids', 'int32', [-1, 8]],
      ['input_mask', 'int32', [-1, 8]],
    ]);
    const [ids, types, mask] = net.sampleInputs(4);
    expect(ids!.data).toBeInstanceOf(Int32Array);
    expect([...ids!.data].every((v) => v >= 0 && v < 30522)).toBe(true);
    expect([...types!.data].every((v) => v === 0 || v === 1)).toBe(true);
    expect([...mask!.data].every((v) => v === 0 || v === 1)).toBe(true);
    // Every row attends to at least its first token.
    for (let row = 0; row < 4; row++) expect(mask!.data[row * 8]).toBe(1);
    expect(() => buildReferenceNet('bert', { seqLength: 513 })).toThrow();
  });

  it('frames ONNX by hand exactly as protobuf reflection encodes it', () => {
    const b = new OnnxGraphBuilder('g');
    const x = b.input('x', 1, [-1, 3]);
    const w = b.initializer('w', [3, 2], Float32Array.of(1, 2, 3, 4, 5, 6));
    b.output(b.node('MatMul', [x, w]), 1, [-1, 2]);
    expect(Buffer.compare(Buffer.from(b.encode()), Buffer.from(b.encodeWithReflection()))).toBe(0);
  });
});

describe('LeNet-5 against an independent computation and the real MindSpore export', () => {
  it('computes in onnxruntime what a plain forward pass over the MindIR weights computes', async () => {
    const net = buildReferenceNet('lenet5', { seed: 3 });
    const model = await loadMindir(Buffer.from(net.mindir));
    const weight = (key: string) => {
      const w = [...model.graph.parameters.values()].find((p) => p.key === key);
      if (!w) throw new Error(`no parameter ${key}`);
      return tensorView(w) as Float32Array;
    };
    const [input] = net.sampleInputs(2);
    const [onnxOut] = await runOnnx(net, 2);
    for (let n = 0; n < 2; n++) {
      let h = { c: 1, s: 32, data: (input!.data as Float32Array).subarray(n * 1024, (n + 1) * 1024) };
      h = pool2(relu(convValid(h, weight('conv1.weight'), 6, 5)));
      h = pool2(relu(convValid(h, weight('conv2.weight'), 16, 5)));
      let v = h.data;
      v = relu1(dense(v, weight('fc1.weight'), weight('fc1.bias')));
      v = relu1(dense(v, weight('fc2.weight'), weight('fc2.bias')));
      v = dense(v, weight('fc3.weight'), weight('fc3.bias'));
      const got = onnxOut!.data.subarray(n * 10, (n + 1) * 10);
      for (let k = 0; k < 10; k++) expect(got[k]).toBeCloseTo(v[k]!, 4);
    }
  });

  it('uses the primitives, attribute names and attribute types of ori_net.mindir', () => {
    type Prim = { opType: string; attribute: Array<{ name: string; type: number }> };
    const table = (bytes: Uint8Array) => {
      const model = mind_ir.ModelProto.decode(bytes);
      const out = new Map<string, Record<string, number>>();
      for (const p of (model.primitives ?? []) as Prim[]) {
        out.set(p.opType, Object.fromEntries((p.attribute ?? []).map((a) => [a.name, a.type])));
      }
      return { model, out };
    };
    const real = table(readFileSync(path.join(here, '..', 'fixtures', 'mindir', 'ori_net.mindir')));
    const ours = table(buildReferenceNet('lenet5').mindir);
    for (const op of ['Conv2D', 'ReLU', 'MaxPool', 'MatMul', 'Load', 'UpdateState', 'MakeTuple', 'Depend']) {
      expect(ours.out.has(op), op).toBe(true);
      if (op === 'MatMul') continue; // ours is nn.Dense's transpose_b=True MatMul; same names, compared below
      expect(ours.out.get(op), op).toEqual(real.out.get(op));
    }
    expect(Object.keys(ours.out.get('MatMul')!).sort()).toEqual(Object.keys(real.out.get('MatMul')!).sort());
    expect(ours.model.irVersion).toBe(real.model.irVersion);
    expect(Number(ours.model.mindIrVersion)).toBe(Number(real.model.mindIrVersion));
  });
});

type Planes = { c: number; s: number; data: Float32Array };

function convValid(x: Planes, w: Float32Array, cout: number, k: number): Planes {
  const s = x.s - k + 1;
  const out = new Float32Array(cout * s * s);
  for (let o = 0; o < cout; o++)
    for (let y = 0; y < s; y++)
      for (let z = 0; z < s; z++) {
        let sum = 0;
        for (let i = 0; i < x.c; i++)
          for (let dy = 0; dy < k; dy++)
            for (let dz = 0; dz < k; dz++)
              sum += x.data[(i * x.s + y + dy) * x.s + z + dz]! * w[((o * x.c + i) * k + dy) * k + dz]!;
        out[(o * s + y) * s + z] = sum;
      }
  return { c: cout, s, data: out };
}

const relu1 = (v: Float32Array) => v.map((x) => Math.max(0, x));
const relu = (x: Planes): Planes => ({ ...x, data: relu1(x.data) });

function pool2(x: Planes): Planes {
  const s = x.s / 2;
  const out = new Float32Array(x.c * s * s);
  for (let c = 0; c < x.c; c++)
    for (let y = 0; y < s; y++)
      for (let z = 0; z < s; z++) {
        const at = (yy: number, zz: number) => x.data[(c * x.s + 2 * y + yy) * x.s + 2 * z + zz]!;
        out[(c * s + y) * s + z] = Math.max(at(0, 0), at(0, 1), at(1, 0), at(1, 1));
      }
  return { c: x.c, s, data: out };
}

/** nn.Dense: weight [out, in], y = x·Wᵀ + b. */
function dense(x: Float32Array, w: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(b.length);
  for (let o = 0; o < b.length; o++) {
    let sum = b[o]!;
    for (let i = 0; i < x.length; i++) sum += x[i]! * w[o * x.length + i]!;
    out[o] = sum;
  }
  return out;
}
