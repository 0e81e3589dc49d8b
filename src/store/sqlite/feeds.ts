/**
 * FeedStore on SQLite: followed feeds, their validators and health, and the items already seen.
 * Its own connection to the store's file (WAL lets it write beside the article store) and its own
 * tables, created on open, so it needs nothing from the article schema.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../../errors.ts';
import type { CollectionId } from '../../types.ts';
import type { FeedPollRecord, FeedStore, FollowedFeed, NewFeed, SeenItem } from '../store-api.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS feeds (
  id INTEGER PRIMARY KEY,
  url TEXT NOT NULL,
  collection TEXT NOT NULL,
  source_name TEXT,
  title TEXT,
  every_ms INTEGER NOT NULL,
  announce_channel TEXT,
  added_at TEXT NOT NULL,
  etag TEXT,
  last_modified TEXT,
  next_poll_at TEXT NOT NULL,
  failures INTEGER NOT NULL DEFAULT 0,
  last_success_at TEXT,
  last_error TEXT,
  last_error_at TEXT,
  items INTEGER NOT NULL DEFAULT 0,
  UNIQUE (collection, url)
);
CREATE TABLE IF NOT EXISTS feed_items (
  feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  article_id TEXT NOT NULL,
  updated TEXT,
  hash TEXT NOT NULL,
  seen_at TEXT NOT NULL,
  PRIMARY KEY (feed_id, key)
);
CREATE INDEX IF NOT EXISTS feed_items_by_article ON feed_items(article_id);
`;

interface FeedRow {
  id: number;
  url: string;
  collection: string;
  source_name: string | null;
  title: string | null;
  every_ms: number;
  announce_channel: string | null;
  added_at: string;
  etag: string | null;
  last_modified: string | null;
  next_poll_at: string;
  failures: number;
  last_success_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
  items: number;
}

function toFeed(row: FeedRow): FollowedFeed {
  return {
    id: row.id,
    url: row.url,
    collection: row.collection,
    sourceName: row.source_name,
    title: row.title,
    everyMs: row.every_ms,
    announceChannel: row.announce_channel,
    addedAt: row.added_at,
    etag: row.etag,
    lastModified: row.last_modified,
    nextPollAt: row.next_poll_at,
    failures: row.failures,
    lastSuccessAt: row.last_success_at,
    lastError: row.last_error,
    lastErrorAt: row.last_error_at,
    items: row.items,
  };
}

export class SqliteFeedStore implements FeedStore {
  private constructor(private readonly db: Database.Database) {}

  /** Opens the feed tables in the store file `file` (citebot.db), creating them when missing. */
  static open(file: string): SqliteFeedStore {
    mkdirSync(dirname(file), { recursive: true });
    const db = new Database(file, { timeout: 5000 });
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.exec(SCHEMA);
    return new SqliteFeedStore(db);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  async addFeed(feed: NewFeed): Promise<FollowedFeed> {
    const existing = this.db
      .prepare('SELECT id FROM feeds WHERE collection = ? AND url = ?')
      .get(feed.collection, feed.url) as { id: number } | undefined;
    if (existing)
      throw new UserError(
        'already_exists',
        `${feed.url} is already followed here (feed ${existing.id}); remove it first to change how it is followed`,
      );
    const now = new Date().toISOString();
    const info = this.db
      .prepare(
        'INSERT INTO feeds (url, collection, source_name, every_ms, announce_channel, added_at, next_poll_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(feed.url, feed.collection, feed.sourceName, feed.everyMs, feed.announceChannel, now, now);
    return (await this.feed(Number(info.lastInsertRowid)))!;
  }

  async listFeeds(collection?: CollectionId): Promise<FollowedFeed[]> {
    const rows =
      collection === undefined
        ? (this.db.prepare('SELECT * FROM feeds ORDER BY id').all() as FeedRow[])
        : (this.db.prepare('SELECT * FROM feeds WHERE collection = ? ORDER BY id').all(collection) as FeedRow[]);
    return rows.map(toFeed);
  }

  async feed(id: number): Promise<FollowedFeed | null> {
    const row = this.db.prepare('SELECT * FROM feeds WHERE id = ?').get(id) as FeedRow | undefined;
    return row ? toFeed(row) : null;
  }

  async removeFeed(id: number): Promise<boolean> {
    return this.db.prepare('DELETE FROM feeds WHERE id = ?').run(id).changes > 0;
  }

  async seenItems(feedId: number): Promise<Map<string, SeenItem>> {
    const rows = this.db
      .prepare('SELECT key, article_id, updated, hash FROM feed_items WHERE feed_id = ?')
      .all(feedId) as { key: string; article_id: string; updated: string | null; hash: string }[];
    return new Map(rows.map((r) => [r.key, { key: r.key, articleId: r.article_id, updated: r.updated, hash: r.hash }]));
  }

  async markSeen(feedId: number, items: readonly SeenItem[]): Promise<void> {
    const upsert = this.db.prepare(
      `INSERT INTO feed_items (feed_id, key, article_id, updated, hash, seen_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(feed_id, key) DO UPDATE SET article_id = excluded.article_id, updated = excluded.updated, hash = excluded.hash, seen_at = excluded.seen_at`,
    );
    const now = new Date().toISOString();
    this.db.transaction(() => {
      for (const item of items) upsert.run(feedId, item.key, item.articleId, item.updated, item.hash, now);
    })();
  }

  async recordPoll(feedId: number, record: FeedPollRecord): Promise<void> {
    const sets: string[] = ['next_poll_at = ?'];
    const values: (string | number | null)[] = [record.nextPollAt];
    const set = (column: string, value: string | number | null): void => {
      sets.push(`${column} = ?`);
      values.push(value);
    };
    if (record.etag !== undefined) set('etag', record.etag);
    if (record.lastModified !== undefined) set('last_modified', record.lastModified);
    if (record.title !== undefined && record.title !== null) set('title', record.title);
    if (record.succeededAt) {
      set('last_success_at', record.succeededAt);
      sets.push('failures = 0');
    }
    if (record.error !== undefined) {
      set('last_error', record.error);
      set('last_error_at', new Date().toISOString());
      sets.push('failures = failures + 1');
    }
    if (record.itemsAdded) {
      sets.push('items = items + ?');
      values.push(record.itemsAdded);
    }
    this.db.prepare(`UPDATE feeds SET ${sets.join(', ')} WHERE id = ?`).run(...values, feedId);
  }

  async feedsOfArticles(collection: CollectionId, articleIds: readonly string[]): Promise<Map<string, FollowedFeed>> {
    const result = new Map<string, FollowedFeed>();
    const select = this.db.prepare(
      'SELECT f.* FROM feed_items i JOIN feeds f ON f.id = i.feed_id WHERE f.collection = ? AND i.article_id = ? LIMIT 1',
    );
    for (const id of articleIds) {
      const row = select.get(collection, id) as FeedRow | undefined;
      if (row) result.set(id, toFeed(row));
    }
    return result;
  }
}
