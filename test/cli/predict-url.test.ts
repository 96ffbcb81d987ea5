/**
 * `mindlet predict --url`: end to end through `main` against the real serving app on 127.0.0.1, with a real model;
 * results compared with a direct `session.run` on the same input.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { StaticModelRepository, servedModelFromSession } from '../../src/repository/served-model.js';
import { loadSession } from '../../src/runtime/index.js';
import type { Session } from '../../src/runtime/types.js';
import { createServingApp } from '../../src/serving/app.js';
import { decodeNpy, encodeNpy } from '../../src/tensor/npy.js';
import type { NamedTensor, Tensor } from '../../src/tensor/types.js';
import { fixture, repoRoot } from '../tools/proto-encode.js';

const digitFile = path.join(repoRoot, 'examples', 'digit-7.npy');
let session: Session;
let server: ReturnType<typeof serve>;
let url: string;
let expected: NamedTensor;
let inputName: string;
let outputName: string;
let dir: string;

async function mindlet(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

beforeAll(async () => {
  session = await loadSession(fixture('ori_net.mindir'), { threads: 1 });
  const model = servedModelFromSession(session, { name: 'lenet', version: '3', platform: 'mindspore_mindir' });
  inputName = model.inputs[0]!.name;
  outputName = model.outputs[0]!.name;
  const app = createServingApp({ repository: new StaticModelRepository([model]) });
  await new Promise<void>((resolve) => {
    server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  [expected] = (await session.run([decodeNpy(readFileSync(digitFile), digitFile)])) as [NamedTensor];
  dir = mkdtempSync(path.join(os.tmpdir(), 'mindlet-predict-url-'));
});

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  session?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function expectEngineOutput(tensor: Tensor): void {
  expect(tensor.dtype).toBe(expected.dtype);
  expect(tensor.shape).toEqual(expected.shape);
  expect(Array.from(tensor.data as Float32Array)).toEqual(Array.from(expected.data as Float32Array));
}

describe('mindlet predict --url', () => {
  it('prints the JSON outputs the engine gives for the example digit', async () => {
    const { code, stdout, stderr } = await mindlet(
      'predict',
      '--url',
      url,
      '--model',
      'lenet',
      '--input',
      digitFile,
      '--json',
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const { outputs } = JSON.parse(stdout) as {
      outputs: Array<{ name: string; dtype: string; shape: number[]; data: number[] }>;
    };
    expect(outputs).toHaveLength(1);
    expect(outputs[0]!.name).toBe(outputName);
    expectEngineOutput({
      dtype: outputs[0]!.dtype as 'float32',
      shape: outputs[0]!.shape,
      data: Float32Array.from(outputs[0]!.data),
    });
  });

  it('writes --output exactly, with a named input, a version and binary tensors', async () => {
    const file = path.join(dir, 'scores.npy');
    const { code, stdout, stderr } = await mindlet(
      'predict',
      '--url',
      `${url}/`,
      '--model',
      'lenet',
      '--model-version',
      '3',
      '--input',
      `${inputName}=${digitFile}`,
      '--output',
      file,
      '--binary',
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(`wrote ${file}`);
    expectEngineOutput(decodeNpy(readFileSync(file), file));
  });

  it('writes --output-dir with JSON tensors, and prints a summary by default', async () => {
    const out = path.join(dir, 'outs');
    const written = await mindlet(
      'predict',
      '--url',
      url,
      '--model',
      'lenet',
      '-i',
      digitFile,
      '--output-dir',
      out,
      '--no-binary',
    );
    expect(written.code).toBe(0);
    const file = path.join(out, `${outputName.replace(/[^A-Za-z0-9._-]/g, '_')}.npy`);
    expectEngineOutput(decodeNpy(readFileSync(file), file));

    const summary = await mindlet('predict', '--url', url, '--model', 'lenet', '-i', digitFile);
    expect(summary.code).toBe(0);
    expect(summary.stdout.split('\n')[0]).toBe(`${outputName}  float32  [${expected.shape.join(', ')}]`);
  });

  it('names a wrong input file from the server metadata before sending anything', async () => {
    const small = path.join(dir, 'small.npy');
    writeFileSync(small, encodeNpy({ dtype: 'float32', shape: [1, 1, 16, 16], data: new Float32Array(256) }));
    const { code, stderr } = await mindlet('predict', '--url', url, '--model', 'lenet', '--input', small);
    expect(code).toBe(1);
    expect(stderr).toContain(small);
    expect(stderr).toContain(inputName);
  });

  it("reports the server's error for an unknown model or version", async () => {
    for (const args of [
      ['--model', 'nope'],
      ['--model', 'lenet', '--model-version', '9'],
    ]) {
      const { code, stderr } = await mindlet('predict', '--url', url, ...args, '--input', digitFile);
      expect(code).toBe(1);
      expect(stderr).toMatch(/^mindlet: GET .* HTTP 404: /);
      expect(stderr).toContain(args.at(-1)!);
    }
  });

  it('refuses options that do not go together', async () => {
    const cases: string[][] = [
      ['predict', '--url', url, '--input', digitFile],
      ['predict', fixture('ori_net.mindir'), '--url', url, '--model', 'lenet', '--input', digitFile],
      ['predict', '--url', url, '--model', 'lenet', '--threads', '2', '--input', digitFile],
      ['predict', '--url', url, '--model', 'lenet', '--binary', '--no-binary', '--input', digitFile],
      ['predict', fixture('ori_net.mindir'), '--model', 'lenet', '--input', digitFile],
    ];
    for (const args of cases) {
      const { code, stderr } = await mindlet(...args);
      expect(code, args.join(' ')).toBe(1);
      expect(stderr).toContain('usage:');
    }
  });
});
