/**
 * The ledger: with S3 behind a proxy that injects 5xx, throttling, slow answers, dropped and stalled bodies, and
 * every object announced twice (at-least-once delivery), every input record must end predicted or reported failed
 * in its object's output, in order, exactly once — zero lost, zero duplicated — and the predictions must be the
 * engine's. Deliveries that fail are redelivered, as SQS would, until they succeed.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchPipeline, isPermanentBatchError } from '../../src/batch/pipeline.js';
import type { ObjectJob, ObjectStatus } from '../../src/batch/types.js';
import { loadSession } from '../../src/runtime/session.js';
import type { Session } from '../../src/runtime/types.js';
import { decodeNpy, encodeNpy } from '../../src/tensor/npy.js';
import { decodeNpz, encodeNpz } from '../../src/tensor/npz.js';
import type { Tensor } from '../../src/tensor/types.js';
import { createTestS3Client, type FaultProxy, startFaultProxy } from '../tools/fault-proxy.js';
import { type LocalS3, startLocalS3 } from '../tools/s3-server.js';

const MODEL = 'examples/models/lenet/1/model.mindir';
/** Same engine and weights; a record alone vs in a micro-batch differs only in the batch dimension (fixed 1 here). */
const TOLERANCE = 1e-6;
const MAX_DELIVERIES = 12;

interface InputObject {
  key: string;
  body: Uint8Array;
  /** Per record: the input sample, or undefined for a line written to be bad. */
  records: Array<Float32Array | undefined>;
}

let s3: LocalS3;
let proxy: FaultProxy;
let faulty: S3Client;
let session: Session;
const objects: InputObject[] = [];

function sample(seed: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length: 1024 }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31 - 0.5;
  });
}

function jsonlObject(index: number, count: number): InputObject {
  const records: Array<Float32Array | undefined> = [];
  const lines: string[] = [];
  for (let r = 0; r < count; r++) {
    const id = `o${index}-r${r}`;
    if (r % 17 === 5) {
      records.push(undefined);
      lines.push(
        r % 2
          ? '{"x": "not a tensor"}'
          : `{"id": "${id}", "inputs": [{"name": "x", "datatype": "FP32", "shape": [2], "data": [1, 2]}]}`,
      );
      continue;
    }
    const data = sample(index * 1000 + r);
    records.push(data);
    lines.push(
      r % 3
        ? JSON.stringify({
            id,
            inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 1, 32, 32], data: Array.from(data) }],
          })
        : JSON.stringify({
            x: [Array.from({ length: 32 }, (_, row) => Array.from(data.subarray(row * 32, row * 32 + 32)))],
          }),
    );
  }
  return { key: `in/jsonl/part-${index}.jsonl`, body: new TextEncoder().encode(`${lines.join('\n')}\n`), records };
}

function arrayObject(index: number, count: number, format: 'npy' | 'npz'): InputObject {
  const records = Array.from({ length: count }, (_, r) => sample(index * 1000 + r));
  const data = new Float32Array(count * 1024);
  records.forEach((record, r) => {
    data.set(record, r * 1024);
  });
  const tensor: Tensor = { dtype: 'float32', shape: [count, 1, 32, 32], data };
  const body = format === 'npy' ? encodeNpy(tensor) : encodeNpz(new Map([['x', tensor]]));
  return { key: `in/arrays/part-${index}.${format}`, body, records };
}

beforeAll(async () => {
  s3 = await startLocalS3();
  await s3.createBucket('data');
  proxy = await startFaultProxy(s3.endpoint);
  faulty = createTestS3Client(proxy.endpoint, { maxAttempts: 3, retryDelayMs: 5 });
  session = await loadSession(MODEL, { threads: 1 });
  objects.push(jsonlObject(0, 40), jsonlObject(1, 75), jsonlObject(2, 3), arrayObject(3, 64, 'npy'));
  objects.push(arrayObject(4, 33, 'npz'), jsonlObject(5, 120), arrayObject(6, 1, 'npy'), arrayObject(7, 90, 'npz'));
  for (const object of objects)
    await s3.client.send(new PutObjectCommand({ Bucket: 'data', Key: object.key, Body: object.body }));
});

afterAll(async () => {
  session?.close();
  faulty?.destroy();
  await proxy?.stop();
  await s3?.stop();
});

async function getBytes(key: string): Promise<Uint8Array> {
  const got = await s3.client.send(new GetObjectCommand({ Bucket: 'data', Key: key }));
  return got.Body!.transformToByteArray();
}

async function expected(record: Float32Array): Promise<Float32Array> {
  const [out] = await session.run([{ dtype: 'float32', shape: [1, 1, 32, 32], data: record }]);
  return out!.data as Float32Array;
}

function expectClose(actual: ArrayLike<number>, wanted: ArrayLike<number>, label: string): void {
  expect(actual.length, label).toBe(wanted.length);
  for (let i = 0; i < wanted.length; i++)
    expect(Math.abs(actual[i]! - wanted[i]!), `${label}[${i}]`).toBeLessThanOrEqual(
      TOLERANCE * Math.max(1, Math.abs(wanted[i]!)),
    );
}

