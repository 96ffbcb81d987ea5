/**
 * Writes MindIR files the way MindSpore 2.x export lays them out, for tests and benchmarks. The layout mirrors
 * test/fixtures/mindir/ori_net.mindir: ir_version "0.1.1", a primitives table that nodes reference as
 * "REF::<name>:<id>" (attributes typed: INT64 and BOOL in `i`, STRING in `s`, TUPLE/LIST of one-value INT64 or
 * STRING entries), each node's output abstract in a "shape" attribute, parameters read through Load with a UMonad
 * Constant, and MakeTuple → UpdateState → Depend in front of the graph output.
 *
 * Encoding: the small messages (header, nodes, tensor headers, primitives) go through protobufjs reflection over
 * proto/mind_ir.proto (the shipped decoders are decode-only); the outer length-delimited layers (ModelProto.graph,
 * GraphProto.parameter, TensorProto.raw_data) are written by hand so weight bytes stream straight to their sink.
 * A length-delimited field is the key varint ((field_number << 3) | 2), the payload's byte length as a varint, then
 * the payload; a payload's length is known before its bytes exist, since a weight's size follows from dims × dtype.
 * Fields are emitted in field-number order, so the bytes equal what reflection would produce for the whole object.
 *
 * External weights follow MindSpore's split export (mindspore/python/mindspore/train/serialization.py:
 * _spilt_save, _get_data_file, _generate_front_info_for_param_data_file; read back by
 * mindspore/core/load_mindir/load_model.cc GetTensorDataFromExternal): the graph goes to "<prefix>_graph.mindir",
 * GraphProto.parameter data to "<prefix>_variables/data_0", whose first 64 bytes are a header (byte 0 = 1 when the
 * exporter was little-endian, then 63 zero bytes); each tensor starts on a 64-byte boundary (zero padding after
 * it), and its TensorProto carries external_data {location "<prefix>_variables/data_0" relative to the model's
 * folder, offset from the start of the data file, length without padding} and no raw_data. Constant-node tensors
 * stay inline, as in MindSpore.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { varint } from './varint.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const schema = protobuf.loadSync(path.join(repoRoot, 'proto', 'mind_ir.proto'));
const ModelProto = schema.lookupType('mind_ir.ModelProto');
const GraphProto = schema.lookupType('mind_ir.GraphProto');
const TensorProto = schema.lookupType('mind_ir.TensorProto');

/** TensorProto.DataType values (proto/mind_ir.proto). */
export const DataType = {
  FLOAT32: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  FLOAT16: 10,
  FLOAT64: 11,
  UINT32: 12,
  UINT64: 13,
  BFLOAT16: 16,
} as const;

const ELEMENT_BYTES: Record<number, number> = {
  1: 4,
  2: 1,
  3: 1,
  4: 2,
  5: 2,
  6: 4,
  7: 8,
  9: 1,
  10: 2,
  11: 8,
  12: 4,
  13: 8,
  16: 2,
  17: 8,
};

/** AttributeProto.AttributeType values used here. */
const Attr = { FLOAT: 1, INT64: 7, STRING: 8, BOOL: 9, TENSORS: 19, TUPLE: 20, LIST: 21, UMONAD: 23 } as const;

/** MindSpore's data-file header and tensor alignment (serialization.py: `offset = 64`, pad to `% 64`). */
export const EXTERNAL_HEADER_BYTES = 64;
export const EXTERNAL_ALIGNMENT = 64;

/**
 * A primitive attribute: integer → INT64, boolean → BOOL (in `i`), string → STRING (in `s`), number[] → TUPLE
 * of INT64, string[] → LIST of STRING (like input_names); `{ float }` → FLOAT, `{ list }` → LIST of INT64.
 */
export type WriterAttr = number | boolean | string | number[] | string[] | { float: number } | { list: number[] };

/** Weight bytes, or a function producing them when written (large models generate one tensor at a time). */
export type WeightSource = Uint8Array | Float32Array | (() => Uint8Array | Float32Array);

