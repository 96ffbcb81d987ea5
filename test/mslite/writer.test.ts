/**
 * Self-test of the `.ms` test writer: what it writes, decodeLiteModel reads back (attrs of every field kind,
 * tensors, graph indices, both generations), so op tests built on it test the loader, not the writer.
 */
import { describe, expect, it } from 'vitest';
import { decodeLiteModel, hasCurrentIdentifier } from '../../src/mslite/decode.js';
import { DATA_TYPE, FORMAT, f32Bytes, type LiteModelSpec, writeMsLite } from '../tools/mslite-writer.js';

const tensors: LiteModelSpec['tensors'] = [
  { name: 'x', dataType: DATA_TYPE.float32, dims: [1, 4, 4, 2], format: FORMAT.NHWC, nodeType: 1 },
  {
    name: 'w',
    dataType: DATA_TYPE.float32,
    dims: [3, 1, 1, 2],
    format: FORMAT.KHWC,
    data: f32Bytes([1, 2, 3, 4, 5, 6]),
  },
  { name: 'y', dataType: DATA_TYPE.float32, dims: [1, 4, 4, 3], format: FORMAT.NHWC },
];

describe('mslite-writer', () => {
  it('round-trips a current-generation model: identifier, version, tensors, every attr kind', () => {
    const spec: LiteModelSpec = {
      generation: 'current',
      name: 'net',
      tensors,
      nodes: [
        {
          name: 'conv',
          op: 'Conv2DFusion',
          attrs: {
            format: 'NHWC',
            kernel_size: [1, 1],
            stride: [2n, 3],
            pad_mode: 'SAME',
            pad_list: [0, 1, 2, 3],
            group: 1,
            out_channel: 3,
            activation_type: 'RELU6',
          },
          inputs: [0, 1],
          outputs: [2],
        },
        {
          name: 'pad',
          op: 'PadFusion',
          attrs: {
            paddings: [
              [0, 0],
              [1, 2],
              [3, 4],
              [0, 0],
            ],
            padding_mode: 'REFLECT',
            constant_value: 1.5,
          },
          inputs: [2],
          outputs: [2],
        },
        {
          name: 'custom',
          op: 'Custom',
          attrs: { type: 'MyOp', attr: [{ name: 'k', data: Uint8Array.from([7, 8]) }] },
          inputs: [2],
          outputs: [2],
        },
        { name: 'drop', op: 'Dropout', attrs: {}, inputs: [2], outputs: [2] },
        {
          name: 'act',
          op: 'Activation',
          attrs: { activation_type: 19, approximate: true, alpha: 0.25 },
          inputs: [2],
          outputs: [2],
        },
      ],
      inputs: [0],
      outputs: [2],
    };
    const bytes = writeMsLite(spec);
    expect(hasCurrentIdentifier(bytes)).toBe(true);
    const model = decodeLiteModel(bytes);
    expect(model.generation).toBe('current');
    expect(model.version).toBe('MindSpore Lite 1.5.0');
    expect(model.name).toBe('net');
    expect(model.inputs).toEqual([0]);
    expect(model.outputs).toEqual([2]);
    expect(model.subGraphs).toEqual([
      { name: 'main', inputs: [0], outputs: [2], nodes: [0, 1, 2, 3, 4], tensors: [0, 1, 2] },
    ]);
    expect(model.tensors.map((t) => [t.name, t.dataType, t.dims, t.format, t.nodeType])).toEqual([
      ['x', 43, [1, 4, 4, 2], 1, 1],
      ['w', 43, [3, 1, 1, 2], 7, 0],
      ['y', 43, [1, 4, 4, 3], 1, 2],
    ]);
    expect(Array.from(new Float32Array(model.tensors[1]?.data.slice().buffer as ArrayBuffer))).toEqual([
      1, 2, 3, 4, 5, 6,
    ]);
    const [conv, pad, custom, drop, activation] = model.nodes;
    expect(conv?.op).toBe('Conv2DFusion');
    expect(conv?.inputs).toEqual([0, 1]);
    expect(conv?.attrs).toMatchObject({
      format: 1,
      kernel_size: [1, 1],
      stride: [2, 3],
      dilation: [],
      pad_mode: 1,
      pad_list: [0, 1, 2, 3],
      group: 1,
      out_channel: 3,
      activation_type: 3,
    });
    expect(pad?.attrs).toEqual({
      paddings: [
        [0, 0],
        [1, 2],
        [3, 4],
        [0, 0],
      ],
      padding_mode: 1,
      constant_value: 1.5,
    });
    expect(custom?.attrs.type).toBe('MyOp');
    expect(custom?.attrs.attr).toEqual([{ name: 'k', data: Uint8Array.from([7, 8]) }]);
    // An absent field decodes to the schema's default.
    expect(drop?.attrs).toEqual({ keep_prob: 0.5 });
    expect(activation?.attrs).toEqual({ activation_type: 19, alpha: 0.25, min_val: 0, max_val: 0, approximate: true });
  });

  it('round-trips a v0 model: no identifier, the 1.0 version string, v0 tables', () => {
    const spec: LiteModelSpec = {
      generation: 'v0',
      tensors,
      nodes: [
        {
          name: 'pool',
          op: 'Pooling',
          attrs: {
            format: FORMAT.NHWC,
            poolingMode: 'MEAN_POOLING',
            windowW: 3,
            windowH: 2,
            padMode: 'SAME_UPPER',
            roundMode: 1,
          },
          inputs: [0],
          outputs: [2],
        },
        { name: 'prelu', op: 'PReLU', attrs: { slope: [0.5, 0.25] }, inputs: [2], outputs: [2] },
        { name: 'softmax', op: 'SoftMax', attrs: {}, inputs: [2], outputs: [2] },
      ],
      inputs: [0],
      outputs: [2],
    };
    const bytes = writeMsLite(spec);
    expect(hasCurrentIdentifier(bytes)).toBe(false);
    const model = decodeLiteModel(bytes);
    expect(model.generation).toBe('v0');
    expect(model.version).toBe('MindSpore Lite 1.0.0');
    expect(model.subGraphs).toEqual([]);
    const [pool, prelu, softmax] = model.nodes;
    expect(pool?.attrs).toMatchObject({ format: 1, poolingMode: 1, windowW: 3, windowH: 2, padMode: 1, roundMode: 1 });
    expect(prelu?.attrs).toEqual({ channelShared: false, slope: [0.5, 0.25] });
    expect(softmax?.attrs).toEqual({ axis: -1 });
  });

  it('refuses fields and ops the schema does not have', () => {
    const node = { name: 'n', inputs: [0], outputs: [2] };
    expect(() =>
      writeMsLite({ generation: 'current', tensors, nodes: [{ ...node, op: 'Pooling' }], inputs: [0], outputs: [2] }),
    ).toThrow(/not a current union member/);
    expect(() =>
      writeMsLite({
        generation: 'v0',
        tensors,
        nodes: [{ ...node, op: 'Conv2D', attrs: { pad_list: [1] } }],
        inputs: [0],
        outputs: [2],
      }),
    ).toThrow(/no field pad_list/);
  });
});
