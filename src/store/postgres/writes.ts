/**
 * Writes that change passages. Each is one transaction that locks the store_state row, takes
 * the next generation, logs every passage it removed or added, keeps the corpus statistics
 * BM25 needs (passages, tokens, passages per term) and sends a NOTIFY, delivered on commit.
 */
import type pg from 'pg';
import type { CollectionId } from '../../types.ts';
import { ftsTokens } from '../index/keyword-index.ts';
import type { ArticleToSave, Generation, ModelRecord, PassageId, StoredArticle } from '../store-api.ts';
import { CHANGES_CHANNEL } from './listener.ts';
import { ARTICLE_COLUMNS, vectorToBytes } from './sql.ts';

/**
 * Generations of passage changes kept in the log. A cache further behind than this (a process
 * idle through a very large import) reloads from the store instead of catching up.
 */
export const CHANGE_LOG_GENERATIONS = 20_000;

/** The term_stats keys of one passage: each distinct FTS5 token, and each multi-token term ("didn t"). */
export function termKeys(terms: readonly string[]): Set<string> {
  const keys = new Set<string>();
  for (const term of terms) {
    const tokens = ftsTokens(term);
    for (const token of tokens) keys.add(token);
    if (tokens.length > 1) keys.add(tokens.join(' '));
  }
  return keys;
}

/** What one transaction changes in the corpus statistics. */
class StatsDelta {
  passages = 0;
  tokens = 0;
  readonly docs = new Map<string, number>();

  count(terms: readonly string[], sign: 1 | -1): number {
    const tokenCount = ftsTokens(terms.join(' ')).length;
    this.passages += sign;
    this.tokens += sign * tokenCount;
    for (const key of termKeys(terms)) this.docs.set(key, (this.docs.get(key) ?? 0) + sign);
    return tokenCount;
  }
}

export interface PassageChange {
  id: PassageId;
  collection: CollectionId;
}

/** One write in progress: the locked generation and what it changed. */
export class WriteTransaction {
  readonly removed: PassageId[] = [];
  readonly added: PassageId[] = [];
  private readonly log: PassageChange[] = [];
  private readonly stats = new StatsDelta();

  private constructor(
    readonly client: pg.ClientBase,
    readonly generation: Generation,
    private readonly keptSince: Generation,
  ) {}

  /** Locks the store_state row: writers queue here, so generations commit in order. */
  static async begin(client: pg.ClientBase): Promise<WriteTransaction> {
    const row = await client.query('SELECT generation, changes_kept_since FROM store_state WHERE id = 1 FOR UPDATE');
    const { generation, changes_kept_since } = row.rows[0] as { generation: number; changes_kept_since: number };
    return new WriteTransaction(client, generation + 1, changes_kept_since);
  }

  async findArticle(collection: CollectionId, id: string): Promise<StoredArticle | null> {
    const row = await this.client.query(
      `SELECT ${ARTICLE_COLUMNS} FROM articles a WHERE a.collection = $1 AND a.id = $2`,
      [collection, id],
    );
    return (row.rows[0] as StoredArticle | undefined) ?? null;
  }

