/** Graph building on hand-made ModelProtos: bookkeeping resolution, calls, legacy attributes and bad graphs. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MindletError } from '../../src/errors.js';
import { decodeMindir } from '../../src/mindir/loader.js';
import { encodeModelProto, type ModelObject } from '../tools/proto-encode.js';

const F32 = 1;
const INT64 = 7;
const TENSORS = 19;
const TUPLE = 20;
const UMONAD = 23;

const tensorAbstract = (dims: number[]) => ({ name: 'shape', type: TENSORS, tensors: [{ dims, dataType: F32 }] });
const input = (name: string, dims: number[]) => ({ name, tensor: [{ dims, dataType: F32 }] });
const int64Const = (name: string, value: number) => ({
  name,
  output: [name],
  opType: 'Constant',
  attribute: [{ name: 'value', type: INT64, i: value }],
});
const monadConst = (name: string) => ({
  name,
  output: [name],
  opType: 'Constant',
  attribute: [{ name: 'value', type: UMONAD }],
});
const node = (name: string, op: string, inputs: string[], attribute: unknown[] = []) => ({
  name,
  output: [name],
  opType: op,
  input: inputs,
  attribute,
});

function model(
  nodes: unknown[],
  extra: Partial<ModelObject> & { outputs?: string[]; inputs?: unknown[]; parameters?: unknown[] } = {},
): ModelObject {
  const { outputs = ['out'], inputs = [input('x', [2, 3])], parameters = [], ...rest } = extra;
  return {
    irVersion: '0.1.1',
    producerName: 'MindSpore',
    modelVersion: '2.2.0',
    mindIrVersion: 1,
    littleEndian: true,
    primitives: [
      { name: 'ReLU:1', opType: 'ReLU' },
      { name: 'Split:2', opType: 'Split', attribute: [{ name: 'output_num', type: INT64, i: 2 }] },
      { name: 'Concat:3', opType: 'Concat', attribute: [{ name: 'axis', type: INT64, i: 0 }] },
      { name: 'MakeTuple:4', opType: 'MakeTuple' },
      { name: 'TupleGetItem:5', opType: 'TupleGetItem' },
      { name: 'Depend:6', opType: 'Depend' },
      { name: 'Load:7', opType: 'Load' },
      { name: 'UpdateState:8', opType: 'UpdateState' },
      { name: 'Add:9', opType: 'Add' },
    ],
    graph: {
      name: 'main',
      input: inputs,
      output: outputs.map((name) => ({ name })),
      parameter: parameters,
      node: nodes,
    },
    ...rest,
  };
}

const load = (m: ModelObject, options = {}) => decodeMindir(encodeModelProto(m), { label: 'test.mindir', ...options });

function expectError(fn: () => unknown, code: string, pattern: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(MindletError);
  expect((caught as MindletError).code).toBe(code);
  expect((caught as MindletError).message).toMatch(pattern);
  expect((caught as MindletError).message).toMatch(/^test\.mindir: /);
}

describe('bookkeeping resolution', () => {
  it('spreads MakeTuple inputs, maps TupleGetItem onto multi-output nodes and drops monads', () => {
    const m = model(
      [
        monadConst('u'),
        node('w_loaded', 'REF::Load:7', ['w', 'u'], [tensorAbstract([2, 3])]),
        node('sum', 'REF::Add:9', ['x', 'w_loaded'], [tensorAbstract([2, 3])]),
        node(
          'split',
          'REF::Split:2',
          ['sum'],
          [{ name: 'shape', type: TUPLE, values: [tensorAbstract([1, 3]), tensorAbstract([1, 3])] }],
        ),
        int64Const('one', 1),
        node('second', 'REF::TupleGetItem:5', ['split', 'one']),
        node('tuple', 'REF::MakeTuple:4', ['second', 'x']),
        node('cat', 'REF::Concat:3', ['tuple'], [tensorAbstract([3, 3])]),
        node('state', 'REF::UpdateState:8', ['u', 'cat']),
        node('out', 'REF::Depend:6', ['cat', 'state']),
      ],
      { parameters: [{ name: 'w', refKey: 'layer.w', dims: [2, 3], dataType: F32, rawData: new Uint8Array(24) }] },
    );
    const { graph } = load(m);
    expect(graph.nodes.map((n) => n.op)).toEqual(['Add', 'Split', 'Concat']);
    const [add, split, concat] = graph.nodes;
    expect(add!.inputs).toEqual(['x', 'w']);
    expect(split!.outputs).toEqual(['split[0]', 'split[1]']);
    expect(graph.values.get('split[1]')).toEqual({ name: 'split[1]', dtype: 'float32', shape: [1, 3] });
    expect(concat!.inputs).toEqual(['split[1]', 'x']);
    expect(concat!.inputGroups).toEqual([2]);
    expect(concat!.attrs.axis).toBe(0);
    expect(graph.outputs).toEqual([{ name: 'cat', dtype: 'float32', shape: [3, 3] }]);
  });

  it('orders nodes topologically even when the file does not', () => {
    const m = model([
      node('out', 'REF::ReLU:1', ['mid'], [tensorAbstract([2, 3])]),
      node('mid', 'REF::ReLU:1', ['x'], [tensorAbstract([2, 3])]),
    ]);
    expect(load(m).graph.nodes.map((n) => n.name)).toEqual(['mid', 'out']);
  });

  it('handles a 20,000-node chain without deep recursion', () => {
    const nodes = [];
    for (let i = 0; i < 20_000; i++)
      nodes.push(node(i === 19_999 ? 'out' : `n${i}`, 'REF::ReLU:1', [i === 0 ? 'x' : `n${i - 1}`]));
    nodes.reverse();
    const { graph } = load(model(nodes));
    expect(graph.nodes).toHaveLength(20_000);
    expect(graph.nodes[0]!.inputs).toEqual(['x']);
  });

  it('turns a call of another graph into a Call node with its callee, keeping the sub-graph', () => {
    const m = model([node('out', 'REF::body', ['x'])], {
      functions: [
        {
          name: 'body',
          input: [input('body:a', [2, 3])],
          output: [{ name: 'body:r' }],
          node: [node('body:r', 'REF::Add:9', ['body:a', 'w'], [tensorAbstract([2, 3])])],
        },
      ],
      parameters: [{ name: 'w', dims: [2, 3], dataType: F32, rawData: new Uint8Array(24) }],
    });
    const loaded = load(m);
    expect(loaded.graph.nodes).toMatchObject([{ op: 'Call', callee: 'body', inputs: ['x'] }]);
    const body = loaded.subgraphs.get('body')!;
    // The sub-graph reads the main graph's parameter as a free variable.
    expect(body.nodes[0]!.inputs).toEqual(['body:a', 'w']);
  });
});

describe('legacy (MindSpore 1.x) attribute forms', () => {
  it('decodes scalar sequences, types, tensors, none and monads', () => {
    const attrs = [
      { name: 'nested', refAttrName: 'scalar:Tuple[value1,List[value2,value3,],],', type: INT64, ints: [4, 5, 6] },
      { name: 'empty', refAttrName: 'scalar:Tuple[]', type: INT64 },
      { name: 'flag', refAttrName: 'scalar:value0', type: 9, i: 1 },
      { name: 'ratio', refAttrName: 'scalar:value0', type: 1, f: 0.5 },
      { name: 'dst_type', refAttrName: 'type:value0', tensors: [{ dataType: 10 }] },
      { name: 'nothing', refAttrName: 'none' },
      {
        name: 'table',
        refAttrName: 'tensor:value0',
        tensors: [{ dims: [2], dataType: INT64, rawData: new Uint8Array(16) }],
      },
      { refAttrName: 'shape:shape1,', tensors: [{ name: 'shape1', dims: [2, 3], dataType: F32 }] },
    ];
    const m = model([
      { name: 'u', output: ['u'], opType: 'Constant', attribute: [{ refAttrName: 'Monad:UMonad' }] },
      node('out', 'Custom', ['x', 'u'], attrs),
    ]);
    m.irVersion = '0.1.0';
    const { graph } = load(m);
    const custom = graph.nodes[0]!;
    expect(custom.inputs).toEqual(['x']);
    expect(custom.attrs.nested).toEqual([4, [5, 6]]);
    expect(custom.attrs.empty).toEqual([]);
    expect(custom.attrs.flag).toBe(true);
    expect(custom.attrs.ratio).toBe(0.5);
    expect(custom.attrs.dst_type).toEqual({ kind: 'type', dtype: 'float16' });
    expect(custom.attrs.nothing).toBeNull();
    expect(custom.attrs.table).toMatchObject({ kind: 'tensor', tensor: { dtype: 'int64', shape: [2] } });
    expect(graph.values.get('out')).toEqual({ name: 'out', dtype: 'float32', shape: [2, 3] });
  });
});

describe('bad graphs give one-line errors naming file and node', () => {
  it('dangling input', () => {
    expectError(
      () => load(model([node('out', 'REF::ReLU:1', ['nowhere'])])),
      'INVALID_GRAPH',
      /node out: input nowhere is not defined/,
    );
  });

  it('cycle', () => {
    const m = model([node('a', 'REF::ReLU:1', ['out']), node('out', 'REF::ReLU:1', ['a'])]);
    expectError(() => load(m), 'INVALID_GRAPH', /cycle/);
  });

  it('op_type naming nothing', () => {
    expectError(
      () => load(model([node('out', 'REF::Nope:99', ['x'])])),
      'INVALID_GRAPH',
      /REF::Nope:99 names no primitive/,
    );
  });

  it('unknown attribute type', () => {
    // Encoders refuse unknown enum values, so write type INT64 (field 16 = 7: bytes 80 01 07) and patch it to 99.
    const bytes = encodeModelProto(model([node('out', 'REF::ReLU:1', ['x'], [{ name: 'weird', type: INT64, i: 1 }])]));
    const at = bytes.findIndex((b, i) => b === 0x80 && bytes[i + 1] === 0x01 && bytes[i + 2] === INT64);
    expect(at).toBeGreaterThan(0);
    bytes[at + 2] = 99;
    expectError(
      () => decodeMindir(bytes, { label: 'test.mindir' }),
      'INVALID_FORMAT',
      /node out: attribute weird: unknown attribute type 99/,
    );
  });

  it('weight bytes that do not match dtype and shape', () => {
    const m = model([node('out', 'REF::Add:9', ['x', 'w'])], {
      parameters: [{ name: 'w', dims: [2, 3], dataType: F32, rawData: new Uint8Array(23) }],
    });
    expectError(() => load(m), 'INVALID_FORMAT', /tensor w: float32\[2,3\] needs 24 bytes, file has 23/);
  });

  it('unknown tensor data type', () => {
    const m = model([node('out', 'REF::ReLU:1', ['x'])], {
      inputs: [{ name: 'x', tensor: [{ dims: [1], dataType: 77 }] }],
    });
    expectError(() => load(m), 'INVALID_FORMAT', /unknown tensor data type 77/);
  });

  it('no graph at all', () => {
    expectError(() => load({ irVersion: '0.1.1' }), 'INVALID_FORMAT', /no graph/);
  });
});

describe('external weights', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mindlet-external-'));
  const weights = new Float32Array([1, 2, 3, 4, 5, 6]);
  // MindSpore's external data file starts with a one-byte endianness flag; offsets are absolute in the file.
  const data = new Uint8Array(1 + weights.byteLength);
  data[0] = 1;
  data.set(new Uint8Array(weights.buffer), 1);
  writeFileSync(path.join(dir, 'data_0'), data);
  const withExternal = (location: string, offset = 1, length = 24) =>
    model([node('out', 'REF::Add:9', ['x', 'w'])], {
      parameters: [{ name: 'w', dims: [2, 3], dataType: F32, externalData: { location, offset, length } }],
    });

  it('reads weights from the file beside the model, as views', () => {
    const { graph } = load(withExternal('data_0'), { externalDataDir: dir });
    const w = graph.parameters.get('w')!;
    expect(w.storage).toEqual({ kind: 'external', location: 'data_0', offset: 1, length: 24 });
    expect(Array.from(new Float32Array(Uint8Array.from(w.data).buffer))).toEqual(Array.from(weights));
  });

  it('missing file, escaping location and out-of-range offsets are clean errors', () => {
    expectError(
      () => load(withExternal('data_9'), { externalDataDir: dir }),
      'NOT_FOUND',
      /external weight file data_9 is missing/,
    );
    expectError(
      () => load(withExternal('../etc/passwd'), { externalDataDir: dir }),
      'INVALID_FORMAT',
      /outside the model's folder/,
    );
    expectError(
      () => load(withExternal('/etc/passwd'), { externalDataDir: dir }),
      'INVALID_FORMAT',
      /outside the model's folder/,
    );
    expectError(
      () => load(withExternal('data_0', 10, 24), { externalDataDir: dir }),
      'INVALID_FORMAT',
      /holds 25 bytes/,
    );
    expectError(() => load(withExternal('data_0')), 'INVALID_ARGUMENT', /external file/);
  });
});
