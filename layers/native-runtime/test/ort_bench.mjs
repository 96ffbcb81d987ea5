// Reference timings: onnxruntime-node on the same conv / matmul shapes as kernel_bench.cc (one-op ONNX models
// written here with a minimal protobuf encoder).
// Usage: node test/ort_bench.mjs [resnet|mobilenet|bert|all|resnet50-model|mobilenetv2-model]
// Timings include onnxruntime-node's per-run JS overhead (a few µs), which matters only for the smallest shapes.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');

// --- protobuf encoding (just what ONNX ModelProto needs)
const varint = (n) => {
  const out = [];
  let v = BigInt(n);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
};
const key = (field, wire) => varint((field << 3) | wire);
const vint = (field, n) => [...key(field, 0), ...varint(n)];
const bytes = (field, data) => [...key(field, 2), ...varint(data.length), ...data];
const str = (field, s) => bytes(field, [...Buffer.from(s, 'utf8')]);
const msg = (field, parts) => bytes(field, parts.flat());

const attrInts = (name, vals) => msg(5, [str(1, name), ...vals.map((v) => vint(8, v)), vint(20, 7)]);
const attrInt = (name, v) => msg(5, [str(1, name), vint(3, v), vint(20, 2)]);
const node = (op, inputs, outputs, attrs = []) =>
  msg(1, [...inputs.map((i) => str(1, i)), ...outputs.map((o) => str(2, o)), str(4, op), ...attrs]);
const tensor = (name, dims, data) =>
  msg(5, [...dims.map((d) => vint(1, d)), vint(2, 1), str(8, name), bytes(9, [...new Uint8Array(data.buffer)])]);
const valueInfo = (field, name, dims) =>
  msg(field, [
    str(1, name),
    msg(2, [
      msg(1, [
        vint(1, 1),
        msg(
          2,
          dims.map((d) => msg(1, [vint(1, d)])),
        ),
      ]),
    ]),
  ]);
const model = (nodes, inits, inputs, outputs) =>
  Uint8Array.from([
    ...vint(1, 8),
    ...msg(8, [str(1, ''), vint(2, 17)]),
    ...msg(7, [...nodes, str(2, 'g'), ...inits, ...inputs, ...outputs]),
  ]);
const rand = (n) => {
  const a = new Float32Array(n);
  for (let i = 0; i < n; ++i) a[i] = Math.random() * 2 - 1;
  return a;
};

function convModel(c) {
  const pad = Math.floor(c.K / 2);
  const oh = Math.floor((c.H + 2 * pad - c.K) / c.s) + 1;
  const nodes = [
    node(
      'Conv',
      ['x', 'w', 'b'],
      [c.act ? 'y0' : 'y'],
      [
        attrInts('kernel_shape', [c.K, c.K]),
        attrInts('strides', [c.s, c.s]),
        attrInts('pads', [pad, pad, pad, pad]),
        attrInt('group', c.g),
      ],
    ),
  ];
  if (c.act === 'relu') nodes.push(node('Relu', ['y0'], ['y']));
  if (c.act === 'relu6') nodes.push(node('Clip', ['y0', 'lo', 'hi'], ['y']));
  const inits = [
    tensor('w', [c.OC, c.C / c.g, c.K, c.K], rand((c.OC * c.C * c.K * c.K) / c.g)),
    tensor('b', [c.OC], rand(c.OC)),
  ];
  if (c.act === 'relu6') inits.push(tensor('lo', [], Float32Array.of(0)), tensor('hi', [], Float32Array.of(6)));
  return {
    bytes: model(nodes, inits, [valueInfo(11, 'x', [1, c.C, c.H, c.H])], [valueInfo(12, 'y', [1, c.OC, oh, oh])]),
    input: { name: 'x', dims: [1, c.C, c.H, c.H] },
    flops: 2 * c.OC * oh * oh * (c.C / c.g) * c.K * c.K,
  };
}

