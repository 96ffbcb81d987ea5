/**
 * An object much larger than the memory the pipeline may use: a 256 MiB .npy (65,536 LeNet-5 records) in the S3
 * stand-in, predicted by a fresh process whose resident memory is sampled throughout. Streaming reads, micro-batches
 * and a multipart upload keep the growth over the opened pipeline well below the object's size.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobOutcome } from '../../src/batch/types.js';
import { loadSession } from '../../src/runtime/session.js';
import { openObjectSink } from '../../src/store/object-sink.js';
import { decodeNpy, encodeNpyHeader } from '../../src/tensor/npy.js';
import { buildReferenceNet } from '../tools/reference-nets/index.js';
import { type LocalS3, startLocalS3 } from '../tools/s3-server.js';

const RECORDS = 65_536;
const RECORD_FLOATS = 1024; // LeNet-5 takes [N, 1, 32, 32]
/**
 * The object is 256 MiB; the pipeline may grow by at most 96 MiB over its opened state (measured: about 50 MiB of
 * heap growth, socket buffers and slabs). Holding the object, or even its records, would take more than 256 MiB.
 */
const GROWTH_LIMIT = 96 * 1024 * 1024;
const TOLERANCE = 1e-5;

let s3: LocalS3;
let dir: string;
let modelFile: string;

/** Record r's values: cheap to regenerate for any r, so the test never holds the object. */
function fillRecord(target: Float32Array, r: number): void {
  for (let i = 0; i < RECORD_FLOATS; i++) target[i] = Math.sin(r * 0.37 + i * 0.011);
}

beforeAll(async () => {
  s3 = await startLocalS3();
  await s3.createBucket('big');
  dir = mkdtempSync(path.join(os.tmpdir(), 'mindlet-large-'));
  modelFile = path.join(dir, 'lenet5.mindir');
  writeFileSync(modelFile, buildReferenceNet('lenet5').mindir);
  // Upload the .npy part by part: the test process never holds more than one 4 MiB slice of it.
  const sink = await openObjectSink('s3://big/in/records.npy', { s3: s3.client, partBytes: 8 << 20 });
  await sink.write(encodeNpyHeader('float32', [RECORDS, 1, 32, 32]));
  const slice = new Float32Array(RECORD_FLOATS * 1024);
  for (let start = 0; start < RECORDS; start += 1024) {
    for (let r = 0; r < 1024; r++) fillRecord(slice.subarray(r * RECORD_FLOATS, (r + 1) * RECORD_FLOATS), start + r);
    await sink.write(new Uint8Array(slice.buffer));
  }
  await sink.close();
}, 120_000);

afterAll(async () => {
  await s3?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('an object larger than the memory it may use', () => {
  it('streams 256 MiB through the pipeline with bounded memory, every record predicted', async () => {
    const child = await promisify(execFile)(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', path.resolve('test/tools/batch-memory-child.ts')],
      {
        env: {
          ...process.env,
          ...s3.env,
          MINDLET_CACHE_DIR: path.join(dir, 'cache'),
          MINDLET_BATCH_CHILD: JSON.stringify({
            modelUri: modelFile,
            inputPrefix: 's3://big/in/',
            outputPrefix: 's3://big/out/',
            input: 's3://big/in/records.npy',
            threads: 2,
          }),
        },
        maxBuffer: 1 << 20,
      },
    );
    const report = JSON.parse(child.stdout.trim().split('\n').pop()!) as {
      openRss: number;
      peakRss: number;
      outcome: JobOutcome;
    };
    expect(report.outcome.kind).toBe('done');
    if (report.outcome.kind !== 'done') return;
    expect(report.outcome.status.input.size).toBeGreaterThan(256 * 1024 * 1024);
    expect(report.outcome.status.records).toEqual({ total: RECORDS, ok: RECORDS, failed: 0 });
    expect(report.peakRss - report.openRss).toBeLessThan(GROWTH_LIMIT);

    // The output is complete and right at both ends and in the middle.
    const got = await s3.client.send(new GetObjectCommand({ Bucket: 'big', Key: 'out/records.npy' }));
    const output = decodeNpy(await got.Body!.transformToByteArray());
    expect(output.shape).toEqual([RECORDS, 10]);
    const session = await loadSession(modelFile, { threads: 1 });
    try {
      for (const r of [0, 1, 32_767, RECORDS - 1]) {
        const record = new Float32Array(RECORD_FLOATS);
        fillRecord(record, r);
        const [wanted] = await session.run([{ dtype: 'float32', shape: [1, 1, 32, 32], data: record }]);
        const row = (output.data as Float32Array).subarray(r * 10, r * 10 + 10);
        (wanted!.data as Float32Array).forEach((value, i) => {
          expect(Math.abs(row[i]! - value)).toBeLessThanOrEqual(TOLERANCE * Math.max(1, Math.abs(value)));
        });
      }
    } finally {
      session.close();
    }
  }, 180_000);
});
