/** Reading the library and the question log: lists, counts, an article's paragraphs, stats, votes. */
import type {
  ArticleParagraphs,
  ArticleSummary,
  CollectionStats,
  LoggedAsk,
  LoggedQuestion,
  QuestionFilter,
  SourceSummary,
} from '../engine-api.ts';
import { UserError } from '../errors.ts';
import { storedToArticle, type ArticlePage, type ArticleQuery, type ArticleRow } from '../store/store-api.ts';
import type { CollectionId } from '../types.ts';
import { resolveFilter } from './ask.ts';
import { calibrationStats } from './calibration.ts';
import { modelIdOf } from './state.ts';
import type { EngineState } from './state.ts';

export async function listArticles(
  state: EngineState,
  collection: CollectionId | CollectionId[],
  options: ArticlePage = {},
): Promise<ArticleSummary[]> {
  const rows = await state.store.listArticles(collection, {
    ...options,
    filter: await resolveFilter(state, collection, options.filter),
  });
  return rows.map(summary);
}

export async function countArticles(
  state: EngineState,
  collection: CollectionId | CollectionId[],
  options: ArticleQuery = {},
): Promise<number> {
  return state.store.countArticles(collection, {
    ...options,
    filter: await resolveFilter(state, collection, options.filter),
  });
}

export function listSources(
  state: EngineState,
  collection: CollectionId | CollectionId[],
  options: { search?: string; limit?: number } = {},
): Promise<SourceSummary[]> {
  return state.store.listSources(collection, options);
}

/** Finds an article by id, or by a unique title match. */
export async function findArticle(
  state: EngineState,
  collection: CollectionId,
  idOrTitle: string,
): Promise<ArticleSummary | null> {
  const exact = await state.store.findArticle(collection, idOrTitle);
  if (exact) return summary({ ...exact, passages: await state.store.countPassagesOf(exact.rowid) });
  const matches = await state.store.listArticles(collection, { search: idOrTitle, limit: 2 });
  return matches.length === 1 ? summary(matches[0]!) : null;
}

export async function articleParagraphs(
  state: EngineState,
  collections: CollectionId[],
  idOrTitle: string,
  around?: { paragraph: number; radius: number },
): Promise<ArticleParagraphs | null> {
  for (const collection of collections) {
    const article = await findArticle(state, collection, idOrTitle);
    if (!article) continue;
    const stored = await state.store.findArticle(collection, article.id);
    if (!stored) continue;
    const all = storedToArticle(stored).paragraphs;
    if (around && !(Number.isInteger(around.paragraph) && around.paragraph >= 1 && around.paragraph <= all.length)) {
      throw new UserError(
        'paragraph_out_of_range',
        `"${article.title}" has ${all.length} paragraphs; give a paragraph from 1 to ${all.length}`,
      );
    }
    const first = around ? Math.max(1, around.paragraph - around.radius) : 1;
    const last = around ? Math.min(all.length, around.paragraph + around.radius) : all.length;
    const paragraphs = all.slice(first - 1, last).map((text, i) => ({ number: first + i, text }));
    return { article, total: all.length, paragraphs, focus: around?.paragraph ?? null };
  }
  return null;
}

export async function stats(state: EngineState, collection?: CollectionId): Promise<CollectionStats> {
  const { store, semantic } = state;
  await semantic?.vectors.syncWith(state.store);
  const questions = await store.questionStats(collection);
  return {
    store: store.description,
    articles: collection === undefined ? await store.countAllArticles() : await store.countArticles(collection),
    passages: await store.countPassages(collection),
    model: modelIdOf(state),
    dim: semantic?.pool.dim ?? null,
    reranker: state.reranker?.spec.id ?? null,
    calibration: calibrationStats(state),
    indexSize: semantic?.vectors.size ?? 0,
    indexRebuilding: semantic?.vectors.rebuilding ?? null,
    questionsAsked: questions.asked,
    unanswered: questions.unanswered,
    mostAsked: questions.mostAsked,
    downvoted: questions.downvoted,
    feedback: { up: questions.up, down: questions.down },
  };
}

export function question(state: EngineState, id: number): Promise<LoggedAsk | null> {
  return state.store.question(id);
}

export function questions(
  state: EngineState,
  collection: CollectionId | undefined,
  options: QuestionFilter,
): Promise<LoggedQuestion[]> {
  return state.store.listQuestions(collection, options);
}

export async function recordFeedback(
  state: EngineState,
  questionId: number,
  userId: string,
  vote: 'up' | 'down',
): Promise<void> {
  if (!(await state.store.question(questionId)))
    throw new UserError('question_missing', `question ${questionId} is not in the log`);
  await state.store.recordFeedback(questionId, userId, vote);
}

export function summary(row: ArticleRow): ArticleSummary {
  return {
    id: row.id,
    collection: row.collection,
    title: row.title,
    ...(row.author ? { author: row.author } : {}),
    source: row.source,
    date: row.date,
    url: row.url,
    passages: row.passages,
  };
}