function matmulModel(m) {
  const nodes = [];
  const inits = [];
  const inputs = [valueInfo(11, 'a', m.a)];
  const out = m.b.length === 2 ? m.a.slice(0, -1).concat([m.b[1]]) : [...m.a.slice(0, -1), m.tb ? m.b[1] : m.b[2]];
  if (m.batched) {
    inputs.push(valueInfo(11, 'bm', m.b));
    if (m.tb) {
      nodes.push(node('Transpose', ['bm'], ['bt'], [attrInts('perm', [0, 2, 1])]));
      nodes.push(node('MatMul', ['a', 'bt'], ['y']));
    } else nodes.push(node('MatMul', ['a', 'bm'], ['y']));
  } else {
    inits.push(tensor('w', m.b, rand(m.b[0] * m.b[1])), tensor('bias', [m.b[1]], rand(m.b[1])));
    nodes.push(node('MatMul', ['a', 'w'], ['t']));
    nodes.push(node('Add', ['t', 'bias'], m.act ? ['u'] : ['y']));
    if (m.act === 'gelu') nodes.push(node('Gelu', ['u'], ['y'], []));
  }
  const k = m.a[m.a.length - 1];
  const numel = out.reduce((x, y) => x * y, 1);
  const extraInputs = m.batched ? [{ name: 'bm', dims: m.b }] : [];
  return {
    bytes: model(nodes, inits, inputs, [valueInfo(12, 'y', out)]),
    input: { name: 'a', dims: m.a },
    extra: extraInputs,
    flops: 2 * numel * k,
    opset20: m.act === 'gelu',
  };
}

const convShapes = [
  ['resnet', 1, 3, 224, 64, 7, 2, 1, 'relu'],
  ['resnet', 1, 64, 56, 64, 1, 1, 1, 'relu'],
  ['resnet', 3, 64, 56, 64, 3, 1, 1, 'relu'],
  ['resnet', 4, 64, 56, 256, 1, 1, 1, 'relu'],
  ['resnet', 2, 256, 56, 64, 1, 1, 1, 'relu'],
  ['resnet', 1, 256, 56, 128, 1, 1, 1, 'relu'],
  ['resnet', 1, 128, 56, 128, 3, 2, 1, 'relu'],
  ['resnet', 3, 128, 28, 128, 3, 1, 1, 'relu'],
  ['resnet', 4, 128, 28, 512, 1, 1, 1, 'relu'],
  ['resnet', 1, 256, 56, 512, 1, 2, 1, ''],
  ['resnet', 3, 512, 28, 128, 1, 1, 1, 'relu'],
  ['resnet', 1, 512, 28, 256, 1, 1, 1, 'relu'],
  ['resnet', 1, 256, 28, 256, 3, 2, 1, 'relu'],
  ['resnet', 5, 256, 14, 256, 3, 1, 1, 'relu'],
  ['resnet', 6, 256, 14, 1024, 1, 1, 1, 'relu'],
  ['resnet', 1, 512, 28, 1024, 1, 2, 1, ''],
  ['resnet', 5, 1024, 14, 256, 1, 1, 1, 'relu'],
  ['resnet', 1, 1024, 14, 512, 1, 1, 1, 'relu'],
  ['resnet', 1, 512, 14, 512, 3, 2, 1, 'relu'],
  ['resnet', 2, 512, 7, 512, 3, 1, 1, 'relu'],
  ['resnet', 3, 512, 7, 2048, 1, 1, 1, 'relu'],
  ['resnet', 1, 1024, 14, 2048, 1, 2, 1, ''],
  ['resnet', 2, 2048, 7, 512, 1, 1, 1, 'relu'],
  ['mobilenet', 1, 3, 224, 32, 3, 2, 1, 'relu6'],
  ['mobilenet', 1, 32, 112, 32, 3, 1, 32, 'relu6'],
  ['mobilenet', 1, 32, 112, 16, 1, 1, 1, ''],
  ['mobilenet', 1, 16, 112, 96, 1, 1, 1, 'relu6'],
  ['mobilenet', 1, 96, 112, 96, 3, 2, 96, 'relu6'],
  ['mobilenet', 1, 96, 56, 24, 1, 1, 1, ''],
  ['mobilenet', 2, 24, 56, 144, 1, 1, 1, 'relu6'],
  ['mobilenet', 1, 144, 56, 144, 3, 1, 144, 'relu6'],
  ['mobilenet', 1, 144, 56, 24, 1, 1, 1, ''],
  ['mobilenet', 1, 144, 56, 144, 3, 2, 144, 'relu6'],
  ['mobilenet', 1, 144, 28, 32, 1, 1, 1, ''],
  ['mobilenet', 3, 32, 28, 192, 1, 1, 1, 'relu6'],
  ['mobilenet', 2, 192, 28, 192, 3, 1, 192, 'relu6'],
  ['mobilenet', 2, 192, 28, 32, 1, 1, 1, ''],
  ['mobilenet', 1, 192, 28, 192, 3, 2, 192, 'relu6'],
  ['mobilenet', 1, 192, 14, 64, 1, 1, 1, ''],
  ['mobilenet', 4, 64, 14, 384, 1, 1, 1, 'relu6'],
  ['mobilenet', 4, 384, 14, 384, 3, 1, 384, 'relu6'],
  ['mobilenet', 3, 384, 14, 64, 1, 1, 1, ''],
  ['mobilenet', 1, 384, 14, 96, 1, 1, 1, ''],
  ['mobilenet', 3, 96, 14, 576, 1, 1, 1, 'relu6'],
  ['mobilenet', 2, 576, 14, 576, 3, 1, 576, 'relu6'],
  ['mobilenet', 2, 576, 14, 96, 1, 1, 1, ''],
  ['mobilenet', 1, 576, 14, 576, 3, 2, 576, 'relu6'],
  ['mobilenet', 1, 576, 7, 160, 1, 1, 1, ''],
  ['mobilenet', 3, 160, 7, 960, 1, 1, 1, 'relu6'],
  ['mobilenet', 3, 960, 7, 960, 3, 1, 960, 'relu6'],
  ['mobilenet', 2, 960, 7, 160, 1, 1, 1, ''],
  ['mobilenet', 1, 960, 7, 320, 1, 1, 1, ''],
  ['mobilenet', 1, 320, 7, 1280, 1, 1, 1, 'relu6'],
].map(([net, count, C, H, OC, K, s, g, act]) => ({ net, count, C, H, OC, K, s, g, act }));

