/**
 * The engine: wires parse → passages → embed → store/index → search → answer. Used by the CLI
 * and the Discord layer; knows nothing about either. A thin facade: the work is done in
 * src/engine/ (open, ingest, ask, library, reindex, calibration; internals for eval and tests),
 * on one shared `EngineState`.
 */
import type { EngineConfig } from './config.ts';
import type {
  ArticleParagraphs,
  ArticleSummary,
  AskOptions,
  AskResult,
  CollectionStats,
  Engine,
  IngestOutcome,
  IngestProgress,
  LoggedAsk,
  LoggedQuestion,
  ModelInfo,
  QuestionFilter,
  SourceSummary,
} from './engine-api.ts';
import { CitebotError } from './errors.ts';
import type { SkippedInput } from './ingest/files.ts';
import { LIBRARY_COLLECTION, type Article, type ArticleFilter, type CollectionId } from './types.ts';
import type { Calibration } from './search/calibration.ts';
import { ask } from './engine/ask.ts';
import { needsCalibration, saveCalibration } from './engine/calibration.ts';
import { ingest, ingestPaths, needsExamples, removeStored } from './engine/ingest.ts';
import * as library from './engine/library.ts';
import { engineInternals, type EngineInternals } from './engine/internals.ts';
import { closeState, modelInfo, openState, type EngineOptions } from './engine/open.ts';
import type { EngineState } from './engine/state.ts';
import { reindex, type ReindexResult } from './engine/reindex.ts';

export type { EngineOptions };
export { MAX_QUESTION_CHARS } from './engine/ask.ts';
export { contentHash } from './engine/ingest.ts';

export type { EngineInternals };

export class CitebotEngine implements Engine {
  private closed = false;
  readonly internals: EngineInternals;

  private constructor(
    private readonly state: EngineState,
    private readonly storeOnly: boolean,
  ) {
    this.internals = engineInternals(state, (work) => this.running(work));
  }

  static async open(config: EngineConfig, options: EngineOptions = {}): Promise<CitebotEngine> {
    return new CitebotEngine(await openState(config, options), options.storeOnly ?? false);
  }

  model(): ModelInfo {
    return modelInfo(this.state);
  }

  /**
   * Whether the answer threshold and floor in force are guesses: a sentence encoder with no
   * calibration for its weights and no explicit threshold. The CLI and the bot then calibrate it
   * once (src/eval/self-calibrate.ts).
   */
  needsCalibration(): boolean {
    return needsCalibration(this.state);
  }

  /** Keeps a calibration of this model and its weights in the store and uses it from now on. */
  saveCalibration(calibration: Calibration): Promise<void> {
    return this.running(() => saveCalibration(this.state, calibration));
  }

  ingest(
    articles: Article[],
    collection: CollectionId,
    onProgress?: (p: IngestProgress) => void,
  ): Promise<IngestOutcome[]> {
    return this.running(() => ingest(this.state, articles, collection, onProgress));
  }

  ingestPaths(
    paths: readonly string[],
    collection: CollectionId,
    onProgress?: (p: IngestProgress) => void,
  ): Promise<{ outcomes: IngestOutcome[]; skipped: SkippedInput[] }> {
    return this.running(() => ingestPaths(this.state, paths, collection, onProgress));
  }

  /** On first run the library is empty: index the bundled example articles. */
  async ingestExamplesIfEmpty(
    onProgress?: (p: IngestProgress) => void,
  ): Promise<{ outcomes: IngestOutcome[]; skipped: SkippedInput[] } | null> {
    if (!(await needsExamples(this.state))) return null;
    return this.ingestPaths([this.state.config.examplesDir], LIBRARY_COLLECTION, onProgress);
  }

  ask(question: string, options: AskOptions): Promise<AskResult> {
    return this.running(() => ask(this.state, question, options));
  }

  async removeArticle(collection: CollectionId, articleId: string): Promise<ArticleSummary | null> {
    this.assertOpen();
    const target = await library.findArticle(this.state, collection, articleId);
    if (!target) return null;
    return (await removeStored(this.state, collection, target.id)) ? target : null;
  }

  reindex(modelName: string, onProgress?: (p: IngestProgress) => void): Promise<ReindexResult> {
    return this.running(() => reindex(this.state, modelName, onProgress));
  }

  listArticles(
    collection: CollectionId | CollectionId[],
    options?: { search?: string; filter?: ArticleFilter; limit?: number; offset?: number },
  ): Promise<ArticleSummary[]> {
    return library.listArticles(this.state, collection, options);
  }

  countArticles(
    collection: CollectionId | CollectionId[],
    options?: { search?: string; filter?: ArticleFilter },
  ): Promise<number> {
    return library.countArticles(this.state, collection, options);
  }

  listSources(
    collection: CollectionId | CollectionId[],
    options?: { search?: string; limit?: number },
  ): Promise<SourceSummary[]> {
    return library.listSources(this.state, collection, options);
  }

  articleParagraphs(
    collections: CollectionId[],
    idOrTitle: string,
    around?: { paragraph: number; radius: number },
  ): Promise<ArticleParagraphs | null> {
    return library.articleParagraphs(this.state, collections, idOrTitle, around);
  }

  stats(collection?: CollectionId): Promise<CollectionStats> {
    return library.stats(this.state, collection);
  }

  question(id: number): Promise<LoggedAsk | null> {
    return library.question(this.state, id);
  }

  questions(collection: CollectionId | undefined, options: QuestionFilter): Promise<LoggedQuestion[]> {
    return library.questions(this.state, collection, options);
  }

  recordFeedback(questionId: number, userId: string, vote: 'up' | 'down'): Promise<void> {
    return library.recordFeedback(this.state, questionId, userId, vote);
  }

  /** Runs work that needs an open engine with its model and index (searching and changing). */
  private running<T>(work: () => Promise<T>): Promise<T> {
    try {
      this.assertOpen();
    } catch (error) {
      return Promise.reject(error);
    }
    return work();
  }

  private assertOpen(): void {
    if (this.closed) throw new CitebotError('internal', 'the engine is closed');
    if (this.storeOnly)
      throw new CitebotError(
        'internal',
        'this engine reads the store only (storeOnly): searching and changing need one opened with its model',
      );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await closeState(this.state);
  }
}

export function openEngine(config: EngineConfig, options: EngineOptions = {}): Promise<CitebotEngine> {
  return CitebotEngine.open(config, options);
}
