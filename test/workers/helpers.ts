/**
 * Fixtures for the Workers tests: the real LeNet-class MindIR from MindSpore's own tests (ori_net.mindir) published
 * as a bucket would hold it (model + mindlet.json from buildManifest), an in-memory R2 bucket that records what was
 * read, and a deterministic input image.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { decodeModel } from '../../src/model/load.js';
import type {
  R2BucketLike,
  R2ListOptionsLike,
  R2ObjectBodyLike,
  R2ObjectsLike,
} from '../../src/repository/r2-repository.js';
import { buildManifest, type Manifest } from '../../src/store/manifest.js';
import { repoRoot } from '../tools/proto-encode.js';

/** ori_net.mindir: input x float32 [1,1,32,32], output float32 [1,10] (provenance: test/fixtures/README.md). */
export const LENET_FILE = path.join(repoRoot, 'test/fixtures/mindir/ori_net.mindir');
export const lenetBytes = (): Uint8Array => new Uint8Array(readFileSync(LENET_FILE));

/** The two objects `mindlet publish` writes for a model version, keyed as in the bucket. */
export function publishedFiles(
  name: string,
  version: string,
  edit: (manifest: Manifest) => void = () => {},
  bytes: Uint8Array = lenetBytes(),
): Map<string, Uint8Array> {
  const manifest = buildManifest(decodeModel(bytes, { label: LENET_FILE }), {
    name,
    version,
    modelFile: 'model.mindir',
    bytes: bytes.byteLength,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  });
  edit(manifest);
  return new Map([
    [`models/${name}/${version}/model.mindir`, bytes],
    [`models/${name}/${version}/mindlet.json`, new TextEncoder().encode(JSON.stringify(manifest, null, 2))],
  ]);
}

/** An R2 bucket in memory; lists two keys a page, so callers must follow cursors. */
export class MemoryBucket implements R2BucketLike {
  readonly objects = new Map<string, Uint8Array>();
  /** Every key `get` was asked for, in order. */
  readonly gets: string[] = [];

  constructor(...contents: Array<Map<string, Uint8Array>>) {
    for (const map of contents) for (const [key, bytes] of map) this.objects.set(key, bytes);
  }

  async get(key: string): Promise<R2ObjectBodyLike | null> {
    this.gets.push(key);
    const bytes = this.objects.get(key);
    if (!bytes) return null;
    const etag = createHash('md5').update(bytes).digest('hex');
    return {
      key,
      size: bytes.byteLength,
      etag,
      httpEtag: `"${etag}"`,
      arrayBuffer: async () => bytes.slice().buffer,
    };
  }

  async list(options: R2ListOptionsLike = {}): Promise<R2ObjectsLike> {
    const keys = [...this.objects.keys()].filter((key) => key.startsWith(options.prefix ?? '')).sort();
    const start = options.cursor === undefined ? 0 : Number(options.cursor);
    const page = keys.slice(start, start + 2);
    const truncated = start + 2 < keys.length;
    return {
      objects: page.map((key) => ({ key, size: this.objects.get(key)!.byteLength, etag: 'e', httpEtag: '"e"' })),
      truncated,
      ...(truncated ? { cursor: String(start + 2) } : {}),
    };
  }
}

/** A fixed pseudo-random image in [-1, 1) for the [1,1,32,32] input (the same on every run). */
export function testImage(): Float32Array {
  const data = new Float32Array(1024);
  let state = 12345;
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    data[i] = (state / 2 ** 32) * 2 - 1;
  }
  return data;
}
