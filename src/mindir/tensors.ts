/**
 * TensorProto → WeightTensor / TensorInfo. Weight bytes stay views of the file's buffer (raw_data or an external
 * data file); only the rare typed repeated fields (float_data, int64_data, ...) are packed into new bytes.
 */
import { MindletError } from '../errors.js';
import { byteLength } from '../graph/dtype.js';
import type { AttrValue, DType, Shape, TensorInfo, WeightTensor } from '../graph/types.js';
import type { mind_ir } from './proto/mind_ir.gen.js';
import { type Int64, int64Value, safeInt, unknownEnumValue } from './proto-values.js';

type TensorProto = mind_ir.TensorProto.$Properties;

/** TensorProto.DataType → our dtype names (FORMAT.md). DOUBLE (11) and FLOAT64 (17) are both float64. */
const DTYPE_BY_CODE: ReadonlyMap<number, DType> = new Map([
  [1, 'float32'],
  [2, 'uint8'],
  [3, 'int8'],
  [4, 'uint16'],
  [5, 'int16'],
  [6, 'int32'],
  [7, 'int64'],
  [8, 'string'],
  [9, 'bool'],
  [10, 'float16'],
  [11, 'float64'],
  [12, 'uint32'],
  [13, 'uint64'],
  [14, 'complex64'],
  [15, 'complex128'],
  [16, 'bfloat16'],
  [17, 'float64'],
  [18, 'qint4x2'],
]);

const COMPRESSION_NAMES = ['NO_COMPRESSION', 'INDEXING', 'SPARSE', 'FSE', 'BIT_PACKING', 'FSE_INT', 'FSE_INFER'];

/** Where errors point and where warnings go while one model is being loaded. */
export interface TensorContext {
  file: string;
  node?: string;
  /** Reads an external data file named by TensorProto.external_data.location (whole file bytes). */
  readExternal?: (location: string) => Uint8Array;
  /** Decodes one quantization attribute (the attribute decoder lives in attributes.ts). */
  decodeAttribute?: (attr: mind_ir.AttributeProto.$Properties) => AttrValue;
}

export function dtypeFromCode(code: number | undefined, context: TensorContext, what: string): DType {
  const dtype = code === undefined ? undefined : DTYPE_BY_CODE.get(code);
  if (!dtype) {
    throw new MindletError('INVALID_FORMAT', `${what}: unknown tensor data type ${code ?? 'none'}`, context);
  }
  return dtype;
}

/** Dims as a shape. Value infos may carry -1 for dynamic dims (and -2 for dynamic rank, kept as written). */
export function shapeFromDims(
  dims: Int64[] | null | undefined,
  context: TensorContext,
  what: string,
  allowDynamic: boolean,
): Shape {
  const shape: Shape = [];
  for (const dim of dims ?? []) {
    const value = safeInt(dim);
    if (value === undefined || value < (allowDynamic ? -2 : 0)) {
      throw new MindletError('INVALID_FORMAT', `${what}: invalid dimension ${String(int64Value(dim))}`, context);
    }
    shape.push(value);
  }
  return shape;
}

/** The dtype and shape a TensorProto declares (graph inputs/outputs and recorded node abstracts). */
export function tensorInfoFromProto(proto: TensorProto, name: string, context: TensorContext): TensorInfo {
  return {
    name,
    dtype: dtypeFromCode(proto.dataType ?? undefined, context, `tensor ${name}`),
    shape: shapeFromDims(proto.dims, context, `tensor ${name}`, true),
  };
}

