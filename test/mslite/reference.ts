/**
 * Naive float64 references for MindSpore Lite's CPU kernels, in Lite's own layouts (NHWC activations, KHWC
 * weights), written from the kernels' documented semantics (nnacl): plain loops, no layout tricks, so a layout
 * or attribute mistake in the loader cannot hide in a shared helper.
 */

export type Pads = [top: number, bottom: number, left: number, right: number];

export interface ConvRef {
  stride: [number, number];
  dilation: [number, number];
  /** Explicit [top, bottom, left, right] (Lite's pad_list order), or 'same'. */
  pads: Pads | 'same';
  group: number;
  bias?: ArrayLike<number>;
}

/** TF-style SAME padding as Lite's infer code computes it: out = ceil(in / stride), the odd pixel at the end. */
export function samePads(inSize: number, window: number, stride: number, dilation = 1): [number, number, number] {
  const out = Math.ceil(inSize / stride);
  const total = Math.max(0, (out - 1) * stride + (window - 1) * dilation + 1 - inSize);
  return [out, Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** Convolution: x NHWC [n, h, w, c], weights KHWC [o, kh, kw, c / group]; returns NHWC data and dims. */
export function convNhwc(
  x: ArrayLike<number>,
  xDims: readonly number[],
  weights: ArrayLike<number>,
  wDims: readonly number[],
  p: ConvRef,
): { data: Float64Array; dims: number[] } {
  const [n, h, w, c] = xDims as [number, number, number, number];
  const [o, kh, kw, cg] = wDims as [number, number, number, number];
  const [sh, sw] = p.stride;
  const [dh, dw] = p.dilation;
  let pt: number;
  let pl: number;
  let oh: number;
  let ow: number;
  if (p.pads === 'same') {
    [oh, pt] = samePads(h, kh, sh, dh);
    [ow, pl] = samePads(w, kw, sw, dw);
  } else {
    const [top, bottom, left, right] = p.pads;
    pt = top;
    pl = left;
    oh = Math.floor((h + top + bottom - ((kh - 1) * dh + 1)) / sh) + 1;
    ow = Math.floor((w + left + right - ((kw - 1) * dw + 1)) / sw) + 1;
  }
  if (cg * p.group !== c) throw new Error('reference: channels do not match the group');
  const og = o / p.group;
  const y = new Float64Array(n * oh * ow * o);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let k = 0; k < o; k++) {
          const g = Math.floor(k / og);
          let sum = p.bias ? (p.bias[k] as number) : 0;
          for (let u = 0; u < kh; u++) {
            const yy = i * sh - pt + u * dh;
            if (yy < 0 || yy >= h) continue;
            for (let v = 0; v < kw; v++) {
              const xx = j * sw - pl + v * dw;
              if (xx < 0 || xx >= w) continue;
              for (let q = 0; q < cg; q++) {
                const xv = x[((b * h + yy) * w + xx) * c + g * cg + q] as number;
                const wv = weights[((k * kh + u) * kw + v) * cg + q] as number;
                sum += xv * wv;
              }
            }
          }
          y[((b * oh + i) * ow + j) * o + k] = sum;
        }
  return { data: y, dims: [n, oh, ow, o] };
}

export interface PoolRef {
  max: boolean;
  kernel: [number, number];
  stride: [number, number];
  pads: Pads | 'same';
  ceil?: boolean;
  global?: boolean;
}

/**
 * Pooling on NHWC as nnacl does it: windows clipped to the input, average over the in-bounds elements only
 * (padding never counts in the divisor), output size by floor or ceil of (in + pads − window) / stride + 1.
 */
export function poolNhwc(
  x: ArrayLike<number>,
  xDims: readonly number[],
  p: PoolRef,
): { data: Float64Array; dims: number[] } {
  const [n, h, w, c] = xDims as [number, number, number, number];
  let [kh, kw] = p.kernel;
  let [sh, sw] = p.stride;
  let pt = 0;
  let pl = 0;
  let oh: number;
  let ow: number;
  if (p.global) {
    [kh, kw, sh, sw, oh, ow] = [h, w, 1, 1, 1, 1];
  } else if (p.pads === 'same') {
    [oh, pt] = samePads(h, kh, sh);
    [ow, pl] = samePads(w, kw, sw);
  } else {
    const [top, bottom, left, right] = p.pads;
    pt = top;
    pl = left;
    const round = p.ceil ? Math.ceil : Math.floor;
    oh = round((h + top + bottom - kh) / sh) + 1;
    ow = round((w + left + right - kw) / sw) + 1;
  }
  const y = new Float64Array(n * oh * ow * c);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let k = 0; k < c; k++) {
          let acc = p.max ? Number.NEGATIVE_INFINITY : 0;
          let count = 0;
          for (let u = 0; u < kh; u++) {
            const yy = i * sh - pt + u;
            if (yy < 0 || yy >= h) continue;
            for (let v = 0; v < kw; v++) {
              const xx = j * sw - pl + v;
              if (xx < 0 || xx >= w) continue;
              const value = x[((b * h + yy) * w + xx) * c + k] as number;
              acc = p.max ? Math.max(acc, value) : acc + value;
              count++;
            }
          }
          y[((b * oh + i) * ow + j) * c + k] = p.max ? acc : acc / count;
        }
  return { data: y, dims: [n, oh, ow, c] };
}

