/**
 * The generated tokenizer.json, loaded by Transformers.js, against the TF.js
 * tokenizer of @tensorflow-models/universal-sentence-encoder.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AutoTokenizer, env } from '@xenova/transformers';
import { Tokenizer as TfjsTokenizer } from '@tensorflow-models/universal-sentence-encoder';
import { useLitePackageDir } from '../../../src/embed/use-lite/package.ts';
import { sampleTexts } from '../../helpers/use-lite/sample-texts.ts';
import {
  buildModelConfig,
  buildTokenizerConfig,
  buildTokenizerJson,
  readVocabulary,
  type Vocabulary,
} from '../../../src/embed/use-lite/tokenizer.ts';

type HfTokenizer = Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>>;

let root: string;
let vocab: Vocabulary;
let hf: HfTokenizer;
let tfjs: TfjsTokenizer;

const hfIds = (text: string): number[] => hf.encode(text, null, { add_special_tokens: false });
const pieces = (ids: number[]): string[] => ids.map((i) => vocab[i]![0]);

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'citebot-use-lite-tok-'));
  vocab = await readVocabulary(useLitePackageDir());
  const dir = join(root, 'use-lite-tok');
  await mkdir(dir);
  await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(buildTokenizerJson(vocab)));
  await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify(buildTokenizerConfig()));
  await writeFile(join(dir, 'config.json'), JSON.stringify(buildModelConfig(8002, {})));
  env.localModelPath = root;
  env.allowRemoteModels = false;
  hf = await AutoTokenizer.from_pretrained('use-lite-tok');
  // The TF.js class types its vocabulary as [string, number][]; null scores are read as 0 there too.
  tfjs = new TfjsTokenizer(vocab as Array<[string, number]>);
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('use-lite tokenizer', () => {
  it('gives the TF.js id sequences on >= 99% of 1,000+ varied texts', (t) => {
    const texts = sampleTexts(2500, { variants: true });
    assert.ok(texts.length >= 1000, `${texts.length} texts`);
    const mismatches = texts.filter((text) => JSON.stringify(hfIds(text)) !== JSON.stringify(tfjs.encode(text)));
    const agreement = 1 - mismatches.length / texts.length;
    t.diagnostic(
      `tokenizer agreement ${(agreement * 100).toFixed(2)}% on ${texts.length} texts; mismatches: ${JSON.stringify(mismatches.slice(0, 5))}`,
    );
    assert.ok(agreement >= 0.99, `agreement ${agreement}`);
    // The only divergence we know of in this sample: TF.js gives "" no tokens at all (and its
    // model then drops or zeroes the row); ours gives the lone '▁' so every text has a token.
    assert.deepEqual(
      mismatches.filter((m) => m !== ''),
      [],
    );
  });

  it('keeps case, prefixes one ▁ per text and maps every space (also leading ones) to ▁', () => {
    for (const text of ['Hello World', 'hello world', ' leading', 'two  spaces', 'trailing ']) {
      assert.deepEqual(hfIds(text), tfjs.encode(text), text);
    }
    assert.notDeepEqual(hfIds('Hello'), hfIds('hello'), 'no lowercasing');
    assert.equal(pieces(hfIds(' leading'))[0], '▁', 'a leading space gives its own ▁ as in TF.js');
  });

  it('applies NFKC like TF.js', () => {
    for (const text of ['ﬁne ＦＵＬＬＷＩＤＴＨ', '½ №5 ㎏', 'e\u0301te\u0301'])
      assert.deepEqual(hfIds(text), tfjs.encode(text), text);
    assert.deepEqual(hfIds('ﬁne'), hfIds('fine'));
  });

  it('maps unknown characters to id 0, fusing runs, and keeps them in the sequence', () => {
    assert.deepEqual(hfIds('ꙮ'), [30, 0]);
    assert.deepEqual(hfIds('ꙮꙮꙮ'), [30, 0]);
    assert.deepEqual(hfIds('ꙮꙮ'), tfjs.encode('ꙮꙮ'));
    assert.deepEqual(hfIds('a 😀😀 b'), tfjs.encode('a 😀😀 b'));
  });

  it('never emits the reserved ids for literal <s> / </s> text, and scores null pieces as 0 like TF.js', () => {
    const text = '<s> hi </s> extra_token_id_1';
    assert.deepEqual(hfIds(text), tfjs.encode(text));
    assert.ok(hfIds(text).every((id) => id === 0 || id >= 6));
    for (const t of ['at 10:30 sharp', 'see http://x.io :) :-( ):', '12:00'])
      assert.deepEqual(hfIds(t), tfjs.encode(t), t);
  });

  it('truncates to 128 tokens and right-pads batches with mask 0 when called like the pipeline', () => {
    const long = 'word '.repeat(300);
    const batch = hf([long, 'short'], { padding: true, truncation: true });
    assert.deepEqual(batch.input_ids.dims, [2, 128]);
    const mask = Array.from(batch.attention_mask.data as BigInt64Array, Number);
    assert.equal(
      mask.slice(0, 128).reduce((a, b) => a + b, 0),
      128,
    );
    assert.equal(
      mask.slice(128).reduce((a, b) => a + b, 0),
      tfjs.encode('short').length,
    );
    assert.deepEqual(
      Array.from((batch.input_ids.data as BigInt64Array).slice(0, 128), Number),
      tfjs.encode(long).slice(0, 128),
    );
  });
});
