/**
 * The engine: wires parse → passages → embed → store/index → search → answer.
 * Used by the CLI and the Discord layer; knows nothing about either.
 */
import { createHash } from 'node:crypto';
import { AutoTokenizer, env as transformersEnv } from '@xenova/transformers';
import { availableParallelism } from 'node:os';
import { basename, dirname } from 'node:path';
import { storeFile, type EngineConfig } from './config.ts';
import { openReranker, resolveReranker, type Reranker } from './embed/cross-encoder.ts';
import { EmbeddingPool } from './embed/pool.ts';
import type { ModelSpec } from './embed/model-spec.ts';
import { KEYWORD_ID, canonicalModelName, modelsDir, resolveAutoModel, resolveNamedModel, specFromFolder, type ModelChoice } from './embed/models.ts';
import { WordVectors } from './embed/word-vectors.ts';
import type { ArticleParagraphs, AskOptions, AskResult, ArticleSummary, CollectionStats, Engine, IngestOutcome, IngestProgress, SourceSummary } from './engine-api.ts';
import { CitebotError, UserError } from './errors.ts';
import { fetchUrl } from './ingest/fetch-url.ts';
import { readArticleInputs, type SkippedInput } from './ingest/files.ts';
import { articleBody, makePassages, makePassagesYielding } from './ingest/passages.ts';
import { fusionWeightsFor, type FusionWeights } from './search/fusion.ts';
import { highlightHits } from './search/highlight.ts';
import { ANALYZER_VERSION, analyze } from './search/lexical.ts';
import { bundledSynonyms } from './search/synonyms.ts';
import { search, type Found, type Hit, type SearchMode, type SearchResult } from './search/search.ts';
import { Store, storedToArticle, type LoggedAsk, type LoggedQuestion, type PassageToStore, type QuestionFilter, type StoredArticle } from './store/db.ts';
import { VectorIndex } from './store/index/vector-index.ts';
import { LIBRARY_COLLECTION, type AnswerPassage, type Article, type ArticleFilter, type Citation, type CollectionId, type Passage } from './types.ts';

export const MAX_QUESTION_CHARS = 1000;
const DEFAULT_K = 3;

export interface EngineOptions {
  /** One-line notices for the user (model choice, downloads, index rebuilds). */
  notice?: (message: string) => void;
  /** Open even if the recorded model is unavailable (only `reindex` does this, to repair). */
  ignoreRecordedModel?: boolean;
  /**
   * Rebuild a missing or stale vector index in the background and answer meanwhile (the bot);
   * otherwise opening waits for it (the CLI, which then answers from the whole index).
   */
  backgroundIndexRebuild?: boolean;
  /**
   * Open the store alone, to list and read articles and the question log: no model, no vector
   * index, so it is quick on a large library. Searching and changing throw.
   */
  storeOnly?: boolean;
}

export interface ModelInfo {
  id: string;
  kind: 'semantic' | 'keyword';
  dim: number | null;
  /** Why search is keyword-only, when it is. */
  reason: string | null;
}

interface Embedder {
  spec: ModelSpec;
  pool: EmbeddingPool;
  countTokens: (text: string) => number;
}

interface Semantic extends Embedder {
  vectors: VectorIndex;
}

/** Keyword-only indexes have no tokenizer: estimate generously (≈1.3 tokens a word). */
function estimateTokens(text: string): number {
  return Math.ceil(text.split(/\s+/).length * 1.3) + 2;
}

export class CitebotEngine implements Engine {
  readonly config: EngineConfig;
  readonly store: Store;
  private semantic: Semantic | null;
  private keywordReason: string | null;
  private weights: FusionWeights;
  private readonly notice: (message: string) => void;
  /** Loaded in the background from open(), only when the model's weights use them. */
  private wordVectors: Promise<WordVectors | null> | null = null;
  /** The cross-encoder of RERANK_MODEL; null when it is unset. */
  private readonly reranker: Reranker | null;
  private closed = false;

