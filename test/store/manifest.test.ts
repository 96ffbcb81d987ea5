import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { profileModel } from '../../src/graph/profile.js';
import type { Model } from '../../src/graph/types.js';
import { loadModel } from '../../src/model/load.js';
import { buildManifest, type Manifest, parseManifest, publicTensorNames } from '../../src/store/manifest.js';

const FIXTURES = path.resolve('test/fixtures/mindir');
const ORI_NET = path.join(FIXTURES, 'ori_net.mindir');
const ENCRYPTED = path.join(FIXTURES, 'add_encrpty_key_0123456789ABCDEF.mindir');
const KEY_HEX = Buffer.from('0123456789ABCDEF', 'ascii').toString('hex');

let model: Model;
let manifest: Manifest;

beforeAll(async () => {
  model = await loadModel(ORI_NET);
  const bytes = readFileSync(ORI_NET);
  manifest = buildManifest(model, {
    name: 'lenet',
    version: '3',
    modelFile: 'model.mindir',
    bytes: bytes.byteLength,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    placement: { target: 'cpu', memoryMb: 512 },
  });
});

describe('publicTensorNames', () => {
  test('the part after the last colon when unique, else the full names', () => {
    expect(publicTensorNames(['g.5:x', 'g.5:y'])).toEqual(['x', 'y']);
    expect(publicTensorNames(['a:x', 'b:x'])).toEqual(['a:x', 'b:x']);
    expect(publicTensorNames(['plain', 'a:b:c'])).toEqual(['plain', 'c']);
    expect(publicTensorNames(['trailing:', 'other'])).toEqual(['trailing:', 'other']);
    expect(publicTensorNames([])).toEqual([]);
  });
});