const bertShapes = [
  { count: 48, a: [128, 768], b: [768, 768], what: 'QKV/out proj 128x768x768' },
  { count: 12, a: [128, 768], b: [768, 3072], act: 'gelu', what: 'FFN up 128x768x3072 +gelu' },
  { count: 12, a: [128, 3072], b: [3072, 768], what: 'FFN down 128x3072x768' },
  { count: 12, batched: true, a: [12, 128, 64], b: [12, 128, 64], tb: true, what: 'QK^T 12x128x64x128' },
  { count: 12, batched: true, a: [12, 128, 128], b: [12, 128, 64], what: 'PV 12x128x128x64' },
];

const budgetMs = Number(process.env.BENCH_MS ?? 150);
async function bestMs(bytes, feeds, threads) {
  const s = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  await s.run(feeds);
  let best = Infinity;
  const start = performance.now();
  for (let r = 0; r < 3 || (performance.now() - start < budgetMs && r < 2000); ++r) {
    const t0 = performance.now();
    await s.run(feeds);
    best = Math.min(best, performance.now() - t0);
  }
  await s.release();
  return best;
}

const feedOf = (inputs) =>
  Object.fromEntries(
    inputs.map((i) => [i.name, new ort.Tensor('float32', rand(i.dims.reduce((a, b) => a * b, 1)), i.dims)]),
  );