  private constructor(
    config: EngineConfig,
    store: Store,
    semantic: Semantic | null,
    keywordReason: string | null,
    notice: (message: string) => void,
    reranker: Reranker | null,
    private readonly storeOnly = false,
  ) {
    this.config = config;
    this.store = store;
    this.semantic = semantic;
    this.keywordReason = keywordReason;
    this.notice = notice;
    this.reranker = reranker;
    this.weights = weightsFor(this.modelId, semantic?.spec, config);
    if (!storeOnly) this.startWordVectors();
  }

  /** Starts loading (or, once per data directory, preparing) the word vectors when the weights use them. */
  private startWordVectors(): void {
    if ((this.weights.words <= 0 && this.weights.synonyms <= 0) || this.wordVectors) return;
    if (this.weights.synonyms > 0) bundledSynonyms();
    this.wordVectors = WordVectors.open(modelsDir(this.config), this.notice).catch((error: unknown) => {
      this.notice(`searching without word vectors: ${(error as Error).message.replace(/^citebot:\s*/, '')}`);
      return null;
    });
  }

  static async open(config: EngineConfig, options: EngineOptions = {}): Promise<CitebotEngine> {
    const notice = options.notice ?? (() => {});
    const store = Store.open(storeFile(config));
    if (options.storeOnly) return new CitebotEngine(config, store, null, null, notice, null, true);
    try {
      const reanalyzed = store.reanalyze(ANALYZER_VERSION, analyze);
      if (reanalyzed > 0) notice(`updated the keyword index of ${reanalyzed} passages for this version of citebot`);
      const choice = await chooseModel(config, store, notice, options.ignoreRecordedModel ?? false);
      const embedder = choice.kind === 'semantic' ? await startEmbedder(config, choice.spec) : null;
      const semantic = embedder ? await withIndex(config, store, embedder, { notice, background: options.backgroundIndexRebuild ?? false }) : null;
      let reranker: Reranker | null;
      try {
        reranker = await startReranker(config, notice);
      } catch (error) {
        semantic?.vectors.stopBackgroundWork();
        await semantic?.vectors.flush();
        await semantic?.pool.close();
        throw error;
      }
      return new CitebotEngine(config, store, semantic, choice.kind === 'keyword' ? choice.reason : null, notice, reranker);
    } catch (error) {
      store.close();
      throw error;
    }
  }

  get modelId(): string {
    return this.semantic?.spec.id ?? KEYWORD_ID;
  }

  model(): ModelInfo {
    return {
      id: this.modelId,
      kind: this.semantic ? 'semantic' : 'keyword',
      dim: this.semantic?.pool.dim ?? null,
      reason: this.keywordReason,
    };
  }

  /** The re-ranker's id (RERANK_MODEL), or null when answers are not re-ranked. */
  rerankerId(): string | null {
    return this.reranker?.spec.id ?? null;
  }

  /** Embeds texts with the index's model (questions' priority), or null when keyword-only. */
  embedder(): ((texts: string[]) => Promise<Float32Array[]>) | null {
    const semantic = this.semantic;
    return semantic ? (texts) => semantic.pool.embed(texts, { priority: true }) : null;
  }

  /** The worker pool itself (the evaluation's tuning aid caches through it). */
  embeddingPool(): EmbeddingPool | null {
    return this.semantic?.pool ?? null;
  }

  /** The fusion weights and decline threshold in use (calibrated per model). */
  fusionWeights(): FusionWeights {
    return this.weights;
  }

  /** Overrides fusion weights for this engine only (the evaluation's tuning uses this). */
  setFusionWeights(overrides: Partial<FusionWeights>): void {
    this.weights = { ...this.weights, ...overrides };
    this.startWordVectors();
  }

  private countTokens(text: string): number {
    return this.semantic ? this.semantic.countTokens(text) : estimateTokens(text);
  }

