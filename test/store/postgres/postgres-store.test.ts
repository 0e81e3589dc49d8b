/**
 * The PostgreSQL store on a real PostgreSQL 15 (a throwaway cluster): generations from a
 * locked row, the change log, the partition's keyword index against FTS5's scores, NOTIFY
 * between processes' stores, and the faults: unreachable at start, lost while running.
 *   node --import tsx --test test/store/postgres/postgres-store.test.ts
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { analyze, analyzeQuestion } from '../../../src/search/lexical.ts';
import { PostgresStore } from '../../../src/store/postgres/postgres-store.ts';
import { POSTGRES_SCHEMA_VERSION } from '../../../src/store/postgres/schema.ts';
import type { CitebotError } from '../../../src/errors.ts';
import { startPostgres, type PostgresCluster } from '../../helpers/postgres.ts';
import { articleToSave, simpleArticle } from '../../helpers/store-articles.ts';

let cluster: PostgresCluster;
before(async () => {
  cluster = await startPostgres();
});
after(() => cluster.destroy());

async function waitFor(check: () => Promise<boolean> | boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('opening', () => {
  test('GIVEN no server at the address THEN open fails with store_unreachable naming the host and what to check', async () => {
    const url = `postgres://postgres@localhost/nowhere?host=${encodeURIComponent(`${cluster.dir}/missing`)}`;
    await assert.rejects(PostgresStore.open(url), (error: CitebotError) => {
      assert.equal(error.code, 'store_unreachable');
      assert.match(error.message, /cannot reach PostgreSQL at .*missing:5432, database nowhere/);
      assert.match(error.message, /check that the server is running/);
      return true;
    });
  });

  test('GIVEN a database written by a newer citebot THEN open refuses it and says to upgrade', async () => {
    const url = await cluster.createDatabase();
    const store = await PostgresStore.open(url);
    await store.close();
    // Simulating a newer citebot needs writing its schema number: no store call does that.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`UPDATE meta SET value = $1 WHERE key = 'schema_version'`, [
      String(POSTGRES_SCHEMA_VERSION + 1),
    ]);
    await client.end();
    await assert.rejects(PostgresStore.open(url), (error: CitebotError) => {
      assert.equal(error.code, 'store_schema_newer');
      assert.match(error.message, /newer citebot \(schema \d+, this one reads \d+\); upgrade citebot/);
      return true;
    });
  });

  test('GIVEN a password in the URL THEN the description leaves it out', async () => {
    const url = await cluster.createDatabase();
    const store = await PostgresStore.open(url.replace('postgres@', 'postgres:s3cret@'));
    assert.equal(store.description.backend, 'postgres');
    assert.doesNotMatch(store.description.location, /s3cret/);
    await store.close();
  });
});

describe('writes and the change log', () => {
  test("GIVEN saves, a replacement and a delete THEN generations are consecutive and changesSince lists each collection's passages", async () => {
    const store = await PostgresStore.open(await cluster.createDatabase());
    try {
      const first = await store.saveArticle(
        articleToSave('library', simpleArticle('a', ['Ships sailed at dawn.', 'Crews waved.'])),
      );
      const second = await store.saveArticle(articleToSave('guild-1', simpleArticle('b', ['The council voted.'])));
      const replaced = await store.saveArticle(articleToSave('library', simpleArticle('a', ['Ships sailed at noon.'])));
      assert.deepEqual([first.generation, second.generation, replaced.generation], [1, 2, 3]);
      assert.deepEqual(replaced.removed, first.added);
      assert.deepEqual(
        await store.changesSince(1, ['library']),
        [...first.added, ...replaced.added].sort((a, b) => a - b),
      );
      assert.deepEqual(await store.changesSince(1, ['guild-1']), second.added);
      const deleted = await store.deleteArticle('guild-1', 'b');
      assert.equal(deleted?.generation, 4);
      assert.equal(await store.deleteArticle('guild-1', 'b'), null);
      assert.equal(await store.generation(), 4);
      await store.pruneChanges(2);
      assert.equal(await store.changesSince(1), null);
      assert.deepEqual(
        await store.changesSince(2),
        [...first.added, ...second.added, ...replaced.added].sort((a, b) => a - b),
      );
      assert.equal(await store.countPassages(), 1);
    } finally {
      await store.close();
    }
  });

  test('GIVEN two stores writing at once THEN every write succeeds under its own generation, in order', async () => {
    const url = await cluster.createDatabase();
    const [one, two] = await Promise.all([PostgresStore.open(url), PostgresStore.open(url)]);
    try {
      const writes = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          (i % 2 ? one : two).saveArticle(
            articleToSave(
              'library',
              simpleArticle(`article-${i}`, [`Paragraph ${i} about harbour cranes.`, `More on item ${i}.`]),
            ),
          ),
        ),
      );
      assert.deepEqual(
        writes.map((w) => w.generation).sort((a, b) => a - b),
        Array.from({ length: 30 }, (_, i) => i + 1),
      );
      assert.equal(await one.countAllArticles(), 30);
      assert.equal(await two.countPassages('library'), 60);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });
});

describe('batched writes', () => {
  test('GIVEN one write mixing passages with and without vectors THEN each passage reads back its own vector, or none', async () => {
    const store = await PostgresStore.open(await cluster.createDatabase());
    try {
      const withVectors = articleToSave('library', simpleArticle('v', ['Gulls circled.', 'Terns dived.']), { dim: 5 });
      const keywordOnly = articleToSave('library', simpleArticle('k', ['Cormorants dried their wings.']));
      const mixed = articleToSave('library', simpleArticle('m', ['Herons waited.', 'Egrets fished.']), { dim: 5 });
      mixed.passages = [{ ...mixed.passages[0]!, vector: null }, mixed.passages[1]!];
      const written = await store.saveArticles([
        withVectors,
        { ...keywordOnly, passages: keywordOnly.passages.map((p) => ({ ...p, vector: null })) },
        mixed,
      ]);
      const expected = [...withVectors.passages, { vector: null }, ...mixed.passages].map((p) => p.vector);
      assert.equal(written.added.length, expected.length);
      const stored = await store.vectorsOf(written.added);
      written.added.forEach((id, i) => assert.deepEqual(stored.get(id) ?? null, expected[i], `passage ${i}`));
      const rows = await store.candidates(written.added);
      assert.deepEqual(
        written.added.map((id) => rows.get(id)!.passage.text),
        ['Gulls circled.', 'Terns dived.', 'Cormorants dried their wings.', 'Herons waited.', 'Egrets fished.'],
      );
    } finally {
      await store.close();
    }
  });
});

describe('the partition', () => {
  test('GIVEN collections searched THEN each is loaded once, when first searched, and the listener is told its passages', async () => {
    const store = await PostgresStore.open(await cluster.createDatabase());
    try {
      await store.saveArticle(articleToSave('library', simpleArticle('a', ['Ships sailed.', 'Crews waved.'])));
      await store.saveArticle(articleToSave('guild-1', simpleArticle('b', ['The council voted.'])));
      await store.saveArticle(articleToSave('guild-2', simpleArticle('c', ['Nobody asked here.'])));
      const loaded: { collection: string; passages: number }[] = [];
      store.onCollectionLoaded(({ collection, passages, ms }) => {
        assert.ok(ms >= 0);
        loaded.push({ collection, passages });
      });
      await store.keywordSearch(['ship'], { collections: ['library', 'guild-1'] }, 5);
      await store.keywordSearch(['council'], { collections: ['library', 'guild-1'] }, 5);
      await store.saveArticle(articleToSave('guild-1', simpleArticle('d', ['The mayor resigned.'])));
      await store.keywordSearch(['mayor'], { collections: ['guild-1'] }, 5);
      assert.deepEqual(
        loaded.sort((x, y) => x.collection.localeCompare(y.collection)),
        [
          { collection: 'guild-1', passages: 1 },
          { collection: 'library', passages: 2 },
        ],
        'a catch-up is not a load, and guild-2 was never searched',
      );
    } finally {
      await store.close();
    }
  });
});

describe('search port', () => {
  interface EvalSet {
    articles: { id: string; title: string; paragraphs: string[] }[];
    questions: { q: string }[];
  }
  const set = JSON.parse(readFileSync('eval/news-en.json', 'utf8')) as EvalSet;

  test('GIVEN news-en in two collections THEN keyword top 50s and scores equal FTS5 bm25() over the whole store', async () => {
    const store = await PostgresStore.open(await cluster.createDatabase());
    // The oracle: an FTS5 table as the SQLite store keeps it, with each passage's collection beside it.
    const fts = new Database(':memory:');
    fts.exec(`CREATE VIRTUAL TABLE t USING fts5(terms, collection UNINDEXED, tokenize = "unicode61 tokenchars '.'")`);
    try {
      for (const [i, article] of set.articles.entries()) {
        const collection = i % 2 ? 'guild-1' : 'library';
        const saved = await store.saveArticle(articleToSave(collection, simpleArticle(article.id, article.paragraphs)));
        saved.added.forEach((id, p) =>
          fts
            .prepare('INSERT INTO t (rowid, terms, collection) VALUES (?, ?, ?)')
            .run(id, analyze(article.paragraphs[p]!).join(' '), collection),
        );
      }
      const search = fts.prepare(
        `SELECT rowid AS id, -bm25(t) AS score FROM t WHERE t MATCH ? AND collection = 'library' ORDER BY bm25(t), rowid LIMIT 50`,
      );
      let compared = 0;
      for (const { q } of set.questions) {
        const tokens = analyzeQuestion(q);
        if (tokens.length === 0) continue;
        const expected = search.all(tokens.map((t) => `"${t}"`).join(' OR ')) as { id: number; score: number }[];
        const actual = await store.keywordSearch(tokens, { collections: ['library'] }, 50);
        assert.deepEqual(
          actual.map((h) => h.id),
          expected.map((h) => h.id),
          q,
        );
        actual.forEach((hit, i) => assert.ok(Math.abs(hit.score - expected[i]!.score) < 1e-9, q));
        compared += expected.length;
      }
      assert.ok(compared > 300);
      const stats = await store.corpusStats(['harbour', 'no-such-token']);
      assert.equal(stats.passages, (fts.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n);
      assert.equal(stats.documentFrequencies.has('no-such-token'), false);
    } finally {
      fts.close();
      await store.close();
    }
  });

  test('GIVEN a date filter THEN keyword search, passage ids and candidates keep to it', async () => {
    const store = await PostgresStore.open(await cluster.createDatabase());
    try {
      await store.saveArticle(
        articleToSave('library', simpleArticle('old', ['Flood waters rose in the valley.'], { date: '2020-03-01' })),
      );
      const recent = await store.saveArticle(
        articleToSave(
          'library',
          simpleArticle('new', ['Flood defences held this year.'], { date: '2024-05-02T08:00', source: 'River Times' }),
        ),
      );
      const scope = { collections: ['library'], filter: { since: '2024-01-01' } };
      assert.deepEqual(
        (await store.keywordSearch(['flood'], scope, 10)).map((h) => h.id),
        recent.added,
      );
      assert.deepEqual([...(await store.passageIds(scope))], recent.added);
      assert.deepEqual(
        [...(await store.passageIds({ collections: ['library'], filter: { source: 'river' } }))],
        recent.added,
      );
      const candidates = await store.candidates([...recent.added, 999_999]);
      assert.equal(candidates.size, 1);
      const row = candidates.get(recent.added[0]!)!;
      assert.equal(row.article.id, 'new');
      assert.equal(row.article.body, 'Flood defences held this year.');
      assert.deepEqual(row.terms, analyze('Flood defences held this year.'));
      assert.equal(row.vector?.length, 8);
      assert.equal((await store.vectorsIn(scope)).length, 1);
    } finally {
      await store.close();
    }
  });
});

describe('articles', () => {
  test('GIVEN an article with pages (a PDF) and one without THEN each comes back as it was saved', async () => {
    const store = await PostgresStore.open(await cluster.createDatabase());
    try {
      await store.saveArticles([
        articleToSave('library', simpleArticle('pdf', ['Page one text.', 'Page three text.'], { pages: [1, 3] })),
        articleToSave('library', simpleArticle('web', ['No pages here.'])),
      ]);
      assert.deepEqual((await store.findArticle('library', 'pdf'))?.pages, [1, 3]);
      assert.equal((await store.findArticle('library', 'web'))?.pages ?? null, null);
      await store.saveArticle(articleToSave('library', simpleArticle('pdf', ['Only page two.'], { pages: [2] })));
      const [row] = await store.listArticles('library', { search: 'pdf' });
      assert.deepEqual(row?.pages, [2]);
    } finally {
      await store.close();
    }
  });
});

describe('several processes', () => {
  test('GIVEN two stores on one database WHEN one commits THEN the other is told and finds it by keyword', async () => {
    const url = await cluster.createDatabase();
    const [writer, reader] = await Promise.all([PostgresStore.open(url), PostgresStore.open(url)]);
    try {
      assert.deepEqual(await reader.keywordSearch(['lighthouse'], { collections: ['library'] }, 5), []);
      let told = 0;
      reader.onChange((generation) => (told = generation));
      const saved = await writer.saveArticle(
        articleToSave('library', simpleArticle('light', ['The lighthouse keeper retired.'])),
      );
      await waitFor(() => told === saved.generation, 'the NOTIFY');
      assert.deepEqual(
        (await reader.keywordSearch(['lighthous'], { collections: ['library'] }, 5)).map((h) => h.id),
        saved.added,
      );
    } finally {
      await Promise.all([writer.close(), reader.close()]);
    }
  });
});

describe('PostgreSQL lost while running', () => {
  test('GIVEN the server stops THEN questions are answered from the caches, changes are refused, and both work again when it returns', async () => {
    const own = await startPostgres();
    const store = await PostgresStore.open(await own.createDatabase());
    try {
      const saved = await store.saveArticle(
        articleToSave('library', simpleArticle('storm', ['The storm closed the harbour bridge.'])),
      );
      const scope = { collections: ['library'] };
      const before = await store.keywordSearch(['storm'], scope, 5);
      await store.candidates(saved.added);
      own.stopServer('fast');
      await waitFor(
        () => store.keywordSearch(['storm'], scope, 5).then((hits) => hits.length === 1),
        'an answer while offline',
      );
      assert.deepEqual(await store.keywordSearch(['storm'], scope, 5), before);
      assert.equal((await store.candidates(saved.added)).size, 1);
      assert.equal(await store.generation(), saved.generation);
      await assert.rejects(
        store.saveArticle(articleToSave('library', simpleArticle('late', ['Too late.']))),
        (error: CitebotError) => {
          assert.equal(error.code, 'store_unavailable');
          assert.match(error.message, /unreachable .*nothing was changed/);
          return true;
        },
      );
      own.startServer();
      await waitFor(
        () =>
          store.saveArticle(articleToSave('library', simpleArticle('back', ['The bridge reopened.']))).then(
            () => true,
            () => false,
          ),
        'a write after the server returned',
        15_000,
      );
      // The listener notices the reconnect and the partition catches up with the write.
      await waitFor(
        () => store.keywordSearch(['bridg'], scope, 5).then((hits) => hits.length === 2),
        'the catch-up after the return',
      );
    } finally {
      await store.close();
      own.destroy();
    }
  });
});
