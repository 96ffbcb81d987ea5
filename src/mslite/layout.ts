/**
 * Removes the layout transposes that lowering an NHWC graph to the NCHW engine leaves behind. Three rewrites,
 * repeated until none applies:
 *   - two transposes in a row become one (or none, when they cancel);
 *   - a transpose moves below an element-wise op it feeds alone (constants of that op are permuted to match), so
 *     NHWC→NCHW and NCHW→NHWC pairs around activations, scales and shifts meet and cancel;
 *   - nodes whose outputs nobody reads, and weights nobody reads, go.
 * Semantics are unchanged: every rewrite is exact (data movement only).
 */
import { elementCount } from '../graph/dtype.js';
import type { AttrValue, Graph, GraphNode, WeightTensor } from '../graph/types.js';
import { permute } from './lower.js';

const ELEMENTWISE_UNARY = new Set([
  'ReLU',
  'ReLU6',
  'Sigmoid',
  'Tanh',
  'HSwish',
  'HSigmoid',
  'SiLU',
  'GeLU',
  'Abs',
  'Sign',
  'Softplus',
  'LeakyReLU',
  'Elu',
  'Erf',
  'Exp',
  'Log',
  'Sqrt',
  'Rsqrt',
  'Square',
  'Neg',
  'Floor',
  'Ceil',
  'Round',
  'Sin',
  'Cos',
  'Reciprocal',
  'Identity',
  'Cast',
  'LogicalNot',
]);
const ELEMENTWISE_BINARY = new Set([
  'Add',
  'Sub',
  'Mul',
  'RealDiv',
  'Div',
  'Maximum',
  'Minimum',
  'Pow',
  'SquaredDifference',
  'FloorDiv',
  'FloorMod',
  'Mod',
  'Equal',
  'NotEqual',
  'Less',
  'LessEqual',
  'Greater',
  'GreaterEqual',
  'LogicalAnd',
  'LogicalOr',
]);

export interface LayoutStats {
  /** Transposes in the graph before and after. */
  before: number;
  after: number;
}

export function optimizeLayout(graph: Graph): LayoutStats {
  const before = countTransposes(graph);
  let names = 0;
  const fresh = (base: string) => {
    let name = `${base}/mindlet.layout${names++}`;
    while (graph.values.has(name) || graph.parameters.has(name) || graph.constants.has(name)) {
      name = `${base}/mindlet.layout${names++}`;
    }
    return name;
  };
  for (let changed = true; changed; ) {
    changed = false;
    const producers = new Map<string, GraphNode>();
    for (const node of graph.nodes) for (const o of node.outputs) producers.set(o, node);
    const uses = useCounts(graph);
    const outputs = new Set(graph.outputs.map((o) => o.name));
    const next: GraphNode[] = [];
    for (const node of graph.nodes) {
      const perm = transposePerm(graph, node);
      if (perm) {
        const source = producers.get(node.inputs[0] as string);
        const inner = source ? transposePerm(graph, source) : undefined;
        if (source && inner) {
          // y = T(T(x, P), Q) = T(x, R) with R[i] = P[Q[i]].
          const combined = perm.map((q) => inner[q] as number);
          node.inputs = [source.inputs[0] as string];
          if (isIdentity(combined)) node.op = 'Identity';
          else node.inputs.push(permConstant(graph, fresh(node.name), combined));
          changed = true;
        } else if (isIdentity(perm)) {
          node.op = 'Identity';
          node.inputs = [node.inputs[0] as string];
          changed = true;
        }
        next.push(node);
        continue;
      }
      const sunk = sinkable(graph, node, producers, uses, outputs);
      if (sunk) {
        // E(T(x, P), c) → T(E(x, c'), P): E reads the untransposed values and a transpose follows it.
        const { perm: p, transposes } = sunk;
        const inverse = invert(p);
        node.inputs = node.inputs.map((name) => {
          const t = transposes.get(name);
          if (t) return t.inputs[0] as string;
          return permuteConstant(graph, name, inverse, p.length, fresh(name));
        });
        const original = node.outputs[0] as string;
        const inner = fresh(original);
        node.outputs = [inner];
        next.push(node, {
          name: fresh(node.name),
          op: 'Transpose',
          inputs: [inner, permConstant(graph, fresh(node.name), p)],
          outputs: [original],
          attrs: {},
        });
        changed = true;
        continue;
      }
      next.push(node);
    }
    graph.nodes = next;
    if (removeDead(graph)) changed = true;
  }
  // Identity nodes left by cancelled pairs: consumers read the source directly (graph outputs keep their node).
  bypassIdentities(graph);
  removeDead(graph);
  return { before, after: countTransposes(graph) };
}

function countTransposes(graph: Graph): number {
  return graph.nodes.filter((n) => n.op === 'Transpose').length;
}

function transposePerm(graph: Graph, node: GraphNode): number[] | undefined {
  if (node.op !== 'Transpose' || node.inputs.length !== 2) return undefined;
  const value = graph.constants.get(node.inputs[1] as string);
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'number')) return undefined;
  return value as number[];
}

function isIdentity(perm: number[]): boolean {
  return perm.every((p, i) => p === i);
}

function invert(perm: number[]): number[] {
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, i) => {
    inverse[p] = i;
  });
  return inverse;
}

