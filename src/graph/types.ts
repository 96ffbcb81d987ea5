/**
 * The typed graph every model loader produces (MindIR today, MindSpore Lite `.ms` later) and every consumer
 * (engine, serving, routing) reads. Plain data: no protobuf objects leak past the loader.
 */

/** Element types, named as numpy / ONNX name them. */
export type DType =
  | 'float32'
  | 'float16'
  | 'bfloat16'
  | 'float64'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'bool'
  | 'string'
  | 'complex64'
  | 'complex128'
  | 'qint4x2';

/** A shape; -1 marks a dynamic dimension. An unknown rank is `undefined` where a shape is optional. */
export type Shape = number[];

/** Name, element type and shape of a graph input, output or intermediate value. */
export interface TensorInfo {
  name: string;
  dtype: DType;
  shape: Shape;
}

/** A tensor whose bytes live in the model file (or an external data file): a parameter or a constant. */
export interface WeightTensor extends TensorInfo {
  /** MindSpore's parameter key (`ref_key`, e.g. "conv1.weight") where the file has one. */
  key?: string;
  /**
   * Little-endian element bytes. A view into the file's buffer, never a copy: it may be unaligned, so use
   * `tensorView()` for a typed array. Empty when the file carries no data for this tensor (e.g. a parameter
   * meant to be filled from a checkpoint).
   */
  data: Uint8Array;
  /** Where the bytes came from: inline in the model, or a file beside it. */
  storage: { kind: 'inline' } | { kind: 'external'; location: string; offset: number; length: number };
  /** MindSpore weight compression, where the exporter used one; mindlet does not decompress these yet. */
  compression?: string;
  /** Quantization parameters as MindSpore wrote them (algorithm name and attributes). */
  quantParams?: Array<{ algorithm: string; attributes: Record<string, AttrValue> }>;
}

/** A monad token from MindSpore's side-effect tracking. */
export interface MonadValue {
  kind: 'monad';
  monad: 'U' | 'IO';
}

/** A reference to a type (MindSpore passes dtypes as values, e.g. to Cast). */
export interface TypeValue {
  kind: 'type';
  dtype: DType;
}

/** A reference to another graph of the model (control flow, partial application). */
export interface GraphValue {
  kind: 'graph';
  graph: string;
}

/** A tensor-valued attribute or constant. */
export interface TensorValue {
  kind: 'tensor';
  tensor: WeightTensor;
}

/** A dictionary value (string keys). */
export interface DictValue {
  kind: 'dict';
  entries: Record<string, AttrValue>;
}

/** An attribute or constant value decoded to plain data. Integers beyond 2^53 are bigints. */
export type AttrValue =
  | number
  | bigint
  | boolean
  | string
  | null
  | AttrValue[]
  | MonadValue
  | TypeValue
  | GraphValue
  | TensorValue
  | DictValue;

/** One computation in the clean dataflow graph: bookkeeping nodes are already resolved away. */
export interface GraphNode {
  /** Unique within its graph: MindSpore's node name (e.g. "17_1_construct.Default_wrapper.5:output:3"). */
  name: string;
  /** The MindSpore primitive name without prefixes or suffixes ("Conv2D", not "REF::Conv2D:4"). */
  op: string;
  /** MindSpore's scope path ("Default/conv1-Conv2d/Conv2D-op1"), for error messages and profiles. */
  scope?: string;
  /**
   * Value names consumed, in order. Each names a graph input, a parameter, a constant or another node's
   * output. Monad inputs are dropped; a tuple built by MakeTuple is spread in place (see `inputGroups`).
   */
  inputs: string[];
  /**
   * Present when an input of the original node was a tuple (Concat, AddN, ...): the number of values each
   * original input contributed to `inputs`, in order. Absent when every input was a single value.
   */
  inputGroups?: number[];
  /** Value names produced. Single-output ops have one; multi-output ops (Split, BatchNorm) one per element. */
  outputs: string[];
  /** Primitive attributes (from the primitives table and the node) decoded to plain values. */
  attrs: Record<string, AttrValue>;
  /** For a call of another graph of the model: that graph's name. */
  callee?: string;
}

/** One graph: the main graph or a sub-graph (control flow branch, function). */
export interface Graph {
  name: string;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  /** Trainable / weight tensors (GraphProto.parameter), by value name. */
  parameters: Map<string, WeightTensor>;
  /** Constant values (from Constant nodes), by value name. Tensors here are weights too (dense layers). */
  constants: Map<string, AttrValue>;
  /** Computations in topological order. */
  nodes: GraphNode[];
  /** Dtype and shape of every value the loader or shape inference knows, by value name. */
  values: Map<string, TensorInfo>;
}

/** Per-model figures the routing policy and `mindlet inspect` use. */
export interface ModelProfile {
  /** Number of weight tensors in GraphProto.parameter of the main graph. */
  parameterCount: number;
  /** Bytes of those tensors. */
  parameterBytes: number;
  /** Element count of those tensors. */
  parameterElements: number;
  /** Number and bytes of tensor constants (weights stored in Constant nodes). */
  constantTensorCount: number;
  constantTensorBytes: number;
  /** Floating point operations for one inference at batch 1 (multiply-add counts as 2). */
  flops: number;
  /** Sum of activation bytes of every node output; and the peak live bytes in topological order. */
  activationBytes: number;
  peakActivationBytes: number;
  /** Primitive name → number of nodes, bookkeeping excluded. */
  ops: Record<string, number>;
  /** Per-node figures, in topological order. */
  nodes: Array<{ name: string; op: string; flops: number; outputBytes: number }>;
}

/** A loaded model: what the file says plus the resolved graphs. */
export interface Model {
  /** Where it came from: a path, or a caller-given label for a buffer. */
  source: string;
  format: 'mindir' | 'mslite';
  producer: string;
  /** MindSpore version that wrote it (ModelProto.model_version, e.g. "2.0.0a0"; for `.ms`, "MindSpore Lite 1.5.0"). */
  producerVersion: string;
  irVersion: string;
  mindIrVersion: number;
  encrypted: boolean;
  graph: Graph;
  /** Other graphs (ModelProto.functions and graph-valued attributes), by name. */
  subgraphs: Map<string, Graph>;
  /** Non-fatal findings: things a user should know (unknown fields skipped, shapes that disagree, ...). */
  warnings: string[];
  /** Preprocessing MindSpore recorded with the model (dataset ops), passed through as written. */
  preprocessor?: Array<Record<string, string | boolean>>;
  userInfo?: Record<string, string>;
  /** For MindSpore Lite `.ms` files: what the file itself says, before mapping to MindSpore primitives. */
  mslite?: MsLiteInfo;
}

export interface MsLiteInfo {
  /** Schema generation: `v0` (Lite 1.0/1.1, no file identifier) or `current` (1.2+, identifier "MSL2"). */
  generation: 'v0' | 'current';
  /** The framework the converter read: TF, CAFFE, ONNX, MINDIR, TFLITE, PYTORCH, or a number. */
  sourceFramework: string;
  /** Lite primitive (union member) → number of nodes. */
  ops: Record<string, number>;
  /** Layout transposes after lowering NHWC ops to the NCHW engine, before and after they were cancelled. */
  layoutTransposes: { before: number; after: number };
}