  private maxTokens(): number {
    return this.semantic?.spec.maxTokens ?? 256;
  }

  private recordModelIfNew(): void {
    if (!this.store.model()) this.store.setModel({ id: this.modelId, dim: this.semantic?.pool.dim ?? null });
  }

  async ingest(articles: Article[], collection: CollectionId, onProgress?: (p: IngestProgress) => void): Promise<IngestOutcome[]> {
    this.assertOpen();
    assertCollection(collection);
    const outcomes: IngestOutcome[] = [];
    const pending: { article: Article; hash: string; passages: Passage[]; existed: boolean; index: number }[] = [];
    for (const article of dedupeById(articles)) {
      const hash = contentHash(article);
      const existing = this.store.findArticle(collection, article.id);
      if (existing && existing.content_hash === hash) {
        outcomes.push({ articleId: article.id, title: article.title, status: 'unchanged', passages: this.store.countPassagesOf(existing.rowid) });
        continue;
      }
      // Tokenizing is synchronous: it runs in slices so a big page can't hold the bot's event loop.
      const passages = await makePassagesYielding(article, { countTokens: (t) => this.countTokens(t), maxTokens: this.maxTokens() });
      pending.push({ article, hash, passages, existed: existing !== null, index: outcomes.length });
      outcomes.push({ articleId: article.id, title: article.title, status: existing ? 'updated' : 'added', passages: passages.length });
    }
    const texts = pending.flatMap((p) => p.passages.map((passage) => passage.text));
    onProgress?.({ done: 0, total: texts.length });
    // Embed everything first (async, off-thread), then write each article in one transaction.
    const vectors = this.semantic ? await this.semantic.pool.embed(texts, { onBatch: (done) => onProgress?.({ done, total: texts.length }) }) : null;
    if (!this.semantic) onProgress?.({ done: texts.length, total: texts.length });
    let cursor = 0;
    if (pending.length > 0) this.recordModelIfNew();
    for (const item of pending) {
      await new Promise((resolve) => setImmediate(resolve));
      const toStore: PassageToStore[] = item.passages.map((passage) => ({ ...passage, terms: analyze(passage.text), vector: vectors ? vectors[cursor++]! : null }));
      await this.commitAndMirror((semantic) => {
        const { removed, added } = this.store.saveArticle(collection, item.article, articleBody(item.article), item.hash, toStore);
        if (semantic) this.updateIndex(semantic, removed, added.map((rowid, i) => ({ label: rowid, vector: toStore[i]!.vector! })));
      });
    }
    if (pending.length > 0) this.saveIndex();
    return outcomes;
  }

  /**
   * Reads files/folders/globs and http(s) URLs (through the guarded fetch, ALLOW_PRIVATE_HOSTS
   * applied) and ingests them; unreadable inputs are skipped with a reason.
   */
  async ingestPaths(paths: readonly string[], collection: CollectionId, onProgress?: (p: IngestProgress) => void): Promise<{ outcomes: IngestOutcome[]; skipped: SkippedInput[] }> {
    const maxBytes = this.config.maxArticleBytes;
    const { articles, skipped } = await readArticleInputs(paths, {
      maxBytes,
      fetchUrl: (url) => fetchUrl(url, { maxBytes, allowPrivateHosts: this.config.allowPrivateHosts }),
    });
    const outcomes = await this.ingest(articles, collection, onProgress);
    return { outcomes, skipped };
  }

  /** On first run the library is empty: index the bundled example articles. */
  async ingestExamplesIfEmpty(onProgress?: (p: IngestProgress) => void): Promise<{ outcomes: IngestOutcome[]; skipped: SkippedInput[] } | null> {
    if (!this.config.autoIngestExamples || this.store.countArticles(LIBRARY_COLLECTION) > 0) return null;
    return this.ingestPaths([this.config.examplesDir], LIBRARY_COLLECTION, onProgress);
  }

