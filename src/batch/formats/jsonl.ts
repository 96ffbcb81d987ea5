/**
 * JSONL objects (`.jsonl`, `.ndjson`): one record per non-blank line, KServe v2 or instance style (see
 * jsonl-records), streamed line by line. Results are one line per record in the style the record came in: a KServe
 * v2 response or error body, or one MindSpore Serving instance result or error.
 */
import { MindletError } from '../../errors.js';
import { isJsonNumericDType, tensorDataToJson } from '../../tensor/json.js';
import { kserveDatatype } from '../../tensor/kserve-codec.js';
import { tensorToJsonValue } from '../../tensor/mindspore-serving-codec.js';
import {
  type BatchLimits,
  type BatchSignature,
  type ByteSink,
  type ByteSource,
  type FormatCodec,
  type InputRecord,
  isBadRecord,
  type OutputRecord,
  type RecordReader,
  type RecordWriter,
} from '../types.js';
import { BufferedSink } from './buffered-sink.js';
import { splitLines } from './jsonl-lines.js';
import { decodeLine } from './jsonl-records.js';
import { checkObjectSize } from './object-size.js';

/** JSON's whitespace: a line of only this is blank (skipped, not counted). */
const BLANK = /^[ \t\r]*$/;

class JsonlReader implements RecordReader {
  readonly total = undefined;
  bytesRead = 0;
  private iterated = false;

  constructor(
    private readonly source: ByteSource,
    private readonly signature: BatchSignature,
    private readonly limits: BatchLimits,
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<InputRecord> {
    if (this.iterated) throw new Error('a record reader can be iterated once');
    this.iterated = true;
    // fatal: invalid UTF-8 is a bad record, not replacement characters; a byte order mark is dropped.
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const { maxLineBytes } = this.limits;
    let index = 0;
    for await (const line of splitLines(this.source.stream(), maxLineBytes, (bytes) => {
      this.bytesRead += bytes;
    })) {
      if (line.overLength !== undefined) {
        yield {
          index,
          error: `record ${index}: line of ${line.overLength} bytes is longer than the limit of ${maxLineBytes} (maxLineBytes)`,
        };
        index++;
        continue;
      }
      let text: string;
      try {
        text = decoder.decode(line.bytes);
      } catch {
        yield { index, error: `record ${index}: line is not valid UTF-8` };
        index++;
        continue;
      }
      if (BLANK.test(text)) continue;
      yield decodeLine(text, index, this.signature, this.limits);
      index++;
    }
  }
}

/** Result lines, in index order, gathered into ~1 MiB writes. */
class JsonlWriter implements RecordWriter {
  private readonly out: BufferedSink;
  private readonly encoder = new TextEncoder();
  private next = 0;

  constructor(
    private readonly sink: ByteSink,
    private readonly signature: BatchSignature,
    private readonly total: number | undefined,
    private readonly model: { name: string; version: string },
  ) {
    this.out = new BufferedSink(sink);
  }

  async write(record: OutputRecord): Promise<void> {
    if (record.index !== this.next)
      throw new MindletError(
        'INVALID_ARGUMENT',
        `results out of order: record ${record.index} came, ${this.next} was next`,
        {
          file: this.sink.uri,
        },
      );
    this.next++;
    await this.out.write(this.encoder.encode(`${JSON.stringify(this.line(record))}\n`));
  }

  async finish(): Promise<{ etag?: string; bytes: number }> {
    if (this.total !== undefined && this.next !== this.total)
      throw new MindletError('INVALID_ARGUMENT', `${this.next} results were written for ${this.total} input records`, {
        file: this.sink.uri,
      });
    await this.out.flush();
    return this.sink.close();
  }

  abort(reason?: unknown): Promise<void> {
    return this.sink.abort(reason);
  }

  private line(record: OutputRecord): Record<string, unknown> {
    const id = record.id !== undefined ? { id: record.id } : {};
    if (isBadRecord(record)) {
      // Each protocol's own error body: KServe's {"error"}, MindSpore Serving's {"error_msg"}.
      if (record.style === 'instance') return { error_msg: record.error };
      return { ...id, error: record.error };
    }
    const { outputs } = this.signature;
    if (record.outputs.length !== outputs.length)
      throw new MindletError(
        'INVALID_ARGUMENT',
        `record ${record.index} has ${record.outputs.length} outputs, the model ${outputs.length}`,
        { file: this.sink.uri },
      );
    if (record.style === 'instance') {
      const line: Record<string, unknown> = {};
      outputs.forEach((info, i) => {
        const tensor = record.outputs[i]!;
        line[info.name] = tensorToJsonValue(tensor.data, tensor.dtype, tensor.shape);
      });
      return line;
    }
    // KServe style (also for a record with no style): a v2 inference response, the batch dimension of 1 restored.
    return {
      ...id,
      model_name: this.model.name,
      model_version: this.model.version,
      outputs: outputs.map((info, i) => {
        const tensor = record.outputs[i]!;
        return {
          name: info.name,
          datatype: kserveDatatype(tensor.dtype),
          shape: this.signature.batched ? [1, ...tensor.shape] : tensor.shape,
          data: tensorDataToJson(tensor.data, tensor.dtype),
        };
      }),
    };
  }
}

export async function openJsonlReader(
  source: ByteSource,
  signature: BatchSignature,
  limits: BatchLimits,
): Promise<RecordReader> {
  checkObjectSize(source, limits);
  return new JsonlReader(source, signature, limits);
}

/** Refuses models whose outputs JSON cannot carry (the same for every record, so the whole object fails). */
export async function openJsonlWriter(
  sink: ByteSink,
  signature: BatchSignature,
  context: { total: number | undefined; model: { name: string; version: string } },
): Promise<RecordWriter> {
  for (const info of signature.outputs)
    if (!isJsonNumericDType(info.dtype) || !kserveDatatype(info.dtype))
      throw new MindletError('UNSUPPORTED', `output ${info.name} is ${info.dtype}, which JSON results cannot carry`, {
        file: sink.uri,
      });
  return new JsonlWriter(sink, signature, context.total, context.model);
}

export const JSONL_CODEC: FormatCodec = {
  format: 'jsonl',
  outputName: (inputName) => inputName,
  openReader: openJsonlReader,
  openWriter: openJsonlWriter,
};
