/**
 * Question → ranked passages: candidates (src/search/candidates.ts) → evidence and the fused score
 * (evidence.ts, fusion.ts) → one copy per text, a few per article, the re-ranker (arrange.ts) →
 * the verdict (verdict.ts). Tuning constants: src/search/tuning.ts.
 */
import type { WordVectors } from '../embed/word-vectors.ts';
import type { Reranker } from '../embed/cross-encoder.ts';
import type { SearchPort, StoredArticle, StoredPassage } from '../store/store-api.ts';
import type { VectorIndex } from '../store/index/vector-index.ts';
import type { ArticleFilter, CollectionId } from '../types.ts';
import { capPerArticle, collapseDuplicates, rerank } from './arrange.ts';
import { gatherCandidates, idfFunction } from './candidates.ts';
import { measureCandidate, passageCache, scoreOf, type AskedQuestion, type Measured } from './evidence.ts';
import { closestInMeaning, holdSemanticPlace, lexicalTrust, type FusionWeights } from './fusion.ts';
import { analyze, analyzeQuestion } from './lexical.ts';
import { synonymQueries, type Synonyms } from './synonyms.ts';
import { decide, type Cutoffs, type Verdict } from './verdict.ts';

export type SearchMode = 'hybrid' | 'dense' | 'bm25';

export type EmbedFn = (texts: string[]) => Promise<Float32Array[]>;

export interface SearchDeps {
  /** The store, through the narrow port search reads by. */
  store: SearchPort;
  vectors: VectorIndex | null;
  embed: EmbedFn | null;
  /** Word vectors for the `words` fusion term; null when not in use. */
  words: WordVectors | null;
  /** The thesaurus for the `synonyms` fusion term (used with the word vectors); null when not in use. */
  synonyms: Synonyms | null;
  weights: FusionWeights;
  /** The calibrated threshold and floor of these weights (the re-ranker brings its own threshold). */
  cutoffs: Pick<Cutoffs, 'threshold' | 'floor'>;
  passagesPerArticle: number;
  /** The cross-encoder that reads the best passages again (RERANK_MODEL); null: fusion decides. */
  reranker?: Pick<Reranker, 'score' | 'candidates' | 'spec'> | null;
  /** Told when the re-ranker fails; the question is then answered by fusion alone. */
  onRerankError?: (error: Error) => void;
}

export interface SearchOptions {
  collections: readonly CollectionId[];
  k: number;
  offset?: number;
  mode?: SearchMode;
  /** Only passages of articles in this date range or from this source. */
  filter?: ArticleFilter;
}

/** Where a passage was found: its text and the article it belongs to. */
export interface Found {
  passage: StoredPassage;
  article: StoredArticle;
}

export interface Hit extends Found {
  score: number;
  cosine: number;
  coverage: number;
  /** The re-ranker's relevance in [0, 1], for passages it read; null otherwise. */
  relevance: number | null;
  /** Other articles holding the same passage text (syndicated copy, a story ingested twice), best first. */
  alsoIn: Found[];
}

export interface SearchResult {
  hits: Hit[];
  /** The best fused score: compared with the threshold for "not in the articles". */
  confidence: number;
  /** With a re-ranker: the first passage's relevance, compared with the re-ranker's threshold instead. */
  relevance: number | null;
  /** What the reply says (src/search/verdict.ts). */
  verdict: Verdict;
  /** The hits a reply shows: those at or above the floor (none for `nothing`). */
  shown: Hit[];
  /** verdict === 'answered'. */
  answered: boolean;
  questionTokens: string[];
  questionVector: Float32Array | null;
  idf: (token: string) => number;
}

