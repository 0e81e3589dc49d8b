/**
 * The same corpus and questions through both backends: SQLite (FTS5) and PostgreSQL (the
 * in-process BM25) give the same keyword top 50 with the same scores, and the engines on them
 * give the same answers.
 *   node --import tsx --test test/store/postgres/parity.test.ts
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { analyzeQuestion } from '../../../src/search/lexical.ts';
import { PostgresStore } from '../../../src/store/postgres/postgres-store.ts';
import type { CitebotStore, KeywordHit } from '../../../src/store/store-api.ts';
import { SqliteStore } from '../../../src/store/sqlite/store.ts';
import { openTestEngine } from '../../helpers/engine.ts';
import { startPostgres, type PostgresCluster } from '../../helpers/postgres.ts';
import { articleToSave, simpleArticle } from '../../helpers/store-articles.ts';

interface EvalSet {
  articles: { id: string; title: string; source: string; date: string; paragraphs: string[] }[];
  questions: { q: string }[];
}
const set = JSON.parse(readFileSync('eval/news-en.json', 'utf8')) as EvalSet;
const collectionOf = (i: number) => (i % 3 === 0 ? 'guild-1' : 'library');

let cluster: PostgresCluster;
before(async () => {
  cluster = await startPostgres();
});
after(() => cluster.destroy());

/** Hits named by article and position: the two backends number passages independently. */
async function named(store: CitebotStore, hits: KeywordHit[]): Promise<string[]> {
  const rows = await store.candidates(hits.map((h) => h.id));
  return hits.map((h) => `${rows.get(h.id)!.article.id}#${rows.get(h.id)!.passage.position}`);
}

test('GIVEN news-en in two collections of both backends THEN every question has the same keyword top 50 and scores', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'citebot-parity-'));
  const sqlite = SqliteStore.open(join(dir, 'citebot.db'));
  const postgres = await PostgresStore.open(await cluster.createDatabase());
  try {
    for (const [i, article] of set.articles.entries()) {
      const item = articleToSave(collectionOf(i), simpleArticle(article.id, article.paragraphs));
      await sqlite.saveArticle(item);
      await postgres.saveArticle(item);
    }
    let compared = 0;
    for (const scope of [
      { collections: ['library'] },
      { collections: ['library', 'guild-1'] },
      { collections: ['library'], filter: { since: '2024-01-10' } },
    ]) {
      for (const { q } of set.questions) {
        const tokens = analyzeQuestion(q);
        const [fromSqlite, fromPostgres] = [
          await sqlite.keywordSearch(tokens, scope, 50),
          await postgres.keywordSearch(tokens, scope, 50),
        ];
        assert.deepEqual(await named(postgres, fromPostgres), await named(sqlite, fromSqlite), q);
        fromPostgres.forEach((hit, i) =>
          assert.ok(Math.abs(hit.score - fromSqlite[i]!.score) < 1e-9, `${q}: ${hit.score} vs ${fromSqlite[i]!.score}`),
        );
        compared += fromSqlite.length;
      }
    }
    assert.ok(compared > 2000, `only ${compared} hits compared`);
  } finally {
    await sqlite.close();
    await postgres.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('GIVEN the same articles ingested by an engine on each backend THEN every question gets the same answer and passages', async () => {
  const onSqlite = await openTestEngine();
  const onPostgres = await openTestEngine({ env: { DATABASE_URL: await cluster.createDatabase() } });
  try {
    for (const t of [onSqlite, onPostgres]) {
      for (const [i, article] of set.articles.entries()) {
        await t.engine.ingest([{ ...article, section: null, url: null }], collectionOf(i));
      }
    }
    assert.equal((await onPostgres.engine.stats()).store.backend, 'postgres');
    assert.equal((await onSqlite.engine.stats()).store.backend, 'sqlite');
    let answered = 0;
    for (const { q } of set.questions) {
      const options = { collections: ['library', 'guild-1'], k: 5 };
      const [a, b] = [await onSqlite.engine.ask(q, options), await onPostgres.engine.ask(q, options)];
      assert.equal(b.answered, a.answered, q);
      assert.equal(b.answer, a.answer, q);
      assert.deepEqual(
        b.passages.map((p) => [p.citation.article_id, p.citation.paragraph, p.text]),
        a.passages.map((p) => [p.citation.article_id, p.citation.paragraph, p.text]),
        q,
      );
      b.passages.forEach((p, i) => assert.ok(Math.abs(p.score - a.passages[i]!.score) < 1e-9, q));
      if (a.answered) answered += 1;
    }
    assert.ok(answered > 20, `only ${answered} answered`);
  } finally {
    await onSqlite.cleanup();
    await onPostgres.cleanup();
  }
});