function permConstant(graph: Graph, name: string, perm: number[]): string {
  graph.constants.set(name, perm as AttrValue);
  return name;
}

function useCounts(graph: Graph): Map<string, number> {
  const uses = new Map<string, number>();
  for (const node of graph.nodes) for (const i of node.inputs) uses.set(i, (uses.get(i) ?? 0) + 1);
  return uses;
}

/**
 * Whether an element-wise node can take the transpose of its inputs below it: every computed input comes from
 * a transpose with the same permutation that feeds only this node, at least one does, and every other input is
 * a constant that can be permuted (a scalar or a dense tensor of at most the permutation's rank).
 */
function sinkable(
  graph: Graph,
  node: GraphNode,
  producers: Map<string, GraphNode>,
  uses: Map<string, number>,
  outputs: Set<string>,
): { perm: number[]; transposes: Map<string, GraphNode> } | undefined {
  const unary = ELEMENTWISE_UNARY.has(node.op) && node.inputs.length === 1;
  const binary = ELEMENTWISE_BINARY.has(node.op) && node.inputs.length === 2;
  if ((!unary && !binary) || node.outputs.length !== 1) return undefined;
  let perm: number[] | undefined;
  const transposes = new Map<string, GraphNode>();
  for (const name of node.inputs) {
    const source = producers.get(name);
    const p = source ? transposePerm(graph, source) : undefined;
    if (source && p) {
      if (perm && (perm.length !== p.length || perm.some((v, i) => v !== p[i]))) return undefined;
      if ((uses.get(name) ?? 0) !== 1 || outputs.has(name)) return undefined;
      perm = p;
      transposes.set(name, source);
      continue;
    }
    const weight = graph.parameters.get(name);
    if (!weight) return undefined;
    if (weight.shape.length > (perm?.length ?? 4)) return undefined;
  }
  if (!perm) return undefined;
  for (const name of node.inputs) {
    const weight = graph.parameters.get(name);
    if (weight && weight.shape.length > perm.length) return undefined;
  }
  return { perm, transposes };
}

/** A constant as seen before a transpose by `inverse`: padded to the rank, then permuted. */
function permuteConstant(graph: Graph, name: string, inverse: number[], rank: number, newName: string): string {
  const weight = graph.parameters.get(name) as WeightTensor;
  if (elementCount(weight.shape) === 1) return name;
  const padded = [...new Array(rank - weight.shape.length).fill(1), ...weight.shape];
  const elementBytes = weight.data.byteLength / Math.max(1, elementCount(weight.shape));
  const data = permute(weight.data, elementBytes, padded, inverse);
  const shape = inverse.map((d) => padded[d] as number);
  graph.parameters.set(newName, { name: newName, dtype: weight.dtype, shape, data, storage: { kind: 'inline' } });
  graph.values.set(newName, { name: newName, dtype: weight.dtype, shape });
  return newName;
}

function bypassIdentities(graph: Graph): void {
  const outputs = new Set(graph.outputs.map((o) => o.name));
  // An Identity producing a graph output from a node's only use: that node writes the output itself.
  const producers = new Map<string, GraphNode>();
  for (const node of graph.nodes) for (const o of node.outputs) producers.set(o, node);
  const uses = useCounts(graph);
  for (const node of graph.nodes) {
    const source = node.inputs[0] as string;
    const producer = producers.get(source);
    if (node.op !== 'Identity' || !outputs.has(node.outputs[0] as string) || !producer) continue;
    if (uses.get(source) !== 1 || outputs.has(source)) continue;
    producer.outputs = producer.outputs.map((o) => (o === source ? (node.outputs[0] as string) : o));
    node.outputs = [];
  }
  graph.nodes = graph.nodes.filter((n) => n.outputs.length > 0);
  const alias = new Map<string, string>();
  const resolve = (name: string): string => {
    let current = name;
    for (let next = alias.get(current); next !== undefined; next = alias.get(current)) current = next;
    return current;
  };
  for (const node of graph.nodes) {
    node.inputs = node.inputs.map(resolve);
    if (node.op === 'Identity' && node.outputs.length === 1 && !outputs.has(node.outputs[0] as string)) {
      alias.set(node.outputs[0] as string, node.inputs[0] as string);
    }
  }
}

/** Drops nodes whose outputs no one reads and weights and constants no node reads. True when anything went. */
function removeDead(graph: Graph): boolean {
  const live = new Set(graph.outputs.map((o) => o.name));
  const kept: GraphNode[] = [];
  for (let k = graph.nodes.length - 1; k >= 0; k--) {
    const node = graph.nodes[k] as GraphNode;
    if (node.outputs.some((o) => live.has(o))) {
      kept.push(node);
      for (const i of node.inputs) live.add(i);
    } else {
      for (const o of node.outputs) graph.values.delete(o);
    }
  }
  const removed = kept.length !== graph.nodes.length;
  graph.nodes = kept.reverse();
  for (const name of [...graph.parameters.keys()]) {
    if (!live.has(name)) {
      graph.parameters.delete(name);
      graph.values.delete(name);
    }
  }
  for (const name of [...graph.constants.keys()]) if (!live.has(name)) graph.constants.delete(name);
  return removed;
}
