import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { MindletError } from '../../src/errors.js';
import { readJsonObject, writeJsonObject } from '../../src/store/json-objects.js';
import { ModelStore } from '../../src/store/model-store.js';
import { ObjectChangedError, TransientStoreError } from '../../src/store/object-errors.js';
import { headObject } from '../../src/store/object-head.js';
import { type ListedObject, listObjects } from '../../src/store/object-listing.js';
import { openObjectSink } from '../../src/store/object-sink.js';
import { openObjectSource } from '../../src/store/object-source.js';
import { createTestS3Client, type FaultProxy, startFaultProxy } from '../tools/fault-proxy.js';
import { type LocalS3, startLocalS3 } from '../tools/s3-server.js';
import { allowS3rverContinuationTokens } from '../tools/s3rver-list-shim.js';

const BUCKET = 'stream-test';
const MiB = 1024 * 1024;

let s3: LocalS3;
let proxy: FaultProxy;
/** Talks to s3rver through the fault proxy, with quick SDK retries. */
let client: S3Client;
let restoreCrypto: () => void;
let temp: string;

beforeAll(async () => {
  restoreCrypto = allowS3rverContinuationTokens();
  s3 = await startLocalS3();
  await s3.createBucket(BUCKET);
  proxy = await startFaultProxy(s3.endpoint);
  client = createTestS3Client(proxy.endpoint);
  temp = mkdtempSync(path.join(os.tmpdir(), 'mindlet-object-io-'));
});

afterAll(async () => {
  client?.destroy();
  await proxy?.stop();
  await s3?.stop();
  restoreCrypto?.();
  if (temp) rmSync(temp, { recursive: true, force: true });
});

beforeEach(() => proxy.reset());

async function put(key: string, body: Uint8Array | string): Promise<void> {
  await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

async function getBytes(key: string): Promise<Buffer> {
  const response = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await response.Body!.transformToByteArray());
}

async function exists(key: string): Promise<boolean> {
  return s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })).then(
    () => true,
    () => false,
  );
}

async function drain(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const found: T[] = [];
  for await (const item of items) found.push(item);
  return found;
}

function gets(key: string) {
  return proxy.requests.filter((r) => r.method === 'GET' && r.path === `/${BUCKET}/${key}`);
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await sleep(10);
  expect(condition()).toBe(true);
}

