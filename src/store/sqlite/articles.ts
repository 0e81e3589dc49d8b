/** The articles table: lookups, scoped lists and counts, and the article rows of a write. */
import type { Article, CollectionId } from '../../types.ts';
import type { ArticlePage, ArticleQuery, ArticleRow, SourceCount, StoredArticle } from '../store-api.ts';
import { articleConditions, collectionList, placeholders, StatementCache, type Db, type Statement } from './sql.ts';

/** Articles read per page when a collection is walked (export). */
const PAGE = 200;

type ArticleRecord = Omit<StoredArticle, 'pages'> & { pages: string | null };

/** A row as the contract gives it: `pages` is stored as JSON text. */
function decoded<T extends ArticleRecord>(row: T): Omit<T, 'pages'> & { pages: number[] | null } {
  return { ...row, pages: row.pages === null ? null : (JSON.parse(row.pages) as number[]) };
}

export class ArticleTable {
  private readonly find: Statement;
  private readonly byRowids: Statement;
  private readonly update: Statement;
  private readonly insert: Statement;
  private readonly remove: Statement;
  private readonly all: Statement;
  private readonly pageOf: Statement;
  private readonly countAll: Statement;
  private readonly collections: Statement;
  private readonly dynamic: StatementCache;

  constructor(db: Db) {
    this.find = db.prepare('SELECT * FROM articles WHERE collection = ? AND id = ?');
    this.byRowids = db.prepare('SELECT * FROM articles WHERE rowid IN (SELECT value FROM json_each(?))');
    this.update = db.prepare(
      'UPDATE articles SET title = ?, date = ?, source = ?, section = ?, url = ?, content_hash = ?, body = ?, paragraph_count = ?, ingested_at = ?, pages = ?, author = ? WHERE rowid = ?',
    );
    this.insert = db.prepare(
      `INSERT INTO articles (collection, id, title, date, source, section, url, content_hash, body, paragraph_count, ingested_at, pages, author)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.remove = db.prepare('DELETE FROM articles WHERE rowid = ?');
    this.all = db.prepare('SELECT * FROM articles ORDER BY rowid');
    this.pageOf = db.prepare('SELECT * FROM articles WHERE collection = ? AND rowid > ? ORDER BY rowid LIMIT ?');
    this.countAll = db.prepare('SELECT count(*) FROM articles').pluck();
    this.collections = db.prepare('SELECT DISTINCT collection FROM articles').pluck();
    this.dynamic = new StatementCache(db);
  }

  findArticle(collection: CollectionId, id: string): StoredArticle | null {
    const row = this.find.get(collection, id) as ArticleRecord | undefined;
    return row ? decoded(row) : null;
  }

  byRowid(rowids: readonly number[]): Map<number, StoredArticle> {
    const rows = this.byRowids.all(JSON.stringify(rowids)) as ArticleRecord[];
    return new Map(rows.map((row) => [row.rowid, decoded(row)]));
  }

  /** Writes the article row (a new one, or over the existing one); returns its rowid. */
  write(
    collection: CollectionId,
    article: Article,
    body: string,
    contentHash: string,
    existing: StoredArticle | null,
  ): number {
    const now = new Date().toISOString();
    const { title, date, source, section, url } = article;
    const pages = article.pages ? JSON.stringify(article.pages) : null;
    const author = article.author ?? null;
    if (existing) {
      this.update.run(
        title,
        date,
        source,
        section,
        url,
        contentHash,
        body,
        article.paragraphs.length,
        now,
        pages,
        author,
        existing.rowid,
      );
      return existing.rowid;
    }
    const info = this.insert.run(
      collection,
      article.id,
      title,
      date,
      source,
      section,
      url,
      contentHash,
      body,
      article.paragraphs.length,
      now,
      pages,
      author,
    );
    return Number(info.lastInsertRowid);
  }

  delete(rowid: number): void {
    this.remove.run(rowid);
  }

  allArticles(): StoredArticle[] {
    return (this.all.all() as ArticleRecord[]).map(decoded);
  }

  /** One page of a collection's articles after `afterRowid`, in the order they were first stored. */
  page(collection: CollectionId, afterRowid: number): StoredArticle[] {
    return (this.pageOf.all(collection, afterRowid, PAGE) as ArticleRecord[]).map(decoded);
  }

  countAllArticles(): number {
    return this.countAll.get() as number;
  }

  listCollections(): CollectionId[] {
    return this.collections.all() as string[];
  }

  listArticles(collections: CollectionId | readonly CollectionId[], options: ArticlePage = {}): ArticleRow[] {
    const { sql, params } = articleConditions(collections, options);
    const rows = this.dynamic
      .get(
        `SELECT a.*, (SELECT count(*) FROM passages p WHERE p.article_rowid = a.rowid) AS passages
         FROM articles a WHERE ${sql}
         ORDER BY coalesce(a.date, '') DESC, a.title LIMIT ? OFFSET ?`,
      )
      .all(...params, options.limit ?? -1, options.offset ?? 0) as (ArticleRecord & { passages: number })[];
    return rows.map(decoded);
  }

  countArticles(collections: CollectionId | readonly CollectionId[], options: ArticleQuery = {}): number {
    const { sql, params } = articleConditions(collections, options);
    return this.dynamic
      .get(`SELECT count(*) FROM articles a WHERE ${sql}`)
      .pluck()
      .get(...params) as number;
  }

  listSources(
    collections: CollectionId | readonly CollectionId[],
    options: { search?: string; limit?: number } = {},
  ): SourceCount[] {
    const { sql, params } = articleConditions(collections, {
      filter: options.search ? { source: options.search } : undefined,
    });
    return this.dynamic
      .get(
        `SELECT a.source AS source, count(*) AS articles FROM articles a WHERE ${sql} AND a.source IS NOT NULL GROUP BY a.source ORDER BY articles DESC, a.source LIMIT ?`,
      )
      .all(...params, options.limit ?? -1) as SourceCount[];
  }

  /** Passages of the articles of these collections. */
  countPassages(collections: CollectionId | readonly CollectionId[]): number {
    const list = collectionList(collections);
    return this.dynamic
      .get(
        `SELECT count(*) FROM passages p JOIN articles a ON a.rowid = p.article_rowid WHERE a.collection IN (${placeholders(list)})`,
      )
      .pluck()
      .get(...list) as number;
  }
}
