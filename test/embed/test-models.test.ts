/**
 * The offline test models load and behave through the real Transformers.js pipeline.
 *   node --import tsx --test test/embed/test-models.test.ts
 * The MiniLM-shaped check writes a 90 MB model and takes ~5 s; set CITEBOT_SKIP_MINILM=1 to skip it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AutoTokenizer, env, pipeline } from '@xenova/transformers';
import type { ModelSpec } from '../../src/embed/model-spec.ts';
import { createMiniLmShapedModel } from '../../bench/minilm-shaped.ts';
import { createTinyModel } from '../helpers/tiny-model.ts';
import { cosine } from '../../src/embed/similarity.ts';

type Extractor = (
  texts: string | string[],
  options: { pooling: 'mean' | 'cls'; normalize: boolean },
) => Promise<{ dims: number[]; data: Float32Array }>;

interface Tokenizer {
  (text: string): { input_ids: { data: BigInt64Array } };
  model: { convert_ids_to_tokens(ids: number[]): string[] };
}

/** Loads exactly as the engine's embedding worker does. */
async function load(spec: ModelSpec): Promise<Extractor> {
  env.localModelPath = dirname(spec.dir);
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  return (await pipeline('feature-extraction', basename(spec.dir), {
    quantized: spec.quantized,
  })) as unknown as Extractor;
}

async function embed(extractor: Extractor, spec: ModelSpec, texts: string[]): Promise<Float32Array[]> {
  const out = await extractor(texts, { pooling: spec.pooling, normalize: true });
  const dim = out.dims[1]!;
  return texts.map((_, i) => out.data.slice(i * dim, (i + 1) * dim));
}

const FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'];

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'citebot-test-models-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('createTinyModel', () => {
  let spec: ModelSpec;
  let extractor: Extractor;
  before(async () => {
    spec = await createTinyModel(join(root, 'tiny'));
    extractor = await load(spec);
  });

  test('GIVEN default options THEN the spec is a 128-token mean-pooled fp32 model in the given folder', () => {
    assert.deepEqual(spec, {
      id: 'citebot-tiny-d64-s1',
      dir: join(root, 'tiny'),
      quantized: false,
      pooling: 'mean',
      maxTokens: 128,
    });
  });

  test('GIVEN the same options twice THEN every file is byte-identical; a different seed changes the graph', async () => {
    const again = await createTinyModel(join(root, 'tiny-again'));
    const other = await createTinyModel(join(root, 'tiny-seed2'), { seed: 2 });
    for (const f of FILES) {
      const a = await readFile(join(spec.dir, f));
      assert.ok(a.equals(await readFile(join(again.dir, f))), `${f} differs between two generations`);
    }
    const graph = await readFile(join(spec.dir, 'onnx/model.onnx'));
    assert.ok(!graph.equals(await readFile(join(other.dir, 'onnx/model.onnx'))));
  });

  test('GIVEN the real pipeline THEN it loads in well under a second and yields 64-d unit vectors', async () => {
    const t0 = performance.now();
    const fresh = await load(await createTinyModel(join(root, 'tiny-timed'), { id: 'timed' }));
    const loadMs = performance.now() - t0;
    assert.ok(loadMs < 1000, `generate + load took ${loadMs.toFixed(0)} ms`);
    const out = await fresh(['a sentence', 'another, longer sentence about 42 things'], {
      pooling: 'mean',
      normalize: true,
    });
    assert.deepEqual(out.dims, [2, 64]);
    for (const v of await embed(fresh, spec, ['a sentence', 'another one'])) {
      const norm = Math.hypot(...v);
      assert.ok(Math.abs(norm - 1) < 1e-5, `norm ${norm}`);
    }
  });

  test('GIVEN option dim 32 THEN vectors are 32-d', async () => {
    const small = await createTinyModel(join(root, 'tiny-d32'), { dim: 32 });
    const out = await (await load(small))(['hello world'], { pooling: 'mean', normalize: true });
    assert.deepEqual(out.dims, [1, 32]);
  });

  test('GIVEN normal English with digits and accents THEN the tokenizer adds [CLS]/[SEP] and emits no [UNK]', async () => {
    const tokenizer = (await AutoTokenizer.from_pretrained(basename(spec.dir))) as unknown as Tokenizer;
    const text =
      'Nearly 8,000 people have been detained in Kazakhstan after days of historic unrest; the café’s owner said (on 10/01/2022) that 7,939 were held — "naïvely", he added!';
    const ids = Array.from(tokenizer(text).input_ids.data, Number);
    const tokens = tokenizer.model.convert_ids_to_tokens(ids);
    assert.equal(tokens[0], '[CLS]');
    assert.equal(tokens.at(-1), '[SEP]');
    assert.ok(!tokens.includes('[UNK]'), tokens.join(' '));
    // Common words are whole tokens, rare ones fall back to word pieces.
    for (const w of ['people', 'detained', 'kazakhstan', 'unrest', 'days']) assert.ok(tokens.includes(w), w);
    assert.ok(tokens.includes('##9'));
  });

  test('GIVEN a batch of different lengths THEN each vector equals the one-at-a-time vector (padding ignored)', async () => {
    const texts = [
      'Short one.',
      'A considerably longer sentence that forces the other texts in the batch to be padded with many tokens.',
      'Medium length text about the harbour bridge.',
    ];
    const batched = await embed(extractor, spec, texts);
    for (const [i, text] of texts.entries()) {
      const [single] = await embed(extractor, spec, [text]);
      assert.ok(cosine(batched[i]!, single!) > 0.9999, `text ${i}: cosine ${cosine(batched[i]!, single!)}`);
    }
  });

  test('GIVEN texts sharing words THEN their cosine beats an unrelated text', async () => {
    const [query, related, unrelated] = await embed(extractor, spec, [
      'people were detained in Kazakhstan',
      'Kazakhstan detained 7,939 people',
      'the football final ended in a draw',
    ]);
    const near = cosine(query!, related!);
    const far = cosine(query!, unrelated!);
    assert.ok(near > far + 0.2, `related ${near.toFixed(3)} vs unrelated ${far.toFixed(3)}`);
  });

  test('GIVEN the same text twice THEN the vectors are identical', async () => {
    const [a, b] = await embed(extractor, spec, ['determinism matters', 'determinism matters']);
    assert.deepEqual(a, b);
  });
});

describe(
  'createMiniLmShapedModel',
  { skip: process.env.CITEBOT_SKIP_MINILM === '1' && 'CITEBOT_SKIP_MINILM=1' },
  () => {
    test('GIVEN the BERT uncased tokenizer THEN the model loads through the pipeline and yields 384-d unit vectors', async () => {
      const spec = await createMiniLmShapedModel(join(root, 'minilm'));
      assert.equal(spec.maxTokens, 256);
      const extractor = await load(spec);
      const out = await extractor(['people were detained in Kazakhstan', 'a'], { pooling: 'mean', normalize: true });
      assert.deepEqual(out.dims, [2, 384]);
      for (const v of await embed(extractor, spec, ['people were detained in Kazakhstan'])) {
        assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-5);
      }
    });
  },
);
