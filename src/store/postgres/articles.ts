/** Article reads and counts over PostgreSQL, scoped to collections (the store contract's ArticleReads). */
import type { CollectionId } from '../../types.ts';
import type { ArticlePage, ArticleQuery, ArticleReads, ArticleRow, SourceCount, StoredArticle } from '../store-api.ts';
import { isConnectionError, type StoreSession } from './connection.ts';
import { ARTICLE_COLUMNS, articleConditions, collectionList, Params } from './sql.ts';

export class PostgresArticleReads implements ArticleReads {
  /** Every answer counts the searched articles: the last count of each scope answers while the server is gone. */
  private readonly articleCounts = new Map<string, number>();

  constructor(private readonly session: StoreSession) {}

  private query(sql: string, values?: unknown[]) {
    return this.session.query(sql, values);
  }

  async findArticle(collection: CollectionId, id: string): Promise<StoredArticle | null> {
    const row = await this.query(`SELECT ${ARTICLE_COLUMNS} FROM articles a WHERE a.collection = $1 AND a.id = $2`, [
      collection,
      id,
    ]);
    return (row.rows[0] as StoredArticle | undefined) ?? null;
  }

  async listArticles(
    collections: CollectionId | readonly CollectionId[],
    options: ArticlePage = {},
  ): Promise<ArticleRow[]> {
    const params = new Params();
    const where = articleConditions(collections, options, params);
    const rows = await this.query(
      `SELECT ${ARTICLE_COLUMNS}, (SELECT count(*)::int FROM passages p WHERE p.article_rowid = a.rowid) AS passages
       FROM articles a WHERE ${where}
       ORDER BY coalesce(a.date, '') DESC, a.title COLLATE "C" LIMIT ${params.add(options.limit ?? null)} OFFSET ${params.add(options.offset ?? 0)}`,
      params.values,
    );
    return rows.rows as ArticleRow[];
  }

  async countArticles(
    collections: CollectionId | readonly CollectionId[],
    options: ArticleQuery = {},
  ): Promise<number> {
    const key = JSON.stringify([collections, options]);
    const params = new Params();
    try {
      const row = await this.query(
        `SELECT count(*)::int AS n FROM articles a WHERE ${articleConditions(collections, options, params)}`,
        params.values,
      );
      const n = (row.rows[0] as { n: number }).n;
      if (this.articleCounts.size > 256) this.articleCounts.clear();
      this.articleCounts.set(key, n);
      return n;
    } catch (error) {
      const known = this.articleCounts.get(key);
      if (known === undefined || !isConnectionError(error)) throw error;
      return known;
    }
  }

  async countAllArticles(): Promise<number> {
    return ((await this.query('SELECT count(*)::int AS n FROM articles')).rows[0] as { n: number }).n;
  }

  async listSources(
    collections: CollectionId | readonly CollectionId[],
    options: { search?: string; limit?: number } = {},
  ): Promise<SourceCount[]> {
    const params = new Params();
    const where = articleConditions(
      collections,
      { filter: options.search ? { source: options.search } : undefined },
      params,
    );
    const rows = await this.query(
      `SELECT a.source, count(*)::int AS articles FROM articles a WHERE ${where} AND a.source IS NOT NULL
       GROUP BY a.source ORDER BY articles DESC, a.source COLLATE "C" LIMIT ${params.add(options.limit ?? null)}`,
      params.values,
    );
    return rows.rows as SourceCount[];
  }

  async listCollections(): Promise<CollectionId[]> {
    const rows = await this.query('SELECT DISTINCT collection FROM articles ORDER BY collection');
    return (rows.rows as { collection: string }[]).map((r) => r.collection);
  }

  async *articlesOf(collection: CollectionId): AsyncIterable<StoredArticle> {
    let after = 0;
    for (;;) {
      const rows = (
        await this.query(
          `SELECT ${ARTICLE_COLUMNS} FROM articles a WHERE a.collection = $1 AND a.rowid > $2 ORDER BY a.rowid LIMIT 200`,
          [collection, after],
        )
      ).rows as StoredArticle[];
      if (rows.length === 0) return;
      yield* rows;
      after = rows[rows.length - 1]!.rowid;
    }
  }

  async countPassages(collections?: CollectionId | readonly CollectionId[]): Promise<number> {
    if (collections === undefined)
      return ((await this.query('SELECT count(*)::int AS n FROM passages')).rows[0] as { n: number }).n;
    const row = await this.query(
      'SELECT count(*)::int AS n FROM passages p JOIN articles a ON a.rowid = p.article_rowid WHERE a.collection = ANY($1::text[])',
      [collectionList(collections)],
    );
    return (row.rows[0] as { n: number }).n;
  }

  async countPassagesOf(articleRowid: number): Promise<number> {
    const row = await this.query('SELECT count(*)::int AS n FROM passages WHERE article_rowid = $1', [articleRowid]);
    return (row.rows[0] as { n: number }).n;
  }
}