/** A weight (parameter or constant tensor) with its bytes, validated against its dtype and shape. */
export function weightFromProto(proto: TensorProto, fallbackName: string, context: TensorContext): WeightTensor {
  const name = proto.name || fallbackName;
  const what = `tensor ${name}`;
  const dtype = dtypeFromCode(proto.dataType ?? undefined, context, what);
  const shape = shapeFromDims(proto.dims, context, what, false);
  const unknownCompression = unknownEnumValue(proto, 16);
  if (unknownCompression !== undefined) {
    throw new MindletError('UNSUPPORTED', `${what}: unknown compression type ${unknownCompression}`, context);
  }
  const compression = proto.compressionType
    ? (COMPRESSION_NAMES[proto.compressionType] ?? String(proto.compressionType))
    : undefined;
  let data: Uint8Array;
  let storage: WeightTensor['storage'] = { kind: 'inline' };
  const external = proto.externalData;
  if (external?.location) {
    const offset = safeInt(external.offset ?? 0);
    const length = safeInt(external.length ?? 0);
    if (offset === undefined || length === undefined || offset < 0 || length < 0) {
      throw new MindletError('INVALID_FORMAT', `${what}: invalid external data offset/length`, context);
    }
    if (!context.readExternal) {
      throw new MindletError(
        'INVALID_ARGUMENT',
        `${what}: weights are in external file "${external.location}"; load the model from its path (or pass externalDataDir)`,
        context,
      );
    }
    const file = context.readExternal(external.location);
    if (offset + length > file.byteLength) {
      throw new MindletError(
        'INVALID_FORMAT',
        `${what}: external data ${external.location} holds ${file.byteLength} bytes, tensor needs bytes ${offset}..${offset + length}`,
        context,
      );
    }
    data = file.subarray(offset, offset + length);
    storage = { kind: 'external', location: external.location, offset, length };
  } else if (proto.rawData && proto.rawData.byteLength > 0) {
    data = proto.rawData;
  } else {
    data = packRepeatedData(proto, dtype);
  }
  if (data.byteLength > 0 && !compression) {
    const expected = byteLength(dtype, shape);
    if (dtype !== 'string' && expected !== data.byteLength) {
      throw new MindletError(
        'INVALID_FORMAT',
        `${what}: ${dtype}[${shape.join(',')}] needs ${expected} bytes, file has ${data.byteLength}`,
        context,
      );
    }
  }
  const weight: WeightTensor = { name, dtype, shape, data, storage };
  if (proto.refKey) weight.key = proto.refKey;
  if (compression) weight.compression = compression;
  if (proto.quantParams?.length) {
    weight.quantParams = proto.quantParams.map((param) => {
      const attributes: Record<string, AttrValue> = {};
      for (const attr of param.attribute ?? []) {
        if (attr.name && context.decodeAttribute) attributes[attr.name] = context.decodeAttribute(attr);
      }
      return { algorithm: param.quantAlgoName ?? '', attributes };
    });
  }
  return weight;
}

/** Old exporters may use the typed repeated fields instead of raw_data; pack them little-endian (rare, small). */
function packRepeatedData(proto: TensorProto, dtype: DType): Uint8Array {
  const floats = proto.floatData ?? [];
  const doubles = proto.doubleData ?? [];
  const int32s = proto.int32Data ?? [];
  const int64s = proto.int64Data ?? [];
  const uint64s = proto.uint64Data ?? [];
  if (floats.length) return new Uint8Array(Float32Array.from(floats).buffer);
  if (doubles.length) return new Uint8Array(Float64Array.from(doubles).buffer);
  if (int64s.length || uint64s.length) {
    const source = int64s.length ? int64s : uint64s;
    const out = new BigInt64Array(source.length);
    source.forEach((v, i) => {
      out[i] = BigInt.asIntN(64, BigInt(int64Value(v)));
    });
    return new Uint8Array(out.buffer);
  }
  if (int32s.length) {
    // int32_data carries every narrower integer type too (as ONNX does); narrow to the declared width.
    switch (dtype) {
      case 'int8':
        return new Uint8Array(Int8Array.from(int32s).buffer);
      case 'uint8':
      case 'bool':
        return Uint8Array.from(int32s);
      case 'int16':
        return new Uint8Array(Int16Array.from(int32s).buffer);
      case 'uint16':
      case 'float16':
      case 'bfloat16':
        return new Uint8Array(Uint16Array.from(int32s).buffer);
      default:
        return new Uint8Array(Int32Array.from(int32s).buffer);
    }
  }
  return new Uint8Array(0);
}
