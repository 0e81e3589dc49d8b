/**
 * The SQLite backend of the store contract (src/store/store-api.ts), the default: one file in
 * DATA_DIR. better-sqlite3 is synchronous; every method does its work at once and returns a
 * settled promise, so a write and the caller's mirror of it run in one step of the event loop.
 */
import type { ArticleFilter, CollectionId } from '../../types.ts';
import type {
  ArticlePage,
  ArticleQuery,
  ArticleRow,
  ArticleToSave,
  CandidateRow,
  CitebotStore,
  CorpusStats,
  KeywordHit,
  LoggedAsk,
  LoggedQuestion,
  ModelRecord,
  PassageId,
  QuestionFilter,
  QuestionStats,
  Scope,
  SourceCount,
  StoreDescription,
  StoredArticle,
  StoredVector,
  WriteResult,
} from '../store-api.ts';
import { ArticleTable } from './articles.ts';
import { ChangeLogTable } from './changes.ts';
import { MetaTable } from './meta.ts';
import { PassageTable } from './passages.ts';
import { QuestionTable } from './questions.ts';
import { openDatabase, translateSqliteError } from './schema.ts';
import type { Db } from './sql.ts';

export class SqliteStore implements CitebotStore {
  readonly description: StoreDescription;
  private readonly meta: MetaTable;
  private readonly changes: ChangeLogTable;
  private readonly articles: ArticleTable;
  private readonly passages: PassageTable;
  private readonly questions: QuestionTable;

  private constructor(
    private readonly db: Db,
    readonly file: string,
  ) {
    this.description = { backend: 'sqlite', location: file };
    this.meta = new MetaTable(db);
    this.changes = new ChangeLogTable(db, this.meta);
    this.articles = new ArticleTable(db);
    this.passages = new PassageTable(db);
    this.questions = new QuestionTable(db);
  }

  /** Opens (and creates or migrates) the store at `file`. */
  static open(file: string): SqliteStore {
    const db = openDatabase(file);
    try {
      return new SqliteStore(db, file);
    } catch (error) {
      db.close();
      throw translateSqliteError(error, file);
    }
  }