// Whole ResNet-50 v1.5 (batch norm folded into conv bias) and the sum of its convs, for the per-op vs
// whole-model comparison: onnxruntime keeps a blocked NCHWc layout between its convolutions in a full model.
function resnet50Model() {
  const nodes = [];
  const inits = [];
  let n = 0;
  const conv = (x, cin, cout, k, s, relu) => {
    const id = n++;
    const p = Math.floor(k / 2);
    inits.push(
      tensor(
        `w${id}`,
        [cout, cin, k, k],
        rand(cout * cin * k * k).map((v) => v * Math.sqrt(2 / (cin * k * k))),
      ),
    );
    inits.push(tensor(`b${id}`, [cout], new Float32Array(cout)));
    const y = relu ? `c${id}` : `o${id}`;
    nodes.push(
      node(
        'Conv',
        [x, `w${id}`, `b${id}`],
        [y],
        [attrInts('kernel_shape', [k, k]), attrInts('strides', [s, s]), attrInts('pads', [p, p, p, p])],
      ),
    );
    if (!relu) return y;
    nodes.push(node('Relu', [y], [`o${id}`]));
    return `o${id}`;
  };
  let x = conv('x', 3, 64, 7, 2, true);
  nodes.push(
    node(
      'MaxPool',
      [x],
      ['pool'],
      [attrInts('kernel_shape', [3, 3]), attrInts('strides', [2, 2]), attrInts('pads', [1, 1, 1, 1])],
    ),
  );
  x = 'pool';
  let cin = 64;
  [
    [3, 64, 1],
    [4, 128, 2],
    [6, 256, 2],
    [3, 512, 2],
  ].forEach(([blocks, w, stride]) => {
    for (let b = 0; b < blocks; ++b) {
      const s = b === 0 ? stride : 1;
      const a = conv(x, cin, w, 1, 1, true);
      const c = conv(a, w, w, 3, s, true);
      const d = conv(c, w, 4 * w, 1, 1, false);
      const sc = b === 0 ? conv(x, cin, 4 * w, 1, s, false) : x;
      const id = n++;
      nodes.push(node('Add', [d, sc], [`s${id}`]));
      nodes.push(node('Relu', [`s${id}`], [`r${id}`]));
      x = `r${id}`;
      cin = 4 * w;
    }
  });
  nodes.push(node('GlobalAveragePool', [x], ['gap']));
  nodes.push(node('Flatten', ['gap'], ['flat']));
  inits.push(
    tensor(
      'fcw',
      [1000, 2048],
      rand(2048000).map((v) => v * 0.02),
    ),
    tensor('fcb', [1000], new Float32Array(1000)),
  );
  nodes.push(node('Gemm', ['flat', 'fcw', 'fcb'], ['y'], [attrInt('transB', 1)]));
  return model(nodes, inits, [valueInfo(11, 'x', [1, 3, 224, 224])], [valueInfo(12, 'y', [1, 1000])]);
}

// Whole MobileNetV2 1.0 (batch norm folded, ReLU6 as Clip).
function mobilenetV2Model() {
  const nodes = [];
  const inits = [];
  let n = 0;
  const conv = (x, cin, cout, k, s, g, relu6) => {
    const id = n++;
    const p = Math.floor(k / 2);
    inits.push(
      tensor(
        `w${id}`,
        [cout, cin / g, k, k],
        rand((cout * cin * k * k) / g).map((v) => v * Math.sqrt(2 / ((cin / g) * k * k))),
      ),
    );
    inits.push(tensor(`b${id}`, [cout], new Float32Array(cout)));
    const y = relu6 ? `c${id}` : `o${id}`;
    nodes.push(
      node(
        'Conv',
        [x, `w${id}`, `b${id}`],
        [y],
        [
          attrInts('kernel_shape', [k, k]),
          attrInts('strides', [s, s]),
          attrInts('pads', [p, p, p, p]),
          attrInt('group', g),
        ],
      ),
    );
    if (!relu6) return y;
    nodes.push(node('Clip', [y, 'lo', 'hi'], [`o${id}`]));
    return `o${id}`;
  };
  inits.push(tensor('lo', [], Float32Array.of(0)), tensor('hi', [], Float32Array.of(6)));
  let x = conv('x', 3, 32, 3, 2, 1, true);
  let cin = 32;
  for (const [t, c, reps, stride] of [
    [1, 16, 1, 1],
    [6, 24, 2, 2],
    [6, 32, 3, 2],
    [6, 64, 4, 2],
    [6, 96, 3, 1],
    [6, 160, 3, 2],
    [6, 320, 1, 1],
  ]) {
    for (let r = 0; r < reps; ++r) {
      const s = r === 0 ? stride : 1;
      const hidden = cin * t;
      let h = t === 1 ? x : conv(x, cin, hidden, 1, 1, 1, true);
      h = conv(h, hidden, hidden, 3, s, hidden, true);
      h = conv(h, hidden, c, 1, 1, 1, false);
      if (s === 1 && cin === c) {
        const id = n++;
        nodes.push(node('Add', [h, x], [`a${id}`]));
        h = `a${id}`;
      }
      x = h;
      cin = c;
    }
  }
  x = conv(x, 320, 1280, 1, 1, 1, true);
  nodes.push(node('GlobalAveragePool', [x], ['gap']));
  nodes.push(node('Flatten', ['gap'], ['flat']));
  inits.push(
    tensor(
      'fcw',
      [1000, 1280],
      rand(1280000).map((v) => v * 0.02),
    ),
    tensor('fcb', [1000], new Float32Array(1000)),
  );
  nodes.push(node('Gemm', ['flat', 'fcw', 'fcb'], ['y'], [attrInt('transB', 1)]));
  return model(nodes, inits, [valueInfo(11, 'x', [1, 3, 224, 224])], [valueInfo(12, 'y', [1, 1000])]);
}