/** One computing node, as `MindirGraphBuilder.add` takes it. */
export interface WriterNode {
  op: string;
  inputs: string[];
  attrs?: Record<string, WriterAttr>;
  /** The output abstract MindSpore records in the node's "shape" attribute; omitted → no attribute. */
  outputShape?: number[];
  outputDtype?: number;
  /** Middle part of the node name ("<graph>:<name>:<id>"); defaults to the op in lower case. */
  name?: string;
  /** Scope path written to NodeProto.domain; defaults to "Default/<op>-op<n>". */
  scope?: string;
}

export interface ParameterRecord {
  name: string;
  key: string;
  dims: number[];
  dtype: number;
  byteLength: number;
  source: WeightSource;
}

type Plain = Record<string, unknown>;

/** Builds one MindSpore 2.x graph; names and ids follow the exporter's "<graph>:<label>:<id>" pattern. */
export class MindirGraphBuilder {
  readonly graphName: string;
  private readonly nodeList: Plain[] = [];
  private readonly primitiveTable = new Map<string, Plain>();
  private readonly inputList: Plain[] = [];
  private readonly parameterList: ParameterRecord[] = [];
  private readonly loads: string[] = [];
  private readonly shapes = new Map<string, { dims: number[]; dtype: number }>();
  private readonly constantNames = new Set<string>();
  private counter = 1;
  private opIndex = 0;
  private monad?: string;
  private result?: string;
  private closed?: { nodes: Plain[]; output: Plain };

  constructor(graphName = '17_1_construct.Default_wrapper.5') {
    this.graphName = graphName;
  }

  /** A graph input (ValueInfoProto); returns its value name "<graph>:<name>". */
  input(name: string, dims: number[], dtype: number = DataType.FLOAT32): string {
    const full = `${this.graphName}:${name}`;
    this.inputList.push({ name: full, tensor: [{ dims, dataType: dtype }] });
    this.shapes.set(full, { dims, dtype });
    return full;
  }

  /** A weight in GraphProto.parameter, read through Load(parameter, UMonad) as MindSpore 2.x does; returns the Load. */
  parameter(key: string, dims: number[], data: WeightSource, dtype: number = DataType.FLOAT32): string {
    this.assertOpen();
    const name = `${this.graphName}:${key}`;
    const byteLength = byteSize(dims, dtype);
    if (typeof data !== 'function' && data.byteLength !== byteLength) {
      throw new Error(`parameter ${key}: ${data.byteLength} bytes given, dims ${dims.join('x')} need ${byteLength}`);
    }
    this.parameterList.push({ name, key, dims, dtype, byteLength, source: data });
    this.shapes.set(name, { dims, dtype });
    if (!this.monad) {
      this.monad = `[ValueNode]${this.counter++}`;
      this.nodeList.push({
        output: [this.monad],
        name: this.monad,
        opType: 'Constant',
        attribute: [{ name: 'value', type: Attr.UMONAD }],
      });
    }
    const loaded = this.add({ op: 'Load', inputs: [name, this.monad], outputShape: dims, outputDtype: dtype });
    this.loads.push(loaded);
    return loaded;
  }

  /** A Constant node holding a tensor (MindSpore folds dense-layer weights into these); returns its name. */
  constantTensor(
    dims: number[],
    data: Uint8Array | Float32Array,
    dtype: number = DataType.FLOAT32,
    label = 'x',
  ): string {
    this.assertOpen();
    const bytes = asBytes(data);
    if (bytes.byteLength !== byteSize(dims, dtype)) {
      throw new Error(`constant ${label}: ${bytes.byteLength} bytes given, dims ${dims.join('x')} need another size`);
    }
    const name = this.constantNames.has(label) ? `${label}_${this.counter++}` : label;
    this.constantNames.add(name);
    this.nodeList.push({
      output: [name],
      name,
      opType: 'Constant',
      attribute: [
        { name: 'value', tensors: [{ dims, dataType: dtype, name: 'value0', rawData: bytes }], type: Attr.TENSORS },
      ],
    });
    this.shapes.set(name, { dims, dtype });
    return name;
  }

