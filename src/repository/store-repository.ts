/**
 * Served models loaded from object storage: each source URI is fetched through the ModelStore (cache, ranged GETs),
 * read with its manifest (public names, key reference), planned into an engine session and served. A changed ETag
 * loads the new object beside the old one and swaps when it is ready, so requests never see a half-loaded model.
 */
import path from 'node:path';
import { MindletError, ServingError } from '../errors.js';
import { decodeModel } from '../model/load.js';
import { createSession } from '../runtime/session.js';
import type { Session } from '../runtime/types.js';
import { resolveKeyRef } from '../store/key-ref.js';
import { checkManifestSignature, type Manifest } from '../store/manifest.js';
import { ModelStore } from '../store/model-store.js';
import { checkModelName, checkModelVersion, isValidModelName, isValidModelVersion } from '../store/names.js';
import { type ModelLocation, parseModelUri } from '../store/uri.js';
import type { Tensor } from '../tensor/types.js';
import { pickVersion } from './resolve.js';
import { servedModelFromSession } from './served-model.js';
import type { ModelIndexEntry, ModelRepository, ModelState, ServedModel } from './types.js';

export interface ModelSource {
  /** `s3://bucket/key`, `file:///path` or a path. */
  uri: string;
  /** Served name. Default: the manifest's, else `<name>` of `.../models/<name>/<version>/...`, else the file's base name. */
  name?: string;
  /** Served version. Default: the manifest's, else `<version>` of `.../models/<name>/<version>/...`, else '1'. */
  version?: string;
  /** Where the decryption key lives (`env:`, `secretsmanager:`, `ssm:`). Default: the manifest's key reference. */
  keyRef?: string;
  /** The decryption key itself (hex or bytes), for local use; takes precedence over any key reference. */
  key?: string | Uint8Array;
}

export interface StoreRepositoryOptions {
  /** Where models are fetched from. Default: a `ModelStore` with its environment defaults. */
  store?: ModelStore;
  /** Engine threads per inference. Default: all available CPUs. */
  threads?: number;
  /** Key references → key text. Default: `resolveKeyRef` (environment, Secrets Manager, SSM). */
  resolveKey?: (ref: string) => Promise<string>;
  /** Told about every load, reload and failure (for logs). Default: none. */
  onEvent?: (event: RepositoryEvent) => void;
}

/** What one load did and how long each step took. */
export interface LoadReport {
  name: string;
  version: string;
  uri: string;
  from: 'local' | 'cache' | 's3';
  etag: string;
  bytes: number;
  downloadMs: number;
  loadMs: number;
}

export type RepositoryEvent =
  | { kind: 'loaded'; report: LoadReport; reload: boolean }
  | { kind: 'failed'; uri: string; name: string; version: string; error: MindletError | ServingError | Error };

interface Entry {
  source: ModelSource;
  location: ModelLocation;
  name: string;
  version: string;
  state: ModelState;
  reason?: string;
  served?: CountedModel;
  etag?: string;
  loading?: Promise<LoadReport>;
}

