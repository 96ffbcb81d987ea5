/**
 * Finds and loads the native engine addon. Where it is looked for, in order: MINDLET_NATIVE_ADDON (a path to the
 * .node file), the package's own build (layers/native-runtime/build/Release, only when this module sits in the
 * package's tree, not in a bundle), the `@mindlet/native-runtime` package (the Lambda layer's
 * /opt/nodejs/node_modules/@mindlet/native-runtime, found through NODE_PATH), and the older layer location
 * /opt/nodejs/mindlet-native/.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MindletError } from '../errors.js';
import type { SessionStats } from './types.js';

export interface NativeTensor {
  dtype: string;
  shape: number[];
  data: ArrayBufferView;
}

export interface NativeOutput {
  dtype: string;
  shape: number[];
  data: ArrayBuffer;
}

export type NativeSessionStats = SessionStats;

export interface NativeSession {
  run(inputs: NativeTensor[]): Promise<NativeOutput[]>;
  close(): void;
  stats(): NativeSessionStats;
}

/** What `measureFmaPeak` measured: a register-only float32 FMA loop on `threads` threads at once. */
export interface FmaPeak {
  /** The loop that ran: AVX-512F where the CPU has it (unless `avx2` was asked for), else AVX2 + FMA. */
  isa: 'avx512' | 'avx2';
  threads: number;
  /** GFLOP/s (multiply-add = 2) of all threads together, best of the measured windows. */
  gflopsTotal: number;
  /** gflopsTotal / threads. */
  gflopsPerThread: number;
}

export interface FmaPeakOptions {
  /** Loops run at once, one per thread (1–1024). @default 1 */
  threads?: number;
  /** Time for the whole probe, warm-up included (5–60000); the calling thread is blocked meanwhile. @default 500 */
  milliseconds?: number;
  /** Force a loop; `avx512` fails on a CPU without AVX-512F. @default 'auto' */
  isa?: 'auto' | 'avx2' | 'avx512';
}

export interface NativeAddon {
  NativeSession: new (
    spec: unknown,
    options: { threads: number; planCacheSize: number; profile: boolean },
  ) => NativeSession;
  registeredOps(): string[];
  cpuFeatures(): { avx2: boolean; fma: boolean; avx512f: boolean };
  /** The machine's float32 FMA peak, measured now (layers/native-runtime/src/probe/fma_peak.h). */
  measureFmaPeak(options?: FmaPeakOptions): FmaPeak;
}

const ADDON_FILE = 'mindlet_native.node';
/** The package the native runtime layer installs under nodejs/node_modules (scripts/build-layer.mjs). */
export const NATIVE_PACKAGE = '@mindlet/native-runtime';

type Candidate = { kind: 'file'; file: string } | { kind: 'package'; name: string };

function candidates(): Candidate[] {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const list: Candidate[] = [];
  if (process.env.MINDLET_NATIVE_ADDON) list.push({ kind: 'file', file: process.env.MINDLET_NATIVE_ADDON });
  // src/runtime (tsx) and dist/src/runtime (built) sit below the package root; a bundle (functions) does not, and
  // must find the addon only where Lambda has it.
  if (path.basename(here) === 'runtime') {
    for (const root of [path.resolve(here, '../..'), path.resolve(here, '../../..')])
      list.push({ kind: 'file', file: path.join(root, 'layers/native-runtime/build/Release', ADDON_FILE) });
  }
  list.push({ kind: 'package', name: NATIVE_PACKAGE });
  list.push({ kind: 'file', file: path.join('/opt/nodejs/mindlet-native', ADDON_FILE) });
  return list;
}

function describe(candidate: Candidate): string {
  return candidate.kind === 'file' ? candidate.file : `${candidate.name} (NODE_PATH, node_modules)`;
}

/** The resolved path of a package, or undefined when it is not installed (any other failure is real). */
function resolvePackage(require: NodeJS.Require, name: string): string | undefined {
  try {
    return require.resolve(name);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}

let cached: NativeAddon | undefined;

export function nativeAddon(): NativeAddon {
  if (cached) return cached;
  // createRequire honours NODE_PATH, which on Lambda includes /opt/nodejs/node_modules.
  const require = createRequire(import.meta.url);
  const tried = candidates();
  for (const candidate of tried) {
    const file = candidate.kind === 'file' ? candidate.file : resolvePackage(require, candidate.name);
    if (file === undefined || !existsSync(file)) continue;
    cached = require(file) as NativeAddon;
    return cached;
  }
  throw new MindletError(
    'NOT_FOUND',
    `the native engine addon was not found (looked in ${tried.map(describe).join(', ')}); build it with \`npm run build:native\` (on Lambda: attach the native runtime layer)`,
  );
}
