/**
 * FeedStore on PostgreSQL: followed feeds, their validators (ETag, Last-Modified) and health,
 * and the items already seen, in the same database as the articles, so every process (each
 * shard, the CLI) polls from one list and no two index the same item twice.
 *
 * Its own small pool: the feed store is opened beside the article store (src/ingest/feeds/),
 * and its statements are few and short. The tables come with the schema (migration 3); the
 * schema is brought up to date on first use, as opening the article store would.
 */
import type pg from 'pg';
import { UserError } from '../../errors.ts';
import type { CollectionId } from '../../types.ts';
import type { FeedPollRecord, FeedStore, FollowedFeed, NewFeed, SeenItem } from '../store-api.ts';
import { createPool, describeUrl, isConnectionError, unavailable } from './connection.ts';
import { migrate } from './schema.ts';
import { Params } from './sql.ts';

const FEED_COLUMNS = `id, url, collection, source_name AS "sourceName", title, every_ms AS "everyMs",
  announce_channel AS "announceChannel", added_at AS "addedAt", etag, last_modified AS "lastModified",
  next_poll_at AS "nextPollAt", failures, last_success_at AS "lastSuccessAt", last_error AS "lastError",
  last_error_at AS "lastErrorAt", items`;

export class PostgresFeedStore implements FeedStore {
  private ready: Promise<void> | null = null;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly url: string,
  ) {}

  /** A feed store over the database of `url`; connects on first use. */
  static open(url: string): PostgresFeedStore {
    return new PostgresFeedStore(createPool(url, { max: 2 }), url);
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }

  /** Runs a statement once the schema is there; a lost server becomes the error that says so. */
  private async query(sql: string, values?: unknown[]): Promise<pg.QueryResult> {
    try {
      this.ready ??= this.migrate();
      await this.ready;
      return await this.pool.query(sql, values);
    } catch (error) {
      throw isConnectionError(error) ? unavailable(this.url, error) : error;
    }
  }

  private async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await migrate(client, describeUrl(this.url));
    } catch (error) {
      this.ready = null; // the next call tries again (the server may be back)
      throw error;
    } finally {
      client.release();
    }
  }

  async addFeed(feed: NewFeed): Promise<FollowedFeed> {
    const now = new Date().toISOString();
    // ON CONFLICT, not a read first: two processes adding the same URL at once get one feed.
    const inserted = await this.query(
      `INSERT INTO feeds (url, collection, source_name, every_ms, announce_channel, added_at, next_poll_at)
       VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (collection, url) DO NOTHING RETURNING ${FEED_COLUMNS}`,
      [feed.url, feed.collection, feed.sourceName, feed.everyMs, feed.announceChannel, now],
    );
    const created = inserted.rows[0] as FollowedFeed | undefined;
    if (created) return created;
    const existing = await this.query('SELECT id FROM feeds WHERE collection = $1 AND url = $2', [
      feed.collection,
      feed.url,
    ]);
    throw new UserError(
      'already_exists',
      `${feed.url} is already followed here (feed ${(existing.rows[0] as { id: number } | undefined)?.id ?? '?'}); remove it first to change how it is followed`,
    );
  }

  async listFeeds(collection?: CollectionId): Promise<FollowedFeed[]> {
    const rows =
      collection === undefined
        ? await this.query(`SELECT ${FEED_COLUMNS} FROM feeds ORDER BY id`)
        : await this.query(`SELECT ${FEED_COLUMNS} FROM feeds WHERE collection = $1 ORDER BY id`, [collection]);
    return rows.rows as FollowedFeed[];
  }

  async feed(id: number): Promise<FollowedFeed | null> {
    const rows = await this.query(`SELECT ${FEED_COLUMNS} FROM feeds WHERE id = $1`, [id]);
    return (rows.rows[0] as FollowedFeed | undefined) ?? null;
  }

  async removeFeed(id: number): Promise<boolean> {
    return ((await this.query('DELETE FROM feeds WHERE id = $1', [id])).rowCount ?? 0) > 0;
  }

  async seenItems(feedId: number): Promise<Map<string, SeenItem>> {
    const rows = await this.query(
      'SELECT key, article_id AS "articleId", updated, hash FROM feed_items WHERE feed_id = $1',
      [feedId],
    );
    return new Map((rows.rows as SeenItem[]).map((item) => [item.key, item]));
  }

  /** One statement for the whole batch (unnest), so a poll's items are marked in one round trip. */
  async markSeen(feedId: number, items: readonly SeenItem[]): Promise<void> {
    if (items.length === 0) return;
    // A key given twice would make ON CONFLICT touch one row twice, which PostgreSQL refuses: the last wins.
    const unique = [...new Map(items.map((item) => [item.key, item])).values()];
    await this.query(
      `INSERT INTO feed_items (feed_id, key, article_id, updated, hash, seen_at)
       SELECT $1::integer, *, $6::text FROM unnest($2::text[], $3::text[], $4::text[], $5::text[])
       ON CONFLICT (feed_id, key) DO UPDATE SET article_id = EXCLUDED.article_id, updated = EXCLUDED.updated,
         hash = EXCLUDED.hash, seen_at = EXCLUDED.seen_at`,
      [
        feedId,
        unique.map((item) => item.key),
        unique.map((item) => item.articleId),
        unique.map((item) => item.updated),
        unique.map((item) => item.hash),
        new Date().toISOString(),
      ],
    );
  }

  async recordPoll(feedId: number, record: FeedPollRecord): Promise<void> {
    const params = new Params();
    const sets = [`next_poll_at = ${params.add(record.nextPollAt)}`];
    if (record.etag !== undefined) sets.push(`etag = ${params.add(record.etag)}`);
    if (record.lastModified !== undefined) sets.push(`last_modified = ${params.add(record.lastModified)}`);
    if (record.title !== undefined && record.title !== null) sets.push(`title = ${params.add(record.title)}`);
    if (record.succeededAt) sets.push(`last_success_at = ${params.add(record.succeededAt)}`, 'failures = 0');
    if (record.error !== undefined) {
      sets.push(`last_error = ${params.add(record.error)}`, `last_error_at = ${params.add(new Date().toISOString())}`);
      sets.push('failures = failures + 1');
    }
    if (record.itemsAdded) sets.push(`items = items + ${params.add(record.itemsAdded)}`);
    await this.query(`UPDATE feeds SET ${sets.join(', ')} WHERE id = ${params.add(feedId)}`, params.values);
  }

  async feedsOfArticles(collection: CollectionId, articleIds: readonly string[]): Promise<Map<string, FollowedFeed>> {
    if (articleIds.length === 0) return new Map();
    // One round trip for the page of articles; an article seen in two feeds is credited to the older one.
    // (The two tables share no column name, so the feed's columns need no prefix.)
    const rows = await this.query(
      `SELECT DISTINCT ON (i.article_id) i.article_id AS "articleId", ${FEED_COLUMNS}
       FROM feed_items i JOIN feeds f ON f.id = i.feed_id
       WHERE f.collection = $1 AND i.article_id = ANY($2::text[]) ORDER BY i.article_id, f.id`,
      [collection, [...articleIds]],
    );
    return new Map(
      (rows.rows as (FollowedFeed & { articleId: string })[]).map(({ articleId, ...feed }) => [articleId, feed]),
    );
  }
}
