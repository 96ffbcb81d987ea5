/**
 * The seam for accelerator engines in the container images: `MINDLET_ENGINE_BACKEND` names the engine a task wants
 * (`cpu`, `gpu`, `ascend`) and `/opt/mindlet/backends/<name>/` is where a backend will be installed. Only the CPU
 * engine exists today, so asking for another one runs on the CPU and says so once, instead of failing the task.
 */
import { MindletError } from '../errors.js';

export const ENGINE_BACKENDS = ['cpu', 'gpu', 'ascend'] as const;
export type EngineBackend = (typeof ENGINE_BACKENDS)[number];

/** Environment variable naming the wanted backend (unset: cpu). */
export const ENGINE_BACKEND_ENV = 'MINDLET_ENGINE_BACKEND';
/** Where the container images keep accelerator backends (the directory exists, empty, in both images). */
export const BACKENDS_DIR = '/opt/mindlet/backends';

export interface EngineBackendChoice {
  requested: EngineBackend;
  /** The engine that runs: always the CPU engine until an accelerator backend ships. */
  using: 'cpu';
  /** One line saying why the requested backend is not the one used; absent when they are the same. */
  fallback?: string;
}

export function chooseEngineBackend(env: NodeJS.ProcessEnv = process.env): EngineBackendChoice {
  const raw = env[ENGINE_BACKEND_ENV]?.trim().toLowerCase() || 'cpu';
  if (!(ENGINE_BACKENDS as readonly string[]).includes(raw))
    throw new MindletError(
      'INVALID_ARGUMENT',
      `${ENGINE_BACKEND_ENV} must be one of ${ENGINE_BACKENDS.join(', ')}, got "${env[ENGINE_BACKEND_ENV]}"`,
    );
  const requested = raw as EngineBackend;
  if (requested === 'cpu') return { requested, using: 'cpu' };
  return {
    requested,
    using: 'cpu',
    fallback: `engine backend "${requested}" is not available in this build (${BACKENDS_DIR}/${requested}); running on the CPU engine`,
  };
}
