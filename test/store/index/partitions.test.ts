/**
 * The vector index in partitions: a rebuild on every core (one worker thread per partition, real
 * hnswlib in each), searched together; its snapshot is one file per partition, and the one-graph
 * files of manifest version 2 still load.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_INDEX_SETTINGS, type IndexSettings } from '../../../src/store/index/settings.ts';
import { VectorIndex } from '../../../src/store/index/vector-index.ts';
import type { SqliteStore } from '../../../src/store/sqlite/store.ts';
import { openSqliteStore } from '../../helpers/sqlite-store.ts';
import { articleToSave, simpleArticle } from '../../helpers/store-articles.ts';

const DIM = 16;
const ARTICLES = 120;
const PARAGRAPHS = 10;
const MODEL = 'test-partitions';
/** Small graphs and a low threshold, so that the workers build a test-sized library quickly. */
const SETTINGS: IndexSettings = {
  ...DEFAULT_INDEX_SETTINGS,
  m: 8,
  efConstruction: 64,
  efSearch: 64,
  parallelFrom: 100,
};

async function exactTop(store: SqliteStore, query: Float32Array, k: number): Promise<number[]> {
  const scored: { id: number; score: number }[] = [];
  for (const { id, vector } of await store.vectorsAfter(0, 1_000_000)) {
    let dot = 0;
    let norm = 0;
    for (let d = 0; d < DIM; d++) {
      dot += query[d]! * vector[d]!;
      norm += vector[d]! * vector[d]!;
    }
    scored.push({ id, score: dot / Math.sqrt(norm) });
  }
  return scored
    .sort((a, b) => b.score - a.score)
    .slice(0, k)
    .map((s) => s.id);
}

