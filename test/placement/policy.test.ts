/**
 * The placement policy over real models (every corpus file, the four reference networks) and over synthetic profiles
 * at each target's limits: what it decides, that every reason names its numbers, that pins and declared accelerators
 * win, that edge-function needs the opt-in, and that a model too big for everything still gets a placement.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as infraSizing from '../../infra/memory-sizing.js';
import { isMindletError } from '../../src/errors.js';
import { profileModel } from '../../src/graph/profile.js';
import type { Model } from '../../src/graph/types.js';
import { loadModel } from '../../src/model/load.js';
import {
  DEFAULT_ASCEND_DEVICE,
  DEFAULT_GPU_INSTANCE,
  DEPLOY_TARGETS,
  estimateModelMemory,
  estimateTargets,
  LAMBDA_LIMITS,
  modelMemoryMb,
  PLACEMENT_ASSUMPTIONS,
  type PlacementDecision,
  type PlacementProfile,
  placeModel,
  placementOfManifest,
  profileFromManifest,
  profileFromModel,
  TARGET_ENGINES,
  WORKERS_LIMITS,
  withBatch,
} from '../../src/placement/index.js';
import { chooseEngineBackend, ENGINE_BACKEND_ENV } from '../../src/runtime/engine-backend.js';
import { buildManifest, type Manifest, PLACEMENT_TARGETS, parseManifest } from '../../src/store/manifest.js';
import { repoRoot } from '../tools/proto-encode.js';
import { buildReferenceNet, REFERENCE_NET_NAMES, type ReferenceNetName } from '../tools/reference-nets/index.js';

const MIB = 2 ** 20;
const GIB = 2 ** 30;
/** The real files MindSpore and MindSpore Lite wrote (provenance: test/fixtures/README.md). */
const CORPUS_DIRS = ['mindir', 'mslite'].map((dir) => path.join(repoRoot, 'test', 'fixtures', dir));

/**
 * Corpus files the loader refuses, each with what its error must name. Concat_bprop.mindir is a gradient graph
 * MindSpore ships for its own use (Switch control flow, ClassType values), not an inference model.
 */
const REFUSED_AT_LOAD: Record<string, RegExp> = {
  'Concat_bprop.mindir':
    /: node bprop\.3:\[CNode\]7:8: op_type REF::ClassType::mindspore\.ops\.operations\._grad_ops\.ConcatOffset names no primitive, graph or value of the model$/,
};

/** Every model file of the corpus, with the key an encrypted one is named after (MindSpore's own test key). */
const corpus = CORPUS_DIRS.flatMap((dir) =>
  readdirSync(dir)
    .filter((name) => /\.(mindir|ms)$/.test(name))
    .map((name) => {
      const key = /_key_([0-9A-Za-z]+)\.mindir$/.exec(name)?.[1];
      return { name, file: path.join(dir, name), ...(key ? { key: Buffer.from(key).toString('hex') } : {}) };
    }),
);
const placeable = corpus.filter(({ name }) => !(name in REFUSED_AT_LOAD));
const refused = corpus.filter(({ name }) => name in REFUSED_AT_LOAD);

