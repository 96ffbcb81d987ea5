import { describe, expect, it } from 'vitest';
import {
  estimateModelMemory,
  LAMBDA_MAX_MEMORY_MB,
  modelEphemeralStorageMb,
  modelMemoryMb,
} from '../../infra/memory-sizing.js';

const MIB = 2 ** 20;

// Profiles as `mindlet.json` records them: weight bytes and FLOPs of one inference at batch 1.
const LENET = { parameterBytes: 61_706 * 4, flops: 845_000 };
const RESNET50 = { parameterBytes: 102_400_000, flops: 8.2e9 };
const BERT_BASE = { parameterBytes: 440_000_000, flops: 22.5e9 };
const LLM_7B_FP32 = { parameterBytes: 28e9, flops: 14e9 };

describe('modelMemoryMb', () => {
  it.each([
    // weights ×2 + activations (flops/128, at least 16) + 256 runtime, rounded up to 64
    ['LeNet', LENET, 320],
    ['ResNet-50', RESNET50, 576],
    ['BERT-base', BERT_BASE, 1280],
  ])('sizes %s at %i MB', (_name, profile, expected) => {
    expect(modelMemoryMb(profile)).toBe(expected);
    expect(expected % 64).toBe(0);
  });

  it('breaks the estimate down', () => {
    const estimate = estimateModelMemory(RESNET50);
    expect(estimate.weightsMb).toBeCloseTo((2 * 102_400_000) / MIB, 6);
    expect(estimate.activationsMb).toBeCloseTo(8.2e9 / 128 / MIB, 6);
    expect(estimate.runtimeMb).toBe(256);
    expect(estimate).toMatchObject({ requiredMb: 576, memoryMb: 576, fitsLambda: true });
  });

  it("never goes below Lambda's minimum", () => {
    expect(estimateModelMemory({ parameterBytes: 0, flops: 0 }).memoryMb).toBeGreaterThanOrEqual(128);
  });

  it("flags a model over Lambda's limit and refuses to size it", () => {
    const estimate = estimateModelMemory(LLM_7B_FP32);
    expect(estimate.fitsLambda).toBe(false);
    expect(estimate.requiredMb).toBeGreaterThan(LAMBDA_MAX_MEMORY_MB);
    expect(estimate.memoryMb).toBe(LAMBDA_MAX_MEMORY_MB);
    expect(() => modelMemoryMb(LLM_7B_FP32)).toThrow(/over Lambda's 10240 MB limit.*AcceleratedService/);
  });

  it('refuses a nonsense profile', () => {
    expect(() => modelMemoryMb({ parameterBytes: -1, flops: 0 })).toThrow(/parameterBytes/);
    expect(() => modelMemoryMb({ parameterBytes: 1, flops: Number.NaN })).toThrow(/flops/);
  });
});

describe('modelEphemeralStorageMb', () => {
  it.each([
    ['LeNet', LENET.parameterBytes, 513],
    ['ResNet-50', RESNET50.parameterBytes, 708],
    ['BERT-base', BERT_BASE.parameterBytes, 1352],
    ['over the limit (clamped)', 8e9, 10_240],
    ['empty', 0, 512],
  ])('%s: %i MB', (_name, bytes, expected) => {
    expect(modelEphemeralStorageMb(bytes)).toBe(expected);
  });
});
