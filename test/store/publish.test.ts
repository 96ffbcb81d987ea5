import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { PUBLISH_USAGE, publishCommand } from '../../src/cli/publish.js';
import { loadModel } from '../../src/model/load.js';
import { publicTensorNames } from '../../src/store/manifest.js';
import { ModelStore } from '../../src/store/model-store.js';
import { defaultModelName, publishModel } from '../../src/store/publish.js';
import { buildReferenceNet } from '../tools/reference-nets/index.js';
import { type LocalS3, startLocalS3 } from '../tools/s3-server.js';

const FIXTURES = path.resolve('test/fixtures/mindir');
const ORI_NET = path.join(FIXTURES, 'ori_net.mindir');
const ENCRYPTED = path.join(FIXTURES, 'add_encrpty_key_0123456789ABCDEF.mindir');
const KEY_HEX = Buffer.from('0123456789ABCDEF', 'ascii').toString('hex');
const BUCKET = 'mindlet-publish-test';

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
  vi.unstubAllEnvs();
  for (const step of cleanup.splice(0)) step();
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mindlet-publish-test-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A client recording the commands it sends, in order, with their keys. */
function recordingClient(): { client: S3Client; sent: string[] } {
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  const sent: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      sent.push(`${context.commandName} ${(args.input as { Key?: string }).Key ?? ''}`);
      return result;
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  cleanup.push(() => client.destroy());
  return { client, sent };
}