  /** A Constant node holding a tuple of integers (e.g. a Reshape target); named by its id, as MindSpore does. */
  constantTuple(values: number[]): string {
    this.assertOpen();
    const name = String(this.counter++);
    this.nodeList.push({
      output: [name],
      name,
      opType: 'Constant',
      attribute: [{ name: 'value', type: Attr.TUPLE, values: values.map((v) => ({ ints: [v], type: Attr.INT64 })) }],
    });
    return name;
  }

  /** A computing node; returns its output value name. */
  node(
    op: string,
    inputs: string[],
    attrs: Record<string, WriterAttr> = {},
    outputShape?: number[],
    options: Pick<WriterNode, 'outputDtype' | 'name' | 'scope'> = {},
  ): string {
    return this.add({ op, inputs, attrs, outputShape, ...options });
  }

  add(spec: WriterNode): string {
    this.assertOpen();
    const primitive = this.primitive(spec.op, spec.attrs ?? {});
    const out = `${this.graphName}:${spec.name ?? spec.op.toLowerCase()}:${this.counter++}`;
    const dtype = spec.outputDtype ?? DataType.FLOAT32;
    const node: Plain = {
      input: spec.inputs,
      output: [out],
      name: out,
      opType: `REF::${primitive}`,
      attribute: spec.outputShape ? [tensorsShape(spec.outputShape, dtype)] : [],
      domain: spec.scope ?? `Default/${spec.op}-op${this.opIndex}`,
    };
    this.opIndex++;
    this.nodeList.push(node);
    if (spec.outputShape) this.shapes.set(out, { dims: spec.outputShape, dtype });
    return out;
  }

  /** Marks `value` as the graph's result (one output, as LeNet-style exports have). */
  output(value: string): this {
    if (this.result !== undefined) throw new Error('the graph already has an output');
    this.result = value;
    return this;
  }

  /** Parameters in GraphProto.parameter order, with their sources (for tests that compare written bytes). */
  parameters(): readonly ParameterRecord[] {
    return this.parameterList;
  }

  /** The whole ModelProto as a plain protobufjs object, weights inline (small models; reference encoding). */
  toModelObject(modelVersion = '2.2.0'): Plain {
    const { before, after } = this.graphParts();
    const parameter = this.parameterList.map((p) => {
      const { head, tail } = tensorFields(p);
      return { ...head, rawData: weightBytes(p), ...tail };
    });
    return {
      ...modelHeader(modelVersion),
      graph: { ...before, parameter, ...after },
      ...modelTrailer(this.primitiveTable),
    };
  }

  /** Node list, graph name, inputs, output and attributes: everything of GraphProto except the parameters. */
  graphParts(): { before: Plain; after: Plain } {
    const { nodes, output } = this.close();
    return {
      before: { node: nodes, name: this.graphName },
      after: {
        input: this.inputList,
        output: [output],
        bpropHash: '',
        attribute: [{ name: 'check_set_strategy_valid_once_only', i: 1, type: Attr.BOOL }],
        bpropFilepath: '',
      },
    };
  }

  primitives(): Map<string, Plain> {
    this.close();
    return this.primitiveTable;
  }

  /** Primitives are shared by nodes with the same op and attributes (ReLU:6 serves every ReLU in ori_net). */
  private primitive(op: string, attrs: Record<string, WriterAttr>): string {
    const attribute = Object.entries(attrs).map(([name, value]) => encodeAttr(name, value));
    const signature = JSON.stringify([op, attrs]);
    for (const [name, entry] of this.primitiveTable) {
      if (entry.signature === signature) return name;
    }
    const name = `${op}:${this.counter++}`;
    const entry: Plain = { name, opType: op, signature };
    if (attribute.length) entry.attribute = attribute;
    this.primitiveTable.set(name, entry);
    return name;
  }

