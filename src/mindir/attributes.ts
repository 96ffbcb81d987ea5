/**
 * AttributeProto → plain values. Two generations exist: MindSpore 1.x writes a `ref_attr_name` string that says
 * how to read the fields ("scalar:Tuple[value1,value2,],", "type:...", "tensor:value0", "shape:shape1,"); 2.x
 * sets `type` and nests values. Both decode to the same AttrValue / ValueAbstract shapes.
 */
import { MindletError } from '../errors.js';
import type { AttrValue, DType, Shape } from '../graph/types.js';
import { mind_ir } from './proto/mind_ir.gen.js';
import { bytesToString, hasField, int64Value, unknownEnumValue } from './proto-values.js';
import { dtypeFromCode, shapeFromDims, type TensorContext, weightFromProto } from './tensors.js';

type AttributeProto = mind_ir.AttributeProto.$Properties;
type GraphProto = mind_ir.GraphProto.$Properties;

/** AttributeProto.AttributeType, from the schema's generated enum (FORMAT.md lists the values). */
const AttrType = mind_ir.AttributeProto.AttributeType;

const UNSUPPORTED_TYPES: Record<number, string> = {
  26: 'PRIMITIVECLOSURE',
  27: 'FUNCGRAPHCLOSURE',
  28: 'PARTIALCLOSURE',
  29: 'UNIONFUNCCLOSURE',
  30: 'CSR_TENSOR',
  31: 'COO_TENSOR',
  32: 'ROW_TENSOR',
  37: 'MAP_TENSOR',
  40: 'SCALAR_GRAPH_HOLDER',
};

/** The abstract (dtype/shape) MindSpore recorded for a node output, a graph input or a constant. */
export type ValueAbstract =
  | { kind: 'tensor'; dtype: DType; shape: Shape }
  | { kind: 'scalar'; dtype: DType }
  | { kind: 'tuple'; items: ValueAbstract[] }
  | { kind: 'monad' }
  | { kind: 'none' };

export interface AttributeContext extends TensorContext {
  /** Registers a graph-valued attribute as a sub-graph and returns its name. */
  registerGraph?: (graph: GraphProto) => string;
}

/** Sequences nest; real models stay shallow, so a deep one is corrupt input, not a model. */
const MAX_NESTING = 64;

export function decodeAttribute(attr: AttributeProto, context: AttributeContext): AttrValue {
  const unknownType = unknownEnumValue(attr, 16);
  if (unknownType !== undefined) throw attrError(attr, `unknown attribute type ${unknownType}`, context);
  return attr.refAttrName ? decodeLegacy(attr, context) : decodeTyped(attr, context, 0);
}

function attrError(
  attr: AttributeProto,
  message: string,
  context: AttributeContext,
  code: 'INVALID_FORMAT' | 'UNSUPPORTED' = 'INVALID_FORMAT',
): MindletError {
  return new MindletError(code, `attribute ${attr.name || '(unnamed)'}: ${message}`, context);
}

function scalarDtype(type: number, attr: AttributeProto, context: AttributeContext): DType {
  if (type === AttrType.STRING) return 'string';
  return dtypeFromCode(type, context, `attribute ${attr.name || '(unnamed)'}`);
}

/** One scalar of a numeric/bool/string attribute type: the singular field, else the first repeated element. */
function typedScalar(attr: AttributeProto, type: number): AttrValue {
  switch (type) {
    case AttrType.FLOAT:
    case AttrType.FLOAT16:
    case AttrType.BFLOAT16:
      return hasField(attr, 'f') || !attr.floats?.length ? (attr.f ?? 0) : attr.floats[0]!;
    case AttrType.DOUBLE:
      return hasField(attr, 'd') || !attr.doubles?.length ? (attr.d ?? 0) : attr.doubles[0]!;
    case AttrType.BOOL:
      return Number(int64Value(hasField(attr, 'i') || !attr.ints?.length ? (attr.i ?? 0) : attr.ints[0]!)) !== 0;
    case AttrType.STRING:
      return bytesToString(
        hasField(attr, 's') || !attr.strings?.length ? (attr.s ?? new Uint8Array()) : attr.strings[0]!,
      );
    default:
      return int64Value(hasField(attr, 'i') || !attr.ints?.length ? (attr.i ?? 0) : attr.ints[0]!);
  }
}

function isScalarType(type: number): boolean {
  return (
    (type >= AttrType.FLOAT && type <= AttrType.UINT64 && type !== AttrType.COMPLEX64) || type === AttrType.BFLOAT16
  );
}

