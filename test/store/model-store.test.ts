import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { isMindletError } from '../../src/errors.js';
import { ModelStore } from '../../src/store/model-store.js';
import { createS3Client } from '../../src/store/s3-client.js';
import { type LocalS3, startLocalS3 } from '../tools/s3-server.js';

const MiB = 1024 * 1024;
const BUCKET = 'mindlet-store-test';

let s3: LocalS3;
const cleanup: Array<() => void> = [];

beforeAll(async () => {
  s3 = await startLocalS3();
  await s3.createBucket(BUCKET);
});
afterAll(async () => {
  await s3.stop();
});
afterEach(() => {
  for (const step of cleanup.splice(0)) step();
});

interface Counts {
  head: number;
  get: number;
  ranges: string[];
}

/** A client of its own for the local server, counting the requests the store sends. */
function countingClient(): { client: S3Client; counts: Counts } {
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  const counts: Counts = { head: 0, get: 0, ranges: [] };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'HeadObjectCommand') counts.head++;
      if (context.commandName === 'GetObjectCommand') {
        counts.get++;
        const range = (args.input as { Range?: string }).Range;
        if (range) counts.ranges.push(range);
      }
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  cleanup.push(() => client.destroy());
  return { client, counts };
}

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mindlet-cache-test-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function put(key: string, body: Uint8Array): Promise<void> {
  await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

function cacheEntries(dir: string): string[] {
  return readdirSync(dir).filter((name) => !name.startsWith('.'));
}

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

describe('ModelStore over S3', () => {
  test('a multi-part object downloads byte-exact with parallel ranged GETs, then is cached', async () => {
    const body = randomBytes(5 * MiB + 123);
    await put('multi/model.bin', body);
    const { client, counts } = countingClient();
    const cacheDir = tempDir();
    const store = new ModelStore({ s3: client, cacheDir, partSizeBytes: MiB, concurrency: 3 });
    const progress: number[] = [];
    const fetched = await store.fetch(`s3://${BUCKET}/multi/model.bin`, { onProgress: (done) => progress.push(done) });

    expect(fetched.from).toBe('s3');
    expect(fetched.size).toBe(body.byteLength);
    expect(Buffer.compare(Buffer.from(fetched.bytes), body)).toBe(0);
    expect(counts.head).toBe(1);
    expect(counts.get).toBe(6);
    const starts = counts.ranges.map((range) => Number(/^bytes=(\d+)-(\d+)$/.exec(range)![1])).sort((a, b) => a - b);
    expect(starts).toEqual([0, 1, 2, 3, 4, 5].map((part) => part * MiB));
    expect(progress.at(-1)).toBe(body.byteLength);
    expect(progress.every((done, i) => i === 0 || done >= progress[i - 1]!)).toBe(true);
    // The cache file holds exactly the bytes returned.
    expect(path.dirname(fetched.path)).toBe(cacheDir);
    expect(Buffer.compare(readFileSync(fetched.path), body)).toBe(0);
    store.close();
  });

  test('a second fetch and a new store on the same cache directory skip the download after one HEAD', async () => {
    const body = randomBytes(3 * MiB);
    await put('warm/model.bin', body);
    const cacheDir = tempDir();
    const first = countingClient();
    const store = new ModelStore({ s3: first.client, cacheDir, partSizeBytes: MiB });
    expect((await store.fetch(`s3://${BUCKET}/warm/model.bin`)).from).toBe('s3');
    const getsAfterDownload = first.counts.get;

    const again = await store.fetch(`s3://${BUCKET}/warm/model.bin`);
    expect(again.from).toBe('cache');
    expect(Buffer.compare(Buffer.from(again.bytes), body)).toBe(0);
    expect(first.counts.get).toBe(getsAfterDownload);
    expect(first.counts.head).toBe(2);
    store.close();

    const second = countingClient();
    const restarted = new ModelStore({ s3: second.client, cacheDir, partSizeBytes: MiB });
    const cold = await restarted.fetch(`s3://${BUCKET}/warm/model.bin`);
    expect(cold.from).toBe('cache');
    expect(Buffer.compare(Buffer.from(cold.bytes), body)).toBe(0);
    expect(second.counts).toEqual({ head: 1, get: 0, ranges: [] });
    restarted.close();
  });

  test('an overwritten object (new ETag) is downloaded again', async () => {
    const uri = `s3://${BUCKET}/changing/model.bin`;
    await put('changing/model.bin', randomBytes(2 * MiB));
    const { client } = countingClient();
    const store = new ModelStore({ s3: client, cacheDir: tempDir(), partSizeBytes: MiB });
    const before = await store.fetch(uri);
    const replacement = randomBytes(2 * MiB + 7);
    await put('changing/model.bin', replacement);
    const after = await store.fetch(uri);
    expect(after.etag).not.toBe(before.etag);
    expect(after.from).toBe('s3');
    expect(Buffer.compare(Buffer.from(after.bytes), replacement)).toBe(0);
    expect((await store.fetch(uri)).from).toBe('cache');
  });

  test('an object replaced mid-download is fetched again whole, with the new ETag', async () => {
    const key = 'mid/model.bin';
    await put(key, randomBytes(4 * MiB));
    const replacement = randomBytes(4 * MiB);
    const { client, counts } = countingClient();
    let gets = 0;
    // Replace the object once the first part has been read, before the second is asked for.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'GetObjectCommand' && ++gets === 2) await put(key, replacement);
        return next(args);
      },
      { step: 'initialize', name: 'replaceObject' },
    );
    const store = new ModelStore({ s3: client, cacheDir: tempDir(), partSizeBytes: MiB, concurrency: 1 });
    const fetched = await store.fetch(`s3://${BUCKET}/${key}`);
    expect(Buffer.compare(Buffer.from(fetched.bytes), replacement)).toBe(0);
    expect(counts.head).toBe(2);
    expect(counts.get).toBeGreaterThan(4);
    expect(Buffer.compare(readFileSync(fetched.path), replacement)).toBe(0);
  });

  test('a part whose body breaks off mid-stream is fetched again, and progress does not count it twice', async () => {
    const body = randomBytes(3 * MiB);
    await put('flaky/model.bin', body);
    const { client, counts } = countingClient();
    let broken = false;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName !== 'GetObjectCommand' || broken) return result;
        broken = true;
        const original = (result.output as { Body: AsyncIterable<Uint8Array> & { destroy(): void } }).Body;
        (result.output as { Body: unknown }).Body = {
          async *[Symbol.asyncIterator]() {
            for await (const chunk of original) {
              yield chunk;
              throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
            }
          },
          destroy: () => original.destroy(),
        };
        return result;
      },
      { step: 'initialize', name: 'breakFirstBody' },
    );
    const store = new ModelStore({ s3: client, cacheDir: tempDir(), partSizeBytes: MiB, concurrency: 2 });
    const progress: number[] = [];
    const fetched = await store.fetch(`s3://${BUCKET}/flaky/model.bin`, { onProgress: (done) => progress.push(done) });
    expect(Buffer.compare(Buffer.from(fetched.bytes), body)).toBe(0);
    expect(counts.get).toBe(4);
    expect(Math.max(...progress)).toBe(body.byteLength);
    expect(progress.at(-1)).toBe(body.byteLength);
  });

  test('a cache entry with the wrong size is downloaded again', async () => {
    const body = randomBytes(MiB + 5);
    await put('short/model.bin', body);
    const { client } = countingClient();
    const cacheDir = tempDir();
    const store = new ModelStore({ s3: client, cacheDir });
    const first = await store.fetch(`s3://${BUCKET}/short/model.bin`);
    truncateSync(first.path, 100);
    const again = await store.fetch(`s3://${BUCKET}/short/model.bin`);
    expect(again.from).toBe('s3');
    expect(Buffer.compare(readFileSync(again.path), body)).toBe(0);
  });

  test('concurrent fetches of one object share one download', async () => {
    const body = randomBytes(3 * MiB);
    await put('shared/model.bin', body);
    const { client, counts } = countingClient();
    const store = new ModelStore({ s3: client, cacheDir: tempDir(), partSizeBytes: MiB });
    const uri = `s3://${BUCKET}/shared/model.bin`;
    const results = await Promise.all([store.fetch(uri), store.fetch(uri), store.fetch(uri)]);
    for (const result of results) expect(Buffer.compare(Buffer.from(result.bytes), body)).toBe(0);
    expect(counts.head).toBe(1);
    expect(counts.get).toBe(3);
  });

  test('one caller aborting does not cancel the download another caller waits for', async () => {
    const body = randomBytes(3 * MiB);
    await put('shared-abort/model.bin', body);
    const { client } = countingClient();
    const store = new ModelStore({ s3: client, cacheDir: tempDir(), partSizeBytes: MiB, concurrency: 1 });
    const uri = `s3://${BUCKET}/shared-abort/model.bin`;
    const controller = new AbortController();
    const aborted = store.fetch(uri, { signal: controller.signal, onProgress: () => controller.abort() });
    const kept = store.fetch(uri);
    expect((await rejection(aborted)).name).toBe('AbortError');
    expect(Buffer.compare(Buffer.from((await kept).bytes), body)).toBe(0);
  });

  test('an aborted download leaves no cache entry and no temp file', async () => {
    await put('abort/model.bin', randomBytes(4 * MiB));
    const { client } = countingClient();
    const cacheDir = tempDir();
    const store = new ModelStore({ s3: client, cacheDir, partSizeBytes: MiB, concurrency: 1 });
    const controller = new AbortController();
    const error = await rejection(
      store.fetch(`s3://${BUCKET}/abort/model.bin`, {
        signal: controller.signal,
        onProgress: (done) => {
          if (done > 0) controller.abort();
        },
      }),
    );
    expect(error.name).toBe('AbortError');
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  test('least recently used entries are evicted to stay under the cap; oversized objects are not cached', async () => {
    for (const name of ['a', 'b', 'c', 'big']) await put(`lru/${name}`, randomBytes(name === 'big' ? 4 * MiB : MiB));
    const { client } = countingClient();
    const cacheDir = tempDir();
    const store = new ModelStore({ s3: client, cacheDir, cacheMaxBytes: 2.5 * MiB });
    const a = await store.fetch(`s3://${BUCKET}/lru/a`);
    const b = await store.fetch(`s3://${BUCKET}/lru/b`);
    // Make b older than a, as if a had been used after it.
    utimesSync(b.path, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    expect((await store.fetch(`s3://${BUCKET}/lru/a`)).from).toBe('cache');
    const c = await store.fetch(`s3://${BUCKET}/lru/c`);
    expect(cacheEntries(cacheDir).sort()).toEqual([path.basename(a.path), path.basename(c.path)].sort());
    expect((await store.fetch(`s3://${BUCKET}/lru/b`)).from).toBe('s3');

    const big = await store.fetch(`s3://${BUCKET}/lru/big`);
    expect(big.from).toBe('s3');
    expect(big.bytes.byteLength).toBe(4 * MiB);
    expect(big.path).toBe('');
    expect(
      cacheEntries(cacheDir).reduce((sum, name) => sum + readFileSync(path.join(cacheDir, name)).length, 0),
    ).toBeLessThanOrEqual(2.5 * MiB);
    expect((await store.fetch(`s3://${BUCKET}/lru/big`)).from).toBe('s3');
  });

  test('missing objects and buckets are NOT_FOUND naming the URI', async () => {
    const { client } = countingClient();
    const store = new ModelStore({ s3: client, cacheDir: tempDir() });
    for (const uri of [`s3://${BUCKET}/no/such/model.mindir`, 's3://no-such-bucket-here/model.mindir']) {
      const error = await rejection(store.fetch(uri));
      expect(isMindletError(error)).toBe(true);
      expect(error.code).toBe('NOT_FOUND');
      expect(error.message).toContain(uri);
      expect((await rejection(store.head(uri))).code).toBe('NOT_FOUND');
    }
  });

  test('maxBytes refuses an object before any GET', async () => {
    await put('limit/model.bin', randomBytes(2048));
    const { client, counts } = countingClient();
    const store = new ModelStore({ s3: client, cacheDir: tempDir() });
    const error = await rejection(store.fetch(`s3://${BUCKET}/limit/model.bin`, { maxBytes: 1000 }));
    expect(error.code).toBe('LIMIT_EXCEEDED');
    expect(counts.get).toBe(0);
    const version = await store.head(`s3://${BUCKET}/limit/model.bin`);
    expect(version.size).toBe(2048);
    expect(version.etag).toMatch(/\S/);
  });

  test('the endpoint comes from AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL', async () => {
    await put('env/model.bin', Buffer.from('from the environment'));
    for (const variable of ['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL']) {
      vi.stubEnv('AWS_ENDPOINT_URL_S3', '');
      vi.stubEnv('AWS_ENDPOINT_URL', '');
      for (const [name, value] of Object.entries(s3.env))
        if (!name.startsWith('AWS_ENDPOINT_URL')) vi.stubEnv(name, value);
      vi.stubEnv(variable, s3.endpoint);
      const store = new ModelStore({ cacheDir: tempDir() });
      try {
        const fetched = await store.fetch(`s3://${BUCKET}/env/model.bin`);
        expect(Buffer.from(fetched.bytes).toString()).toBe('from the environment');
      } finally {
        store.close();
        vi.unstubAllEnvs();
      }
    }
  });

  test('createS3Client uses path style for IP endpoints and when asked', async () => {
    const local = createS3Client({ endpoint: 'http://127.0.0.1:9000' });
    const remote = createS3Client({ endpoint: 'https://s3.example.com' });
    const forced = createS3Client({ endpoint: 'https://s3.example.com', forcePathStyle: true });
    expect(local.config.forcePathStyle).toBe(true);
    expect(remote.config.forcePathStyle).toBe(false);
    expect(forced.config.forcePathStyle).toBe(true);
    expect(await local.config.region()).toBeTypeOf('string');
    for (const client of [local, remote, forced]) client.destroy();
  });
});

describe('ModelStore over local files', () => {
  test('a local file is read once, with a stable ETag that changes with the file', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'model.mindir');
    writeFileSync(file, randomBytes(1000));
    const store = new ModelStore({ cacheDir: tempDir() });
    const first = await store.fetch(file);
    expect(first).toMatchObject({ from: 'local', path: file, size: 1000 });
    expect(Buffer.compare(Buffer.from(first.bytes), readFileSync(file))).toBe(0);
    expect((await store.head(file)).etag).toBe(first.etag);
    expect((await store.fetch(`file://${file}`)).etag).toBe(first.etag);
    writeFileSync(file, randomBytes(1001));
    expect((await store.head(file)).etag).not.toBe(first.etag);
    expect((await rejection(store.fetch(file, { maxBytes: 10 }))).code).toBe('LIMIT_EXCEEDED');
    expect((await rejection(store.fetch(path.join(dir, 'missing.mindir')))).code).toBe('NOT_FOUND');
    expect((await rejection(store.fetch(dir))).code).toBe('INVALID_ARGUMENT');
  });
});