  /** Ranked passages without highlighting or logging (the evaluation uses this). */
  async retrieve(question: string, options: { collections: CollectionId[]; k: number; offset?: number; mode?: SearchMode; filter?: ArticleFilter }): Promise<SearchResult> {
    return this.retrieveWithin(question, { ...options, filter: this.resolveFilter(options.collections, options.filter) });
  }

  /** retrieve() for a filter resolveFilter has already seen. */
  private async retrieveWithin(question: string, options: { collections: CollectionId[]; k: number; offset?: number; mode?: SearchMode; filter?: ArticleFilter }): Promise<SearchResult> {
    this.assertOpen();
    const mode = options.mode ?? 'hybrid';
    if (mode === 'dense' && !this.semantic) throw new UserError('model_missing', 'dense search needs an embedding model; this index is keyword-only');
    // Another process (the CLI's ingest while the bot runs) may have changed the store.
    this.semantic?.vectors.syncWith(this.store);
    return search(
      {
        store: this.store,
        vectors: this.semantic?.vectors ?? null,
        embed: this.semantic ? (texts) => this.semantic!.pool.embed(texts, { priority: true }) : null,
        words: (this.weights.words > 0 || this.weights.synonyms > 0) && this.wordVectors ? await this.wordVectors : null,
        synonyms: this.weights.synonyms > 0 ? bundledSynonyms() : null,
        weights: this.weights,
        passagesPerArticle: this.config.passagesPerArticle,
        reranker: this.reranker,
        onRerankError: (error) => this.notice(`answered without re-ranking: ${error.message.replace(/^citebot:\s*/, '')}`),
      },
      question,
      { ...options, mode },
    );
  }

  /**
   * A source filter that is the whole name of one of the searched articles' sources (case
   * ignored) means that source only: "AP" must not also find "AAP" or "Japan Times". Anything
   * else stays a match on part of the name.
   */
  private resolveFilter(collections: CollectionId | CollectionId[], filter: ArticleFilter | undefined): ArticleFilter | undefined {
    if (!filter?.source || filter.sourceExact !== undefined) return filter;
    const wanted = filter.source.toLowerCase();
    const named = this.store.listSources(collections, { search: filter.source }).find(({ source }) => source.toLowerCase() === wanted);
    return named ? { ...filter, source: named.source, sourceExact: true } : filter;
  }

  async ask(question: string, options: AskOptions): Promise<AskResult> {
    const started = performance.now();
    // One spelling per question in the log, so repeats group in stats ("most asked").
    const trimmed = question.replace(/\s+/g, ' ').trim();
    if (trimmed === '') throw new UserError('parse_failed', 'the question is empty; ask something like "how many were detained?"');
    if (trimmed.length > MAX_QUESTION_CHARS) throw new UserError('input_too_large', `the question is ${trimmed.length} characters; keep it under ${MAX_QUESTION_CHARS}`);
    const filter = this.resolveFilter(options.collections, options.filter);
    const retrieved = await this.retrieveWithin(trimmed, { collections: options.collections, k: options.k ?? DEFAULT_K, offset: options.offset ?? 0, filter });
    // Below the floor a passage is unrelated noise, even after a confident first one. Between
    // the floor and the threshold the closest passages are shown, but no answer is claimed.
    const floor = Math.min(this.weights.floor, this.weights.threshold);
    // A passage the re-ranker finds answering is shown whatever its fused score.
    const answers = (hit: Hit) => hit.relevance !== null && hit.relevance >= (this.reranker?.spec.threshold ?? Infinity);
    const related = retrieved.confidence >= floor || retrieved.hits.some(answers);
    const result = { ...retrieved, hits: related ? retrieved.hits.filter((hit) => hit.score >= floor || answers(hit)) : [] };
    const highlighted = result.hits.length > 0 ? await highlightHits(trimmed, result, this.semantic ? (t) => this.semantic!.pool.embed(t, { priority: true }) : null) : [];
    const passages: AnswerPassage[] = highlighted.map(({ hit, highlight }, i) => ({
      rank: (options.offset ?? 0) + i + 1,
      text: hit.passage.text,
      highlight,
      score: Number(hit.score.toFixed(4)),
      ...(hit.relevance === null ? {} : { relevance: Number(hit.relevance.toFixed(4)) }),
      citation: citationOf(hit),
      also_in: hit.alsoIn.map(citationOf),
    }));
    const answered = result.answered && passages.length > 0;
    const questionId = options.log ? this.store.logQuestion(options.log.collection, trimmed, answered, filter) : null;
    return {
      question: trimmed,
      answered,
      answer: answered ? (highlighted[0]?.answer ?? null) : null,
      passages,
      articlesSearched: this.store.countArticles(options.collections, { filter }),
      filter: filter ?? null,
      tookMs: Math.round(performance.now() - started),
      questionId,
      indexRebuilding: this.semantic?.vectors.rebuilding ?? null,
    };
  }

