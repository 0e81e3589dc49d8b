/**
 * copyStore: a store copied into an empty PostgreSQL database through the contract keeps every
 * article, passage, term and vector, and the model; a database that is not empty is refused.
 *   node --import tsx --test test/store/postgres/migrate.test.ts
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { CitebotError } from '../../../src/errors.ts';
import { analyzeQuestion } from '../../../src/search/lexical.ts';
import { copyStore } from '../../../src/store/postgres/migrate.ts';
import { PostgresStore } from '../../../src/store/postgres/postgres-store.ts';
import { startPostgres, type PostgresCluster } from '../../helpers/postgres.ts';
import { articleToSave, simpleArticle } from '../../helpers/store-articles.ts';

let cluster: PostgresCluster;
before(async () => {
  cluster = await startPostgres();
});
after(() => cluster.destroy());

test('GIVEN a store with two collections, a replaced article and an empty one THEN the copy has the same articles, passages, keyword ranking and model', async () => {
  const set = JSON.parse(readFileSync('eval/news-en.json', 'utf8')) as {
    articles: { id: string; paragraphs: string[] }[];
    questions: { q: string }[];
  };
  const source = await PostgresStore.open(await cluster.createDatabase());
  const target = await PostgresStore.open(await cluster.createDatabase());
  try {
    for (const [i, article] of set.articles.entries())
      await source.saveArticle(
        articleToSave(i % 3 ? 'library' : 'guild-7', simpleArticle(article.id, article.paragraphs)),
      );
    await source.saveArticle(
      articleToSave('library', simpleArticle(set.articles[1]!.id, ['Replaced text about the harbour.'])),
    );
    await source.saveArticle(articleToSave('library', simpleArticle('empty', [])));
    await source.setModel({ id: 'test/model', dim: 8 });
    const progress: number[] = [];
    const report = await copyStore(source, target, { batchPassages: 7, onProgress: (done) => progress.push(done) });
    assert.equal(report.articles, await source.countAllArticles());
    assert.equal(report.passages, await source.countPassages());
    assert.equal(report.collections, 2);
    assert.equal(report.model, 'test/model');
    assert.deepEqual(await target.model(), { id: 'test/model', dim: 8 });
    assert.ok(progress.length > 5 && progress.at(-1) === report.articles);
    for (const collection of ['library', 'guild-7']) {
      assert.equal(await target.countPassages(collection), await source.countPassages(collection));
      for (const { q } of set.questions.slice(0, 40)) {
        const tokens = analyzeQuestion(q);
        const scores = async (store: PostgresStore) =>
          (await store.keywordSearch(tokens, { collections: [collection] }, 20)).map((hit) => hit.score);
        assert.deepEqual(await scores(target), await scores(source), q);
      }
    }
    const copied = await target.findArticle('library', set.articles[1]!.id);
    assert.equal(copied?.body, 'Replaced text about the harbour.');
    const [id] = await target.allPassageIds();
    const row = (await target.candidates([id!])).get(id!)!;
    assert.equal(row.vector?.length, 8);
    await assert.rejects(
      copyStore(source, target),
      (error: CitebotError) => error.code === 'already_exists' && /empty database only/.test(error.message),
    );
  } finally {
    await Promise.all([source.close(), target.close()]);
  }
});
