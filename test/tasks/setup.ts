/**
 * What the worker tests share: the bundled LeNet published to the S3 stand-in as `mindlet publish` lays it out,
 * input objects of distinct records, the engine's own answers to compare with, and the CLI run from the sources in
 * a child process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { ObjectStatus } from '../../src/batch/types.js';
import type { Session } from '../../src/runtime/types.js';
import { encodeNpy } from '../../src/tensor/npy.js';
import { repoRoot } from '../tools/proto-encode.js';
import type { AnnouncedObject } from '../tools/s3-events.js';
import type { LocalS3 } from '../tools/s3-server.js';

export const MODEL_DIR = path.join(repoRoot, 'examples/models/lenet/1');
export const MODEL_URI = 's3://models/lenet/1/model.mindir';
export const DATA = 'data';
/** Same engine and weights; micro-batching changes only the batch dimension. */
export const TOLERANCE = 1e-5;

export async function publishModel(s3: LocalS3): Promise<void> {
  await s3.createBucket('models');
  await s3.createBucket(DATA);
  for (const file of ['model.mindir', 'mindlet.json'])
    await s3.client.send(
      new PutObjectCommand({
        Bucket: 'models',
        Key: `lenet/1/${file}`,
        Body: readFileSync(path.join(MODEL_DIR, file)),
      }),
    );
}

/** `count` pseudo-random 32×32 images from `seed`. */
export function records(count: number, seed: number): Float32Array[] {
  let state = seed;
  return Array.from({ length: count }, () =>
    Float32Array.from({ length: 1024 }, () => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    }),
  );
}

export function npyOf(list: readonly Float32Array[]): Uint8Array {
  const data = new Float32Array(list.length * 1024);
  list.forEach((record, index) => {
    data.set(record, index * 1024);
  });
  return encodeNpy({ dtype: 'float32', shape: [list.length, 1, 32, 32], data });
}

export async function put(s3: LocalS3, key: string, body: Uint8Array | string): Promise<AnnouncedObject> {
  await s3.client.send(new PutObjectCommand({ Bucket: DATA, Key: key, Body: body }));
  const head = await s3.client.send(new HeadObjectCommand({ Bucket: DATA, Key: key }));
  return { bucket: DATA, key, size: head.ContentLength!, etag: head.ETag! };
}

export async function getBytes(s3: LocalS3, key: string): Promise<Uint8Array | undefined> {
  try {
    const object = await s3.client.send(new GetObjectCommand({ Bucket: DATA, Key: key }));
    return await object.Body!.transformToByteArray();
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

/** `out/<key>.status.json`, or undefined when there is none. */
export async function statusOf(s3: LocalS3, key: string): Promise<ObjectStatus | undefined> {
  const bytes = await getBytes(s3, `out/${key}.status.json`);
  return bytes && (JSON.parse(Buffer.from(bytes).toString('utf8')) as ObjectStatus);
}

/** Checks every row of a [rows, 10] prediction against the engine run on that record alone. */
export async function expectPredictions(
  session: Session,
  predicted: Float32Array,
  inputs: readonly Float32Array[],
): Promise<void> {
  if (predicted.length !== inputs.length * 10)
    throw new Error(`expected ${inputs.length * 10} values, got ${predicted.length}`);
  for (const [row, record] of inputs.entries()) {
    const [output] = await session.run([{ dtype: 'float32', shape: [1, 1, 32, 32], data: record }]);
    const wanted = output!.data as Float32Array;
    for (let i = 0; i < 10; i++) {
      const got = predicted[row * 10 + i]!;
      if (Math.abs(got - wanted[i]!) > TOLERANCE * Math.max(1, Math.abs(wanted[i]!)))
        throw new Error(`row ${row} value ${i}: got ${got}, wanted ${wanted[i]}`);
    }
  }
}

export interface CliRun {
  child: ChildProcess;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** JSON log lines on stderr so far. */
  logs(): Array<Record<string, unknown>>;
  exited: Promise<number | null>;
}

/** `mindlet <args>` from the sources in a child process, with `env` over this process's environment. */
export function runCli(args: string[], env: Record<string, string>): CliRun {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(repoRoot, 'test/tools/mindlet-from-source.ts'), ...args],
    { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
  });
  child.stdout!.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const logs = () =>
    stderr.split('\n').flatMap((line) => {
      if (!line.startsWith('{')) return [];
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  return { child, stderr: () => stderr, logs, exited };
}

/** Polls until `check` is true (or throws after `timeoutMs`, saying what it waited for). */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
