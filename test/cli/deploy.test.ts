/**
 * `mindlet deploy --dry-run` through the built bin: a model published to the S3 stand-in is read (its manifest sizes
 * the functions), the stack is synthesized offline and its resources are listed; --batch adds the pipeline.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../tools/proto-encode.js';
import { type LocalS3, startLocalS3 } from '../tools/s3-server.js';

const bin = path.join(repoRoot, 'bin', 'mindlet.js');
let s3: LocalS3;
let work: string;

async function mindlet(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    // Asynchronous: the S3 stand-in answers from this process's event loop.
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], {
      cwd: work,
      env: { ...process.env, ...s3.env, MINDLET_CACHE_DIR: path.join(work, 'cache') },
      maxBuffer: 16 << 20,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'mindlet-deploy-'));
  s3 = await startLocalS3();
  await s3.createBucket('models');
  for (const file of ['model.mindir', 'mindlet.json'])
    await s3.client.send(
      new PutObjectCommand({
        Bucket: 'models',
        Key: `models/lenet/1/${file}`,
        Body: readFileSync(path.join(repoRoot, 'examples/models/lenet/1', file)),
      }),
    );
}, 60_000);

afterAll(async () => {
  await s3?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('mindlet deploy --dry-run', () => {
  it('lists the endpoint stack for a published model', async () => {
    const result = await mindlet(
      'deploy',
      's3://models/models/lenet/1/model.mindir',
      '--dry-run',
      '--out',
      path.join(work, 'a'),
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^stack Mindlet-lenet: \d+ resources/m);
    expect(result.stdout).toMatch(/AWS::Lambda::Function +EndpointFunction\w+$/m);
    expect(result.stdout).toMatch(/AWS::Lambda::LayerVersion/);
    expect(result.stdout).toMatch(/AWS::ApiGatewayV2::Api/);
    expect(result.stdout).not.toMatch(/AWS::SQS::Queue/);
    const template = JSON.parse(readFileSync(path.join(work, 'a', 'Mindlet-lenet.template.json'), 'utf8'));
    const fn = Object.values(
      template.Resources as Record<
        string,
        { Type: string; Properties: { Environment?: { Variables?: Record<string, string> } } }
      >,
    ).find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Environment?.Variables?.MODEL_URI)!;
    expect(fn.Properties.Environment!.Variables!.MODEL_URI).toBe('s3://models/models/lenet/1/model.mindir');
  }, 120_000);

  it('adds the batch pipeline with --batch and takes a stack name', async () => {
    const result = await mindlet(
      'deploy',
      's3://models/models/lenet/1/model.mindir',
      '--batch',
      '--dry-run',
      '--name',
      'Digits',
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^stack Digits: /m);
    expect(result.stdout).toMatch(/AWS::SQS::Queue +BatchQueue\w+$/m);
    expect(result.stdout).toMatch(/AWS::Lambda::EventSourceMapping/);
  }, 120_000);

  it('refuses a local model, an unpublished model and a bad stack name', async () => {
    const local = await mindlet('deploy', path.join(repoRoot, 'examples/models/lenet/1/model.mindir'), '--dry-run');
    expect(local.code).toBe(1);
    expect(local.stderr).toMatch(/publish .* first with `mindlet publish`/);
    const missing = await mindlet('deploy', 's3://models/models/other/1/model.mindir', '--dry-run');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no mindlet\.json beside/);
    const badName = await mindlet('deploy', 's3://models/models/lenet/1/model.mindir', '--dry-run', '--name', '9 bad');
    expect(badName.code).toBe(1);
    expect(badName.stderr).toMatch(/stack name/);
  }, 120_000);
});
