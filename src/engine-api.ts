/**
 * The engine's public surface, used by the CLI and the Discord layer.
 * (Implementation: src/engine.ts → `openEngine(config)`, over the modules in src/engine/.)
 */
import type { AnswerResult, Article, ArticleFilter, CollectionId } from './types.ts';
import type { SkippedInput } from './ingest/files.ts';
import type { LoggedAsk, LoggedQuestion, QuestionFilter, QuestionStats, StoreDescription } from './store/store-api.ts';
import type { RebuildProgress } from './store/index/vector-index.ts';

export type { LoggedAsk, LoggedQuestion, QuestionFilter };

export interface ModelInfo {
  id: string;
  kind: 'semantic' | 'keyword';
  dim: number | null;
  /** Why search is keyword-only, when it is. */
  reason: string | null;
  /** The cross-encoder re-ranking answers (RERANK_MODEL), or null. */
  reranker: string | null;
}

export type IngestStatus = 'added' | 'updated' | 'unchanged';

export interface IngestOutcome {
  articleId: string;
  title: string;
  status: IngestStatus;
  passages: number;
}

export interface IngestProgress {
  /** Passages embedded so far, and in all, for the current batch of articles. */
  done: number;
  total: number;
}

export interface AskOptions {
  /** Collections searched, e.g. ['library', guildId]. */
  collections: CollectionId[];
  /** Passages to return (default 3). */
  k?: number;
  /** Skip this many passages first: the "More passages" page. */
  offset?: number;
  /** Only articles in this date range or from this source (kept with the logged question). */
  filter?: ArticleFilter;
  /** Log the question (and whether it was answered) for /stats. Returns its id in `questionId`. */
  log?: { collection: CollectionId; userId?: string };
}

/** How far a background rebuild of the vector index has come. */
export type IndexRebuild = RebuildProgress;

export interface AskResult extends AnswerResult {
  /** Articles in the searched collections (within the filter, if any). */
  articlesSearched: number;
  /** The filter the question was limited to, or null. */
  filter: ArticleFilter | null;
  tookMs: number;
  questionId: number | null;
  /**
   * Set while the vector index is rebuilt in the background (the bot's start with a missing or
   * stale index): passages not yet indexed were found by their words only.
   */
  indexRebuilding: IndexRebuild | null;
}

export interface ArticleSummary {
  id: string;
  collection: CollectionId;
  title: string;
  /** Who wrote it, when known. */
  author?: string;
  source: string | null;
  date: string | null;
  url: string | null;
  passages: number;
}

/** An article's paragraphs as its citations number them (1-based): all, or those around one. */
export interface ArticleParagraphs {
  article: ArticleSummary;
  /** Paragraphs in the article. */
  total: number;
  paragraphs: { number: number; text: string }[];
  /** The paragraph asked about, or null for the whole article. */
  focus: number | null;
}

export interface SourceSummary {
  source: string;
  articles: number;
}

export interface CollectionStats {
  /** Which store and where (the URL without its password). */
  store: StoreDescription;
  articles: number;
  passages: number;
  model: string;
  dim: number | null;
  /** The cross-encoder re-ranking answers (RERANK_MODEL), or null. */
  reranker: string | null;
  /**
   * The answer threshold and floor in force, and where they come from: `shipped` or `self`
   * (calibrated on this machine, with its sets and date), `setting` (ANSWER_THRESHOLD or the
   * model folder's citebot.json) or `uncalibrated` (a guess, until the model calibrates itself).
   */
  calibration?: {
    threshold: number;
    floor: number;
    origin: 'shipped' | 'self' | 'setting' | 'uncalibrated';
    sets: string[];
    date: string | null;
  };
  indexSize: number;
  /** Set while the vector index is rebuilt in the background. */
  indexRebuilding: IndexRebuild | null;
  questionsAsked: number;
  unanswered: QuestionStats['unanswered'];
  mostAsked: QuestionStats['mostAsked'];
  downvoted: QuestionStats['downvoted'];
  feedback: { up: number; down: number };
}

export interface Engine {
  /** The embedding model (and re-ranker) answers are found with. */
  model(): ModelInfo;
  ingest(
    articles: Article[],
    collection: CollectionId,
    onProgress?: (p: IngestProgress) => void,
  ): Promise<IngestOutcome[]>;
  /** Reads files, folders or globs and ingests them; unreadable inputs are skipped with a reason. */
  ingestPaths(
    paths: readonly string[],
    collection: CollectionId,
    onProgress?: (p: IngestProgress) => void,
  ): Promise<{ outcomes: IngestOutcome[]; skipped: SkippedInput[] }>;
  /** On first run (AUTO_INGEST_EXAMPLES and an empty library), indexes the bundled example articles; else null. */
  ingestExamplesIfEmpty(
    onProgress?: (p: IngestProgress) => void,
  ): Promise<{ outcomes: IngestOutcome[]; skipped: SkippedInput[] } | null>;
  ask(question: string, options: AskOptions): Promise<AskResult>;
  listArticles(
    collection: CollectionId | CollectionId[],
    options?: { search?: string; filter?: ArticleFilter; limit?: number; offset?: number },
  ): Promise<ArticleSummary[]>;
  countArticles(
    collection: CollectionId | CollectionId[],
    options?: { search?: string; filter?: ArticleFilter },
  ): Promise<number>;
  /** Sources of the articles, most articles first; `search` keeps those containing it (case ignored). */
  listSources(
    collection: CollectionId | CollectionId[],
    options?: { search?: string; limit?: number },
  ): Promise<SourceSummary[]>;
  removeArticle(collection: CollectionId, articleId: string): Promise<ArticleSummary | null>;
  /**
   * The article (by id, or a unique part of its title) in the first of the collections that holds
   * it: all its paragraphs, or `radius` either side of `paragraph`. Null when none holds it.
   */
  articleParagraphs(
    collections: CollectionId[],
    idOrTitle: string,
    around?: { paragraph: number; radius: number },
  ): Promise<ArticleParagraphs | null>;
  stats(collection?: CollectionId): Promise<CollectionStats>;
  /** The question log, newest first (all collections when none is given). */
  questions(collection: CollectionId | undefined, options: QuestionFilter): Promise<LoggedQuestion[]>;
  /** Question text, collection and filter by id (for "More passages" buttons). */
  question(id: number): Promise<LoggedAsk | null>;
  recordFeedback(questionId: number, userId: string, vote: 'up' | 'down'): Promise<void>;
  /**
   * Re-embeds every article with another model (or the same one, to repair) and swaps it in;
   * everything is embedded before anything is written, so a failure changes nothing.
   */
  reindex(
    modelName: string,
    onProgress?: (p: IngestProgress) => void,
  ): Promise<{ from: string; to: string; articles: number; passages: number }>;
  close(): Promise<void>;
}