function decodeTyped(attr: AttributeProto, context: AttributeContext, depth: number): AttrValue {
  if (depth > MAX_NESTING) throw attrError(attr, `values nested deeper than ${MAX_NESTING}`, context);
  const type: number = attr.type ?? unknownEnumValue(attr, 16) ?? AttrType.UNDEFINED;
  if (isScalarType(type)) return typedScalar(attr, type);
  switch (type) {
    case AttrType.UNDEFINED:
    case AttrType.SCALAR:
      return decodeUntyped(attr, context, depth);
    case AttrType.TENSOR:
      if (!attr.t) throw attrError(attr, 'TENSOR without a tensor', context);
      return { kind: 'tensor', tensor: weightFromProto(attr.t, attr.name ?? '', context) };
    case AttrType.GRAPH:
      if (!attr.g) throw attrError(attr, 'GRAPH without a graph', context);
      return graphValue(attr.g, attr, context);
    case AttrType.TENSORS:
      return decodeTensors(attr, context);
    case AttrType.TUPLE:
    case AttrType.LIST:
      if (attr.values?.length) return attr.values.map((value) => decodeTyped(value, context, depth + 1));
      return repeatedValues(attr);
    case AttrType.DICT: {
      const entries: Record<string, AttrValue> = {};
      for (const item of attr.values ?? []) {
        const inner = item.values?.length === 1 ? item.values[0]! : item;
        entries[item.name ?? ''] =
          inner === item ? decodeUntyped(item, context, depth + 1) : decodeTyped(inner, context, depth + 1);
      }
      return { kind: 'dict', entries };
    }
    case AttrType.UMONAD:
      return { kind: 'monad', monad: 'U' };
    case AttrType.IOMONAD:
      return { kind: 'monad', monad: 'IO' };
    case AttrType.NONE:
    case AttrType.TYPE_NULL:
      return null;
    case AttrType.CLASS_TYPE:
    case AttrType.NAME_SPACE:
    case AttrType.SYMBOL:
      return bytesToString(attr.s ?? new Uint8Array());
    case AttrType.FUNCTOR: {
      const functor = attr.functor;
      const entries: Record<string, AttrValue> = { name: functor?.name ?? '', type: functor?.type ?? 0 };
      entries.values = (functor?.values ?? []).map((value) => decodeTyped(value, context, depth + 1));
      return { kind: 'dict', entries };
    }
    default: {
      const unsupported = UNSUPPORTED_TYPES[type];
      if (unsupported) throw attrError(attr, `attribute type ${unsupported} is not supported`, context, 'UNSUPPORTED');
      throw attrError(attr, `unknown attribute type ${type}`, context);
    }
  }
}

/** TENSORS: a tensor with data is a value; one without data names a dtype (MindSpore passes types this way). */
function decodeTensors(attr: AttributeProto, context: AttributeContext): AttrValue {
  const tensors = attr.tensors ?? [];
  const decoded = tensors.map((tensor): AttrValue => {
    if (
      hasField(tensor, 'rawData') ||
      tensor.externalData ||
      tensor.floatData?.length ||
      tensor.int64Data?.length ||
      tensor.int32Data?.length ||
      tensor.doubleData?.length
    ) {
      return { kind: 'tensor', tensor: weightFromProto(tensor, attr.name ?? '', context) };
    }
    return {
      kind: 'type',
      dtype: dtypeFromCode(tensor.dataType ?? undefined, context, `attribute ${attr.name || '(unnamed)'}`),
    };
  });
  if (decoded.length === 0) throw attrError(attr, 'TENSORS without tensors', context);
  return decoded.length === 1 ? decoded[0]! : decoded;
}

function graphValue(graph: GraphProto, attr: AttributeProto, context: AttributeContext): AttrValue {
  if (!context.registerGraph) throw attrError(attr, 'graph-valued attribute outside a model', context);
  return { kind: 'graph', graph: context.registerGraph(graph) };
}

/** Untyped attributes (old exporters): read whichever field is set. */
function decodeUntyped(attr: AttributeProto, context: AttributeContext, depth: number): AttrValue {
  if (attr.t) return { kind: 'tensor', tensor: weightFromProto(attr.t, attr.name ?? '', context) };
  if (attr.g) return graphValue(attr.g, attr, context);
  if (attr.tensors?.length) return decodeTensors(attr, context);
  if (attr.values?.length) return attr.values.map((value) => decodeTyped(value, context, depth + 1));
  if (attr.graphs?.length) return attr.graphs.map((graph) => graphValue(graph, attr, context));
  if (hasField(attr, 's')) return bytesToString(attr.s!);
  if (hasField(attr, 'i')) return int64Value(attr.i!);
  if (hasField(attr, 'f')) return attr.f!;
  if (hasField(attr, 'd')) return attr.d!;
  const repeated = repeatedValues(attr);
  return repeated.length ? repeated : null;
}

