/**
 * The engine session contract: what `loadSession` returns and what `run` takes and gives. Tensors are plain data
 * (dtype, shape, a typed array in row-major order) so the HTTP, batch and CLI layers never see the native addon.
 */
import type { TensorInfo } from '../graph/types.js';
import type { NamedTensor, Tensor } from '../tensor/types.js';

export type { NamedTensor, Tensor, TensorData } from '../tensor/types.js';

export interface SessionOptions {
  /** Worker threads for one inference. Default: the host's available CPUs (`os.availableParallelism()`). */
  threads?: number;
  /** Key for encrypted MindIR (hex string or bytes). Default: none. */
  key?: string | Uint8Array;
  /** How many distinct input shapes keep a ready execution plan (dynamic batch). Default: 4. */
  planCacheSize?: number;
  /** Time every kernel call, summed per op, readable from the session's `stats().opTimes`. Default: false. */
  profile?: boolean;
}

export interface SessionStats {
  nodes: number;
  folded: number;
  fusedBatchNorm: number;
  fusedBias: number;
  /** Per-channel Mul / Add constants folded into a Conv2D's weights and bias. */
  fusedScale: number;
  fusedActivation: number;
  fusedResidual: number;
  plans: number;
  threads: number;
  /** Bytes of weights freed after load because every kernel reading them packed its own copy. */
  releasedBytes: number;
  /** Per op (grouped convolutions apart): milliseconds and calls since load; empty unless `profile` was set. */
  opTimes: Record<string, { ms: number; calls: number }>;
}

/** A loaded, planned model. Reusable; `run` may be called concurrently. */
export interface Session {
  /** Graph inputs in the order `run` takes positional tensors; -1 marks a dynamic dimension. */
  readonly inputs: TensorInfo[];
  /** Graph outputs in the order `run` returns them. */
  readonly outputs: TensorInfo[];
  /** Threads one inference uses. */
  readonly threads: number;
  /**
   * Runs one inference off the JS thread. Inputs by position (array) or by input name (record). Checks dtype,
   * rank and fixed dimensions and throws MindletError INVALID_ARGUMENT naming the input on a mismatch.
   */
  run(inputs: Tensor[] | Record<string, Tensor>): Promise<NamedTensor[]>;
  /** Engine figures: kernels after fusion and folding, fusions applied, cached plans, per-op times if profiling. */
  stats(): SessionStats;
  /** Frees native memory now rather than at garbage collection. Later `run` calls throw. */
  close(): void;
}
