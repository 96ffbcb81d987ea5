/**
 * `.ms` bytes → the file's own structure (MetaGraph, CNodes, Tensors), both schema generations, as plain data.
 * Tensor data stays a view of the file. Mapping to mindlet's typed graph is `lower.ts`'s job.
 */
import { FlatbufferError, Table } from './flatbuffer.js';
import {
  CNODE,
  CURRENT_FILE_IDENTIFIER,
  EXTERNAL_DATA,
  type Generation,
  META_GRAPH,
  PRIMITIVE,
  QUANT_PARAM,
  SCHEMAS,
  SUB_GRAPH,
  TENSOR,
} from './schema.js';

export interface LiteQuantParam {
  scale: number;
  zeroPoint: number;
  min: number;
  max: number;
  narrowRange: boolean;
  numBits: number;
  inited: boolean;
  varCorr: number;
  meanCorr: number;
  dstDtype: number;
  roundType: number;
  multiplier: number;
}

export interface LiteTensor {
  index: number;
  name: string;
  /** 0 ValueNode (constant), 1 Parameter, 2 CNode output; current files write ValueNode for weights too. */
  nodeType: number;
  dataType: number;
  dims: number[];
  /** Format enum value (NCHW 0, NHWC 1, KHWC 7, ...). */
  format: number;
  data: Uint8Array;
  quantParams: LiteQuantParam[];
  quantClusters: number[];
  enableHuffmanCode: boolean;
  weightQuantCompressType: number;
  externalData: Array<{ checkSum?: string; location?: string; offset: number; length: number }>;
}

export interface LiteNode {
  index: number;
  name: string;
  /** Union member name ("Conv2DFusion"), or `Unknown<id>` for a type id past the end of the transcribed union. */
  op: string;
  typeId: number;
  /** The op table's fields; empty for ops with no fields or an unknown type. */
  attrs: Record<string, unknown>;
  inputs: number[];
  outputs: number[];
  quantType: number;
}

export interface LiteSubGraph {
  name: string;
  inputs: number[];
  outputs: number[];
  nodes: number[];
  tensors: number[];
}

export interface LiteModel {
  generation: Generation;
  name: string;
  /** The writer, e.g. "MindSpore Lite 1.5.0". */
  version: string;
  /** Source framework of the conversion: 0 TF, 1 Caffe, 2 ONNX, 3 MindSpore, 4 TFLite (converter FmkType). */
  fmkType: number;
  inputs: number[];
  outputs: number[];
  nodes: LiteNode[];
  tensors: LiteTensor[];
  subGraphs: LiteSubGraph[];
  obfuscated: boolean;
}

/** Whether bytes carry the current generation's identifier. */
export function hasCurrentIdentifier(bytes: Uint8Array): boolean {
  if (bytes.byteLength < 8) return false;
  return String.fromCharCode(bytes[4] ?? 0, bytes[5] ?? 0, bytes[6] ?? 0, bytes[7] ?? 0) === CURRENT_FILE_IDENTIFIER;
}