/** Decisions are only useful when every reason says something and every estimate is a real, positive figure. */
function expectWellFormed(decision: PlacementDecision): void {
  expect(decision.reasons.length).toBeGreaterThan(0);
  for (const reason of decision.reasons) expect(reason.length).toBeGreaterThan(20);
  // Pins and the summary of a model that fits nowhere are words; the rest carry the figures they rest on.
  expect(decision.reasons.some((reason) => /\d(?:[\d.,]*) (?:MiB|GiB|MB|ms|s)\b/.test(reason))).toBe(true);
  expect(Object.keys(decision.estimates).sort()).toEqual([...DEPLOY_TARGETS].sort());
  for (const target of DEPLOY_TARGETS) {
    const estimate = decision.estimates[target];
    expect(estimate.target).toBe(target);
    // Every estimate names the engine it is for: the one that runs on the target today.
    expect(estimate.engine).toBe(TARGET_ENGINES[target]);
    expect(estimate.engineNote).toMatch(/^mindlet's (CPU|WebAssembly) engine /);
    for (const value of [estimate.memoryMb, estimate.latencyMs, estimate.coldStartMs, estimate.costPerMillionUsd]) {
      expect(Number.isFinite(value)).toBe(true);
      expect(value).toBeGreaterThan(0);
    }
    expect(estimate.fits).toBe(estimate.limits.length === 0);
  }
}

function manifestFor(model: Model, fileBytes: number, placement?: Manifest['placement']): Manifest {
  return buildManifest(model, {
    name: 'net',
    version: '1',
    modelFile: `model.${model.format}`,
    bytes: fileBytes,
    sha256: '0'.repeat(64),
    ...(placement ? { placement } : {}),
  });
}

const synthetic = (fields: Partial<PlacementProfile> & Pick<PlacementProfile, 'weightBytes' | 'flops'>) =>
  ({ batch: 1, dynamicDims: false, ...fields }) satisfies PlacementProfile;

describe('the real corpus', () => {
  it('holds all 13 model files, and every file listed as refused is one of them', () => {
    expect(corpus).toHaveLength(13);
    expect(refused.map(({ name }) => name).sort()).toEqual(Object.keys(REFUSED_AT_LOAD).sort());
  });

  it.each(refused)('$name is refused at load with an error naming the construct', async ({ name, file }) => {
    const error = await loadModel(file).catch((e: unknown) => e);
    expect(isMindletError(error) && error.code).toBe('INVALID_GRAPH');
    expect((error as Error).message).toMatch(REFUSED_AT_LOAD[name]!);
  });

  it.each(placeable)('$name loads and is placed on cpu-function', async ({ file, key }) => {
    const model = await loadModel(file, key ? { key } : {});
    const profile = { ...profileFromModel(model), fileBytes: statSync(file).size };
    const decision = placeModel(profile);
    expectWellFormed(decision);
    expect(decision).toMatchObject({ target: 'cpu-function', pinned: false });
    expect(decision.reasons[0]).toMatch(
      /^weights [\d.,]+ MiB ×2 \+ activations [\d.,]+ MiB \+ runtime 256 MiB = [\d,]+ MiB fits Lambda's 10,240 MB$/,
    );
    expect(decision.reasons.some((reason) => /within Lambda's 900 s timeout/.test(reason))).toBe(true);
    // edge-function was not asked for: its estimate says it is opt-in, whether or not the model would fit.
    expect(decision.estimates['edge-function'].limits[0]).toMatch(/opt-in/);
  });

  it('counts FLOPs per batch item: a file declaring batch 2 has half its graph FLOPs per item', async () => {
    const model = await loadModel(path.join(CORPUS_DIRS[1]!, 'lenet_tod_infer.ms'));
    expect(model.graph.inputs[0]!.shape[0]).toBe(2);
    const profile = profileFromModel(model);
    expect(profile.batch).toBe(2);
    expect(profile.flops * 2).toBeCloseTo(profileModel(model).flops, 3);
    const manifestProfile = profileFromManifest(manifestFor(model, 1000));
    expect(manifestProfile).toMatchObject({ batch: 2, flops: profile.flops, fileBytes: 1000 });
  });
});

describe('the reference networks', () => {
  const profiles = new Map<ReferenceNetName, PlacementProfile>();
  const manifests = new Map<ReferenceNetName, Manifest>();

  beforeAll(async () => {
    for (const name of REFERENCE_NET_NAMES) {
      const { mindir } = buildReferenceNet(name);
      const model = await loadModel(mindir, { label: `${name}.mindir` });
      profiles.set(name, { ...profileFromModel(model), fileBytes: mindir.byteLength });
      manifests.set(name, manifestFor(model, mindir.byteLength));
    }
  }, 180_000);

  it.each(REFERENCE_NET_NAMES)('%s is placed on cpu-function', (name) => {
    const profile = profiles.get(name)!;
    expect(profile.dynamicDims).toBe(true);
    const decision = placeModel(profile);
    expectWellFormed(decision);
    expect(decision.target).toBe('cpu-function');
    // Every task target fits too: cpu-function wins on order, not because the others are out.
    expect(decision.estimates['gpu-task'].fits).toBe(true);
    expect(decision.estimates['ascend-task'].fits).toBe(true);
  });

  it('sizes the function as a deploy does (the constructs call the same estimate)', () => {
    for (const name of REFERENCE_NET_NAMES) {
      const manifest = manifests.get(name)!;
      const fromManifest = placementOfManifest(manifest).estimates['cpu-function'].memoryMb;
      expect(fromManifest).toBe(modelMemoryMb(manifest.profile));
      // A loaded model sizes its activations from the graph's peak instead of the rule of thumb.
      const loaded = profiles.get(name)!;
      const stated = /activations ([\d.]+) MiB/.exec(placeModel(loaded).reasons[0]!)?.[1];
      expect(Number(stated)).toBeCloseTo(Math.max(16, loaded.peakActivationBytes! / MIB), 1);
    }
  });

  it('ResNet-50: the memory reason adds up to the estimate, and a bigger batch costs more of everything', () => {
    const profile = profiles.get('resnet50')!;
    const one = placeModel(profile);
    expect(one.reasons[0]).toContain(`= ${one.estimates['cpu-function'].memoryMb} MiB fits Lambda's 10,240 MB`);
    const eight = placeModel(profile, { batch: 8 });
    expect(eight.target).toBe('cpu-function');
    expect(eight.reasons[1]).toMatch(/at batch 8/);
    for (const target of DEPLOY_TARGETS) {
      expect(eight.estimates[target].latencyMs).toBeGreaterThan(one.estimates[target].latencyMs);
      expect(eight.estimates[target].memoryMb).toBeGreaterThanOrEqual(one.estimates[target].memoryMb);
    }
    expect(eight.estimates['cpu-function'].latencyMs / one.estimates['cpu-function'].latencyMs).toBeGreaterThan(4);
    expect(withBatch(profile, 8).peakActivationBytes).toBe(profile.peakActivationBytes! * 8);
  });

  it("ResNet-50 on a task: the CPU engine on the host's vCPUs, not a fraction of the accelerator's peak", () => {
    const profile = profiles.get('resnet50')!;
    const A = PLACEMENT_ASSUMPTIONS;
    const { estimates } = placeModel(profile);
    const gpu = estimates['gpu-task'];
    expect(gpu).toMatchObject({ engine: 'cpu', fits: true });
    expect(gpu.engineNote).toBe(
      "mindlet's CPU engine on the g5.xlarge's 4 vCPUs: no GPU backend runs yet, so the NVIDIA A10G the task " +
        'reserves is idle',
    );
    // FLOPs over 4 vCPUs × 40 GFLOP/s, plus the request overhead: ~52 ms for ResNet-50's ~8.2 GFLOP.
    expect(A.taskGflopsPerVcpu).toBe(40);
    const engineMs =
      ((profile.flops * profile.batch) / (DEFAULT_GPU_INSTANCE.vcpus * A.taskGflopsPerVcpu * 1e9)) * 1000;
    expect(gpu.latencyMs).toBeCloseTo(engineMs + A.cpuFixedOverheadMs, 1);
    expect(gpu.latencyMs).toBeGreaterThan(45);
    expect(gpu.latencyMs).toBeLessThan(60);
    // What 40% of the A10G's FP32 peak said (~2.7 ms) is an order of magnitude off what runs there.
    const datasheetMs = (profile.flops / (DEFAULT_GPU_INSTANCE.fp32PeakTflops * 1e12 * A.gpuAchievableFraction)) * 1000;
    expect(gpu.latencyMs).toBeGreaterThan(10 * (datasheetMs + A.gpuFixedOverheadMs));
    // Host memory, where the CPU engine computes: file + packed weights + activations + runtime, no CUDA runtime.
    const hostBytes = profile.fileBytes! + profile.weightBytes + profile.peakActivationBytes!;
    expect(gpu.memoryMb).toBe(Math.ceil(hostBytes / MIB + A.taskHostRuntimeMb));
    expect(gpu.costPerMillionUsd).toBeCloseTo(((1e6 * gpu.latencyMs) / 3_600_000) * DEFAULT_GPU_INSTANCE.usdPerHour, 1);

    // ascend-task: the same engine on the server's assumed 4 vCPUs; the caller can say how many the task gets.
    const ascend = estimates['ascend-task'];
    expect(ascend).toMatchObject({ engine: 'cpu', latencyMs: gpu.latencyMs, memoryMb: gpu.memoryMb });
    expect(A.ascendHostVcpus).toBe(4);
    const sixteen = placeModel(profile, { ascendHostVcpus: 16 }).estimates['ascend-task'];
    expect(sixteen.latencyMs).toBeCloseTo(engineMs / 4 + A.cpuFixedOverheadMs, 1);
    expect(sixteen.engineNote).toMatch(/^mindlet's CPU engine on 16 vCPUs of your Ascend server \(given\): /);
    expect(estimateTargets(profile, { ascendHostVcpus: 16 })['ascend-task']).toEqual(sixteen);
  });

  it('LeNet with allowEdge runs on edge-function; without it, on cpu-function', () => {
    const lenet = profiles.get('lenet5')!;
    const edge = placeModel(lenet, { allowEdge: true });
    expectWellFormed(edge);
    expect(edge).toMatchObject({ target: 'edge-function', pinned: false });
    expect(edge.reasons[0]).toMatch(/fits Workers' 128 MB isolate$/);
    expect(edge.estimates['edge-function'].memoryMb).toBeLessThan(WORKERS_LIMITS.memoryBytes / MIB);
    const plain = placeModel(lenet);
    expect(plain.target).toBe('cpu-function');
    expect(plain.estimates['edge-function'].limits).toEqual([
      expect.stringMatching(/opt-in.*--allow-edge.*would fit Workers' limits/),
    ]);
  });

  it('ResNet-50 with allowEdge stays on cpu-function, saying why not edge', () => {
    const decision = placeModel(profiles.get('resnet50')!, { allowEdge: true });
    expectWellFormed(decision);
    expect(decision.target).toBe('cpu-function');
    expect(decision.estimates['edge-function'].fits).toBe(false);
    expect(decision.reasons).toContainEqual(
      expect.stringMatching(/^not edge-function: .*= \d+ MiB, over Workers' 128 MB per isolate$/),
    );
  });
});

describe('models beyond a function', () => {
  it('7 GB of weights: gpu-task, because it is over Lambda 10,240 MB', () => {
    const decision = placeModel(synthetic({ weightBytes: 7e9, flops: 14e9 }));
    expectWellFormed(decision);
    expect(decision).toMatchObject({ target: 'gpu-task', pinned: false });
    expect(decision.reasons[0]).toMatch(/^does not fit cpu-function: .*over Lambda's 10,240 MB memory limit/);
    // The reason says what computes there today: the task's CPU engine, not the GPU it reserves.
    expect(decision.reasons[1]).toBe(
      "on gpu-task the model computes on mindlet's CPU engine on the g5.xlarge's 4 vCPUs: no GPU backend runs " +
        'yet, so the NVIDIA A10G the task reserves is idle',
    );
    expect(decision.reasons[2]).toMatch(
      /^host memory: model file .* = 13\.\d GiB fits the 15\.0 GiB a g5\.xlarge leaves after the OS and ECS agent$/,
    );
    expect(decision.reasons[3]).toMatch(/ on 4 vCPUs at 40 GFLOP\/s each plus 1 ms; /);
    expect(decision.reasons.join(' ')).not.toMatch(/TFLOPS|device memory/);
    expect(decision.estimates['cpu-function'].memoryMb).toBeGreaterThan(LAMBDA_LIMITS.maxMemoryMb);
    expect(estimateModelMemory({ parameterBytes: 7e9, flops: 14e9 }).fitsLambda).toBe(false);
  });

  it('too slow for the 900 s timeout (with margin): gpu-task, naming the timeout', () => {
    const decision = placeModel(synthetic({ weightBytes: 1e6, flops: 5e14, peakActivationBytes: 50 * MIB }));
    expectWellFormed(decision);
    expect(decision.target).toBe('gpu-task');
    // No timeout there, but no faster either: the task's CPU engine needs ~52 min (5e14 FLOP at 160 GFLOP/s).
    expect(decision.reasons[1]).toMatch(/^on gpu-task the model computes on mindlet's CPU engine/);
    expect(decision.reasons).toContainEqual(expect.stringMatching(/^~3,125 s per inference .* on 4 vCPUs at 40 GFLOP/));
    expect(decision.estimates['cpu-function'].limits).toEqual([expect.stringMatching(/Lambda's 900 s timeout/)]);
    expect(decision.estimates['cpu-function'].latencyMs * 2).toBeGreaterThan(LAMBDA_LIMITS.timeoutSeconds * 1000);
  });

  it('too big for the GPU host: ascend-task only when your Ascend server has the memory', () => {
    // 12 GiB of weights: the old device checks passed (24 GiB A10G), but the CPU engine computes in host memory.
    const weightBytes = 12 * GIB;
    expect(weightBytes).toBeLessThan(DEFAULT_GPU_INSTANCE.gpuMemoryMb * MIB);
    const profile = synthetic({ weightBytes, flops: 1e10 });
    const assumed = placeModel(profile);
    expectWellFormed(assumed);
    expect(assumed.target).toBe('gpu-task');
    expect(assumed.reasons[0]).toMatch(/fits no target/);
    expect(assumed.estimates['gpu-task'].limits).toEqual([
      expect.stringMatching(/^host memory: .* = 24\.6 GiB, over the 15\.0 GiB a g5\.xlarge leaves after the OS/),
    ]);
    expect(assumed.estimates['ascend-task'].limits).toEqual([
      expect.stringMatching(
        /, over the 15\.0 GiB of your Ascend server one task may use \(assumed: ascendHostMemoryMb, --ascend-memory-mb\)$/,
      ),
    ]);
    const decision = placeModel(profile, { ascendHostMemoryMb: 64 * 1024 });
    expectWellFormed(decision);
    expect(decision.target).toBe('ascend-task');
    expect(decision.reasons[0]).toMatch(/^does not fit cpu-function/);
    expect(decision.reasons[1]).toMatch(/^does not fit gpu-task: host memory: .*over the 15\.0 GiB a g5\.xlarge/);
    expect(decision.reasons[2]).toMatch(
      /^on ascend-task the model computes on mindlet's CPU engine on 4 vCPUs of your/,
    );
    expect(decision.reasons).toContainEqual(
      expect.stringMatching(/fits the 64\.0 GiB of your Ascend server .*\(given\)$/),
    );
    expect(decision.reasons).toContainEqual(expect.stringMatching(/ECS Anywhere's \$0\.01025 per instance-hour/));
  });

  it('too big for everything: still placed (gpu-task), with every target ruled out in a reason', () => {
    const decision = placeModel(synthetic({ weightBytes: 200e9, flops: 4e11, fileBytes: 200e9 }), {
      allowEdge: true,
    });
    expectWellFormed(decision);
    expect(decision).toMatchObject({ target: 'gpu-task', pinned: false });
    expect(decision.reasons[0]).toMatch(/fits no target/);
    for (const target of DEPLOY_TARGETS) expect(decision.estimates[target].fits).toBe(false);
    for (const target of ['edge-function', 'cpu-function', 'gpu-task', 'ascend-task'])
      expect(decision.reasons).toContainEqual(expect.stringContaining(`${target}: `));
  });
});

describe('pins and declared accelerators', () => {
  let lenet: Model;
  let size: number;
  beforeAll(async () => {
    const file = path.join(CORPUS_DIRS[0]!, 'ori_net.mindir');
    lenet = await loadModel(file);
    size = statSync(file).size;
  });

  it('a manifest pinned to ascend runs on ascend-task', () => {
    const decision = placementOfManifest(manifestFor(lenet, size, { target: 'ascend' }));
    expectWellFormed(decision);
    expect(decision).toMatchObject({ target: 'ascend-task', pinned: true });
    expect(decision.reasons[0]).toBe('pinned to ascend-task by the manifest of net (placement.target "ascend")');
    expect(decision.reasons[1]).toBe(
      "on ascend-task the model computes on mindlet's CPU engine on 4 vCPUs of your Ascend server (assumed: " +
        'ascendHostVcpus, --ascend-vcpus): no Ascend backend runs yet, so the NPU device mapped into the task is idle',
    );
    expect(decision.reasons[2]).toMatch(/^host memory: .* fits the 15\.0 GiB of your Ascend server one task may use/);
  });

  it.each([
    ['cpu', 'cpu-function'],
    ['gpu', 'gpu-task'],
    ['edge', 'edge-function'],
  ] as const)('placement.target %s pins %s', (placement, target) => {
    const decision = placementOfManifest(manifestFor(lenet, size, { target: placement }));
    expect(decision).toMatchObject({ target, pinned: true });
    expect(decision.estimates[target].fits).toBe(true);
  });

  it('placement.target auto, or none, leaves it to the policy; a caller pin beats the manifest', () => {
    expect(placementOfManifest(manifestFor(lenet, size, { target: 'auto' }))).toMatchObject({
      target: 'cpu-function',
      pinned: false,
    });
    expect(placementOfManifest(manifestFor(lenet, size))).toMatchObject({ target: 'cpu-function', pinned: false });
    const overridden = placementOfManifest(manifestFor(lenet, size, { target: 'ascend' }), { pin: 'gpu-task' });
    expect(overridden).toMatchObject({ target: 'gpu-task', pinned: true });
    expect(overridden.reasons[0]).toBe('pinned to gpu-task by the caller');
  });

  it('an edge placement survives the manifest round trip', () => {
    expect(PLACEMENT_TARGETS).toContain('edge');
    const manifest = manifestFor(lenet, size, { target: 'edge' });
    expect(parseManifest(JSON.parse(JSON.stringify(manifest)), 'mindlet.json').placement).toEqual({ target: 'edge' });
  });

  it('a pin that does not fit is kept, with a warning naming the limit', () => {
    const decision = placeModel(synthetic({ weightBytes: 7e9, flops: 14e9 }), { pin: 'cpu-function' });
    expectWellFormed(decision);
    expect(decision).toMatchObject({ target: 'cpu-function', pinned: true });
    expect(decision.reasons[0]).toBe('pinned to cpu-function by the caller');
    expect(decision.reasons[1]).toMatch(/^warning: the model does not fit cpu-function: .*10,240 MB memory limit/);
  });

  it('a declared accelerator wins over the policy, unpinned', () => {
    const ascend = placeModel(synthetic({ weightBytes: 1e6, flops: 1e6, accelerator: 'ascend' }));
    expect(ascend).toMatchObject({ target: 'ascend-task', pinned: false });
    // Routed as declared, but the first reason (what the batch function logs) says the host CPU computes.
    expect(ascend.reasons[0]).toMatch(
      /^the model declares the ascend accelerator, so it is routed to ascend-task, where it computes on mindlet's CPU engine on 4 vCPUs of your Ascend server .*: no Ascend backend runs yet/,
    );
    const gpuProfile = profileFromManifest(manifestFor(lenet, size, { target: 'gpu' }));
    expect(gpuProfile.accelerator).toBe('gpu');
    const gpu = placeModel(gpuProfile);
    expect(gpu).toMatchObject({ target: 'gpu-task', pinned: false });
    expect(gpu.reasons[0]).toBe(
      'the model declares the gpu accelerator, so it is routed to gpu-task, where it computes on ' +
        "mindlet's CPU engine on the g5.xlarge's 4 vCPUs: no GPU backend runs yet, so the NVIDIA A10G the task " +
        'reserves is idle',
    );
  });
});

describe('the engine each target runs', () => {
  it('TARGET_ENGINES says what the container images run: the CPU engine, whatever backend a task asks for', () => {
    expect(TARGET_ENGINES).toEqual({
      'cpu-function': 'cpu',
      'gpu-task': 'cpu',
      'ascend-task': 'cpu',
      'edge-function': 'wasm',
    });
    // When engine-backend.ts runs an accelerator backend, this fails until the table switches the estimate too.
    for (const [target, backend] of [
      ['gpu-task', 'gpu'],
      ['ascend-task', 'ascend'],
    ] as const)
      expect(TARGET_ENGINES[target]).toBe(chooseEngineBackend({ [ENGINE_BACKEND_ENV]: backend }).using);
  });

  it('a pinned task whose model is over the host memory warns with that limit, not the GPU memory', () => {
    // 20 GiB of weights would fit the A10G's 24 GiB, but the CPU engine holds file, weights and activations on the host.
    const decision = placeModel(synthetic({ weightBytes: 20 * GIB, flops: 1e10 }), { pin: 'gpu-task' });
    expectWellFormed(decision);
    expect(decision.reasons[0]).toBe('pinned to gpu-task by the caller');
    expect(decision.reasons[1]).toMatch(/^on gpu-task the model computes on mindlet's CPU engine/);
    expect(decision.reasons[2]).toMatch(
      /^warning: the model does not fit gpu-task: host memory: .* = 40\.\d GiB, over the 15\.0 GiB a g5\.xlarge leaves/,
    );
    expect(decision.estimates['gpu-task'].memoryMb).toBeGreaterThan(DEFAULT_GPU_INSTANCE.memoryMb);
  });

  it('the Ascend server figures are assumptions the caller can override', () => {
    const profile = synthetic({ weightBytes: 1e6, flops: 4e9 });
    const assumed = estimateTargets(profile)['ascend-task'];
    expect(assumed.engineNote).toMatch(/on 4 vCPUs of your Ascend server \(assumed: ascendHostVcpus, --ascend-vcpus\)/);
    const given = estimateTargets(profile, { ascendHostVcpus: 8, ascendHostMemoryMb: 1024 })['ascend-task'];
    expect(given.latencyMs).toBeCloseTo((assumed.latencyMs - 1) / 2 + 1, 3);
    expect(given.fits).toBe(true);
    // The GPU host's figures are the instance type's, not these.
    expect(estimateTargets(profile, { ascendHostVcpus: 8 })['gpu-task']).toEqual(estimateTargets(profile)['gpu-task']);
    expect(PLACEMENT_ASSUMPTIONS.ascendHostMemoryMb).toBe(15 * 1024);
    // On the CPU engine the NPU's memory is not the limit: 60 GiB of weights fit a server with the memory for them.
    const big = synthetic({ weightBytes: DEFAULT_ASCEND_DEVICE.deviceMemoryMb * MIB + 12 * GIB, flops: 1e10 });
    const roomy = estimateTargets(big, { ascendHostMemoryMb: 256 * 1024 })['ascend-task'];
    expect(roomy).toMatchObject({ fits: true, engine: 'cpu' });
    expect(roomy.memoryMb).toBeGreaterThan(2 * DEFAULT_ASCEND_DEVICE.deviceMemoryMb);
  });

  it.each([
    ['ascendHostVcpus', 0],
    ['ascendHostVcpus', 2.5],
    ['ascendHostMemoryMb', -1],
    ['ascendHostMemoryMb', Number.NaN],
  ] as const)('%s %s is INVALID_ARGUMENT', (name, value) => {
    expect(() => placeModel(synthetic({ weightBytes: 1, flops: 1 }), { [name]: value })).toThrow(
      new RegExp(`${name} must be a positive integer`),
    );
  });
});

describe('inputs the policy refuses, and the moved sizing module', () => {
  it.each([
    ['negative weights', { weightBytes: -1, flops: 1 }],
    ['NaN FLOPs', { weightBytes: 1, flops: Number.NaN }],
    ['batch 0', { weightBytes: 1, flops: 1, batch: 0 }],
    ['infinite peak activations', { weightBytes: 1, flops: 1, peakActivationBytes: Number.POSITIVE_INFINITY }],
  ])('%s is INVALID_ARGUMENT', (_name, fields) => {
    let error: unknown;
    try {
      placeModel(synthetic(fields));
    } catch (caught) {
      error = caught;
    }
    expect(isMindletError(error) && error.code === 'INVALID_ARGUMENT').toBe(true);
    expect(() => estimateTargets(synthetic(fields))).toThrow(/invalid placement profile/);
  });

  it('refuses a batch that is not a positive integer', () => {
    expect(() => placeModel(synthetic({ weightBytes: 1, flops: 1 }), { batch: 1.5 })).toThrow(/positive integer/);
  });

  it('infra/memory-sizing re-exports the one implementation in src/routing', () => {
    expect(infraSizing.estimateModelMemory).toBe(estimateModelMemory);
    expect(infraSizing.modelMemoryMb).toBe(modelMemoryMb);
    expect(infraSizing.LAMBDA_MAX_MEMORY_MB).toBe(LAMBDA_LIMITS.maxMemoryMb);
  });
});