const which = process.argv[2] ?? 'all';
if (which === 'resnet50-model' || which === 'mobilenetv2-model') {
  const bytes = which === 'resnet50-model' ? resnet50Model() : mobilenetV2Model();
  const feeds = feedOf([{ name: 'x', dims: [1, 3, 224, 224] }]);
  for (const threads of [1, 2])
    console.log(
      `onnxruntime whole ${which}, ${threads} thread(s): ${(await bestMs(bytes, feeds, threads)).toFixed(2)} ms`,
    );
  process.exit(0);
}
const row = (a, b, c, t1, f, t2) =>
  console.log(
    `${a.padEnd(10)} ${b.padEnd(28)} ${String(c).padStart(5)} ${t1.toFixed(3).padStart(9)} ${(f / t1 / 1e6).toFixed(1).padStart(9)} ${t2.toFixed(3).padStart(9)} ${(f / t2 / 1e6).toFixed(1).padStart(9)}`,
  );
for (const net of ['resnet', 'mobilenet']) {
  if (which !== 'all' && which !== net) continue;
  console.log(`\n${net.padEnd(10)} ${'onnxruntime conv'.padEnd(28)} count     ms 1t   GF/s 1t     ms 2t   GF/s 2t`);
  let t1s = 0,
    t2s = 0,
    fs = 0;
  for (const c of convShapes.filter((x) => x.net === net)) {
    const m = convModel(c);
    const feeds = feedOf([m.input]);
    const t1 = await bestMs(m.bytes, feeds, 1),
      t2 = await bestMs(m.bytes, feeds, 2);
    row('', `${c.C},${c.H}->${c.OC},${c.K}x${c.K},s${c.s},g${c.g}`, c.count, t1, m.flops, t2);
    t1s += c.count * t1;
    t2s += c.count * t2;
    fs += c.count * m.flops;
  }
  row('', 'TOTAL', '', t1s, fs, t2s);
}
if (which === 'all' || which === 'bert') {
  console.log(
    `\n${'bert'.padEnd(10)} ${'onnxruntime matmul'.padEnd(28)} count     ms 1t   GF/s 1t     ms 2t   GF/s 2t`,
  );
  let t1s = 0,
    t2s = 0,
    fs = 0;
  for (const b of bertShapes) {
    const m = matmulModel(b);
    if (m.opset20) continue;
    const feeds = feedOf([m.input, ...m.extra]);
    const t1 = await bestMs(m.bytes, feeds, 1),
      t2 = await bestMs(m.bytes, feeds, 2);
    row('', b.what, b.count, t1, m.flops, t2);
    t1s += b.count * t1;
    t2s += b.count * t2;
    fs += b.count * m.flops;
  }
  row('', 'TOTAL (without gelu row)', '', t1s, fs, t2s);
}
