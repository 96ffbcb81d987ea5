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
import { profileModel } from '../../src/mindir/profile.js';
import type { Model } from '../../src/mindir/types.js';
import { loadModel } from '../../src/model/load.js';
import {
  DEFAULT_ASCEND_DEVICE,
  DEFAULT_GPU_INSTANCE,
  DEPLOY_TARGETS,
  estimateModelMemory,
  estimateTargets,
  LAMBDA_LIMITS,
  modelMemoryMb,
  type PlacementDecision,
  type PlacementProfile,
  placeModel,
  placementOfManifest,
  profileFromManifest,
  profileFromModel,
  WORKERS_LIMITS,
  withBatch,
} from '../../src/routing/index.js';
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
    expect(decision.reasons).toContainEqual(expect.stringMatching(/fits the NVIDIA A10G's 24\.0 GiB \(g5\.xlarge\)$/));
    expect(decision.estimates['cpu-function'].memoryMb).toBeGreaterThan(LAMBDA_LIMITS.maxMemoryMb);
    expect(estimateModelMemory({ parameterBytes: 7e9, flops: 14e9 }).fitsLambda).toBe(false);
  });

  it('too slow for the 900 s timeout (with margin): gpu-task, naming the timeout', () => {
    const decision = placeModel(synthetic({ weightBytes: 1e6, flops: 5e14, peakActivationBytes: 50 * MIB }));
    expectWellFormed(decision);
    expect(decision.target).toBe('gpu-task');
    expect(decision.estimates['cpu-function'].limits).toEqual([expect.stringMatching(/Lambda's 900 s timeout/)]);
    expect(decision.estimates['cpu-function'].latencyMs * 2).toBeGreaterThan(LAMBDA_LIMITS.timeoutSeconds * 1000);
  });

  it('too big for the GPU, not for an Ascend device: ascend-task', () => {
    const weightBytes = DEFAULT_GPU_INSTANCE.gpuMemoryMb * MIB + 4 * GIB;
    expect(weightBytes).toBeLessThan(DEFAULT_ASCEND_DEVICE.deviceMemoryMb * MIB);
    const decision = placeModel(synthetic({ weightBytes, flops: 1e10 }));
    expectWellFormed(decision);
    expect(decision.target).toBe('ascend-task');
    expect(decision.reasons[0]).toMatch(/^does not fit cpu-function/);
    expect(decision.reasons[1]).toMatch(/^does not fit gpu-task: device memory: .*over the NVIDIA A10G's/);
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
    expect(decision.reasons[1]).toMatch(/fits one Ascend 310P .* device's 48\.0 GiB$/);
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
    expect(ascend.reasons[0]).toMatch(/declares the ascend accelerator/);
    const gpuProfile = profileFromManifest(manifestFor(lenet, size, { target: 'gpu' }));
    expect(gpuProfile.accelerator).toBe('gpu');
    expect(placeModel(gpuProfile)).toMatchObject({ target: 'gpu-task', pinned: false });
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
