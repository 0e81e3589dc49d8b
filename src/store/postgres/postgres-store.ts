/**
 * The store contract over PostgreSQL (node-postgres), for several processes sharing one
 * database. PostgreSQL holds everything; each process holds derived caches for the collections
 * it serves (the keyword index of its partition, recently read candidates) and keeps them in
 * step from the change log, prompted by NOTIFY. While the server is unreachable, questions are
 * answered from those caches and changes are refused with a clear message.
 */
import type pg from 'pg';
import type { CollectionId } from '../../types.ts';
import type {
  ArticlePage,
  ArticleQuery,
  ArticleRow,
  ArticleToSave,
  CandidateRow,
  CitebotStore,
  CollectionLoaded,
  CorpusStats,
  Generation,
  KeywordHit,
  ModelRecord,
  PassageId,
  Scope,
  SourceCount,
  StoredArticle,
  StoredVector,
  WriteResult,
} from '../store-api.ts';
import { ftsTokens, type Bm25Stats } from '../index/keyword-index.ts';
import {
  createPool,
  describeUrl,
  inTransaction,
  isConnectionError,
  unavailable,
  unreachableAtStart,
} from './connection.ts';
import type { IndexStore } from '../index/rebuild.ts';
import { PostgresIndexMirror } from './index-mirror.ts';
import { ChangeListener } from './listener.ts';
import { Partition } from './partition.ts';
import { PostgresQuestionLog } from './questions.ts';
import { migrate } from './schema.ts';
import { ARTICLE_COLUMNS, articleConditions, bytesToVector, collectionList, Params } from './sql.ts';
import { setMeta, setModel, WriteTransaction } from './writes.ts';

/** Candidate rows kept for reuse and for answering while the server is gone. */
const CANDIDATE_CACHE_SIZE = 20_000;

interface GlobalStats {
  generation: Generation;
  passages: number;
  tokens: number;
  docs: Map<string, number>;
}

export class PostgresStore extends PostgresQuestionLog implements CitebotStore {
  readonly description;
  private readonly partition: Partition;
  private readonly listener: ChangeListener;
  private readonly candidateCache = new Map<PassageId, CandidateRow>();
  private mirror: PostgresIndexMirror | null = null;
  private readonly articleCounts = new Map<string, number>();
  private knownGeneration: Generation = 0;
  private stats: GlobalStats | null = null;
  private readonly scopeIds = new Map<string, { generation: Generation; ids: ReadonlySet<PassageId> }>();
  private readonly changeListeners = new Set<(generation: Generation) => void>();
  private readonly loadListeners = new Set<(loaded: CollectionLoaded) => void>();

  private constructor(
    private readonly pool: pg.Pool,
    private readonly url: string,
  ) {
    super(
      (sql, values) => this.query(sql, values),
      (sql, values) => this.change(() => pool.query(sql, values)),
    );
    this.description = { backend: 'postgres' as const, location: describeUrl(url) };
    this.partition = new Partition(pool, (loaded) => {
      for (const listener of this.loadListeners) listener(loaded);
    });
    this.listener = new ChangeListener(url, {
      onChange: (generation) => this.heard(generation),
      onOnline: () => undefined,
    });
  }

  /** Connects, migrates the schema and starts listening; a clear error when the server cannot be reached. */
  static async open(url: string): Promise<PostgresStore> {
    const pool = createPool(url);
    const store = new PostgresStore(pool, url);
    try {
      const client = await pool.connect();
      try {
        await migrate(client, store.description.location);
      } finally {
        client.release();
      }
      await store.listener.start();
      store.knownGeneration = await store.readGeneration();
    } catch (error) {
      await store.close();
      throw isConnectionError(error) || ['28P01', '28000', '3D000'].includes((error as { code?: string }).code ?? '')
        ? unreachableAtStart(url, error)
        : error;
    }
    return store;
  }

  async close(): Promise<void> {
    await this.listener.close();
    await this.pool.end().catch(() => undefined);
  }

