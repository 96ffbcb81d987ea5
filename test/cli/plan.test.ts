/**
 * `mindlet plan` through `main` in this process (the CLI's own code path, without a build of dist/): a real corpus
 * file, the JSON the contract promises, pins, a published model's manifest, and arguments it refuses.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { loadModel } from '../../src/model/load.js';
import {
  DEFAULT_GPU_INSTANCE,
  DEPLOY_TARGETS,
  PLACEMENT_ASSUMPTIONS,
  type PlacementDecision,
  profileFromModel,
  TARGET_ENGINES,
} from '../../src/placement/index.js';
import { buildManifest, MANIFEST_FILE } from '../../src/store/manifest.js';
import { fixture, liteFixture } from '../tools/proto-encode.js';

const faceNet = liteFixture('mobilefacenet0924.ms');
const encrypted = fixture('add_encrpty_key_0123456789ABCDEF.mindir');

let dir: string;
let publishedUri: string;
let savedKey: string | undefined;

async function mindlet(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

async function planJson(...args: string[]): Promise<PlacementDecision> {
  const { code, stdout, stderr } = await mindlet('plan', ...args, '--json');
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return JSON.parse(stdout) as PlacementDecision;
}

beforeAll(async () => {
  savedKey = process.env.MINDLET_MODEL_KEY;
  delete process.env.MINDLET_MODEL_KEY;
  // A published model as `mindlet publish` lays it out: the file and mindlet.json beside it, pinned to ascend.
  dir = mkdtempSync(path.join(os.tmpdir(), 'mindlet-plan-'));
  const source = fixture('ori_net.mindir');
  const modelFile = path.join(dir, 'model.mindir');
  copyFileSync(source, modelFile);
  const manifest = buildManifest(await loadModel(modelFile), {
    name: 'lenet',
    version: '3',
    modelFile: 'model.mindir',
    bytes: statSync(modelFile).size,
    sha256: '0'.repeat(64),
    placement: { target: 'ascend' },
  });
  writeFileSync(path.join(dir, MANIFEST_FILE), JSON.stringify(manifest));
  publishedUri = pathToFileURL(modelFile).href;
});

afterAll(() => {
  if (savedKey !== undefined) process.env.MINDLET_MODEL_KEY = savedKey;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('mindlet plan on a model file', () => {
  it('prints the decision, its reasons and a table of every target', async () => {
    const { code, stdout, stderr } = await mindlet('plan', faceNet);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe(faceNet);
    expect(stdout).toContain('placement  cpu-function (chosen by the policy)');
    expect(stdout).toMatch(/- weights .* fits Lambda's 10,240 MB/);
    expect(lines.find((line) => line.trim().startsWith('target'))).toMatch(
      /^ {4}target +engine +fits +memory +latency +cold start +\$ per 1M$/,
    );
    // Each row names the engine its estimate is for: the task targets' is the CPU engine, as that is what runs there.
    for (const target of DEPLOY_TARGETS)
      expect(lines.some((line) => new RegExp(`^ {4}${target} +${TARGET_ENGINES[target]} +(yes|no) `).test(line))).toBe(
        true,
      );
    expect(lines).toContain(
      "    - gpu-task: mindlet's CPU engine on the g5.xlarge's 4 vCPUs: no GPU backend runs yet, so the NVIDIA A10G " +
        'the task reserves is idle',
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^ {4}- ascend-task: mindlet's CPU engine on 4 vCPUs of your Ascend server \(assumed: /),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^ {4}- edge-function: mindlet's WebAssembly engine /));
    // edge-function was not asked for, so the limits section says how to opt in.
    expect(stdout).toMatch(/- edge-function: edge-function is opt-in.*--allow-edge/);
  });

  it('--json prints exactly {target, pinned, reasons, estimates}', async () => {
    const decision = await planJson(faceNet);
    expect(Object.keys(decision)).toEqual(['target', 'pinned', 'reasons', 'estimates']);
    expect(decision).toMatchObject({ target: 'cpu-function', pinned: false });
    expect(decision.reasons.length).toBeGreaterThan(0);
    expect(Object.keys(decision.estimates)).toEqual([...DEPLOY_TARGETS]);
    for (const target of DEPLOY_TARGETS) {
      const estimate = decision.estimates[target];
      expect(Object.keys(estimate).sort()).toEqual(
        [
          'coldStartMs',
          'costPerMillionUsd',
          'engine',
          'engineNote',
          'fits',
          'latencyMs',
          'limits',
          'memoryMb',
          'target',
        ].sort(),
      );
      expect(estimate.latencyMs).toBeGreaterThan(0);
      expect(estimate.engine).toBe(TARGET_ENGINES[target]);
    }
  });

  it('--json: the task targets are estimated for the CPU engine on the host, and say so', async () => {
    const profile = profileFromModel(await loadModel(faceNet));
    const decision = await planJson(faceNet, '--target', 'gpu-task');
    const gpu = decision.estimates['gpu-task'];
    expect(gpu.engine).toBe('cpu');
    expect(gpu.engineNote).toMatch(/^mindlet's CPU engine on the g5\.xlarge's 4 vCPUs: no GPU backend runs yet/);
    // FLOPs over the host's 4 vCPUs at 40 GFLOP/s each, plus 1 ms: not a fraction of the A10G's 31.2 TFLOPS.
    const { taskGflopsPerVcpu, cpuFixedOverheadMs } = PLACEMENT_ASSUMPTIONS;
    const engineMs = ((profile.flops * profile.batch) / (DEFAULT_GPU_INSTANCE.vcpus * taskGflopsPerVcpu * 1e9)) * 1000;
    expect(gpu.latencyMs).toBeCloseTo(engineMs + cpuFixedOverheadMs, 2);
    expect(decision.reasons[1]).toMatch(/^on gpu-task the model computes on mindlet's CPU engine/);
    expect(decision.reasons.join('\n')).not.toMatch(/TFLOPS|CUDA runtime/);
  });

  it('--ascend-vcpus and --ascend-memory-mb override what ascend-task assumes of your server', async () => {
    const assumed = (await planJson(faceNet)).estimates['ascend-task'];
    expect(assumed.engineNote).toMatch(/on 4 vCPUs of your Ascend server \(assumed: ascendHostVcpus, --ascend-vcpus\)/);
    const given = (await planJson(faceNet, '--ascend-vcpus', '16', '--ascend-memory-mb', '300')).estimates[
      'ascend-task'
    ];
    expect(given.engineNote).toMatch(/on 16 vCPUs of your Ascend server \(given\)/);
    expect(given.latencyMs).toBeLessThan(assumed.latencyMs);
    expect(given.fits).toBe(false);
    expect(given.limits[0]).toMatch(/over the 300 MiB of your Ascend server one task may use \(given\)$/);
  });

  it('--target pins, --allow-edge opts in, --batch scales the estimates', async () => {
    const pinned = await planJson(faceNet, '--target', 'gpu-task');
    expect(pinned).toMatchObject({ target: 'gpu-task', pinned: true });
    expect(pinned.reasons[0]).toBe('pinned to gpu-task by the caller');
    const edge = await planJson(faceNet, '--allow-edge');
    expect(edge).toMatchObject({ target: 'edge-function', pinned: false });
    const one = await planJson(faceNet);
    const sixteen = await planJson(faceNet, '--batch', '16');
    expect(sixteen.reasons.some((reason) => reason.includes('at batch 16'))).toBe(true);
    expect(sixteen.estimates['cpu-function'].latencyMs).toBeGreaterThan(one.estimates['cpu-function'].latencyMs * 8);
  });

  it('reads an encrypted model with --key, and says so without it', async () => {
    const key = Buffer.from('0123456789ABCDEF').toString('hex');
    expect((await planJson(encrypted, '--key', key)).target).toBe('cpu-function');
    const { code, stderr } = await mindlet('plan', encrypted);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^mindlet: .*key/);
  });
});

describe('mindlet plan on a published model', () => {
  it('plans from mindlet.json: its placement pins', async () => {
    const decision = await planJson(publishedUri);
    expect(decision).toMatchObject({ target: 'ascend-task', pinned: true });
    expect(decision.reasons[0]).toMatch(/by the manifest of lenet \(placement.target "ascend"\)/);
    const { code, stdout } = await mindlet('plan', publishedUri);
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toBe(`lenet version 3 (${publishedUri})`);
    expect(stdout).toContain('placement  ascend-task (pinned)');
    // Pinned there, it runs, but on the server's CPU: the reasons say so before any figure.
    expect(decision.reasons[1]).toMatch(
      /^on ascend-task the model computes on mindlet's CPU engine on 4 vCPUs of your Ascend server .*: no Ascend backend runs yet/,
    );
  });

  it('--target overrides the manifest', async () => {
    expect(await planJson(publishedUri, '--target', 'cpu-function')).toMatchObject({
      target: 'cpu-function',
      pinned: true,
    });
  });

  it('a model without a manifest is a clear error', async () => {
    const unpublished = path.join(dir, 'unpublished');
    mkdirSync(unpublished);
    copyFileSync(path.join(dir, 'model.mindir'), path.join(unpublished, 'model.mindir'));
    const uri = pathToFileURL(path.join(unpublished, 'model.mindir')).href;
    const { code, stderr } = await mindlet('plan', uri);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^mindlet: no mindlet\.json beside .*mindlet publish/);
  });
});

describe('arguments mindlet plan refuses (exit 1, one clear line)', () => {
  it.each([
    [['plan'], /plan takes one model/],
    [['plan', 'a.mindir', 'b.mindir'], /plan takes one model/],
    [
      ['plan', 'x.mindir', '--target', 'tpu'],
      /--target must be one of cpu-function, gpu-task, ascend-task, edge-function/,
    ],
    [['plan', 'x.mindir', '--batch', '0'], /--batch must be an integer from 1/],
    [['plan', 'x.mindir', '--batch', 'lots'], /--batch must be an integer from 1/],
    [['plan', 'x.mindir', '--ascend-vcpus', '0'], /--ascend-vcpus must be an integer from 1 to 1024/],
    [['plan', 'x.mindir', '--ascend-memory-mb', '1.5'], /--ascend-memory-mb must be an integer from 1/],
    [['plan', 's3://bucket/models/m/1/model.mindir', '--key', '00'], /--key applies to a model file/],
    [['plan', 'x.mindir', '--frobnicate'], /Unknown option '--frobnicate'/],
    [['plan', path.join(os.tmpdir(), `mindlet-plan-no-such-${process.pid}.mindir`)], /^mindlet: .*no-such/],
  ])('%j', async (argv, message) => {
    const { code, stdout, stderr } = await mindlet(...argv);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.split('\n')[0]).toMatch(message);
  });

  it('--help prints the usage and is listed in mindlet help', async () => {
    const help = await mindlet('plan', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('plan <model> [--json] [--target TARGET] [--allow-edge] [--batch N] [--key HEX]');
    expect(help.stdout).toContain('[--ascend-vcpus N] [--ascend-memory-mb N]');
    expect((await mindlet('help')).stdout).toContain('plan <model> [--json]');
  });
});