  /** Closes the graph MindSpore's way: MakeTuple of the Loads, UpdateState(monad, tuple), Depend(result, state). */
  private close(): { nodes: Plain[]; output: Plain } {
    if (this.closed) return this.closed;
    if (this.result === undefined) throw new Error('call output() before encoding the graph');
    let output = this.result;
    const resultShape = this.shapes.get(this.result);
    if (this.monad && this.loads.length) {
      const loadShapes = this.loads.map((name) => this.shapes.get(name)!);
      const tuple = this.add({ op: 'MakeTuple', inputs: this.loads, name: String(this.opIndex) });
      const tupleNode = this.nodeList.at(-1)!;
      tupleNode.attribute = [
        { name: 'shape', type: Attr.TUPLE, values: loadShapes.map((s) => tensorsShape(s.dims, s.dtype, false)) },
      ];
      const state = this.add({ op: 'UpdateState', inputs: [this.monad, tuple], name: String(this.opIndex) });
      this.nodeList.at(-1)!.attribute = [{ name: 'shape', type: Attr.UMONAD }];
      output = this.add({
        op: 'Depend',
        inputs: [this.result, state],
        attrs: { side_effect_propagate: 1 },
        outputShape: resultShape?.dims,
        outputDtype: resultShape?.dtype,
        name: 'x',
      });
    }
    const tensor = resultShape ? [{ dims: resultShape.dims, dataType: resultShape.dtype }] : [];
    this.closed = { nodes: this.nodeList, output: { name: output, tensor } };
    return this.closed;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the graph is already encoded; build a new one');
  }
}

export interface ExternalDataOptions {
  /** The model's folder: `fileName` is written under it and recorded relative to it. */
  dir: string;
  /** Data file path relative to `dir`; MindSpore writes "<prefix>_variables/data_0". */
  fileName?: string;
  /** Parameters smaller than this stay inline (MindSpore moves all of them; default 0 does the same). */
  thresholdBytes?: number;
}

export interface EncodeOptions {
  /** ModelProto.model_version, the MindSpore version (default "2.2.0"). */
  modelVersion?: string;
  /** Move GraphProto.parameter data into a data file beside the model, as MindSpore's split export does. */
  externalData?: ExternalDataOptions;
}

/** Encodes the model in memory (weights are referenced, then copied once into the result). */
export function encodeModel(builder: MindirGraphBuilder, options: EncodeOptions = {}): Uint8Array {
  const chunks: Uint8Array[] = [];
  const data = options.externalData ? openDataFile(options.externalData) : undefined;
  try {
    emitModel(builder, options.modelVersion, (bytes) => chunks.push(bytes), data);
  } finally {
    data?.close();
  }
  return Buffer.concat(chunks);
}

export interface WriteResult {
  /** Bytes of the model file. */
  bytes: number;
  /** Bytes of the external data file (0 when weights are inline). */
  dataBytes: number;
  /** Every file written: the model, then its data file where there is one. */
  files: string[];
}

/**
 * Streams the model to `file`, one weight tensor in memory at a time. With `external`, weights go to
 * "<prefix>_variables/data_0" beside it (prefix: the file name less ".mindir" and a trailing "_graph").
 */
export function writeModel(
  builder: MindirGraphBuilder,
  file: string,
  options: { modelVersion?: string; external?: boolean | { thresholdBytes?: number } } = {},
): WriteResult {
  const dir = path.dirname(path.resolve(file));
  const prefix = path
    .basename(file)
    .replace(/\.mindir$/, '')
    .replace(/_graph$/, '');
  const external = options.external
    ? { dir, fileName: `${prefix}_variables/data_0`, ...(options.external === true ? {} : options.external) }
    : undefined;
  const data = external ? openDataFile(external) : undefined;
  const fd = openSync(file, 'w');
  let bytes = 0;
  try {
    emitModel(
      builder,
      options.modelVersion,
      (chunk) => {
        writeChunk(fd, chunk);
        bytes += chunk.byteLength;
      },
      data,
    );
  } finally {
    closeSync(fd);
    data?.close();
  }
  const files = [file];
  if (data?.used) files.push(path.join(dir, data.location));
  return { bytes, dataBytes: data?.used ? data.offset : 0, files };
}

interface DataFile {
  location: string;
  threshold: number;
  offset: number;
  used: boolean;
  /** Appends a tensor at the next 64-byte boundary and returns its offset. */
  append(bytes: Uint8Array): number;
  close(): void;
}

