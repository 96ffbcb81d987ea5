/**
 * Decoded ModelProto → clean dataflow graphs. Resolves op_type references into the primitives table and the
 * model's graphs, orders nodes topologically (rejecting cycles and dangling inputs), and resolves MindSpore's
 * bookkeeping nodes (Load, UpdateState, Depend, MakeTuple, TupleGetItem, Return, monads) so consumers only see
 * computations.
 */
import { MindletError } from '../errors.js';
import type { AttrValue, Graph, GraphNode, TensorInfo } from '../graph/types.js';
import { type AttributeContext, decodeAbstract, decodeAttribute, type ValueAbstract } from './attributes.js';
import type { mind_ir } from './proto/mind_ir.gen.js';
import { int64Value } from './proto-values.js';
import { tensorInfoFromProto, weightFromProto } from './tensors.js';

type ModelProto = mind_ir.ModelProto.$Properties;
type GraphProto = mind_ir.GraphProto.$Properties;
type NodeProto = mind_ir.NodeProto.$Properties;

export interface BuildContext {
  file: string;
  warnings: string[];
  readExternal?: (location: string) => Uint8Array;
}

export interface BuiltGraphs {
  graph: Graph;
  subgraphs: Map<string, Graph>;
}

/** A value as the resolver sees it: a real tensor/constant, a tuple of values, or a side-effect token. */
type Symbol = { kind: 'value'; name: string } | { kind: 'tuple'; items: Symbol[] } | { kind: 'monad' };

const MONAD: Symbol = { kind: 'monad' };
const ALIAS_OPS = new Set(['Load', 'Depend', 'Return']);
const TUPLE_OPS = new Set(['MakeTuple', 'MakeList', 'make_tuple', 'make_list']);
const GET_ITEM_OPS = new Set(['TupleGetItem', 'ListGetItem', 'tuple_getitem', 'list_getitem', 'RealTupleGetItem']);
const STATE_OPS = new Set(['UpdateState']);

interface Primitive {
  op: string;
  attrs: Record<string, AttrValue>;
}

/** How a node's op_type resolved. */
type OpTarget =
  | { kind: 'primitive'; op: string; attrs: Record<string, AttrValue>; fromTable: boolean }
  | { kind: 'constant' }
  | { kind: 'call'; graph: string }
  | { kind: 'call-value'; value: string };

export function buildGraphs(model: ModelProto, context: BuildContext): BuiltGraphs {
  return new GraphBuilder(model, context).build();
}

class GraphBuilder {
  private readonly primitives = new Map<string, Primitive>();
  private readonly graphProtos = new Map<string, GraphProto>();
  /** Every value name any graph defines, so sub-graphs may refer to their parents' values (free variables). */
  private readonly globalValues = new Set<string>();
  /** Resolved symbols of graphs already built, shared with later graphs. */
  private readonly sharedSymbols = new Map<string, Symbol>();
  private readonly pending: string[] = [];
  private readonly attributeContext: AttributeContext;

  constructor(
    private readonly model: ModelProto,
    private readonly context: BuildContext,
  ) {
    this.attributeContext = {
      file: context.file,
      readExternal: context.readExternal,
      registerGraph: (graph) => this.registerGraph(graph),
      decodeAttribute: (attr) => decodeAttribute(attr, this.attributeContext),
    };
  }

  build(): BuiltGraphs {
    const main = this.model.graph;
    if (!main || (!main.node?.length && !main.output?.length)) {
      throw new MindletError('INVALID_FORMAT', 'no graph in the file (is it a MindIR file?)', {
        file: this.context.file,
      });
    }
    const mainName = this.registerGraph(main);
    for (const fn of this.model.functions ?? []) this.registerGraph(fn);
    for (const primitive of this.model.primitives ?? []) {
      if (!primitive.name) continue;
      const attrs: Record<string, AttrValue> = {};
      for (const attr of primitive.attribute ?? []) {
        if (attr.name) attrs[attr.name] = this.decode(attr, `primitive ${primitive.name}`);
      }
      this.primitives.set(primitive.name, { op: bareOpName(primitive.opType || primitive.name), attrs });
    }
    const graphs = new Map<string, Graph>();
    while (this.pending.length) {
      const name = this.pending.shift()!;
      graphs.set(name, this.buildGraph(name, this.graphProtos.get(name)!, name === mainName));
    }
    const graph = graphs.get(mainName)!;
    graphs.delete(mainName);
    return { graph, subgraphs: graphs };
  }

