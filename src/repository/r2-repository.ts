/**
 * Served models read from a Cloudflare R2 bucket binding, for the Workers function. Same key layout and manifest
 * checks as the S3 store (`models/<name>/<version>/mindlet.json` beside the model file it names, SHA-256 verified),
 * but nothing from `node:*`: bytes come from the binding, hashing from Web Crypto, decoding from the node-free
 * decoder, sessions from whatever engine the caller passes (the WebAssembly engine in a Worker).
 *
 * Models load lazily, one after another, on the first `load()` or `resolve()`, and concurrent callers share that one
 * load (single flight). Each manifest is checked against the isolate's memory before its model is fetched, so a
 * model too big for the edge is refused (507, naming the numbers) without ever being downloaded.
 */
import { isMindletError, MindletError, ServingError, toServingError } from '../errors.js';
import type { Model } from '../graph/types.js';
import { decodePortableModel } from '../model/portable.js';
import {
  checkEdgeFit,
  EDGE_DEFAULT_MAX_BODY_BYTES,
  edgeResidentBytes,
  WORKERS_LIMITS,
} from '../placement/edge-limits.js';
import type { Session } from '../runtime/types.js';
import { checkManifestSignature, MANIFEST_FILE, type Manifest, parseManifest } from '../store/manifest.js';
import { checkModelName, checkModelVersion, isValidModelName, isValidModelVersion } from '../store/names.js';
import { latestVersion, pickVersion } from './resolve.js';
import { servedModelFromSession } from './served-model.js';
import type { ModelIndexEntry, ModelRepository, ModelState, ServedModel } from './types.js';

/** What the repository reads of an R2 object (the Workers `R2Object` has more). */
export interface R2ObjectInfo {
  key: string;
  size: number;
  etag: string;
  httpEtag: string;
}

export interface R2ObjectBodyLike extends R2ObjectInfo {
  arrayBuffer(): Promise<ArrayBuffer>;
}

export interface R2ListOptionsLike {
  prefix?: string;
  cursor?: string;
  limit?: number;
}

export interface R2ObjectsLike {
  objects: R2ObjectInfo[];
  truncated: boolean;
  cursor?: string;
}

/** The part of the Workers `R2Bucket` binding the repository uses (an object's size is known before its body). */
export interface R2BucketLike {
  get(key: string): Promise<R2ObjectBodyLike | null>;
  list(options?: R2ListOptionsLike): Promise<R2ObjectsLike>;
}

/** One model to serve: a name, and a version (absent: the highest published version, found by listing). */
export interface ModelSpec {
  name: string;
  version?: string;
}

export interface R2RepositoryOptions {
  bucket: R2BucketLike;
  models: readonly ModelSpec[];
  /** Plans a decoded model into an engine session. */
  createSession(model: Model): Session | Promise<Session>;
  /** The app's body limit: the per-request memory the edge check reserves. @default EDGE_DEFAULT_MAX_BODY_BYTES */
  maxBodyBytes?: number;
  /** Memory the models must fit together. @default WORKERS_LIMITS.memoryBytes */
  memoryBytes?: number;
  /** How long a failed load is remembered before the next request tries again, ms. @default 30000 */
  retryAfterMs?: number;
  /** Told about every load and failure (for logs). */
  onEvent?(event: R2RepositoryEvent): void;
}

export type R2RepositoryEvent =
  | { kind: 'loaded'; name: string; version: string; key: string; bytes: number; etag: string; ms: number }
  | { kind: 'failed'; name: string; version: string | undefined; status: number; error: string };

/** The largest manifest read (real ones are a few KiB). */
const MAX_MANIFEST_BYTES = 1024 * 1024;

interface Entry {
  spec: ModelSpec;
  /** Resolved version: the spec's, or the highest found in the bucket. */
  version?: string;
  state: ModelState;
  served?: ServedModel;
  session?: Session;
  residentBytes: number;
  error?: ServingError;
}

/** Parses `name` / `name@version` items, comma-separated (the Worker's `MODELS` variable, the CLI's `--models`). */
export function parseModelList(raw: string, what = 'MODELS'): ModelSpec[] {
  const items = raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
  if (items.length === 0)
    throw new MindletError('INVALID_ARGUMENT', `${what} is empty: name the models to serve, e.g. lenet or lenet@1`);
  const specs = items.map((item): ModelSpec => {
    const at = item.indexOf('@');
    if (at < 0) return { name: checkModelName(item) };
    return { name: checkModelName(item.slice(0, at)), version: checkModelVersion(item.slice(at + 1)) };
  });
  const seen = new Set<string>();
  for (const spec of specs) {
    const id = `${spec.name}@${spec.version ?? ''}`;
    if (seen.has(id)) throw new MindletError('INVALID_ARGUMENT', `${what} names ${id.replace(/@$/, '')} twice`);
    seen.add(id);
  }
  return specs;
}

