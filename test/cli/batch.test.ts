/**
 * `mindlet batch run | status` end to end through the built bin, on local folders with the bundled example model:
 * outputs and status files, the summary and progress lines, idempotent re-runs, failed objects and exit codes.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSession } from '../../src/runtime/session.js';
import { decodeNpy, encodeNpy } from '../../src/tensor/npy.js';
import { repoRoot } from '../tools/proto-encode.js';

const run = promisify(execFile);
const bin = path.join(repoRoot, 'bin', 'mindlet.js');
const model = path.join(repoRoot, 'examples/models/lenet/1/model.mindir');

async function mindlet(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { maxBuffer: 16 << 20 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let dir: string;
let input: string;
let output: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mindlet-cli-batch-'));
  input = path.join(dir, 'in');
  output = path.join(dir, 'out');
  mkdirSync(path.join(input, 'a'), { recursive: true });
  const digit = decodeNpy(readFileSync(path.join(repoRoot, 'examples/digit-7.npy')));
  const three = new Float32Array(3 * 1024);
  for (let i = 0; i < 3; i++) three.set(digit.data as Float32Array, i * 1024);
  writeFileSync(
    path.join(input, 'a', 'three.npy'),
    encodeNpy({ dtype: 'float32', shape: [3, 1, 32, 32], data: three }),
  );
  const line = JSON.stringify({
    id: 'd7',
    inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 1, 32, 32], data: Array.from(digit.data as Float32Array) }],
  });
  writeFileSync(path.join(input, 'lines.jsonl'), `${line}\n{"x": [1]}\n`);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('mindlet batch', () => {
  it('run predicts every input, prints progress on stderr and a summary on stdout', async () => {
    const result = await mindlet('batch', 'run', model, input, output);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^done {5}.*three\.npy → .*three\.npy \(3 ok, 0 failed\)$/m);
    expect(result.stdout).toMatch(/^done {5}.*lines\.jsonl → .*lines\.jsonl \(1 ok, 1 failed\)$/m);
    expect(result.stdout).toMatch(/2 objects, 5 records \(1 failed\) in [\d.]+ s, [\d,]+ records\/s, batch size 1/);
    // Not a terminal: progress comes as a few whole lines, ending at 100%.
    expect(result.stderr).toMatch(/\[#+\] 100% 5 records .*\(2\/2 objects/);
    const predicted = decodeNpy(readFileSync(path.join(output, 'a', 'three.npy')));
    expect(predicted.shape).toEqual([3, 10]);
    // Every row is what the engine computes for the digit on its own.
    const session = await loadSession(model, { threads: 1 });
    try {
      const digit = decodeNpy(readFileSync(path.join(repoRoot, 'examples/digit-7.npy')));
      const [wanted] = await session.run([digit]);
      // Same engine and weights; thread counts differ (all CPUs vs 1), hence a float32 rounding tolerance.
      for (let r = 0; r < 3; r++)
        (wanted!.data as Float32Array).forEach((value, i) => {
          expect((predicted.data as Float32Array)[r * 10 + i]).toBeCloseTo(value, 5);
        });
    } finally {
      session.close();
    }
  });

  it('run again skips what is done; status lists every object', async () => {
    const again = await mindlet('batch', 'run', model, input, output, '--json');
    expect(again.code).toBe(0);
    const summary = JSON.parse(again.stdout) as { objects: Array<{ outcome: { kind: string; reason: string } }> };
    expect(summary.objects.map((o) => o.outcome)).toEqual([
      expect.objectContaining({ kind: 'skipped', reason: 'already-done' }),
      expect.objectContaining({ kind: 'skipped', reason: 'already-done' }),
    ]);

    writeFileSync(
      path.join(input, 'a', 'new.npy'),
      encodeNpy({ dtype: 'float32', shape: [1, 1, 32, 32], data: new Float32Array(1024) }),
    );
    const status = await mindlet('batch', 'status', output);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^done {10}a\/three\.npy {2}3 ok, 0 failed$/m);
    expect(status.stdout).toMatch(/^done {10}lines\.jsonl {2}1 ok, 1 failed$/m);
    expect(status.stdout).toMatch(/^pending {7}a\/new\.npy$/m);
    expect(status.stdout).toMatch(/2 done, 0 failed, 0 dead-lettered, 0 handed off, 1 pending; records 4 ok, 1 failed/);
    const json = JSON.parse((await mindlet('batch', 'status', output, '--json')).stdout) as { counts: object };
    expect(json.counts).toEqual({ done: 2, failed: 0, 'dead-lettered': 0, 'handed-off': 0, pending: 1 });
  });

  it('exits 1 when an object fails as a whole, after predicting the others', async () => {
    const badIn = path.join(dir, 'bad-in');
    mkdirSync(badIn, { recursive: true });
    writeFileSync(path.join(badIn, 'broken.npz'), 'not a zip at all');
    writeFileSync(
      path.join(badIn, 'fine.npy'),
      encodeNpy({ dtype: 'float32', shape: [1, 1, 32, 32], data: new Float32Array(1024) }),
    );
    const result = await mindlet('batch', 'run', model, badIn, path.join(dir, 'bad-out'));
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^failed {3}.*broken\.npz: /m);
    expect(result.stdout).toMatch(/^done {5}.*fine\.npy/m);
    const status = await mindlet('batch', 'status', path.join(dir, 'bad-out'));
    expect(status.stdout).toMatch(/^failed {8}broken\.npz {2}.+/m);
  });

  it('refuses bad arguments with a one-line error', async () => {
    for (const args of [
      ['batch', 'run', model, input],
      ['batch', 'run', model, input, path.join(input, 'out')],
      ['batch', 'run', model, input, output, '--batch-size', '0'],
      ['batch', 'run', path.join(dir, 'missing.mindir'), input, path.join(dir, 'o2')],
      ['batch', 'frobnicate'],
    ]) {
      const result = await mindlet(...args);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr, args.join(' ')).toMatch(/^mindlet: /);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
