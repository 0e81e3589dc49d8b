/**
 * Removing articles after the passage rowids were handed out again. SQLite reuses the
 * rowids of deleted rows at the end of the table, and those rowids are the HNSW labels:
 * an index that lost track of a reused label threw "Hnswlib Error: Label not found" from
 * removeArticle (first seen in an evaluation script that emptied and refilled a
 * collection, reading the store through a second connection in between).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openSqliteStore } from '../helpers/sqlite-store.ts';
import { LIBRARY_COLLECTION, type Article } from '../../src/types.ts';
import { openTestEngine, type TestEngine } from '../helpers/engine.ts';

const WORDS = [
  'harbour',
  'crane',
  'tide',
  'cargo',
  'ferry',
  'island',
  'lantern',
  'council',
  'budget',
  'orchard',
  'glacier',
  'festival',
  'railway',
  'bridge',
  'museum',
  'quarry',
  'vineyard',
  'archive',
  'meadow',
  'foundry',
  'observatory',
  'canal',
  'mill',
  'beacon',
];

/** An article of `count` distinct one-passage paragraphs. */
function article(id: string, count: number): Article {
  const paragraphs = Array.from({ length: count }, (_, i) => {
    const a = WORDS[(i * 7 + id.length) % WORDS.length]!;
    const b = WORDS[(i * 5 + 3 * id.length + 1) % WORDS.length]!;
    return `Paragraph ${i} of ${id} reports that the ${a} near the ${b} reopened after ${i + 2} weeks of repairs.`;
  });
  return { id, title: `Report ${id}`, date: '2024-05-01', source: 'Test Wire', section: null, url: null, paragraphs };
}

/** Passage ids and texts of a collection, read the way the evaluation script did: a second connection. */
async function readPassages(
  dataDir: string,
  collection: string,
): Promise<{ rowid: number; text: string; article: string }[]> {
  const store = openSqliteStore(dataDir);
  try {
    const ids = [...(await store.passageIds({ collections: [collection] }))].sort((a, b) => a - b);
    const rows = await store.candidates(ids);
    return ids.map((id) => ({ rowid: id, text: rows.get(id)!.passage.text, article: rows.get(id)!.article.id }));
  } finally {
    await store.close();
  }
}

/** The index holds exactly the store's passages, and dense search finds each one by its own text. */
async function assertIndexMatchesStore(t: TestEngine, collection: string): Promise<void> {
  assert.equal(
    (await t.engine.stats()).indexSize,
    (await t.engine.stats()).passages,
    'index size differs from the number of stored passages',
  );
  for (const passage of await readPassages(t.dataDir, collection)) {
    const result = await t.engine.internals.retrieve(passage.text, { collections: [collection], k: 1, mode: 'dense' });
    assert.equal(result.hits[0]?.passage.text, passage.text, `dense search does not find passage ${passage.rowid}`);
  }
}

async function removeAll(t: TestEngine, collection: string): Promise<number> {
  let removed = 0;
  for (const a of await t.engine.listArticles(collection, { limit: 100000 })) {
    assert.equal((await t.engine.removeArticle(collection, a.id))?.id, a.id);
    removed++;
  }
  return removed;
}

interface IndexInternals {
  loadedAs: string;
  rebuildReason: string | null;
  deletedSlots: number;
  /** What the index is doing: 'ready', 'writing', 'compacting'… */
  phase: { kind: string };
  /** The partitioned graph: a label's hnswlib index, to damage it the way an out-of-sync index would be. */
  graph: { partOf: (label: number) => { index: { markDelete: (label: number) => void } }; slots: number };
}

function vectorsOf(t: TestEngine): IndexInternals {
  return t.engine.internals.vectors() as unknown as IndexInternals;
}

/** Runs `body` on a fresh test engine of its own. */
async function withEngine(body: (t: TestEngine) => Promise<void>): Promise<void> {
  const t = await openTestEngine();
  try {
    await body(t);
  } finally {
    await t.cleanup();
  }
}

