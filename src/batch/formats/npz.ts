/**
 * `.npz` objects: a zip of `.npy` arrays, one per model input (`x.npy` feeds input x), records along their first
 * axis. Read with ranged reads and one stream per member, rows pulled in lockstep; written as one stored member per
 * model output, each spooled to a temp file until the archive is assembled.
 */
import { MindletError } from '../../errors.js';
import { decodeNpyHeader, type NpyHeader, npyDataOffset } from '../../tensor/npy.js';
import { METHOD_STORED } from '../../tensor/zip.js';
import type {
  BatchLimits,
  BatchSignature,
  ByteSink,
  ByteSource,
  FormatCodec,
  RecordReader,
  RecordWriter,
} from '../types.js';
import { type ArrayColumn, ArrayRecordReader, arrayLayout } from './array-read.js';
import { ArrayRowsWriter, OutputArray } from './array-write.js';
import { BufferedSink } from './buffered-sink.js';
import { checkObjectSize } from './object-size.js';
import { SpoolDirectory, type SpoolFile } from './spool.js';
import { memberBytes, memberDataStart, readZipDirectory, type ZipMember } from './zip-read.js';
import { type StoredMember, writeStoredZip, type ZipWriteOptions } from './zip-write.js';

/** Enough for the header of any array numpy writes (rank ≤ 64); longer headers take a second read. */
const HEADER_PREFIX_BYTES = 4096;

export async function openNpzReader(
  source: ByteSource,
  signature: BatchSignature,
  limits: BatchLimits,
): Promise<RecordReader> {
  checkObjectSize(source, limits);
  const label = source.uri;
  const { members, directoryOffset } = await readZipDirectory(source);
  const chosen = membersForInputs(members, signature, label);
  const columns: ArrayColumn[] = [];
  for (const [i, member] of chosen.entries()) {
    const info = signature.inputs[i]!;
    const where = `${label}: ${member.name}`;
    const dataStart = await memberDataStart(source, member, directoryOffset);
    const header = await memberHeader(source, member, dataStart, where);
    const layout = arrayLayout(header, info, signature.batched, limits, where);
    const expected = header.dataOffset + layout.total * layout.rowBytes;
    if (member.size !== expected)
      throw new MindletError(
        'INVALID_FORMAT',
        `the header says ${layout.total} records of ${layout.rowBytes} bytes (${expected} bytes with the header), the member holds ${member.size}`,
        { file: where },
      );
    columns.push({
      layout,
      skip: header.dataOffset,
      label: where,
      open: (onBytes) => memberBytes(source, member, dataStart, onBytes),
    });
  }
  const totals = new Set(columns.map((column) => column.layout.total));
  if (totals.size > 1)
    throw new MindletError(
      'INVALID_ARGUMENT',
      `arrays have different first-axis lengths (${columns.map((column, i) => `${chosen[i]!.name} ${column.layout.total}`).join(', ')}); each record needs a row of every array`,
      { file: label },
    );
  return new ArrayRecordReader(columns, 0);
}

/**
 * The member feeding each model input, in signature order: `<input>.npy` (or a bare `<input>`, as numpy's loader
 * also reads it) for every input and nothing else; a model with one input also takes an archive of one array of
 * any name (numpy's default is `arr_0`).
 */
function membersForInputs(members: readonly ZipMember[], signature: BatchSignature, label: string): ZipMember[] {
  const arrays = new Map<string, ZipMember>();
  for (const member of members) {
    const name = member.name.endsWith('.npy') ? member.name.slice(0, -4) : member.name;
    if (arrays.has(name))
      throw new MindletError('INVALID_FORMAT', `array ${JSON.stringify(name)} appears twice`, { file: label });
    arrays.set(name, member);
  }
  const expected = signature.inputs.map((info) => info.name);
  if (expected.length === 0) throw new MindletError('INVALID_ARGUMENT', 'the model takes no inputs', { file: label });
  if (expected.length === 1 && arrays.size === 1) return [...arrays.values()];
  const missing = expected.filter((name) => !arrays.has(name));
  const extra = [...arrays.keys()].filter((name) => !expected.includes(name));
  if (missing.length || extra.length) {
    const held = arrays.size ? [...arrays.keys()].map((name) => JSON.stringify(name)).join(', ') : 'no arrays';
    const problems = [
      missing.length ? `missing ${missing.join(', ')}` : '',
      extra.length ? `not model inputs: ${extra.map((name) => JSON.stringify(name)).join(', ')}` : '',
    ].filter(Boolean);
    throw new MindletError(
      'INVALID_ARGUMENT',
      `the archive holds ${held}; the model takes inputs ${expected.join(', ')} (${problems.join('; ')})`,
      { file: label },
    );
  }
  return expected.map((name) => arrays.get(name)!);
}