describe('S3 sources', () => {
  test('whole and ranged reads give the stored bytes, and the version of the HEAD', async () => {
    const bytes = randomBytes(100_000);
    await put('read/whole.bin', bytes);
    const source = await openObjectSource(`s3://${BUCKET}/read/whole.bin`, { s3: client });
    expect(source.size).toBe(bytes.byteLength);
    expect(source.etag).toMatch(/^".+"$/);
    expect((await drain(source.stream())).equals(bytes)).toBe(true);
    expect((await drain(source.stream(99_000))).equals(bytes.subarray(99_000))).toBe(true);
    expect(Buffer.from(await source.read(10, 20)).equals(bytes.subarray(10, 20))).toBe(true);
    expect(Buffer.from(await source.read(12_345, 67_890)).equals(bytes.subarray(12_345, 67_890))).toBe(true);
    expect((await source.read(5, 5)).byteLength).toBe(0);
    await expect(source.read(10, 100_001)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(source.read(20, 10)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(gets('read/whole.bin').map((r) => r.range)).toContain('bytes=10-19');
    expect(source.resumes).toBe(0);
  });

  test('a 12 MiB body cut off mid-way twice is resumed from the next byte, and comes out identical', async () => {
    const bytes = randomBytes(12 * MiB);
    await put('read/big.bin', bytes);
    proxy.rules.push({
      method: 'GET',
      path: /\/read\/big\.bin$/,
      nth: 1,
      times: 2,
      action: { kind: 'drop-mid-body', afterBytes: 3 * MiB },
    });
    const resumed: number[] = [];
    const source = await openObjectSource(`s3://${BUCKET}/read/big.bin`, {
      s3: client,
      resumeBackoffMs: 5,
      onResume: (event) => resumed.push(event.offset),
    });
    const read = await drain(source.stream());
    expect(read.equals(bytes)).toBe(true);
    expect(source.resumes).toBe(2);
    expect(proxy.injected['drop-mid-body']).toBe(2);
    expect(resumed).toEqual([3 * MiB, 6 * MiB]);
    expect(gets('read/big.bin').map((r) => r.range)).toEqual([
      `bytes=0-${12 * MiB - 1}`,
      `bytes=${3 * MiB}-${12 * MiB - 1}`,
      `bytes=${6 * MiB}-${12 * MiB - 1}`,
    ]);
  });

  test('503 SlowDown and 500 on HEAD and GET are retried by the SDK', async () => {
    const bytes = randomBytes(5000);
    await put('read/retry.bin', bytes);
    proxy.rules.push(
      { method: 'HEAD', nth: 1, action: { kind: 'status', status: 503 } },
      { method: 'GET', nth: 1, times: 2, action: { kind: 'status', status: 500 } },
      { method: 'GET', nth: 1, action: { kind: 'status', status: 503 } },
    );
    const source = await openObjectSource(`s3://${BUCKET}/read/retry.bin`, { s3: client });
    expect(Buffer.from(await source.read(0, source.size)).equals(bytes)).toBe(true);
    expect(proxy.injected.status).toBe(4);
    expect(proxy.requests.filter((r) => r.method === 'HEAD')).toHaveLength(2);
    expect(gets('read/retry.bin').map((r) => r.fault)).toEqual(['status', 'status', 'status', undefined]);
  });

  test('a stalled body, and a response that does not come, are resumed after stallTimeoutMs', async () => {
    const bytes = randomBytes(2 * MiB);
    await put('read/stall.bin', bytes);
    proxy.rules.push({ method: 'GET', nth: 1, action: { kind: 'stall', afterBytes: 256 * 1024 } });
    const source = await openObjectSource(`s3://${BUCKET}/read/stall.bin`, {
      s3: client,
      stallTimeoutMs: 300,
      resumeBackoffMs: 5,
    });
    expect((await drain(source.stream())).equals(bytes)).toBe(true);
    expect(source.resumes).toBe(1);
    expect(gets('read/stall.bin')[1]?.range).toBe(`bytes=${256 * 1024}-${2 * MiB - 1}`);

    proxy.reset();
    proxy.rules.push({ method: 'GET', nth: 1, action: { kind: 'delay', ms: 3000 } });
    expect((await drain(source.stream(MiB))).equals(bytes.subarray(MiB))).toBe(true);
    expect(source.resumes).toBe(2);
    expect(proxy.injected.delay).toBe(1);
  });

  test('an object overwritten after the HEAD fails the stream with ObjectChangedError', async () => {
    await put('read/changing.bin', randomBytes(1000));
    const source = await openObjectSource(`s3://${BUCKET}/read/changing.bin`, { s3: client });
    await put('read/changing.bin', randomBytes(1000));
    await expect(drain(source.stream())).rejects.toBeInstanceOf(ObjectChangedError);
    await expect(source.read(0, 10)).rejects.toBeInstanceOf(ObjectChangedError);
  });

  test('an object overwritten mid-stream is noticed when the broken body is resumed, never spliced', async () => {
    await put('read/spliced.bin', randomBytes(4 * MiB));
    proxy.rules.push({ method: 'GET', nth: 1, action: { kind: 'drop-mid-body', afterBytes: MiB } });
    // s3rver overwrites the file it is serving, so its body may also stop short: a stall, resumed like a drop.
    const source = await openObjectSource(`s3://${BUCKET}/read/spliced.bin`, {
      s3: client,
      resumeBackoffMs: 5,
      stallTimeoutMs: 500,
    });
    let overwritten = false;
    const reading = (async () => {
      for await (const _chunk of source.stream()) {
        if (overwritten) continue;
        overwritten = true;
        await put('read/spliced.bin', randomBytes(4 * MiB));
      }
    })();
    const error = await reading.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ObjectChangedError);
    expect((error as ObjectChangedError).code).toBe('OBJECT_CHANGED');
  });

  test('a missing object is NOT_FOUND, naming the URI', async () => {
    const uri = `s3://${BUCKET}/read/missing.bin`;
    const error = await openObjectSource(uri, { s3: client }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MindletError);
    expect(error).toMatchObject({ code: 'NOT_FOUND' });
    expect((error as Error).message).toContain(uri);
  });

  test('a body that keeps breaking off fails with TransientStoreError after maxResumes', async () => {
    await put('read/flaky.bin', randomBytes(4 * MiB));
    proxy.rules.push({ method: 'GET', action: { kind: 'drop-mid-body', afterBytes: MiB / 2 } });
    const source = await openObjectSource(`s3://${BUCKET}/read/flaky.bin`, {
      s3: client,
      maxResumes: 2,
      resumeBackoffMs: 5,
    });
    const error = await drain(source.stream()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransientStoreError);
    expect(error).not.toBeInstanceOf(ObjectChangedError);
    expect(source.resumes).toBe(2);
    expect(proxy.injected['drop-mid-body']).toBe(3);
  });

  test('errors are sorted: 5xx past the SDK retries is transient, 403 is a permanent NOT_FOUND', async () => {
    await put('read/errors.bin', randomBytes(100));
    const source = await openObjectSource(`s3://${BUCKET}/read/errors.bin`, { s3: client });
    proxy.rules.push({ method: 'GET', action: { kind: 'status', status: 500 } });
    await expect(source.read(0, 100)).rejects.toBeInstanceOf(TransientStoreError);
    expect(gets('read/errors.bin')).toHaveLength(4); // createTestS3Client: 4 attempts

    proxy.reset();
    proxy.rules.push({ method: 'GET', action: { kind: 'reset' } });
    await expect(source.read(0, 100)).rejects.toBeInstanceOf(TransientStoreError);

    proxy.reset();
    proxy.rules.push({ method: 'HEAD', action: { kind: 'status', status: 403 } });
    const denied = await openObjectSource(`s3://${BUCKET}/read/errors.bin`, { s3: client }).catch((e: unknown) => e);
    // Was INVALID_ARGUMENT here but NOT_FOUND in ModelStore; the store now has one mapping: S3 answers 403 for a
    // missing key when the caller may not list the bucket, so a 403 is NOT_FOUND with a message naming both causes.
    expect(denied).toMatchObject({ code: 'NOT_FOUND' });
    expect((denied as Error).message).toContain(
      `s3://${BUCKET}/read/errors.bin: access denied (the object may not exist`,
    );
    expect((denied as Error).message).toContain('s3:ListBucket');
  });

  test('ModelStore sorts S3 errors as sources do: one mapper for the store', async () => {
    await put('read/model.bin', randomBytes(100));
    const uri = `s3://${BUCKET}/read/model.bin`;
    const store = new ModelStore({ s3: client, cacheDir: path.join(temp, 'model-cache') });
    proxy.rules.push({ method: 'HEAD', action: { kind: 'status', status: 403 } });
    const fromSource = await openObjectSource(uri, { s3: client }).catch((e: unknown) => e);
    for (const attempt of [() => store.fetch(uri), () => store.head(uri)]) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MindletError);
      expect(error).toMatchObject({ code: 'NOT_FOUND', message: (fromSource as Error).message });
    }
    proxy.reset();
    // A manifest that may exist but cannot be read is an error, not "no manifest".
    proxy.rules.push({ method: 'GET', action: { kind: 'status', status: 403 } });
    await expect(store.readManifest(uri)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    proxy.reset();
    proxy.rules.push({ method: 'HEAD', action: { kind: 'status', status: 500 } });
    await expect(store.head(uri)).rejects.toBeInstanceOf(TransientStoreError);
    store.close();
  });
});

