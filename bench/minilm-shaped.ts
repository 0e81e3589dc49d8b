/**
 * A model folder with exactly all-MiniLM-L6-v2's shape and seeded random weights.
 *
 * Why: the Hugging Face hub is unreachable here, but throughput and memory depend only on the
 * graph's shape and the tokenizer's token counts, not on the trained weight values. The graph is
 * the unfused BERT encoder that an Optimum export produces (onnxruntime fuses it into
 * Attention/LayerNorm/Gelu kernels at load time, as it does for the real model), so its speed is
 * the real model's speed. Its vectors are meaningless for retrieval quality.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelSpec } from '../src/embed/model-spec.ts';
import { GraphBuilder, SeededRandom, TensorType, writeModelFolder } from '../test/helpers/tiny-model.ts';
import { SHARED_DIR } from './shared.ts';

/** all-MiniLM-L6-v2 (BertModel) hyper-parameters. */
export const MINILM_SHAPE = {
  layers: 6,
  hidden: 384,
  heads: 12,
  intermediate: 1536,
  vocab: 30522,
  maxPositions: 512,
  typeVocab: 2,
  layerNormEps: 1e-12,
  /** sentence-transformers' max_seq_length for all-MiniLM-L6-v2. */
  maxSeqLength: 256,
} as const;

export const DEFAULT_TOKENIZER_DIR = join(SHARED_DIR, 'models/bert-base-uncased-tokenizer');
const SEED = 20240606;
/** BERT's initializer_range. */
const INIT_STD = 0.02;

/** 'encoder': BertModel (last_hidden_state); 'classifier': BertForSequenceClassification (logits), a re-ranker's shape. */
export type ModelHead = 'encoder' | 'classifier';

interface Linear {
  (x: string, inDim: number, outDim: number, name: string): string;
}

/**
 * Builds the encoder. With `quantized`, every weight MatMul becomes the pattern onnxruntime's
 * `quantize_dynamic` (used for Xenova's model_quantized.onnx) emits: DynamicQuantizeLinear on the
 * activation, MatMulInteger against uint8 weights, Cast, rescale, bias; the word embedding table is
 * stored as uint8 and dequantized after Gather.
 */
