/** JSONL records in both line styles, every kind of bad line, over-long lines, and result lines per style. */
import { describe, expect, it } from 'vitest';
import { JSONL_CODEC } from '../../../src/batch/formats/jsonl.js';
import {
  type BadRecord,
  type BatchSignature,
  DEFAULT_BATCH_LIMITS,
  type GoodRecord,
  type InputRecord,
  type OutputRecord,
} from '../../../src/batch/types.js';
import { MemorySink, memorySource } from '../memory-bytes.js';
import { BATCHED, collect, elements, mindletError, plain, UNBATCHED } from './fixtures.js';

const SAMPLE = Array.from({ length: 16 }, (_, i) => i / 4);
const NESTED = [[SAMPLE.slice(0, 4), SAMPLE.slice(4, 8), SAMPLE.slice(8, 12), SAMPLE.slice(12, 16)]];

function source(lines: string | readonly string[], chunkSize?: number) {
  const text = typeof lines === 'string' ? lines : `${lines.join('\n')}\n`;
  return memorySource(new TextEncoder().encode(text), { uri: 's3://bucket/in/data.jsonl', chunkSize });
}

async function read(
  lines: string | readonly string[],
  signature: BatchSignature = BATCHED,
  options: { chunkSize?: number; limits?: Partial<typeof DEFAULT_BATCH_LIMITS> } = {},
): Promise<InputRecord[]> {
  const limits = { ...DEFAULT_BATCH_LIMITS, ...options.limits };
  return collect(await JSONL_CODEC.openReader(source(lines, options.chunkSize), signature, limits));
}

function good(record: InputRecord | undefined): GoodRecord {
  if (!record || 'error' in record) throw new Error(`expected a good record, got ${JSON.stringify(record)}`);
  return record;
}

function bad(record: InputRecord | undefined): BadRecord {
  if (!record || !('error' in record)) throw new Error(`expected a bad record, got ${JSON.stringify(record)}`);
  return record;
}

const kserveLine = (data: unknown, shape: number[] = [1, 1, 4, 4], extra: Record<string, unknown> = {}) =>
  JSON.stringify({ ...extra, inputs: [{ name: 'x', shape, datatype: 'FP32', data }] });

describe('JSONL reader, KServe v2 lines', () => {
  it('reads flat and nested data, with or without the batch dimension of 1, echoing ids', async () => {
    const records = await read([
      kserveLine(SAMPLE, [1, 1, 4, 4], { id: 'first', parameters: { note: 1 } }),
      kserveLine(NESTED, [1, 4, 4]),
      kserveLine([NESTED], [1, 1, 4, 4]),
    ]);
    expect(records).toHaveLength(3);
    records.forEach((record, index) => {
      const { inputs, ...meta } = good(record);
      expect(meta).toEqual({ index, style: 'kserve', ...(index === 0 ? { id: 'first' } : {}) });
      expect(inputs[0]!.shape).toEqual([1, 4, 4]);
      expect(inputs[0]!.dtype).toBe('float32');
      expect(elements(inputs[0]!.data)).toEqual(SAMPLE);
    });
  });

  it('gives each record fresh, aligned arrays of its own', async () => {
    const records = (await read([kserveLine(SAMPLE), kserveLine(SAMPLE)])).map(good);
    const [a, b] = records.map((record) => record.inputs[0]!.data);
    expect(a).toBeInstanceOf(Float32Array);
    expect(a!.buffer).not.toBe(b!.buffer);
    expect(a!.byteOffset % 4).toBe(0);
    (a as Float32Array)[0] = 99;
    expect((b as Float32Array)[0]).toBe(0);
  });

  it('takes whole inputs when the signature has no batch dimension', async () => {
    const line = JSON.stringify({
      id: 'u',
      inputs: [
        { name: 'b', shape: [4], datatype: 'FP32', data: [1, 2, 3, 4] },
        {
          name: 'a',
          shape: [2, 3],
          datatype: 'INT32',
          data: [
            [1, 2, 3],
            [4, 5, 6],
          ],
        },
      ],
    });
    const record = good((await read([line], UNBATCHED))[0]);
    expect(record.inputs.map((tensor) => tensor.shape)).toEqual([[2, 3], [4]]);
    expect(record.inputs[0]!.data).toBeInstanceOf(Int32Array);
    expect(elements(record.inputs[0]!.data)).toEqual([1, 2, 3, 4, 5, 6]);
    const short = bad((await read([kserveLine([1, 2, 3, 4], [4]).replace('"x"', '"b"')], UNBATCHED))[0]);
    expect(short.error).toMatch(/record 0: missing input a/);
  });
});

