/**
 * The Node server over real HTTP with its models in the S3 stand-in: several models at once, the repository index,
 * an ETag change picked up without a restart, and a start that fails loudly when a model object is missing.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSession } from '../../../src/runtime/session.js';
import { type RunningModelServer, startModelServer } from '../../../src/serving/node-server.js';
import { ModelStore } from '../../../src/store/model-store.js';
import { fixture } from '../../tools/proto-encode.js';
import { type LocalS3, startLocalS3 } from '../../tools/s3-server.js';

const BUCKET = 'mindlet-serve-test';
let s3: LocalS3;
let cacheDir: string;
let server: RunningModelServer;

async function put(key: string, file: string): Promise<void> {
  await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: readFileSync(fixture(file)) }));
}

interface InferReply {
  model_version: string;
  outputs: Array<{ data: number[] }>;
}

async function infer(model: string, inputs: Array<{ name: string; shape: number[]; data: number[] }>) {
  const response = await fetch(`${server.url}/v2/models/${model}/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: inputs.map((input) => ({ ...input, datatype: 'FP32' })) }),
  });
  return { status: response.status, json: (await response.json()) as InferReply };
}

describe('startModelServer with models in S3', () => {
  beforeAll(async () => {
    s3 = await startLocalS3();
    await s3.createBucket(BUCKET);
    await put('models/lenet/1/model.mindir', 'ori_net.mindir');
    await put('models/relu/3/model.mindir', 'relu.mindir');
    cacheDir = mkdtempSync(path.join(os.tmpdir(), 'mindlet-serve-cache-'));
    server = await startModelServer({
      sources: [
        { uri: `s3://${BUCKET}/models/lenet/1/model.mindir` },
        { uri: `s3://${BUCKET}/models/relu/3/model.mindir` },
      ],
      port: 0,
      watchSeconds: 0,
      threads: 1,
      store: new ModelStore({ s3: s3.client, cacheDir }),
    });
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await s3?.stop();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('names models and versions from their keys and lists them in the repository index', async () => {
    expect(server.loads.map((l) => [l.name, l.version, l.from])).toEqual([
      ['lenet', '1', 's3'],
      ['relu', '3', 's3'],
    ]);
    const response = await fetch(`${server.url}/v2/repository/index`, { method: 'POST' });
    expect(response.status).toBe(200);
    const index = (await response.json()) as Array<{ name: string; version: string; state: string }>;
    expect(index.map((m) => `${m.name}@${m.version}:${m.state}`).sort()).toEqual(['lenet@1:READY', 'relu@3:READY']);
  });

  it("reports mindlet's package version as the server version", async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    const metadata = (await (await fetch(`${server.url}/v2`)).json()) as { name: string; version: string };
    expect(metadata).toMatchObject({ name: 'mindlet', version: pkg.version });
  });

  it('runs each model as the engine does', async () => {
    const data = [-1.5, 0.25, 3, -0.0];
    const { status, json } = await infer('relu', [{ name: 'x', shape: [1, 1, 2, 2], data }]);
    expect(status).toBe(200);
    expect(json.model_version).toBe('3');
    expect(json.outputs[0]!.data).toEqual(data.map((v) => Math.max(v, 0)));
  });

  it('reloads a model whose object changed (new ETag) and serves the new one', async () => {
    await put('models/relu/3/model.mindir', 'add_no_encrpty.mindir');
    const reloads = await server.repository.refresh();
    expect(reloads.map((r) => r.name)).toEqual(['relu']);
    const metadata = (await (await fetch(`${server.url}/v2/models/relu`)).json()) as {
      inputs: Array<{ name: string }>;
    };
    expect(metadata.inputs.map((i) => i.name)).toEqual(['x_', 'y_']);
    const x = [1, 2, 3, 4];
    const y = [10, 20, 30, 40];
    const session = await loadSession(fixture('add_no_encrpty.mindir'));
    const [expected] = await session.run([
      { dtype: 'float32', shape: [2, 2], data: new Float32Array(x) },
      { dtype: 'float32', shape: [2, 2], data: new Float32Array(y) },
    ]);
    session.close();
    const { status, json } = await infer('relu', [
      { name: 'x_', shape: [2, 2], data: x },
      { name: 'y_', shape: [2, 2], data: y },
    ]);
    expect(status).toBe(200);
    expect(json.outputs[0]!.data).toEqual(Array.from(expected!.data as Float32Array));
    // Unchanged objects are left alone.
    expect(await server.repository.refresh()).toEqual([]);
  });

  it('serves an encrypted model with its key from a key reference, and refuses to serve it without', async () => {
    await put('models/secret-add/1/model.mindir', 'add_encrpty_key_0123456789ABCDEF.mindir');
    const uri = `s3://${BUCKET}/models/secret-add/1/model.mindir`;
    const store = new ModelStore({ s3: s3.client, cacheDir });
    process.env.MINDLET_TEST_MODEL_KEY = Buffer.from('0123456789ABCDEF').toString('hex');
    const secret = await startModelServer({
      sources: [{ uri, keyRef: 'env:MINDLET_TEST_MODEL_KEY' }],
      port: 0,
      watchSeconds: 0,
      store,
    });
    try {
      const response = await fetch(`${secret.url}/model/secret-add:predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          instances: [
            {
              x_: [
                [1, 2],
                [3, 4],
              ],
              y_: [
                [0.5, 0.5],
                [0.5, 0.5],
              ],
            },
          ],
        }),
      });
      const json = (await response.json()) as { instances: Array<Record<string, unknown>> };
      expect(response.status).toBe(200);
      expect(Object.values(json.instances[0]!)[0]).toEqual([
        [1.5, 2.5],
        [3.5, 4.5],
      ]);
    } finally {
      await secret.close();
      delete process.env.MINDLET_TEST_MODEL_KEY;
    }
    await expect(startModelServer({ sources: [{ uri }], port: 0, watchSeconds: 0, store })).rejects.toMatchObject({
      code: 'DECRYPTION_FAILED',
    });
  });

  it('refuses to start when a model object is missing, naming it', async () => {
    await expect(
      startModelServer({
        sources: [{ uri: `s3://${BUCKET}/models/ghost/1/model.mindir` }],
        port: 0,
        watchSeconds: 0,
        store: new ModelStore({ s3: s3.client, cacheDir }),
      }),
    ).rejects.toThrow(/ghost/);
  });
});