export class StoreModelRepository implements ModelRepository {
  private readonly entries: Entry[];
  private readonly store: ModelStore;
  private readonly ownsStore: boolean;
  private watchTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    sources: readonly ModelSource[],
    private readonly options: StoreRepositoryOptions = {},
  ) {
    if (sources.length === 0) throw new MindletError('INVALID_ARGUMENT', 'no models to serve: give at least one URI');
    this.ownsStore = options.store === undefined;
    this.store = options.store ?? new ModelStore();
    this.entries = sources.map((source) => {
      const location = parseModelUri(source.uri);
      const fromUri = namesFromLocation(location);
      return {
        source,
        location,
        name: source.name === undefined ? fromUri.name : checkModelName(source.name),
        version: source.version === undefined ? fromUri.version : checkModelVersion(source.version),
        state: 'LOADING' as ModelState,
      };
    });
  }

  /** Loads every model not loaded yet; rejects with the first failure after all have been tried. */
  async load(): Promise<LoadReport[]> {
    const results = await Promise.allSettled(this.entries.map((entry) => this.loadEntry(entry)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    this.checkUnique();
    return results.map((r) => (r as PromiseFulfilledResult<LoadReport>).value);
  }

  /**
   * Looks for changed objects (one HEAD each) and reloads those whose ETag moved; the old version keeps serving until
   * the new one is ready. Returns the reloads done.
   */
  async refresh(): Promise<LoadReport[]> {
    const reloads: LoadReport[] = [];
    for (const entry of this.entries) {
      if (entry.loading) continue;
      let etag: string;
      try {
        etag = (await this.store.head(entry.location)).etag;
      } catch (error) {
        this.options.onEvent?.({
          kind: 'failed',
          uri: entry.source.uri,
          name: entry.name,
          version: entry.version,
          error: asError(error),
        });
        continue;
      }
      if (etag === entry.etag && entry.state === 'READY') continue;
      try {
        reloads.push(await this.loadEntry(entry));
      } catch {
        // Reported through onEvent; the previous version, if any, keeps serving.
      }
    }
    return reloads;
  }

  /** Calls `refresh` every `intervalMs` until `close` (the timer does not keep the process alive). */
  watch(intervalMs: number): void {
    if (!(Number.isFinite(intervalMs) && intervalMs >= 100))
      throw new MindletError('INVALID_ARGUMENT', `watch interval must be at least 100 ms, got ${intervalMs}`);
    clearInterval(this.watchTimer);
    let running = false;
    this.watchTimer = setInterval(() => {
      if (running || this.closed) return;
      running = true;
      this.refresh().finally(() => {
        running = false;
      });
    }, intervalMs);
    this.watchTimer.unref();
  }

  index(): ModelIndexEntry[] {
    return this.entries.map((entry) => ({
      name: entry.name,
      version: entry.version,
      // A model being reloaded is still serving its previous version.
      state: entry.served ? 'READY' : entry.state,
      ...(entry.reason && !entry.served ? { reason: entry.reason } : {}),
    }));
  }

  async resolve(name: string, version?: string): Promise<ServedModel> {
    if (!isValidModelName(name))
      throw new ServingError('NOT_FOUND', `model ${JSON.stringify(name)} is not served here`);
    if (version !== undefined && !isValidModelVersion(version))
      throw new ServingError('NOT_FOUND', `model ${name} has no version ${JSON.stringify(version)}`);
    const entry = pickVersion(
      name,
      version,
      this.entries.filter((e) => e.name === name),
      (e) => e.served !== undefined,
    );
    if (!entry.served)
      throw new ServingError(
        'UNAVAILABLE',
        entry.state === 'LOADING'
          ? `model ${name} version ${entry.version} is loading`
          : `model ${name} version ${entry.version} is unavailable: ${entry.reason ?? 'not loaded'}`,
      );
    return entry.served;
  }

  ready(): boolean {
    return this.entries.every((entry) => entry.served !== undefined);
  }

  /** Stops watching and frees every session (after in-flight inferences finish). */
  close(): void {
    this.closed = true;
    clearInterval(this.watchTimer);
    for (const entry of this.entries) {
      entry.served?.retire();
      entry.served = undefined;
    }
    if (this.ownsStore) this.store.close();
  }

  private loadEntry(entry: Entry): Promise<LoadReport> {
    if (entry.loading) return entry.loading;
    const reload = entry.served !== undefined;
    if (!reload) entry.state = 'LOADING';
    entry.loading = this.fetchAndPlan(entry)
      .then(({ served, report }) => {
        const previous = entry.served;
        entry.served = served;
        entry.etag = report.etag;
        entry.state = 'READY';
        entry.reason = undefined;
        previous?.retire();
        this.options.onEvent?.({ kind: 'loaded', report, reload });
        return report;
      })
      .catch((error: unknown) => {
        entry.state = 'UNAVAILABLE';
        entry.reason = asError(error).message;
        this.options.onEvent?.({
          kind: 'failed',
          uri: entry.source.uri,
          name: entry.name,
          version: entry.version,
          error: asError(error),
        });
        throw error;
      })
      .finally(() => {
        entry.loading = undefined;
      });
    return entry.loading;
  }

  private async fetchAndPlan(entry: Entry): Promise<{ served: CountedModel; report: LoadReport }> {
    const manifest = await this.store.readManifest(entry.location);
    if (manifest) {
      if (entry.source.name === undefined) entry.name = manifest.name;
      if (entry.source.version === undefined) entry.version = manifest.version;
    }
    const fetched = await this.store.fetch(entry.location);
    const started = performance.now();
    const key = entry.source.key ?? (await this.keyFor(entry, manifest));
    const model = decodeModel(fetched.bytes, {
      label: entry.source.uri,
      ...(key === undefined ? {} : { key }),
      ...(entry.location.kind === 'file' ? { externalDataDir: path.dirname(entry.location.path) } : {}),
    });
    checkManifestSignature(manifest, model, entry.source.uri);
    const session = createSession(model, this.options.threads === undefined ? {} : { threads: this.options.threads });
    const served = new CountedModel(
      session,
      servedModelFromSession(session, {
        name: entry.name,
        version: entry.version,
        platform: model.format === 'mslite' ? 'mindspore_lite' : 'mindspore_mindir',
        ...(manifest
          ? {
              inputNames: manifest.signature.inputs.map((t) => t.name),
              outputNames: manifest.signature.outputs.map((t) => t.name),
              outputLabels: manifest.signature.outputs.map((t) => t.labels),
            }
          : {}),
      }),
    );
    return {
      served,
      report: {
        name: entry.name,
        version: entry.version,
        uri: entry.source.uri,
        from: fetched.from,
        etag: fetched.etag,
        bytes: fetched.size,
        downloadMs: fetched.downloadMs,
        loadMs: performance.now() - started,
      },
    };
  }

  private async keyFor(entry: Entry, manifest: Manifest | undefined): Promise<string | undefined> {
    const ref = entry.source.keyRef ?? manifest?.encryption?.keyRef;
    if (ref === undefined) return undefined;
    return (this.options.resolveKey ?? resolveKeyRef)(ref);
  }

  private checkUnique(): void {
    const seen = new Set<string>();
    for (const entry of this.entries) {
      const id = `${entry.name}@${entry.version}`;
      if (seen.has(id))
        throw new MindletError(
          'INVALID_ARGUMENT',
          `two sources serve model ${entry.name} version ${entry.version}; give them distinct names or versions`,
        );
      seen.add(id);
    }
  }
}

/** A served model that counts in-flight runs, so a replaced version's session is closed only once they finish. */
class CountedModel implements ServedModel {
  private inFlight = 0;
  private retired = false;

  constructor(
    private readonly session: Session,
    private readonly model: ServedModel,
  ) {}

  get name() {
    return this.model.name;
  }
  get version() {
    return this.model.version;
  }
  get platform() {
    return this.model.platform;
  }
  get inputs() {
    return this.model.inputs;
  }
  get outputs() {
    return this.model.outputs;
  }
  get outputLabels() {
    return this.model.outputLabels;
  }

  async run(inputs: Tensor[]): Promise<Tensor[]> {
    if (this.retired) throw new ServingError('UNAVAILABLE', `model ${this.name} version ${this.version} was unloaded`);
    this.inFlight++;
    try {
      return await this.model.run(inputs);
    } finally {
      this.inFlight--;
      if (this.retired && this.inFlight === 0) this.session.close();
    }
  }

  retire(): void {
    if (this.retired) return;
    this.retired = true;
    if (this.inFlight === 0) this.session.close();
  }
}

/** `.../models/<name>/<version>/<file>` names itself; otherwise the file's base name, version '1'. */
function namesFromLocation(location: ModelLocation): { name: string; version: string } {
  const segments = (location.kind === 's3' ? location.key : location.path).split(/[\\/]/);
  const at = segments.lastIndexOf('models');
  if (at >= 0 && segments.length - at === 4) {
    const [name, version] = [segments[at + 1]!, segments[at + 2]!];
    if (isValidModelName(name) && isValidModelVersion(version)) return { name, version };
  }
  const base = (segments[segments.length - 1] ?? 'model').replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9._-]/g, '_');
  const name = isValidModelName(base) ? base : 'model';
  return { name, version: '1' };
}

function asError(error: unknown): Error {
  if (error instanceof Error) return error;
  return new Error(String(error));
}