  private registerGraph(graph: GraphProto): string {
    for (const [name, known] of this.graphProtos) if (known === graph) return name;
    let name = graph.name || `graph_${this.graphProtos.size}`;
    if (this.graphProtos.has(name)) name = `${name}#${this.graphProtos.size}`;
    this.graphProtos.set(name, graph);
    this.pending.push(name);
    for (const input of graph.input ?? []) if (input.name) this.globalValues.add(input.name);
    for (const parameter of graph.parameter ?? []) if (parameter.name) this.globalValues.add(parameter.name);
    for (const node of graph.node ?? []) for (const output of nodeOutputs(node)) this.globalValues.add(output);
    return name;
  }

  private decode(attr: mind_ir.AttributeProto.$Properties, node?: string): AttrValue {
    return decodeAttribute(attr, { ...this.attributeContext, node });
  }

  private resolveOp(node: NodeProto, nodeName: string): OpTarget {
    const opType = node.opType ?? '';
    if (!opType)
      throw new MindletError('INVALID_FORMAT', 'node has no op_type', { file: this.context.file, node: nodeName });
    if (opType === 'Constant') return { kind: 'constant' };
    if (opType.startsWith('REF::')) {
      const ref = opType.slice('REF::'.length);
      const primitive = this.primitives.get(ref);
      if (primitive) return { kind: 'primitive', op: primitive.op, attrs: primitive.attrs, fromTable: true };
      if (this.graphProtos.has(ref)) return { kind: 'call', graph: ref };
      if (this.globalValues.has(ref)) return { kind: 'call-value', value: ref };
      throw new MindletError('INVALID_GRAPH', `op_type ${opType} names no primitive, graph or value of the model`, {
        file: this.context.file,
        node: nodeName,
      });
    }
    if (this.graphProtos.has(opType)) return { kind: 'call', graph: opType };
    return { kind: 'primitive', op: bareOpName(opType), attrs: {}, fromTable: false };
  }