describe('removing articles whose passage rowids were reused', () => {
  it('GIVEN a collection emptied and refilled several times, with reads in between, THEN every removal succeeds and the index matches the store', () =>
    withEngine(async (t) => {
      const embed = t.engine.internals.embedder();
      assert.ok(embed, 'the test engine should have an embedding model');
      const sets = [
        [article('a1', 12), article('a2', 5)],
        [article('b1', 9), article('b2', 3)],
        [article('c1', 7), article('c2', 11), article('c3', 2)],
        [article('d1', 4)],
        [],
      ];
      let previous = 0;
      for (const [round, set] of sets.entries()) {
        await t.engine.ingest([], 'eval');
        assert.equal(await removeAll(t, 'eval'), previous, `round ${round}: removed a different number of articles`);
        assert.equal((await t.engine.stats('eval')).passages, 0);
        assert.equal((await t.engine.stats()).indexSize, 0, `round ${round}: the index still holds removed passages`);
        await t.engine.ingest(set, 'eval');
        const passages = await readPassages(t.dataDir, 'eval');
        if (set.length > 0)
          assert.equal(passages[0]!.rowid, 1, 'SQLite should have reused the rowids (the case under test)');
        await embed(passages.map((p) => `what happened to ${p.article}?`));
        await assertIndexMatchesStore(t, 'eval');
        previous = set.length;
      }
    }));

  it('GIVEN the newest article is edited again and again THEN each edit and the final removal succeed', () =>
    withEngine(async (t) => {
      for (const [i, count] of [6, 5, 8, 3, 7, 2].entries()) {
        const edited = { ...article('newest', count), title: `Newest, edit ${i}` };
        const [outcome] = await t.engine.ingest([edited], LIBRARY_COLLECTION);
        assert.equal(outcome!.status, i === 0 ? 'added' : 'updated');
        await assertIndexMatchesStore(t, LIBRARY_COLLECTION);
      }
      assert.equal((await t.engine.removeArticle(LIBRARY_COLLECTION, 'newest'))?.id, 'newest');
      assert.equal((await t.engine.stats()).indexSize, (await t.engine.stats()).passages);
    }));
});

