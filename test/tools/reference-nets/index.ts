/**
 * Reference networks for engine tests and benchmarks: LeNet-5, ResNet-50 v1.5, MobileNetV2 1.0/224 and BERT-base,
 * each written as MindIR (MindSpore 2.x layout, weights inline) and as ONNX (opset 17) with the same random
 * weights from a fixed seed, so a test can run one file through mindlet's engine and the other through
 * onnxruntime and compare. The batch dimension is dynamic (-1) in both files.
 */
import { buildBert } from './bert.js';
import { buildLenet5 } from './lenet5.js';
import { buildMobilenetV2 } from './mobilenetv2.js';
import { normal, Rng } from './random.js';
import { buildResnet50 } from './resnet50.js';

export type ReferenceNetName = 'lenet5' | 'resnet50' | 'mobilenetv2' | 'bert';

export const REFERENCE_NET_NAMES: readonly ReferenceNetName[] = ['lenet5', 'resnet50', 'mobilenetv2', 'bert'];

export interface ReferenceNet {
  name: ReferenceNetName;
  mindir: Uint8Array; // a complete .mindir file (weights inline)
  onnx: Uint8Array; // a complete .onnx file
  inputs: Array<{ name: string; dtype: 'float32' | 'int32' | 'int64'; shape: number[] }>; // batch dim is -1 (dynamic) in both files
  outputs: Array<{ name: string; shape: number[] }>;
  /** Deterministic sample inputs for a batch size, same seed → same data; int inputs within vocab/valid range. */
  sampleInputs(
    batch: number,
  ): Array<{ dtype: string; shape: number[]; data: Float32Array | Int32Array | BigInt64Array }>;
}

/** BERT's default sequence length (the zoo's fine-tuning configs use 128). */
export const DEFAULT_BERT_SEQ_LENGTH = 128;
const BERT_VOCAB = 30522;

export function buildReferenceNet(
  name: ReferenceNetName,
  options: { seed?: number; seqLength?: number } = {},
): ReferenceNet {
  const seed = options.seed ?? 1;
  const rng = new Rng(seed);
  const built =
    name === 'lenet5'
      ? buildLenet5(rng)
      : name === 'resnet50'
        ? buildResnet50(rng)
        : name === 'mobilenetv2'
          ? buildMobilenetV2(rng)
          : name === 'bert'
            ? buildBert(rng, options.seqLength ?? DEFAULT_BERT_SEQ_LENGTH)
            : undefined;
  if (!built) throw new Error(`unknown reference network ${String(name)}`);
  const inputs = built.inputs;
  return {
    name,
    mindir: built.files.mindir,
    onnx: built.files.onnx,
    inputs,
    outputs: built.outputs,
    sampleInputs(batch: number) {
      if (!Number.isInteger(batch) || batch < 1) throw new Error(`batch must be a positive integer, got ${batch}`);
      const data = new Rng(seed).fork(`sample-inputs:${name}:${batch}`);
      if (name !== 'bert') {
        return inputs.map((input) => {
          const shape = [batch, ...input.shape.slice(1)];
          return { dtype: 'float32', shape, data: sampleImages(data, shape) };
        });
      }
      return bertInputs(data, batch, inputs[0]!.shape[1]!);
    },
  };
}

/**
 * Normalized-image-like NCHW data: per image and channel an offset, three random smooth waves and some noise.
 * Whole-image structure matters: pure noise averages out in global pooling, leaving every image's logits alike.
 */
function sampleImages(rng: Rng, shape: number[]): Float32Array {
  const [n, c, h, w] = shape as [number, number, number, number];
  const out = new Float32Array(n * c * h * w);
  const noise = normal(rng, out.length, 0, 0.3);
  for (let plane = 0; plane < n * c; plane++) {
    const offset = rng.normal() * 0.5;
    const waves = Array.from({ length: 3 }, () => ({
      amplitude: 0.3 + rng.next() * 0.5,
      fy: ((0.5 + rng.next() * 3.5) * 2 * Math.PI) / h,
      fx: ((0.5 + rng.next() * 3.5) * 2 * Math.PI) / w,
      phase: rng.next() * 2 * Math.PI,
    }));
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let v = offset;
        for (const wave of waves) v += wave.amplitude * Math.sin(wave.fy * y + wave.fx * x + wave.phase);
        const at = (plane * h + y) * w + x;
        out[at] = v + noise[at]!;
      }
    }
  }
  return out;
}

/**
 * BERT inputs per row: a valid length L in [seq/2, seq]; ids random word pieces (token 0 is [CLS] = 101, padding
 * 0 after L); token types 0 for the first half of the valid part, 1 after; mask 1 up to L, 0 after.
 */
function bertInputs(rng: Rng, batch: number, seq: number) {
  const ids = new Int32Array(batch * seq);
  const types = new Int32Array(batch * seq);
  const mask = new Int32Array(batch * seq);
  for (let row = 0; row < batch; row++) {
    const valid = Math.max(1, Math.ceil(seq / 2) + rng.int(Math.floor(seq / 2) + 1));
    for (let i = 0; i < seq; i++) {
      const at = row * seq + i;
      if (i >= valid) continue;
      ids[at] = i === 0 ? 101 : 1000 + rng.int(BERT_VOCAB - 1000);
      types[at] = i >= valid / 2 ? 1 : 0;
      mask[at] = 1;
    }
  }
  const shape = [batch, seq];
  return [
    { dtype: 'int32', shape, data: ids },
    { dtype: 'int32', shape: [...shape], data: types },
    { dtype: 'int32', shape: [...shape], data: mask },
  ];
}