  private buildGraph(name: string, proto: GraphProto, isMain: boolean): Graph {
    const file = this.context.file;
    const graph: Graph = {
      name,
      inputs: [],
      outputs: [],
      parameters: new Map(),
      constants: new Map(),
      nodes: [],
      values: new Map(),
    };
    const symbols = new Map<string, Symbol>();
    const define = (value: string, symbol: Symbol, node?: string) => {
      if (symbols.has(value))
        throw new MindletError('INVALID_GRAPH', `value ${value} is defined twice`, { file, node });
      symbols.set(value, symbol);
    };

    for (const input of proto.input ?? []) {
      const inputName = input.name ?? '';
      if (!inputName) throw new MindletError('INVALID_FORMAT', `graph ${name} has an input without a name`, { file });
      if (input.denotation === 'UMonadType' || input.denotation === 'IOMonadType') {
        define(inputName, MONAD);
        continue;
      }
      const info = this.valueInfo(input, { file, node: inputName });
      if (info) {
        graph.inputs.push(info);
        graph.values.set(inputName, info);
      } else if (isMain) {
        this.context.warnings.push(`graph input ${inputName} has no tensor type; treated as an opaque value`);
      }
      define(inputName, { kind: 'value', name: inputName });
    }

    for (const parameter of proto.parameter ?? []) {
      const weight = weightFromProto(parameter, '', { ...this.attributeContext, node: parameter.name ?? undefined });
      if (!weight.name)
        throw new MindletError('INVALID_FORMAT', `graph ${name} has a parameter without a name`, { file });
      define(weight.name, { kind: 'value', name: weight.name });
      graph.parameters.set(weight.name, weight);
      graph.values.set(weight.name, { name: weight.name, dtype: weight.dtype, shape: weight.shape });
    }

    const ordered = this.topologicalOrder(proto.node ?? [], name);
    const tupleArity = tupleArityFromGetItems(ordered);

    const resolve = (value: string, node: string): Symbol => {
      const symbol = symbols.get(value) ?? this.sharedSymbols.get(value);
      if (symbol) return symbol;
      if (this.globalValues.has(value)) return { kind: 'value', name: value };
      if (this.graphProtos.has(value)) {
        // A graph used as a value (Partial, Switch branches).
        graph.constants.set(value, { kind: 'graph', graph: value });
        const ref: Symbol = { kind: 'value', name: value };
        symbols.set(value, ref);
        return ref;
      }
      throw new MindletError('INVALID_GRAPH', `input ${value} is not defined in the model`, { file, node });
    };

    for (const node of ordered) {
      const nodeName = node.name || nodeOutputs(node)[0] || '(unnamed)';
      const outputs = nodeOutputs(node);
      if (outputs.length === 0)
        throw new MindletError('INVALID_FORMAT', 'node has no output name', { file, node: nodeName });
      const target = this.resolveOp(node, nodeName);
      const inputs = (node.input ?? []).map((input) => resolve(input, nodeName));

      if (target.kind === 'constant') {
        const valueAttr = (node.attribute ?? []).find((a) => a.name === 'value') ?? node.attribute?.[0];
        if (!valueAttr) throw new MindletError('INVALID_FORMAT', 'Constant without a value', { file, node: nodeName });
        const value = this.decode(valueAttr, nodeName);
        const out = outputs[0]!;
        if (isMonad(value)) {
          define(out, MONAD, nodeName);
          continue;
        }
        define(out, { kind: 'value', name: out }, nodeName);
        graph.constants.set(out, value);
        if (isTensor(value)) graph.values.set(out, { name: out, dtype: value.tensor.dtype, shape: value.tensor.shape });
        continue;
      }

      if (target.kind === 'primitive') {
        const op = target.op;
        if (ALIAS_OPS.has(op)) {
          if (!inputs[0]) throw new MindletError('INVALID_GRAPH', `${op} without inputs`, { file, node: nodeName });
          define(outputs[0]!, inputs[0], nodeName);
          continue;
        }
        if (STATE_OPS.has(op)) {
          define(outputs[0]!, MONAD, nodeName);
          continue;
        }
        if (TUPLE_OPS.has(op)) {
          define(outputs[0]!, { kind: 'tuple', items: inputs }, nodeName);
          continue;
        }
        if (GET_ITEM_OPS.has(op)) {
          define(outputs[0]!, this.getItem(graph, inputs, nodeName), nodeName);
          continue;
        }
      }

      const attrs: Record<string, AttrValue> = target.kind === 'primitive' ? { ...target.attrs } : {};
      let recorded: ValueAbstract | undefined;
      for (const attr of node.attribute ?? []) {
        const ref = attr.refAttrName ?? '';
        const isAbstract =
          ref.startsWith('shape:') ||
          (!ref && attr.name === 'shape' && (target.kind !== 'primitive' || target.fromTable));
        if (isAbstract) recorded = decodeAbstract(attr, { ...this.attributeContext, node: nodeName });
        else if (attr.name) attrs[attr.name] = this.decode(attr, nodeName);
      }

      const flatInputs: string[] = [];
      const groups: number[] = [];
      let grouped = false;
      const operands = target.kind === 'call-value' ? [resolve(target.value, nodeName), ...inputs] : inputs;
      for (const symbol of operands) {
        if (symbol.kind === 'monad') continue;
        const before = flatInputs.length;
        flatten(symbol, flatInputs);
        if (symbol.kind === 'tuple') grouped = true;
        groups.push(flatInputs.length - before);
      }

      const out = outputs[0]!;
      // A tuple of scalars (Shape, TensorShape in 2.x) stays one value: a 1-D int64 tensor, as ONNX models it.
      const scalarTuple =
        recorded?.kind === 'tuple' && recorded.items.every((item) => item.kind === 'scalar') && !tupleArity.has(out);
      if (scalarTuple && recorded?.kind === 'tuple')
        recorded = { kind: 'tensor', dtype: 'int64', shape: [recorded.items.length] };
      const arity = Math.max(recorded?.kind === 'tuple' ? recorded.items.length : 0, tupleArity.get(out) ?? 0);
      const op = target.kind === 'primitive' ? target.op : 'Call';
      const graphNode: GraphNode = { name: nodeName, op, inputs: flatInputs, outputs: [], attrs };
      if (node.domain) graphNode.scope = node.domain;
      if (grouped) graphNode.inputGroups = groups;
      if (target.kind === 'call') graphNode.callee = target.graph;
      if (
        recorded?.kind === 'monad' ||
        (recorded?.kind === 'tuple' && recorded.items.length > 0 && recorded.items.every((i) => i.kind === 'monad'))
      ) {
        // A pure side-effect op (Assign, Print): keep it, its result is only a state token.
        graphNode.outputs.push(out);
        graph.nodes.push(graphNode);
        define(out, MONAD, nodeName);
        continue;
      }
      if (arity > 0 && (recorded === undefined || recorded.kind === 'tuple')) {
        const items: Symbol[] = [];
        for (let i = 0; i < arity; i++) {
          const element = `${out}[${i}]`;
          graphNode.outputs.push(element);
          items.push({ kind: 'value', name: element });
          const abstract = recorded?.kind === 'tuple' ? recorded.items[i] : undefined;
          if (abstract?.kind === 'tensor') graph.values.set(element, { name: element, ...abstractInfo(abstract) });
        }
        define(out, { kind: 'tuple', items }, nodeName);
      } else {
        graphNode.outputs.push(out);
        define(out, { kind: 'value', name: out }, nodeName);
        if (recorded?.kind === 'tensor') graph.values.set(out, { name: out, ...abstractInfo(recorded) });
        if (recorded?.kind === 'scalar') graph.values.set(out, { name: out, dtype: recorded.dtype, shape: [] });
      }
      graph.nodes.push(graphNode);
    }

    for (const output of proto.output ?? []) {
      const outputName = output.name ?? '';
      const symbol = resolve(outputName, `output ${outputName}`);
      const names: string[] = [];
      flatten(symbol, names);
      const declared = names.length === 1 ? this.valueInfo(output, { file, node: outputName }) : undefined;
      for (const valueName of names) {
        let info = graph.values.get(valueName);
        if (!info && declared) {
          info = { ...declared, name: valueName };
          graph.values.set(valueName, info);
        }
        graph.outputs.push(info ? { ...info, name: valueName } : { name: valueName, dtype: 'float32', shape: [] });
        if (!info) this.context.warnings.push(`graph ${name}: output ${valueName} has no recorded type`);
      }
    }
    if (isMain && graph.outputs.length === 0) {
      throw new MindletError('INVALID_GRAPH', `graph ${name} has no outputs`, { file });
    }
    for (const [value, symbol] of symbols) this.sharedSymbols.set(value, symbol);
    return graph;
  }