describe('the vector index after reused rowids, reopened and damaged', () => {
  it('GIVEN churn with reused rowids and a reopened engine THEN the saved index is loaded as is, agrees with the store and removals succeed', async () => {
    const first = await openTestEngine();
    let second: TestEngine | null = null;
    try {
      for (const count of [10, 6, 9]) {
        await removeAll(first, 'eval');
        await first.engine.ingest([article('x', count), article('y', 4)], 'eval');
      }
      await first.engine.close();
      second = await openTestEngine({ dataDir: first.dataDir });
      assert.equal(vectorsOf(second).loadedAs, 'loaded');
      await assertIndexMatchesStore(second, 'eval');
      assert.equal(await removeAll(second, 'eval'), 2);
      await second.engine.ingest([article('z', 8)], 'eval');
      await assertIndexMatchesStore(second, 'eval');
      assert.equal(await removeAll(second, 'eval'), 1);
      assert.equal((await second.engine.stats()).indexSize, 0);
    } finally {
      await second?.cleanup();
      await first.cleanup();
    }
  });

  it('GIVEN an index that disagrees with its live set THEN removing the article repairs the index from the store instead of throwing', () =>
    withEngine(async (t) => {
      await t.engine.ingest([article('kept', 3), article('doomed', 4)], 'eval');
      const doomed = (await readPassages(t.dataDir, 'eval')).filter((p) => p.article === 'doomed');
      // Out of sync: hnswlib already has the label deleted while the live set still counts it.
      vectorsOf(t).graph.partOf(doomed[1]!.rowid).index.markDelete(doomed[1]!.rowid);
      assert.equal((await t.engine.removeArticle('eval', 'doomed'))?.id, 'doomed');
      assert.equal(await t.engine.countArticles('eval'), 1);
      assert.match(vectorsOf(t).rebuildReason ?? '', /out of sync with the store: .*already deleted/);
      assert.equal(vectorsOf(t).deletedSlots, 0);
      await assertIndexMatchesStore(t, 'eval');
      // And the repaired index keeps working.
      await t.engine.ingest([article('later', 5)], 'eval');
      assert.equal((await t.engine.removeArticle('eval', 'kept'))?.id, 'kept');
      await assertIndexMatchesStore(t, 'eval');
    }));

  it('GIVEN deleted passages that come to outnumber live ones THEN the index is compacted and still agrees with the store', () =>
    withEngine(async (t) => {
      // 'big' is not at the end of the table once 'tail' is in, so its rowids are not reused.
      await t.engine.ingest([article('big', 1100)], 'eval');
      await t.engine.ingest([article('tail', 3)], 'eval');
      assert.equal(vectorsOf(t).graph.slots, 1103);
      const tail = (await readPassages(t.dataDir, 'eval')).filter((p) => p.article === 'tail');
      // The removal starts the compaction (in slices); a search and an ingest come meanwhile.
      const removing = t.engine.removeArticle('eval', 'big');
      // The store is async: the removal commits, and starts the compaction, a few turns later.
      for (let turn = 0; vectorsOf(t).phase.kind === 'ready' && turn < 1000; turn++)
        await new Promise((resolve) => setImmediate(resolve));
      assert.notEqual(
        vectorsOf(t).phase.kind,
        'ready',
        'the compaction (or the snapshot before it) should be under way once the removal is committed',
      );
      const searching = t.engine.internals.retrieve(tail[1]!.text, { collections: ['eval'], k: 1, mode: 'dense' });
      const adding = t.engine.ingest([article('late', 4)], 'eval');
      const [removed, found] = await Promise.all([removing, searching, adding]);
      assert.equal(removed?.id, 'big');
      assert.equal(found.hits[0]?.passage.text, tail[1]!.text);
      assert.equal(vectorsOf(t).deletedSlots, 0);
      assert.equal(vectorsOf(t).graph.slots, 7);
      await assertIndexMatchesStore(t, 'eval');
    }));

  it('GIVEN ingests and removals that overlap while the index file is written THEN every change is kept and the saved file is loaded as is on reopen', async () => {
    const first = await openTestEngine();
    let second: TestEngine | null = null;
    try {
      await first.engine.ingest([article('a', 30), article('b', 20), article('c', 25)], 'eval');
      await Promise.all([
        first.engine.ingest([article('d', 40)], 'eval'),
        first.engine.removeArticle('eval', 'b'),
        first.engine.ingest([article('e', 15), article('a', 12)], 'eval'),
        first.engine.removeArticle('eval', 'c'),
        first.engine.ingest([article('f', 9)], 'eval'),
      ]);
      assert.deepEqual((await first.engine.listArticles('eval')).map((a) => a.id).sort(), ['a', 'd', 'e', 'f']);
      await assertIndexMatchesStore(first, 'eval');
      await first.engine.close();
      second = await openTestEngine({ dataDir: first.dataDir });
      assert.equal(vectorsOf(second).loadedAs, 'loaded', `rebuilt because ${vectorsOf(second).rebuildReason}`);
      await assertIndexMatchesStore(second, 'eval');
    } finally {
      await second?.cleanup();
      await first.cleanup();
    }
  });

  it('GIVEN an index file of the older format (which could hold a label twice) THEN it is rebuilt on open', async () => {
    const first = await openTestEngine();
    let second: TestEngine | null = null;
    try {
      await first.engine.ingest([article('old', 4)], 'eval');
      await first.engine.close();
      const manifestFile = join(first.dataDir, 'index.json');
      writeFileSync(manifestFile, JSON.stringify({ ...JSON.parse(readFileSync(manifestFile, 'utf8')), version: 1 }));
      second = await openTestEngine({ dataDir: first.dataDir });
      assert.equal(vectorsOf(second).loadedAs, 'rebuilt');
      assert.equal(vectorsOf(second).rebuildReason, 'it was written in an older format');
      await assertIndexMatchesStore(second, 'eval');
    } finally {
      await second?.cleanup();
      await first.cleanup();
    }
  });
});
