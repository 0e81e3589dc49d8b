/**
 * The news-wire evaluation sets (eval/news-wire-*.json): they load with the eval loader,
 * every gold paragraph holds its answer, the halves share no article, and the JSON is
 * what the sources in eval/news-wire-src build.
 *   node --import tsx --test test/eval/news-wire-set.test.ts
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { loadEvalSet } from '../../src/eval/set.ts';
import { containsAnswer } from '../../src/eval/metrics.ts';
import { readSplit, SPLITS, toJson, violations } from '../../scripts/build-news-wire.ts';

const tune = loadEvalSet('eval/news-wire-tune.json');
const heldout = loadEvalSet('eval/news-wire-heldout.json');

describe('news-wire evaluation sets', () => {
  for (const set of [tune, heldout]) {
    test(`GIVEN ${set.name} THEN every answerable question's gold paragraph contains its answer`, () => {
      const articles = new Map(set.articles.map((a) => [a.id, a]));
      const missing = set.questions.filter(
        (q) => !containsAnswer(articles.get(q.articleId)!.paragraphs[q.paragraphIndex]!, q.answer),
      );
      assert.deepEqual(
        missing.map((q) => q.q),
        [],
      );
    });

    test(`GIVEN ${set.name} THEN it has 20+ articles, 150+ questions, a third paraphrased and about 15% unanswerable`, () => {
      const total = set.questions.length + set.unanswerable.length;
      assert.ok(set.articles.length >= 20, `${set.articles.length} articles`);
      assert.ok(total >= 150, `${total} questions`);
      assert.ok(set.questions.filter((q) => q.style === 'paraphrased').length >= total / 3, 'a third paraphrased');
      const share = set.unanswerable.length / total;
      assert.ok(share >= 0.12 && share <= 0.2, `unanswerable share ${share}`);
      assert.ok(set.license === 'MIT' && set.source?.includes('written for citebot'), 'source and license stated');
    });
  }

  test('GIVEN the two halves THEN no article (so no question) of the held-out half is in the tuning half', () => {
    const tuneIds = new Set(tune.articles.map((a) => a.id));
    assert.deepEqual(
      heldout.articles.map((a) => a.id).filter((id) => tuneIds.has(id)),
      [],
    );
    const tuneQuestions = new Set([...tune.questions.map((q) => q.q), ...tune.unanswerable]);
    assert.deepEqual(
      [...heldout.questions.map((q) => q.q), ...heldout.unanswerable].filter((q) => tuneQuestions.has(q)),
      [],
    );
  });

  test('GIVEN the sources in eval/news-wire-src THEN they pass the checks and build exactly the committed JSON', () => {
    for (const split of SPLITS) {
      const set = readSplit(split);
      assert.deepEqual(violations(split, set), []);
      assert.equal(
        readFileSync(`eval/news-wire-${split}.json`, 'utf8'),
        toJson(split, set),
        `eval/news-wire-${split}.json is stale: run npx tsx scripts/build-news-wire.ts`,
      );
    }
  });
});
