/**
 * BERT-base (12 layers, hidden 768, 12 heads, intermediate 3072, vocab 30522, 512 positions, 2 token types) as
 * MindSpore's model zoo writes BertModel (models/official/nlp/Bert/src/bert_model.py), in inference (dropout is
 * an identity there, so it leaves no node):
 * - inputs input_ids, token_type_ids, input_mask: int32 [batch, seq] (the zoo's dataset and export feed int32);
 * - EmbeddingLookup: ExpandDims(ids, -1), Reshape (-1,), Gather(table, ids, 0), Reshape (-1, seq, 768);
 *   EmbeddingPostprocessor adds token-type and position embeddings (position ids are a constant [1, seq] tensor;
 *   the zoo slices a [1, 512] constant to seq, which MindSpore folds), then LayerNorm;
 * - mask: Reshape(input_mask, (-1, 1, seq)), Cast to float32; per layer ExpandDims(mask, 1),
 *   Sub([1.0], mask), Mul(·, [-10000.0]), Add to the scores;
 * - BertAttention: query/key/value Dense on the 2-D [batch·seq, 768] input, Reshape (-1, seq, 12, 64),
 *   Transpose (0, 2, 1, 3), BatchMatMul(q, k, transpose_b), Mul by 1/√64, mask Add, Softmax(-1), BatchMatMul with
 *   v, Transpose back, Reshape (-1, 768); BertOutput: Dense, Add residual, LayerNorm (epsilon 1e-7);
 *   intermediate Dense 768→3072 with GeLU; BertOutput 3072→768;
 * - outputs: BertModel returns (sequence_output, pooled_output, embedding_tables); the last is the word-embedding
 *   parameter itself, so it is left out here. sequence_output [batch, seq, 768]; pooled_output [batch, 768]
 *   = Dense(tanh) of token 0 (StridedSlice + Squeeze(1)). The zoo's identity Casts to compute_type (float32 →
 *   float32) are left out; the zoo builds the StridedSlice end from Shape(input_ids)[0], here end_mask covers it.
 * Keys (sure for the tree, as BertModel sits under a wrapper Cell attribute `bert`):
 * bert.bert_embedding_lookup.embedding_table, bert.bert_embedding_postprocessor.token_type_embedding.embedding_table,
 * bert.bert_embedding_postprocessor.full_position_embedding.embedding_table, ...layernorm.gamma / beta,
 * bert.bert_encoder.layers.N.attention.attention.{query,key,value}_layer.{weight,bias},
 * bert.bert_encoder.layers.N.attention.output.{dense,layernorm}.*, ...intermediate.*, ...output.{dense,layernorm}.*,
 * bert.dense.{weight,bias} (pooler). Weights: TruncatedNormal(0.02)-like (uniform, std 0.02), as BERT initializes.
 */
import { DualBuilder, type Val } from './dual-builder.js';
import { type Rng, uniformStd } from './random.js';

export const BERT_BASE = {
  vocab: 30522,
  hidden: 768,
  layers: 12,
  heads: 12,
  intermediate: 3072,
  maxPositions: 512,
  typeVocab: 2,
} as const;

const INIT_STD = 0.02;