describe('JSONL reader, instance lines', () => {
  it('reads nested lists, scalars and b64 values, with or without the batch dimension of 1', async () => {
    const b64 = Buffer.from(Float32Array.from(SAMPLE).buffer).toString('base64');
    const records = await read([
      JSON.stringify({ x: NESTED }),
      JSON.stringify({ x: [NESTED] }),
      JSON.stringify({ x: { b64, type: 'fp32' } }),
      JSON.stringify({ x: { b64, shape: [1, 1, 4, 4] } }),
    ]);
    expect(records).toHaveLength(4);
    for (const [index, record] of records.entries()) {
      const { inputs, ...meta } = good(record);
      expect(meta).toEqual({ index, style: 'instance' });
      expect(inputs[0]!.shape).toEqual([1, 4, 4]);
      expect(elements(inputs[0]!.data)).toEqual(SAMPLE);
    }
  });

  it('reads an "inputs" array as an instance value when the model has an input named inputs', async () => {
    const signature: BatchSignature = {
      inputs: [{ name: 'inputs', dtype: 'float32', shape: [-1, 2] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: [-1, 1] }],
      batched: true,
    };
    const record = good((await read([JSON.stringify({ inputs: [1, 2] })], signature))[0]);
    expect(record.style).toBe('instance');
    expect(elements(record.inputs[0]!.data)).toEqual([1, 2]);
  });
});

describe('JSONL reader, lines and chunks', () => {
  const lines = [
    kserveLine(SAMPLE, [1, 1, 4, 4], { id: 'é-ü-😀' }),
    '',
    '   \t',
    JSON.stringify({ x: NESTED }),
    'not json',
    kserveLine(SAMPLE, [3]),
  ];

  it('skips blank lines without counting them, and drops a \\r before \\n', async () => {
    const records = await read(`${lines.join('\r\n')}\r\n\r\n`);
    expect(records.map((record) => record.index)).toEqual([0, 1, 2, 3]);
    expect(good(records[0]).id).toBe('é-ü-😀');
    expect(good(records[1]).style).toBe('instance');
    expect(bad(records[2]).error).toMatch(/^record 2: not valid JSON/);
    expect(bad(records[3]).error).toBe('record 3: input x: expected shape [1,4,4], got [3]');
  });

  it('reads the same records whatever the chunk size, last line unterminated or not', async () => {
    const text = lines.join('\n');
    const expected = plain(await read(text));
    expect(expected).toHaveLength(4);
    expect(plain(await read(text, BATCHED, { chunkSize: 1 }))).toEqual(expected);
    expect(plain(await read(text, BATCHED, { chunkSize: 7 }))).toEqual(expected);
    expect(plain(await read(`${text}\n`, BATCHED, { chunkSize: 7 }))).toEqual(expected);
  });

  it('drops a byte order mark at the start of the object', async () => {
    const records = await read(`\ufeff${kserveLine(SAMPLE)}\n`);
    expect(good(records[0]).index).toBe(0);
  });

  it('counts the bytes it has read', async () => {
    const reader = await JSONL_CODEC.openReader(source(lines, 5), BATCHED, DEFAULT_BATCH_LIMITS);
    expect(reader.total).toBeUndefined();
    await collect(reader);
    expect(reader.bytesRead).toBe(Buffer.byteLength(`${lines.join('\n')}\n`));
  });

  it('makes an over-long line a bad record and reads on from the next line', async () => {
    const long = kserveLine(
      Array.from({ length: 2000 }, () => 1.5),
      [2000],
    );
    for (const chunkSize of [1, 7, 64 * 1024]) {
      const records = await read([long, ' '.repeat(5000), kserveLine(SAMPLE)], BATCHED, {
        chunkSize,
        limits: { maxLineBytes: 1000 },
      });
      expect(records).toHaveLength(2);
      expect(bad(records[0]).error).toBe(
        `record 0: line of ${long.length} bytes is longer than the limit of 1000 (maxLineBytes)`,
      );
      expect(good(records[1]).index).toBe(1);
    }
  });

  it('takes a line of exactly maxLineBytes, before \\r\\n too', async () => {
    const line = JSON.stringify({ x: NESTED });
    for (const ending of ['\n', '\r\n']) {
      const records = await read(`${line}${ending}${line}`, BATCHED, {
        chunkSize: 3,
        limits: { maxLineBytes: line.length },
      });
      expect(records.map((record) => 'inputs' in record)).toEqual([true, true]);
    }
    const over = await read(`${line}x\n`, BATCHED, { limits: { maxLineBytes: line.length } });
    expect(bad(over[0]).error).toMatch(/line of \d+ bytes is longer/);
  });
});

