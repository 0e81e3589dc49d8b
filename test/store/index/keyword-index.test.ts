/**
 * The in-process BM25 index scores as SQLite's FTS5 bm25() does: the same top 50 and the same
 * scores (to 1e-9) as a real FTS5 table (the oracle) over the same analyzed terms.
 *   node --import tsx --test test/store/index/keyword-index.test.ts
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { analyze, analyzeQuestion } from '../../../src/search/lexical.ts';
import { seededRandom } from '../../../src/seeded-random.ts';
import { ftsTokens, KeywordIndex } from '../../../src/store/index/keyword-index.ts';
import type { KeywordHit } from '../../../src/store/store-api.ts';

interface EvalSet {
  articles: { paragraphs: string[] }[];
  questions: { q: string }[];
}

/** FTS5 configured as the SQLite store's passage_terms table. */
function fts5Oracle() {
  const db = new Database(':memory:');
  db.exec(`CREATE VIRTUAL TABLE t USING fts5(terms, tokenize = "unicode61 tokenchars '.'")`);
  const insert = db.prepare('INSERT INTO t (rowid, terms) VALUES (?, ?)');
  const remove = db.prepare('DELETE FROM t WHERE rowid = ?');
  const search = db.prepare(
    'SELECT rowid AS id, -bm25(t) AS score FROM t WHERE t MATCH ? ORDER BY bm25(t), rowid LIMIT ?',
  );
  return {
    add: (rowid: number, terms: string[]) => insert.run(rowid, terms.join(' ')),
    remove: (rowid: number) => remove.run(rowid),
    search(tokens: string[], k: number): KeywordHit[] {
      if (tokens.length === 0) return [];
      const match = tokens.map((t) => `"${t.replace(/"/g, '""')}"`).join(' OR ');
      return search.all(match, k) as KeywordHit[];
    },
  };
}

function assertSameRanking(actual: KeywordHit[], expected: KeywordHit[], label: string): void {
  assert.deepEqual(
    actual.map((h) => h.id),
    expected.map((h) => h.id),
    `top ${expected.length} of ${label}`,
  );
  actual.forEach((hit, i) =>
    assert.ok(Math.abs(hit.score - expected[i]!.score) < 1e-9, `${label}: ${hit.score} vs ${expected[i]!.score}`),
  );
}

/** A seeded corpus with a Zipf-like vocabulary, numbers with a '.', and terms such as "didn't". */
function syntheticCorpus(passages: number, seed: number): string[][] {
  const random = seededRandom(seed);
  const vocabulary = Array.from({ length: 3000 }, (_, i) =>
    i % 97 === 0 ? `x${i}n't` : i % 53 === 0 ? `${i}.5` : `w${i}`,
  );
  const word = () => vocabulary[Math.floor(vocabulary.length * random() ** 3)]!;
  return Array.from({ length: passages }, () => Array.from({ length: 5 + Math.floor(random() * 80) }, word));
}

describe('KeywordIndex against FTS5', () => {
  test('GIVEN the news-en articles and questions THEN every top 50 and score equals FTS5 bm25()', () => {
    const set = JSON.parse(readFileSync('eval/news-en.json', 'utf8')) as EvalSet;
    const oracle = fts5Oracle();
    const index = new KeywordIndex();
    let rowid = 0;
    for (const article of set.articles) {
      for (const paragraph of article.paragraphs) {
        const terms = analyze(paragraph);
        oracle.add(++rowid, terms);
        index.add(rowid, terms);
      }
    }
    let compared = 0;
    for (const { q } of set.questions) {
      const tokens = analyzeQuestion(q);
      const expected = oracle.search(tokens, 50);
      assertSameRanking(index.search(tokens, 50), expected, q);
      compared += expected.length;
    }
    assert.ok(compared > 1000, `only ${compared} hits compared`);
  });

  test('GIVEN 4,000 synthetic passages, phrases like "didn t" and removals THEN top 50s and scores equal FTS5', () => {
    const corpus = syntheticCorpus(4000, 17);
    const oracle = fts5Oracle();
    const index = new KeywordIndex();
    corpus.forEach((terms, i) => {
      oracle.add(i + 1, terms);
      index.add(i + 1, terms);
    });
    // Removing every third passage exercises the dead slots and, past a quarter, compaction.
    for (let rowid = 3; rowid <= corpus.length; rowid += 3) {
      oracle.remove(rowid);
      index.remove(rowid);
    }
    const random = seededRandom(5);
    const queries = Array.from({ length: 200 }, () => [
      ...new Set(
        Array.from(
          { length: 1 + Math.floor(random() * 5) },
          () => corpus[Math.floor(random() * corpus.length)]![Math.floor(random() * 5)]!,
        ),
      ),
    ]);
    queries.push(["x0n't"], ["x97n't", 'w1'], ['53.5', 'w2']);
    for (const tokens of queries)
      assertSameRanking(index.search(tokens, 50), oracle.search(tokens, 50), tokens.join(' '));
    assert.equal(index.size, corpus.length - Math.floor(corpus.length / 3));
  });

  test('GIVEN stats of a larger corpus THEN they, not the held passages, decide the idf and length norm', () => {
    const corpus = syntheticCorpus(600, 3);
    const whole = new KeywordIndex();
    const part = new KeywordIndex();
    corpus.forEach((terms, i) => {
      whole.add(i + 1, terms);
      if (i % 2 === 0) part.add(i + 1, terms);
    });
    const even = (rowid: number) => (rowid - 1) % 2 === 0;
    const tokens = [corpus[0]![0]!, corpus[2]![1]!];
    const expected = whole.search(tokens, 600, { accept: even });
    assertSameRanking(part.search(tokens, 600, { stats: whole.localStats() }), expected, 'partition');
    assert.notDeepEqual(
      part.search(tokens, 600).map((h) => h.score),
      expected.map((h) => h.score),
    );
  });

  test('GIVEN an analyzed term with an apostrophe THEN it is two FTS5 tokens', () => {
    assert.deepEqual(ftsTokens("didn't 3.5 o'brien"), ['didn', 't', '3.5', 'o', 'brien']);
  });
});