/** Decodes a `.ms` file; throws FlatbufferError for bytes that are not a well-formed MindSpore Lite model. */
export function decodeLiteModel(bytes: Uint8Array): LiteModel {
  const generation: Generation = hasCurrentIdentifier(bytes) ? 'current' : 'v0';
  const schema = SCHEMAS[generation];
  const root = Table.root(bytes);
  const version = root.string(META_GRAPH.version) ?? '';
  const tensors = root.tables(META_GRAPH.allTensors, 'allTensors').map((t, index) => decodeTensor(t, index));
  const nodes = root.tables(META_GRAPH.nodes, 'nodes').map((n, index): LiteNode => {
    const name = n.string(CNODE.name) ?? `node${index}`;
    const primitive = n.table(CNODE.primitive, `node ${name} primitive`);
    if (!primitive) throw new FlatbufferError(`node ${name} has no primitive`);
    const typeId = primitive.number(PRIMITIVE.valueType, 'ubyte');
    const op = typeId === 0 ? 'NONE' : (schema.primitives[typeId - 1] ?? `Unknown${typeId}`);
    const fields = schema.tables.get(op);
    const table = fields && fields.length > 0 ? primitive.table(PRIMITIVE.value, `node ${name} ${op}`) : undefined;
    return {
      index,
      name,
      op,
      typeId,
      attrs: table && fields ? table.decode(fields, `node ${name} ${op}`) : {},
      inputs: n.numbers(CNODE.inputIndex, 'uint', `node ${name} inputIndex`),
      outputs: n.numbers(CNODE.outputIndex, 'uint', `node ${name} outputIndex`),
      quantType: n.number(CNODE.quantType, 'int'),
    };
  });
  const subGraphs = root.tables(META_GRAPH.subGraph, 'subGraph').map(
    (s): LiteSubGraph => ({
      name: s.string(SUB_GRAPH.name) ?? '',
      inputs: s.numbers(SUB_GRAPH.inputIndices, 'uint', 'subGraph inputIndices'),
      outputs: s.numbers(SUB_GRAPH.outputIndices, 'uint', 'subGraph outputIndices'),
      nodes: s.numbers(SUB_GRAPH.nodeIndices, 'uint', 'subGraph nodeIndices'),
      tensors: s.numbers(SUB_GRAPH.tensorIndices, 'uint', 'subGraph tensorIndices'),
    }),
  );
  const model: LiteModel = {
    generation,
    name: root.string(META_GRAPH.name) ?? '',
    version,
    fmkType: root.number(META_GRAPH.fmkType, 'int'),
    inputs: root.numbers(META_GRAPH.inputIndex, 'uint', 'inputIndex'),
    outputs: root.numbers(META_GRAPH.outputIndex, 'uint', 'outputIndex'),
    nodes,
    tensors,
    subGraphs,
    obfuscated: generation === 'current' && root.bool(META_GRAPH.obfuscate),
  };
  checkIndices(model);
  return model;
}

function decodeTensor(t: Table, index: number): LiteTensor {
  const name = t.string(TENSOR.name) ?? '';
  const what = `tensor ${name || index}`;
  return {
    index,
    name,
    nodeType: t.number(TENSOR.nodeType, 'int'),
    dataType: t.number(TENSOR.dataType, 'int'),
    dims: t.numbers(TENSOR.dims, 'int', `${what} dims`),
    format: t.number(TENSOR.format, 'int'),
    data: t.bytes(TENSOR.data, `${what} data`) ?? new Uint8Array(0),
    quantParams: t.tables(TENSOR.quantParams, `${what} quantParams`).map((q) => ({
      scale: q.number(QUANT_PARAM.scale, 'double'),
      zeroPoint: q.number(QUANT_PARAM.zeroPoint, 'int'),
      min: q.number(QUANT_PARAM.min, 'double'),
      max: q.number(QUANT_PARAM.max, 'double'),
      narrowRange: q.bool(QUANT_PARAM.narrowRange, true),
      numBits: q.number(QUANT_PARAM.numBits, 'int', 8),
      inited: q.bool(QUANT_PARAM.inited),
      varCorr: q.number(QUANT_PARAM.varCorr, 'float', 1),
      meanCorr: q.number(QUANT_PARAM.meanCorr, 'float'),
      dstDtype: q.number(QUANT_PARAM.dstDtype, 'int', 32),
      roundType: q.number(QUANT_PARAM.roundType, 'int', 1),
      multiplier: q.number(QUANT_PARAM.multiplier, 'int', 1),
    })),
    quantClusters: t.numbers(TENSOR.quantClusters, 'float', `${what} quantClusters`),
    enableHuffmanCode: t.bool(TENSOR.enableHuffmanCode),
    weightQuantCompressType: t.number(TENSOR.weightQuantCompressType, 'int'),
    externalData: t.tables(TENSOR.externalData, `${what} externalData`).map((e) => ({
      checkSum: e.string(EXTERNAL_DATA.checkSum),
      location: e.string(EXTERNAL_DATA.location),
      offset: e.number(EXTERNAL_DATA.offset, 'long'),
      length: e.number(EXTERNAL_DATA.length, 'long', -1),
    })),
  };
}

function checkIndices(model: LiteModel): void {
  const count = model.tensors.length;
  const bad = (index: number) => !Number.isInteger(index) || index < 0 || index >= count;
  for (const index of [...model.inputs, ...model.outputs]) {
    if (bad(index)) throw new FlatbufferError(`graph input/output tensor index ${index} is past the ${count} tensors`);
  }
  for (const node of model.nodes) {
    for (const index of [...node.inputs, ...node.outputs]) {
      if (bad(index)) {
        throw new FlatbufferError(`node ${node.name} names tensor ${index}, past the ${count} tensors`);
      }
    }
  }
}