describe('JSONL reader, bad lines', () => {
  const x = (fields: Record<string, unknown>) =>
    JSON.stringify({ inputs: [{ name: 'x', shape: [1, 4, 4], datatype: 'FP32', data: SAMPLE, ...fields }] });
  const cases: Array<[string, string, RegExp, ('kserve' | 'instance')?]> = [
    ['invalid JSON', '{"inputs": [', /^record 0: not valid JSON/],
    ['a JSON array', '[1, 2]', /^record 0: a line must be a JSON object .* got a list$/],
    ['a JSON number', '42', /got a number$/],
    ['wrong shape', x({ shape: [3] }), /^record 0: input x: expected shape \[1,4,4\], got \[3\]$/, 'kserve'],
    [
      'a batch of 2',
      x({ shape: [2, 1, 4, 4] }),
      /input x: shape \[2,1,4,4\] holds a batch of 2; one line is one record/,
      'kserve',
    ],
    ['wrong datatype', x({ datatype: 'INT32' }), /^record 0: input x: expected datatype FP32, got INT32$/, 'kserve'],
    ['unknown datatype', x({ datatype: 'FLOAT' }), /input x: unknown datatype "FLOAT"/, 'kserve'],
    ['too few elements', x({ data: [1, 2] }), /input x: shape \[1,4,4\] needs 16 elements, data has 2/, 'kserve'],
    [
      'a null element',
      x({ data: [null, ...SAMPLE.slice(1)] }),
      /input x: element 0 is null, expected a number/,
      'kserve',
    ],
    ['a string element', x({ data: ['1', ...SAMPLE.slice(1)] }), /element 0 is "1", expected a number/, 'kserve'],
    ['ragged data', x({ data: [[1, 2], [3]] }), /nested lists must be rectangular/, 'kserve'],
    ['no data', x({ data: undefined }), /input x has no data/, 'kserve'],
    [
      'binary data',
      x({ parameters: { binary_data_size: 64 } }),
      /binary_data_size has no binary part in JSONL/,
      'kserve',
    ],
    ['a bad shape', x({ shape: [1, -4, 4] }), /shape must be a list of at most 64 non-negative integers/, 'kserve'],
    ['an unknown input', x({ name: 'y' }), /^record 0: unknown input y; the model takes x$/, 'kserve'],
    ['a missing input', JSON.stringify({ inputs: [] }), /^record 0: missing input x; the model takes x$/, 'kserve'],
    [
      'a repeated input',
      JSON.stringify({ inputs: [JSON.parse(x({})).inputs[0], JSON.parse(x({})).inputs[0]] }),
      /input x is given more than once/,
      'kserve',
    ],
    ['a non-object input', JSON.stringify({ inputs: [3] }), /inputs\[0\] must be an object/, 'kserve'],
    [
      'a numeric id',
      JSON.stringify({ id: 3, inputs: JSON.parse(x({})).inputs }),
      /^record 0: id must be a string$/,
      'kserve',
    ],
    [
      'deep nesting',
      x({ data: JSON.parse(`${'['.repeat(100)}1${']'.repeat(100)}`) }),
      /nested more than 64 deep/,
      'kserve',
    ],
    [
      'an unknown instance input',
      JSON.stringify({ x: NESTED, z: 1 }),
      /^record 0: unknown input z; the model takes x$/,
      'instance',
    ],
    ['a missing instance input', JSON.stringify({}), /^record 0: missing input x/, 'instance'],
    [
      'a wrong instance shape',
      JSON.stringify({ x: [1, 2, 3] }),
      /^record 0: input x: expected shape \[1,4,4\], got \[3\]$/,
      'instance',
    ],
    ['a null instance value', JSON.stringify({ x: null }), /input x: value is null/, 'instance'],
    [
      'a b64 of another type',
      JSON.stringify({ x: { b64: 'AAAAAA==', type: 'int32' } }),
      /got type int32, the model takes float32/,
      'instance',
    ],
    ['an instance string', JSON.stringify({ x: 'abc' }), /got a string/, 'instance'],
  ];

  it.each(cases)('%s is a bad record, and the next line still reads', async (_, line, message, style) => {
    const records = await read([line, kserveLine(SAMPLE)]);
    const record = bad(records[0]);
    expect(record.error).toMatch(message);
    expect(record.style).toBe(style);
    expect(record.index).toBe(0);
    expect(good(records[1]).index).toBe(1);
  });

  it('makes a line of invalid UTF-8 a bad record', async () => {
    const text = new TextEncoder().encode(`${kserveLine(SAMPLE)}\n`);
    const bytes = new Uint8Array([...text, ...Buffer.from('{"x": "'), 0xff, 0xfe, ...Buffer.from('"}\n'), ...text]);
    const reader = await JSONL_CODEC.openReader(memorySource(bytes, { chunkSize: 3 }), BATCHED, DEFAULT_BATCH_LIMITS);
    const records = await collect(reader);
    expect(records.map((record) => 'inputs' in record)).toEqual([true, false, true]);
    expect(bad(records[1])).toEqual({ index: 1, error: 'record 1: line is not valid UTF-8' });
  });

  it('keeps the id of a bad KServe line', async () => {
    const record = bad((await read([kserveLine([1], [1], { id: 'r-7' })]))[0]);
    expect(record).toMatchObject({ id: 'r-7', style: 'kserve' });
  });

  it('refuses tensors over maxTensorElements before decoding them', async () => {
    const limits = { maxTensorElements: 8 };
    const records = await read([kserveLine(SAMPLE), JSON.stringify({ x: NESTED })], BATCHED, { limits });
    expect(bad(records[0]).error).toMatch(/input x: shape \[1,1,4,4\] has 16 elements, more than the limit of 8/);
    expect(bad(records[1]).error).toMatch(/input x: 16 elements exceed the limit of 8/);
  });

  it('refuses integers that are not exact for an integer input', async () => {
    const records = await read(
      [
        JSON.stringify({
          inputs: [
            { name: 'a', shape: [2, 3], datatype: 'INT32', data: [1, 2, 3, 4, 5, 6.5] },
            { name: 'b', shape: [4], datatype: 'FP32', data: [1, 2, 3, 4] },
          ],
        }),
      ],
      UNBATCHED,
    );
    expect(bad(records[0]).error).toMatch(/^record 0: input a: element 5 is 6.5, expected an integer/);
  });
});