/** A member's .npy header, read from the start of its (uncompressed) bytes. */
async function memberHeader(
  source: ByteSource,
  member: ZipMember,
  dataStart: number,
  label: string,
): Promise<NpyHeader> {
  let prefix = await memberPrefix(source, member, dataStart, HEADER_PREFIX_BYTES);
  const dataOffset = npyDataOffset(prefix, label);
  if (dataOffset > prefix.length) {
    if (dataOffset > member.size)
      throw new MindletError('INVALID_FORMAT', `truncated in the .npy header (${member.size} bytes)`, { file: label });
    prefix = await memberPrefix(source, member, dataStart, dataOffset);
  }
  return decodeNpyHeader(prefix, label);
}

/** The first `length` uncompressed bytes of a member (fewer if it is shorter). */
async function memberPrefix(source: ByteSource, member: ZipMember, start: number, length: number): Promise<Uint8Array> {
  const wanted = Math.min(length, member.size);
  if (member.method === METHOD_STORED) return source.read(start, start + wanted);
  const prefix = new Uint8Array(wanted);
  let have = 0;
  // Leaving the loop early closes the stream; the member's checks run when its rows are read.
  for await (const chunk of memberBytes(source, member, start)) {
    const count = Math.min(chunk.length, wanted - have);
    prefix.set(chunk.subarray(0, count), have);
    have += count;
    if (have === wanted) break;
  }
  return prefix.subarray(0, have);
}

/**
 * A writer of one stored member `<output>.npy` per model output (failed records as NaN / 0 rows, see array-write),
 * spooled under the OS temp directory and assembled by `finish`; `abort` and `finish` remove the spool files.
 */
export async function openNpzWriter(
  sink: ByteSink,
  signature: BatchSignature,
  total: number | undefined,
  options: ZipWriteOptions = {},
): Promise<RecordWriter> {
  const label = sink.uri;
  if (total === undefined)
    throw new MindletError('INVALID_ARGUMENT', 'an array output needs the input record count', { file: label });
  const names = signature.outputs.map((info) => `${info.name}.npy`);
  if (new Set(names).size !== names.length)
    throw new MindletError('INVALID_ARGUMENT', `output names repeat (${names.join(', ')})`, { file: label });
  const spool = await SpoolDirectory.create();
  const files: SpoolFile[] = [];
  const arrays: OutputArray[] = [];
  try {
    for (const info of signature.outputs) {
      const file = await spool.file();
      files.push(file);
      arrays.push(new OutputArray(info, signature.batched, new BufferedSink(file), label));
    }
  } catch (error) {
    await spool.remove();
    throw error;
  }
  const rows = new ArrayRowsWriter(arrays, total, label);
  return {
    write: (record) => rows.write(record),
    async finish() {
      try {
        await rows.complete();
        for (const [i, array] of arrays.entries()) {
          await array.target.flush();
          await files[i]!.close();
        }
        const members: StoredMember[] = files.map((file, i) => ({
          name: names[i]!,
          size: file.size,
          crc: file.crc,
          data: () => file.read(),
        }));
        const out = new BufferedSink(sink);
        await writeStoredZip(out, members, options);
        await out.flush();
        return await sink.close();
      } finally {
        await spool.remove();
      }
    },
    async abort(reason) {
      try {
        await spool.remove();
      } finally {
        await sink.abort(reason);
      }
    },
  };
}

export const NPZ_CODEC: FormatCodec = {
  format: 'npz',
  outputName: (inputName) => inputName,
  openReader: openNpzReader,
  openWriter: (sink, signature, context) => openNpzWriter(sink, signature, context.total),
};