describe('S3 sinks', () => {
  test('a 20 MiB multipart upload through 5 MiB parts survives a 500 on one part, byte for byte', async () => {
    const total = 20 * MiB + 12_345;
    const expected = randomBytes(total);
    proxy.rules.push({ method: 'PUT', query: 'partNumber=2', nth: 1, action: { kind: 'status', status: 500 } });
    const sink = await openObjectSink(`s3://${BUCKET}/upload/big.bin`, {
      s3: client,
      partBytes: 5 * MiB,
      queueSize: 2,
      contentType: 'application/octet-stream',
    });
    // One buffer, refilled for every write: the sink must not keep a reference to it.
    const buffer = Buffer.alloc(MiB + 7);
    for (let at = 0; at < total; at += buffer.byteLength) {
      const piece = expected.subarray(at, at + buffer.byteLength);
      piece.copy(buffer);
      await sink.write(buffer.subarray(0, piece.byteLength));
      buffer.fill(0xee);
    }
    const result = await sink.close();
    expect(result.bytes).toBe(total);
    expect(result.etag).toMatch(/^".+"$/);
    expect((await getBytes('upload/big.bin')).equals(expected)).toBe(true);
    expect(proxy.injected.status).toBe(1);
    const parts = proxy.requests.filter((r) => r.method === 'PUT' && r.query.includes('partNumber='));
    expect(parts.filter((r) => /partNumber=2(&|$)/.test(r.query))).toHaveLength(2);
    expect(new Set(parts.map((r) => /partNumber=(\d+)/.exec(r.query)?.[1]))).toEqual(
      new Set(['1', '2', '3', '4', '5']),
    );
  });

  test('a small output is one PutObject', async () => {
    const bytes = randomBytes(1000);
    const sink = await openObjectSink(`s3://${BUCKET}/upload/small.bin`, { s3: client });
    await sink.write(bytes.subarray(0, 400));
    await sink.write(bytes.subarray(400));
    expect(await sink.close()).toMatchObject({ bytes: 1000 });
    expect((await getBytes('upload/small.bin')).equals(bytes)).toBe(true);
    expect(proxy.requests.map((r) => r.method)).toEqual(['PUT']);
  });

  test('abort aborts the multipart upload it created and leaves no object', async () => {
    // s3rver implements neither AbortMultipartUpload nor ListMultipartUploads (405 / NotImplemented), so the proxy
    // answers the abort as S3 does, and the test checks that it was sent for the upload the parts went to.
    proxy.rules.push({ method: 'DELETE', query: 'uploadId=', action: { kind: 'status', status: 204 } });
    const cleanupErrors: unknown[] = [];
    const sink = await openObjectSink(`s3://${BUCKET}/upload/aborted.bin`, {
      s3: client,
      partBytes: 5 * MiB,
      onCleanupError: (error) => cleanupErrors.push(error),
    });
    const chunk = randomBytes(MiB);
    for (let i = 0; i < 12; i++) await sink.write(chunk);
    await until(() => proxy.requests.some((r) => r.method === 'PUT' && r.query.includes('partNumber=')));
    await sink.abort(new Error('test abort'));
    await sink.abort();
    expect(cleanupErrors).toEqual([]);
    expect(await exists('upload/aborted.bin')).toBe(false);
    const uploadIds = new Set(
      proxy.requests
        .filter((r) => r.method === 'PUT' && r.query.includes('partNumber='))
        .map((r) => new URLSearchParams(r.query).get('uploadId')),
    );
    expect(uploadIds.size).toBe(1);
    const aborts = proxy.requests.filter((r) => r.method === 'DELETE');
    expect(aborts.length).toBeGreaterThanOrEqual(1);
    expect(aborts.every((r) => uploadIds.has(new URLSearchParams(r.query).get('uploadId')))).toBe(true);
    expect(proxy.requests.some((r) => r.method === 'POST' && /(^|&)uploadId=/.test(r.query))).toBe(false); // never completed
    await expect(sink.write(chunk)).rejects.toThrow(/after abort/);
    await expect(sink.close()).rejects.toThrow(/after abort/);
  });

  test('an abort the server refuses is reported to onCleanupError, and abort still resolves', async () => {
    const cleanupErrors: unknown[] = [];
    const sink = await openObjectSink(`s3://${BUCKET}/upload/refused.bin`, {
      s3: client,
      partBytes: 5 * MiB,
      onCleanupError: (error) => cleanupErrors.push(error),
    });
    for (let i = 0; i < 6; i++) await sink.write(randomBytes(MiB));
    await until(() => proxy.requests.some((r) => r.method === 'PUT' && r.query.includes('partNumber=')));
    await sink.abort();
    expect(cleanupErrors.length).toBeGreaterThanOrEqual(1); // s3rver answers 405 to AbortMultipartUpload
    expect(await exists('upload/refused.bin')).toBe(false);
  });

  test('a part that fails past the SDK retries fails the writes, and close reports it as transient', async () => {
    proxy.rules.push({ method: 'PUT', query: 'partNumber=1', action: { kind: 'status', status: 500 } });
    const sink = await openObjectSink(`s3://${BUCKET}/upload/failing.bin`, { s3: client, partBytes: 5 * MiB });
    const chunk = randomBytes(MiB);
    let writeError: unknown;
    for (let i = 0; i < 200 && writeError === undefined; i++)
      await sink.write(chunk).catch((e: unknown) => (writeError = e));
    expect(writeError).toBeInstanceOf(TransientStoreError);
    await expect(sink.close()).rejects.toBeInstanceOf(TransientStoreError);
    await sink.abort();
    expect(await exists('upload/failing.bin')).toBe(false);
  });
});