describe('readManifest', () => {
  test('absent is undefined; malformed is INVALID_FORMAT, for S3 and local files', async () => {
    const { client } = countingClient();
    const store = new ModelStore({ s3: client, cacheDir: tempDir() });
    expect(await store.readManifest(`s3://${BUCKET}/nomanifest/model.mindir`)).toBeUndefined();
    await put('badmanifest/mindlet.json', Buffer.from('{"manifestVersion": 1, '));
    expect((await rejection(store.readManifest(`s3://${BUCKET}/badmanifest/model.mindir`))).code).toBe(
      'INVALID_FORMAT',
    );
    await put('wrongmanifest/mindlet.json', Buffer.from('{"manifestVersion": 1, "name": "x"}'));
    const wrong = await rejection(store.readManifest(`s3://${BUCKET}/wrongmanifest/model.mindir`));
    expect(wrong.code).toBe('INVALID_FORMAT');
    expect(wrong.message).toContain('version');

    const dir = tempDir();
    expect(await store.readManifest(path.join(dir, 'model.mindir'))).toBeUndefined();
    writeFileSync(path.join(dir, 'mindlet.json'), '[]');
    expect((await rejection(store.readManifest(path.join(dir, 'model.mindir')))).code).toBe('INVALID_FORMAT');
  });
});