  listArticles(collection: CollectionId | CollectionId[], options: { search?: string; filter?: ArticleFilter; limit?: number; offset?: number } = {}): ArticleSummary[] {
    return this.store.listArticles(collection, { ...options, filter: this.resolveFilter(collection, options.filter) }).map(summary);
  }

  countArticles(collection: CollectionId | CollectionId[], options: { search?: string; filter?: ArticleFilter } = {}): number {
    return this.store.countArticles(collection, { ...options, filter: this.resolveFilter(collection, options.filter) });
  }

  listSources(collection: CollectionId | CollectionId[], options: { search?: string; limit?: number } = {}): SourceSummary[] {
    return this.store.listSources(collection, options);
  }

  /** Finds an article by id, or by a unique title match. */
  findArticle(collection: CollectionId, idOrTitle: string): ArticleSummary | null {
    const exact = this.store.findArticle(collection, idOrTitle);
    if (exact) return summary({ ...exact, passages: this.store.countPassagesOf(exact.rowid) });
    const matches = this.store.listArticles(collection, { search: idOrTitle, limit: 2 });
    return matches.length === 1 ? summary(matches[0]!) : null;
  }

  articleParagraphs(collections: CollectionId[], idOrTitle: string, around?: { paragraph: number; radius: number }): ArticleParagraphs | null {
    for (const collection of collections) {
      const article = this.findArticle(collection, idOrTitle);
      if (!article) continue;
      const all = storedToArticle(this.store.findArticle(collection, article.id)!).paragraphs;
      if (around && !(Number.isInteger(around.paragraph) && around.paragraph >= 1 && around.paragraph <= all.length)) {
        throw new UserError('not_found', `"${article.title}" has ${all.length} paragraphs; give a paragraph from 1 to ${all.length}`);
      }
      const first = around ? Math.max(1, around.paragraph - around.radius) : 1;
      const last = around ? Math.min(all.length, around.paragraph + around.radius) : all.length;
      const paragraphs = all.slice(first - 1, last).map((text, i) => ({ number: first + i, text }));
      return { article, total: all.length, paragraphs, focus: around?.paragraph ?? null };
    }
    return null;
  }

  async removeArticle(collection: CollectionId, articleId: string): Promise<ArticleSummary | null> {
    this.assertOpen();
    const target = this.findArticle(collection, articleId);
    if (!target) return null;
    const removed = await this.commitAndMirror((semantic) => {
      const deleted = this.store.deleteArticle(collection, target.id);
      if (deleted && semantic) this.updateIndex(semantic, deleted.removed, []);
      return deleted;
    });
    if (!removed) return null;
    this.saveIndex();
    return target;
  }

