/**
 * The R2 model repository in Node, with an in-memory bucket and the native engine: which version it picks, that
 * concurrent requests share one load, that the edge limit refuses a model before its bytes are fetched, and that
 * a bucket it cannot trust (bad hash, size, manifest) gives a 503 naming the fault.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ServingError } from '../../src/errors.js';
import type { Model } from '../../src/graph/types.js';
import {
  checkEdgeFit,
  EDGE_DEFAULT_MAX_BODY_BYTES,
  EDGE_MAX_BODY_BYTES_CEILING,
  edgeBodyLimit,
  edgeMemoryEstimate,
  WORKERS_LIMITS,
} from '../../src/placement/edge-limits.js';
import { parseModelList, R2ModelRepository, type R2RepositoryOptions } from '../../src/repository/r2-repository.js';
import { createSession } from '../../src/runtime/session.js';
import { parseManifest } from '../../src/store/manifest.js';
import { MemoryBucket, publishedFiles, testImage } from './helpers.js';

const repositories: R2ModelRepository[] = [];
afterEach(() => {
  for (const repository of repositories.splice(0)) repository.close();
});

function repository(bucket: MemoryBucket, models: string, options: Partial<R2RepositoryOptions> = {}) {
  let sessions = 0;
  const created = new R2ModelRepository({
    bucket,
    models: parseModelList(models),
    createSession: (model: Model) => {
      sessions++;
      return createSession(model, { threads: 1 });
    },
    ...options,
  });
  repositories.push(created);
  return { repository: created, sessions: () => sessions };
}

async function failure(promise: Promise<unknown>): Promise<ServingError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ServingError);
  return error as ServingError;
}

const manifestOf = (files: Map<string, Uint8Array>, key: string) =>
  parseManifest(JSON.parse(new TextDecoder().decode(files.get(key)!)), key);

describe('R2ModelRepository', () => {
  it('serves the highest published version (numeric order), loading it once for concurrent requests', async () => {
    const bucket = new MemoryBucket(publishedFiles('lenet', '2'), publishedFiles('lenet', '10'));
    // A version folder without its manifest is a publish in progress, not a version.
    bucket.objects.set('models/lenet/11/model.mindir', bucket.objects.get('models/lenet/10/model.mindir')!);
    const { repository: repo, sessions } = repository(bucket, 'lenet');
    expect(repo.index()).toEqual([{ name: 'lenet', version: '', state: 'LOADING' }]);
    const served = await Promise.all([repo.resolve('lenet'), repo.resolve('lenet'), repo.resolve('lenet', '10')]);
    expect(new Set(served).size).toBe(1);
    expect(sessions()).toBe(1);
    expect(bucket.gets.filter((key) => key.endsWith('model.mindir'))).toEqual(['models/lenet/10/model.mindir']);
    expect(repo.index()).toEqual([{ name: 'lenet', version: '10', state: 'READY' }]);
    expect(repo.ready()).toBe(true);
    const model = served[0]!;
    expect(model.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: [1, 1, 32, 32] }]);
    const [out] = await model.run([{ dtype: 'float32', shape: [1, 1, 32, 32], data: testImage() }]);
    expect(out!.shape).toEqual([1, 10]);
    expect((await failure(repo.resolve('lenet', '2'))).message).toBe('model lenet has no version 2; versions: 10');
    expect((await failure(repo.resolve('other'))).status).toBe(404);
  });

  it('serves a pinned version and several models side by side', async () => {
    const bucket = new MemoryBucket(
      publishedFiles('lenet', '1'),
      publishedFiles('lenet', '2'),
      publishedFiles('b', '7'),
    );
    const { repository: repo } = repository(bucket, 'lenet@1, b');
    await repo.load();
    expect(repo.index()).toEqual([
      { name: 'lenet', version: '1', state: 'READY' },
      { name: 'b', version: '7', state: 'READY' },
    ]);
    expect((await repo.resolve('lenet')).version).toBe('1');
  });

  it('refuses a model too big for an isolate from its manifest, without fetching the model', async () => {
    const files = publishedFiles('huge', '1', (manifest) => {
      manifest.profile.parameterBytes = 200_000_000;
    });
    files.delete('models/huge/1/model.mindir');
    const bucket = new MemoryBucket(files);
    const { repository: repo, sessions } = repository(bucket, 'huge');
    const error = await failure(repo.resolve('huge'));
    expect(error.status).toBe(507);
    expect(error.code).toBe('MODEL_TOO_LARGE');
    expect(error.message).toMatch(
      /^model huge needs ~\d+ MiB \(file 0\.2 \+ weights 191 \+ activations [\d.]+ \+ runtime and one request 40 MiB\), over the 128 MB Workers memory limit; serve it with a cpu-function \(mindlet plan\)$/,
    );
    expect(bucket.gets).toEqual(['models/huge/1/mindlet.json']);
    expect(sessions()).toBe(0);
    expect(repo.ready()).toBe(false);
    expect(repo.index()).toEqual([{ name: 'huge', version: '1', state: 'UNAVAILABLE', reason: error.message }]);
  });

  it('counts the models already loaded against the isolate', async () => {
    const files = publishedFiles('a', '1');
    const fit = checkEdgeFit(manifestOf(files, 'models/a/1/mindlet.json'));
    expect(fit.fits).toBe(true);
    // Room for one LeNet and its request, not for a second one's file and weights on top.
    const memoryBytes = fit.estimate.totalBytes + 1000;
    const bucket = new MemoryBucket(files, publishedFiles('b', '1'));
    const { repository: repo } = repository(bucket, 'a,b', { memoryBytes });
    await repo.load();
    expect(repo.index().map((e) => e.state)).toEqual(['READY', 'UNAVAILABLE']);
    const error = await failure(repo.resolve('b'));
    expect(error.status).toBe(507);
    expect(error.message).toMatch(/with 0\.\d MiB taken by the other models served here/);
  });

  it.each([
    [
      'a model whose bytes do not hash to the manifest',
      (files: Map<string, Uint8Array>) => {
        const bytes = files.get('models/m/1/model.mindir')!.slice();
        bytes[bytes.length - 1]! ^= 1;
        files.set('models/m/1/model.mindir', bytes);
      },
      /^model m version 1 is unavailable: models\/m\/1\/model\.mindir has SHA-256 [0-9a-f]{64}, not the [0-9a-f]{64} its mindlet\.json records: republish the model$/,
    ],
    [
      'a model of another size',
      (files: Map<string, Uint8Array>) => {
        files.set('models/m/1/model.mindir', files.get('models/m/1/model.mindir')!.subarray(1));
      },
      /is 251483 bytes but mindlet\.json says 251484: republish the model$/,
    ],
    [
      'a manifest for another model',
      (files: Map<string, Uint8Array>) => {
        const other = publishedFiles('other', '1');
        files.set('models/m/1/mindlet.json', other.get('models/other/1/mindlet.json')!);
      },
      /models\/m\/1\/mindlet\.json describes model other version 1, not m version 1$/,
    ],
    [
      'an encrypted model',
      (files: Map<string, Uint8Array>) => {
        const manifest = manifestOf(files, 'models/m/1/mindlet.json');
        manifest.encryption = { mode: 'AES-GCM', keyRef: 'env:KEY' };
        files.set('models/m/1/mindlet.json', new TextEncoder().encode(JSON.stringify(manifest)));
      },
      /is encrypted \(AES-GCM\); encrypted models are not served at the edge/,
    ],
    [
      'a missing model object',
      (files: Map<string, Uint8Array>) => {
        files.delete('models/m/1/model.mindir');
      },
      /models\/m\/1\/model\.mindir is missing from the bucket \(mindlet\.json names it\)$/,
    ],
    [
      'a manifest that is not JSON',
      (files: Map<string, Uint8Array>) => {
        files.set('models/m/1/mindlet.json', new TextEncoder().encode('{"name": '));
      },
      /models\/m\/1\/mindlet\.json is not JSON/,
    ],
  ])('answers 503 naming the fault for %s', async (_, spoil, message) => {
    // Fixture bytes differ from the served example's: lengths in the expected messages are ori_net.mindir's.
    const files = publishedFiles('m', '1');
    spoil(files);
    const { repository: repo, sessions } = repository(new MemoryBucket(files), 'm@1');
    const error = await failure(repo.resolve('m'));
    expect(error.status).toBe(503);
    expect(error.message).toMatch(message);
    expect(sessions()).toBe(0);
  });

  it('says when nothing is published under a name', async () => {
    const { repository: repo } = repository(new MemoryBucket(), 'ghost');
    const error = await failure(repo.resolve('ghost'));
    expect(error.status).toBe(503);
    expect(error.message).toBe(
      'model ghost is unavailable: no published version of model ghost in the bucket (no models/ghost/<version>/mindlet.json): publish it with `mindlet publish`',
    );
  });

  it('tries a failed load again only after retryAfterMs', async () => {
    const files = publishedFiles('m', '1');
    const model = files.get('models/m/1/model.mindir')!;
    files.delete('models/m/1/model.mindir');
    const bucket = new MemoryBucket(files);
    const patient = repository(bucket, 'm').repository;
    const eager = repository(bucket, 'm', { retryAfterMs: 0 }).repository;
    expect((await failure(patient.resolve('m'))).status).toBe(503);
    expect((await failure(eager.resolve('m'))).status).toBe(503);
    bucket.objects.set('models/m/1/model.mindir', model);
    expect((await failure(patient.resolve('m'))).status).toBe(503);
    expect((await eager.resolve('m')).version).toBe('1');
  });
});

describe('MODELS and edge limits', () => {
  it('parses name and name@version lists', () => {
    expect(parseModelList(' lenet , resnet@2,lenet@1 ')).toEqual([
      { name: 'lenet' },
      { name: 'resnet', version: '2' },
      { name: 'lenet', version: '1' },
    ]);
    expect(() => parseModelList(' , ')).toThrow('MODELS is empty: name the models to serve, e.g. lenet or lenet@1');
    expect(() => parseModelList('a,a')).toThrow('MODELS names a twice');
    expect(() => parseModelList('../x')).toThrow(/invalid model name/);
    expect(() => parseModelList('a@')).toThrow(/invalid model version/);
  });

  it('bounds request bodies well under the isolate memory', () => {
    expect(edgeBodyLimit(undefined)).toBe(EDGE_DEFAULT_MAX_BODY_BYTES);
    expect(edgeBodyLimit(' 1048576 ')).toBe(1048576);
    // A request at the ceiling, parsed, and the runtime leave at least 40% of the isolate for models.
    const request = edgeMemoryEstimate({ weightBytes: 0, flops: 0 }, EDGE_MAX_BODY_BYTES_CEILING);
    expect(WORKERS_LIMITS.memoryBytes - request.totalBytes).toBeGreaterThanOrEqual(0.4 * WORKERS_LIMITS.memoryBytes);
    expect(EDGE_MAX_BODY_BYTES_CEILING).toBeLessThan(WORKERS_LIMITS.requestBodyBytes);
    expect(() => edgeBodyLimit(String(EDGE_MAX_BODY_BYTES_CEILING + 1))).toThrow(/MAX_BODY_BYTES must be an integer/);
    expect(() => edgeBodyLimit('1e6')).toThrow(/MAX_BODY_BYTES must be an integer/);
  });

  it('estimates a manifest: its file, its weights, activations and one request', () => {
    const manifest = manifestOf(publishedFiles('m', '1'), 'models/m/1/mindlet.json');
    const fit = checkEdgeFit(manifest);
    expect(fit.estimate.fileBytes).toBe(manifest.bytes);
    expect(fit.estimate.weightBytes).toBe(manifest.profile.parameterBytes);
    // ori_net: 4 KiB in, 40 B out; its FLOPs bound the activations from above.
    expect(fit.estimate.activationBytes).toBe(Math.ceil(Math.max(2 * (4096 + 40), manifest.profile.flops / 64)));
    expect(fit.estimate.overheadBytes).toBe(8 * 1024 * 1024 + 4 * EDGE_DEFAULT_MAX_BODY_BYTES);
    // A smaller body limit leaves room for a bigger model.
    const tight = checkEdgeFit(manifest, { maxBodyBytes: 1024 });
    expect(tight.estimate.totalBytes).toBeLessThan(fit.estimate.totalBytes);
  });
});
