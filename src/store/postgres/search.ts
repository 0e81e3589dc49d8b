/**
 * What search and the vector index read from PostgreSQL (the store contract's SearchPort and
 * IndexSource reads). Keyword search runs in process over the partition (the collections this
 * process serves, loaded when first searched), scored with the corpus statistics of the whole
 * store; candidates come in one round trip and are cached. While the server is gone, what is
 * held answers.
 */
import type pg from 'pg';
import type { CollectionId } from '../../types.ts';
import type {
  CandidateRow,
  CollectionLoaded,
  CorpusStats,
  Generation,
  KeywordHit,
  PassageId,
  Scope,
  StoredArticle,
  StoredVector,
} from '../store-api.ts';
import { ftsTokens, type Bm25Stats } from '../index/keyword-index.ts';
import { isConnectionError, type StoreSession } from './connection.ts';
import { Partition } from './partition.ts';
import { ARTICLE_COLUMNS, articleConditions, bytesToVector, Params } from './sql.ts';

/** Candidate rows kept for reuse and for answering while the server is gone. */
const CANDIDATE_CACHE_SIZE = 20_000;

interface GlobalStats {
  generation: Generation;
  passages: number;
  tokens: number;
  docs: Map<string, number>;
}

export class PostgresSearch {
  private readonly partition: Partition;
  private readonly candidateCache = new Map<PassageId, CandidateRow>();
  private stats: GlobalStats | null = null;
  private readonly scopeIds = new Map<string, { generation: Generation; ids: ReadonlySet<PassageId> }>();

  constructor(
    private readonly session: StoreSession,
    onLoaded: (loaded: CollectionLoaded) => void,
  ) {
    this.partition = new Partition(session.pool, onLoaded);
  }

  /** Brings every loaded collection up to date (on a NOTIFY, so the next question does not pay for it). */
  async catchUp(): Promise<void> {
    const collections = this.partition.loadedCollections();
    if (collections.length) this.session.saw(await this.partition.bringUpToDate(collections));
  }

  /** Passages a write removed: their cached rows are stale. */
  forget(ids: readonly PassageId[]): void {
    for (const id of ids) this.candidateCache.delete(id);
  }

  /**
   * Brings the scope's collections up to the generation this process knows of: no round trip
   * when they are there already. While the server is gone, what is held answers.
   */
  private async partitionFor(collections: readonly CollectionId[]): Promise<void> {
    const loaded = collections.every((c) => this.partition.loaded(c));
    if (loaded && collections.every((c) => this.partition.generationOf(c) >= this.session.knownGeneration)) return;
    if (loaded && !this.session.online) return;
    try {
      this.session.saw(await this.partition.bringUpToDate(collections));
    } catch (error) {
      if (!isConnectionError(error) || !loaded) throw error;
    }
  }

  /**
   * The corpus totals and the passages holding each key, over the whole store (so a partition
   * scores as the whole store would), cached per generation; the last known while offline.
   */
  private async globalStats(keys: readonly string[]): Promise<GlobalStats> {
    if (this.stats && this.stats.generation < this.session.knownGeneration) this.stats = null;
    const missing = keys.filter((key) => !this.stats?.docs.has(key));
    if (this.stats && missing.length === 0) return this.stats;
    try {
      const rows = await this.session.query(
        `SELECT s.generation, s.passages, s.tokens, t.term, t.docs FROM store_state s LEFT JOIN term_stats t ON t.term = ANY($1::text[]) WHERE s.id = 1`,
        [missing],
      );
      const first = rows.rows[0] as { generation: number; passages: number; tokens: number };
      this.session.saw(first.generation);
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
    const generation = this.session.knownGeneration;
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
    const rows = await this.session.query(
      `SELECT p.rowid, p.vector FROM passages p JOIN articles a ON a.rowid = p.article_rowid WHERE ${where} AND p.vector IS NOT NULL`,
      params.values,
    );
    return toStoredVectors(rows);
  }

  /**
   * One round trip for every candidate not cached: each article's body travels once, on the
   * first of its passages. Passage rows never change (a replaced article gets new passages),
   * so a cached row is good while the passage exists.
   */
  async candidates(ids: readonly PassageId[]): Promise<Map<PassageId, CandidateRow>> {
    const result = new Map<PassageId, CandidateRow>();
    const online = this.session.online;
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
      rows = await this.session.query(
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
    const rows = await this.session.query('SELECT rowid FROM passages');
    return new Set((rows.rows as { rowid: number }[]).map((r) => r.rowid));
  }

  async vectorsOf(ids: readonly PassageId[]): Promise<Map<PassageId, Float32Array>> {
    const rows = await this.session.query(
      'SELECT rowid, vector FROM passages WHERE rowid = ANY($1::int[]) AND vector IS NOT NULL',
      [[...ids]],
    );
    return new Map(toStoredVectors(rows).map((row) => [row.id, row.vector]));
  }

  async vectorsAfter(after: PassageId, limit: number): Promise<StoredVector[]> {
    return toStoredVectors(
      await this.session.query(
        'SELECT rowid, vector FROM passages WHERE vector IS NOT NULL AND rowid > $1 ORDER BY rowid LIMIT $2',
        [after, limit],
      ),
    );
  }
}

function toStoredVectors(rows: pg.QueryResult): StoredVector[] {
  return (rows.rows as { rowid: number; vector: Buffer }[]).map((row) => ({
    id: row.rowid,
    vector: bytesToVector(row.vector),
  }));
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
