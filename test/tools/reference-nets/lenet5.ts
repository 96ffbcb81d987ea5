/**
 * LeNet-5 as in MindSpore's model zoo (models/official/cv/lenet/src/lenet.py): input [N,1,32,32]; conv1 (1→6,
 * 5x5, pad_mode "valid", no bias), ReLU, MaxPool 2/2, conv2 (6→16), ReLU, MaxPool, nn.Flatten, Dense 400→120,
 * ReLU, Dense 120→84, ReLU, Dense 84→10. Parameter keys conv1.weight, conv2.weight, fc1.weight, fc1.bias, ...
 * (sure: these are the Cell attribute names there). ori_net.mindir is a variant without dense biases whose dense
 * weights are folded into Constants; the zoo network keeps them as parameters, as here.
 */
import { DualBuilder, type Val } from './dual-builder.js';
import type { Rng } from './random.js';

export function buildLenet5(rng: Rng) {
  const b = new DualBuilder('1_1_construct.LeNet5.1', rng);
  const x = b.input('x', [-1, 1, 32, 32]);
  const stage = (h: Val, key: string, cout: number) =>
    b.maxPool(b.relu(b.conv2d(h, key, { cout, kernel: 5, padMode: 'valid' }), 'relu'), 2, 2, 'valid', 'max_pool2d');
  let h = stage(x, 'conv1', 6);
  h = stage(h, 'conv2', 16);
  h = b.flatten(h, 'flatten');
  h = b.relu(b.dense(h, 'fc1', 120), 'relu');
  h = b.relu(b.dense(h, 'fc2', 84), 'relu');
  const out = b.dense(h, 'fc3', 10);
  return {
    files: b.finish([{ value: out, name: 'output' }]),
    inputs: [{ name: 'x', dtype: 'float32' as const, shape: [-1, 1, 32, 32] }],
    outputs: [{ name: 'output', shape: [-1, 10] }],
  };
}