  /**
   * Replaces the articles and their passages in a few statements whatever their number (arrays
   * unnested server-side): one lookup, one insert of the new articles, one of all passages.
   */
  async saveArticles(items: readonly ArticleToSave[]): Promise<void> {
    if (items.length === 0) return;
    const keys = new Set(items.map((item) => JSON.stringify([item.collection, item.article.id])));
    // The same article twice in one call: saved in order, the later replacing the earlier.
    if (keys.size < items.length) {
      for (const item of items) await this.saveArticles([item]);
      return;
    }
    const found = await this.client.query(
      `SELECT ${ARTICLE_COLUMNS} FROM articles a JOIN unnest($1::text[], $2::text[]) AS k(collection, id) ON a.collection = k.collection AND a.id = k.id`,
      [items.map((item) => item.collection), items.map((item) => item.article.id)],
    );
    const existing = new Map((found.rows as StoredArticle[]).map((a) => [JSON.stringify([a.collection, a.id]), a]));
    const now = new Date().toISOString();
    const rowidOf = new Map<ArticleToSave, number>();
    for (const article of existing.values()) await this.removePassagesOf(article);
    const fresh: ArticleToSave[] = [];
    for (const item of items) {
      const old = existing.get(JSON.stringify([item.collection, item.article.id]));
      if (!old) {
        fresh.push(item);
        continue;
      }
      const a = item.article;
      await this.client.query(
        `UPDATE articles SET title = $1, date = $2, source = $3, section = $4, url = $5, content_hash = $6, body = $7, paragraph_count = $8, ingested_at = $9, pages = $10, author = $12 WHERE rowid = $11`,
        [
          a.title,
          a.date,
          a.source,
          a.section,
          a.url,
          item.contentHash,
          item.body,
          a.paragraphs.length,
          now,
          a.pages ?? null,
          old.rowid,
          a.author ?? null,
        ],
      );
      rowidOf.set(item, old.rowid);
    }
    if (fresh.length > 0) {
      const column = <T>(pick: (item: ArticleToSave) => T) => fresh.map(pick);
      const inserted = await this.client.query(
        `INSERT INTO articles (collection, id, title, date, source, section, url, content_hash, body, paragraph_count, ingested_at, pages, author)
         SELECT c, i, t, d, s, se, u, h, b, n, $11, CASE WHEN p = '' THEN NULL ELSE string_to_array(p, ',')::int[] END, w
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::int[], $12::text[], $13::text[]) AS x(c, i, t, d, s, se, u, h, b, n, p, w)
         RETURNING rowid, collection, id`,
        [
          column((i) => i.collection),
          column((i) => i.article.id),
          column((i) => i.article.title),
          column((i) => i.article.date),
          column((i) => i.article.source),
          column((i) => i.article.section),
          column((i) => i.article.url),
          column((i) => i.contentHash),
          column((i) => i.body),
          column((i) => i.article.paragraphs.length),
          now,
          // unnest cannot take an array of arrays of different lengths: the pages travel as text.
          column((i) => (i.article.pages ? i.article.pages.join(',') : '')),
          column((i) => i.article.author ?? null),
        ],
      );
      const newRowid = new Map(
        (inserted.rows as { rowid: number; collection: string; id: string }[]).map((r) => [
          JSON.stringify([r.collection, r.id]),
          r.rowid,
        ]),
      );
      for (const item of fresh) rowidOf.set(item, newRowid.get(JSON.stringify([item.collection, item.article.id]))!);
    }
    await this.insertPassages(items, rowidOf);
  }

  /** Every passage of the articles in one statement. */
  private async insertPassages(items: readonly ArticleToSave[], rowidOf: Map<ArticleToSave, number>): Promise<void> {
    const rows = items.flatMap((item) =>
      item.passages.map((passage) => ({ item, passage, articleRowid: rowidOf.get(item)! })),
    );
    if (rows.length === 0) return;
    const tokenCounts = rows.map(({ passage }) => this.stats.count(passage.terms, 1));
    const vectors = packVectors(rows.map((r) => r.passage.vector));
    const inserted = await this.client.query(
      `INSERT INTO passages (article_rowid, position, paragraph_start, paragraph_end, char_start, char_end, text, terms, token_count, vector)
       SELECT x.a, x.p, x.ps, x.pe, x.cs, x.ce, x.t, x.r, x.n,
              CASE WHEN x.vl > 0 THEN substring($10::bytea FROM x.vs FOR x.vl) END
       FROM unnest($1::int[], $2::int[], $3::int[], $4::int[], $5::int[], $6::int[], $7::text[], $8::text[], $9::int[], $11::int[], $12::int[])
         AS x(a, p, ps, pe, cs, ce, t, r, n, vs, vl)
       RETURNING rowid, article_rowid, position`,
      [
        rows.map((r) => r.articleRowid),
        rows.map((r) => r.passage.position),
        rows.map((r) => r.passage.paragraphStart),
        rows.map((r) => r.passage.paragraphEnd),
        rows.map((r) => r.passage.charStart),
        rows.map((r) => r.passage.charEnd),
        rows.map((r) => r.passage.text),
        rows.map((r) => r.passage.terms.join(' ')),
        tokenCounts,
        vectors.bytes,
        vectors.starts,
        vectors.lengths,
      ],
    );
    // RETURNING's order is not promised: (article, position), unique, maps rows back to input order.
    const idAt = new Map(
      (inserted.rows as { rowid: number; article_rowid: number; position: number }[]).map((r) => [
        `${r.article_rowid}:${r.position}`,
        r.rowid,
      ]),
    );
    for (const { item, passage, articleRowid } of rows) {
      const id = idAt.get(`${articleRowid}:${passage.position}`)!;
      this.added.push(id);
      this.log.push({ id, collection: item.collection });
    }
  }

  async removePassagesOf(article: StoredArticle): Promise<void> {
    const rows = await this.client.query('DELETE FROM passages WHERE article_rowid = $1 RETURNING rowid, terms', [
      article.rowid,
    ]);
    for (const row of rows.rows as { rowid: number; terms: string }[]) {
      this.stats.count(row.terms.split(' ').filter(Boolean), -1);
      this.removed.push(row.rowid);
      this.log.push({ id: row.rowid, collection: article.collection });
    }
  }

