/**
 * `.npy` objects: one array feeding the model's one input, records along its first axis. The header is read with a
 * ranged read and the data streamed row by row; results go out as one `.npy` for a one-output model, and as a
 * `.npz` (one array per output) otherwise.
 */
import { MindletError } from '../../errors.js';
import { decodeNpyHeader, type NpyHeader, npyDataOffset } from '../../tensor/npy.js';
import type {
  BatchLimits,
  BatchSignature,
  ByteSink,
  ByteSource,
  FormatCodec,
  RecordReader,
  RecordWriter,
} from '../types.js';
import { ArrayRecordReader, arrayLayout } from './array-read.js';
import { ArrayRowsWriter, OutputArray } from './array-write.js';
import { BufferedSink } from './buffered-sink.js';
import { openNpzWriter } from './npz.js';
import { checkObjectSize } from './object-size.js';

/** Enough for the header of any array numpy writes (rank ≤ 64); longer headers take a second read. */
const HEADER_PREFIX_BYTES = 4096;

export async function openNpyReader(
  source: ByteSource,
  signature: BatchSignature,
  limits: BatchLimits,
): Promise<RecordReader> {
  checkObjectSize(source, limits);
  const label = source.uri;
  if (signature.inputs.length !== 1)
    throw new MindletError(
      'INVALID_ARGUMENT',
      `a .npy holds one array; model takes ${signature.inputs.length ? `inputs ${signature.inputs.map((info) => info.name).join(', ')}: use .npz` : 'no inputs'}`,
      { file: label },
    );
  const info = signature.inputs[0]!;
  const header = await readHeader(source);
  const layout = arrayLayout(header, info, signature.batched, limits, label);
  const dataEnd = header.dataOffset + layout.total * layout.rowBytes;
  if (source.size > dataEnd)
    throw new MindletError(
      'INVALID_FORMAT',
      `${source.size - dataEnd} bytes after the data of ${layout.total} records of ${layout.rowBytes} bytes`,
      { file: label },
    );
  // A short object is found when its rows run out (the reader throws INVALID_FORMAT, truncated).
  const end = Math.min(source.size, dataEnd);
  return new ArrayRecordReader(
    [
      {
        layout,
        skip: 0,
        label,
        open: async function* (onBytes) {
          if (end <= header.dataOffset) return;
          for await (const chunk of source.stream(header.dataOffset, end)) {
            onBytes(chunk.length);
            yield chunk;
          }
        },
      },
    ],
    header.dataOffset,
  );
}

async function readHeader(source: ByteSource): Promise<NpyHeader> {
  const label = source.uri;
  if (source.size === 0) throw new MindletError('INVALID_FORMAT', 'not a .npy file (empty)', { file: label });
  let prefix = await source.read(0, Math.min(source.size, HEADER_PREFIX_BYTES));
  const dataOffset = npyDataOffset(prefix, label);
  if (dataOffset > prefix.length) {
    if (dataOffset > source.size)
      throw new MindletError('INVALID_FORMAT', `truncated in the header (${source.size} bytes)`, { file: label });
    prefix = await source.read(0, dataOffset);
  }
  return decodeNpyHeader(prefix, label);
}

/**
 * A writer of one `.npy` for a one-output model: header shape `[total, ...row shape]`, rows written through in
 * record order, failed records as rows of NaN (floats) or 0 (integers, bool) — see array-write.
 */
export async function openNpyWriter(
  sink: ByteSink,
  signature: BatchSignature,
  total: number | undefined,
): Promise<RecordWriter> {
  const label = sink.uri;
  if (signature.outputs.length !== 1)
    throw new MindletError(
      'INVALID_ARGUMENT',
      `a .npy holds one array; the model has ${signature.outputs.length} outputs (write .npz)`,
      { file: label },
    );
  if (total === undefined)
    throw new MindletError('INVALID_ARGUMENT', 'an array output needs the input record count', { file: label });
  const out = new BufferedSink(sink);
  const rows = new ArrayRowsWriter(
    [new OutputArray(signature.outputs[0]!, signature.batched, out, label)],
    total,
    label,
  );
  return {
    write: (record) => rows.write(record),
    async finish() {
      await rows.complete();
      await out.flush();
      return sink.close();
    },
    abort: (reason) => sink.abort(reason),
  };
}

export const NPY_CODEC: FormatCodec = {
  format: 'npy',
  outputName: (inputName, signature) =>
    signature.outputs.length === 1 ? inputName : `${inputName.replace(/\.npy$/i, '')}.npz`,
  openReader: openNpyReader,
  openWriter: (sink, signature, context) =>
    signature.outputs.length === 1
      ? openNpyWriter(sink, signature, context.total)
      : openNpzWriter(sink, signature, context.total),
};
