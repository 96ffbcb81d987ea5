import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import { isMindletError } from '../../src/errors.js';
import { parseModelUri, parseS3Prefix, siblingLocation } from '../../src/store/uri.js';

function invalid(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(isMindletError(error)).toBe(true);
    expect((error as { code: string }).code).toBe('INVALID_ARGUMENT');
    return (error as Error).message;
  }
  throw new Error('expected INVALID_ARGUMENT');
}

describe('parseModelUri', () => {
  test('s3 URIs keep bucket and key as written', () => {
    expect(parseModelUri('s3://my-bucket/models/lenet/1/model.mindir')).toEqual({
      kind: 's3',
      bucket: 'my-bucket',
      key: 'models/lenet/1/model.mindir',
      uri: 's3://my-bucket/models/lenet/1/model.mindir',
    });
    expect(parseModelUri('S3://b.e-t/k with space%20.ms')).toMatchObject({
      bucket: 'b.e-t',
      key: 'k with space%20.ms',
    });
  });

  test('file URIs and plain paths become absolute paths', () => {
    const relative = parseModelUri('test/fixtures/mindir/ori_net.mindir');
    expect(relative).toEqual({
      kind: 'file',
      path: path.resolve('test/fixtures/mindir/ori_net.mindir'),
      uri: pathToFileURL(path.resolve('test/fixtures/mindir/ori_net.mindir')).href,
    });
    expect(parseModelUri('file:///tmp/a%20b/model.mindir')).toMatchObject({
      kind: 'file',
      path: '/tmp/a b/model.mindir',
    });
    expect(parseModelUri('/abs/../abs/x.ms')).toMatchObject({ kind: 'file', path: '/abs/x.ms' });
  });

  test.each([
    ['s3://Bad_Bucket/key', 'bucket'],
    ['s3://ab/key', 'bucket'],
    ['s3://a..b/key', 'bucket'],
    ['s3://192.168.0.1/key', 'bucket'],
    ['s3://-bucket/key', 'bucket'],
    [`s3://${'a'.repeat(64)}/key`, 'bucket'],
    ['s3://bucket', 'empty'],
    ['s3://bucket/', 'empty'],
    ['s3://bucket/models/../secret', "'..'"],
    ['s3://bucket/../x', "'..'"],
    ['s3://bucket/a/./b', "'..'"],
    ['s3://bucket//a', "'..'"],
    ['s3://bucket/a/', "'..'"],
    ['s3://bucket/a\u0000b', 'control'],
    ['s3://bucket/a\nb', 'control'],
    [`s3://bucket/${'k'.repeat(1025)}`, '1024'],
    [`s3://bucket/${'é'.repeat(513)}`, '1024'],
    ['https://example.com/model.mindir', 'scheme'],
    ['gs://bucket/model', 'scheme'],
    ['file://remote-host/x', ''],
    ['', 'empty'],
  ])('%j is refused', (uri, reason) => {
    expect(invalid(() => parseModelUri(uri))).toContain(reason);
  });

  test('a key of exactly 1024 bytes is accepted', () => {
    expect(parseModelUri(`s3://bucket/${'k'.repeat(1024)}`).kind).toBe('s3');
  });
});

describe('siblingLocation', () => {
  test('names a file in the same folder', () => {
    expect(siblingLocation(parseModelUri('s3://bucket/a/b/model.mindir'), 'mindlet.json').uri).toBe(
      's3://bucket/a/b/mindlet.json',
    );
    expect(siblingLocation(parseModelUri('s3://bucket/model.mindir'), 'mindlet.json').uri).toBe(
      's3://bucket/mindlet.json',
    );
    expect(siblingLocation(parseModelUri('/x/y/model.ms'), 'mindlet.json')).toMatchObject({
      kind: 'file',
      path: '/x/y/mindlet.json',
    });
  });

  test.each(['', '.', '..', 'a/b', '..\\x'])('refuses %j as a file name', (name) => {
    invalid(() => siblingLocation(parseModelUri('s3://bucket/a/model.mindir'), name));
  });
});

describe('parseS3Prefix', () => {
  test('bucket alone or a prefix ending in /', () => {
    expect(parseS3Prefix('s3://bucket')).toEqual({ bucket: 'bucket', prefix: '' });
    expect(parseS3Prefix('s3://bucket/')).toEqual({ bucket: 'bucket', prefix: '' });
    expect(parseS3Prefix('s3://bucket/a/b/')).toEqual({ bucket: 'bucket', prefix: 'a/b/' });
  });

  test.each(['s3://bucket/a/b', 's3://bucket/a/../', 's3://bucket//', 'file:///tmp/', 's3://B/'])(
    'refuses %j',
    (uri) => {
      invalid(() => parseS3Prefix(uri));
    },
  );
});
