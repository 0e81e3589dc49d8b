/**
 * The engine's public surface, used by the CLI and the Discord layer.
 * (Implementation: src/engine.ts → `openEngine(config)`.)
 */
import type { AnswerResult, Article, CollectionId } from './types.ts';
import type { LoggedQuestion, QuestionFilter, QuestionStats } from './store/db.ts';
import type { RebuildProgress } from './store/vectors.ts';

export type { LoggedQuestion, QuestionFilter };

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
  /** Log the question (and whether it was answered) for /stats. Returns its id in `questionId`. */
  log?: { collection: CollectionId; userId?: string };
}

/** How far a background rebuild of the vector index has come. */
export type IndexRebuild = RebuildProgress;

export interface AskResult extends AnswerResult {
  /** Articles in the searched collections. */
  articlesSearched: number;
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

export interface CollectionStats {
  articles: number;
  passages: number;
  model: string;
  dim: number | null;
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
  listArticles(collection: CollectionId | CollectionId[], options?: { search?: string; limit?: number; offset?: number }): ArticleSummary[];
  countArticles(collection: CollectionId | CollectionId[], search?: string): number;
  removeArticle(collection: CollectionId, articleId: string): Promise<ArticleSummary | null>;
  stats(collection?: CollectionId): CollectionStats;
  /** The question log, newest first (all collections when none is given). */
  questions(collection: CollectionId | undefined, options: QuestionFilter): LoggedQuestion[];
  /** Question text by id (for "More passages" buttons). */
  question(id: number): { question: string; collection: CollectionId } | null;
  recordFeedback(questionId: number, userId: string, vote: 'up' | 'down'): void;
  close(): Promise<void>;
}
