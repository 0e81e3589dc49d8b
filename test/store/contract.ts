/**
 * The store contract suite: what every backend of src/store/store-api.ts must do, run against
 * each one (test/store/sqlite.test.ts; the PostgreSQL backend runs the same function). Only the
 * contract is used here, never a backend's own SQL.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { ArticleToSave, CitebotStore, PassageToStore } from '../../src/store/store-api.ts';
import type { Article, CollectionId } from '../../src/types.ts';

/** A fresh, empty store of the backend under test, a second connection to it, and its removal. */
export interface StoreUnderTest {
  store: CitebotStore;
  /** Opens another connection to the same store (as another process would). */
  another(): Promise<CitebotStore>;
  cleanup(): Promise<void>;
}

export type StoreFactory = () => Promise<StoreUnderTest>;

// --- fixtures

const DIM = 4;

function unit(seed: number): Float32Array {
  const v = new Float32Array(DIM).map((_, i) => Math.sin(seed * 7.3 + i * 1.9));
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

function article(id: string, paragraphs: string[], extra: Partial<Article> = {}): Article {
  return {
    id,
    title: `Title ${id}`,
    date: '2024-05-01',
    source: 'Test Wire',
    section: null,
    url: null,
    paragraphs,
    ...extra,
  };
}

let seed = 0;
/** Passages whose terms are the paragraph's lower-cased words (the analyzer is not under test here). */
function toSave(collection: CollectionId, a: Article, vectors = true): ArticleToSave {
  let offset = 0;
  const passages: PassageToStore[] = a.paragraphs.map((text, i) => {
    const passage = {
      position: i,
      paragraphStart: i,
      paragraphEnd: i,
      charStart: offset,
      charEnd: offset + text.length,
      text,
      terms: text.toLowerCase().match(/[a-z0-9]+/g) ?? [],
      vector: vectors ? unit(++seed) : null,
    };
    offset += text.length + 2;
    return passage;
  });
  return {
    collection,
    article: a,
    body: a.paragraphs.join('\n\n'),
    contentHash: `hash-${a.id}-${a.paragraphs.length}`,
    passages,
  };
}

/** FTS5's bm25() (k1 1.2, b 0.75, idf floored at 1e-6), higher is better: what keywordSearch must score. */
function bm25(query: string[], docs: string[][], doc: string[]): number {
  const n = docs.length;
  const avgdl = docs.reduce((sum, d) => sum + d.length, 0) / n;
  let score = 0;
  for (const token of query) {
    const holding = docs.filter((d) => d.includes(token)).length;
    let idf = Math.log((n - holding + 0.5) / (holding + 0.5));
    if (idf <= 0) idf = 1e-6;
    const f = doc.filter((t) => t === token).length;
    score += (idf * (f * 2.2)) / (f + 1.2 * (0.25 + (0.75 * doc.length) / avgdl));
  }
  return score;
}

export function storeContract(backend: string, factory: StoreFactory): void {
  describe(`store contract: ${backend}`, () => {
    let t: StoreUnderTest;
    let store: CitebotStore;
    beforeEach(async () => {
      t = await factory();
      store = t.store;
    });
    afterEach(async () => t.cleanup());

    describe('writes and the change log', () => {
      it('GIVEN a new store THEN it is at generation 0, with no model, articles or changes', async () => {
        assert.equal(await store.generation(), 0);
        assert.equal(await store.model(), null);
        assert.equal(await store.countAllArticles(), 0);
        assert.equal(await store.countPassages(), 0);
        assert.deepEqual(await store.changesSince(0), []);
      });

      it('GIVEN an article saved THEN it takes the next generation and its passages come back whole', async () => {
        const item = toSave('library', article('a', ['Gulls nest on the breakwater.', 'The ferry sails at dawn.']));
        const written = await store.saveArticle(item);
        assert.equal(written.generation, 1);
        assert.equal(written.added.length, 2);
        assert.deepEqual(written.removed, []);
        assert.equal(await store.generation(), 1);
        const found = (await store.findArticle('library', 'a'))!;
        assert.deepEqual(
          [found.title, found.body, found.content_hash, found.paragraph_count, found.collection],
          ['Title a', item.body, item.contentHash, 2, 'library'],
        );
        const rows = await store.candidates(written.added);
        assert.deepEqual([...rows.keys()], written.added);
        const first = rows.get(written.added[0]!)!;
        assert.equal(first.passage.text, 'Gulls nest on the breakwater.');
        assert.deepEqual([first.passage.position, first.passage.char_start, first.passage.char_end], [0, 0, 29]);
        assert.deepEqual(first.terms, ['gulls', 'nest', 'on', 'the', 'breakwater']);
        assert.deepEqual(first.vector, item.passages[0]!.vector);
        assert.equal(first.article.id, 'a');
        assert.deepEqual(
          (await store.changesSince(0))?.sort((x, y) => x - y),
          [...written.added].sort((x, y) => x - y),
        );
      });

      it('GIVEN a document with pages THEN the page of each paragraph comes back with the article, and none for other articles', async () => {
        const pdf = await store.saveArticle(
          toSave('library', article('pdf', ['Page one.', 'Still page one.', 'Page two.'], { pages: [1, 1, 2] })),
        );
        await store.saveArticle(toSave('library', article('plain', ['No pages.'])));
        assert.deepEqual((await store.findArticle('library', 'pdf'))?.pages, [1, 1, 2]);
        assert.deepEqual((await store.candidates(pdf.added)).get(pdf.added[2]!)?.article.pages, [1, 1, 2]);
        assert.ok(!(await store.findArticle('library', 'plain'))?.pages, 'an article without pages has none');
      });

      it('GIVEN an article with an author THEN the author comes back with it, is replaced when saved again, and none for other articles', async () => {
        const saved = await store.saveArticle(
          toSave('library', article('signed', ['By-lined text.'], { author: 'Ana Ruiz, Li Wei' })),
        );
        await store.saveArticle(toSave('library', article('unsigned', ['No byline.'])));
        assert.equal((await store.findArticle('library', 'signed'))?.author, 'Ana Ruiz, Li Wei');
        assert.equal((await store.candidates(saved.added)).get(saved.added[0]!)?.article.author, 'Ana Ruiz, Li Wei');
        assert.ok(!(await store.findArticle('library', 'unsigned'))?.author, 'an article without an author has none');
        await store.saveArticle(toSave('library', article('signed', ['By-lined text.'], { author: 'Ana Ruiz' })));
        assert.equal((await store.findArticle('library', 'signed'))?.author, 'Ana Ruiz');
      });

      it('GIVEN an article saved again THEN its passages are replaced (no duplicates, no orphans) under a new generation', async () => {
        const old = await store.saveArticle(toSave('library', article('a', ['One.', 'Two.', 'Three.'])));
        const replaced = await store.saveArticle(toSave('library', article('a', ['Only one now.'])));
        assert.equal(replaced.generation, old.generation + 1);
        assert.deepEqual([...replaced.removed].sort(), [...old.added].sort());
        assert.equal(await store.countPassages(), 1);
        assert.equal(await store.countAllArticles(), 1);
        const gone = old.added.filter((id) => !replaced.added.includes(id));
        assert.equal([...(await store.candidates(gone)).keys()].length, 0);
        const changed = await store.changesSince(old.generation);
        for (const id of [...replaced.removed, ...replaced.added])
          assert.ok(changed?.includes(id), `change of passage ${id} is logged`);
      });

      it('GIVEN many articles saved at once with a model THEN one generation covers them all and the model is recorded', async () => {
        const written = await store.saveArticles(
          [toSave('library', article('a', ['A one.'])), toSave('g1', article('b', ['B one.', 'B two.']))],
          { model: { id: 'tiny', dim: DIM } },
        );
        assert.equal(written.generation, 1);
        assert.equal(written.added.length, 3);
        assert.deepEqual(await store.model(), { id: 'tiny', dim: DIM });
        await store.setModel({ id: 'keyword', dim: null });
        assert.deepEqual(await store.model(), { id: 'keyword', dim: null });
      });

      it('GIVEN calibrations kept with the model THEN they read back as written, replace the previous ones, and take no generation', async () => {
        assert.equal(await store.calibrations(), null);
        await store.setCalibrations('[{"model":"tiny"}]');
        await store.setCalibrations('[{"model":"tiny","threshold":0.5}]');
        assert.equal(await store.calibrations(), '[{"model":"tiny","threshold":0.5}]');
        assert.equal(await store.generation(), 0);
      });

      it('GIVEN an article deleted THEN its passages go under a new generation; an absent one takes none', async () => {
        const saved = await store.saveArticle(toSave('g1', article('a', ['One.', 'Two.'])));
        const deleted = (await store.deleteArticle('g1', 'a'))!;
        assert.equal(deleted.article.id, 'a');
        assert.deepEqual([...deleted.removed].sort(), [...saved.added].sort());
        assert.equal(deleted.generation, saved.generation + 1);
        assert.equal(await store.countPassages(), 0);
        assert.equal(await store.deleteArticle('g1', 'a'), null);
        assert.equal(await store.generation(), deleted.generation);
      });

      it('GIVEN changes in several collections THEN a reader of some collections is told only of theirs', async () => {
        const library = await store.saveArticle(toSave('library', article('a', ['Library passage.'])));
        const guild = await store.saveArticle(toSave('g1', article('b', ['Guild passage.'])));
        const other = await store.saveArticle(toSave('g2', article('c', ['Other guild passage.'])));
        const deleted = (await store.deleteArticle('g2', 'c'))!;
        assert.deepEqual(
          await store.changesSince(0, ['library', 'g1']),
          [...library.added, ...guild.added].sort((x, y) => x - y),
        );
        assert.deepEqual(
          await store.changesSince(guild.generation, ['g2']),
          [...new Set([...other.added, ...deleted.removed])].sort((x, y) => x - y),
        );
        assert.deepEqual(await store.changesSince(0, []), []);
      });

      it('GIVEN the log pruned through a generation THEN readers behind it are told to rebuild, readers after it still catch up', async () => {
        await store.saveArticle(toSave('library', article('a', ['One.'])));
        const second = await store.saveArticle(toSave('library', article('b', ['Two.'])));
        const third = await store.saveArticle(toSave('library', article('c', ['Three.'])));
        await store.pruneChanges(second.generation);
        assert.equal(await store.changesSince(0), null);
        assert.deepEqual(await store.changesSince(second.generation), third.added);
      });

      it('GIVEN a write through another connection THEN this one sees its generation and changes', async () => {
        const other = await t.another();
        try {
          const written = await other.saveArticle(toSave('library', article('a', ['Written elsewhere.'])));
          assert.equal(await store.generation(), written.generation);
          assert.deepEqual(await store.changesSince(0), written.added);
          assert.equal((await store.findArticle('library', 'a'))?.title, 'Title a');
        } finally {
          await other.close();
        }
      });
    });

    describe('keyword search', () => {
      const texts = [
        'harbour crane repaired',
        'crane crane crane inspected',
        'ferry timetable harbour',
        'lighthouse keeper retired',
        'harbour harbour ferry',
      ];
      let ids: number[] = [];
      beforeEach(async () => {
        ids = [];
        for (const [i, text] of texts.entries()) {
          const extra = { date: `2024-05-0${i + 1}`, source: i % 2 === 0 ? 'Coastal Herald' : 'Wire: Reuters' };
          ids.push(
            ...(await store.saveArticle(toSave(i < 4 ? 'library' : 'g1', article(`k${i}`, [text], extra)))).added,
          );
        }
      });

      it("GIVEN tokens THEN passages holding any of them come back best first, with FTS5's BM25 as a higher-is-better score", async () => {
        const docs = texts.map((text) => text.split(' '));
        const hits = await store.keywordSearch(['crane', 'harbour'], { collections: ['library', 'g1'] }, 10);
        const expected = docs
          .map((doc, i) => ({ id: ids[i]!, score: bm25(['crane', 'harbour'], docs, doc) }))
          .filter((_, i) => docs[i]!.some((token) => token === 'crane' || token === 'harbour'));
        expected.sort((a, b) => b.score - a.score || a.id - b.id);
        assert.deepEqual(
          hits.map((h) => h.id),
          expected.map((h) => h.id),
        );
        for (const [i, hit] of hits.entries())
          assert.ok(Math.abs(hit.score - expected[i]!.score) < 1e-9, `${hit.score} vs ${expected[i]!.score}`);
        for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1]!.score >= hits[i]!.score);
      });

      it('GIVEN a scope THEN only its collections and filter are searched, and k caps the hits', async () => {
        assert.deepEqual(
          (await store.keywordSearch(['harbour'], { collections: ['g1'] }, 10)).map((h) => h.id),
          [ids[4]],
        );
        const bySource = await store.keywordSearch(
          ['harbour'],
          { collections: ['library', 'g1'], filter: { source: 'reuters' } },
          10,
        );
        assert.deepEqual(
          bySource.map((h) => h.id),
          [],
        );
        const byDate = await store.keywordSearch(
          ['harbour', 'crane'],
          { collections: ['library'], filter: { since: '2024-05-02', until: '2024-05-03' } },
          10,
        );
        assert.deepEqual(byDate.map((h) => h.id).sort(), [ids[1], ids[2]].sort());
        assert.equal(
          (await store.keywordSearch(['harbour', 'crane', 'ferry'], { collections: ['library', 'g1'] }, 2)).length,
          2,
        );
        assert.deepEqual(await store.keywordSearch([], { collections: ['library'] }, 10), []);
        assert.deepEqual(
          await store.keywordSearch(['"', 'or', 'NEAR('], { collections: ['library'] }, 10),
          [],
          'tokens are never read as query syntax',
        );
      });

      it('GIVEN tokens THEN the corpus statistics count every passage of the store and the passages holding each token', async () => {
        const stats = await store.corpusStats(['harbour', 'crane', 'absent']);
        assert.equal(stats.passages, 5);
        assert.equal(stats.documentFrequencies.get('harbour'), 3);
        assert.equal(stats.documentFrequencies.get('crane'), 2);
        assert.equal(stats.documentFrequencies.get('absent') ?? 0, 0);
      });

      it('GIVEN the terms rewritten by another analyzer version THEN keyword search matches the new terms, once per version', async () => {
        assert.equal(await store.reanalyze(7, (text) => text.split(' ').map((w) => `${w}x`)), 5);
        assert.equal(await store.reanalyze(7, () => []), 0);
        assert.deepEqual(
          (await store.keywordSearch(['lighthousex'], { collections: ['library'] }, 10)).map((h) => h.id),
          [ids[3]],
        );
        assert.deepEqual(await store.keywordSearch(['lighthouse'], { collections: ['library'] }, 10), []);
      });
    });

    describe('vectors and scoped ids', () => {
      it('GIVEN passages with and without vectors THEN the vector reads return exactly the stored ones', async () => {
        const a = await store.saveArticle(
          toSave('library', article('a', ['A one.', 'A two.'], { date: '2024-01-05T08:00' })),
        );
        const b = await store.saveArticle(toSave('g1', article('b', ['B one.'], { date: '2024-03-01' })));
        const keywordOnly = await store.saveArticle(toSave('library', article('c', ['C one.']), false));
        const all = [...a.added, ...b.added, ...keywordOnly.added];
        assert.deepEqual([...(await store.allPassageIds())].sort(), [...all].sort());
        assert.deepEqual(
          [...(await store.passageIds({ collections: ['library'] }))].sort(),
          [...a.added, ...keywordOnly.added].sort(),
        );
        assert.deepEqual(
          [...(await store.passageIds({ collections: ['library', 'g1'], filter: { until: '2024-01-05' } }))].sort(),
          [...a.added].sort(),
        );
        const vectors = await store.vectorsOf([...all, 999_999]);
        assert.deepEqual([...vectors.keys()].sort(), [...a.added, ...b.added].sort());
        assert.deepEqual(
          (await store.vectorsIn({ collections: ['g1'] })).map((v) => v.id),
          b.added,
        );
        const pages = [...(await store.vectorsAfter(0, 2)), ...(await store.vectorsAfter(a.added[1]!, 2))];
        assert.deepEqual(
          pages.map((v) => v.id),
          [...a.added, ...b.added],
        );
        assert.deepEqual(await store.vectorsAfter(b.added[0]!, 2), []);
      });
    });

    describe('articles', () => {
      beforeEach(async () => {
        await store.saveArticle(
          toSave(
            'library',
            article('old', ['Old one.'], { title: 'Harbour history', date: '2020-01-01', source: 'AP' }),
          ),
        );
        await store.saveArticle(
          toSave(
            'library',
            article('new', ['New one.', 'And two.'], { title: 'Ferry news', date: '2024-06-01', source: 'AAP' }),
          ),
        );
        await store.saveArticle(
          toSave('library', article('undated', ['Undated.'], { title: 'Almanac', date: null, source: 'AP' })),
        );
        await store.saveArticle(
          toSave('g1', article('guild', ['Guild one.'], { title: 'Guild notes', source: 'Japan Times' })),
        );
      });

      it('GIVEN articles THEN lists are newest first, searchable by title or id, paged, with passage counts', async () => {
        const listed = await store.listArticles('library');
        assert.deepEqual(
          listed.map((a) => [a.id, a.passages]),
          [
            ['new', 2],
            ['old', 1],
            ['undated', 1],
          ],
        );
        assert.deepEqual(
          (await store.listArticles(['library', 'g1'], { search: 'HARBOUR' })).map((a) => a.id),
          ['old'],
        );
        assert.deepEqual(
          (await store.listArticles(['library', 'g1'], { search: 'guil' })).map((a) => a.id),
          ['guild'],
        );
        assert.deepEqual(
          (await store.listArticles('library', { limit: 1, offset: 1 })).map((a) => a.id),
          ['old'],
        );
        assert.deepEqual(
          (await store.listArticles('library', { search: '100%_' })).map((a) => a.id),
          [],
          'LIKE wildcards are taken literally',
        );
        assert.equal(await store.countArticles(['library', 'g1']), 4);
        assert.equal(await store.countArticles('library', { filter: { since: '2021-01-01' } }), 1);
        assert.equal(await store.countAllArticles(), 4);
        assert.equal(await store.countPassages('library'), 4);
        assert.equal(await store.countPassages(['g1']), 1);
        const stored = (await store.findArticle('library', 'new'))!;
        assert.equal(await store.countPassagesOf(stored.rowid), 2);
        assert.equal(await store.findArticle('g1', 'new'), null);
      });

      it('GIVEN a source filter THEN part of a name matches any source holding it, and a name in full only that source', async () => {
        assert.deepEqual(
          (await store.listArticles(['library', 'g1'], { filter: { source: 'ap' } })).map((a) => a.id).sort(),
          ['guild', 'new', 'old', 'undated'],
        );
        assert.deepEqual(
          (await store.listArticles(['library', 'g1'], { filter: { source: 'ap', sourceExact: true } }))
            .map((a) => a.id)
            .sort(),
          ['old', 'undated'],
        );
      });

      it('GIVEN articles THEN sources are counted most first, collections listed, and a collection walked in stored order', async () => {
        assert.deepEqual(await store.listSources('library'), [
          { source: 'AP', articles: 2 },
          { source: 'AAP', articles: 1 },
        ]);
        assert.deepEqual(await store.listSources(['library', 'g1'], { search: 'times' }), [
          { source: 'Japan Times', articles: 1 },
        ]);
        assert.deepEqual(await store.listSources(['library'], { limit: 1 }), [{ source: 'AP', articles: 2 }]);
        assert.deepEqual((await store.listCollections()).sort(), ['g1', 'library']);
        const walked: string[] = [];
        for await (const stored of store.articlesOf('library')) walked.push(stored.id);
        assert.deepEqual(walked, ['old', 'new', 'undated']);
      });
    });

    describe('questions', () => {
      it('GIVEN questions logged and voted on THEN they list newest first with their votes, and one vote per user counts', async () => {
        const first = await store.logQuestion('g1', 'How many were detained?', true);
        const second = await store.logQuestion('g1', 'banana bread recipe', false, {
          since: '2024-01-01',
          source: 'AP',
        });
        const elsewhere = await store.logQuestion('g2', 'other server', false);
        assert.ok(first < second && second < elsewhere);
        assert.deepEqual(await store.question(second), {
          question: 'banana bread recipe',
          collection: 'g1',
          filter: { since: '2024-01-01', source: 'AP' },
        });
        assert.equal(await store.question(999_999), null);
        await store.recordFeedback(first, 'u1', 'down');
        await store.recordFeedback(first, 'u1', 'up');
        await store.recordFeedback(first, 'u2', 'down');
        const listed = await store.listQuestions('g1', { limit: 10 });
        assert.deepEqual(
          listed.map((q) => [q.id, q.answered, q.up, q.down]),
          [
            [second, false, 0, 0],
            [first, true, 1, 1],
          ],
        );
        assert.deepEqual(
          (await store.listQuestions(undefined, { limit: 10 })).map((q) => q.id),
          [elsewhere, second, first],
        );
        assert.deepEqual(
          (await store.listQuestions('g1', { limit: 10, unanswered: true })).map((q) => q.id),
          [second],
        );
        assert.deepEqual(
          (await store.listQuestions('g1', { limit: 10, downvoted: true })).map((q) => q.id),
          [first],
        );
        assert.deepEqual(
          (await store.listQuestions('g1', { limit: 10, beforeId: second })).map((q) => q.id),
          [first],
        );
        assert.deepEqual(
          (await store.listQuestions('g1', { limit: 1 })).map((q) => q.id),
          [second],
        );
      });

      it('GIVEN the same question asked in other spellings THEN stats group it under its latest wording', async () => {
        await store.logQuestion('g1', 'walnut cake recipe', false);
        await store.logQuestion('g1', '  Walnut CAKE recipe ', true);
        const downvoted = await store.logQuestion('g1', 'how many were detained?', true);
        await store.recordFeedback(downvoted, 'u1', 'down');
        await store.logQuestion('g2', 'walnut cake recipe', false);
        const stats = await store.questionStats('g1');
        assert.equal(stats.asked, 3);
        assert.deepEqual(stats.mostAsked, [{ question: '  Walnut CAKE recipe ', times: 2, answered: 1 }]);
        assert.deepEqual(
          stats.unanswered.map((u) => u.question),
          ['walnut cake recipe'],
        );
        assert.deepEqual(
          stats.downvoted.map((d) => [d.question, d.down]),
          [['how many were detained?', 1]],
        );
        assert.deepEqual([stats.up, stats.down], [0, 1]);
        assert.equal((await store.questionStats()).asked, 4);
      });
    });
  });
}
