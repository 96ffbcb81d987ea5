/**
 * Writes ONNX models for tests that compare mindlet's engine with onnxruntime: a small graph builder over
 * test/tools/onnx/onnx.proto (a subset of the official onnx.proto3), encoded with protobufjs reflection.
 * Initializers carry raw little-endian bytes (TensorProto.raw_data), views of the caller's arrays, not copies.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { varint } from '../varint.js';

const schema = protobuf.loadSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'onnx.proto'));
const ModelProto = schema.lookupType('onnx.ModelProto');
const GraphProto = schema.lookupType('onnx.GraphProto');
const TensorProto = schema.lookupType('onnx.TensorProto');

/** TensorProto.DataType values used here (onnx.proto3). */
export const OnnxType = { FLOAT: 1, INT32: 6, INT64: 7, BOOL: 9 } as const;
export type OnnxElementType = (typeof OnnxType)[keyof typeof OnnxType];

/** AttributeProto.AttributeType values. */
const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

/** An attribute: integer → INT, other number or `{ float }` → FLOAT, number[] → INTS, `{ floats }` → FLOATS, string → STRING. */
export type OnnxAttr = number | { float: number } | number[] | { floats: number[] } | string;

export type OnnxTensorData = Float32Array | Int32Array | BigInt64Array;

/** Opset 17: LayerNormalization exists, ReduceMean still takes `axes` as an attribute (moved to an input in 18). */
export const ONNX_OPSET = 17;
/** IR version 8 goes with opset 17 (ONNX 1.12). */
export const ONNX_IR_VERSION = 8;

type Plain = Record<string, unknown>;

