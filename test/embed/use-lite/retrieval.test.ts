/**
 * Offline semantic search end to end: the real USE-lite model (converted on first use from the
 * installed package), the real engine and the example articles, asked the paraphrased questions
 * in test/fixtures/paraphrase-questions.json, whose answering paragraphs share no content word
 * with the question.
 *   node --import tsx --test test/embed/use-lite/retrieval.test.ts
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../../src/config.ts';
import { openEngine, type CitebotEngine } from '../../../src/engine.ts';
import type { AnswerPassage } from '../../../src/types.ts';
import { LIBRARY_COLLECTION } from '../../../src/types.ts';

interface FixtureQuestion {
  q: string;
  article_id: string;
  paragraph_index: number;
  answer: string;
}

const FIXTURE: FixtureQuestion[] = JSON.parse(
  readFileSync(new URL('../../fixtures/paraphrase-questions.json', import.meta.url), 'utf8'),
);

function answers(passage: Pick<AnswerPassage, 'citation' | 'text'>, q: FixtureQuestion): boolean {
  return (
    passage.citation.article_id === q.article_id &&
    (passage.citation.paragraph - 1 === q.paragraph_index || passage.text.includes(q.answer))
  );
}

describe('USE-lite over the example articles (paraphrased questions)', () => {
  let dataDir: string;
  let engine: CitebotEngine;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'citebot-uselite-'));
    const config = loadConfig({
      DATA_DIR: dataDir,
      EMBEDDING_MODEL: 'use-lite',
      EMBED_WORKERS: '1',
      AUTO_INGEST_EXAMPLES: 'false',
      LOG_LEVEL: 'silent',
    });
    engine = await openEngine(config);
    await engine.ingestPaths([config.examplesDir], LIBRARY_COLLECTION);
  });
  after(async () => {
    await engine.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('GIVEN "how many were arrested?" (the article says "detained") THEN the reply cites the 7,939-detained paragraph', async () => {
    const result = await engine.ask('how many were arrested?', { collections: [LIBRARY_COLLECTION] });
    // First among the passages shown is a detention figure (word vectors know "arrested" ≈
    // "detained"): the 7,939 paragraph or the standfirst's "nearly 8,000".
    assert.match(result.passages[0]?.text ?? '', /(7,939|Nearly 8,000) people have been detained/);
    const cited = result.passages.find((p) => p.text.includes('7,939 people have been detained'));
    assert.ok(cited, JSON.stringify(result.passages.map((p) => p.text.slice(0, 60))));
    assert.equal(cited.citation.article_id, '000_8e2903e39626057e');
    assert.equal(cited.citation.source, 'TRT World and agencies');
    assert.equal(cited.citation.date, '2022-01-10');
    assert.equal(cited.citation.paragraph, 9);
  });

  test('GIVEN "how many people died?" (only the standfirst gives the toll) THEN the standfirst is shown, cited as paragraph 1', async () => {
    const result = await engine.ask('how many people died?', { collections: [LIBRARY_COLLECTION] });
    const standfirst = result.passages.find((p) => p.text.includes('more than 160 people dead'));
    assert.ok(standfirst, JSON.stringify(result.passages.map((p) => p.text.slice(0, 60))));
    assert.equal(standfirst.citation.article_id, '000_8e2903e39626057e');
    assert.equal(standfirst.citation.paragraph, 1);
  });

  test('GIVEN the paraphrased questions THEN keyword search finds none of their paragraphs, and the shown passages hold at least 10 of 12 (the issue asks 8 of 10)', async () => {
    let semantic = 0;
    for (const q of FIXTURE) {
      const keyword = await engine.internals.retrieve(q.q, { collections: [LIBRARY_COLLECTION], k: 3, mode: 'bm25' });
      assert.ok(
        !keyword.hits.some((h) => answers({ citation: { ...citationOf(h) }, text: h.passage.text }, q)),
        `bm25 found "${q.q}"`,
      );
      const result = await engine.ask(q.q, { collections: [LIBRARY_COLLECTION] });
      if (result.passages.some((p) => answers(p, q))) semantic++;
    }
    // Measured 10 of 12 (README, "Offline model"); 6 of 12 without thesaurus synonyms.
    assert.ok(semantic >= 10, `${semantic} of ${FIXTURE.length}`);
  });

  test('GIVEN "who brokered the settlement?" (the article names a mediator) THEN thesaurus synonyms put that paragraph first, and without them it is not shown', async () => {
    const question = FIXTURE.find((q) => q.q === 'Who brokered the settlement?')!;
    const withSynonyms = await engine.ask(question.q, { collections: [LIBRARY_COLLECTION] });
    assert.ok(answers(withSynonyms.passages[0]!, question), withSynonyms.passages[0]?.text);
    const weights = engine.internals.fusionWeights();
    engine.internals.setFusionWeights({ synonyms: 0 });
    try {
      const without = await engine.ask(question.q, { collections: [LIBRARY_COLLECTION] });
      assert.ok(
        !without.passages.some((p) => answers(p, question)),
        JSON.stringify(without.passages.map((p) => p.text.slice(0, 60))),
      );
    } finally {
      engine.internals.setFusionWeights(weights);
    }
  });
});

function citationOf(hit: { article: { id: string }; passage: { paragraph_start: number } }): AnswerPassage['citation'] {
  return {
    title: '',
    source: null,
    date: null,
    url: null,
    article_id: hit.article.id,
    paragraph: hit.passage.paragraph_start + 1,
  };
}