  /**
   * Commits a store change and mirrors it in the vector index in one synchronous step, once
   * the index may change (not while its file is being written or it is being compacted).
   */
  private commitAndMirror<T>(change: (semantic: Semantic | null) => T): Promise<T> {
    const semantic = this.semantic;
    return semantic
      ? semantic.vectors.whenWritable(() => {
          semantic.vectors.assertStoreModel(this.store);
          return change(semantic);
        })
      : Promise.resolve(change(null));
  }

  /**
   * After a change: the index file is rewritten in the background once enough has changed since
   * it (not after every change: the next open replays the rest from the store's change log). A
   * failed write (a full disk) is a notice from the index, not a failed ingest.
   */
  private saveIndex(): void {
    this.semantic?.vectors.snapshotIfDue(this.store);
  }

  /** Mirrors a committed store change in the vector index (which rebuilds itself from the store if it must). */
  private updateIndex(semantic: Semantic, removed: readonly number[], added: readonly { label: number; vector: Float32Array }[]): void {
    const repaired = semantic.vectors.update(this.store, { removed, added });
    if (repaired !== null) this.notice(`rebuilt the vector index from the store (${repaired})`);
  }

  stats(collection?: CollectionId): CollectionStats {
    this.semantic?.vectors.syncWith(this.store);
    const questions = this.store.questionStats(collection);
    return {
      articles: collection === undefined ? this.store.countAllArticles() : this.store.countArticles(collection),
      passages: this.store.countPassages(collection),
      model: this.modelId,
      dim: this.semantic?.pool.dim ?? null,
      reranker: this.rerankerId(),
      indexSize: this.semantic?.vectors.size ?? 0,
      indexRebuilding: this.semantic?.vectors.rebuilding ?? null,
      questionsAsked: questions.asked,
      unanswered: questions.unanswered,
      mostAsked: questions.mostAsked,
      downvoted: questions.downvoted,
      feedback: { up: questions.up, down: questions.down },
    };
  }

  question(id: number): LoggedAsk | null {
    return this.store.question(id);
  }

  questions(collection: CollectionId | undefined, options: QuestionFilter): LoggedQuestion[] {
    return this.store.listQuestions(collection, options);
  }

  recordFeedback(questionId: number, userId: string, vote: 'up' | 'down'): void {
    if (!this.store.question(questionId)) throw new UserError('not_found', `question ${questionId} is not in the log`);
    this.store.recordFeedback(questionId, userId, vote);
  }

  /**
   * Re-embeds every article with another model (or the same one, to repair), then swaps
   * it in. Everything is embedded before anything is written, so a failure changes nothing.
   */
  async reindex(modelName: string, onProgress?: (p: IngestProgress) => void): Promise<{ from: string; to: string; articles: number; passages: number }> {
    this.assertOpen();
    const from = this.modelId;
    const choice = modelName === 'auto' ? await resolveAutoModel(this.config, this.notice) : await resolveNamedModel(this.config, modelName, this.notice);
    const next = choice.kind === 'semantic' ? await startEmbedder(this.config, choice.spec) : null;
    try {
      const articles = this.store.allArticles();
      const countTokens = next ? next.countTokens : estimateTokens;
      const plans = articles.map((stored) => {
        const article = storedToArticle(stored);
        return { stored, article, passages: makePassages(article, { countTokens, maxTokens: next?.spec.maxTokens ?? 256 }) };
      });
      const texts = plans.flatMap((p) => p.passages.map((x) => x.text));
      onProgress?.({ done: 0, total: texts.length });
      const vectors = next ? await next.pool.embed(texts, { onBatch: (done) => onProgress?.({ done, total: texts.length }) }) : null;
      let cursor = 0;
      this.store.transaction(() => {
        for (const plan of plans) {
          const toStore = plan.passages.map((p) => ({ ...p, terms: analyze(p.text), vector: vectors ? vectors[cursor++]! : null }));
          this.store.saveArticle(plan.stored.collection, plan.article, plan.stored.body, plan.stored.content_hash, toStore);
        }
        this.store.setModel({ id: choice.kind === 'semantic' ? choice.spec.id : KEYWORD_ID, dim: next?.pool.dim ?? null });
      });
      this.semantic?.vectors.stopBackgroundWork();
      await this.semantic?.vectors.flush();
      await this.semantic?.pool.close();
      VectorIndex.remove(this.config.dataDir);
      this.semantic = next ? await withIndex(this.config, this.store, next, { notice: this.notice }) : null;
      this.keywordReason = choice.kind === 'keyword' ? choice.reason : null;
      this.weights = weightsFor(this.modelId, this.semantic?.spec, this.config);
      this.startWordVectors();
      return { from, to: this.modelId, articles: plans.length, passages: texts.length };
    } catch (error) {
      await next?.pool.close();
      throw error;
    }
  }