export async function search(deps: SearchDeps, question: string, options: SearchOptions): Promise<SearchResult> {
  const mode = options.mode ?? 'hybrid';
  const tokens = analyzeQuestion(question);
  const idf = await idfFunction(deps.store, tokens);
  const questionVector = deps.embed && mode !== 'bm25' ? (await deps.embed([question]))[0]! : null;
  const candidates = await gatherCandidates(deps, tokens, questionVector, options, mode);
  // One batched read for every candidate's text, terms, vector and article.
  const rows = await deps.store.candidates([...candidates.keys()]);
  const articles = new Map<number, StoredArticle>();
  const titleTerms = new Map<number, string[]>();
  const asked: AskedQuestion = {
    text: question,
    mode,
    tokens,
    idf,
    vector: questionVector,
    words: mode === 'hybrid' && deps.words && deps.weights.words > 0 ? deps.words.textVector(question) : null,
    synonyms:
      mode === 'hybrid' && deps.words && deps.synonyms && deps.weights.synonyms > 0
        ? synonymQueries(question, tokens, idf, deps.synonyms, deps.words)
        : [],
    cache: await passageCache(deps.store),
  };
  const measured: { passage: StoredPassage; article: StoredArticle; measured: Measured }[] = [];
  for (const candidate of candidates.values()) {
    const row = rows.get(candidate.rowid);
    if (!row) continue;
    const passage = row.passage;
    let article = articles.get(passage.article_rowid);
    if (!article) {
      article = row.article;
      articles.set(article.rowid, article);
      titleTerms.set(article.rowid, analyze(article.title));
    }
    const view = {
      candidate,
      text: passage.text,
      terms: row.terms,
      vector: row.vector,
      title: article.title,
      titleTerms: titleTerms.get(article.rowid)!,
      isLead: passage.position === 0,
    };
    measured.push({ passage, article, measured: measureCandidate(deps, asked, view) });
  }
  const trust = lexicalTrust(Math.max(0, ...measured.map((m) => m.measured.coverage)), deps.weights);
  const scored: Hit[] = measured.map(({ passage, article, measured: m }) => ({
    passage,
    article,
    score: scoreOf(m, mode, deps.weights, trust),
    cosine: m.cosine,
    coverage: m.coverage,
    relevance: null,
    alsoIn: [],
  }));
  scored.sort((a, b) => b.score - a.score || a.passage.rowid - b.passage.rowid);
  const distinct = collapseDuplicates(scored);
  const reranker = mode === 'hybrid' ? (deps.reranker ?? null) : null;
  let reranked: Hit[] | null = null;
  if (reranker) {
    try {
      reranked = await rerank(reranker, question, distinct);
    } catch (error) {
      // A failing re-ranker must not take answers down with it: fusion answers alone.
      deps.onRerankError?.(error instanceof Error ? error : new Error(String(error)));
    }
  }
  // The held place and the cap's exemption make room for meaning that fusion under-ranks; a
  // re-ranker reads the question with each passage, so it decides that itself.
  const semantic = mode === 'hybrid' && deps.embed !== null && reranked === null && deps.weights.heldPlace > 0;
  const capped = capPerArticle(
    reranked ?? distinct,
    deps.passagesPerArticle,
    semantic ? closestInMeaning(distinct) : undefined,
  );
  const ranked = semantic ? holdSemanticPlace(capped, deps.weights) : capped;
  const confidence = ranked.length > 0 ? Math.max(...ranked.map((hit) => hit.score)) : 0;
  const relevance = reranked ? (ranked[0]?.relevance ?? 0) : null;
  const offset = options.offset ?? 0;
  const hits = ranked.slice(offset, offset + options.k);
  const cutoffs = {
    ...deps.cutoffs,
    rerankThreshold: reranker ? reranker.spec.threshold : null,
  };
  // One rule for answered / shown / nothing (src/search/verdict.ts); only hybrid scores are calibrated.
  const decision = decide(hits, confidence, relevance, cutoffs, mode === 'hybrid');
  return {
    hits,
    confidence,
    relevance,
    verdict: decision.verdict,
    shown: decision.shown,
    answered: decision.verdict === 'answered',
    questionTokens: tokens,
    questionVector,
    idf,
  };
}
