/**
 * Writes MindSpore Lite `.ms` files (either schema generation) for tests, with the `flatbuffers` Builder. Op
 * tables are laid out from mindlet's own transcription (src/mslite/schema.ts), so a file written here checks the
 * decoder's reading of that transcription, not the transcription itself; the model tables use the slot constants.
 */
import { Builder } from 'flatbuffers';
import {
  CNODE,
  CURRENT_FILE_IDENTIFIER,
  type FieldSpec,
  type Generation,
  META_GRAPH,
  PRIMITIVE,
  SCHEMAS,
  SUB_GRAPH,
  TENSOR,
} from '../../src/mslite/schema.js';

/** Attribute values: numbers (enums by value or member name), booleans, lists, Vec2D rows, Custom attributes. */
export type LiteAttrValue =
  | number
  | bigint
  | boolean
  | string
  | ReadonlyArray<number | bigint | boolean>
  | ReadonlyArray<ReadonlyArray<number | bigint>>
  | ReadonlyArray<{ name: string; data: Uint8Array }>
  | Uint8Array;

export interface LiteTensorSpec {
  name?: string;
  /** MindSpore TypeId: 43 float32, 34 int32, 35 int64, 32 int8... */
  dataType: number;
  dims: readonly number[];
  /** Format enum value: 0 NCHW, 1 NHWC, 7 KHWC... Default 0. */
  format?: number;
  data?: Uint8Array;
  /** 0 ValueNode, 1 Parameter, 2 CNode. Default: 0 (ValueNode) with data, 2 (CNode) without. */
  nodeType?: number;
  quantParams?: ReadonlyArray<{ scale: number; zeroPoint: number; numBits?: number; inited?: boolean }>;
}

export interface LiteNodeSpec {
  name: string;
  /** Union member name of the generation ("Conv2DFusion", "Pooling"). */
  op: string;
  attrs?: Record<string, LiteAttrValue>;
  inputs: readonly number[];
  outputs: readonly number[];
  /** Writes this union type id instead of the op's (for ids past the transcription). */
  typeId?: number;
}

export interface LiteModelSpec {
  generation: Generation;
  name?: string;
  /** Default "MindSpore Lite 1.5.0" (current) or "MindSpore Lite 1.0.0" (v0). */
  version?: string;
  /** Converter FmkType; default 3 (MindIR) for current, 0 for v0. */
  fmkType?: number;
  tensors: readonly LiteTensorSpec[];
  nodes: readonly LiteNodeSpec[];
  inputs: readonly number[];
  outputs: readonly number[];
  /** Write one SubGraph naming every node and tensor, as converters from 1.1 on do. Default: true for current. */
  subGraph?: boolean;
}

export function writeMsLite(spec: LiteModelSpec): Uint8Array {
  const b = new Builder(1024);
  const schema = SCHEMAS[spec.generation];
  const tensors = spec.tensors.map((t) => writeTensor(b, t));
  const nodes = spec.nodes.map((n) => writeNode(b, spec.generation, n, schema.primitives.indexOf(n.op)));
  const subGraphs: number[] = [];
  if (spec.subGraph ?? spec.generation === 'current') {
    const name = b.createString('main');
    const inputs = uintVector(b, spec.inputs);
    const outputs = uintVector(b, spec.outputs);
    const nodeIndices = uintVector(
      b,
      spec.nodes.map((_, i) => i),
    );
    const tensorIndices = uintVector(
      b,
      spec.tensors.map((_, i) => i),
    );
    b.startObject(5);
    b.addFieldOffset(SUB_GRAPH.name, name, 0);
    b.addFieldOffset(SUB_GRAPH.inputIndices, inputs, 0);
    b.addFieldOffset(SUB_GRAPH.outputIndices, outputs, 0);
    b.addFieldOffset(SUB_GRAPH.nodeIndices, nodeIndices, 0);
    b.addFieldOffset(SUB_GRAPH.tensorIndices, tensorIndices, 0);
    subGraphs.push(b.endObject());
  }
  const name = b.createString(spec.name ?? 'test');
  const version = b.createString(
    spec.version ?? (spec.generation === 'current' ? 'MindSpore Lite 1.5.0' : 'MindSpore Lite 1.0.0'),
  );
  const inputs = uintVector(b, spec.inputs);
  const outputs = uintVector(b, spec.outputs);
  const nodeVector = offsetVector(b, nodes);
  const tensorVector = offsetVector(b, tensors);
  const subGraphVector = subGraphs.length > 0 ? offsetVector(b, subGraphs) : 0;
  b.startObject(9);
  b.addFieldOffset(META_GRAPH.name, name, 0);
  b.addFieldOffset(META_GRAPH.version, version, 0);
  b.addFieldInt32(META_GRAPH.fmkType, spec.fmkType ?? (spec.generation === 'current' ? 3 : 0), 0);
  b.addFieldOffset(META_GRAPH.inputIndex, inputs, 0);
  b.addFieldOffset(META_GRAPH.outputIndex, outputs, 0);
  b.addFieldOffset(META_GRAPH.nodes, nodeVector, 0);
  b.addFieldOffset(META_GRAPH.allTensors, tensorVector, 0);
  if (subGraphVector) b.addFieldOffset(META_GRAPH.subGraph, subGraphVector, 0);
  const root = b.endObject();
  if (spec.generation === 'current') b.finish(root, CURRENT_FILE_IDENTIFIER);
  else b.finish(root);
  return b.asUint8Array().slice();
}