  async deleteArticle(article: StoredArticle): Promise<void> {
    await this.removePassagesOf(article);
    await this.client.query('DELETE FROM articles WHERE rowid = $1', [article.rowid]);
  }

  async setModel(model: ModelRecord): Promise<void> {
    await setModel(this.client, model);
  }

  /** Rewrites every passage's terms with `termsOf`, logging each as changed; returns how many. */
  async reanalyzeAll(termsOf: (text: string) => string[]): Promise<number> {
    const rows = await this.client.query(
      'SELECT p.rowid, p.text, p.terms, a.collection FROM passages p JOIN articles a ON a.rowid = p.article_rowid ORDER BY p.rowid',
    );
    const ids: number[] = [];
    const terms: string[] = [];
    const tokenCounts: number[] = [];
    for (const row of rows.rows as { rowid: number; text: string; terms: string; collection: string }[]) {
      const fresh = termsOf(row.text);
      this.stats.count(row.terms.split(' ').filter(Boolean), -1);
      tokenCounts.push(this.stats.count(fresh, 1));
      ids.push(row.rowid);
      terms.push(fresh.join(' '));
      this.log.push({ id: row.rowid, collection: row.collection });
    }
    await this.client.query(
      'UPDATE passages p SET terms = u.terms, token_count = u.token_count FROM unnest($1::int[], $2::text[], $3::int[]) AS u(rowid, terms, token_count) WHERE p.rowid = u.rowid',
      [ids, terms, tokenCounts],
    );
    return ids.length;
  }

  /**
   * Logs the changes, updates the statistics and the generation, and notifies on commit: two
   * statements (three when a write removed passages), however many passages it touched.
   */
  async finish(): Promise<void> {
    const client = this.client;
    const keys = [...this.stats.docs.keys()].sort();
    if (keys.length > 0) {
      await client.query(
        `INSERT INTO term_stats (term, docs) SELECT * FROM unnest($1::text[], $2::bigint[])
         ON CONFLICT (term) DO UPDATE SET docs = term_stats.docs + EXCLUDED.docs`,
        [keys, keys.map((key) => this.stats.docs.get(key)!)],
      );
      // Only a write that removed passages can bring a term's count to 0.
      const lowered = keys.filter((key) => this.stats.docs.get(key)! < 0);
      if (lowered.length > 0)
        await client.query('DELETE FROM term_stats WHERE term = ANY($1::text[]) AND docs <= 0', [lowered]);
    }
    const oldest = this.generation - CHANGE_LOG_GENERATIONS;
    const keptSince = Math.max(this.keptSince, oldest);
    // One statement: the change log (and its pruning), the totals and generation, the NOTIFY.
    await client.query(
      `WITH logged AS (
         INSERT INTO passage_changes (generation, passage_rowid, collection) SELECT $1, * FROM unnest($2::int[], $3::text[])
       ), pruned AS (
         DELETE FROM passage_changes WHERE generation <= $4 AND $4 > $7
       ), state AS (
         UPDATE store_state SET generation = $1, changes_kept_since = $4, passages = passages + $5, tokens = tokens + $6 WHERE id = 1
       )
       SELECT pg_notify($8, $9)`,
      [
        this.generation,
        this.log.map((c) => c.id),
        this.log.map((c) => c.collection),
        keptSince,
        this.stats.passages,
        this.stats.tokens,
        this.keptSince,
        CHANGES_CHANNEL,
        String(this.generation),
      ],
    );
  }
}

/**
 * Every vector of a write as one binary parameter, with where each starts (1-based) and its
 * length (0: no vector). node-postgres sends a Buffer in binary, where a bytea[] travels as hex
 * text the server must parse: measured 2026-12-03, 4× the insert rate at 384 dimensions.
 */
export function packVectors(vectors: readonly (Float32Array | null)[]): {
  bytes: Buffer;
  starts: number[];
  lengths: number[];
} {
  const starts: number[] = [];
  const lengths: number[] = [];
  let offset = 0;
  for (const vector of vectors) {
    starts.push(offset + 1);
    lengths.push(vector ? vector.byteLength : 0);
    offset += vector ? vector.byteLength : 0;
  }
  return { bytes: Buffer.concat(vectors.filter((v) => v !== null).map(vectorToBytes), offset), starts, lengths };
}

export async function setModel(client: pg.ClientBase, model: ModelRecord): Promise<void> {
  await setMeta(client, 'model_id', model.id);
  await setMeta(client, 'model_dim', model.dim === null ? '' : String(model.dim));
}

export async function setMeta(client: pg.ClientBase, key: string, value: string): Promise<void> {
  await client.query(
    'INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value',
    [key, value],
  );
}