  /** Searching and changing need an open engine with its model and index. */
  private assertOpen(): void {
    if (this.closed) throw new CitebotError('internal', 'the engine is closed');
    if (this.storeOnly) throw new CitebotError('internal', 'this engine reads the store only (storeOnly): searching and changing need one opened with its model');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // A rebuild or compaction under way would hold the shutdown for up to a minute: stop it (a
    // stopped rebuild is redone at the next open; a stopped compaction leaves a complete index).
    await this.semantic?.vectors.close(this.store);
    await this.semantic?.pool.close();
    await this.reranker?.close();
    this.store.close();
  }
}

export function openEngine(config: EngineConfig, options: EngineOptions = {}): Promise<CitebotEngine> {
  return CitebotEngine.open(config, options);
}

function weightsFor(modelId: string, spec: ModelSpec | undefined, config: EngineConfig): FusionWeights {
  return fusionWeightsFor(modelId, { ...spec?.fusion, ...(config.answerThreshold === null ? {} : { threshold: config.answerThreshold }) });
}

function assertCollection(collection: string): void {
  if (!/^[\w.-]{1,64}$/.test(collection)) throw new UserError('parse_failed', `"${collection}" is not a valid collection id (use "library" or a Discord server id)`);
}

function dedupeById(articles: readonly Article[]): Article[] {
  const byId = new Map<string, Article>();
  for (const article of articles) byId.set(article.id, article);
  return [...byId.values()];
}

export function contentHash(article: Article): string {
  // `pages` is absent for all but PDFs, so other articles keep the hash they were stored with.
  const { title, date, source, section, url, paragraphs, pages } = article;
  return createHash('sha256').update(JSON.stringify({ title, date, source, section, url, paragraphs, pages })).digest('hex');
}

/**
 * How a passage is cited: its article and the paragraph where it begins (1-based, as shown); for a
 * document with pages also that page and the paragraph's number on it ("page 4, paragraph 2").
 */
function citationOf({ article, passage }: Found): Citation {
  const citation: Citation = { title: article.title, source: article.source, date: article.date, url: article.url, article_id: article.id, paragraph: passage.paragraph_start + 1 };
  const pages = article.pages ? (JSON.parse(article.pages) as number[]) : null;
  const page = pages?.[passage.paragraph_start];
  if (pages && page !== undefined) {
    citation.page = page;
    citation.page_paragraph = pages.slice(0, passage.paragraph_start + 1).filter((p) => p === page).length;
  }
  return citation;
}

function summary(row: StoredArticle & { passages: number }): ArticleSummary {
  return { id: row.id, collection: row.collection, title: row.title, source: row.source, date: row.date, url: row.url, passages: row.passages };
}