export function buildBert(rng: Rng, seq: number) {
  const { hidden, heads } = BERT_BASE;
  if (!Number.isInteger(seq) || seq < 1 || seq > BERT_BASE.maxPositions) {
    throw new Error(`BERT sequence length must be an integer in 1..${BERT_BASE.maxPositions}, got ${seq}`);
  }
  const b = new DualBuilder('7_1_construct.BertModel.1', rng);
  const ids = b.input('input_ids', [-1, seq], 'int32');
  const types = b.input('token_type_ids', [-1, seq], 'int32');
  const mask = b.input('input_mask', [-1, seq], 'int32');
  const table = (key: string, rows: number) =>
    b.param(key, [rows, hidden], uniformStd(rng.fork(key), rows * hidden, INIT_STD));

  // Embeddings.
  const lookup = (indices: Val, key: string, rows: number, outShape: number[]) => {
    const weights = table(`${key}.embedding_table`, rows);
    const flat = b.reshape(b.expandDims(indices, -1, key), [-1], key);
    return b.reshape(b.gather(weights, flat, 0, key), outShape, key);
  };
  const post = 'bert.bert_embedding_postprocessor';
  let h = lookup(ids, 'bert.bert_embedding_lookup', BERT_BASE.vocab, [-1, seq, hidden]);
  h = b.add(h, lookup(types, `${post}.token_type_embedding`, BERT_BASE.typeVocab, [-1, seq, hidden]), post);
  const positions = b.constTensor(
    [1, seq],
    Int32Array.from({ length: seq }, (_, i) => i),
    'position_ids',
  );
  h = b.add(h, lookup(positions, `${post}.full_position_embedding`, BERT_BASE.maxPositions, [1, seq, hidden]), post);
  h = b.layerNorm(h, `${post}.layernorm`);

  // Attention mask from input_mask.
  const maskCell = 'bert._create_attention_mask_from_input_mask';
  const attentionMask = b.cast(b.reshape(mask, [-1, 1, seq], maskCell), 'float32', maskCell);

  // Encoder.
  h = b.reshape(h, [-1, hidden], 'bert.bert_encoder');
  for (let i = 0; i < BERT_BASE.layers; i++) {
    h = encoderCell(b, h, attentionMask, `bert.bert_encoder.layers.${i}`, seq, heads);
  }
  const sequence = b.reshape(h, [-1, seq, hidden], 'bert.bert_encoder');

  // Pooler: token 0 through Dense + tanh.
  const first = b.squeeze(b.sliceAxis1(sequence, 0, 1, 'bert'), 1, 'bert');
  const pooled = b.dense(first, 'bert.dense', hidden, { std: INIT_STD, activation: 'tanh' });

  return {
    files: b.finish([
      { value: sequence, name: 'sequence_output' },
      { value: pooled, name: 'pooled_output' },
    ]),
    inputs: [
      { name: 'input_ids', dtype: 'int32' as const, shape: [-1, seq] },
      { name: 'token_type_ids', dtype: 'int32' as const, shape: [-1, seq] },
      { name: 'input_mask', dtype: 'int32' as const, shape: [-1, seq] },
    ],
    outputs: [
      { name: 'sequence_output', shape: [-1, seq, hidden] },
      { name: 'pooled_output', shape: [-1, hidden] },
    ],
  };
}

function encoderCell(b: DualBuilder, x: Val, mask: Val, key: string, seq: number, heads: number): Val {
  const { hidden, intermediate } = BERT_BASE;
  const attention = selfAttention(b, x, mask, `${key}.attention`, seq, heads);
  const inner = b.dense(attention, `${key}.intermediate`, intermediate, { std: INIT_STD, activation: 'gelu' });
  return bertOutput(b, inner, attention, `${key}.output`, hidden);
}

/** BertSelfAttention: Reshape (-1, hidden), BertAttention, BertOutput (Dense, residual Add, LayerNorm). */
function selfAttention(b: DualBuilder, x: Val, mask: Val, key: string, seq: number, heads: number): Val {
  const { hidden } = BERT_BASE;
  const size = hidden / heads;
  const input = b.reshape(x, [-1, hidden], key);
  const cell = `${key}.attention`;
  const from2d = b.reshape(input, [-1, hidden], cell);
  const project = (name: string) => {
    const out = b.dense(from2d, `${cell}.${name}`, hidden, { std: INIT_STD });
    return b.transpose(b.reshape(out, [-1, seq, heads, size], cell), [0, 2, 1, 3], cell);
  };
  const query = project('query_layer');
  const keyLayer = project('key_layer');
  let scores = b.batchMatMul(query, keyLayer, true, cell);
  scores = b.mul(b.constTensor([], Float32Array.of(1 / Math.sqrt(size)), 'scores_mul'), scores, cell);
  const expanded = b.expandDims(mask, 1, cell);
  const inverted = b.sub(b.constTensor([1], Float32Array.of(1), 'one'), expanded, cell);
  const adder = b.mul(inverted, b.constTensor([1], Float32Array.of(-10000), 'multiply_data'), cell);
  scores = b.add(adder, scores, cell);
  const probs = b.softmax(scores, cell);
  const value = project('value_layer');
  let context = b.batchMatMul(probs, value, false, cell);
  context = b.transpose(context, [0, 2, 1, 3], cell);
  context = b.reshape(context, [-1, hidden], cell);
  return bertOutput(b, context, input, `${key}.output`, hidden);
}

function bertOutput(b: DualBuilder, x: Val, residual: Val, key: string, out: number): Val {
  const dense = b.dense(x, `${key}.dense`, out, { std: INIT_STD });
  return b.layerNorm(b.add(residual, dense, key), `${key}.layernorm`);
}
