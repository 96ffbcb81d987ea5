/**
 * Writes the bundled example that `mindlet serve` serves with no arguments: MindSpore's LeNet-style ori_net.mindir as
 * examples/models/lenet/1/model.mindir with its mindlet.json, and ready-to-send requests for both protocols built
 * from examples/digit-7.npy. Run after changing the manifest format: `npx tsx scripts/make-example.ts`.
 */

import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeNpy } from '../src/io/npy.js';
import { decodeModel } from '../src/model/load.js';
import { buildManifest } from '../src/store/manifest.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const modelDir = path.join(root, 'examples/models/lenet/1');
const requestDir = path.join(root, 'examples/requests');
mkdirSync(modelDir, { recursive: true });
mkdirSync(requestDir, { recursive: true });

const modelFile = path.join(modelDir, 'model.mindir');
copyFileSync(path.join(root, 'test/fixtures/mindir/ori_net.mindir'), modelFile);
const bytes = readFileSync(modelFile);
const model = decodeModel(bytes, { label: modelFile });
const manifest = buildManifest(model, {
  name: 'lenet',
  version: '1',
  modelFile: 'model.mindir',
  bytes: bytes.byteLength,
  sha256: createHash('sha256').update(bytes).digest('hex'),
  placement: { target: 'cpu' },
});
// A fixed date keeps the committed file stable across runs.
writeFileSync(
  path.join(modelDir, 'mindlet.json'),
  `${JSON.stringify({ ...manifest, createdAt: '2026-11-25T00:00:00.000Z' }, null, 2)}\n`,
);

const digit = decodeNpy(readFileSync(path.join(root, 'examples/digit-7.npy')), 'digit-7.npy');
const input = manifest.signature.inputs[0]!;
const values = Array.from(digit.data as Float32Array);
writeFileSync(
  path.join(requestDir, 'lenet-kserve.json'),
  `${JSON.stringify({ inputs: [{ name: input.name, shape: digit.shape, datatype: 'FP32', data: values }] })}\n`,
);
// MindSpore Serving instances leave out the batch dimension: one [1,32,32] image per instance.
const image = nest(values, digit.shape.slice(1));
writeFileSync(
  path.join(requestDir, 'lenet-mindspore-serving.json'),
  `${JSON.stringify({ instances: [{ [input.name]: image }] })}\n`,
);

function nest(flat: number[], shape: number[]): unknown {
  if (shape.length === 0) return flat[0];
  const [first, ...rest] = shape;
  const size = rest.reduce((a, b) => a * b, 1);
  return Array.from({ length: first! }, (_, i) => nest(flat.slice(i * size, (i + 1) * size), rest));
}
