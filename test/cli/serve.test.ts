/**
 * `mindlet serve` as a newcomer runs it: the built bin in a fresh process, the bundled example, the printed curl
 * requests sent over real HTTP. Both protocols must give the numbers the engine gives for the same image.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSession } from '../../src/runtime/session.js';
import { decodeNpy } from '../../src/tensor/npy.js';
import { repoRoot } from '../tools/proto-encode.js';

interface Printed {
  url: string;
  curls: Array<{ body: string; url: string }>;
}

let child: ChildProcess;
let printed: Printed;
let stderr = '';

/** Starts `mindlet serve --port 0` and reads its banner up to the curl lines. */
function startServe(): Promise<Printed> {
  child = spawn(process.execPath, [path.join(repoRoot, 'bin/mindlet.js'), 'serve', '--port', '0', '--watch', '0'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no banner in 30 s; stdout: ${out}; stderr: ${stderr}`)), 30_000);
    child.once('exit', (code) => reject(new Error(`mindlet serve exited with ${code}: ${stderr}`)));
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const curls = [...out.matchAll(/curl -s -H 'content-type: application\/json' -d @(\S+) (\S+)/g)];
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (url && curls.length === 2) {
        clearTimeout(timer);
        resolve({ url, curls: curls.map((m) => ({ body: m[1]!, url: m[2]! })) });
      }
    });
  });
}

interface InferReply {
  model_name?: string;
  outputs: Array<{ shape: number[]; datatype: string; data: number[] }>;
  instances: Array<Record<string, number[]>>;
}

async function post(target: { body: string; url: string }): Promise<{ status: number; json: InferReply }> {
  const response = await fetch(target.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: readFileSync(target.body),
  });
  return { status: response.status, json: (await response.json()) as InferReply };
}

describe('mindlet serve (bundled example)', () => {
  beforeAll(async () => {
    printed = await startServe();
  }, 60_000);

  afterAll(async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  });

  it('prints one KServe v2 and one MindSpore Serving request, both for the served model', () => {
    expect(printed.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(printed.curls[0]!.url).toBe(`${printed.url}/v2/models/lenet/infer`);
    expect(printed.curls[1]!.url).toBe(`${printed.url}/model/lenet:predict`);
  });

  it('answers both printed requests for digit-7: KServe with the label 7, MindSpore Serving with the engine’s logits', async () => {
    const image = decodeNpy(readFileSync(path.join(repoRoot, 'examples/digit-7.npy')), 'digit-7.npy');
    const session = await loadSession(path.join(repoRoot, 'examples/models/lenet/1/model.mindir'));
    const [expected] = await session.run([image]);
    session.close();
    const logits = Array.from(expected!.data as Float32Array);

    const kserve = await post(printed.curls[0]!);
    expect(kserve.status).toBe(200);
    expect(kserve.json.model_name).toBe('lenet');
    const output = kserve.json.outputs[0]!;
    // The request asks for the top class (classification extension): "<value>:<index>:<label>".
    expect(output.datatype).toBe('BYTES');
    expect(output.shape).toEqual([1, 1]);
    expect(output.data).toEqual([`${Math.max(...logits).toFixed(6)}:7:7`]);

    const serving = await post(printed.curls[1]!);
    expect(serving.status).toBe(200);
    expect(serving.json.instances).toHaveLength(1);
    const instance = serving.json.instances[0]!;
    const values = Object.values(instance)[0] as number[];
    // One instance is one sample: the batch dimension is not repeated in the answer.
    expect(values).toEqual(logits);
    expect(values.indexOf(Math.max(...values))).toBe(7);
  });

  it('keeps serving after a bad request and stops cleanly on SIGTERM', async () => {
    const bad = await fetch(`${printed.url}/v2/models/lenet/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"inputs": [',
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('x-request-id')).toBeTruthy();
    const live = await fetch(`${printed.url}/v2/health/ready`);
    expect(live.status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