/** Picks the model: the one that built the index, else the configured or automatic choice. */
async function chooseModel(config: EngineConfig, store: Store, notice: (message: string) => void, ignoreRecorded: boolean): Promise<ModelChoice> {
  const recorded = ignoreRecorded ? null : store.model();
  if (!recorded) {
    return config.embeddingModel === 'auto' ? resolveAutoModel(config, notice) : resolveNamedModel(config, config.embeddingModel, notice);
  }
  const requested = config.embeddingModel === 'auto' ? null : canonicalModelName(config.embeddingModel);
  if (requested !== null && requested !== recorded.id) throw mismatch(config, recorded.id, `EMBEDDING_MODEL=${config.embeddingModel}`, requested);
  if (config.modelDir && recorded.id !== KEYWORD_ID) {
    const dirId = specFromFolder(config.modelDir).id;
    if (dirId !== recorded.id) throw mismatch(config, recorded.id, `MODEL_DIR=${config.modelDir}`, dirId);
  }
  const choice = await resolveNamedModel(config, recorded.id, notice).catch((error: unknown) => {
    if (error instanceof CitebotError && error.code === 'model_missing') {
      throw new UserError(
        'model_missing',
        `the index in ${config.dataDir} was built with ${recorded.id}, which is not available now (${error.message.replace(/^citebot: /, '')}); make it available again, or rebuild the index with another model: npm run cli -- reindex --model auto`,
        { cause: error },
      );
    }
    throw error;
  });
  return choice;
}

function mismatch(config: EngineConfig, recorded: string, setting: string, requested: string): UserError {
  return new UserError(
    'index_model_mismatch',
    `the index in ${config.dataDir} was built with ${recorded}, but ${setting} asks for ${requested}; vectors of different models can't be compared. Run "npm run cli -- reindex --model ${requested}" to rebuild it, or unset ${setting.split('=')[0]} to keep using ${recorded}`,
  );
}

/** The re-ranker of RERANK_MODEL, sharing the cores with the embedding workers; null when unset. */
async function startReranker(config: EngineConfig, notice: (message: string) => void): Promise<Reranker | null> {
  const spec = await resolveReranker(config, notice);
  if (!spec) return null;
  return openReranker(spec, { candidates: config.rerankCandidates, threads: Math.max(1, Math.floor(availableParallelism() / config.embedWorkers)) });
}

async function startEmbedder(config: EngineConfig, spec: ModelSpec): Promise<Embedder> {
  const pool = await EmbeddingPool.start(spec, {
    size: config.embedWorkers,
    batchSize: config.embedBatchSize,
    threadsPerWorker: Math.max(1, Math.floor(availableParallelism() / config.embedWorkers)),
  });
  try {
    return { spec, pool, countTokens: await loadTokenCounter(spec) };
  } catch (error) {
    await pool.close();
    throw error;
  }
}

/** Checks the embedder against the store's recorded dimension and opens the vector index. */
async function withIndex(config: EngineConfig, store: Store, embedder: Embedder, options: { notice: (message: string) => void; background?: boolean }): Promise<Semantic> {
  const { spec, pool } = embedder;
  const recorded = store.model();
  if (recorded && recorded.dim !== null && recorded.dim !== pool.dim) {
    await pool.close();
    throw new UserError(
      'index_model_mismatch',
      `the index was built with ${recorded.dim}-dimensional vectors, but ${spec.id} makes ${pool.dim}; run "npm run cli -- reindex --model ${spec.id}"`,
    );
  }
  const vectors = await VectorIndex.open(config.dataDir, store, spec.id, pool.dim, { ...options, settings: config.index });
  if (vectors.loadedAs === 'rebuilt' && !vectors.rebuilding) options.notice(`rebuilt the vector index from the store (${vectors.rebuildReason})`);
  return { ...embedder, vectors };
}

/** Counts tokens with the model's own tokenizer (cheap: no ONNX session). */
async function loadTokenCounter(spec: ModelSpec): Promise<(text: string) => number> {
  transformersEnv.localModelPath = dirname(spec.dir);
  transformersEnv.allowLocalModels = true;
  transformersEnv.allowRemoteModels = false;
  const tokenizer = await AutoTokenizer.from_pretrained(basename(spec.dir));
  return (text) => (tokenizer.encode(text) as number[]).length;
}
