/** `mindlet batch run | status`: the batch pipeline from the command line, with a progress bar on stderr. */
import { parseArgs } from 'node:util';
import { runBatch } from '../batch/run.js';
import { listBatchStatus } from '../batch/status.js';
import { MindletError } from '../errors.js';
import { formatBytes, formatCount } from './format.js';
import { progressLine } from './progress.js';

export const BATCH_USAGE = `  batch run <model-uri> <input-uri> <output-uri> [--batch-size N] [--threads N] [--key-ref REF] [--json]
                                        predict every .jsonl/.ndjson/.npy/.npz object under <input-uri>
                                        (s3://bucket/prefix/, a folder, or one object) into <output-uri>
                                        (same relative keys, plus <key>.status.json per input); the same
                                        pipeline as the batch Lambda function, so outputs are identical
                                        --batch-size: records per engine run (default: calibrated)
                                        --key-ref: key of an encrypted model (env:, secretsmanager:, ssm:)
                                        --json: print the summary as JSON
  batch status <output-uri> [--input <input-uri>] [--json]
                                        done / failed / dead-lettered / handed-off / pending objects
                                        (the input prefix defaults to the one the batch recorded)`;

export interface BatchIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** Returns the exit code: 0 when every object was predicted (records may have failed: see the status files). */
export async function batchCommand(args: string[], io: BatchIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'run') return batchRun(rest, io);
  if (sub === 'status') return batchStatus(rest, io);
  if (sub === undefined || sub === '--help' || sub === 'help') {
    io.out(`usage:\n${BATCH_USAGE}`);
    return sub === undefined ? 1 : 0;
  }
  throw new MindletError(
    'INVALID_ARGUMENT',
    `unknown batch command "${sub.slice(0, 40)}": use batch run or batch status`,
  );
}

async function batchRun(args: string[], io: BatchIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      'batch-size': { type: 'string' },
      threads: { type: 'string' },
      'key-ref': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 3)
    throw new MindletError('INVALID_ARGUMENT', 'batch run takes <model-uri> <input-uri> <output-uri>');
  const [modelUri, input, output] = positionals as [string, string, string];
  const batchSize = positiveInt(values['batch-size'], '--batch-size');
  const threads = positiveInt(values.threads, '--threads');
  const bar = progressLine(io.err);
  const summary = await runBatch({
    modelUri,
    input,
    output,
    ...(batchSize === undefined ? {} : { batchSize }),
    ...(threads === undefined ? {} : { threads }),
    ...(values['key-ref'] === undefined ? {} : { keyRef: values['key-ref'] }),
    onProgress: (p) => {
      const seconds = p.elapsedMs / 1000;
      const rate = seconds > 0 ? p.records / seconds : 0;
      const fraction =
        p.bytesTotal > 0 ? p.bytesRead / p.bytesTotal : p.objectsTotal ? p.objectsDone / p.objectsTotal : 1;
      const eta =
        fraction > 0.01 && fraction < 1 ? ` ETA ${formatDuration((seconds / fraction) * (1 - fraction))}` : '';
      bar.update(
        fraction,
        `${formatCount(p.records)} records ${formatCount(Math.round(rate))} rec/s${eta} (${p.objectsDone}/${p.objectsTotal} objects, ${formatBytes(p.bytesRead)})`,
      );
    },
  }).finally(bar.end);

  if (values.json) io.out(JSON.stringify(summary, null, 2));
  else {
    for (const object of summary.objects) {
      const outcome = object.outcome;
      if (object.error !== undefined) io.out(`failed   ${object.input}: ${object.error}`);
      else if (outcome?.kind === 'done')
        io.out(
          `done     ${object.input} → ${outcome.status.output?.uri} (${outcome.status.records.ok} ok, ${outcome.status.records.failed} failed)`,
        );
      else if (outcome?.kind === 'skipped') io.out(`skipped  ${object.input} (${outcome.reason})`);
      else if (outcome?.kind === 'handed-off') io.out(`handed   ${object.input} → ${outcome.status.handoff?.runner}`);
    }
    const seconds = summary.elapsedMs / 1000;
    const total = summary.records.ok + summary.records.failed;
    io.out(
      `${summary.objects.length} objects, ${formatCount(total)} records (${formatCount(summary.records.failed)} failed) in ${seconds.toFixed(1)} s, ${formatCount(Math.round(total / Math.max(seconds, 1e-3)))} records/s, batch size ${summary.batchSize}`,
    );
  }
  return summary.failedObjects > 0 ? 1 : 0;
}

async function batchStatus(args: string[], io: BatchIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { input: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  if (positionals.length !== 1) throw new MindletError('INVALID_ARGUMENT', 'batch status takes one <output-uri>');
  const listing = await listBatchStatus(positionals[0]!, values.input === undefined ? {} : { input: values.input });
  if (values.json) {
    io.out(JSON.stringify(listing, null, 2));
    return 0;
  }
  for (const object of listing.objects) {
    const detail =
      object.state === 'done'
        ? `${object.records?.ok ?? 0} ok, ${object.records?.failed ?? 0} failed`
        : object.state === 'pending'
          ? object.changed
            ? 'input changed since its last run'
            : ''
          : (object.reason ?? '');
    io.out(`${object.state.padEnd(13)} ${object.key}${detail ? `  ${detail}` : ''}`);
  }
  const c = listing.counts;
  io.out(
    `${c.done} done, ${c.failed} failed, ${c['dead-lettered']} dead-lettered, ${c['handed-off']} handed off, ${c.pending} pending; records ${formatCount(listing.records.ok)} ok, ${formatCount(listing.records.failed)} failed`,
  );
  if (listing.inputPrefix === undefined) io.out('(input prefix unknown: pending inputs are not listed; give --input)');
  return 0;
}

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d{0,5}$/.test(value))
    throw new MindletError('INVALID_ARGUMENT', `${flag} must be a positive integer, got "${value.slice(0, 20)}"`);
  return Number(value);
}

function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = (s % 60).toString().padStart(2, '0');
  return h > 0 ? `${h}:${m.toString().padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}
