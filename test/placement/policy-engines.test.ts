/**
 * The policy with the engine table switched to accelerator backends (as a later CUDA / Ascend backend will switch it,
 * src/placement/engines.ts): the task estimates become the accelerator formulas and their device memory limits, and a
 * declared accelerator's reason says it runs there, with no other change to the policy.
 */
import { describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_ASCEND_DEVICE,
  DEFAULT_GPU_INSTANCE,
  PLACEMENT_ASSUMPTIONS,
  type PlacementProfile,
  placeModel,
  TARGET_ENGINES,
} from '../../src/placement/index.js';

vi.mock('../../src/placement/engines.js', () => ({
  TARGET_ENGINES: { 'cpu-function': 'cpu', 'gpu-task': 'gpu', 'ascend-task': 'ascend', 'edge-function': 'wasm' },
}));

const MIB = 2 ** 20;
const GIB = 2 ** 30;
const A = PLACEMENT_ASSUMPTIONS;
const synthetic = (fields: Partial<PlacementProfile> & Pick<PlacementProfile, 'weightBytes' | 'flops'>) =>
  ({ batch: 1, dynamicDims: false, ...fields }) satisfies PlacementProfile;

describe('with accelerator backends in the engine table', () => {
  it('the task targets are estimated on their accelerators, from the datasheet formulas', () => {
    expect(TARGET_ENGINES['gpu-task']).toBe('gpu');
    const flops = 8.2e9;
    const { estimates } = placeModel(synthetic({ weightBytes: 100 * MIB, flops, ioBytes: 0 }));
    const gpu = estimates['gpu-task'];
    expect(gpu).toMatchObject({ engine: 'gpu', engineNote: "mindlet's GPU backend on the g5.xlarge's NVIDIA A10G" });
    const gpuMs = (flops / (DEFAULT_GPU_INSTANCE.fp32PeakTflops * 1e12 * A.gpuAchievableFraction)) * 1000;
    expect(gpu.latencyMs).toBeCloseTo(gpuMs + A.gpuFixedOverheadMs, 2);
    const ascend = estimates['ascend-task'];
    expect(ascend.engine).toBe('ascend');
    expect(ascend.engineNote).toBe(`mindlet's Ascend backend on one ${DEFAULT_ASCEND_DEVICE.name} device`);
    const npuMs = (flops / (DEFAULT_ASCEND_DEVICE.fp16PeakTflops * 1e12 * A.ascendAchievableFraction)) * 1000;
    expect(ascend.latencyMs).toBeCloseTo(npuMs + A.ascendFixedOverheadMs, 2);
    expect(estimates['cpu-function'].engine).toBe('cpu');
  });

  it('device memory is the limit again, and a declared accelerator runs there', () => {
    // 7 GiB of weights on the A10G's 24 GiB: the device's memory is checked, with the host only staging the weights.
    const profile = synthetic({ weightBytes: 7 * GIB, flops: 1e10, accelerator: 'gpu' });
    const decision = placeModel(profile);
    expect(decision.target).toBe('gpu-task');
    expect(decision.reasons[0]).toBe('the model declares the gpu accelerator, so it runs on gpu-task');
    expect(decision.reasons[1]).toMatch(/^device memory: .* fits the NVIDIA A10G's 24\.0 GiB \(g5\.xlarge\)$/);
    expect(decision.reasons.join(' ')).not.toMatch(/CPU engine/);
    const tooBig = placeModel(synthetic({ weightBytes: 30 * GIB, flops: 1e10 }), { pin: 'gpu-task' });
    expect(tooBig.reasons[1]).toMatch(/^warning: the model does not fit gpu-task: device memory: .*over the NVIDIA/);
  });
});