/** Builds one ONNX graph. Dims of -1 become the symbolic dimension `dynamicDim` ("batch"). */
export class OnnxGraphBuilder {
  private readonly nodes: Plain[] = [];
  private readonly initializers: Plain[] = [];
  private readonly inputs: Plain[] = [];
  private readonly outputs: Plain[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(
    readonly graphName = 'main',
    readonly dynamicDim = 'batch',
  ) {}

  input(name: string, elemType: OnnxElementType, dims: number[]): string {
    this.claim(name);
    this.inputs.push(this.valueInfo(name, elemType, dims));
    return name;
  }

  output(name: string, elemType: OnnxElementType, dims: number[]): this {
    this.outputs.push(this.valueInfo(name, elemType, dims));
    return this;
  }

  /** A weight or constant; `data`'s bytes are referenced until encode(). */
  initializer(name: string, dims: number[], data: OnnxTensorData): string {
    this.claim(name);
    return this.addInitializer(name, dims, data);
  }

  private addInitializer(name: string, dims: number[], data: OnnxTensorData): string {
    const count = dims.reduce((n, d) => n * d, 1);
    if (data.length !== count) throw new Error(`initializer ${name}: ${data.length} values for dims ${dims.join('x')}`);
    const dataType =
      data instanceof Float32Array ? OnnxType.FLOAT : data instanceof Int32Array ? OnnxType.INT32 : OnnxType.INT64;
    // A Buffer view (no copy): protobufjs copies Buffers in one call, plain Uint8Arrays more slowly.
    const rawData = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.initializers.push({ dims, dataType, name, rawData });
    return name;
  }

  /** An initializer under a fresh name derived from `label`; returns the name. */
  constant(dims: number[], data: OnnxTensorData, label = 'const'): string {
    return this.addInitializer(this.fresh(label), dims, data);
  }

  /** A 1-D int64 initializer (Reshape shapes, Squeeze axes). */
  int64s(values: number[], label = 'const'): string {
    return this.constant([values.length], BigInt64Array.from(values.map(BigInt)), label);
  }

  /** A float32 initializer of the given dims (a scalar when dims is []). */
  floats(values: number[], dims: number[] = [values.length], label = 'const'): string {
    return this.constant(dims, Float32Array.from(values), label);
  }

  /** A node with `outputCount` outputs (named after the op unless `name` is given); returns the output names. */
  nodeN(op: string, inputs: string[], attrs: Record<string, OnnxAttr> = {}, outputCount = 1, name?: string): string[] {
    const base = this.fresh(name ?? op);
    const outputs = Array.from({ length: outputCount }, (_, i) => (i === 0 ? base : this.fresh(`${base}_out${i}`)));
    const attribute = Object.entries(attrs).map(([key, value]) => encodeAttr(key, value));
    this.nodes.push({ input: inputs, output: outputs, name: base, opType: op, attribute });
    return outputs;
  }

  /** A single-output node; returns its output name. */
  node(op: string, inputs: string[], attrs: Record<string, OnnxAttr> = {}, name?: string): string {
    return this.nodeN(op, inputs, attrs, 1, name)[0]!;
  }

  /** Op type → node count, for reports and tests. */
  opCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const node of this.nodes) counts[node.opType as string] = (counts[node.opType as string] ?? 0) + 1;
    return counts;
  }

  /**
   * The model bytes. Small messages go through reflection; ModelProto.graph, GraphProto.initializer and
   * TensorProto.raw_data are framed by hand (key, length varint, payload), so weight bytes are copied once into
   * the result instead of through protobufjs's growing buffer. Fields stay in field-number order, so the bytes
   * equal what reflection would write for the whole object (`encodeWithReflection`, used by the tests).
   */
  encode(producerName = 'mindlet-test'): Uint8Array {
    const head = ModelProto.encode(this.modelHeader(producerName)).finish();
    const graphHead = GraphProto.encode({ node: this.nodes, name: this.graphName }).finish();
    const graphTail = GraphProto.encode({ input: this.inputs, output: this.outputs }).finish();
    const tensors = this.initializers.map((tensor) => {
      const { rawData, ...fields } = tensor;
      const bytes = rawData as Uint8Array;
      const tensorHead = TensorProto.encode(fields).finish();
      const rawKey = fieldKey(9, bytes.byteLength);
      const length = tensorHead.byteLength + rawKey.byteLength + bytes.byteLength;
      return [fieldKey(5, length), tensorHead, rawKey, bytes];
    });
    const graphLength =
      graphHead.byteLength +
      tensors.reduce((sum, parts) => sum + parts.reduce((n, p) => n + p.byteLength, 0), 0) +
      graphTail.byteLength;
    const tail = ModelProto.encode({ opsetImport: [{ domain: '', version: ONNX_OPSET }] }).finish();
    return Buffer.concat([head, fieldKey(7, graphLength), graphHead, ...tensors.flat(), graphTail, tail]);
  }

  /** The same model through protobufjs reflection alone (slow for large weights; the reference for `encode`). */
  encodeWithReflection(producerName = 'mindlet-test'): Uint8Array {
    const model = {
      ...this.modelHeader(producerName),
      graph: {
        node: this.nodes,
        name: this.graphName,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
      opsetImport: [{ domain: '', version: ONNX_OPSET }],
    };
    return ModelProto.encode(model).finish();
  }

  private modelHeader(producerName: string): Plain {
    return { irVersion: ONNX_IR_VERSION, producerName, producerVersion: '0.1.0' };
  }

  private valueInfo(name: string, elemType: OnnxElementType, dims: number[]): Plain {
    const dim = dims.map((d) => (d < 0 ? { dimParam: this.dynamicDim } : { dimValue: d }));
    return { name, type: { tensorType: { elemType, shape: { dim } } } };
  }

  private claim(name: string): void {
    if (this.names.has(name)) throw new Error(`ONNX value ${name} is defined twice`);
    this.names.add(name);
  }

  private fresh(label: string): string {
    let name = label;
    while (this.names.has(name)) name = `${label}_${++this.counter}`;
    this.names.add(name);
    return name;
  }
}

function encodeAttr(name: string, value: OnnxAttr): Plain {
  if (typeof value === 'string') return { name, s: Buffer.from(value), type: AttrType.STRING };
  if (typeof value === 'number') {
    return Number.isInteger(value) ? { name, i: value, type: AttrType.INT } : { name, f: value, type: AttrType.FLOAT };
  }
  if (Array.isArray(value)) return { name, ints: value, type: AttrType.INTS };
  if ('float' in value) return { name, f: value.float, type: AttrType.FLOAT };
  return { name, floats: value.floats, type: AttrType.FLOATS };
}

/** Key and length prefix of a length-delimited field (wire type 2). */
function fieldKey(field: number, length: number): Uint8Array {
  return Uint8Array.from([...varint((field << 3) | 2), ...varint(length)]);
}
