/**
 * A large article (thousands of passages) is stored and indexed without holding the bot's event
 * loop: its vectors enter the HNSW index in slices with turns of the event loop between them
 * (hnswlib's inserts of a 4,500-passage article took 0.6 s at once on a quiet machine, seconds on
 * a loaded one), and the ingest resolves only once every passage is searchable by meaning.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LIBRARY_COLLECTION, type Article } from '../../src/types.ts';
import { openTestEngine, type TestEngine } from '../helpers/engine.ts';

const PASSAGES = 1_200;

function ledger(version: number): Article {
  return {
    id: 'ledger',
    title: 'The harbour ledger',
    date: '2024-05-01',
    source: 'Test Wire',
    section: null,
    url: null,
    paragraphs: Array.from(
      { length: PASSAGES },
      (_, i) => `Ledger entry ${i} version ${version}: berth ${i % 97} moved ${(i * 37) % 1000} containers of grain.`,
    ),
  };
}

describe('ingesting a large article', () => {
  let t: TestEngine;
  before(async () => {
    t = await openTestEngine();
  });
  after(() => t.cleanup());

  for (const [version, status] of [
    [0, 'added'],
    [1, 'updated'],
  ] as const) {
    it(`GIVEN a ${PASSAGES}-passage article (${status}) THEN the index grows across turns of the event loop, and holds all of it once the ingest resolves`, async () => {
      const sizes = new Set<number>();
      let polling = true;
      const poll = (async () => {
        while (polling) {
          sizes.add((await t.engine.stats()).indexSize);
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      const [outcome] = await t.engine.ingest([ledger(version)], LIBRARY_COLLECTION);
      polling = false;
      await poll;
      assert.equal(outcome!.status, status);
      assert.equal(outcome!.passages, PASSAGES);
      assert.equal((await t.engine.stats()).indexSize, PASSAGES);
      // Seen part-way: neither empty (or holding the old version only) nor complete.
      const partial = [...sizes].filter((n) => n > 0 && n < PASSAGES);
      assert.ok(partial.length >= 3, `the index was seen at sizes ${[...sizes].sort((a, b) => a - b).join(', ')}`);

      const entry = `Ledger entry 1187 version ${version}: berth ${1187 % 97} moved ${(1187 * 37) % 1000} containers of grain.`;
      const dense = await t.engine.internals.retrieve(entry, {
        collections: [LIBRARY_COLLECTION],
        k: 1,
        mode: 'dense',
      });
      assert.equal(dense.hits[0]?.passage.text, entry);
    });
  }
});
