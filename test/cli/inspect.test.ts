/** `mindlet inspect` as users run it: the built bin in a fresh Node process. */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { encodeCheckpoint } from '../tools/checkpoint-writer.js';
import { fixture, repoRoot } from '../tools/proto-encode.js';

const run = promisify(execFile);
const bin = path.join(repoRoot, 'bin', 'mindlet.js');

async function mindlet(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      env: { ...process.env, MINDLET_MODEL_KEY: '' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('mindlet inspect', () => {
  it('--json prints the keys other tools read', async () => {
    const { code, stdout } = await mindlet('inspect', fixture('ori_net.mindir'), '--json');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.producer).toBe('MindSpore');
    expect(report.irVersion).toBe('0.1.1');
    expect(report.inputs).toEqual([{ name: expect.stringMatching(/:x$/), dtype: 'float32', shape: [1, 1, 32, 32] }]);
    expect(report.outputs).toEqual([{ name: expect.any(String), dtype: 'float32', shape: [1, 10] }]);
    expect(report.parameters).toMatchObject({ count: 2, bytes: 10_200 });
    expect(report.ops).toEqual({ Conv2D: 2, ReLU: 4, MaxPool: 2, MatMul: 3, Reshape: 1 });
    expect(report.flops).toBeGreaterThan(0);
  });

  it('prints a human summary', async () => {
    const { code, stdout } = await mindlet('inspect', fixture('relu.mindir'));
    expect(code).toBe(0);
    expect(stdout).toMatch(/MindSpore 1\.5\.0rc1/);
    expect(stdout).toMatch(/float32 {2}\[1, 1, 2, 2\]/);
    expect(stdout).toMatch(/ReLU ×1/);
  });

  it('decrypts with --key', async () => {
    const key = Buffer.from('0123456789ABCDEF').toString('hex');
    const { code, stdout } = await mindlet(
      'inspect',
      fixture('add_encrpty_key_0123456789ABCDEF.mindir'),
      '--json',
      '--key',
      key,
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ encrypted: true, ops: { Add: 1 } });
  });

  it('inspects checkpoints', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mindlet-cli-'));
    const file = path.join(dir, 'net.ckpt');
    writeFileSync(
      file,
      encodeCheckpoint([{ tag: 'fc.weight', type: 'Float32', dims: [2, 3], content: new Uint8Array(24) }]),
    );
    const { code, stdout } = await mindlet('inspect', file, '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout).tensors).toEqual([{ name: 'fc.weight', dtype: 'float32', shape: [2, 3], bytes: 24 }]);
  });

  it('bad input: one line on stderr, exit code 1, no stack trace', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mindlet-cli-'));
    const truncated = path.join(dir, 'cut.mindir');
    const { readFileSync } = await import('node:fs');
    writeFileSync(truncated, readFileSync(fixture('ori_net.mindir')).subarray(0, 5000));
    const cases: Array<[string[], RegExp]> = [
      [['inspect', truncated], /cut\.mindir: not a valid MindIR file/],
      [['inspect', path.join(dir, 'missing.mindir')], /missing\.mindir: no such file/],
      [['inspect', fixture('add_encrpty_key_0123456789ABCDEF.mindir')], /encrypted \(AES-GCM\); pass its key/],
      [['inspect', fixture('add_encrpty_key_0123456789ABCDEF.mindir'), '--key', 'ab'.repeat(16)], /wrong key/],
      [['inspect', fixture('relu.mindir'), '--key', 'xyz'], /hex digits/],
    ];
    for (const [args, pattern] of cases) {
      const { code, stdout, stderr } = await mindlet(...args);
      expect(code, args.join(' ')).toBe(1);
      expect(stdout).toBe('');
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(pattern);
      expect(stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('usage errors exit 1 with help', async () => {
    const { code, stderr } = await mindlet('frobnicate');
    expect(code).toBe(1);
    expect(stderr).toMatch(/unknown command "frobnicate"/);
  });
});