  private valueInfo(
    info: mind_ir.ValueInfoProto.$Properties,
    where: { file: string; node: string },
  ): TensorInfo | undefined {
    const tensor = info.tensor?.[0];
    if (tensor) return tensorInfoFromProto(tensor, info.name ?? '', { ...this.attributeContext, node: where.node });
    if (info.attrInfo) {
      const abstract = decodeAbstract(info.attrInfo, { ...this.attributeContext, node: where.node });
      if (abstract.kind === 'tensor') return { name: info.name ?? '', ...abstractInfo(abstract) };
      if (abstract.kind === 'scalar') return { name: info.name ?? '', dtype: abstract.dtype, shape: [] };
    }
    return undefined;
  }

  private getItem(graph: Graph, inputs: Symbol[], node: string): Symbol {
    const [tuple, index] = inputs;
    const file = this.context.file;
    if (!tuple || !index || index.kind !== 'value') {
      throw new MindletError('INVALID_GRAPH', 'TupleGetItem needs a tuple and a constant index', { file, node });
    }
    const indexValue = graph.constants.get(index.name);
    const position = typeof indexValue === 'bigint' ? Number(indexValue) : indexValue;
    if (typeof position !== 'number' || !Number.isInteger(position)) {
      throw new MindletError('UNSUPPORTED', 'TupleGetItem with a non-constant index', { file, node });
    }
    if (tuple.kind === 'tuple') {
      const item = tuple.items[position < 0 ? tuple.items.length + position : position];
      if (!item)
        throw new MindletError(
          'INVALID_GRAPH',
          `TupleGetItem index ${position} out of range (tuple of ${tuple.items.length})`,
          { file, node },
        );
      return item;
    }
    if (tuple.kind === 'value') {
      const constant = graph.constants.get(tuple.name);
      if (Array.isArray(constant)) {
        const item = constant[position];
        if (item === undefined)
          throw new MindletError('INVALID_GRAPH', `TupleGetItem index ${position} out of range`, { file, node });
        const name = `${tuple.name}[${position}]`;
        graph.constants.set(name, item);
        return { kind: 'value', name };
      }
      // A tuple produced in another graph (free variable): address its element by name.
      return { kind: 'value', name: `${tuple.name}[${position}]` };
    }
    throw new MindletError('INVALID_GRAPH', 'TupleGetItem applied to a monad', { file, node });
  }

