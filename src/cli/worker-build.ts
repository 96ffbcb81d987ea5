/**
 * The Cloudflare Worker build (scripts/build-worker.mjs, esbuild) as the CLI reaches it: from a mindlet checkout,
 * found by walking up from this file, as `deploy` finds the Lambda builds. An installed package has no scripts/.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MindletError } from '../errors.js';

export interface WorkerBuild {
  /** worker.js and mindlet-engine.wasm, written side by side. */
  script: string;
  wasm: string;
  files: Array<{ file: string; bytes: number; gzipBytes: number }>;
  gzipBytes: number;
  fitsFree: boolean;
  fitsPaid: boolean;
  /** Source files bundled (to check what the Worker pulls in). */
  inputs: string[];
}

export interface WorkerBuildScript {
  buildWorker(options?: { outDir?: string; wasm?: string }): Promise<WorkerBuild>;
  describeBuild(built: WorkerBuild, from?: string): string[];
}

/** The build script's functions, mindlet's version and the checkout it lives in. */
export async function loadWorkerBuild(): Promise<WorkerBuildScript & { version: string; root: string }> {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const script = path.join(dir, 'scripts/build-worker.mjs');
    if (existsSync(script)) {
      const loaded = (await import(pathToFileURL(script).href)) as WorkerBuildScript;
      const { version } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string };
      return { buildWorker: loaded.buildWorker, describeBuild: loaded.describeBuild, version, root: dir };
    }
    dir = path.dirname(dir);
  }
  throw new MindletError(
    'NOT_FOUND',
    'the Worker build (scripts/build-worker.mjs, with esbuild) is part of a mindlet checkout, not the installed package; run this from a checkout',
  );
}