/** The bucket key of a model version's folder. */
export function modelFolderKey(name: string, version: string): string {
  return `models/${name}/${version}/`;
}

export class R2ModelRepository implements ModelRepository {
  private readonly entries: Entry[];
  private loading: Promise<void> | undefined;
  private failedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: R2RepositoryOptions) {
    if (options.models.length === 0) throw new MindletError('INVALID_ARGUMENT', 'no models to serve');
    this.entries = options.models.map((spec) => ({
      spec: {
        name: checkModelName(spec.name),
        ...(spec.version === undefined ? {} : { version: checkModelVersion(spec.version) }),
      },
      ...(spec.version === undefined ? {} : { version: spec.version }),
      state: 'LOADING' as ModelState,
      residentBytes: 0,
    }));
  }

  /**
   * Loads every model not loaded yet, one at a time; callers arriving meanwhile share the same promise. Never
   * rejects: failures are kept per model (index, readiness, resolve report them) and tried again on a call made
   * `retryAfterMs` after the last failure.
   */
  load(): Promise<void> {
    if (this.loading) return this.loading;
    if (this.entries.every((entry) => entry.served)) return Promise.resolve();
    if (Date.now() - this.failedAt < (this.options.retryAfterMs ?? 30_000)) return Promise.resolve();
    this.loading = this.loadPending().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  index(): ModelIndexEntry[] {
    return this.entries.map((entry) => ({
      name: entry.spec.name,
      version: entry.version ?? '',
      state: entry.state,
      ...(entry.error ? { reason: entry.error.message } : {}),
    }));
  }

  async resolve(name: string, version?: string): Promise<ServedModel> {
    if (!isValidModelName(name))
      throw new ServingError('NOT_FOUND', `model ${JSON.stringify(name)} is not served here`);
    if (version !== undefined && !isValidModelVersion(version))
      throw new ServingError('NOT_FOUND', `model ${name} has no version ${JSON.stringify(version)}`);
    if (!this.entries.some((entry) => entry.spec.name === name))
      throw new ServingError('NOT_FOUND', `model ${name} is not served here`);
    await this.load();
    const entry = pickVersion(
      name,
      version,
      this.entries.filter((e) => e.spec.name === name),
      (e) => e.served !== undefined,
    );
    if (entry.served) return entry.served;
    const label = entry.version === undefined ? `model ${name}` : `model ${name} version ${entry.version}`;
    // A model refused for its size keeps its own status: retrying will not make it fit.
    if (entry.error?.code === 'MODEL_TOO_LARGE') throw entry.error;
    throw new ServingError(
      'UNAVAILABLE',
      entry.error ? `${label} is unavailable: ${entry.error.message}` : `${label} is loading`,
    );
  }

  ready(): boolean {
    return this.entries.every((entry) => entry.served !== undefined);
  }

  /** Frees every session. */
  close(): void {
    for (const entry of this.entries) {
      entry.session?.close();
      entry.session = undefined;
      entry.served = undefined;
      entry.state = 'UNAVAILABLE';
    }
  }

  private async loadPending(): Promise<void> {
    let failed = false;
    for (const entry of this.entries) {
      if (entry.served) continue;
      try {
        await this.loadEntry(entry);
      } catch (error) {
        failed = true;
        // Whatever failed (a binding error included) is named, as the other servers do: it is the model's state.
        entry.error =
          error instanceof ServingError || isMindletError(error)
            ? toServingError(error)
            : new ServingError('INTERNAL', `load failed: ${(error as Error)?.message ?? String(error)}`, {
                cause: error,
              });
        entry.state = 'UNAVAILABLE';
        this.options.onEvent?.({
          kind: 'failed',
          name: entry.spec.name,
          version: entry.version,
          status: entry.error.status,
          error: entry.error.message,
        });
      }
    }
    this.failedAt = failed ? Date.now() : Number.NEGATIVE_INFINITY;
  }

  private async loadEntry(entry: Entry): Promise<void> {
    const started = Date.now();
    entry.state = 'LOADING';
    entry.error = undefined;
    const name = entry.spec.name;
    const version = entry.spec.version ?? (await this.latestPublished(name));
    entry.version = version;
    const folder = modelFolderKey(name, version);
    const manifest = await this.readManifest(folder);
    if (manifest.name !== name || manifest.version !== version)
      throw new MindletError(
        'INVALID_FORMAT',
        `${folder}${MANIFEST_FILE} describes model ${manifest.name} version ${manifest.version}, not ${name} version ${version}`,
      );
    if (manifest.encryption)
      throw new MindletError(
        'UNSUPPORTED',
        `model ${name} version ${version} is encrypted (${manifest.encryption.mode}); encrypted models are not served at the edge: serve them with a cpu-function`,
      );
    const usedBytes = this.entries.reduce((sum, other) => sum + (other.served ? other.residentBytes : 0), 0);
    const fit = checkEdgeFit(manifest, {
      maxBodyBytes: this.options.maxBodyBytes ?? EDGE_DEFAULT_MAX_BODY_BYTES,
      memoryBytes: this.options.memoryBytes ?? WORKERS_LIMITS.memoryBytes,
      usedBytes,
    });
    if (!fit.fits) throw new ServingError('MODEL_TOO_LARGE', fit.reason!);

    const key = `${folder}${manifest.model}`;
    const label = `r2:${key}`;
    const object = await this.options.bucket.get(key);
    if (!object) throw new MindletError('NOT_FOUND', `${key} is missing from the bucket (${MANIFEST_FILE} names it)`);
    if (object.size !== manifest.bytes)
      throw new MindletError(
        'INVALID_FORMAT',
        `${key} is ${object.size} bytes but ${MANIFEST_FILE} says ${manifest.bytes}: republish the model`,
      );
    const bytes = new Uint8Array(await object.arrayBuffer());
    const digest = await sha256Hex(bytes);
    if (digest !== manifest.sha256)
      throw new MindletError(
        'INVALID_FORMAT',
        `${key} has SHA-256 ${digest}, not the ${manifest.sha256} its ${MANIFEST_FILE} records: republish the model`,
      );
    const model = decodePortableModel(bytes, { label });
    checkManifestSignature(manifest, model, label);
    const session = await this.options.createSession(model);
    entry.served = servedModelFromSession(session, {
      name,
      version,
      platform: model.format === 'mslite' ? 'mindspore_lite' : 'mindspore_mindir',
      inputNames: manifest.signature.inputs.map((t) => t.name),
      outputNames: manifest.signature.outputs.map((t) => t.name),
      outputLabels: manifest.signature.outputs.map((t) => t.labels),
    });
    entry.session = session;
    entry.residentBytes = edgeResidentBytes(fit.estimate);
    entry.state = 'READY';
    this.options.onEvent?.({
      kind: 'loaded',
      name,
      version,
      key,
      bytes: object.size,
      etag: object.etag,
      ms: Date.now() - started,
    });
  }

  /** The highest version with a manifest under `models/<name>/`, by the rule the other servers use. */
  private async latestPublished(name: string): Promise<string> {
    const prefix = `models/${name}/`;
    const versions: Array<{ version: string }> = [];
    let cursor: string | undefined;
    do {
      const page = await this.options.bucket.list({ prefix, ...(cursor === undefined ? {} : { cursor }) });
      for (const object of page.objects) {
        const rest = object.key.slice(prefix.length).split('/');
        if (rest.length === 2 && rest[1] === MANIFEST_FILE && isValidModelVersion(rest[0]!))
          versions.push({ version: rest[0]! });
      }
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor !== undefined);
    if (versions.length === 0)
      throw new MindletError(
        'NOT_FOUND',
        `no published version of model ${name} in the bucket (no ${prefix}<version>/${MANIFEST_FILE}): publish it with \`mindlet publish\``,
      );
    return latestVersion(versions).version;
  }

  private async readManifest(folder: string): Promise<Manifest> {
    const key = `${folder}${MANIFEST_FILE}`;
    const object = await this.options.bucket.get(key);
    if (!object)
      throw new MindletError(
        'NOT_FOUND',
        `${key} is missing from the bucket: publish the model with \`mindlet publish\``,
      );
    if (object.size > MAX_MANIFEST_BYTES)
      throw new MindletError('INVALID_FORMAT', `${key} is ${object.size} bytes; a manifest is at most 1 MiB`);
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await object.arrayBuffer()));
    } catch (error) {
      throw new MindletError('INVALID_FORMAT', `${key} is not JSON: ${(error as Error).message.slice(0, 200)}`);
    }
    return parseManifest(json, `r2:${key}`);
  }
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  let hex = '';
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