  /** Nodes ordered so producers precede consumers (iterative DFS: graphs can be long chains). */
  private topologicalOrder(nodes: NodeProto[], graphName: string): NodeProto[] {
    const producer = new Map<string, number>();
    nodes.forEach((node, index) => {
      for (const output of nodeOutputs(node)) {
        if (producer.has(output)) {
          throw new MindletError('INVALID_GRAPH', `value ${output} is produced by two nodes`, {
            file: this.context.file,
            node: node.name ?? output,
          });
        }
        producer.set(output, index);
      }
    });
    const state = new Uint8Array(nodes.length); // 0 new, 1 on stack, 2 done
    const order: NodeProto[] = [];
    for (let start = 0; start < nodes.length; start++) {
      if (state[start] !== 0) continue;
      const stack: Array<[number, number]> = [[start, 0]];
      state[start] = 1;
      while (stack.length) {
        const frame = stack.at(-1)!;
        const [index, next] = frame;
        const node = nodes[index]!;
        const inputs = node.input ?? [];
        const refInput = node.opType?.startsWith('REF::') ? [node.opType.slice(5)] : [];
        const deps = next < inputs.length ? inputs[next] : refInput[next - inputs.length];
        if (deps === undefined) {
          state[index] = 2;
          order.push(node);
          stack.pop();
          continue;
        }
        frame[1]++;
        const dep = producer.get(deps);
        if (dep === undefined || state[dep] === 2) continue;
        if (state[dep] === 1) {
          throw new MindletError('INVALID_GRAPH', `graph ${graphName} has a cycle through ${deps}`, {
            file: this.context.file,
            node: node.name || nodeOutputs(node)[0],
          });
        }
        state[dep] = 1;
        stack.push([dep, 0]);
      }
    }
    return order;
  }
}

function nodeOutputs(node: NodeProto): string[] {
  if (node.output?.length) return node.output;
  return node.name ? [node.name] : [];
}

/** "Conv2D:4" → "Conv2D"; "S-Prim-Add" → "Add" (DoSignature wrappers compute the primitive they wrap). */
export function bareOpName(name: string): string {
  let op = name.startsWith('REF::') ? name.slice(5) : name;
  if (op.startsWith('S-Prim-')) op = op.slice('S-Prim-'.length);
  const colon = op.search(/:\d+$/);
  return colon > 0 ? op.slice(0, colon) : op;
}

function tupleArityFromGetItems(nodes: NodeProto[]): Map<string, number> {
  // Without a recorded tuple abstract, TupleGetItem consumers tell us a node returns a tuple.
  const arity = new Map<string, number>();
  const constants = new Map<string, number>();
  for (const node of nodes) {
    if (node.opType === 'Constant') {
      const attr = node.attribute?.[0];
      const raw = attr?.i;
      if (raw !== undefined && raw !== null && node.output?.[0]) constants.set(node.output[0], Number(int64Value(raw)));
    }
  }
  for (const node of nodes) {
    const op = bareOpName(node.opType ?? '');
    if (!GET_ITEM_OPS.has(op)) continue;
    const [source, index] = node.input ?? [];
    const position = index === undefined ? undefined : constants.get(index);
    if (source && position !== undefined && position >= 0)
      arity.set(source, Math.max(arity.get(source) ?? 0, position + 1));
  }
  return arity;
}

function flatten(symbol: Symbol, out: string[]): void {
  if (symbol.kind === 'value') out.push(symbol.name);
  else if (symbol.kind === 'tuple') for (const item of symbol.items) flatten(item, out);
}

function isMonad(value: AttrValue): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && value.kind === 'monad';
}

function isTensor(value: AttrValue): value is { kind: 'tensor'; tensor: import('../graph/types.js').WeightTensor } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && value.kind === 'tensor';
}

function abstractInfo(abstract: Extract<ValueAbstract, { kind: 'tensor' }>): Omit<TensorInfo, 'name'> {
  return { dtype: abstract.dtype, shape: abstract.shape };
}
