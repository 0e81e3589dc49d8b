/**
 * The feed store contract (FeedStore in src/store/store-api.ts): followed feeds, their validators
 * and health, and the items seen in them, run against each backend (test/store/sqlite.test.ts,
 * test/store/postgres.test.ts). Only the contract is used here, never a backend's own SQL.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { OpenFeedStore } from '../../src/store/feed-store.ts';
import type { NewFeed } from '../../src/store/store-api.ts';

export interface FeedStoreUnderTest {
  store: OpenFeedStore;
  /** Another connection to the same store, as another process (a second shard, the CLI) would open. */
  another(): Promise<OpenFeedStore>;
  cleanup(): Promise<void>;
}

const feed = (url: string, extra: Partial<NewFeed> = {}): NewFeed => ({
  url,
  collection: 'library',
  sourceName: null,
  everyMs: 900_000,
  announceChannel: null,
  ...extra,
});

export function feedStoreContract(backend: string, factory: () => Promise<FeedStoreUnderTest>): void {
  describe(`feed store contract: ${backend}`, () => {
    let t: FeedStoreUnderTest;
    beforeEach(async () => {
      t = await factory();
    });
    afterEach(async () => t.cleanup());

    it('GIVEN a new feed THEN it is stored due at once, with no validators, no failures and no items', async () => {
      const before = Date.now();
      const added = await t.store.addFeed(
        feed('https://news.example/rss', { sourceName: 'Example News', everyMs: 600_000, announceChannel: '42' }),
      );
      assert.ok(added.id > 0);
      assert.deepEqual(
        { ...added, id: 0, addedAt: '', nextPollAt: '' },
        {
          id: 0,
          url: 'https://news.example/rss',
          collection: 'library',
          sourceName: 'Example News',
          title: null,
          everyMs: 600_000,
          announceChannel: '42',
          addedAt: '',
          etag: null,
          lastModified: null,
          nextPollAt: '',
          failures: 0,
          lastSuccessAt: null,
          lastError: null,
          lastErrorAt: null,
          items: 0,
        },
      );
      assert.ok(Date.parse(added.addedAt) >= before - 1000, added.addedAt);
      assert.equal(added.nextPollAt, added.addedAt, 'the first poll is due at once');
      assert.deepEqual(await t.store.feed(added.id), added);
      assert.equal(await t.store.feed(added.id + 1000), null);
    });

    it('GIVEN a URL the collection already follows THEN addFeed throws already_exists naming the feed, and another collection may follow it', async () => {
      const first = await t.store.addFeed(feed('https://news.example/rss'));
      await assert.rejects(t.store.addFeed(feed('https://news.example/rss')), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'already_exists');
        assert.match(error.message, new RegExp(`already followed here \\(feed ${first.id}\\)`));
        return true;
      });
      const elsewhere = await t.store.addFeed(feed('https://news.example/rss', { collection: '123456789012345678' }));
      assert.notEqual(elsewhere.id, first.id);
      assert.equal((await t.store.listFeeds()).length, 2);
    });

    it('GIVEN feeds in two collections THEN listFeeds gives all oldest first, or one collection’s', async () => {
      const a = await t.store.addFeed(feed('https://a.example/rss'));
      const b = await t.store.addFeed(feed('https://b.example/rss', { collection: 'g1' }));
      const c = await t.store.addFeed(feed('https://c.example/rss'));
      assert.deepEqual(
        (await t.store.listFeeds()).map((f) => f.id),
        [a.id, b.id, c.id],
      );
      assert.deepEqual(
        (await t.store.listFeeds('library')).map((f) => f.url),
        ['https://a.example/rss', 'https://c.example/rss'],
      );
      assert.deepEqual(await t.store.listFeeds('nobody'), []);
    });

    it('GIVEN polls THEN success keeps the validators and title and resets failures, failure counts up and keeps them', async () => {
      const { id } = await t.store.addFeed(feed('https://news.example/rss'));
      await t.store.recordPoll(id, {
        nextPollAt: '2026-12-03T20:00:00.000Z',
        etag: '"v1"',
        lastModified: 'Thu, 03 Dec 2026 19:00:00 GMT',
        title: 'Example News',
        succeededAt: '2026-12-03T19:45:00.000Z',
        itemsAdded: 3,
      });
      await t.store.recordPoll(id, { nextPollAt: '2026-12-03T20:15:00.000Z', error: 'HTTP 503' });
      await t.store.recordPoll(id, { nextPollAt: '2026-12-03T20:45:00.000Z', error: 'HTTP 502', title: null });
      let stored = (await t.store.feed(id))!;
      assert.equal(stored.failures, 2);
      assert.equal(stored.lastError, 'HTTP 502');
      assert.ok(stored.lastErrorAt && Date.parse(stored.lastErrorAt) > 0);
      assert.deepEqual(
        [stored.etag, stored.lastModified, stored.title],
        ['"v1"', 'Thu, 03 Dec 2026 19:00:00 GMT', 'Example News'],
      );
      assert.equal(stored.nextPollAt, '2026-12-03T20:45:00.000Z');
      assert.equal(stored.items, 3);

      await t.store.recordPoll(id, {
        nextPollAt: '2026-12-03T21:00:00.000Z',
        etag: null,
        lastModified: 'Thu, 03 Dec 2026 20:50:00 GMT',
        succeededAt: '2026-12-03T20:50:00.000Z',
        itemsAdded: 2,
      });
      stored = (await t.store.feed(id))!;
      assert.equal(stored.failures, 0, 'a success ends the run of failures');
      assert.equal(stored.etag, null, 'a server that stopped sending an ETag: the old one is dropped');
      assert.equal(stored.lastModified, 'Thu, 03 Dec 2026 20:50:00 GMT');
      assert.equal(stored.lastSuccessAt, '2026-12-03T20:50:00.000Z');
      assert.equal(stored.items, 5);
      assert.equal(stored.lastError, 'HTTP 502', 'the last error stays visible for the health report');
    });

    it('GIVEN items marked seen, some twice THEN seenItems gives the latest of each, per feed', async () => {
      const one = await t.store.addFeed(feed('https://one.example/rss'));
      const two = await t.store.addFeed(feed('https://two.example/rss'));
      assert.deepEqual(await t.store.seenItems(one.id), new Map());
      await t.store.markSeen(one.id, [
        { key: 'guid-1', articleId: 'a1', updated: null, hash: 'h1' },
        { key: 'guid-2', articleId: 'a2', updated: '2026-12-01', hash: 'h2' },
      ]);
      await t.store.markSeen(one.id, [
        { key: 'guid-2', articleId: 'a2', updated: '2026-12-02', hash: 'h2b' },
        { key: 'guid-3', articleId: 'a3', updated: null, hash: 'h3' },
        { key: 'guid-3', articleId: 'a3', updated: '2026-12-03', hash: 'h3b' },
      ]);
      await t.store.markSeen(two.id, [{ key: 'guid-1', articleId: 'b1', updated: null, hash: 'x' }]);
      await t.store.markSeen(two.id, []);
      const seen = await t.store.seenItems(one.id);
      assert.deepEqual(
        [...seen.values()].sort((a, b) => a.key.localeCompare(b.key)),
        [
          { key: 'guid-1', articleId: 'a1', updated: null, hash: 'h1' },
          { key: 'guid-2', articleId: 'a2', updated: '2026-12-02', hash: 'h2b' },
          { key: 'guid-3', articleId: 'a3', updated: '2026-12-03', hash: 'h3b' },
        ],
      );
      assert.deepEqual([...(await t.store.seenItems(two.id)).keys()], ['guid-1']);
    });

    it('GIVEN articles from feeds THEN feedsOfArticles names each one’s feed within the collection only', async () => {
      const here = await t.store.addFeed(feed('https://here.example/rss'));
      const there = await t.store.addFeed(feed('https://there.example/rss', { collection: 'g1' }));
      await t.store.markSeen(here.id, [{ key: 'k1', articleId: 'shared-id', updated: null, hash: 'h' }]);
      await t.store.markSeen(there.id, [
        { key: 'k1', articleId: 'shared-id', updated: null, hash: 'h' },
        { key: 'k2', articleId: 'only-there', updated: null, hash: 'h' },
      ]);
      const found = await t.store.feedsOfArticles('library', ['shared-id', 'only-there', 'typed-in']);
      assert.deepEqual([...found.keys()], ['shared-id']);
      assert.equal(found.get('shared-id')!.id, here.id);
      assert.equal(found.get('shared-id')!.url, 'https://here.example/rss');
      assert.deepEqual(await t.store.feedsOfArticles('library', []), new Map());
      assert.deepEqual([...(await t.store.feedsOfArticles('g1', ['only-there'])).keys()], ['only-there']);
    });

    it('GIVEN a feed removed THEN it is gone with its seen items, and removing it again says it was not there', async () => {
      const gone = await t.store.addFeed(feed('https://gone.example/rss'));
      const kept = await t.store.addFeed(feed('https://kept.example/rss'));
      await t.store.markSeen(gone.id, [{ key: 'k', articleId: 'a', updated: null, hash: 'h' }]);
      assert.equal(await t.store.removeFeed(gone.id), true);
      assert.equal(await t.store.removeFeed(gone.id), false);
      assert.equal(await t.store.feed(gone.id), null);
      assert.deepEqual(await t.store.seenItems(gone.id), new Map());
      assert.deepEqual(await t.store.feedsOfArticles('library', ['a']), new Map());
      assert.deepEqual(
        (await t.store.listFeeds()).map((f) => f.id),
        [kept.id],
      );
    });

    it('GIVEN two processes THEN a feed one adds and polls is seen by the other, and adding the same URL at once makes one feed', async () => {
      const other = await t.another();
      try {
        const added = await t.store.addFeed(feed('https://shared.example/rss'));
        await t.store.recordPoll(added.id, {
          nextPollAt: '2026-12-03T22:00:00.000Z',
          etag: '"e"',
          succeededAt: '2026-12-03T21:00:00.000Z',
        });
        await t.store.markSeen(added.id, [{ key: 'k', articleId: 'a', updated: null, hash: 'h' }]);
        const seenThere = await other.feed(added.id);
        assert.equal(seenThere?.etag, '"e"');
        assert.deepEqual([...(await other.seenItems(added.id)).keys()], ['k']);

        const results = await Promise.allSettled([
          t.store.addFeed(feed('https://race.example/rss')),
          other.addFeed(feed('https://race.example/rss')),
        ]);
        assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
        const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        assert.equal((refused.reason as { code?: string }).code, 'already_exists');
        assert.equal((await t.store.listFeeds()).filter((f) => f.url === 'https://race.example/rss').length, 1);
      } finally {
        await other.close();
      }
    });
  });
}