  /** The synchronous view the vector index reads (loaded on first call, then kept in step). */
  async indexStore(): Promise<IndexStore> {
    this.mirror ??= await PostgresIndexMirror.load(this.pool);
    return this.mirror;
  }

  /** Told on every change another process (or this one) committed; returns the unsubscribe. */
  onChange(listener: (generation: Generation) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  onCollectionLoaded(listener: (loaded: CollectionLoaded) => void): () => void {
    this.loadListeners.add(listener);
    return () => this.loadListeners.delete(listener);
  }

  private heard(generation: Generation | null): void {
    if (generation !== null) this.knownGeneration = Math.max(this.knownGeneration, generation);
    // Catch the partition up now, so the next question does not pay for it.
    const collections = this.partition.loadedCollections();
    const caughtUp = Promise.all([
      collections.length ? this.partition.bringUpToDate(collections) : null,
      this.mirror?.sync(),
    ]);
    caughtUp.then(
      async () => {
        const current = generation ?? (await this.generation());
        for (const listener of this.changeListeners) listener(current);
      },
      () => undefined,
    );
  }

  /** A read; a lost server becomes the error that says so (callers with a cache answer from it instead). */
  private async query(sql: string, values?: unknown[]): Promise<pg.QueryResult> {
    try {
      return await this.pool.query(sql, values);
    } catch (error) {
      throw isConnectionError(error) ? unavailable(this.url, error) : error;
    }
  }

  /** Runs a change; a lost server becomes the "nothing was changed" error. */
  private async change<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.listener.online) throw unavailable(this.url, new Error('the connection was lost'));
    try {
      return await fn();
    } catch (error) {
      throw isConnectionError(error) ? unavailable(this.url, error) : error;
    }
  }

  private write(fn: (tx: WriteTransaction) => Promise<void>): Promise<WriteResult> {
    return this.change(async () => {
      const tx = await inTransaction(this.pool, async (client) => {
        const tx = await WriteTransaction.begin(client);
        await fn(tx);
        await tx.finish();
        return tx;
      });
      this.knownGeneration = Math.max(this.knownGeneration, tx.generation);
      for (const id of tx.removed) this.candidateCache.delete(id);
      // The vector index reads the mirror right after a write returns: it must hold the write.
      await this.mirror?.sync().catch(() => undefined);
      return { generation: tx.generation, removed: tx.removed, added: tx.added };
    });
  }

  // --- Writes -------------------------------------------------------------------------------

  saveArticle(item: ArticleToSave): Promise<WriteResult> {
    return this.write((tx) => tx.saveArticles([item]));
  }

  saveArticles(items: readonly ArticleToSave[], options: { model?: ModelRecord } = {}): Promise<WriteResult> {
    return this.write(async (tx) => {
      await tx.saveArticles(items);
      if (options.model) await tx.setModel(options.model);
    });
  }

  async deleteArticle(
    collection: CollectionId,
    id: string,
  ): Promise<(WriteResult & { article: StoredArticle }) | null> {
    const existing = await this.findArticle(collection, id);
    if (!existing) return null;
    let article: StoredArticle | null = null;
    const result = await this.write(async (tx) => {
      article = await tx.findArticle(collection, id);
      if (article) await tx.deleteArticle(article);
    });
    return article ? { ...result, article } : null;
  }

  // --- Change log -----------------------------------------------------------------------------

  private async readGeneration(): Promise<Generation> {
    const row = await this.query('SELECT generation FROM store_state WHERE id = 1');
    return (row.rows[0] as { generation: number }).generation;
  }

  /** The last committed generation; while the server is gone, the last one this process saw. */
  async generation(): Promise<Generation> {
    if (!this.listener.online) return this.knownGeneration;
    try {
      this.knownGeneration = Math.max(this.knownGeneration, await this.readGeneration());
    } catch (error) {
      if (!isConnectionError(error)) throw error;
    }
    return this.knownGeneration;
  }

  async changesSince(since: Generation, collections?: readonly CollectionId[]): Promise<PassageId[] | null> {
    const state = await this.query('SELECT changes_kept_since FROM store_state WHERE id = 1');
    if (since < (state.rows[0] as { changes_kept_since: number }).changes_kept_since) return null;
    const params = new Params();
    const scope = collections ? `AND collection = ANY(${params.add(collections)}::text[])` : '';
    const rows = await this.query(
      `SELECT DISTINCT passage_rowid FROM passage_changes WHERE generation > ${params.add(since)} ${scope} ORDER BY passage_rowid`,
      params.values,
    );
    return (rows.rows as { passage_rowid: number }[]).map((row) => row.passage_rowid);
  }

  async pruneChanges(through: Generation): Promise<void> {
    await this.change(() =>
      inTransaction(this.pool, async (client) => {
        await client.query('SELECT 1 FROM store_state WHERE id = 1 FOR UPDATE');
        await client.query('DELETE FROM passage_changes WHERE generation <= $1', [through]);
        await client.query(
          'UPDATE store_state SET changes_kept_since = greatest(changes_kept_since, $1) WHERE id = 1',
          [through],
        );
      }),
    );
  }

  // --- Articles -------------------------------------------------------------------------------

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

  /** Every answer counts the searched articles: the last count of each scope answers while the server is gone. */
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
    return (
      (await this.query('SELECT DISTINCT collection FROM articles ORDER BY collection')).rows as {
        collection: string;
      }[]
    ).map((r) => r.collection);
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
    return (
      (await this.query('SELECT count(*)::int AS n FROM passages WHERE article_rowid = $1', [articleRowid]))
        .rows[0] as { n: number }
    ).n;
  }

  // --- Search ---------------------------------------------------------------------------------

  /**
   * Brings the scope's collections up to the generation this process knows of (its own writes,
   * NOTIFYs heard, the last generation() read): no round trip when they are there already.
   * While the server is gone, what is held answers.
   */
  private async partitionFor(collections: readonly CollectionId[]): Promise<void> {
    const loaded = collections.every((c) => this.partition.loaded(c));
    if (loaded && collections.every((c) => this.partition.generationOf(c) >= this.knownGeneration)) return;
    if (loaded && !this.listener.online) return;
    try {
      this.knownGeneration = Math.max(this.knownGeneration, await this.partition.bringUpToDate(collections));
    } catch (error) {
      if (!isConnectionError(error) || !loaded) throw error;
    }
  }

  /**
   * The corpus totals and the passages holding each key, over the whole store (so a partition
   * scores as the whole store would), cached per generation; the last known while offline.
   */
  private async globalStats(keys: readonly string[]): Promise<GlobalStats> {
    if (this.stats && this.stats.generation < this.knownGeneration) this.stats = null;
    const missing = keys.filter((key) => !this.stats?.docs.has(key));
    if (this.stats && missing.length === 0) return this.stats;
    try {
      const rows = await this.query(
        `SELECT s.generation, s.passages, s.tokens, t.term, t.docs FROM store_state s LEFT JOIN term_stats t ON t.term = ANY($1::text[]) WHERE s.id = 1`,
        [missing],
      );
      const first = rows.rows[0] as { generation: number; passages: number; tokens: number };
      this.knownGeneration = Math.max(this.knownGeneration, first.generation);
      if (this.stats?.generation !== first.generation)
        this.stats = { generation: first.generation, passages: first.passages, tokens: first.tokens, docs: new Map() };
      for (const key of missing) this.stats.docs.set(key, 0);
      for (const row of rows.rows as { term: string | null; docs: number }[])
        if (row.term !== null) this.stats.docs.set(row.term, row.docs);
      return this.stats;
    } catch (error) {
      if (!isConnectionError(error) || !this.stats) throw error;
      return this.stats;
    }
  }

  async corpusStats(tokens: readonly string[]): Promise<CorpusStats> {
    const stats = await this.globalStats(tokens);
    const documentFrequencies = new Map<string, number>();
    for (const token of tokens) {
      const docs = stats.docs.get(token) ?? 0;
      if (docs > 0) documentFrequencies.set(token, docs);
    }
    return { passages: stats.passages, documentFrequencies };
  }

  async keywordSearch(tokens: readonly string[], scope: Scope, k: number): Promise<KeywordHit[]> {
    await this.partitionFor(scope.collections);
    const keys = tokens.map((token) => ftsTokens(token).join(' ')).filter(Boolean);
    const stats = await this.globalStats(keys);
    const bm25: Bm25Stats = {
      passages: stats.passages,
      tokens: stats.tokens,
      documentFrequency: (phrase) => stats.docs.get(phrase.join(' ')) ?? 0,
    };
    const accept = scope.filter ? (id: PassageId) => this.partition.inScope(id, scope) : undefined;
    const hits = scope.collections.flatMap(
      (collection) => this.partition.index(collection)?.search(tokens, k, { accept, stats: bm25 }) ?? [],
    );
    hits.sort((a, b) => b.score - a.score || a.id - b.id);
    return hits.slice(0, k);
  }

  async passageIds(scope: Scope): Promise<ReadonlySet<PassageId>> {
    await this.partitionFor(scope.collections);
    const key = JSON.stringify([[...scope.collections].sort(), scope.filter ?? null]);
    const generation = this.knownGeneration;
    const cached = this.scopeIds.get(key);
    if (cached?.generation === generation) return cached.ids;
    const ids = this.partition.idsIn(scope);
    if (this.scopeIds.size > 64) this.scopeIds.clear();
    this.scopeIds.set(key, { generation, ids });
    return ids;
  }

  async vectorsIn(scope: Scope): Promise<StoredVector[]> {
    const params = new Params();
    const where = articleConditions(scope.collections, { filter: scope.filter }, params);
    const rows = await this.query(
      `SELECT p.rowid, p.vector FROM passages p JOIN articles a ON a.rowid = p.article_rowid WHERE ${where} AND p.vector IS NOT NULL`,
      params.values,
    );
    return (rows.rows as { rowid: number; vector: Buffer }[]).map((row) => ({
      id: row.rowid,
      vector: bytesToVector(row.vector),
    }));
  }

  /**
   * One round trip for every candidate not cached: each article's body travels once, on the
   * first of its passages. Passage rows never change (a replaced article gets new passages),
   * so a cached row is good while the passage exists.
   */
  async candidates(ids: readonly PassageId[]): Promise<Map<PassageId, CandidateRow>> {
    const result = new Map<PassageId, CandidateRow>();
    const online = this.listener.online;
    const missing: PassageId[] = [];
    for (const id of ids) {
      const cached = this.candidateCache.get(id);
      // Online, a cached row is trusted only for passages the partition knows are still there.
      if (cached && (!online || this.partition.facts.has(id))) result.set(id, cached);
      else missing.push(id);
    }
    if (missing.length === 0 || !online) return result;
    let rows: pg.QueryResult;
    try {
      rows = await this.query(
        `SELECT p.rowid AS p_rowid, p.article_rowid, p.position, p.paragraph_start, p.paragraph_end, p.char_start, p.char_end, p.text, p.terms, p.vector,
                ${ARTICLE_COLUMNS.replace('a.body', 'CASE WHEN row_number() OVER (PARTITION BY a.rowid ORDER BY p.rowid) = 1 THEN a.body END AS body')}
         FROM passages p JOIN articles a ON a.rowid = p.article_rowid WHERE p.rowid = ANY($1::int[])`,
        [missing],
      );
    } catch (error) {
      if (isConnectionError(error)) return result;
      throw error;
    }
    const articles = new Map<number, StoredArticle>();
    for (const row of rows.rows) if (row.body !== null) articles.set(row.rowid, rowToArticle(row));
    for (const row of rows.rows) {
      const candidate: CandidateRow = {
        passage: {
          rowid: row.p_rowid,
          article_rowid: row.article_rowid,
          position: row.position,
          paragraph_start: row.paragraph_start,
          paragraph_end: row.paragraph_end,
          char_start: row.char_start,
          char_end: row.char_end,
          text: row.text,
        },
        terms: (row.terms as string).split(' ').filter(Boolean),
        vector: row.vector ? bytesToVector(row.vector) : null,
        article: articles.get(row.rowid)!,
      };
      result.set(row.p_rowid, candidate);
      this.remember(row.p_rowid, candidate);
    }
    return result;
  }

  private remember(id: PassageId, candidate: CandidateRow): void {
    this.candidateCache.delete(id);
    this.candidateCache.set(id, candidate);
    if (this.candidateCache.size > CANDIDATE_CACHE_SIZE)
      this.candidateCache.delete(this.candidateCache.keys().next().value!);
  }

  // --- Index source ---------------------------------------------------------------------------

  async allPassageIds(): Promise<ReadonlySet<PassageId>> {
    return new Set(((await this.query('SELECT rowid FROM passages')).rows as { rowid: number }[]).map((r) => r.rowid));
  }

  async vectorsOf(ids: readonly PassageId[]): Promise<Map<PassageId, Float32Array>> {
    const rows = await this.query(
      'SELECT rowid, vector FROM passages WHERE rowid = ANY($1::int[]) AND vector IS NOT NULL',
      [[...ids]],
    );
    return new Map(
      (rows.rows as { rowid: number; vector: Buffer }[]).map((row) => [row.rowid, bytesToVector(row.vector)]),
    );
  }

  async vectorsAfter(after: PassageId, limit: number): Promise<StoredVector[]> {
    const rows = await this.query(
      'SELECT rowid, vector FROM passages WHERE vector IS NOT NULL AND rowid > $1 ORDER BY rowid LIMIT $2',
      [after, limit],
    );
    return (rows.rows as { rowid: number; vector: Buffer }[]).map((row) => ({
      id: row.rowid,
      vector: bytesToVector(row.vector),
    }));
  }

  // --- Model ----------------------------------------------------------------------------------

  private async getMeta(key: string): Promise<string | null> {
    const row = await this.query('SELECT value FROM meta WHERE key = $1', [key]);
    return (row.rows[0] as { value: string } | undefined)?.value ?? null;
  }

  async model(): Promise<ModelRecord | null> {
    const id = await this.getMeta('model_id');
    if (id === null) return null;
    const dim = await this.getMeta('model_dim');
    return { id, dim: dim === null || dim === '' ? null : Number(dim) };
  }

  async setModel(model: ModelRecord): Promise<void> {
    await this.change(() => inTransaction(this.pool, (client) => setModel(client, model)));
  }

  calibrations(): Promise<string | null> {
    return this.getMeta('calibrations');
  }

  async setCalibrations(json: string): Promise<void> {
    await this.change(() => inTransaction(this.pool, (client) => setMeta(client, 'calibrations', json)));
  }

  /**
   * Rewrites every passage's terms (and the statistics) when another analyzer version wrote
   * them, as one write under a new generation, so every process's keyword index catches up.
   */
  async reanalyze(version: number, termsOf: (text: string) => string[]): Promise<number> {
    if ((await this.getMeta('analyzer_version')) === String(version)) return 0;
    let rewritten = 0;
    await this.write(async (tx) => {
      rewritten = await tx.reanalyzeAll(termsOf);
      await setMeta(tx.client, 'analyzer_version', String(version));
    });
    return rewritten;
  }
}

function rowToArticle(row: Record<string, unknown>): StoredArticle {
  return {
    rowid: row.rowid as number,
    collection: row.collection as string,
    id: row.id as string,
    title: row.title as string,
    date: row.date as string | null,
    source: row.source as string | null,
    section: row.section as string | null,
    url: row.url as string | null,
    content_hash: row.content_hash as string,
    body: row.body as string,
    paragraph_count: row.paragraph_count as number,
    ingested_at: row.ingested_at as string,
    ...(row.pages ? { pages: row.pages as number[] } : {}),
    ...(row.author ? { author: row.author as string } : {}),
  };
}