describe('buildManifest', () => {
  test('describes ori_net: signature from the graph, profile from profileModel', () => {
    const input = model.graph.inputs[0]!;
    expect(manifest.signature.inputs).toEqual([
      {
        name: input.name.slice(input.name.lastIndexOf(':') + 1),
        graphName: input.name,
        dtype: input.dtype,
        shape: input.shape,
      },
    ]);
    expect(manifest.signature.inputs[0]).toMatchObject({ name: 'x', dtype: 'float32', shape: [1, 1, 32, 32] });
    expect(manifest.signature.outputs.map((o) => o.graphName)).toEqual(model.graph.outputs.map((o) => o.name));
    const profile = profileModel(model);
    expect(manifest.profile).toEqual({
      parameterBytes: profile.parameterBytes + profile.constantTensorBytes,
      flops: profile.flops,
    });
    expect(manifest.profile.parameterBytes).toBeGreaterThan(0);
    expect(manifest).toMatchObject({ manifestVersion: 1, name: 'lenet', version: '3', format: 'mindir' });
    expect(Date.parse(manifest.createdAt)).not.toBeNaN();
    expect(manifest.encryption).toBeUndefined();
  });

  test('survives a JSON round trip unchanged', () => {
    expect(parseManifest(JSON.parse(JSON.stringify(manifest)), 'mindlet.json')).toEqual(manifest);
  });

  test('encrypted models need a key reference and record it, never the key', async () => {
    const encrypted = await loadModel(ENCRYPTED, { key: KEY_HEX });
    const fields = { name: 'add', version: '1', modelFile: 'model.mindir', bytes: 514, sha256: 'a'.repeat(64) };
    expect(() => buildManifest(encrypted, fields)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    const built = buildManifest(encrypted, { ...fields, keyRef: 'env:ADD_KEY', encryptionMode: 'AES-GCM' });
    expect(built.encryption).toEqual({ mode: 'AES-GCM', keyRef: 'env:ADD_KEY' });
    expect(JSON.stringify(built)).not.toContain(KEY_HEX);
    expect(() => buildManifest(model, { ...fields, keyRef: 'env:ADD_KEY' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });

  test('refuses names outside the model name grammar', () => {
    const fields = { name: '../x', version: '1', modelFile: 'model.mindir', bytes: 1, sha256: 'a'.repeat(64) };
    expect(() => buildManifest(model, fields)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('output labels', () => {
  const fields = { name: 'lenet', version: '1', modelFile: 'model.mindir', bytes: 1, sha256: 'a'.repeat(64) };
  const digits = Array.from({ length: 10 }, (_, i) => `digit ${i}`);

  test('name the only output by * or by its public name, and survive a round trip', () => {
    for (const key of ['*', '23']) {
      const labelled = buildManifest(model, { ...fields, labels: { [key]: digits } });
      expect(labelled.signature.outputs[0]!.labels).toEqual(digits);
      expect(parseManifest(JSON.parse(JSON.stringify(labelled)), 'm').signature.outputs[0]!.labels).toEqual(digits);
    }
    expect(buildManifest(model, fields).signature.outputs[0]!.labels).toBeUndefined();
  });

  test('must name an output the model has and give one label per class', () => {
    expect(() => buildManifest(model, { ...fields, labels: { logits: digits } })).toThrow(
      /labels for output "logits", which the model does not have \(23\)/,
    );
    expect(() => buildManifest(model, { ...fields, labels: { '*': digits.slice(1) } })).toThrow(
      /one label per class: 10 for shape \[1,10\], not 9/,
    );
  });
});

describe('parseManifest', () => {
  // biome-ignore lint/suspicious/noExplicitAny: each mutation reaches into the JSON where it likes
  const mutations: Array<[string, (m: Record<string, any>) => void]> = [
    ['manifestVersion', (m) => (m.manifestVersion = '1')],
    ['name', (m) => (m.name = '../etc')],
    ['name', (m) => delete m.name],
    ['version', (m) => (m.version = 'a/b')],
    ['model', (m) => (m.model = '../model.mindir')],
    ['model', (m) => (m.model = 'sub/model.mindir')],
    ['format', (m) => (m.format = 'onnx')],
    ['bytes', (m) => (m.bytes = -1)],
    ['bytes', (m) => (m.bytes = 1.5)],
    ['sha256', (m) => (m.sha256 = 'ABC')],
    ['signature', (m) => (m.signature = [])],
    ['signature.inputs', (m) => (m.signature.inputs = {})],
    ['signature.inputs[0].dtype', (m) => (m.signature.inputs[0].dtype = 'float8')],
    ['signature.inputs[0].dtype', (m) => (m.signature.inputs[0].dtype = 'toString')],
    ['signature.inputs[0].shape', (m) => (m.signature.inputs[0].shape = [1, -2])],
    ['signature.inputs[0].shape', (m) => (m.signature.inputs[0].shape = [1, 'x'])],
    ['signature.inputs[0].name', (m) => (m.signature.inputs[0].name = '')],
    ['signature.outputs[0].graphName', (m) => delete m.signature.outputs[0].graphName],
    ['signature.inputs', (m) => m.signature.inputs.push({ ...m.signature.inputs[0] })],
    ['profile.flops', (m) => (m.profile.flops = Number.NaN)],
    ['profile.parameterBytes', (m) => (m.profile.parameterBytes = '1')],
    ['placement.target', (m) => (m.placement = { target: 'tpu' })],
    ['placement.memoryMb', (m) => (m.placement = { target: 'gpu', memoryMb: 0 })],
    ['encryption.keyRef', (m) => (m.encryption = { mode: 'AES-GCM', keyRef: 'plain-key-here' })],
    ['encryption.mode', (m) => (m.encryption = { mode: '', keyRef: 'env:K' })],
    ['createdAt', (m) => (m.createdAt = 'yesterday')],
    ['producer', (m) => (m.producer = 42)],
    ['signature.outputs[0].labels', (m) => (m.signature.outputs[0].labels = ['0', '1'])],
    ['signature.outputs[0].labels', (m) => (m.signature.outputs[0].labels = Array.from({ length: 10 }, (_, i) => i))],
    ['signature.outputs[0].labels', (m) => (m.signature.outputs[0].labels = [...'012345678', 'x'.repeat(257)])],
    ['signature.outputs[0].labels', (m) => (m.signature.outputs[0].labels = [])],
    ['signature.inputs[0].labels', (m) => (m.signature.inputs[0].labels = ['a'])],
  ];

  test.each(mutations)('a bad %s is INVALID_FORMAT naming the field', (field, mutate) => {
    const copy = JSON.parse(JSON.stringify(manifest));
    mutate(copy);
    let error: (Error & { code?: string }) | undefined;
    try {
      parseManifest(copy, 's3://b/models/lenet/3/mindlet.json');
    } catch (caught) {
      error = caught as Error & { code?: string };
    }
    expect(error?.code).toBe('INVALID_FORMAT');
    expect(error?.message).toContain(`field ${field}:`);
    expect(error?.message).toContain('s3://b/models/lenet/3/mindlet.json');
  });

  test('not an object, and newer manifest versions', () => {
    for (const json of [null, [], 'x', 3])
      expect(() => parseManifest(json, 'm')).toThrow(expect.objectContaining({ code: 'INVALID_FORMAT' }));
    expect(() => parseManifest({ ...manifest, manifestVersion: 2 }, 'm')).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED' }),
    );
  });

  test('unknown fields are ignored, so newer writers stay readable', () => {
    expect(parseManifest({ ...manifest, futureField: { a: 1 } }, 'm')).toEqual(manifest);
  });
});