describe('the vector index in partitions', () => {
  let dataDir: string;
  let store: SqliteStore;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'citebot-partitions-'));
    store = openSqliteStore(dataDir);
    const paragraphs = Array.from({ length: PARAGRAPHS }, (_, i) => `Paragraph ${i} of a report.`);
    await store.saveArticles(
      Array.from({ length: ARTICLES }, (_, a) =>
        articleToSave('library', simpleArticle(`r${a}`, paragraphs), { dim: DIM, seed: a + 1 }),
      ),
    );
  });

  after(async () => {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('GIVEN 1,200 stored passages WHEN the index is rebuilt in 2 partitions THEN workers build both, every passage is indexed once, and searches match exact search', async () => {
    VectorIndex.remove(dataDir);
    const index = await VectorIndex.open(dataDir, store, MODEL, DIM, { settings: { ...SETTINGS, partitions: 2 } });
    try {
      assert.equal(index.loadedAs, 'built');
      assert.equal(index.size, ARTICLES * PARAGRAPHS);
      assert.ok(existsSync(join(dataDir, 'index.hnsw')) && existsSync(join(dataDir, 'index.1.hnsw')));
      const manifest = JSON.parse(readFileSync(join(dataDir, 'index.json'), 'utf8')) as {
        version: number;
        partitions: number;
        sha256: string[];
      };
      assert.equal(manifest.version, 3);
      assert.equal(manifest.partitions, 2);
      assert.equal(manifest.sha256.length, 2);
      const all = await store.allPassageIds();
      let found = 0;
      const sample = (await store.vectorsAfter(0, 1_000_000)).filter((_, i) => i % 60 === 0);
      for (const { id, vector } of sample) {
        const hits = index.search(vector, 10, all);
        // A stored vector's own passage is its nearest, whichever partition holds it.
        assert.equal(hits[0]?.rowid, id);
        const exact = new Set(await exactTop(store, vector, 10));
        found += hits.filter((h) => exact.has(h.rowid)).length;
        assert.ok(
          hits.every((h, i) => i === 0 || hits[i - 1]!.similarity >= h.similarity),
          'hits are best first',
        );
      }
      assert.ok(found / (sample.length * 10) >= 0.95, `recall@10 ${found / (sample.length * 10)} against exact search`);
      // A filter keeps to its passages in both partitions.
      const odd = new Set([...all].filter((id) => id % 2 === 1).slice(0, 50));
      const filtered = index.search(sample[0]!.vector, 10, odd);
      assert.equal(filtered.length, 10);
      assert.ok(filtered.every((h) => odd.has(h.rowid)));
    } finally {
      await index.close(store);
    }
  });

  it('GIVEN a saved index of 2 partitions WHEN opened with another partition count THEN it is loaded as saved, not rebuilt', async () => {
    const index = await VectorIndex.open(dataDir, store, MODEL, DIM, { settings: { ...SETTINGS, partitions: 3 } });
    try {
      assert.equal(index.loadedAs, 'loaded');
      assert.equal(index.size, ARTICLES * PARAGRAPHS);
      assert.ok(!existsSync(join(dataDir, 'index.2.hnsw')));
    } finally {
      await index.close(store);
    }
  });

  it('GIVEN a one-graph index of manifest version 2 THEN it is loaded as one partition; a damaged partition file is caught by its checksum and rebuilt', async () => {
    VectorIndex.remove(dataDir);
    const one = await VectorIndex.open(dataDir, store, MODEL, DIM, { settings: { ...SETTINGS, partitions: 1 } });
    await one.close(store);
    const manifestFile = join(dataDir, 'index.json');
    const { partitions, sha256, ...rest } = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<
      string,
      unknown
    > & {
      partitions: number;
      sha256: string[];
    };
    assert.equal(partitions, 1);
    writeFileSync(manifestFile, JSON.stringify({ ...rest, version: 2, sha256: sha256[0] }));
    const loaded = await VectorIndex.open(dataDir, store, MODEL, DIM, { settings: { ...SETTINGS, partitions: 2 } });
    try {
      assert.equal(loaded.loadedAs, 'loaded', `rebuilt because ${loaded.rebuildReason}`);
      assert.equal(loaded.size, ARTICLES * PARAGRAPHS);
    } finally {
      await loaded.close(store);
    }
    // Damage one partition's file: the checksum catches it, and the rebuild replaces both.
    writeFileSync(join(dataDir, 'index.hnsw'), 'not an index');
    const rebuilt = await VectorIndex.open(dataDir, store, MODEL, DIM, { settings: { ...SETTINGS, partitions: 2 } });
    try {
      assert.equal(rebuilt.loadedAs, 'rebuilt');
      assert.equal(rebuilt.rebuildReason, 'the file is damaged (its checksum does not match)');
      assert.equal(rebuilt.size, ARTICLES * PARAGRAPHS);
    } finally {
      await rebuilt.close(store);
    }
  });
  it('GIVEN half the passages removed WHEN the index is compacted THEN the workers rebuild it without their slots, and searches find only live passages', async () => {
    const index = await VectorIndex.open(dataDir, store, MODEL, DIM, { settings: { ...SETTINGS, partitions: 2 } });
    try {
      for (let a = 0; a < ARTICLES / 2; a++) {
        const removed = await store.deleteArticle('library', `r${a}`);
        assert.ok(removed);
        assert.equal(
          await index.update(store, { generation: removed.generation, removed: removed.removed, added: [] }),
          null,
        );
      }
      const live = (ARTICLES / 2) * PARAGRAPHS;
      assert.equal(index.size, live);
      assert.equal(index.deletedSlots, live);
      await index.compact(store);
      assert.equal(index.deletedSlots, 0);
      assert.equal(index.size, live);
      const all = await store.allPassageIds();
      const [{ id, vector }] = await store.vectorsAfter(0, 1);
      const hits = index.search(vector, 10, all);
      assert.equal(hits[0]?.rowid, id);
      assert.ok(hits.every((h) => all.has(h.rowid)));
    } finally {
      await index.close(store);
    }
  });
});
