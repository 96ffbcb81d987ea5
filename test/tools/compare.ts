/**
 * How engine outputs are compared with onnxruntime's: the largest absolute difference divided by the largest
 * magnitude of the reference output (an L∞ relative error). Element-wise relative error is meaningless for
 * elements near zero (a ReLU output of 1e-9 against 2e-9 is "50%"), while this measure is what a user sees:
 * how far any output moves compared with the output's own scale.
 */
export interface Comparison {
  maxAbs: number;
  scale: number;
  relative: number;
  count: number;
}

export function compareOutputs(got: ArrayLike<number>, want: ArrayLike<number>): Comparison {
  if (got.length !== want.length) throw new Error(`length ${got.length} vs ${want.length}`);
  let maxAbs = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    const a = got[i] as number;
    const b = want[i] as number;
    if (Number.isNaN(a) !== Number.isNaN(b))
      return { maxAbs: Number.POSITIVE_INFINITY, scale, relative: Number.POSITIVE_INFINITY, count: want.length };
    maxAbs = Math.max(maxAbs, Math.abs(a - b));
    scale = Math.max(scale, Math.abs(b));
  }
  return { maxAbs, scale, relative: scale > 0 ? maxAbs / scale : maxAbs, count: want.length };
}