describe('JSONL writer', () => {
  const model = { name: 'lenet', version: '3' };
  const logits = (base: number) => ({
    dtype: 'float32' as const,
    shape: [10],
    data: Float32Array.from({ length: 10 }, (_, i) => base + i),
  });
  const box = {
    dtype: 'float32' as const,
    shape: [3],
    data: Float32Array.from([0.5, Number.NaN, Number.POSITIVE_INFINITY]),
  };

  async function write(records: OutputRecord[], signature: BatchSignature = BATCHED, total?: number) {
    const sink = new MemorySink('s3://bucket/out/data.jsonl');
    const writer = await JSONL_CODEC.openWriter(sink, signature, { total, model });
    for (const record of records) await writer.write(record);
    const result = await writer.finish();
    return { sink, result, lines: sink.text().split('\n') };
  }

  it('writes one line per record in the style it came in', async () => {
    const { sink, result, lines } = await write([
      { index: 0, id: 'a', style: 'kserve', outputs: [logits(0), box] },
      { index: 1, style: 'kserve', outputs: [logits(1), box] },
      { index: 2, id: 'c', style: 'kserve', error: 'record 2: input x: expected shape [1,4,4], got [3]' },
      { index: 3, style: 'instance', outputs: [logits(3), box] },
      { index: 4, style: 'instance', error: 'record 4: missing input x' },
      { index: 5, error: 'record 5: not valid JSON' },
    ]);
    expect(sink.closed).toBe(true);
    expect(result.bytes).toBe(sink.bytes().length);
    expect(lines).toHaveLength(7);
    expect(lines[6]).toBe('');
    const parsed = lines.slice(0, 6).map((line) => JSON.parse(line));
    expect(parsed[0]).toEqual({
      id: 'a',
      model_name: 'lenet',
      model_version: '3',
      outputs: [
        { name: 'logits', datatype: 'FP32', shape: [1, 10], data: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] },
        { name: 'box', datatype: 'FP32', shape: [1, 3], data: [0.5, null, null] },
      ],
    });
    expect(Object.keys(parsed[0])[0]).toBe('id');
    expect(parsed[1].id).toBeUndefined();
    expect(parsed[2]).toEqual({ id: 'c', error: 'record 2: input x: expected shape [1,4,4], got [3]' });
    expect(parsed[3]).toEqual({ logits: [3, 4, 5, 6, 7, 8, 9, 10, 11, 12], box: [0.5, null, null] });
    expect(parsed[4]).toEqual({ error_msg: 'record 4: missing input x' });
    expect(parsed[5]).toEqual({ error: 'record 5: not valid JSON' });
  });

  it('writes full shapes when the signature has no batch dimension, nested for instances', async () => {
    const y = { dtype: 'float32' as const, shape: [2], data: Float32Array.from([1, 2]) };
    const { lines } = await write(
      [
        { index: 0, style: 'kserve', outputs: [y] },
        { index: 1, style: 'instance', outputs: [{ ...y, shape: [1, 2] }] },
      ],
      UNBATCHED,
    );
    expect(JSON.parse(lines[0]!).outputs[0].shape).toEqual([2]);
    expect(JSON.parse(lines[1]!)).toEqual({ y: [[1, 2]] });
  });

  it('gathers lines into large writes', async () => {
    const records: OutputRecord[] = Array.from({ length: 20_000 }, (_, index) => ({
      index,
      style: 'kserve',
      outputs: [logits(index), box],
    }));
    const { sink, lines } = await write(records, BATCHED, 20_000);
    expect(lines).toHaveLength(20_001);
    const bytes = sink.bytes().length;
    expect(bytes).toBeGreaterThan(2 << 20);
    expect(sink.chunks.length).toBe(Math.ceil(bytes / (1 << 20)));
    expect(JSON.parse(lines[19_999]!).outputs[0].data[0]).toBe(19_999);
  });

  it('refuses results out of order and a short count', async () => {
    const sink = new MemorySink();
    const writer = await JSONL_CODEC.openWriter(sink, BATCHED, { total: 2, model });
    expect((await mindletError(() => writer.write({ index: 1, error: 'x' }))).message).toMatch(/out of order/);
    await writer.write({ index: 0, error: 'x' });
    expect((await mindletError(() => writer.finish())).message).toMatch(/1 results were written for 2/);
    await writer.abort(new Error('stop'));
    expect(sink.aborted).toBe(true);
    expect(sink.closed).toBe(false);
  });

  it('refuses a model whose outputs JSON cannot carry', async () => {
    const signature: BatchSignature = { ...BATCHED, outputs: [{ name: 's', dtype: 'string', shape: [-1] }] };
    const error = await mindletError(() =>
      JSONL_CODEC.openWriter(new MemorySink('memory://o'), signature, { total: undefined, model }),
    );
    expect(error.code).toBe('UNSUPPORTED');
    expect(error.message).toBe('memory://o: output s is string, which JSON results cannot carry');
  });
});