function openDataFile(options: ExternalDataOptions): DataFile {
  const location = options.fileName ?? 'model_variables/data_0';
  const target = path.join(options.dir, location);
  mkdirSync(path.dirname(target), { recursive: true });
  const fd = openSync(target, 'w');
  // Byte 0 says the exporter was little-endian; MindSpore's loader refuses the file when it disagrees.
  const header = new Uint8Array(EXTERNAL_HEADER_BYTES);
  header[0] = 1;
  writeChunk(fd, header);
  const file: DataFile = {
    location,
    threshold: options.thresholdBytes ?? 0,
    offset: EXTERNAL_HEADER_BYTES,
    used: false,
    append(bytes) {
      const at = file.offset;
      writeChunk(fd, bytes);
      const padding = (EXTERNAL_ALIGNMENT - (bytes.byteLength % EXTERNAL_ALIGNMENT)) % EXTERNAL_ALIGNMENT;
      if (padding) writeChunk(fd, new Uint8Array(padding));
      file.offset += bytes.byteLength + padding;
      file.used = true;
      return at;
    },
    close() {
      closeSync(fd);
    },
  };
  return file;
}

/**
 * Writes ModelProto in field-number order: header fields (1, 2, 5), graph (7) by hand, then little_endian,
 * primitives and mind_ir_version (10, 12, 13). Inside the graph: node and name (1, 2), each parameter (3) by hand,
 * then input, output, bprop_hash, attribute, bprop_filepath (5–9).
 */
function emitModel(
  builder: MindirGraphBuilder,
  modelVersion: string | undefined,
  sink: (bytes: Uint8Array) => void,
  data: DataFile | undefined,
): void {
  const { before, after } = builder.graphParts();
  const graphHead = GraphProto.encode(before).finish();
  const graphTail = GraphProto.encode(after).finish();
  // Tensor fields before raw_data (9) and after it (external_data 12, ref_key 13, compression_type 16).
  let nextOffset = EXTERNAL_HEADER_BYTES;
  const params = builder.parameters().map((p) => {
    const external = data !== undefined && p.byteLength >= data.threshold;
    let offset = 0;
    if (external) {
      // Offsets are laid out before anything is written: a tail's size depends on its offset's varint width.
      offset = nextOffset;
      nextOffset += Math.ceil(p.byteLength / EXTERNAL_ALIGNMENT) * EXTERNAL_ALIGNMENT;
    }
    const { head, tail } = tensorFields(p, external ? { location: data!.location, offset } : undefined);
    const headBytes = TensorProto.encode(head).finish();
    const tailBytes = TensorProto.encode(tail).finish();
    const inline = external ? 0 : fieldOverhead(9, p.byteLength) + p.byteLength;
    return { p, external, offset, headBytes, tailBytes, length: headBytes.byteLength + inline + tailBytes.byteLength };
  });
  const graphLength =
    graphHead.byteLength +
    params.reduce((sum, e) => sum + fieldOverhead(3, e.length) + e.length, 0) +
    graphTail.byteLength;

  sink(ModelProto.encode(modelHeader(modelVersion)).finish());
  sink(fieldKey(7, graphLength));
  sink(graphHead);
  for (const entry of params) {
    sink(fieldKey(3, entry.length));
    sink(entry.headBytes);
    const bytes = weightBytes(entry.p);
    if (entry.external) {
      const at = data!.append(bytes);
      if (at !== entry.offset) throw new Error(`data file offset ${at} differs from the planned ${entry.offset}`);
    } else {
      sink(fieldKey(9, bytes.byteLength));
      sink(bytes);
    }
    sink(entry.tailBytes);
  }
  sink(graphTail);
  sink(ModelProto.encode(modelTrailer(builder.primitives())).finish());
}

function modelHeader(modelVersion = '2.2.0'): Plain {
  return { irVersion: '0.1.1', producerName: 'MindSpore', modelVersion };
}

function modelTrailer(primitives: Map<string, Plain>): Plain {
  const table = [...primitives.values()].map(({ signature: _, ...entry }) => entry);
  return { littleEndian: true, primitives: table, mindIrVersion: 1 };
}

