/**
 * MobileNetV2 (width 1.0, 224x224) as in MindSpore's model zoo (models/official/cv/MobileNetV2/src/mobilenetV2.py,
 * MobileNetV2Combine(MobileNetV2Backbone, MobileNetV2Head)): ConvBNReLU = Conv2d(pad_mode "pad", padding
 * (k-1)/2, group = channels for depthwise) + BatchNorm2d + ReLU6; InvertedResidual blocks (expand 1x1 ConvBNReLU
 * unless t = 1, depthwise 3x3 ConvBNReLU, 1x1 Conv2d, BatchNorm2d, Add with the input when stride 1 and in = out);
 * final ConvBNReLU 320→1280; head: ReduceMean(keep_dims=False) over (2, 3), Dense 1280→1000. Depthwise convs are
 * Conv2D with group = channels (MindSpore 2.x; 1.x wrote DepthwiseConv2dNative). Keys follow the Cell tree
 * (fairly sure): backbone.features.0.features.0.weight (conv), backbone.features.0.features.1.gamma (bn),
 * backbone.features.N.conv.K..., head.head.1.weight / bias.
 */
import { DualBuilder, type Val } from './dual-builder.js';
import type { Rng } from './random.js';

/** [expand ratio t, output channels c, repeats n, first stride s] (the paper's table 2). */
const SETTINGS: Array<[number, number, number, number]> = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

export function buildMobilenetV2(rng: Rng) {
  const b = new DualBuilder('5_1_construct.MobileNetV2Combine.1', rng);
  const x = b.input('x', [-1, 3, 224, 224]);
  let h = convBnRelu(b, x, 'backbone.features.0', 32, 3, 2, false);
  let index = 1;
  for (const [t, c, n, s] of SETTINGS) {
    for (let i = 0; i < n; i++) {
      h = invertedResidual(b, h, `backbone.features.${index++}`, c, i === 0 ? s : 1, t);
    }
  }
  h = convBnRelu(b, h, `backbone.features.${index}`, 1280, 1, 1, false);
  h = b.reduceMean(h, [2, 3], false, 'head.head.0');
  const out = b.dense(h, 'head.head.1', 1000);
  return {
    files: b.finish([{ value: out, name: 'output' }]),
    inputs: [{ name: 'x', dtype: 'float32' as const, shape: [-1, 3, 224, 224] }],
    outputs: [{ name: 'output', shape: [-1, 1000] }],
  };
}

/** ConvBNReLU: its Cell holds `features` = [Conv2d, BatchNorm2d, ReLU6]. */
function convBnRelu(
  b: DualBuilder,
  x: Val,
  key: string,
  cout: number,
  kernel: number,
  stride: number,
  depthwise: boolean,
): Val {
  const conv = b.conv2d(x, `${key}.features.0`, {
    cout,
    kernel,
    stride,
    padMode: 'pad',
    padding: (kernel - 1) / 2,
    group: depthwise ? x.shape[1]! : 1,
  });
  return b.relu6(b.batchNorm(conv, `${key}.features.1`), `${key}.features.2`);
}

function invertedResidual(b: DualBuilder, x: Val, key: string, out: number, stride: number, expand: number): Val {
  const cin = x.shape[1]!;
  const hidden = Math.round(cin * expand);
  let h = x;
  let k = 0;
  if (expand !== 1) h = convBnRelu(b, h, `${key}.conv.${k++}`, hidden, 1, 1, false);
  h = convBnRelu(b, h, `${key}.conv.${k++}`, hidden, 3, stride, true);
  h = b.conv2d(h, `${key}.conv.${k++}`, { cout: out, kernel: 1, padMode: 'same' }); // nn.Conv2d's default pad_mode
  h = b.batchNorm(h, `${key}.conv.${k}`, stride === 1 && cin === out ? [0.2, 0.5] : [0.8, 1.2]);
  return stride === 1 && cin === out ? b.add(x, h, key) : h;
}
