/** The test writer produces what MindSpore 2.x export writes: checked with the shipped static decoder. */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { mind_ir } from '../../src/mindir/proto/mind_ir.gen.js';
import {
  encodeModel,
  largeMlp,
  lenet5,
  MindirGraphBuilder,
  type ParameterRecord,
  writeLargeMlp,
  writeModel,
} from './mindir-writer.js';

/** Decoded messages with every field present: the static decoder fills defaults, its types just don't say so. */
type Full<T> = T extends Uint8Array
  ? T
  : T extends Array<infer U>
    ? Full<U>[]
    : T extends object
      ? { [K in keyof T]-?: Full<NonNullable<T[K]>> }
      : T;
type Model = Full<mind_ir.ModelProto.$Properties>;
const decode = (bytes: Uint8Array) => mind_ir.ModelProto.decode(bytes) as unknown as Model;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const realModel = () => decode(readFileSync(path.join(root, 'test', 'fixtures', 'mindir', 'ori_net.mindir')));
const reflection = protobuf.loadSync(path.join(root, 'proto', 'mind_ir.proto')).lookupType('mind_ir.ModelProto');
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'mindlet-writer-'));
const AttrType = mind_ir.AttributeProto.AttributeType;
// MindSpore's data-file layout (serialization.py _get_data_file / _spilt_save): a 64-byte header, 64-byte alignment.
const EXTERNAL_HEADER_BYTES = 64;
const EXTERNAL_ALIGNMENT = 64;

/** Node op types with REF:: names resolved through the primitives table (throws on a dangling reference). */
function resolvedOps(model: Model): string[] {
  const table = new Map(model.primitives.map((p) => [p.name, p.opType]));
  return model.graph.node.map((n) => {
    if (!n.opType.startsWith('REF::')) return n.opType;
    const op = table.get(n.opType.slice(5));
    if (op === undefined) throw new Error(`${n.name} references missing primitive ${n.opType}`);
    return op;
  });
}

function histogram(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

/** op type → attribute name → attribute type, over the primitives table. */
function primitiveAttrTypes(model: Model): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const p of model.primitives) {
    out[p.opType] = Object.fromEntries(p.attribute.map((a) => [a.name, a.type]));
  }
  return out;
}