function tensorFields(
  p: ParameterRecord,
  external?: { location: string; offset: number },
): { head: Plain; tail: Plain } {
  const tail: Plain = { refKey: p.key, compressionType: 0 };
  if (external) tail.externalData = { ...external, length: p.byteLength };
  return { head: { dims: p.dims, dataType: p.dtype, name: p.name }, tail };
}

function weightBytes(p: ParameterRecord): Uint8Array {
  const bytes = asBytes(typeof p.source === 'function' ? p.source() : p.source);
  if (bytes.byteLength !== p.byteLength) {
    throw new Error(`parameter ${p.key}: source produced ${bytes.byteLength} bytes, expected ${p.byteLength}`);
  }
  return bytes;
}

function tensorsShape(dims: number[], dtype: number, named = true): Plain {
  const entry: Plain = { tensors: [{ dims, dataType: dtype }], type: Attr.TENSORS };
  return named ? { name: 'shape', ...entry } : entry;
}

function encodeAttr(name: string, value: WriterAttr): Plain {
  if (typeof value === 'boolean') return { name, i: value ? 1 : 0, type: Attr.BOOL };
  if (typeof value === 'number') {
    return Number.isInteger(value) ? { name, i: value, type: Attr.INT64 } : { name, f: value, type: Attr.FLOAT };
  }
  if (typeof value === 'string') return { name, s: Buffer.from(value), type: Attr.STRING };
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'string')) {
      return { name, type: Attr.LIST, values: value.map((v) => ({ strings: [Buffer.from(v)], type: Attr.STRING })) };
    }
    return { name, type: Attr.TUPLE, values: value.map((v) => ({ ints: [v], type: Attr.INT64 })) };
  }
  if ('float' in value) return { name, f: value.float, type: Attr.FLOAT };
  return { name, type: Attr.LIST, values: value.list.map((v) => ({ ints: [v], type: Attr.INT64 })) };
}

function byteSize(dims: number[], dtype: number): number {
  const element = ELEMENT_BYTES[dtype];
  if (element === undefined) throw new Error(`data type ${dtype} has no fixed element size`);
  return dims.reduce((n, d) => n * d, 1) * element;
}

function asBytes(data: Uint8Array | Float32Array): Uint8Array {
  return data instanceof Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Key and length prefix of a length-delimited field (wire type 2). */
function fieldKey(field: number, length: number): Uint8Array {
  return Uint8Array.from([...varint((field << 3) | 2), ...varint(length)]);
}

function fieldOverhead(field: number, length: number): number {
  return varint((field << 3) | 2).length + varint(length).length;
}

function writeChunk(fd: number, bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.byteLength) written += writeSync(fd, bytes, written, bytes.byteLength - written);
}

/** A deterministic PRNG (mulberry32) in [-0.5, 0.5), so written weights are reproducible. */
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

export function randomWeights(count: number, random: () => number, scale = 1): Float32Array {
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = random() * scale;
  return values;
}

export interface LeNetOptions {
  seed?: number;
  /** ori_net.mindir folds the dense weights into Constant nodes; "parameter" keeps them as Load'ed parameters. */
  denseWeights?: 'constant' | 'parameter';
  graphName?: string;
}

