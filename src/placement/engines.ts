/**
 * Which engine computes on each deploy target today: the placement policy estimates every target for the engine this
 * table names, so an estimate is always for what actually runs there. When a CUDA or Ascend backend ships (and
 * src/runtime/engine-backend.ts runs it instead of falling back to the CPU engine), switching its target here to `gpu`
 * or `ascend` makes the policy use that target's accelerator formulas; nothing else in the policy changes.
 */
import type { TargetEngines } from './types.js';

/**
 * Today: Lambda runs the native CPU engine; Workers run its WebAssembly build; the GPU and Ascend container tasks run
 * the same native CPU engine on their host's vCPUs, because no accelerator backend exists yet (engine-backend.ts
 * answers `cpu` whatever `MINDLET_ENGINE_BACKEND` asks for).
 */
export const TARGET_ENGINES: TargetEngines = {
  'cpu-function': 'cpu',
  'gpu-task': 'cpu',
  'ascend-task': 'cpu',
  'edge-function': 'wasm',
};
