/**
 * The engine's public surface, used by the CLI and the Discord layer.
 * (Implementation: src/engine.ts → `openEngine(config)`.)
 */
import type { AnswerResult, Article, ArticleFilter, CollectionId } from './types.ts';
import type { LoggedAsk, LoggedQuestion, QuestionFilter, QuestionStats } from './store/db.ts';
import type { RebuildProgress } from './store/index/vector-index.ts';

export type { LoggedAsk, LoggedQuestion, QuestionFilter };

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
  articles: number;
  passages: number;
  model: string;
  dim: number | null;
  /** The cross-encoder re-ranking answers (RERANK_MODEL), or null. */
  reranker: string | null;
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
  ingest(articles: Article[], collection: CollectionId, onProgress?: (p: IngestProgress) => void): Promise<IngestOutcome[]>;
  ask(question: string, options: AskOptions): Promise<AskResult>;
  listArticles(collection: CollectionId | CollectionId[], options?: { search?: string; filter?: ArticleFilter; limit?: number; offset?: number }): ArticleSummary[];
  countArticles(collection: CollectionId | CollectionId[], options?: { search?: string; filter?: ArticleFilter }): number;
  /** Sources of the articles, most articles first; `search` keeps those containing it (case ignored). */
  listSources(collection: CollectionId | CollectionId[], options?: { search?: string; limit?: number }): SourceSummary[];
  removeArticle(collection: CollectionId, articleId: string): Promise<ArticleSummary | null>;
  /**
   * The article (by id, or a unique part of its title) in the first of the collections that holds
   * it: all its paragraphs, or `radius` either side of `paragraph`. Null when none holds it.
   */
  articleParagraphs(collections: CollectionId[], idOrTitle: string, around?: { paragraph: number; radius: number }): ArticleParagraphs | null;
  stats(collection?: CollectionId): CollectionStats;
  /** The question log, newest first (all collections when none is given). */
  questions(collection: CollectionId | undefined, options: QuestionFilter): LoggedQuestion[];
  /** Question text, collection and filter by id (for "More passages" buttons). */
  question(id: number): LoggedAsk | null;
  recordFeedback(questionId: number, userId: string, vote: 'up' | 'down'): void;
  close(): Promise<void>;
}
