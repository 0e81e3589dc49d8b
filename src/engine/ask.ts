/** Answering: a question → ranked passages (search) → what is shown, highlighted and cited. */
import type { AskOptions, AskResult } from '../engine-api.ts';
import { isCitebotError, UserError } from '../errors.ts';
import { highlightHits } from '../search/highlight.ts';
import type { EmbedFn } from '../search/search.ts';
import { HIGHLIGHT_TUNING } from '../search/tuning.ts';
import { bundledSynonyms } from '../search/synonyms.ts';
import { search, type Found, type SearchMode, type SearchResult } from '../search/search.ts';
import type { AnswerPassage, ArticleFilter, Citation, CollectionId } from '../types.ts';
import { questionEmbedder, type EngineState } from './state.ts';

export const MAX_QUESTION_CHARS = 1000;
const DEFAULT_K = 3;

export interface RetrieveOptions {
  collections: CollectionId[];
  k: number;
  offset?: number;
  mode?: SearchMode;
  filter?: ArticleFilter;
}

/** Ranked passages without highlighting or logging (the evaluation uses this). */
export async function retrieve(state: EngineState, question: string, options: RetrieveOptions): Promise<SearchResult> {
  return retrieveWithin(state, question, {
    ...options,
    filter: await resolveFilter(state, options.collections, options.filter),
  });
}

/** retrieve() for a filter resolveFilter has already seen. */
async function retrieveWithin(state: EngineState, question: string, options: RetrieveOptions): Promise<SearchResult> {
  const mode = options.mode ?? 'hybrid';
  if (mode === 'dense' && !state.semantic)
    throw new UserError('model_missing', 'dense search needs an embedding model; this index is keyword-only');
  // Another process (the CLI's ingest while the bot runs) may have changed the store.
  await state.semantic?.vectors.syncWith(state.store);
  const { weights } = state;
  return search(
    {
      store: state.store,
      vectors: state.semantic?.vectors ?? null,
      embed: questionEmbedder(state),
      words: (weights.words > 0 || weights.synonyms > 0) && state.wordVectors ? await state.wordVectors : null,
      synonyms: weights.synonyms > 0 ? bundledSynonyms() : null,
      weights,
      cutoffs: state.cutoffs,
      passagesPerArticle: state.config.passagesPerArticle,
      reranker: state.reranker,
      onRerankError: (error) => state.notice(`answered without re-ranking: ${error.message}`),
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
export async function resolveFilter(
  state: EngineState,
  collections: CollectionId | CollectionId[],
  filter: ArticleFilter | undefined,
): Promise<ArticleFilter | undefined> {
  if (!filter?.source || filter.sourceExact !== undefined) return filter;
  const wanted = filter.source.toLowerCase();
  const named = (await state.store.listSources(collections, { search: filter.source })).find(
    ({ source }) => source.toLowerCase() === wanted,
  );
  return named ? { ...filter, source: named.source, sourceExact: true } : filter;
}

/** Sentence vectors of recent highlights, per embedding pool (a reindex brings a new pool, and a new cache). */
const sentenceVectors = new WeakMap<object, Map<string, Float32Array>>();

/**
 * The highlight's embedder: the first passage's sentences are embedded for every question, and
 * the same passages come back for many questions, so their vectors are kept (bounded, oldest
 * out first). It was about 30% of answering a question (docs/quality.md, "Highlighting cost").
 */
function sentenceEmbedder(state: EngineState): EmbedFn | null {
  const pool = state.semantic?.pool;
  const embed = questionEmbedder(state);
  if (!pool || !embed) return null;
  let cache = sentenceVectors.get(pool);
  if (!cache) sentenceVectors.set(pool, (cache = new Map()));
  const known = cache;
  return async (texts) => {
    const missing = [...new Set(texts.filter((t) => !known.has(t)))];
    if (missing.length > 0) {
      const vectors = await embed(missing);
      missing.forEach((text, i) => {
        if (known.size >= HIGHLIGHT_TUNING.sentenceVectorCacheSize) known.delete(known.keys().next().value!);
        known.set(text, vectors[i]!);
      });
    }
    return Promise.all(texts.map(async (t) => known.get(t) ?? (await embed([t]))[0]!));
  };
}

export async function ask(state: EngineState, question: string, options: AskOptions): Promise<AskResult> {
  const started = performance.now();
  // One spelling per question in the log, so repeats group in stats ("most asked").
  const trimmed = question.replace(/\s+/g, ' ').trim();
  if (trimmed === '')
    throw new UserError('empty_question', 'the question is empty; ask something like "how many were detained?"');
  if (trimmed.length > MAX_QUESTION_CHARS)
    throw new UserError(
      'input_too_large',
      `the question is ${trimmed.length} characters; keep it under ${MAX_QUESTION_CHARS}`,
    );
  const filter = await resolveFilter(state, options.collections, options.filter);
  const retrieved = await retrieveWithin(state, trimmed, {
    collections: options.collections,
    k: options.k ?? DEFAULT_K,
    offset: options.offset ?? 0,
    filter,
  });
  // What is shown and whether it is an answer: src/search/verdict.ts, decided in search.
  const result = { ...retrieved, hits: retrieved.shown };
  const highlighted = result.hits.length > 0 ? await highlightHits(trimmed, result, sentenceEmbedder(state)) : [];
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
  // While a shared store (PostgreSQL) is unreachable the question is answered from the caches and goes unlogged.
  const questionId = options.log
    ? await state.store.logQuestion(options.log.collection, trimmed, answered, filter).catch((error: unknown) => {
        if (isCitebotError(error) && error.code === 'store_unavailable') return null;
        throw error;
      })
    : null;
  return {
    question: trimmed,
    answered,
    answer: answered ? (highlighted[0]?.answer ?? null) : null,
    passages,
    articlesSearched: await state.store.countArticles(options.collections, { filter }),
    filter: filter ?? null,
    tookMs: Math.round(performance.now() - started),
    questionId,
    indexRebuilding: state.semantic?.vectors.rebuilding ?? null,
  };
}

/**
 * How a passage is cited: its article and the paragraph where it begins (1-based, as shown); for a
 * document with pages also that page and the paragraph's number on it ("page 4, paragraph 2").
 */
function citationOf({ article, passage }: Found): Citation {
  const citation: Citation = {
    title: article.title,
    source: article.source,
    date: article.date,
    url: article.url,
    article_id: article.id,
    paragraph: passage.paragraph_start + 1,
  };
  if (article.author) citation.author = article.author;
  const pages = article.pages ?? null;
  const page = pages?.[passage.paragraph_start];
  if (pages && page !== undefined) {
    citation.page = page;
    citation.page_paragraph = pages.slice(0, passage.paragraph_start + 1).filter((p) => p === page).length;
  }
  return citation;
}