function minilmGraph(quantized: boolean, head: ModelHead): Uint8Array {
  const S = MINILM_SHAPE;
  const headDim = S.hidden / S.heads;
  const rng = new SeededRandom(SEED);
  const g = new GraphBuilder(quantized ? 'minilm_shaped_quantized' : 'minilm_shaped');

  g.input('input_ids', TensorType.INT64, ['batch_size', 'sequence_length']);
  g.input('attention_mask', TensorType.INT64, ['batch_size', 'sequence_length']);
  g.input('token_type_ids', TensorType.INT64, ['batch_size', 'sequence_length']);
  if (head === 'classifier') g.output('logits', TensorType.FLOAT, ['batch_size', 1]);
  else g.output('last_hidden_state', TensorType.FLOAT, ['batch_size', 'sequence_length', S.hidden]);

  // Shared constants.
  const c = {
    zero: g.int64Init('const_i64_zero', [1], [0]),
    one: g.int64Init('const_i64_one', [1], [1]),
    two: g.int64Init('const_i64_two', [1], [2]),
    axes12: g.int64Init('const_axes_1_2', [2], [1, 2]),
    splitHeads: g.int64Init('const_shape_split_heads', [4], [0, 0, S.heads, headDim]),
    mergeHeads: g.int64Init('const_shape_merge_heads', [3], [0, 0, S.hidden]),
    fOne: g.floatInit('const_f_one', [], Float32Array.of(1)),
    fHalf: g.floatInit('const_f_half', [], Float32Array.of(0.5)),
    fSqrt2: g.floatInit('const_f_sqrt2', [], Float32Array.of(Math.SQRT2)),
    fTwo: g.floatInit('const_f_two', [], Float32Array.of(2)),
    eps: g.floatInit('const_f_eps', [], Float32Array.of(S.layerNormEps)),
    scale: g.floatInit('const_f_attn_scale', [], Float32Array.of(Math.sqrt(headDim))),
    // HF BERT uses finfo(float32).min; -10000 (the older constant) behaves the same after softmax.
    maskMin: g.floatInit('const_f_mask_min', [], Float32Array.of(-10000)),
  };

  const weights = (dims: number[]): Float32Array =>
    rng.gaussianArray(
      dims.reduce((a, b) => a * b, 1),
      INIT_STD,
    );
  const ones = (n: number): Float32Array => new Float32Array(n).fill(1);
  const zeros = (n: number): Float32Array => new Float32Array(n);

  const layerNorm = (x: string, name: string, output?: string): string => {
    const gamma = g.floatInit(`${name}.weight`, [S.hidden], ones(S.hidden));
    const beta = g.floatInit(`${name}.bias`, [S.hidden], zeros(S.hidden));
    const mean = g.op('ReduceMean', [x], { axes: [-1], keepdims: { int: 1 } });
    const centered = g.op('Sub', [x, mean]);
    const variance = g.op('ReduceMean', [g.op('Pow', [centered, c.fTwo])], { axes: [-1], keepdims: { int: 1 } });
    const normed = g.op('Div', [centered, g.op('Sqrt', [g.op('Add', [variance, c.eps])])]);
    return g.op('Add', [g.op('Mul', [normed, gamma]), beta], {}, output);
  };

  const linearFp32: Linear = (x, inDim, outDim, name) => {
    const w = g.floatInit(`${name}.weight`, [inDim, outDim], weights([inDim, outDim]));
    const b = g.floatInit(`${name}.bias`, [outDim], zeros(outDim));
    return g.op('Add', [g.op('MatMul', [x, w]), b]);
  };

  const linearInt8: Linear = (x, inDim, outDim, name) => {
    const { q, scale, zeroPoint } = quantizeUint8(weights([inDim, outDim]));
    const w = g.rawInit(`${name}.weight_quantized`, [inDim, outDim], TensorType.UINT8, q);
    const wScale = g.floatInit(`${name}.weight_scale`, [], Float32Array.of(scale));
    const wZero = g.rawInit(`${name}.weight_zero_point`, [], TensorType.UINT8, Uint8Array.of(zeroPoint));
    const b = g.floatInit(`${name}.bias`, [outDim], zeros(outDim));
    const [xq, xScale, xZero] = g.node('DynamicQuantizeLinear', [x], {}, 3) as [string, string, string];
    const acc = g.op('MatMulInteger', [xq, w, xZero, wZero]);
    const accF = g.op('Cast', [acc], { to: { int: TensorType.FLOAT } });
    const scaled = g.op('Mul', [accF, g.op('Mul', [xScale, wScale])]);
    return g.op('Add', [scaled, b]);
  };
  const linear = quantized ? linearInt8 : linearFp32;

  // Embeddings: word + position + token type, then LayerNorm.
  let word: string;
  if (quantized) {
    const { q, scale, zeroPoint } = quantizeUint8(weights([S.vocab, S.hidden]));
    g.rawInit('embeddings.word_embeddings.weight_quantized', [S.vocab, S.hidden], TensorType.UINT8, q);
    g.floatInit('embeddings.word_embeddings.weight_scale', [], Float32Array.of(scale));
    g.rawInit('embeddings.word_embeddings.weight_zero_point', [], TensorType.UINT8, Uint8Array.of(zeroPoint));
    const gathered = g.op('Gather', ['embeddings.word_embeddings.weight_quantized', 'input_ids'], { axis: { int: 0 } });
    word = g.op('DequantizeLinear', [
      gathered,
      'embeddings.word_embeddings.weight_scale',
      'embeddings.word_embeddings.weight_zero_point',
    ]);
  } else {
    g.floatInit('embeddings.word_embeddings.weight', [S.vocab, S.hidden], weights([S.vocab, S.hidden]));
    word = g.op('Gather', ['embeddings.word_embeddings.weight', 'input_ids'], { axis: { int: 0 } });
  }
  const posTable = g.floatInit(
    'embeddings.position_embeddings.weight',
    [S.maxPositions, S.hidden],
    weights([S.maxPositions, S.hidden]),
  );
  const typeTable = g.floatInit(
    'embeddings.token_type_embeddings.weight',
    [S.typeVocab, S.hidden],
    weights([S.typeVocab, S.hidden]),
  );
  // Position ids are 0..seq-1: slice the first seq rows of the table.
  const inputShape = g.op('Shape', ['input_ids']);
  const seqLen = g.op('Slice', [inputShape, c.one, c.two, c.zero]);
  const positions = g.op('Slice', [posTable, c.zero, seqLen, c.zero]);
  const types = g.op('Gather', [typeTable, 'token_type_ids'], { axis: { int: 0 } });
  let hidden = layerNorm(g.op('Add', [g.op('Add', [word, positions]), types]), 'embeddings.LayerNorm');

  // attention_mask [B,S] → additive bias [B,1,1,S]: 0 where attended, -10000 at padding.
  const maskF = g.op('Cast', ['attention_mask'], { to: { int: TensorType.FLOAT } });
  const maskBias = g.op('Mul', [g.op('Sub', [c.fOne, g.op('Unsqueeze', [maskF, c.axes12])]), c.maskMin]);

  for (let l = 0; l < S.layers; l++) {
    const p = `encoder.layer.${l}`;
    const heads = (t: string, perm: number[]): string =>
      g.op('Transpose', [g.op('Reshape', [t, c.splitHeads])], { perm });
    const q = heads(linear(hidden, S.hidden, S.hidden, `${p}.attention.self.query`), [0, 2, 1, 3]);
    const kT = heads(linear(hidden, S.hidden, S.hidden, `${p}.attention.self.key`), [0, 2, 3, 1]);
    const v = heads(linear(hidden, S.hidden, S.hidden, `${p}.attention.self.value`), [0, 2, 1, 3]);
    const scores = g.op('Add', [g.op('Div', [g.op('MatMul', [q, kT]), c.scale]), maskBias]);
    const probs = g.op('Softmax', [scores], { axis: { int: -1 } });
    const context = g.op('Reshape', [
      g.op('Transpose', [g.op('MatMul', [probs, v])], { perm: [0, 2, 1, 3] }),
      c.mergeHeads,
    ]);
    const attnOut = linear(context, S.hidden, S.hidden, `${p}.attention.output.dense`);
    hidden = layerNorm(g.op('Add', [attnOut, hidden]), `${p}.attention.output.LayerNorm`);

    const inter = linear(hidden, S.hidden, S.intermediate, `${p}.intermediate.dense`);
    // Exact GELU: 0.5·x·(1 + erf(x/√2)).
    const erf = g.op('Erf', [g.op('Div', [inter, c.fSqrt2])]);
    const gelu = g.op('Mul', [g.op('Mul', [inter, g.op('Add', [erf, c.fOne])]), c.fHalf]);
    const out = linear(gelu, S.intermediate, S.hidden, `${p}.output.dense`);
    const output = l === S.layers - 1 && head === 'encoder' ? 'last_hidden_state' : undefined;
    hidden = layerNorm(g.op('Add', [out, hidden]), `${p}.output.LayerNorm`, output);
  }
  if (head === 'classifier') {
    // BertForSequenceClassification: pooler (dense + tanh on [CLS]) and a one-logit classifier.
    const cls = g.op('Gather', [hidden, c.zero], { axis: { int: 1 } });
    const flatCls = g.int64Init('const_shape_cls', [2], [0, S.hidden]);
    const pooled = g.op('Tanh', [linear(g.op('Reshape', [cls, flatCls]), S.hidden, S.hidden, 'pooler.dense')]);
    g.op('Identity', [linear(pooled, S.hidden, 1, 'classifier')], {}, 'logits');
  }
  return g.encode(13);
}