/** Row-major A [m, k] (or its transpose) times B [k, n] (or [n, k] with transposeB), plus an optional bias [n]. */
export function matmul(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  m: number,
  k: number,
  n: number,
  transposeB: boolean,
  bias?: ArrayLike<number>,
): Float64Array {
  const y = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let sum = bias ? (bias[j] as number) : 0;
      for (let q = 0; q < k; q++) {
        sum += (a[i * k + q] as number) * (b[transposeB ? j * k + q : q * n + j] as number);
      }
      y[i * n + j] = sum;
    }
  return y;
}

/** Element-wise activations, as Lite's ActivationType defines them. */
export const act = {
  relu: (v: number) => Math.max(0, v),
  relu6: (v: number) => Math.min(6, Math.max(0, v)),
  hswish: (v: number) => (v * Math.min(6, Math.max(0, v + 3))) / 6,
  leakyRelu: (alpha: number) => (v: number) => (v >= 0 ? v : alpha * v),
  geluExact: (v: number) => 0.5 * v * (1 + erf(v / Math.SQRT2)),
  identity: (v: number) => v,
};

/** erf to ~1e-15 by its Maclaurin series for |x| < 3 and the continued fraction of erfc beyond. */
export function erf(x: number): number {
  const sign = Math.sign(x);
  const a = Math.abs(x);
  if (a < 3) {
    let term = a;
    let sum = a;
    for (let n = 1; n < 200; n++) {
      term *= (-a * a) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17) break;
    }
    return (sign * 2 * sum) / Math.sqrt(Math.PI);
  }
  // erfc(a) = exp(−a²)/√π · 1/(a + 1/2/(a + 1/(a + 3/2/(a + ...)))) evaluated from the tail.
  let f = a;
  for (let n = 60; n >= 1; n--) f = a + n / 2 / f;
  return sign * (1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / f);
}

/** Softmax along one axis of a row-major tensor. */
export function softmax(x: ArrayLike<number>, dims: number[], axis: number): Float64Array {
  const ax = axis < 0 ? axis + dims.length : axis;
  const size = dims[ax] as number;
  const inner = dims.slice(ax + 1).reduce((p, q) => p * q, 1);
  const outer = dims.slice(0, ax).reduce((p, q) => p * q, 1);
  const y = new Float64Array(x.length);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      let max = Number.NEGATIVE_INFINITY;
      for (let s = 0; s < size; s++) max = Math.max(max, x[(o * size + s) * inner + i] as number);
      let total = 0;
      for (let s = 0; s < size; s++) total += Math.exp((x[(o * size + s) * inner + i] as number) - max);
      for (let s = 0; s < size; s++) {
        y[(o * size + s) * inner + i] = Math.exp((x[(o * size + s) * inner + i] as number) - max) / total;
      }
    }
  return y;
}

/** Axis permutation of a row-major tensor: out.dims[i] = dims[perm[i]]. */
export function transpose(
  x: ArrayLike<number>,
  dims: number[],
  perm: number[],
): { data: Float64Array; dims: number[] } {
  const outDims = perm.map((p) => dims[p] as number);
  const strides = dims.map((_, i) => dims.slice(i + 1).reduce((p, q) => p * q, 1));
  const y = new Float64Array(x.length);
  const index = outDims.map(() => 0);
  for (let k = 0; k < y.length; k++) {
    let src = 0;
    perm.forEach((p, i) => {
      src += (index[i] as number) * (strides[p] as number);
    });
    y[k] = x[src] as number;
    for (let i = outDims.length - 1; i >= 0; i--) {
      index[i] = (index[i] as number) + 1;
      if ((index[i] as number) < (outDims[i] as number)) break;
      index[i] = 0;
    }
  }
  return { data: y, dims: outDims };
}