function sourceBytes(p: ParameterRecord): Uint8Array {
  const data = typeof p.source === 'function' ? p.source() : p.source;
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

describe('mindir-writer: LeNet-5', () => {
  it('has the node structure, header and attribute typing of the real ori_net.mindir', () => {
    const written = decode(encodeModel(lenet5()));
    const real = realModel();
    expect(resolvedOps(written)).toEqual(resolvedOps(real));
    expect(histogram(resolvedOps(written))).toEqual(histogram(resolvedOps(real)));
    expect(primitiveAttrTypes(written)).toEqual(primitiveAttrTypes(real));
    for (const field of ['irVersion', 'producerName', 'littleEndian'] as const) {
      expect(written[field]).toEqual(real[field]);
    }
    expect(Number(written.mindIrVersion)).toBe(Number(real.mindIrVersion));
    expect(written.modelVersion).toMatch(/^2\./);
    expect(written.graph.attribute.map((a) => [a.name, a.type])).toEqual(
      real.graph.attribute.map((a) => [a.name, a.type]),
    );
  });

  it('records every computing node output abstract and resolves every input', () => {
    const model = decode(encodeModel(lenet5()));
    const graph = model.graph;
    const ops = resolvedOps(model);
    const known = new Set<string>([
      ...graph.input.map((i) => i.name),
      ...graph.parameter.map((p) => p.name),
      ...graph.node.flatMap((n) => n.output),
    ]);
    graph.node.forEach((n, index) => {
      for (const input of n.input) expect(known.has(input), `${n.name} input ${input}`).toBe(true);
      if (ops[index] === 'Constant') return;
      const shape = n.attribute.find((a) => a.name === 'shape');
      expect(shape, n.name).toBeDefined();
      if (ops[index] === 'UpdateState') expect(shape!.type).toBe(AttrType.UMONAD);
      else if (ops[index] === 'MakeTuple') expect(shape!.values.every((v) => v.type === AttrType.TENSORS)).toBe(true);
      else expect(shape!.tensors[0]!.dims.length).toBeGreaterThan(0);
      expect(n.domain).toMatch(/^Default\//);
    });
    // The graph output is the Depend on (result, UpdateState) and carries the result's abstract.
    const output = graph.output[0]!;
    const depend = graph.node.find((n) => n.output.includes(output.name))!;
    expect(ops[graph.node.indexOf(depend)]).toBe('Depend');
    const result = graph.node.find((n) => n.output.includes(depend.input[0]!))!;
    const resultShape = result.attribute.find((a) => a.name === 'shape')!.tensors[0]!.dims.map(Number);
    expect(output.tensor[0]!.dims.map(Number)).toEqual(resultShape);
    const monad = graph.node.find((n) => n.attribute[0]?.type === AttrType.UMONAD && n.opType === 'Constant')!;
    const loads = graph.node.filter((_, i) => ops[i] === 'Load');
    expect(loads.length).toBe(graph.parameter.length);
    for (const load of loads) expect(load.input[1]).toBe(monad.name);
  });

  it('writes parameters as "<graph>:<key>" with ref_key, dims and raw_data of the declared size', () => {
    const builder = lenet5({ denseWeights: 'parameter' });
    const model = decode(encodeModel(builder));
    const graph = model.graph;
    expect(graph.parameter.map((p) => p.refKey)).toEqual(builder.parameters().map((p) => p.key));
    for (const [i, p] of graph.parameter.entries()) {
      expect(p.name).toBe(`${graph.name}:${p.refKey}`);
      const elements = p.dims.reduce<number>((n, d) => n * Number(d), 1);
      expect(p.rawData.byteLength).toBe(elements * 4);
      expect(Buffer.from(p.rawData).equals(Buffer.from(sourceBytes(builder.parameters()[i]!)))).toBe(true);
    }
    expect(resolvedOps(model).filter((op) => op === 'Load').length).toBe(5);
  });

  it('hand-written outer layers give the same bytes as reflection encoding of the whole model', () => {
    const builder = lenet5({ denseWeights: 'parameter', seed: 3 });
    const streamed = encodeModel(builder);
    const reference = reflection.encode(builder.toModelObject()).finish();
    expect(Buffer.from(streamed).equals(Buffer.from(reference))).toBe(true);
  });

  it('is reproducible for a seed and differs across seeds', () => {
    expect(Buffer.from(encodeModel(lenet5({ seed: 5 }))).equals(Buffer.from(encodeModel(lenet5({ seed: 5 }))))).toBe(
      true,
    );
    const a = decode(encodeModel(lenet5({ seed: 5 }))).graph.parameter[0]!.rawData;
    const b = decode(encodeModel(lenet5({ seed: 6 }))).graph.parameter[0]!.rawData;
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });
});

describe('mindir-writer: external data', () => {
  it('puts parameter bytes at 64-aligned offsets after a 64-byte little-endian header', () => {
    const dir = tmp();
    const builder = lenet5({ denseWeights: 'parameter' });
    const model = decode(encodeModel(builder, { externalData: { dir, fileName: 'net_variables/data_0' } }));
    const data = readFileSync(path.join(dir, 'net_variables', 'data_0'));
    expect(data[0]).toBe(1);
    expect(data.subarray(1, EXTERNAL_HEADER_BYTES).every((b) => b === 0)).toBe(true);
    const params = model.graph.parameter;
    expect(params.length).toBe(builder.parameters().length);
    let end = EXTERNAL_HEADER_BYTES;
    for (const [i, p] of params.entries()) {
      const external = p.externalData!;
      expect(external.location).toBe('net_variables/data_0');
      expect(p.rawData.byteLength).toBe(0);
      const offset = Number(external.offset);
      const length = Number(external.length);
      expect(offset % EXTERNAL_ALIGNMENT).toBe(0);
      expect(offset).toBeGreaterThanOrEqual(end);
      const expected = Buffer.from(sourceBytes(builder.parameters()[i]!));
      expect(length).toBe(expected.byteLength);
      expect(data.subarray(offset, offset + length).equals(expected)).toBe(true);
      end = offset + length;
    }
    expect(data.byteLength % EXTERNAL_ALIGNMENT).toBe(0);
    expect(data.byteLength - end).toBeLessThan(EXTERNAL_ALIGNMENT);
  });

  it('keeps parameters under the threshold inline', () => {
    const dir = tmp();
    const builder = lenet5({ denseWeights: 'parameter' });
    const threshold = 10_000;
    const model = decode(encodeModel(builder, { externalData: { dir, thresholdBytes: threshold } }));
    const sizes = builder.parameters().map((p) => p.byteLength);
    expect(sizes.some((s) => s < threshold) && sizes.some((s) => s >= threshold)).toBe(true);
    for (const [i, p] of model.graph.parameter.entries()) {
      const large = sizes[i]! >= threshold;
      expect(Boolean(p.externalData?.location), p.name).toBe(large);
      expect(p.rawData.byteLength).toBe(large ? 0 : sizes[i]);
    }
  });
});

describe('mindir-writer: streaming large models', () => {
  it('writeModel streams the same bytes encodeModel builds in memory', () => {
    const file = path.join(tmp(), 'mlp.mindir');
    const target = 3 * 128 * 128 * 4;
    const written = writeModel(largeMlp(target, { width: 128 }), file);
    expect(statSync(file).size).toBe(written.bytes);
    expect(readFileSync(file).equals(Buffer.from(encodeModel(largeMlp(target, { width: 128 }))))).toBe(true);
    const model = decode(readFileSync(file));
    expect(model.graph.parameter.length).toBe(3);
    expect(histogram(resolvedOps(model))).toMatchObject({ MatMul: 3, ReLU: 2, Load: 3, Depend: 1 });
  });

  it('sizes the MLP to the requested bytes and splits it into "<prefix>_graph.mindir" + "<prefix>_variables/data_0"', () => {
    const dir = tmp();
    const width = 64;
    const target = 5 * width * width * 4 - 100;
    const result = writeLargeMlp(path.join(dir, 'big_graph.mindir'), target, width, { external: true });
    expect(result.layers).toBe(5);
    expect(result.files).toEqual([path.join(dir, 'big_graph.mindir'), path.join(dir, 'big_variables', 'data_0')]);
    expect(statSync(result.files[1]!).size).toBe(result.dataBytes);
    expect(result.dataBytes).toBe(EXTERNAL_HEADER_BYTES + 5 * width * width * 4);
    const model = decode(readFileSync(result.files[0]!));
    const total = model.graph.parameter.reduce((n, p) => n + Number(p.externalData!.length), 0);
    expect(total).toBeGreaterThanOrEqual(target);
    expect(statSync(result.files[0]!).size).toBeLessThan(total / 4);
  });

  it('refuses weights whose size disagrees with their dims', () => {
    const b = new MindirGraphBuilder();
    expect(() => b.parameter('w', [2, 2], new Float32Array(3))).toThrow(/12 bytes given/);
  });
});