function repeatedValues(attr: AttributeProto): AttrValue[] {
  if (attr.ints?.length) return attr.ints.map((v) => int64Value(v));
  if (attr.floats?.length) return [...attr.floats];
  if (attr.doubles?.length) return [...attr.doubles];
  if (attr.strings?.length) return attr.strings.map(bytesToString);
  return [];
}

// ---- MindSpore 1.x: ref_attr_name forms ----

function decodeLegacy(attr: AttributeProto, context: AttributeContext): AttrValue {
  const ref = attr.refAttrName ?? '';
  const form = legacyForm(ref);
  switch (form) {
    case 'type':
      if (!attr.tensors?.length) throw attrError(attr, `"${ref}" without a type tensor`, context);
      return {
        kind: 'type',
        dtype: dtypeFromCode(attr.tensors[0]!.dataType ?? undefined, context, `attribute ${attr.name}`),
      };
    case 'scalar':
      return decodeLegacyScalar(attr, ref.slice(ref.indexOf('scalar:') + 'scalar:'.length), context);
    case 'tensor': {
      const tensors = attr.tensors ?? [];
      if (!tensors.length) throw attrError(attr, `"${ref}" without a tensor`, context);
      const values = tensors.map(
        (tensor): AttrValue => ({ kind: 'tensor', tensor: weightFromProto(tensor, attr.name ?? '', context) }),
      );
      return ref.includes('Tuple[value') && values.length > 1 ? values : values[0]!;
    }
    case 'none':
      return null;
    case 'monad':
      return { kind: 'monad', monad: ref.includes('IOMonad') ? 'IO' : 'U' };
    case 'shape':
      // An output abstract, not a value: callers read it with decodeAbstract. As a value it is its dtype.
      return null;
    default:
      throw attrError(attr, `unknown attribute form "${ref}"`, context);
  }
}

type LegacyForm = 'type' | 'scalar' | 'tensor' | 'none' | 'monad' | 'shape' | undefined;

function legacyForm(ref: string): LegacyForm {
  // 2.x matches the prefix; 1.x searched anywhere in the string, so fall back to that.
  const forms: Array<[string, LegacyForm]> = [
    ['type:', 'type'],
    ['scalar:', 'scalar'],
    ['tensor:', 'tensor'],
    ['shape:', 'shape'],
    ['Monad:', 'monad'],
    ['none', 'none'],
  ];
  for (const [prefix, form] of forms) if (ref.startsWith(prefix)) return form;
  for (const [prefix, form] of forms) if (ref.includes(prefix)) return form;
  return undefined;
}

/** "scalar:value0" is one value; "scalar:Tuple[value1,List[value2,],]," names values by 1-based position. */
function decodeLegacyScalar(attr: AttributeProto, spec: string, context: AttributeContext): AttrValue {
  const type: number = attr.type ?? AttrType.UNDEFINED;
  if (spec.includes('value0')) {
    return isScalarType(type) ? typedScalar(attr, type) : decodeUntyped(attr, context, 0);
  }
  const pool = legacyValuePool(attr, type, context);
  return parseLegacySequence(
    spec,
    (index) => {
      if (index < 1 || index > pool.length)
        throw attrError(attr, `"${attr.refAttrName}" names value${index}, attribute has ${pool.length}`, context);
      return pool[index - 1]!;
    },
    attr,
    context,
  );
}

function legacyValuePool(attr: AttributeProto, type: number, context: AttributeContext): AttrValue[] {
  switch (type) {
    case AttrType.STRING:
      return (attr.strings ?? []).map(bytesToString);
    case AttrType.FLOAT:
    case AttrType.FLOAT16:
    case AttrType.BFLOAT16:
      return [...(attr.floats ?? [])];
    case AttrType.DOUBLE:
      return [...(attr.doubles ?? [])];
    case AttrType.BOOL:
      return (attr.ints ?? []).map((v) => Number(int64Value(v)) !== 0);
    case AttrType.TENSOR:
    case AttrType.TENSORS:
      return (attr.tensors ?? []).map((tensor) => ({
        kind: 'tensor',
        tensor: weightFromProto(tensor, attr.name ?? '', context),
      }));
    default:
      if (isScalarType(type)) return (attr.ints ?? []).map((v) => int64Value(v));
      return repeatedValues(attr);
  }
}