function writeTensor(b: Builder, t: LiteTensorSpec): number {
  const name = t.name === undefined ? 0 : b.createString(t.name);
  const dims = intVector(b, t.dims);
  const data = t.data ? b.createByteVector(t.data) : 0;
  const quant = t.quantParams
    ? offsetVector(
        b,
        t.quantParams.map((q) => {
          // QuantParam slots: scale 0 (double), zeroPoint 1, numBits 5 (default 8), inited 6.
          b.startObject(7);
          b.addFieldFloat64(0, q.scale, 0);
          b.addFieldInt32(1, q.zeroPoint, 0);
          b.addFieldInt32(5, q.numBits ?? 8, 8);
          b.addFieldInt8(6, q.inited === false ? 0 : 1, 0);
          return b.endObject();
        }),
      )
    : 0;
  b.startObject(10);
  b.addFieldInt32(TENSOR.nodeType, t.nodeType ?? (t.data ? 0 : 2), 0);
  b.addFieldInt32(TENSOR.dataType, t.dataType, 0);
  b.addFieldOffset(TENSOR.dims, dims, 0);
  b.addFieldInt32(TENSOR.format, t.format ?? 0, 0);
  if (data) b.addFieldOffset(TENSOR.data, data, 0);
  if (quant) b.addFieldOffset(TENSOR.quantParams, quant, 0);
  if (name) b.addFieldOffset(TENSOR.name, name, 0);
  return b.endObject();
}

function writeNode(b: Builder, generation: Generation, n: LiteNodeSpec, index: number): number {
  const schema = SCHEMAS[generation];
  if (index < 0 && n.typeId === undefined) throw new Error(`${n.op} is not a ${generation} union member`);
  const typeId = n.typeId ?? index + 1;
  const fields = schema.tables.get(n.op) ?? [];
  const known = new Set(fields.map((f) => f.name));
  for (const key of Object.keys(n.attrs ?? {})) {
    if (!known.has(key)) throw new Error(`${n.op} has no field ${key} in the ${generation} schema`);
  }
  // An op table is written even without fields, as the converters do (the union value is a table).
  const table = writeOpTable(b, generation, fields, n.attrs ?? {});
  b.startObject(2);
  b.addFieldInt8(PRIMITIVE.valueType, typeId, 0);
  b.addFieldOffset(PRIMITIVE.value, table, 0);
  const primitive = b.endObject();
  const name = b.createString(n.name);
  const inputs = uintVector(b, n.inputs);
  const outputs = uintVector(b, n.outputs);
  b.startObject(6);
  b.addFieldOffset(CNODE.name, name, 0);
  if (generation === 'v0') b.addFieldInt32(CNODE.nodeType, 2, 0); // NodeType CNode
  b.addFieldOffset(CNODE.primitive, primitive, 0);
  b.addFieldOffset(CNODE.inputIndex, inputs, 0);
  b.addFieldOffset(CNODE.outputIndex, outputs, 0);
  return b.endObject();
}

function writeOpTable(
  b: Builder,
  generation: Generation,
  fields: readonly FieldSpec[],
  attrs: Record<string, LiteAttrValue>,
): number {
  // Offsets (vectors, strings, sub-tables) must exist before the table starts.
  const offsets = new Map<number, number>();
  fields.forEach((field, slot) => {
    const value = attrs[field.name];
    if (value !== undefined && typeof field.type === 'string' && !isScalarType(field.type)) {
      offsets.set(slot, writeCompound(b, field, value));
    }
  });
  b.startObject(fields.length);
  fields.forEach((field, slot) => {
    const value = attrs[field.name];
    if (value === undefined) return;
    const offset = offsets.get(slot);
    if (offset !== undefined) {
      b.addFieldOffset(slot, offset, 0);
      return;
    }
    const scalar = typeof field.type === 'object' ? field.type.scalar : field.type;
    let v = value;
    if (typeof field.type === 'object' && typeof value === 'string') {
      v = enumValue(generation, field.type.enum, value);
    }
    writeScalarField(b, slot, scalar, v, field.defaultValue);
  });
  return b.endObject();
}