  /** Runs a write in one immediate transaction, turning SQLite's busy/corrupt errors into ones that say what to do. */
  private write<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn).immediate();
    } catch (error) {
      throw translateSqliteError(error, this.file);
    }
  }

  /** Runs a read, with SQLite's errors translated like a write's. */
  private read<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (error) {
      return Promise.reject(translateSqliteError(error, this.file));
    }
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  /**
   * Writes a consistent copy of the store to `file` with SQLite's online backup, page by page,
   * while other connections (the bot) keep reading and writing. (SQLite only: `backup`.)
   */
  async backupTo(file: string, onProgress?: (done: number, total: number) => void): Promise<void> {
    await this.db.backup(file, {
      progress: ({ totalPages, remainingPages }) => {
        onProgress?.(totalPages - remainingPages, totalPages);
        return 1000;
      },
    });
  }

  // --- writes

  /** Writes one article and its passages (inside a transaction); returns what changed, not yet logged. */
  private saveOne(item: ArticleToSave): { removed: PassageId[]; added: PassageId[] } {
    const existing = this.articles.findArticle(item.collection, item.article.id);
    const removed = existing ? this.passages.deleteOf(existing.rowid) : [];
    const articleRowid = this.articles.write(item.collection, item.article, item.body, item.contentHash, existing);
    return { removed, added: this.passages.insert(articleRowid, item.passages) };
  }

  async saveArticle(item: ArticleToSave): Promise<WriteResult> {
    return this.saveArticles([item]);
  }

  async saveArticles(items: readonly ArticleToSave[], options: { model?: ModelRecord } = {}): Promise<WriteResult> {
    return this.write(() => {
      const removed: PassageId[] = [];
      const added: PassageId[] = [];
      const logged: { id: PassageId; collection: CollectionId }[] = [];
      for (const item of items) {
        const change = this.saveOne(item);
        removed.push(...change.removed);
        added.push(...change.added);
        for (const id of [...change.removed, ...change.added]) logged.push({ id, collection: item.collection });
      }
      if (options.model) this.meta.setModel(options.model);
      return { generation: this.changes.record(logged), removed, added };
    });
  }

  async deleteArticle(
    collection: CollectionId,
    id: string,
  ): Promise<(WriteResult & { article: StoredArticle }) | null> {
    return this.write(() => {
      const article = this.articles.findArticle(collection, id);
      if (!article) return null;
      const removed = this.passages.deleteOf(article.rowid);
      this.articles.delete(article.rowid);
      const generation = this.changes.record(removed.map((passage) => ({ id: passage, collection })));
      return { article, removed, added: [], generation };
    });
  }

  // --- change log

  generation(): Promise<number> {
    return this.read(() => this.changes.generation());
  }

  changesSince(since: number, collections?: readonly CollectionId[]): Promise<PassageId[] | null> {
    return this.read(() => this.changes.changedSince(since, collections));
  }

  async pruneChanges(through: number): Promise<void> {
    this.write(() => this.changes.pruneThrough(through));
  }

  // --- model and analyzer

  model(): Promise<ModelRecord | null> {
    return this.read(() => this.meta.model());
  }

  async setModel(model: ModelRecord): Promise<void> {
    this.write(() => this.meta.setModel(model));
  }

  calibrations(): Promise<string | null> {
    return this.read(() => this.meta.get('calibrations'));
  }

  async setCalibrations(json: string): Promise<void> {
    this.write(() => this.meta.set('calibrations', json));
  }

  async reanalyze(version: number, termsOf: (text: string) => string[]): Promise<number> {
    if (this.meta.get('analyzer_version') === String(version)) return 0;
    return this.write(() => {
      const rewritten = this.passages.rewriteTerms(termsOf);
      this.meta.set('analyzer_version', String(version));
      return rewritten;
    });
  }

  // --- articles

  findArticle(collection: CollectionId, id: string): Promise<StoredArticle | null> {
    return this.read(() => this.articles.findArticle(collection, id));
  }

  listArticles(collections: CollectionId | readonly CollectionId[], options?: ArticlePage): Promise<ArticleRow[]> {
    return this.read(() => this.articles.listArticles(collections, options));
  }

  countArticles(collections: CollectionId | readonly CollectionId[], options?: ArticleQuery): Promise<number> {
    return this.read(() => this.articles.countArticles(collections, options));
  }

  countAllArticles(): Promise<number> {
    return this.read(() => this.articles.countAllArticles());
  }

  listSources(
    collections: CollectionId | readonly CollectionId[],
    options?: { search?: string; limit?: number },
  ): Promise<SourceCount[]> {
    return this.read(() => this.articles.listSources(collections, options));
  }

  listCollections(): Promise<CollectionId[]> {
    return this.read(() => this.articles.listCollections());
  }

  async *articlesOf(collection: CollectionId): AsyncIterable<StoredArticle> {
    for (let after = 0; ;) {
      const page = this.articles.page(collection, after);
      if (page.length === 0) return;
      yield* page;
      after = page.at(-1)!.rowid;
    }
  }

  /** Every article, in the order stored (reindex). */
  allArticles(): Promise<StoredArticle[]> {
    return this.read(() => this.articles.allArticles());
  }

  countPassages(collections?: CollectionId | readonly CollectionId[]): Promise<number> {
    return this.read(() =>
      collections === undefined ? this.passages.countAllPassages() : this.articles.countPassages(collections),
    );
  }

  countPassagesOf(articleRowid: number): Promise<number> {
    return this.read(() => this.passages.countPassagesOf(articleRowid));
  }

  // --- search

  corpusStats(tokens: readonly string[]): Promise<CorpusStats> {
    return this.read(() => ({
      passages: this.passages.countAllPassages(),
      documentFrequencies: this.passages.documentFrequencies(tokens),
    }));
  }

  keywordSearch(tokens: readonly string[], scope: Scope, k: number): Promise<KeywordHit[]> {
    return this.read(() => this.passages.keywordSearch(tokens, scope, k));
  }

  passageIds(scope: Scope): Promise<ReadonlySet<PassageId>> {
    return this.read(() => this.passages.passageIds(scope, this.changes.generation()));
  }

  vectorsIn(scope: Scope): Promise<StoredVector[]> {
    return this.read(() => this.passages.vectorsIn(scope));
  }

  candidates(ids: readonly PassageId[]): Promise<Map<PassageId, CandidateRow>> {
    return this.read(() => this.passages.candidates(ids, (rowids) => this.articles.byRowid(rowids)));
  }

  // --- vector index

  allPassageIds(): Promise<ReadonlySet<PassageId>> {
    return this.read(() => this.passages.allPassageIds());
  }

  vectorsOf(ids: readonly PassageId[]): Promise<Map<PassageId, Float32Array>> {
    return this.read(() => this.passages.vectorsOf(ids));
  }

  vectorsAfter(after: PassageId, limit: number): Promise<StoredVector[]> {
    return this.read(() => this.passages.vectorsAfter(after, limit));
  }

  // --- questions

  async logQuestion(
    collection: CollectionId,
    question: string,
    answered: boolean,
    filter?: ArticleFilter,
  ): Promise<number> {
    return this.write(() => this.questions.log(collection, question, answered, filter));
  }

  question(id: number): Promise<LoggedAsk | null> {
    return this.read(() => this.questions.question(id));
  }

  async recordFeedback(questionId: number, userId: string, vote: 'up' | 'down'): Promise<void> {
    this.write(() => this.questions.recordFeedback(questionId, userId, vote));
  }

  listQuestions(collection: CollectionId | undefined, options: QuestionFilter): Promise<LoggedQuestion[]> {
    return this.read(() => this.questions.list(collection, options));
  }

  questionStats(collection?: CollectionId): Promise<QuestionStats> {
    return this.read(() => this.questions.stats(collection));
  }
}
