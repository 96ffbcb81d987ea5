/**
 * Writes MindIR files the way MindSpore 2.x export lays them out (compare test/fixtures/mindir/ori_net.mindir):
 * ir_version "0.1.1", a primitives table referenced by "REF::<name>:<id>" op_types, each node's output abstract in
 * a "shape" attribute, parameters Load'ed with a UMonad, an UpdateState and a Depend in front of the output.
 * Large models stream: the graph field's length is computed first and each weight is encoded and written on its
 * own, so writing needs one tensor's worth of memory, not the file's.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';
import { repoRoot } from './proto-encode.js';

const schema = protobuf.loadSync(path.join(repoRoot, 'proto', 'mind_ir.proto'));
const ModelProto = schema.lookupType('mind_ir.ModelProto');
const GraphProto = schema.lookupType('mind_ir.GraphProto');
const TensorProto = schema.lookupType('mind_ir.TensorProto');

const FLOAT32 = 1;
const INT64 = 7;
const STRING = 8;
const BOOL = 9;
const TENSORS = 19;
const TUPLE = 20;
const UMONAD = 23;

type Attr = number | boolean | string | number[];

function attribute(name: string, value: Attr): Record<string, unknown> {
  if (typeof value === 'boolean') return { name, type: BOOL, i: value ? 1 : 0 };
  if (typeof value === 'number') return { name, type: INT64, i: value };
  if (typeof value === 'string') return { name, type: STRING, s: Buffer.from(value) };
  return { name, type: TUPLE, values: value.map((v) => ({ type: INT64, ints: [v] })) };
}

/** A deterministic PRNG (mulberry32) so written weights are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}

export class MindirGraphBuilder {
  readonly graphName: string;
  private readonly nodes: Record<string, unknown>[] = [];
  private readonly primitives = new Map<string, Record<string, unknown>>();
  private readonly inputs: Record<string, unknown>[] = [];
  private readonly parameters: Array<{ name: string; key: string; dims: number[]; data: Uint8Array }> = [];
  private readonly loads: string[] = [];
  private counter = 1;
  private monad?: string;

  constructor(name = '1_construct.Default_wrapper.1') {
    this.graphName = name;
  }

  private next(label: string): string {
    return `${this.graphName}:${label}:${this.counter++}`;
  }

  input(name: string, dims: number[]): string {
    const full = `${this.graphName}:${name}`;
    this.inputs.push({ name: full, tensor: [{ dims, dataType: FLOAT32 }] });
    return full;
  }

  /** A float32 parameter, read through Load with the graph's UMonad as MindSpore 2.x does. */
  parameter(key: string, dims: number[], data: Uint8Array): string {
    const name = `${this.graphName}:${key}`;
    this.parameters.push({ name, key, dims, data });
    if (!this.monad) {
      this.monad = `[ValueNode]${this.counter++}`;
      this.nodes.push({
        name: this.monad,
        output: [this.monad],
        opType: 'Constant',
        attribute: [{ name: 'value', type: UMONAD }],
      });
    }
    const loaded = this.node('Load', [name, this.monad], {}, dims);
    this.loads.push(loaded);
    return loaded;
  }

  constantTuple(values: number[]): string {
    const name = String(this.counter++);
    this.nodes.push({
      name,
      output: [name],
      opType: 'Constant',
      attribute: [{ name: 'value', ...attribute('value', values), type: TUPLE }],
    });
    return name;
  }

  /** A node; returns its output name. `outputShape` is recorded as MindSpore records the abstract. */
  node(
    op: string,
    inputs: string[],
    attrs: Record<string, Attr>,
    outputShape: number[],
    scope = `Default/${op}-op${this.counter}`,
  ): string {
    const primName = `${op}:${this.counter++}`;
    this.primitives.set(primName, {
      name: primName,
      opType: op,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    const out = this.next('out');
    this.nodes.push({
      name: out,
      output: [out],
      opType: `REF::${primName}`,
      input: inputs,
      domain: scope,
      attribute: [{ name: 'shape', type: TENSORS, tensors: [{ dims: outputShape, dataType: FLOAT32 }] }],
    });
    return out;
  }

  /** Closes the graph MindSpore's way: MakeTuple of the Loads, UpdateState, Depend(result, state) as the output. */
  private finish(
    result: string,
    resultShape: number[],
  ): { nodes: Record<string, unknown>[]; output: Record<string, unknown> } {
    const nodes = [...this.nodes];
    let output = result;
    if (this.monad && this.loads.length) {
      const tuple = `${this.graphName}:tuple:${this.counter++}`;
      nodes.push({ name: tuple, output: [tuple], opType: 'REF::MakeTuple:0', input: this.loads });
      const state = `${this.graphName}:state:${this.counter++}`;
      nodes.push({
        name: state,
        output: [state],
        opType: 'REF::UpdateState:0',
        input: [this.monad, tuple],
        attribute: [{ name: 'shape', type: UMONAD }],
      });
      output = `${this.graphName}:x:${this.counter++}`;
      nodes.push({
        name: output,
        output: [output],
        opType: 'REF::Depend:0',
        input: [result, state],
        attribute: [{ name: 'shape', type: TENSORS, tensors: [{ dims: resultShape, dataType: FLOAT32 }] }],
      });
    }
    return { nodes, output: { name: output, tensor: [{ dims: resultShape, dataType: FLOAT32 }] } };
  }

  private headerAndGraph(result: string, resultShape: number[]) {
    const { nodes, output } = this.finish(result, resultShape);
    const primitives = [
      { name: 'MakeTuple:0', opType: 'MakeTuple' },
      { name: 'UpdateState:0', opType: 'UpdateState' },
      { name: 'Depend:0', opType: 'Depend', attribute: [attribute('side_effect_propagate', 1)] },
      ...this.primitives.values(),
    ];
    const graph = { node: nodes, name: this.graphName, input: this.inputs, output: [output] };
    return { graph, primitives };
  }

  /** Encodes the model in memory (small models). */
  encode(result: string, resultShape: number[]): Uint8Array {
    const { graph, primitives } = this.headerAndGraph(result, resultShape);
    const parameter = this.parameters.map((p) => ({
      name: p.name,
      refKey: p.key,
      dims: p.dims,
      dataType: FLOAT32,
      rawData: p.data,
    }));
    return ModelProto.encode({ ...modelFields(), graph: { ...graph, parameter }, primitives }).finish();
  }

  /** Streams the model to `file`: one graph field whose parameters are encoded and written one at a time. */
  writeFile(file: string, result: string, resultShape: number[]): number {
    const { graph, primitives } = this.headerAndGraph(result, resultShape);
    const skeleton = GraphProto.encode(graph).finish();
    const params = this.parameters.map((p) => ({
      name: p.name,
      refKey: p.key,
      dims: p.dims,
      dataType: FLOAT32,
      rawData: p.data,
    }));
    // Length of each encoded parameter without encoding its bytes: header fields + raw_data tag/length/bytes.
    const paramLength = (p: (typeof params)[number]) => {
      const head = TensorProto.encode({ ...p, rawData: undefined }).finish().byteLength;
      return head + 1 + varint(p.rawData.byteLength).length + p.rawData.byteLength;
    };
    const graphLength =
      skeleton.byteLength + params.reduce((sum, p) => sum + 1 + varint(paramLength(p)).length + paramLength(p), 0);
    const fd = openSync(file, 'w');
    let written = 0;
    const put = (bytes: Uint8Array) => {
      writeSync(fd, bytes);
      written += bytes.byteLength;
    };
    try {
      put(ModelProto.encode(modelFields()).finish());
      put(new Uint8Array([(7 << 3) | 2, ...varint(graphLength)]));
      put(skeleton);
      for (const p of params) {
        put(new Uint8Array([(3 << 3) | 2, ...varint(paramLength(p))]));
        put(TensorProto.encode({ ...p, rawData: undefined }).finish());
        put(new Uint8Array([(9 << 3) | 2, ...varint(p.rawData.byteLength)]));
        put(p.rawData);
      }
      put(ModelProto.encode({ primitives, mindIrVersion: 1, littleEndian: true }).finish());
    } finally {
      closeSync(fd);
    }
    return written;
  }
}

function modelFields() {
  return { irVersion: '0.1.1', producerName: 'MindSpore', modelVersion: '2.2.0' };
}

function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

function randomWeights(count: number, random: () => number, scale: number): Uint8Array {
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = random() * scale;
  return new Uint8Array(values.buffer);
}

/** LeNet-5 as in ori_net.mindir (NCHW, 32x32 input, valid convolutions, 2x2 max pools, three dense layers). */
export function lenet5(seed = 1): Uint8Array {
  const random = seededRandom(seed);
  const b = new MindirGraphBuilder();
  const x = b.input('x', [1, 1, 32, 32]);
  const conv = (input: string, key: string, cin: number, cout: number, out: number[]) =>
    b.node(
      'Conv2D',
      [input, b.parameter(key, [cout, cin, 5, 5], randomWeights(cout * cin * 25, random, 0.4))],
      {
        kernel_size: [5, 5],
        mode: 1,
        out_channel: cout,
        pad: [0, 0, 0, 0],
        pad_mode: 'valid',
        format: 'NCHW',
        pad_list: [0, 0, 0, 0],
        group: 1,
        groups: 1,
        stride: [1, 1, 1, 1],
        dilation: [1, 1, 1, 1],
      },
      out,
    );
  const pool = (input: string, out: number[]) =>
    b.node(
      'MaxPool',
      [input],
      { kernel_size: [1, 1, 2, 2], strides: [1, 1, 2, 2], pad_mode: 'VALID', format: 'NCHW' },
      out,
    );
  let h = pool(b.node('ReLU', [conv(x, 'conv1.weight', 1, 6, [1, 6, 28, 28])], {}, [1, 6, 28, 28]), [1, 6, 14, 14]);
  h = pool(b.node('ReLU', [conv(h, 'conv2.weight', 6, 16, [1, 16, 10, 10])], {}, [1, 16, 10, 10]), [1, 16, 5, 5]);
  h = b.node('Reshape', [h, b.constantTuple([1, -1])], {}, [1, 400]);
  const dense = (input: string, key: string, k: number, n: number, relu: boolean) => {
    const y = b.node(
      'MatMul',
      [input, b.parameter(key, [k, n], randomWeights(k * n, random, 0.2))],
      { transpose_a: false, transpose_b: false },
      [1, n],
    );
    return relu ? b.node('ReLU', [y], {}, [1, n]) : y;
  };
  h = dense(dense(dense(h, 'fc1.weight', 400, 120, true), 'fc2.weight', 120, 84, true), 'fc3.weight', 84, 10, false);
  return b.encode(h, [1, 10]);
}

/** An MLP of 4096x4096 float32 MatMul layers (64 MiB each) totalling about `targetBytes`, streamed to `file`. */
export function writeLargeMlp(file: string, targetBytes: number, width = 4096): { bytes: number; layers: number } {
  const layerBytes = width * width * 4;
  const layers = Math.max(1, Math.ceil(targetBytes / layerBytes));
  const random = seededRandom(7);
  const b = new MindirGraphBuilder();
  let h = b.input('x', [1, width]);
  // One random layer reused by every parameter: the bench measures loading, not PRNG speed.
  const weights = randomWeights(width * width, random, 0.01);
  for (let i = 0; i < layers; i++) {
    h = b.node(
      'MatMul',
      [h, b.parameter(`layers.${i}.weight`, [width, width], weights)],
      { transpose_a: false, transpose_b: false },
      [1, width],
    );
    h = b.node('ReLU', [h], {}, [1, width]);
  }
  return { bytes: b.writeFile(file, h, [1, width]), layers };
}