describe('ledger under injected S3 faults and duplicate deliveries', () => {
  it('predicts or reports every record exactly once', async () => {
    proxy.rules.push(
      // Reads: bodies cut off mid-way and stalled, throttling and errors on GET and HEAD.
      {
        method: 'GET',
        path: /^\/data\/in\//,
        probability: 0.25,
        seed: 11,
        action: { kind: 'drop-mid-body', afterBytes: 2000 },
      },
      { method: 'GET', path: /^\/data\/in\//, probability: 0.05, seed: 12, action: { kind: 'stall', afterBytes: 500 } },
      { method: 'GET', probability: 0.1, seed: 13, action: { kind: 'status', status: 503 } },
      { method: 'HEAD', probability: 0.1, seed: 14, action: { kind: 'status', status: 500 } },
      // Writes: failed PUTs (outputs, status files), resets and slow answers anywhere.
      { method: 'PUT', probability: 0.15, seed: 15, action: { kind: 'status', status: 500 } },
      { probability: 0.03, seed: 16, action: { kind: 'reset' } },
      { probability: 0.1, seed: 17, action: { kind: 'delay', ms: 30 } },
    );
    // The model is read once, locally; every object and status goes through the faulty proxy.
    const pipeline = await BatchPipeline.open({
      modelUri: MODEL,
      inputPrefix: 's3://data/in/',
      outputPrefix: 's3://data/out/',
      s3: faulty,
      threads: 1,
      streams: { stallTimeoutMs: 300, resumeBackoffMs: 5, maxResumes: 8 },
    });

    // At-least-once: each object announced twice; a failed delivery goes back on the queue.
    const queue: Array<{ job: ObjectJob; attempts: number }> = [];
    for (const object of objects) queue.push({ job: { input: `s3://data/${object.key}` }, attempts: 0 });
    for (const object of objects) queue.push({ job: { input: `s3://data/${object.key}` }, attempts: 0 });
    const outcomes = new Map<string, string[]>();
    let redeliveries = 0;
    try {
      while (queue.length) {
        const delivery = queue.shift()!;
        delivery.attempts++;
        try {
          const outcome = await pipeline.process(delivery.job, { attempts: delivery.attempts });
          outcomes.set(delivery.job.input, [...(outcomes.get(delivery.job.input) ?? []), outcome.kind]);
        } catch (error) {
          expect(isPermanentBatchError(error), String(error)).toBe(false);
          expect(delivery.attempts, `${delivery.job.input}: ${error}`).toBeLessThan(MAX_DELIVERIES);
          redeliveries++;
          queue.push(delivery);
        }
      }
    } finally {
      await pipeline.close();
    }
    proxy.rules.length = 0;

    // The faults really happened.
    for (const kind of ['drop-mid-body', 'stall', 'status', 'reset', 'delay'] as const)
      expect(proxy.injected[kind], kind).toBeGreaterThan(0);
    expect(redeliveries).toBeGreaterThan(0);

    let ok = 0;
    let failed = 0;
    for (const object of objects) {
      const uri = `s3://data/${object.key}`;
      // Done once; every other delivery of the same version was a no-op.
      const kinds = outcomes.get(uri) ?? [];
      expect(
        kinds.filter((k) => k === 'done'),
        uri,
      ).toHaveLength(1);
      expect(
        kinds.filter((k) => k !== 'done').every((k) => k === 'skipped'),
        uri,
      ).toBe(true);

      const status = JSON.parse(
        new TextDecoder().decode(await getBytes(`out/${object.key.slice(3)}.status.json`)),
      ) as ObjectStatus;
      const bad = object.records.flatMap((r, i) => (r ? [] : [i]));
      expect(status.state).toBe('done');
      expect(status.records).toEqual({
        total: object.records.length,
        ok: object.records.length - bad.length,
        failed: bad.length,
      });
      expect(status.errors.map((e) => e.record)).toEqual(bad);
      ok += status.records.ok;
      failed += status.records.failed;

      const output = await getBytes(`out/${object.key.slice(3)}`);
      if (object.key.endsWith('.jsonl')) {
        const lines = new TextDecoder()
          .decode(output)
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l) as Record<string, unknown>);
        expect(lines, uri).toHaveLength(object.records.length);
        for (const [r, record] of object.records.entries()) {
          const line = lines[r]!;
          if (!record) {
            expect(line.error ?? line.error_msg, `${uri} line ${r}`).toBeTypeOf('string');
            continue;
          }
          const wanted = await expected(record);
          if (r % 3) {
            expect(line.id).toBe(`o${objects.indexOf(object)}-r${r}`);
            expectClose((line.outputs as Array<{ data: number[] }>)[0]!.data, wanted, `${uri} line ${r}`);
          } else expectClose((line['23'] as number[][]).flat(), wanted, `${uri} line ${r}`);
        }
      } else {
        const tensor = object.key.endsWith('.npy') ? decodeNpy(output) : decodeNpz(output).get('23')!;
        expect(tensor.shape, uri).toEqual([object.records.length, 10]);
        for (const [r, record] of object.records.entries())
          expectClose(
            (tensor.data as Float32Array).subarray(r * 10, r * 10 + 10),
            await expected(record!),
            `${uri} row ${r}`,
          );
      }
    }
    const total = objects.reduce((n, o) => n + o.records.length, 0);
    expect(ok + failed).toBe(total);
  });
});