/** Parses "Tuple[value1,List[value2,value3,],]," into nested arrays; `lookup` resolves valueN. */
function parseLegacySequence(
  spec: string,
  lookup: (index: number) => AttrValue,
  attr: AttributeProto,
  context: AttributeContext,
): AttrValue {
  const stack: AttrValue[][] = [];
  let result: AttrValue | undefined;
  const token = /(Tuple|List)\[|value(\d+)|\]|,/g;
  let match: RegExpExecArray | null = token.exec(spec);
  while (match) {
    if (match[1]) {
      if (stack.length >= MAX_NESTING) throw attrError(attr, 'sequence nested too deeply', context);
      stack.push([]);
    } else if (match[2] !== undefined) {
      const top = stack.at(-1);
      if (!top) throw attrError(attr, `malformed "${attr.refAttrName}"`, context);
      top.push(lookup(Number(match[2])));
    } else if (match[0] === ']') {
      const done = stack.pop();
      if (!done) throw attrError(attr, `malformed "${attr.refAttrName}"`, context);
      const parent = stack.at(-1);
      if (parent) parent.push(done);
      else {
        result = done;
        break;
      }
    }
    match = token.exec(spec);
  }
  if (result === undefined) throw attrError(attr, `malformed "${attr.refAttrName}"`, context);
  return result;
}

// ---- recorded abstracts (the node attribute "shape", graph inputs' attr_info) ----

/** The output abstract MindSpore recorded: typed (2.x) or "shape:Tuple[shape1,shape2,]," (1.x). */
export function decodeAbstract(attr: AttributeProto, context: AttributeContext): ValueAbstract {
  const ref = attr.refAttrName ?? '';
  if (ref) {
    if (!ref.includes('shape:')) return { kind: 'none' };
    const tensors = new Map<number, ValueAbstract>();
    for (const tensor of attr.tensors ?? []) {
      const index = /^shape(\d+)$/.exec(tensor.name ?? '')?.[1];
      if (index === undefined) continue;
      tensors.set(Number(index), tensorAbstract(tensor, context));
    }
    const spec = ref.slice(ref.indexOf('shape:') + 'shape:'.length);
    if (!spec.includes('[')) {
      const index = Number(/shape(\d+)/.exec(spec)?.[1] ?? 1);
      return tensors.get(index) ?? { kind: 'none' };
    }
    const nested = parseLegacySequence(spec.replace(/shape(\d+)/g, 'value$1'), (index) => index, attr, context);
    const toAbstract = (value: AttrValue): ValueAbstract =>
      Array.isArray(value)
        ? { kind: 'tuple', items: value.map(toAbstract) }
        : (tensors.get(value as number) ?? { kind: 'none' });
    return toAbstract(nested);
  }
  return typedAbstract(attr, context, 0);
}

function tensorAbstract(tensor: mind_ir.TensorProto.$Properties, context: AttributeContext): ValueAbstract {
  const what = `recorded shape ${tensor.name ?? ''}`.trim();
  return {
    kind: 'tensor',
    dtype: dtypeFromCode(tensor.dataType ?? undefined, context, what),
    shape: shapeFromDims(tensor.dims, context, what, true),
  };
}

function typedAbstract(attr: AttributeProto, context: AttributeContext, depth: number): ValueAbstract {
  if (depth > MAX_NESTING) throw attrError(attr, `abstract nested deeper than ${MAX_NESTING}`, context);
  const type: number = attr.type ?? AttrType.UNDEFINED;
  switch (type) {
    case AttrType.TENSORS: {
      const items = (attr.tensors ?? []).map((tensor) => tensorAbstract(tensor, context));
      return items.length === 1 ? items[0]! : { kind: 'tuple', items };
    }
    case AttrType.TUPLE:
    case AttrType.LIST:
      return { kind: 'tuple', items: (attr.values ?? []).map((value) => typedAbstract(value, context, depth + 1)) };
    case AttrType.UMONAD:
    case AttrType.IOMONAD:
      return { kind: 'monad' };
    case AttrType.NONE:
    case AttrType.UNDEFINED:
      return { kind: 'none' };
    default:
      if (isScalarType(type)) return { kind: 'scalar', dtype: scalarDtype(type, attr, context) };
      return { kind: 'none' };
  }
}
