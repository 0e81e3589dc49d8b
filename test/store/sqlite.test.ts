/** The store and feed store contract suites on the SQLite backend, and what is SQLite's own: its schema upgrades. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SqliteFeedStore } from '../../src/store/sqlite/feeds.ts';
import { SCHEMA_VERSION } from '../../src/store/sqlite/schema.ts';
import { SqliteStore } from '../../src/store/sqlite/store.ts';
import { downgradeStore, schemaVersionOf } from '../helpers/sqlite-store.ts';
import { storeContract } from './contract.ts';
import { feedStoreContract } from './feed-contract.ts';

storeContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'citebot-store-'));
  const file = join(dir, 'citebot.db');
  const store = SqliteStore.open(file);
  return {
    store,
    another: async () => SqliteStore.open(file),
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

feedStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'citebot-feeds-'));
  const file = join(dir, 'citebot.db');
  const store = SqliteFeedStore.open(file);
  return {
    store,
    another: async () => SqliteFeedStore.open(file),
    cleanup: async () => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('sqlite schema upgrades', () => {
  it('GIVEN a schema-4 store, whose change log names no collection THEN it is upgraded and its old changes count for every collection', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'citebot-store-'));
    try {
      const first = SqliteStore.open(join(dir, 'citebot.db'));
      const text = {
        position: 0,
        paragraphStart: 0,
        paragraphEnd: 0,
        charStart: 0,
        charEnd: 5,
        text: 'Gulls',
        terms: ['gull'],
        vector: null,
      };
      const old = await first.saveArticle({
        collection: 'g1',
        article: { id: 'a', title: 'A', date: null, source: null, section: null, url: null, paragraphs: ['Gulls'] },
        body: 'Gulls',
        contentHash: 'h',
        passages: [text],
      });
      await first.close();
      downgradeStore(dir, 4);
      const upgraded = SqliteStore.open(join(dir, 'citebot.db'));
      try {
        assert.equal(schemaVersionOf(dir), SCHEMA_VERSION);
        assert.deepEqual(
          await upgraded.changesSince(0, ['g2']),
          old.added,
          'an unattributed change is every collection’s',
        );
        const fresh = await upgraded.saveArticle({
          collection: 'g1',
          article: { id: 'b', title: 'B', date: null, source: null, section: null, url: null, paragraphs: ['Gulls'] },
          body: 'Gulls',
          contentHash: 'h',
          passages: [text],
        });
        assert.deepEqual(await upgraded.changesSince(old.generation, ['g2']), []);
        assert.deepEqual(await upgraded.changesSince(old.generation, ['g1']), fresh.added);
      } finally {
        await upgraded.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
