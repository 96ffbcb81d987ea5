/**
 * Finds and loads the native engine addon. Where it is looked for, in order: MINDLET_NATIVE_ADDON (a path to the
 * .node file), the package's own build (layers/native-runtime/build/Release), and the Lambda layer's location
 * (/opt/nodejs/mindlet-native/, where the native runtime layer unpacks).
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

export interface NativeAddon {
  NativeSession: new (
    spec: unknown,
    options: { threads: number; planCacheSize: number; profile: boolean },
  ) => NativeSession;
  registeredOps(): string[];
  cpuFeatures(): { avx2: boolean; fma: boolean; avx512f: boolean };
}

const ADDON_FILE = 'mindlet_native.node';

function candidates(): string[] {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // src/runtime (tsx) and dist/src/runtime (built) both sit below the package root.
  const roots = [path.resolve(here, '../..'), path.resolve(here, '../../..')];
  const list = process.env.MINDLET_NATIVE_ADDON ? [process.env.MINDLET_NATIVE_ADDON] : [];
  for (const root of roots) list.push(path.join(root, 'layers/native-runtime/build/Release', ADDON_FILE));
  list.push(path.join('/opt/nodejs/mindlet-native', ADDON_FILE));
  return list;
}

let cached: NativeAddon | undefined;

export function nativeAddon(): NativeAddon {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const tried = candidates();
  for (const file of tried) {
    if (!existsSync(file)) continue;
    cached = require(file) as NativeAddon;
    return cached;
  }
  throw new MindletError(
    'NOT_FOUND',
    `the native engine addon was not found (looked in ${tried.join(', ')}); build it with \`npm run build:native\``,
  );
}