const SCALAR_NAMES = new Set(['bool', 'byte', 'ubyte', 'short', 'int', 'uint', 'long', 'float', 'double']);
function isScalarType(type: string): boolean {
  return SCALAR_NAMES.has(type);
}

function enumValue(generation: Generation, enumName: string, member: string): number {
  const names = SCHEMAS[generation].enums.get(enumName)?.names;
  for (const [value, name] of names ?? []) if (name === member) return value;
  throw new Error(`${enumName} has no member ${member} in the ${generation} schema`);
}

function writeScalarField(
  b: Builder,
  slot: number,
  scalar: string,
  value: LiteAttrValue,
  fallback: number | boolean | null,
): void {
  if (typeof value === 'object' || typeof value === 'string') throw new Error(`slot ${slot} takes a ${scalar}`);
  const d = fallback === null ? 0 : Number(fallback);
  switch (scalar) {
    case 'bool':
    case 'byte':
    case 'ubyte':
      b.addFieldInt8(slot, Number(value), d);
      return;
    case 'short':
      b.addFieldInt16(slot, Number(value), d);
      return;
    case 'int':
    case 'uint':
      b.addFieldInt32(slot, Number(value), d);
      return;
    case 'long':
      b.addFieldInt64(slot, BigInt(value), BigInt(d));
      return;
    case 'float':
      b.addFieldFloat32(slot, Number(value), d);
      return;
    case 'double':
      b.addFieldFloat64(slot, Number(value), d);
      return;
    default:
      throw new Error(`unknown scalar type ${scalar}`);
  }
}

function writeCompound(b: Builder, field: FieldSpec, value: LiteAttrValue): number {
  const list = value as ReadonlyArray<unknown>;
  switch (field.type) {
    case 'string':
      return b.createString(value as string);
    case '[int]':
    case '[uint]':
      return intVector(b, list.map(Number));
    case '[long]':
      return longVector(b, list as ReadonlyArray<number | bigint>);
    case '[float]':
      b.startVector(4, list.length, 4);
      for (let i = list.length - 1; i >= 0; i--) b.addFloat32(Number(list[i]));
      return b.endVector();
    case '[bool]':
    case '[ubyte]':
      return b.createByteVector(Uint8Array.from(list as ArrayLike<number>, Number));
    case 'Vec2D': {
      // table Vec2D { data: [Vec] }, table Vec { data: [long] }
      const rows = (value as ReadonlyArray<ReadonlyArray<number | bigint>>).map((row) => {
        const data = longVector(b, row);
        b.startObject(1);
        b.addFieldOffset(0, data, 0);
        return b.endObject();
      });
      const vector = offsetVector(b, rows);
      b.startObject(1);
      b.addFieldOffset(0, vector, 0);
      return b.endObject();
    }
    case '[Attribute]': {
      const attrs = (value as ReadonlyArray<{ name: string; data: Uint8Array }>).map((a) => {
        const name = b.createString(a.name);
        const data = b.createByteVector(a.data);
        b.startObject(2);
        b.addFieldOffset(0, name, 0);
        b.addFieldOffset(1, data, 0);
        return b.endObject();
      });
      return offsetVector(b, attrs);
    }
    default:
      throw new Error(`field ${field.name} is not a vector, string or table`);
  }
}

function uintVector(b: Builder, values: readonly number[]): number {
  return intVector(b, values);
}

function intVector(b: Builder, values: readonly number[]): number {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i] as number);
  return b.endVector();
}

function longVector(b: Builder, values: ReadonlyArray<number | bigint>): number {
  b.startVector(8, values.length, 8);
  for (let i = values.length - 1; i >= 0; i--) b.addInt64(BigInt(values[i] as number | bigint));
  return b.endVector();
}

function offsetVector(b: Builder, offsets: readonly number[]): number {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i] as number);
  return b.endVector();
}

// ---- tensor data helpers -----------------------------------------------------------------------------------------

export const DATA_TYPE = { float32: 43, int32: 34, int64: 35, int8: 32 } as const;
export const FORMAT = { NCHW: 0, NHWC: 1, KHWC: 7 } as const;

export function f32Bytes(values: ArrayLike<number>): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

export function i32Bytes(values: ArrayLike<number>): Uint8Array {
  return new Uint8Array(Int32Array.from(values).buffer);
}