async function keysUnder(prefix: string): Promise<string[]> {
  const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (listed.Contents ?? []).map((object) => object.Key!).sort();
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

describe('publishModel', () => {
  test('publishes ori_net, manifest last; fetch and readManifest give back the model and its signature', async () => {
    const { client, sent } = recordingClient();
    const progress: Array<[number, number]> = [];
    const result = await publishModel({
      file: ORI_NET,
      destination: `s3://${BUCKET}`,
      s3: client,
      onProgress: (done, total) => progress.push([done, total]),
    });
    const fileBytes = readFileSync(ORI_NET);
    expect(result.modelUri).toBe(`s3://${BUCKET}/models/ori_net/1/model.mindir`);
    expect(result.manifestUri).toBe(`s3://${BUCKET}/models/ori_net/1/mindlet.json`);
    expect(await keysUnder('models/ori_net/')).toEqual([
      'models/ori_net/1/mindlet.json',
      'models/ori_net/1/model.mindir',
    ]);
    expect(sent.at(-1)).toBe('PutObjectCommand models/ori_net/1/mindlet.json');
    expect(sent.slice(0, -1).every((entry) => entry.endsWith('model.mindir'))).toBe(true);
    expect(progress.at(-1)).toEqual([fileBytes.byteLength, fileBytes.byteLength]);

    const store = new ModelStore({ s3: client, cacheDir: tempDir() });
    const fetched = await store.fetch(result.modelUri);
    expect(Buffer.compare(Buffer.from(fetched.bytes), fileBytes)).toBe(0);
    const manifest = await store.readManifest(result.modelUri);
    expect(manifest).toEqual(result.manifest);
    expect(manifest).toMatchObject({ name: 'ori_net', version: '1', model: 'model.mindir', format: 'mindir' });
    expect(manifest!.bytes).toBe(fileBytes.byteLength);
    expect(manifest!.sha256).toBe(sha256(fileBytes));
    // The signature matches the model as loaded from the downloaded bytes.
    const model = await loadModel(fetched.bytes);
    const names = publicTensorNames(model.graph.inputs.map((input) => input.name));
    expect(manifest!.signature.inputs).toEqual(
      model.graph.inputs.map((input, i) => ({
        name: names[i],
        graphName: input.name,
        dtype: input.dtype,
        shape: input.shape,
      })),
    );
    expect(manifest!.signature.outputs.map(({ dtype, shape }) => ({ dtype, shape }))).toEqual(
      model.graph.outputs.map(({ dtype, shape }) => ({ dtype, shape })),
    );
    store.close();
  });

  test('a prefix destination, name, version and placement', async () => {
    const { client } = recordingClient();
    const result = await publishModel({
      file: ORI_NET,
      destination: `s3://${BUCKET}/team/digits/`,
      name: 'digits',
      version: '7',
      placement: { target: 'gpu', memoryMb: 2048 },
      s3: client,
    });
    expect(result.modelUri).toBe(`s3://${BUCKET}/team/digits/model.mindir`);
    expect(result.manifest).toMatchObject({
      name: 'digits',
      version: '7',
      placement: { target: 'gpu', memoryMb: 2048 },
    });
    expect(await keysUnder('team/digits/')).toEqual(['team/digits/mindlet.json', 'team/digits/model.mindir']);
  });

  test('a model bigger than one part goes up as a multipart upload, byte-exact', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'MobileNet V2 (1.0).mindir');
    const net = buildReferenceNet('mobilenetv2');
    writeFileSync(file, net.mindir);
    const { client, sent } = recordingClient();
    const result = await publishModel({ file, destination: `s3://${BUCKET}/`, s3: client });
    expect(result.modelUri).toBe(`s3://${BUCKET}/models/MobileNet-V2-1.0/1/model.mindir`);
    expect(sent.filter((entry) => entry.startsWith('UploadPartCommand')).length).toBeGreaterThan(1);
    expect(sent.some((entry) => entry.startsWith('CompleteMultipartUploadCommand'))).toBe(true);
    const store = new ModelStore({ s3: client, cacheDir: tempDir(), partSizeBytes: 4 * 1024 * 1024 });
    const fetched = await store.fetch(result.modelUri);
    expect(sha256(fetched.bytes)).toBe(sha256(net.mindir));
    expect(result.manifest.sha256).toBe(sha256(net.mindir));
    store.close();
  });

  test('an encrypted model: loaded with the key, uploaded as is, only the key reference recorded', async () => {
    const { client } = recordingClient();
    vi.stubEnv('ADD_MODEL_KEY', KEY_HEX);
    const result = await publishModel({
      file: ENCRYPTED,
      destination: `s3://${BUCKET}/enc/`,
      name: 'add',
      keyRef: 'env:ADD_MODEL_KEY',
      s3: client,
    });
    expect(result.manifest.encryption).toEqual({ mode: 'AES-GCM', keyRef: 'env:ADD_MODEL_KEY' });
    const stored = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'enc/model.mindir' }));
    expect(Buffer.compare(Buffer.from(await stored.Body!.transformToByteArray()), readFileSync(ENCRYPTED))).toBe(0);
    const manifestText = await (
      await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'enc/mindlet.json' }))
    ).Body!.transformToString();
    expect(manifestText.toLowerCase()).not.toContain(KEY_HEX.toLowerCase());
    expect(result.manifest.signature.inputs).toHaveLength(2);
  });

  test('bad input is refused before anything is uploaded', async () => {
    const { client, sent } = recordingClient();
    const attempts: Array<[Parameters<typeof publishModel>[0], string]> = [
      [{ file: ENCRYPTED, destination: `s3://${BUCKET}/x/` }, 'DECRYPTION_FAILED'],
      [{ file: ENCRYPTED, destination: `s3://${BUCKET}/x/`, key: KEY_HEX }, 'INVALID_ARGUMENT'],
      [{ file: ORI_NET, destination: `s3://${BUCKET}/x/`, name: '../etc' }, 'INVALID_ARGUMENT'],
      [{ file: ORI_NET, destination: `s3://${BUCKET}/x/`, version: 'a/b' }, 'INVALID_ARGUMENT'],
      [{ file: ORI_NET, destination: `s3://${BUCKET}/x` }, 'INVALID_ARGUMENT'],
      [{ file: ORI_NET, destination: 'file:///tmp/' }, 'INVALID_ARGUMENT'],
      [{ file: path.join(FIXTURES, 'missing.mindir'), destination: `s3://${BUCKET}/` }, 'NOT_FOUND'],
    ];
    for (const [options, code] of attempts) {
      await expect(publishModel({ ...options, s3: client })).rejects.toMatchObject({ code });
    }
    expect(sent).toEqual([]);
    await expect(
      publishModel({ file: ORI_NET, destination: 's3://no-such-bucket-x/', s3: client }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  test('default names come from the file name', () => {
    expect(defaultModelName('/a/b/ori_net.mindir')).toBe('ori_net');
    expect(defaultModelName('resnet 50 (v1.5).ms')).toBe('resnet-50-v1.5');
    expect(defaultModelName('..hidden..model.mindir')).toBe('hidden.model');
    expect(() => defaultModelName('___.mindir')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('publishCommand', () => {
  test('prints the URIs on stdout and progress lines on stderr; S3 from the environment', async () => {
    for (const [name, value] of Object.entries(s3.env)) vi.stubEnv(name, value);
    vi.stubEnv('MINDLET_MODEL_KEY', '');
    const out: string[] = [];
    const err: string[] = [];
    await publishCommand([ORI_NET, `s3://${BUCKET}/cli/`, '--name', 'lenet', '--version', '2', '--placement', 'cpu'], {
      out: (line) => out.push(line),
      err: (line) => err.push(line),
    });
    expect(out).toEqual([`s3://${BUCKET}/cli/model.mindir`, `s3://${BUCKET}/cli/mindlet.json`]);
    expect(err.length).toBeGreaterThanOrEqual(2);
    expect(err[0]).toMatch(/\b0%/);
    expect(err.at(-1)).toMatch(/100%/);
    const manifest = JSON.parse(
      await (
        await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'cli/mindlet.json' }))
      ).Body!.transformToString(),
    );
    expect(manifest).toMatchObject({ name: 'lenet', version: '2', placement: { target: 'cpu' } });
  });

  test('--labels reads a label file (one per line) into the output’s manifest entry', async () => {
    for (const [name, value] of Object.entries(s3.env)) vi.stubEnv(name, value);
    vi.stubEnv('MINDLET_MODEL_KEY', '');
    const dir = tempDir();
    const labels = path.join(dir, 'labels.txt');
    const names = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
    writeFileSync(labels, `${names.join('\r\n')}\n\n`);
    const io = { out: (_: string) => {}, err: (_: string) => {} };
    for (const [spec, key] of [
      [labels, 'labels-any/'],
      [`23=${labels}`, 'labels-named/'],
    ] as const) {
      await publishCommand([ORI_NET, `s3://${BUCKET}/${key}`, '--labels', spec], io);
      const manifest = JSON.parse(
        await (
          await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: `${key}mindlet.json` }))
        ).Body!.transformToString(),
      );
      expect(manifest.signature.outputs[0].labels).toEqual(names);
    }
    writeFileSync(labels, names.slice(0, 9).join('\n'));
    await expect(publishCommand([ORI_NET, `s3://${BUCKET}/bad/`, '--labels', labels], io)).rejects.toThrow(
      /one label per class: 10/,
    );
    await expect(
      publishCommand([ORI_NET, `s3://${BUCKET}/bad/`, '--labels', path.join(dir, 'missing.txt')], io),
    ).rejects.toThrow(/--labels .*missing.txt: no such file/);
    expect(await keysUnder('bad/')).toEqual([]);
  });

  test('usage errors', async () => {
    const io = { out: (_: string) => {}, err: (_: string) => {} };
    await expect(publishCommand([ORI_NET], io)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(publishCommand([ORI_NET, `s3://${BUCKET}/`, '--placement', 'tpu'], io)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(publishCommand([ORI_NET, `s3://${BUCKET}/`, '--bogus'], io)).rejects.toMatchObject({
      code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION',
    });
    const out: string[] = [];
    await publishCommand(['--help'], { ...io, out: (line) => out.push(line) });
    expect(out).toEqual([PUBLISH_USAGE]);
  });
});