describe('local files', () => {
  test('a local sink shows nothing until close, then renames into place; abort removes its temp file', async () => {
    const folder = path.join(temp, 'sink', 'nested');
    const target = path.join(folder, 'a.bin');
    const sink = await openObjectSink(target);
    const bytes = randomBytes(300_000);
    await sink.write(bytes.subarray(0, 100_000));
    await sink.write(bytes.subarray(100_000));
    const during = readdirSync(folder);
    expect(during).toHaveLength(1);
    expect(during[0]).toMatch(/^a\.bin\.[0-9a-f]{12}\.tmp$/);
    const result = await sink.close();
    expect(readdirSync(folder)).toEqual(['a.bin']);
    expect(readFileSync(target).equals(bytes)).toBe(true);
    expect(result).toEqual({ etag: (await headObject(target))!.etag, bytes: bytes.byteLength });

    const aborted = await openObjectSink(pathToFileURL(path.join(folder, 'b.bin')).href);
    await aborted.write(bytes);
    await aborted.abort(new Error('test abort'));
    await aborted.abort();
    expect(readdirSync(folder)).toEqual(['a.bin']);
    await expect(aborted.write(bytes)).rejects.toThrow(/after abort/);
    await expect(openObjectSink(folder)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  test('a local source streams ranges pinned to the file version; missing is NOT_FOUND, a folder INVALID_ARGUMENT', async () => {
    const file = path.join(temp, 'source.bin');
    const bytes = randomBytes(200_000);
    writeFileSync(file, bytes);
    const source = await openObjectSource(file);
    expect(source.size).toBe(bytes.byteLength);
    expect(source.etag).toBe((await headObject(pathToFileURL(file).href))!.etag);
    expect((await drain(source.stream())).equals(bytes)).toBe(true);
    expect(Buffer.from(await source.read(1000, 150_000)).equals(bytes.subarray(1000, 150_000))).toBe(true);
    writeFileSync(file, randomBytes(100));
    await expect(drain(source.stream())).rejects.toBeInstanceOf(ObjectChangedError);
    await expect(openObjectSource(path.join(temp, 'missing.bin'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(openObjectSource(temp)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('listing', () => {
  test('an S3 prefix is listed page by page in key order; nested keys are kept, bad keys skipped', async () => {
    const good = ['list/a.txt', 'list/b.txt', 'list/c/d.txt', 'list/c/e/f.txt', 'list/z.txt'];
    for (const key of [...good, 'list/bad\u0001.txt', 'list/folder/', 'listing.txt', 'other/x.txt'])
      await put(key, `body of ${key}`);
    const listed = await all(listObjects(`s3://${BUCKET}/list/`, { s3: client, pageSize: 2 }));
    expect(listed.map((o) => o.relativeKey)).toEqual(['a.txt', 'b.txt', 'c/d.txt', 'c/e/f.txt', 'z.txt']);
    expect(listed.map((o) => o.uri)).toEqual(good.map((key) => `s3://${BUCKET}/${key}`));
    expect(listed[0]).toMatchObject({
      size: Buffer.byteLength('body of list/a.txt'),
      etag: expect.stringMatching(/^".+"$/),
    });
    expect(listed[0]!.lastModified).toBeInstanceOf(Date);
    // 7 keys under the prefix, 2 a page.
    expect(proxy.requests.filter((r) => r.method === 'GET' && r.query.includes('list-type=2'))).toHaveLength(4);

    const one = await all(listObjects(`s3://${BUCKET}/list/c/d.txt`, { s3: client }));
    expect(one.map((o) => [o.relativeKey, o.uri])).toEqual([['d.txt', `s3://${BUCKET}/list/c/d.txt`]]);
    const folder = await all(listObjects(`s3://${BUCKET}/list/c`, { s3: client }));
    expect(folder.map((o) => o.relativeKey)).toEqual(['d.txt', 'e/f.txt']);
    await expect(all(listObjects(`s3://${BUCKET}/list/nothing`, { s3: client }))).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  test('a local folder is walked in key order; control-character names and links to folders are skipped', async () => {
    const root = path.join(temp, 'walk');
    mkdirSync(path.join(root, 'a', 'd'), { recursive: true });
    for (const name of ['b.txt', 'a.txt', 'a/c.txt', 'a/d/e.bin', 'bad\u0001.txt'])
      writeFileSync(path.join(root, name), name);
    symlinkSync(path.join(root, 'a'), path.join(root, 'link'));
    symlinkSync(path.join(root, 'b.txt'), path.join(root, 'flink'));
    const listed: ListedObject[] = await all(listObjects(root));
    expect(listed.map((o) => o.relativeKey)).toEqual(['a.txt', 'a/c.txt', 'a/d/e.bin', 'b.txt', 'flink']);
    expect(listed[1]).toMatchObject({
      uri: pathToFileURL(path.join(root, 'a', 'c.txt')).href,
      size: 'a/c.txt'.length,
      etag: (await headObject(path.join(root, 'a', 'c.txt')))!.etag,
    });
    const single = await all(listObjects(path.join(root, 'a', 'c.txt')));
    expect(single.map((o) => o.relativeKey)).toEqual(['c.txt']);
    await expect(all(listObjects(path.join(root, 'missing')))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('small JSON objects', () => {
  test('write and read back on S3 and on disk; missing is undefined; bad JSON and oversize are refused', async () => {
    const status = { state: 'done', records: { ok: 3, failed: 1 }, errors: [{ record: 2, error: 'bad' }] };
    for (const uri of [`s3://${BUCKET}/json/a.status.json`, path.join(temp, 'json', 'a.status.json')]) {
      const written = await writeJsonObject(uri, status, { s3: client });
      expect(written.etag).toBeTruthy();
      expect(await readJsonObject(uri, { s3: client })).toEqual({ value: status, etag: written.etag });
      expect((await headObject(uri, { s3: client }))?.etag).toBe(written.etag);
      await expect(readJsonObject(uri, { s3: client, maxBytes: 10 })).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
    }
    expect(await readJsonObject(`s3://${BUCKET}/json/missing.json`, { s3: client })).toBeUndefined();
    expect(await readJsonObject(path.join(temp, 'json', 'missing.json'))).toBeUndefined();
    expect(await headObject(`s3://${BUCKET}/json/missing.json`, { s3: client })).toBeUndefined();
    await put('json/bad.json', 'not json {');
    await expect(readJsonObject(`s3://${BUCKET}/json/bad.json`, { s3: client })).rejects.toMatchObject({
      code: 'INVALID_FORMAT',
    });
    await expect(writeJsonObject(`s3://${BUCKET}/json/u.json`, undefined, { s3: client })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });
});
