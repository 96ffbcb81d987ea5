/**
 * ResNet-50 v1.5 as in MindSpore's model zoo (models/official/cv/ResNet/src/resnet.py, resnet50(class_num=1000),
 * res_base=False): conv1 7x7/2 pad_mode "same", bn1, ReLU, MaxPool 3/2 "same", layer1..layer4 of ResidualBlock
 * (expansion 4; conv1 1x1, conv2 3x3 carrying the stride (v1.5), conv3 1x1, bn3; down_sample_layer = [1x1 conv with
 * the stride, bn] where shape changes), ReduceMean(keep_dims=True) over (2, 3), nn.Flatten, end_point Dense
 * 2048→1000. Convolutions use pad_mode "same" (asymmetric pads where the stride is 2: 0 before, 1 after), which
 * the ONNX side writes as explicit pads. Keys (sure: zoo attribute names): conv1.weight, bn1.gamma / beta /
 * moving_mean / moving_variance, layer1.0.conv1.weight, layer1.0.down_sample_layer.0.weight,
 * layer1.0.down_sample_layer.1.gamma, end_point.weight, end_point.bias.
 *
 * Weights: He-scaled convolutions; bn3 (the zoo's _bn_last, gamma_init 0) gets small gammas so the residual sum
 * grows slowly and activations stay O(1) through all 16 blocks.
 */
import { DualBuilder, type Val } from './dual-builder.js';
import type { Rng } from './random.js';

const LAYERS: Array<{ blocks: number; out: number; stride: number }> = [
  { blocks: 3, out: 256, stride: 1 },
  { blocks: 4, out: 512, stride: 2 },
  { blocks: 6, out: 1024, stride: 2 },
  { blocks: 3, out: 2048, stride: 2 },
];

export function buildResnet50(rng: Rng) {
  const b = new DualBuilder('3_1_construct.ResNet.1', rng);
  const x = b.input('x', [-1, 3, 224, 224]);
  let h = b.conv2d(x, 'conv1', { cout: 64, kernel: 7, stride: 2, padMode: 'same' });
  h = b.relu(b.batchNorm(h, 'bn1'), 'relu');
  h = b.maxPool(h, 3, 2, 'same', 'maxpool');
  LAYERS.forEach((layer, li) => {
    for (let i = 0; i < layer.blocks; i++) {
      h = residualBlock(b, h, `layer${li + 1}.${i}`, layer.out, i === 0 ? layer.stride : 1);
    }
  });
  h = b.reduceMean(h, [2, 3], true, 'mean');
  h = b.flatten(h, 'flatten');
  const out = b.dense(h, 'end_point', 1000);
  return {
    files: b.finish([{ value: out, name: 'output' }]),
    inputs: [{ name: 'x', dtype: 'float32' as const, shape: [-1, 3, 224, 224] }],
    outputs: [{ name: 'output', shape: [-1, 1000] }],
  };
}

function residualBlock(b: DualBuilder, x: Val, key: string, out: number, stride: number): Val {
  const channel = out / 4;
  let h = b.relu(
    b.batchNorm(b.conv2d(x, `${key}.conv1`, { cout: channel, kernel: 1, padMode: 'same' }), `${key}.bn1`),
    key,
  );
  h = b.conv2d(h, `${key}.conv2`, { cout: channel, kernel: 3, stride, padMode: 'same' });
  h = b.relu(b.batchNorm(h, `${key}.bn2`), key);
  h = b.batchNorm(b.conv2d(h, `${key}.conv3`, { cout: out, kernel: 1, padMode: 'same' }), `${key}.bn3`, [0.1, 0.3]);
  let identity = x;
  if (stride !== 1 || x.shape[1] !== out) {
    const down = `${key}.down_sample_layer`;
    identity = b.conv2d(x, `${down}.0`, { cout: out, kernel: 1, stride, padMode: 'same' });
    identity = b.batchNorm(identity, `${down}.1`);
  }
  return b.relu(b.add(h, identity, key), key);
}
