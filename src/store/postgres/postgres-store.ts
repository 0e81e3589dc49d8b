/**
 * The store contract over PostgreSQL (node-postgres), for several processes sharing one
 * database. PostgreSQL holds everything; each process holds derived caches for the collections
 * it serves (the keyword index of its partition, recently read candidates) and keeps them in
 * step from the change log, prompted by NOTIFY. While the server is unreachable, questions are
 * answered from those caches and changes are refused with a clear message.
 *
 * This file: opening, the listeners, writes and the change log, the model record. Reads are in
 * articles.ts (articles and counts) and search.ts (search and the vector index's reads), the
 * question log in questions.ts, the write transaction in writes.ts.
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
import { PostgresArticleReads } from './articles.ts';
import {
  createPool,
  describeUrl,
  inTransaction,
  isConnectionError,
  StoreSession,
  unreachableAtStart,
} from './connection.ts';
import { ChangeListener } from './listener.ts';
import { PostgresQuestionLog } from './questions.ts';
import { migrate } from './schema.ts';
import { PostgresSearch } from './search.ts';
import { Params } from './sql.ts';
import { setMeta, setModel, WriteTransaction } from './writes.ts';

export class PostgresStore extends PostgresQuestionLog implements CitebotStore {
  readonly description;
  private readonly session: StoreSession;
  private readonly listener: ChangeListener;
  private readonly articles: PostgresArticleReads;
  private readonly search: PostgresSearch;
  private readonly changeListeners = new Set<(generation: Generation) => void>();
  private readonly loadListeners = new Set<(loaded: CollectionLoaded) => void>();

  private constructor(
    private readonly pool: pg.Pool,
    url: string,
  ) {
    const session = new StoreSession(pool, url);
    super(
      (sql, values) => session.query(sql, values),
      (sql, values) => session.change(() => pool.query(sql, values)),
    );
    this.session = session;
    this.listener = new ChangeListener(url, {
      onChange: (generation) => this.heard(generation),
      onOnline: () => undefined,
    });
    session.followOnline(this.listener);
    this.description = { backend: 'postgres' as const, location: describeUrl(url) };
    this.articles = new PostgresArticleReads(session);
    this.search = new PostgresSearch(session, (loaded) => {
      for (const listen of this.loadListeners) listen(loaded);
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
      store.session.saw(await store.readGeneration());
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
    if (generation !== null) this.session.saw(generation);
    // Catch the caches up now, so the next question does not pay for it.
    this.search.catchUp().then(
      async () => {
        const current = generation ?? (await this.generation());
        for (const listener of this.changeListeners) listener(current);
      },
      () => undefined,
    );
  }

  private write(fn: (tx: WriteTransaction) => Promise<void>): Promise<WriteResult> {
    return this.session.change(async () => {
      const tx = await inTransaction(this.pool, async (client) => {
        const tx = await WriteTransaction.begin(client);
        await fn(tx);
        await tx.finish();
        return tx;
      });
      this.session.saw(tx.generation);
      this.search.forget(tx.removed);
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
    const row = await this.session.query('SELECT generation FROM store_state WHERE id = 1');
    return (row.rows[0] as { generation: number }).generation;
  }

  /** The last committed generation; while the server is gone, the last one this process saw. */
  async generation(): Promise<Generation> {
    if (!this.session.online) return this.session.knownGeneration;
    try {
      this.session.saw(await this.readGeneration());
    } catch (error) {
      if (!isConnectionError(error)) throw error;
    }
    return this.session.knownGeneration;
  }

  async changesSince(since: Generation, collections?: readonly CollectionId[]): Promise<PassageId[] | null> {
    const state = await this.session.query('SELECT changes_kept_since FROM store_state WHERE id = 1');
    if (since < (state.rows[0] as { changes_kept_since: number }).changes_kept_since) return null;
    const params = new Params();
    const scope = collections ? `AND collection = ANY(${params.add(collections)}::text[])` : '';
    const rows = await this.session.query(
      `SELECT DISTINCT passage_rowid FROM passage_changes WHERE generation > ${params.add(since)} ${scope} ORDER BY passage_rowid`,
      params.values,
    );
    return (rows.rows as { passage_rowid: number }[]).map((row) => row.passage_rowid);
  }

  async pruneChanges(through: Generation): Promise<void> {
    await this.session.change(() =>
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

  // --- Reads (articles.ts, search.ts) ---------------------------------------------------------

  findArticle(collection: CollectionId, id: string): Promise<StoredArticle | null> {
    return this.articles.findArticle(collection, id);
  }
  listArticles(collections: CollectionId | readonly CollectionId[], options?: ArticlePage): Promise<ArticleRow[]> {
    return this.articles.listArticles(collections, options);
  }
  countArticles(collections: CollectionId | readonly CollectionId[], options?: ArticleQuery): Promise<number> {
    return this.articles.countArticles(collections, options);
  }
  countAllArticles(): Promise<number> {
    return this.articles.countAllArticles();
  }
  listSources(
    collections: CollectionId | readonly CollectionId[],
    options?: { search?: string; limit?: number },
  ): Promise<SourceCount[]> {
    return this.articles.listSources(collections, options);
  }
  listCollections(): Promise<CollectionId[]> {
    return this.articles.listCollections();
  }
  articlesOf(collection: CollectionId): AsyncIterable<StoredArticle> {
    return this.articles.articlesOf(collection);
  }
  countPassages(collections?: CollectionId | readonly CollectionId[]): Promise<number> {
    return this.articles.countPassages(collections);
  }
  countPassagesOf(articleRowid: number): Promise<number> {
    return this.articles.countPassagesOf(articleRowid);
  }
  corpusStats(tokens: readonly string[]): Promise<CorpusStats> {
    return this.search.corpusStats(tokens);
  }
  keywordSearch(tokens: readonly string[], scope: Scope, k: number): Promise<KeywordHit[]> {
    return this.search.keywordSearch(tokens, scope, k);
  }
  passageIds(scope: Scope): Promise<ReadonlySet<PassageId>> {
    return this.search.passageIds(scope);
  }
  vectorsIn(scope: Scope): Promise<StoredVector[]> {
    return this.search.vectorsIn(scope);
  }
  candidates(ids: readonly PassageId[]): Promise<Map<PassageId, CandidateRow>> {
    return this.search.candidates(ids);
  }
  allPassageIds(): Promise<ReadonlySet<PassageId>> {
    return this.search.allPassageIds();
  }
  vectorsOf(ids: readonly PassageId[]): Promise<Map<PassageId, Float32Array>> {
    return this.search.vectorsOf(ids);
  }
  vectorsAfter(after: PassageId, limit: number): Promise<StoredVector[]> {
    return this.search.vectorsAfter(after, limit);
  }

  // --- Model ----------------------------------------------------------------------------------

  private async getMeta(key: string): Promise<string | null> {
    const row = await this.session.query('SELECT value FROM meta WHERE key = $1', [key]);
    return (row.rows[0] as { value: string } | undefined)?.value ?? null;
  }

  async model(): Promise<ModelRecord | null> {
    const id = await this.getMeta('model_id');
    if (id === null) return null;
    const dim = await this.getMeta('model_dim');
    return { id, dim: dim === null || dim === '' ? null : Number(dim) };
  }

  async setModel(model: ModelRecord): Promise<void> {
    await this.session.change(() => inTransaction(this.pool, (client) => setModel(client, model)));
  }

  calibrations(): Promise<string | null> {
    return this.getMeta('calibrations');
  }

  async setCalibrations(json: string): Promise<void> {
    await this.session.change(() => inTransaction(this.pool, (client) => setMeta(client, 'calibrations', json)));
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