/** LeNet-5 as in ori_net.mindir: NCHW 1x1x32x32 input, two valid 5x5 convolutions, 2x2 max pools, three MatMuls. */
export function lenet5(options: LeNetOptions = {}): MindirGraphBuilder {
  const random = seededRandom(options.seed ?? 1);
  const b = new MindirGraphBuilder(options.graphName);
  const x = b.input('x', [1, 1, 32, 32]);
  const conv = (input: string, key: string, cin: number, cout: number, out: number[]) => {
    const weight = b.parameter(key, [cout, cin, 5, 5], randomWeights(cout * cin * 25, random, 0.4));
    return b.node(
      'Conv2D',
      [input, weight],
      {
        kernel_size: [5, 5],
        mode: 1,
        out_channel: cout,
        input_names: ['x', 'w'],
        pad: [0, 0, 0, 0],
        pad_mode: 'valid',
        format: 'NCHW',
        pad_list: [0, 0, 0, 0],
        groups: 1,
        stride: [1, 1, 1, 1],
        group: 1,
        dilation: [1, 1, 1, 1],
        output_names: ['output'],
      },
      out,
      { name: 'output' },
    );
  };
  const relu = (input: string, shape: number[]) =>
    b.node('ReLU', [input], { output_names: ['output'], input_names: ['x'] }, shape);
  const pool = (input: string, out: number[]) =>
    b.node(
      'MaxPool',
      [input],
      {
        pad_mode: 'VALID',
        output_names: ['output'],
        kernel_size: [1, 1, 2, 2],
        format: 'NCHW',
        strides: [1, 1, 2, 2],
        input_names: ['x'],
      },
      out,
      { name: 'out' },
    );
  let h = pool(relu(conv(x, 'conv1.weight', 1, 6, [1, 6, 28, 28]), [1, 6, 28, 28]), [1, 6, 14, 14]);
  h = pool(relu(conv(h, 'conv2.weight', 6, 16, [1, 16, 10, 10]), [1, 16, 10, 10]), [1, 16, 5, 5]);
  h = b.node(
    'Reshape',
    [h, b.constantTuple([1, -1])],
    { output_names: ['output'], input_names: ['tensor', 'shape'] },
    [1, 400],
  );
  const dense = (input: string, key: string, k: number, n: number) => {
    const values = randomWeights(k * n, random, 0.2);
    const weight =
      options.denseWeights === 'parameter' ? b.parameter(key, [k, n], values) : b.constantTensor([k, n], values);
    const attrs = {
      output_names: ['output'],
      transpose_a: false,
      input_names: ['x1', 'x2'],
      transpose_x2: false,
      transpose_x1: false,
      transpose_b: false,
    };
    return b.node('MatMul', [input, weight], attrs, [1, n], { name: 'x' });
  };
  h = relu(dense(h, 'fc1.weight', 400, 120), [1, 120]);
  h = relu(dense(h, 'fc2.weight', 120, 84), [1, 84]);
  return b.output(dense(h, 'fc3.weight', 84, 10));
}

export interface LargeMlpOptions {
  /** Layer width: each layer is a width x width float32 MatMul weight (default 4096: 64 MiB). */
  width?: number;
  seed?: number;
}

/**
 * An MLP of MatMul + ReLU layers whose Load'ed float32 weights total at least `targetBytes` (ceil to whole layers).
 * Weights are generated when written, each layer from its own seed, so memory holds one layer at a time.
 */
export function largeMlp(targetBytes: number, options: LargeMlpOptions = {}): MindirGraphBuilder {
  const width = options.width ?? 4096;
  const seed = options.seed ?? 7;
  const layers = Math.max(1, Math.ceil(targetBytes / (width * width * 4)));
  const b = new MindirGraphBuilder('1_construct.Default_wrapper.1');
  let h = b.input('x', [1, width]);
  for (let i = 0; i < layers; i++) {
    const weights = () => randomWeights(width * width, seededRandom(seed + i), 2 / Math.sqrt(width));
    const weight = b.parameter(`layers.${i}.weight`, [width, width], weights);
    h = b.node('MatMul', [h, weight], { transpose_a: false, transpose_b: false }, [1, width], {
      scope: `Default/layers-SequentialCell/${i}-Dense/MatMul-op${i * 3 + 1}`,
    });
    if (i < layers - 1) h = b.node('ReLU', [h], {}, [1, width]);
  }
  return b.output(h);
}

/** Writes `largeMlp(targetBytes)` to `file` (streamed); `external` puts the weights in "<prefix>_variables/data_0". */
export function writeLargeMlp(
  file: string,
  targetBytes: number,
  width = 4096,
  options: { external?: boolean } = {},
): WriteResult & { layers: number } {
  const builder = largeMlp(targetBytes, { width });
  const result = writeModel(builder, file, { external: options.external ?? false });
  return { ...result, layers: builder.parameters().length };
}
