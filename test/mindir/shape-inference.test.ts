/** Shape inference rules on hand-built graphs; expected shapes follow the ops' definitions, computed here. */
import { describe, expect, it } from 'vitest';
import { MindletError } from '../../src/errors.js';
import { inferShapes } from '../../src/mindir/shape-inference.js';
import type { AttrValue, Graph, GraphNode, TensorInfo } from '../../src/mindir/types.js';

function graph(inputs: TensorInfo[], nodes: GraphNode[], constants: Record<string, AttrValue> = {}): Graph {
  return {
    name: 'g',
    inputs,
    outputs: [],
    parameters: new Map(),
    constants: new Map(Object.entries(constants)),
    nodes,
    values: new Map(inputs.map((i) => [i.name, i])),
  };
}
const t = (name: string, shape: number[], dtype: TensorInfo['dtype'] = 'float32'): TensorInfo => ({
  name,
  dtype,
  shape,
});
const n = (op: string, inputs: string[], outputs: string[], attrs: Record<string, AttrValue> = {}): GraphNode => ({
  name: outputs[0]!,
  op,
  inputs,
  outputs,
  attrs,
});

describe('inferShapes', () => {
  it('follows a LeNet-style chain with a dynamic batch', () => {
    const g = graph(
      [t('x', [-1, 3, 32, 32]), t('w', [8, 3, 3, 3])],
      [
        n('Conv2D', ['x', 'w'], ['c'], {
          kernel_size: [3, 3],
          pad_mode: 1,
          stride: [1, 1, 2, 2],
          out_channel: 8,
          group: 1,
        }),
        n('ReLU', ['c'], ['r']),
        n('MaxPool', ['r'], ['p'], { kernel_size: [1, 1, 2, 2], strides: [1, 1, 2, 2], pad_mode: 'VALID' }),
        n('Reshape', ['p', 'target'], ['f']),
      ],
      { target: [-1, 8 * 8 * 8] },
    );
    const warnings: string[] = [];
    inferShapes(g, warnings);
    // SAME padding, stride 2: ceil(32/2) = 16; 2x2 VALID pool: 8.
    expect(g.values.get('c')!.shape).toEqual([-1, 8, 16, 16]);
    expect(g.values.get('p')!.shape).toEqual([-1, 8, 8, 8]);
    expect(g.values.get('f')!.shape).toEqual([-1, 512]);
    expect(warnings).toEqual([]);
  });

  it('BatchMatMul broadcasts batch dims and honours transposes; Split makes one output per piece', () => {
    const g = graph(
      [t('a', [4, 1, 5, 7]), t('b', [3, 6, 7])],
      [
        n('BatchMatMul', ['a', 'b'], ['m'], { transpose_a: false, transpose_b: true }),
        n('Split', ['m'], ['s[0]', 's[1]'], { axis: 0, output_num: 2 }),
      ],
    );
    inferShapes(g, []);
    expect(g.values.get('m')!.shape).toEqual([4, 3, 5, 6]);
    expect(g.values.get('s[1]')!.shape).toEqual([2, 3, 5, 6]);
    const uneven = graph([t('x', [3, 2])], [n('Split', ['x'], ['u[0]', 'u[1]'], { axis: 0, output_num: 2 })]);
    expect(() => inferShapes(uneven, [])).toThrow(/cannot split 3 into 2/);
  });

  it('reads attributes passed as constant inputs (MindSpore 2.3+ primitive functions)', () => {
    const g = graph(
      [t('x', [2, 3, 4])],
      [n('ReduceMean', ['x', 'axes', 'keep'], ['y']), n('Transpose', ['y', 'perm'], ['z'])],
      {
        axes: [1],
        keep: true,
        perm: [2, 1, 0],
      },
    );
    inferShapes(g, []);
    expect(g.values.get('y')!.shape).toEqual([2, 1, 4]);
    expect(g.values.get('z')!.shape).toEqual([4, 1, 2]);
  });

  it('a definite contradiction is INVALID_GRAPH naming the node; an unknown op is one warning', () => {
    const bad = graph([t('a', [2, 3]), t('b', [4, 5])], [n('MatMul', ['a', 'b'], ['m'])]);
    expect(() => inferShapes(bad, [], { file: 'f.mindir' })).toThrow(MindletError);
    expect(() => inferShapes(bad, [], { file: 'f.mindir' })).toThrow(
      /f\.mindir: node m: MatMul inner dimensions differ/,
    );
    const unknown = graph([t('a', [2])], [n('Frobnicate', ['a'], ['u']), n('Frobnicate', ['u'], ['v'])]);
    const warnings: string[] = [];
    inferShapes(unknown, warnings);
    expect(warnings).toEqual(['shape inference: no rule for op Frobnicate (2 outputs without a recorded shape)']);
  });

  it('keeps a recorded shape that disagrees, with a warning, and refines recorded -1 dims', () => {
    const g = graph([t('x', [2, 3])], [n('ReLU', ['x'], ['r']), n('Sigmoid', ['r'], ['s'])]);
    g.values.set('r', t('r', [9, 9]));
    g.values.set('s', t('s', [-1, 9]));
    const warnings: string[] = [];
    inferShapes(g, warnings);
    expect(g.values.get('r')!.shape).toEqual([9, 9]);
    expect(warnings[0]).toMatch(/node r: ReLU output recorded as \[9,9\], inferred \[2,3\]/);
    expect(g.values.get('s')!.shape).toEqual([9, 9]);
  });
});