/** Asymmetric per-tensor uint8 quantization (onnxruntime's QUInt8 scheme). */
function quantizeUint8(w: Float32Array): { q: Uint8Array; scale: number; zeroPoint: number } {
  let min = 0;
  let max = 0;
  for (const v of w) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const scale = (max - min) / 255 || 1;
  const zeroPoint = Math.round(-min / scale);
  const q = new Uint8Array(w.length);
  for (let i = 0; i < w.length; i++) q[i] = Math.max(0, Math.min(255, Math.round(w[i]! / scale) + zeroPoint));
  return { q, scale: Math.fround(scale), zeroPoint };
}

/**
 * Writes a model folder with exactly all-MiniLM-L6-v2's shape (BERT: 6 layers, hidden 384, 12 heads,
 * intermediate 1536, vocab 30522, max positions 512, GELU, LayerNorm eps 1e-12) and seeded random
 * weights, using the real BERT uncased tokenizer from tokenizerDir. Its speed is the real model's speed.
 *
 * `quantized: true` writes onnx/model_quantized.onnx (dynamic uint8, like Xenova's) instead of
 * onnx/model.onnx, and the returned spec has `quantized: true`.
 */
export async function createMiniLmShapedModel(
  dir: string,
  tokenizerDir = DEFAULT_TOKENIZER_DIR,
  options: { quantized?: boolean; head?: ModelHead } = {},
): Promise<ModelSpec> {
  const quantized = options.quantized ?? false;
  const head = options.head ?? 'encoder';
  const tokenizer = await readFile(join(tokenizerDir, 'tokenizer.json'), 'utf8');
  const tokenizerConfig = JSON.parse(await readFile(join(tokenizerDir, 'tokenizer_config.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const vocabSize = Object.keys((JSON.parse(tokenizer) as { model: { vocab: object } }).model.vocab).length;
  if (vocabSize !== MINILM_SHAPE.vocab) {
    throw new Error(
      `citebot: ${join(tokenizerDir, 'tokenizer.json')} has ${vocabSize} tokens; a MiniLM-shaped model needs the ${MINILM_SHAPE.vocab}-token BERT uncased vocabulary`,
    );
  }
  const S = MINILM_SHAPE;
  await writeModelFolder(dir, {
    config: {
      architectures: [head === 'classifier' ? 'BertForSequenceClassification' : 'BertModel'],
      model_type: 'bert',
      ...(head === 'classifier' ? { num_labels: 1, id2label: { 0: 'LABEL_0' }, label2id: { LABEL_0: 0 } } : {}),
      attention_probs_dropout_prob: 0.1,
      hidden_act: 'gelu',
      hidden_dropout_prob: 0.1,
      hidden_size: S.hidden,
      initializer_range: INIT_STD,
      intermediate_size: S.intermediate,
      layer_norm_eps: S.layerNormEps,
      max_position_embeddings: S.maxPositions,
      num_attention_heads: S.heads,
      num_hidden_layers: S.layers,
      pad_token_id: 0,
      position_embedding_type: 'absolute',
      type_vocab_size: S.typeVocab,
      vocab_size: S.vocab,
    },
    tokenizer,
    tokenizerConfig: { ...tokenizerConfig, model_max_length: S.maxPositions },
    onnx: { [quantized ? 'onnx/model_quantized.onnx' : 'onnx/model.onnx']: minilmGraph(quantized, head) },
  });
  return {
    id: `citebot-minilm-shaped-random${quantized ? '-q8' : ''}`,
    dir,
    quantized,
    pooling: 'mean',
    maxTokens: S.maxSeqLength,
  };
}
