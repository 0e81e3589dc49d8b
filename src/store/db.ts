/**
 * The durable store: articles, passages (text, offsets, float32 vectors), an FTS5
 * table over analyzed passage tokens, the embedding model's identity, questions and
 * feedback. Everything else (the HNSW file) is a cache rebuilt from here.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { CitebotError, UserError } from '../errors.ts';
import type { Article, ArticleFilter, CollectionId, Passage } from '../types.ts';

/** 2: passage_changes, the log other processes' vector indexes catch up from. 4: articles.pages. */
export const SCHEMA_VERSION = 4;

/**
 * Generations of passage changes kept in the log. A vector index further behind than this
 * (a bot idle through a very large import) rebuilds from the store instead of catching up.
 */
const CHANGE_LOG_GENERATIONS = 20_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
  rowid INTEGER PRIMARY KEY,
  collection TEXT NOT NULL,
  id TEXT NOT NULL,
  title TEXT NOT NULL,
  date TEXT, source TEXT, section TEXT, url TEXT,
  content_hash TEXT NOT NULL,
  body TEXT NOT NULL,
  paragraph_count INTEGER NOT NULL,
  ingested_at TEXT NOT NULL,
  pages TEXT,
  UNIQUE (collection, id)
);
CREATE TABLE IF NOT EXISTS passages (
  rowid INTEGER PRIMARY KEY,
  article_rowid INTEGER NOT NULL REFERENCES articles(rowid) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  paragraph_start INTEGER NOT NULL,
  paragraph_end INTEGER NOT NULL,
  char_start INTEGER NOT NULL,
  char_end INTEGER NOT NULL,
  text TEXT NOT NULL,
  vector BLOB
);
CREATE INDEX IF NOT EXISTS passages_by_article ON passages(article_rowid, position);
CREATE VIRTUAL TABLE IF NOT EXISTS passage_terms USING fts5(terms, tokenize = "unicode61 tokenchars '.'");
CREATE VIRTUAL TABLE IF NOT EXISTS passage_terms_vocab USING fts5vocab(passage_terms, 'row');
CREATE TABLE IF NOT EXISTS passage_changes (generation INTEGER NOT NULL, passage_rowid INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS passage_changes_by_generation ON passage_changes(generation);
CREATE TABLE IF NOT EXISTS questions (
  id INTEGER PRIMARY KEY,
  collection TEXT NOT NULL,
  question TEXT NOT NULL,
  answered INTEGER NOT NULL,
  asked_at TEXT NOT NULL,
  filter TEXT
);
CREATE INDEX IF NOT EXISTS questions_by_collection ON questions(collection, asked_at);
CREATE TABLE IF NOT EXISTS feedback (
  question_id INTEGER NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL,
  vote TEXT NOT NULL CHECK (vote IN ('up', 'down')),
  PRIMARY KEY (question_id, user_id)
);
`;

export interface StoredArticle extends Omit<Article, 'paragraphs' | 'pages'> {
  rowid: number;
  collection: CollectionId;
  content_hash: string;
  body: string;
  paragraph_count: number;
  ingested_at: string;
  /** JSON array: the page each paragraph begins on (PDF documents); null otherwise. */
  pages: string | null;
}

/** The article as it was ingested (its paragraphs are stored joined by blank lines). */
export function storedToArticle(stored: StoredArticle): Article {
  return {
    id: stored.id,
    title: stored.title,
    date: stored.date,
    source: stored.source,
    section: stored.section,
    url: stored.url,
    paragraphs: stored.body.split('\n\n'),
    ...(stored.pages ? { pages: JSON.parse(stored.pages) as number[] } : {}),
  };
}

export interface StoredPassage {
  rowid: number;
  article_rowid: number;
  position: number;
  paragraph_start: number;
  paragraph_end: number;
  char_start: number;
  char_end: number;
  text: string;
}

export interface PassageToStore extends Passage {
  terms: string[];
  vector: Float32Array | null;
}

export interface ModelRecord {
  id: string;
  dim: number | null;
}

function collectionList(collections: CollectionId | readonly CollectionId[]): CollectionId[] {
  return typeof collections === 'string' ? [collections] : [...collections];
}

/** `%text%` for LIKE, with LIKE's own wildcards taken literally (ESCAPE '\\'). */
function likePattern(text: string): string {
  return `%${text.replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
}

/** SQL conditions on the articles table (alias `a`) for a filter, each starting with AND, and their values. */
function filterSql(filter: ArticleFilter | undefined): { sql: string; params: string[] } {
  const conditions: string[] = [];
  const params: string[] = [];
  const add = (condition: string, value: string) => {
    conditions.push(`AND ${condition}`);
    params.push(value);
  };
  // Dates may carry a time ("2022-01-10T08:00"): the day decides.
  if (filter?.since) add('substr(a.date, 1, 10) >= ?', filter.since);
  if (filter?.until) add('substr(a.date, 1, 10) <= ?', filter.until);
  if (filter?.source && filter.sourceExact) add('a.source = ? COLLATE NOCASE', filter.source);
  else if (filter?.source) add("a.source LIKE ? ESCAPE '\\'", likePattern(filter.source));
  return { sql: conditions.join(' '), params };
}

function placeholders(values: readonly unknown[]): string {
  return values.map(() => '?').join(', ');
}

export function vectorToBlob(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

export function blobToVector(blob: Buffer): Float32Array {
  // Copy: the blob's memory is not guaranteed to be 4-byte aligned.
  const copy = new Uint8Array(blob.byteLength);
  copy.set(blob);
  return new Float32Array(copy.buffer);
}

export class Store {
  private readonly db: Database.Database;
  readonly file: string;
  private readonly rowidCache = new Map<string, { generation: number; rowids: ReadonlySet<number> }>();

  private constructor(db: Database.Database, file: string) {
    this.db = db;
    this.file = file;
  }

  /** Runs a write, turning SQLite's busy/corrupt errors into ones that say what to do. */
  private write<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn).immediate();
    } catch (error) {
      throw translateSqliteError(error, this.file);
    }
  }

  /** Opens (and creates or migrates) the store at `file`. */
  static open(file: string): Store {
    mkdirSync(dirname(file), { recursive: true });
    let db: Database.Database;
    try {
      db = new Database(file, { timeout: 5000 });
      db.pragma('journal_mode = WAL');
      db.pragma('foreign_keys = ON');
      db.pragma('synchronous = NORMAL');
    } catch (error) {
      throw translateSqliteError(error, file);
    }
    const store = new Store(db, file);
    try {
      store.migrate();
    } catch (error) {
      db.close();
      throw translateSqliteError(error, file);
    }
    return store;
  }

  private migrate(): void {
    const found = this.db.pragma('user_version', { simple: true }) as number;
    if (found > SCHEMA_VERSION) {
      throw new UserError(
        'store_schema_newer',
        `the store was written by a newer citebot (schema ${found}, this one reads ${SCHEMA_VERSION}); upgrade citebot or use another DATA_DIR`,
      );
    }
    if (found < SCHEMA_VERSION) {
      this.db.transaction(() => {
        this.db.exec(SCHEMA);
        // Stores of schema 1 and 2 kept their questions table, which has no filter column.
        const hasFilter = this.db.prepare("SELECT 1 FROM pragma_table_info('questions') WHERE name = 'filter'").get();
        if (!hasFilter) this.db.exec('ALTER TABLE questions ADD COLUMN filter TEXT');
        const hasPages = this.db.prepare("SELECT 1 FROM pragma_table_info('articles') WHERE name = 'pages'").get();
        if (!hasPages) this.db.exec('ALTER TABLE articles ADD COLUMN pages TEXT');
        // The change log starts now: an index older than this generation rebuilds instead.
        if (found < 2) this.setMeta('changes_kept_since', String(this.generation()));
        this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
      }).immediate();
    }
    const check = this.db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`quick_check: ${String(check)}`);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /**
   * Writes a consistent copy of the store to `file` with SQLite's online backup, page by page,
   * while other connections (the bot) keep reading and writing.
   */
  async backupTo(file: string, onProgress?: (done: number, total: number) => void): Promise<void> {
    await this.db.backup(file, {
      progress: ({ totalPages, remainingPages }) => {
        onProgress?.(totalPages - remainingPages, totalPages);
        return 1000;
      },
    });
  }

  getMeta(key: string): string | null {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value ?? null;
  }

  setMeta(key: string, value: string): void {
    this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  /** The model that built this store's vectors, or null for a new store. */
  model(): ModelRecord | null {
    const id = this.getMeta('model_id');
    if (id === null) return null;
    const dim = this.getMeta('model_dim');
    return { id, dim: dim === null || dim === '' ? null : Number(dim) };
  }

  setModel(model: ModelRecord): void {
    this.write(() => {
      this.setMeta('model_id', model.id);
      this.setMeta('model_dim', model.dim === null ? '' : String(model.dim));
    });
  }

  /**
   * Rewrites every passage's search terms with `termsOf` when they were written by another
   * analyzer version (the terms must match how questions are analyzed). Returns the number
   * of passages rewritten; 0 when the version already matches.
   */
  reanalyze(version: number, termsOf: (text: string) => string[]): number {
    if (this.getMeta('analyzer_version') === String(version)) return 0;
    return this.write(() => {
      const rows = this.db.prepare('SELECT rowid, text FROM passages').all() as { rowid: number; text: string }[];
      const update = this.db.prepare('UPDATE passage_terms SET terms = ? WHERE rowid = ?');
      for (const row of rows) update.run(termsOf(row.text).join(' '), row.rowid);
      this.setMeta('analyzer_version', String(version));
      return rows.length;
    });
  }

  /** Bumped on every change to passages, so the HNSW cache can tell it is stale. */
  generation(): number {
    return Number(this.getMeta('generation') ?? '0');
  }

  /** Records a change of passages under a new generation, for every process's vector index. */
  private bumpGeneration(changedRowids: readonly number[]): void {
    const next = this.generation() + 1;
    this.setMeta('generation', String(next));
    const log = this.db.prepare('INSERT INTO passage_changes (generation, passage_rowid) VALUES (?, ?)');
    for (const rowid of changedRowids) log.run(next, rowid);
    const oldest = next - CHANGE_LOG_GENERATIONS;
    if (oldest > this.changesKeptSince()) {
      this.db.prepare('DELETE FROM passage_changes WHERE generation <= ?').run(oldest);
      this.setMeta('changes_kept_since', String(oldest));
    }
  }

  private changesKeptSince(): number {
    return Number(this.getMeta('changes_kept_since') ?? '0');
  }

  /**
   * The passages added, replaced or removed after `generation` (by this process or another),
   * or null when the log no longer reaches back that far.
   */
  passagesChangedSince(generation: number): number[] | null {
    if (generation < this.changesKeptSince()) return null;
    return this.db.prepare('SELECT DISTINCT passage_rowid FROM passage_changes WHERE generation > ? ORDER BY passage_rowid').pluck().all(generation) as number[];
  }

  findArticle(collection: CollectionId, id: string): StoredArticle | null {
    return (this.db.prepare('SELECT * FROM articles WHERE collection = ? AND id = ?').get(collection, id) as StoredArticle | undefined) ?? null;
  }

  articleByRowid(rowid: number): StoredArticle | null {
    return (this.db.prepare('SELECT * FROM articles WHERE rowid = ?').get(rowid) as StoredArticle | undefined) ?? null;
  }

  /**
   * Replaces the article's passages in one transaction: no duplicates, no orphans.
   * Returns the rowids of the passages removed and added, for the vector index.
   */
  saveArticle(
    collection: CollectionId,
    article: Article,
    body: string,
    contentHash: string,
    passages: readonly PassageToStore[],
  ): { removed: number[]; added: number[] } {
    return this.write(() => {
      const existing = this.findArticle(collection, article.id);
      const removed = existing ? this.deletePassagesOf(existing.rowid) : [];
      const now = new Date().toISOString();
      const pages = article.pages ? JSON.stringify(article.pages) : null;
      let articleRowid: number;
      if (existing) {
        this.db
          .prepare(
            `UPDATE articles SET title = ?, date = ?, source = ?, section = ?, url = ?, content_hash = ?, body = ?, paragraph_count = ?, ingested_at = ?, pages = ? WHERE rowid = ?`,
          )
          .run(article.title, article.date, article.source, article.section, article.url, contentHash, body, article.paragraphs.length, now, pages, existing.rowid);
        articleRowid = existing.rowid;
      } else {
        const info = this.db
          .prepare(
            `INSERT INTO articles (collection, id, title, date, source, section, url, content_hash, body, paragraph_count, ingested_at, pages)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(collection, article.id, article.title, article.date, article.source, article.section, article.url, contentHash, body, article.paragraphs.length, now, pages);
        articleRowid = Number(info.lastInsertRowid);
      }
      const insertPassage = this.db.prepare(
        `INSERT INTO passages (article_rowid, position, paragraph_start, paragraph_end, char_start, char_end, text, vector)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const insertTerms = this.db.prepare('INSERT INTO passage_terms (rowid, terms) VALUES (?, ?)');
      const added: number[] = [];
      for (const p of passages) {
        const info = insertPassage.run(
          articleRowid, p.position, p.paragraphStart, p.paragraphEnd, p.charStart, p.charEnd, p.text,
          p.vector ? vectorToBlob(p.vector) : null,
        );
        const rowid = Number(info.lastInsertRowid);
        insertTerms.run(rowid, p.terms.join(' '));
        added.push(rowid);
      }
      this.bumpGeneration([...removed, ...added]);
      return { removed, added };
    });
  }

  private deletePassagesOf(articleRowid: number): number[] {
    const rowids = (this.db.prepare('SELECT rowid FROM passages WHERE article_rowid = ?').all(articleRowid) as { rowid: number }[]).map((r) => r.rowid);
    const deleteTerms = this.db.prepare('DELETE FROM passage_terms WHERE rowid = ?');
    for (const rowid of rowids) deleteTerms.run(rowid);
    this.db.prepare('DELETE FROM passages WHERE article_rowid = ?').run(articleRowid);
    return rowids;
  }

  /** Removes an article and its passages; returns the removed passage rowids, or null if absent. */
  deleteArticle(collection: CollectionId, id: string): { article: StoredArticle; removed: number[] } | null {
    return this.write(() => {
      const article = this.findArticle(collection, id);
      if (!article) return null;
      const removed = this.deletePassagesOf(article.rowid);
      this.db.prepare('DELETE FROM articles WHERE rowid = ?').run(article.rowid);
      this.bumpGeneration(removed);
      return { article, removed };
    });
  }

  listArticles(
    collections: CollectionId | readonly CollectionId[],
    options: { search?: string; filter?: ArticleFilter; limit?: number; offset?: number } = {},
  ): (StoredArticle & { passages: number })[] {
    const { sql, params } = this.articleConditions(collections, options);
    return this.db
      .prepare(
        `SELECT a.*, (SELECT count(*) FROM passages p WHERE p.article_rowid = a.rowid) AS passages
         FROM articles a WHERE ${sql}
         ORDER BY coalesce(a.date, '') DESC, a.title LIMIT ? OFFSET ?`,
      )
      .all(...params, options.limit ?? -1, options.offset ?? 0) as (StoredArticle & { passages: number })[];
  }

  countArticles(collections: CollectionId | readonly CollectionId[], options: { search?: string; filter?: ArticleFilter } = {}): number {
    const { sql, params } = this.articleConditions(collections, options);
    return (this.db.prepare(`SELECT count(*) AS n FROM articles a WHERE ${sql}`).get(...params) as { n: number }).n;
  }

  /** The articles' sources, those with most articles first; `search` keeps those containing it. */
  listSources(collections: CollectionId | readonly CollectionId[], options: { search?: string; limit?: number } = {}): { source: string; articles: number }[] {
    const { sql, params } = this.articleConditions(collections, { filter: options.search ? { source: options.search } : undefined });
    return this.db
      .prepare(`SELECT a.source AS source, count(*) AS articles FROM articles a WHERE ${sql} AND a.source IS NOT NULL GROUP BY a.source ORDER BY articles DESC, a.source LIMIT ?`)
      .all(...params, options.limit ?? -1) as { source: string; articles: number }[];
  }

  /** The WHERE clause on articles (alias `a`) for collections, a title or id search, and a filter. */
  private articleConditions(collections: CollectionId | readonly CollectionId[], options: { search?: string; filter?: ArticleFilter }): { sql: string; params: string[] } {
    const list = collectionList(collections);
    const search = options.search?.trim() ? likePattern(options.search.trim()) : null;
    const filter = filterSql(options.filter);
    return {
      sql: `a.collection IN (${placeholders(list)}) ${search ? "AND (a.title LIKE ? ESCAPE '\\' OR a.id LIKE ? ESCAPE '\\')" : ''} ${filter.sql}`,
      params: [...list, ...(search ? [search, search] : []), ...filter.params],
    };
  }

  countPassages(collections?: CollectionId | readonly CollectionId[]): number {
    if (collections === undefined) return (this.db.prepare('SELECT count(*) AS n FROM passages').get() as { n: number }).n;
    const list = collectionList(collections);
    const row = this.db
      .prepare(`SELECT count(*) AS n FROM passages p JOIN articles a ON a.rowid = p.article_rowid WHERE a.collection IN (${placeholders(list)})`)
      .get(...list) as { n: number };
    return row.n;
  }

  passagesByRowid(rowids: readonly number[]): Map<number, StoredPassage> {
    const result = new Map<number, StoredPassage>();
    const select = this.db.prepare(
      'SELECT rowid, article_rowid, position, paragraph_start, paragraph_end, char_start, char_end, text FROM passages WHERE rowid = ?',
    );
    for (const rowid of rowids) {
      const row = select.get(rowid) as StoredPassage | undefined;
      if (row) result.set(rowid, row);
    }
    return result;
  }

  vectorOf(rowid: number): Float32Array | null {
    const row = this.db.prepare('SELECT vector FROM passages WHERE rowid = ?').get(rowid) as { vector: Buffer | null } | undefined;
    return row?.vector ? blobToVector(row.vector) : null;
  }

  termsOf(rowid: number): string[] {
    const row = this.db.prepare('SELECT terms FROM passage_terms WHERE rowid = ?').get(rowid) as { terms: string } | undefined;
    return row ? row.terms.split(' ').filter(Boolean) : [];
  }

  /** Every stored vector, for rebuilding the HNSW cache. */
  *allVectors(): Generator<{ rowid: number; vector: Float32Array }> {
    const rows = this.db.prepare('SELECT rowid, vector FROM passages WHERE vector IS NOT NULL').iterate() as IterableIterator<{ rowid: number; vector: Buffer }>;
    for (const row of rows) yield { rowid: row.rowid, vector: blobToVector(row.vector) };
  }

  /** Stored vectors with rowids above `afterRowid`, in rowid order: one page of a sliced rebuild. */
  vectorsAfter(afterRowid: number, limit: number): { rowid: number; vector: Float32Array }[] {
    const rows = this.db
      .prepare('SELECT rowid, vector FROM passages WHERE vector IS NOT NULL AND rowid > ? ORDER BY rowid LIMIT ?')
      .all(afterRowid, limit) as { rowid: number; vector: Buffer }[];
    return rows.map((row) => ({ rowid: row.rowid, vector: blobToVector(row.vector) }));
  }

  allArticles(): StoredArticle[] {
    return this.db.prepare('SELECT * FROM articles ORDER BY rowid').all() as StoredArticle[];
  }

  /** One collection's articles in the order they were first stored, read one at a time. */
  articlesOf(collection: CollectionId): IterableIterator<StoredArticle> {
    return this.db.prepare('SELECT * FROM articles WHERE collection = ? ORDER BY rowid').iterate(collection) as IterableIterator<StoredArticle>;
  }

  countAllArticles(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM articles').get() as { n: number }).n;
  }

  countPassagesOf(articleRowid: number): number {
    return (this.db.prepare('SELECT count(*) AS n FROM passages WHERE article_rowid = ?').get(articleRowid) as { n: number }).n;
  }

  listCollections(): CollectionId[] {
    return this.db.prepare('SELECT DISTINCT collection FROM articles').pluck().all() as string[];
  }

  /**
   * Passage rowids of the given collections (the filter for vector search). Cached per store
   * generation: every question needs it, and it only changes when passages do.
   */
  passageRowids(collections: readonly CollectionId[], filter?: ArticleFilter): ReadonlySet<number> {
    const key = JSON.stringify([[...collections].sort(), filter ?? null]);
    const generation = this.generation();
    const cached = this.rowidCache.get(key);
    if (cached?.generation === generation) return cached.rowids;
    const rowids = this.loadPassageRowids(collections, filter);
    if (this.rowidCache.size > 64) this.rowidCache.clear();
    this.rowidCache.set(key, { generation, rowids });
    return rowids;
  }

  /** The stored vectors of the passages of the collections within the filter, read in one pass. */
  *vectorsOf(collections: readonly CollectionId[], filter: ArticleFilter | undefined): Generator<{ rowid: number; vector: Float32Array }> {
    const { sql, params } = this.articleConditions(collections, { filter });
    const rows = this.db
      .prepare(`SELECT p.rowid AS rowid, p.vector AS vector FROM passages p JOIN articles a ON a.rowid = p.article_rowid WHERE ${sql} AND p.vector IS NOT NULL`)
      .iterate(...params) as IterableIterator<{ rowid: number; vector: Buffer }>;
    for (const row of rows) yield { rowid: row.rowid, vector: blobToVector(row.vector) };
  }

  private loadPassageRowids(collections: readonly CollectionId[], filter: ArticleFilter | undefined): Set<number> {
    const { sql, params } = this.articleConditions(collections, { filter });
    const rows = this.db
      .prepare(`SELECT p.rowid FROM passages p JOIN articles a ON a.rowid = p.article_rowid WHERE ${sql}`)
      .pluck()
      .all(...params) as number[];
    return new Set(rows);
  }

  /** BM25 top-k over analyzed tokens, restricted to the collections. Lower bm25 is better. */
  keywordSearch(match: string, collections: readonly CollectionId[], k: number, filter?: ArticleFilter): { rowid: number; bm25: number }[] {
    const { sql, params } = this.articleConditions(collections, { filter });
    return this.db
      .prepare(
        `SELECT t.rowid AS rowid, bm25(passage_terms) AS bm25 FROM passage_terms t
         JOIN passages p ON p.rowid = t.rowid JOIN articles a ON a.rowid = p.article_rowid
         WHERE passage_terms MATCH ? AND ${sql}
         ORDER BY bm25 LIMIT ?`,
      )
      .all(match, ...params, k) as { rowid: number; bm25: number }[];
  }

  /** Number of passages containing each token (for idf). */
  documentFrequencies(tokens: readonly string[]): Map<string, number> {
    const result = new Map<string, number>();
    if (tokens.length === 0) return result;
    const rows = this.db
      .prepare(`SELECT term, doc FROM passage_terms_vocab WHERE term IN (${placeholders(tokens)})`)
      .all(...tokens) as { term: string; doc: number }[];
    for (const row of rows) result.set(row.term, row.doc);
    return result;
  }



  /** Runs fn in one transaction; nested store writes become savepoints. */
  transaction<T>(fn: () => T): T {
    return this.write(fn);
  }



  logQuestion(collection: CollectionId, question: string, answered: boolean, filter?: ArticleFilter): number {
    const info = this.write(() => this.db
      .prepare('INSERT INTO questions (collection, question, answered, asked_at, filter) VALUES (?, ?, ?, ?, ?)')
      .run(collection, question, answered ? 1 : 0, new Date().toISOString(), filter ? JSON.stringify(filter) : null));
    return Number(info.lastInsertRowid);
  }

  question(id: number): LoggedAsk | null {
    const row = this.db.prepare('SELECT question, collection, filter FROM questions WHERE id = ?').get(id) as { question: string; collection: string; filter: string | null } | undefined;
    return row ? { ...row, filter: storedFilter(row.filter) } : null;
  }

  recordFeedback(questionId: number, userId: string, vote: 'up' | 'down'): void {
    this.write(() => this.db
      .prepare('INSERT INTO feedback (question_id, user_id, vote) VALUES (?, ?, ?) ON CONFLICT(question_id, user_id) DO UPDATE SET vote = excluded.vote')
      .run(questionId, userId, vote));
  }

  /** The question log, newest first, with each question's votes; `beforeId` pages back from a question. */
  listQuestions(collection: CollectionId | undefined, options: QuestionFilter): LoggedQuestion[] {
    const conditions: string[] = [];
    const args: (string | number)[] = [];
    if (collection !== undefined) {
      conditions.push('q.collection = ?');
      args.push(collection);
    }
    if (options.unanswered) conditions.push('q.answered = 0');
    if (options.beforeId !== undefined) {
      conditions.push('q.id < ?');
      args.push(options.beforeId);
    }
    const rows = this.db
      .prepare(
        `SELECT q.id AS id, q.collection AS collection, q.question AS question, q.answered AS answered, q.asked_at AS askedAt, q.filter AS filter,
                count(CASE WHEN f.vote = 'up' THEN 1 END) AS up, count(CASE WHEN f.vote = 'down' THEN 1 END) AS down
         FROM questions q LEFT JOIN feedback f ON f.question_id = q.id
         ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
         GROUP BY q.id ${options.downvoted ? 'HAVING down > 0' : ''}
         ORDER BY q.id DESC LIMIT ?`,
      )
      .all(...args, options.limit) as (Omit<LoggedQuestion, 'answered' | 'filter'> & { answered: number; filter: string | null })[];
    return rows.map((row) => ({ ...row, answered: row.answered === 1, filter: storedFilter(row.filter) }));
  }

  questionStats(collection?: CollectionId): QuestionStats {
    const where = collection === undefined ? '' : 'WHERE q.collection = ?';
    const and = where ? `${where} AND` : 'WHERE';
    const args = collection === undefined ? [] : [collection];
    const asked = (this.db.prepare(`SELECT count(*) AS n FROM questions q ${where}`).get(...args) as { n: number }).n;
    const unanswered = this.db
      .prepare(`SELECT question, asked_at AS askedAt FROM questions q ${and} answered = 0 ORDER BY asked_at DESC, id DESC LIMIT 10`)
      .all(...args) as QuestionStats['unanswered'];
    // The same question asked again differs only in case and spacing; the latest wording is shown.
    const mostAsked = (
      this.db
        .prepare(
          `SELECT lower(trim(question)) AS k, count(*) AS times, max(id) AS latest, sum(answered) AS answeredTimes
           FROM questions q ${where} GROUP BY k HAVING times > 1 ORDER BY times DESC, latest DESC LIMIT 5`,
        )
        .all(...args) as { latest: number; times: number; answeredTimes: number }[]
    ).map((row) => ({
      question: (this.db.prepare('SELECT question FROM questions WHERE id = ?').get(row.latest) as { question: string }).question,
      times: row.times,
      answered: row.answeredTimes,
    }));
    const downvoted = this.db
      .prepare(
        `SELECT q.question AS question, q.asked_at AS askedAt, count(*) AS down FROM feedback f JOIN questions q ON q.id = f.question_id
         ${and} f.vote = 'down' GROUP BY q.id ORDER BY q.asked_at DESC, q.id DESC LIMIT 10`,
      )
      .all(...args) as QuestionStats['downvoted'];
    const votes = this.db
      .prepare(`SELECT f.vote AS vote, count(*) AS n FROM feedback f JOIN questions q ON q.id = f.question_id ${where} GROUP BY f.vote`)
      .all(...args) as { vote: 'up' | 'down'; n: number }[];
    return {
      asked,
      unanswered,
      mostAsked,
      downvoted,
      up: votes.find((v) => v.vote === 'up')?.n ?? 0,
      down: votes.find((v) => v.vote === 'down')?.n ?? 0,
    };
  }
}

/** One logged question with its votes. */
export interface QuestionFilter {
  unanswered?: boolean;
  downvoted?: boolean;
  /** Only questions logged before this one (the next page of a list). */
  beforeId?: number;
  limit: number;
}

/** A logged question as "More passages" asks it again. */
export interface LoggedAsk {
  question: string;
  collection: CollectionId;
  /** The dates or source it was limited to. */
  filter: ArticleFilter | null;
}

export interface LoggedQuestion extends LoggedAsk {
  id: number;
  answered: boolean;
  askedAt: string;
  up: number;
  down: number;
}

/** The filter column as written by logQuestion (JSON), or null. */
function storedFilter(json: string | null): ArticleFilter | null {
  return json === null ? null : (JSON.parse(json) as ArticleFilter);
}

export interface QuestionStats {
  asked: number;
  /** The 10 most recent questions no passage answered. */
  unanswered: { question: string; askedAt: string }[];
  /** Up to 5 questions asked more than once (case and spacing ignored), most often first; `answered` counts the times one was. */
  mostAsked: { question: string; times: number; answered: number }[];
  /** The 10 most recent questions whose reply someone marked 👎, with how many did. */
  downvoted: { question: string; askedAt: string; down: number }[];
  up: number;
  down: number;
}

/** Turns SQLite's errors into ones that say what to do. */
export function translateSqliteError(error: unknown, file: string): CitebotError {
  if (error instanceof CitebotError) return error;
  const code = (error as { code?: string }).code ?? '';
  const message = error instanceof Error ? error.message : String(error);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new UserError('store_locked', `the store ${file} is locked by another process; wait for it to finish (or stop the other citebot) and try again`, { cause: error });
  }
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT') || /quick_check|malformed|not a database/i.test(message)) {
    return new UserError('store_corrupt', `the store ${file} is not a readable citebot database (${message}); restore it from a backup, or move it away and re-ingest your articles`, { cause: error });
  }
  return new CitebotError('internal', `could not open the store ${file}: ${message}`, { cause: error });
}
