/** `mindlet inspect` and `mindlet predict` on every real `.ms` file, through the CLI as a user runs it. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy } from '../../src/tensor/npy.js';
import { compareOutputs } from '../tools/compare.js';
import { liteFixture, repoRoot } from '../tools/proto-encode.js';

const run = promisify(execFile);
const bin = path.join(repoRoot, 'bin', 'mindlet.js');
const floats = (file: string) => new Float32Array(Uint8Array.from(readFileSync(liteFixture(file))).buffer);

async function mindlet(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [bin, ...args], { maxBuffer: 64 << 20 });
  return stdout;
}

describe('the CLI on MindSpore Lite files', () => {
  it('inspects both schema generations', async () => {
    const lenet = JSON.parse(await mindlet('inspect', liteFixture('lenet_tod_infer.ms'), '--json'));
    expect(lenet).toMatchObject({ format: 'mslite', producer: 'MindSpore Lite', producerVersion: '1.5.0' });
    expect(lenet.mslite).toMatchObject({ generation: 'current', sourceFramework: 'MINDIR' });
    expect(lenet.mslite.ops).toMatchObject({ Conv2DFusion: 2, MatMulFusion: 3, MaxPoolFusion: 2 });
    expect(lenet.inputs).toEqual([{ name: 'inputs0', dtype: 'float32', shape: [2, 32, 32, 1] }]);
    expect(lenet.unsupportedOps).toEqual([]);
    const face = JSON.parse(await mindlet('inspect', liteFixture('mobilefacenet0924.ms'), '--json'));
    expect(face.mslite).toMatchObject({ generation: 'v0' });
    expect(face.mslite.ops).toMatchObject({ Conv2D: 34, DepthwiseConv2D: 17, Nhwc2Nchw: 51 });
    expect(face.outputs).toEqual([{ name: '354', dtype: 'float32', shape: [1, 128, 1, 1] }]);
    expect(face.unsupportedOps).toEqual([]);
    expect(face.flops).toBeGreaterThan(4e8);
    const text = await mindlet('inspect', liteFixture('mobilefacenet0924.ms'));
    expect(text).toContain('original schema (v0, Lite 1.0/1.1)');
    expect(text).toContain('every op runs on the CPU engine');
  });

  it('predicts MobileFaceNet from a .npy input and writes the embedding MindSpore Lite computed', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mindlet-mslite-'));
    const input = path.join(dir, 'face.npy');
    writeFileSync(input, encodeNpy({ dtype: 'float32', shape: [1, 112, 112, 3], data: floats('facenet_input.f32') }));
    const output = path.join(dir, 'embedding.npy');
    await mindlet(
      'predict',
      liteFixture('mobilefacenet0924.ms'),
      '--input',
      input,
      '--output',
      output,
      '--threads',
      '2',
    );
    const got = decodeNpy(readFileSync(output));
    expect(got.shape).toEqual([1, 128, 1, 1]);
    expect(compareOutputs(got.data as Float32Array, floats('facenet_output.f32')).relative).toBeLessThan(1e-5);
  });

  it('predicts LeNet (current schema) and prints a summary', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mindlet-mslite-'));
    const input = path.join(dir, 'digits.npy');
    writeFileSync(
      input,
      encodeNpy({ dtype: 'float32', shape: [2, 32, 32, 1], data: floats('x_lenet.bin').subarray(0, 2048) }),
    );
    const text = await mindlet('predict', liteFixture('lenet_tod_infer.ms'), '--input', input);
    expect(text).toContain('Default/network-WithLossCell/_backbone-LeNet5/fc3-Dense/BiasAdd-op121  float32  [2, 10]');
  });
});
