/**
 * Question → ranked passages: HNSW top-k and FTS5 BM25 top-k, fused at score level,
 * capped per article, with a calibrated confidence for "not in the articles".
 */
import { dot } from '../embed/similarity.ts';
import type { WordVectors } from '../embed/word-vectors.ts';
import type { Reranker } from '../embed/cross-encoder.ts';
import type { SearchPort, StoredArticle, StoredPassage } from '../store/store-api.ts';
import type { VectorIndex } from '../store/index/vector-index.ts';
import type { ArticleFilter, CollectionId } from '../types.ts';
import { answerShape } from './answer.ts';
import { decide, type Cutoffs, type Verdict } from './verdict.ts';
import {
  closestInMeaning,
  fuse,
  holdSemanticPlace,
  lexicalTrust,
  type Evidence,
  type FusionWeights,
} from './fusion.ts';
import { splitSentences } from '../text/sentences.ts';
import { analyze, analyzeQuestion, coverage } from './lexical.ts';
import {
  passageWords,
  synonymCoverage,
  synonymQueries,
  type PassageWord,
  type SynonymQuery,
  type Synonyms,
} from './synonyms.ts';

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

/** How many candidates each side contributes before fusion. */
const CANDIDATES = 50;

/**
 * Up to this many allowed passages, a filtered question compares the question with each of
 * them (their stored vectors, read in one query) instead of walking the HNSW graph, which
 * passes over the many passages the filter leaves out. Measured at 101,901 passages (dense
 * search p50): 441 allowed, 44 ms exact against 68 ms on the graph; 1,983 allowed, 69 against
 * 30 ms; both gave the same ten passages.
 */
const EXACT_SEARCH_MAX = 1_000;

async function idfFunction(store: SearchPort, tokens: readonly string[]): Promise<(token: string) => number> {
  const stats = await store.corpusStats(tokens);
  const total = Math.max(1, stats.passages);
  const df = stats.documentFrequencies;
  // BM25's idf, floored so a word in every passage still counts a little.
  return (token) => {
    const n = df.get(token) ?? 0;
    return Math.max(0.05, Math.log(1 + (total - n + 0.5) / (n + 0.5)));
  };
}

interface Candidate {
  rowid: number;
  cosine: number | null;
  /** The keyword (BM25) score, higher is better; null when keyword search did not find it. */
  keyword: number | null;
}

/** The `k` passages within the filter closest to the question, by comparing it with every one of them. */
async function exactNeighbours(
  store: SearchPort,
  question: Float32Array,
  options: SearchOptions,
  k: number,
): Promise<{ rowid: number; similarity: number }[]> {
  const scored: { rowid: number; similarity: number }[] = [];
  for (const { id, vector } of await store.vectorsIn(options))
    scored.push({ rowid: id, similarity: dot(question, vector) });
  return scored.sort((a, b) => b.similarity - a.similarity).slice(0, k);
}

async function gatherCandidates(
  deps: SearchDeps,
  tokens: string[],
  questionVector: Float32Array | null,
  options: SearchOptions,
  mode: SearchMode,
): Promise<Map<number, Candidate>> {
  const candidates = new Map<number, Candidate>();
  if (mode !== 'bm25' && questionVector && deps.vectors) {
    const allowed = await deps.store.passageIds(options);
    const neighbours =
      options.filter && allowed.size <= EXACT_SEARCH_MAX
        ? await exactNeighbours(deps.store, questionVector, options, CANDIDATES)
        : deps.vectors.search(questionVector, CANDIDATES, allowed);
    for (const { rowid, similarity } of neighbours) candidates.set(rowid, { rowid, cosine: similarity, keyword: null });
  }
  if (mode !== 'dense' && tokens.length > 0) {
    for (const { id, score } of await deps.store.keywordSearch(tokens, options, CANDIDATES)) {
      const existing = candidates.get(id);
      if (existing) existing.keyword = score;
      else candidates.set(id, { rowid: id, cosine: null, keyword: score });
    }
  }
  return candidates;
}

/** What a candidate offers before the scores are combined. */
interface Measured extends Evidence {
  /** The keyword (BM25) score, null when keyword search did not return it: the bm25 mode's ranking. */
  keyword: number | null;
}

/** What is known about the question once, before its candidates are measured. */
interface AskedQuestion {
  text: string;
  mode: SearchMode;
  tokens: string[];
  idf: (token: string) => number;
  vector: Float32Array | null;
  /** Its word-vector average, when fusion uses word vectors. */
  words: Float32Array | null;
  /** Its words that have thesaurus synonyms, when fusion uses them. */
  synonyms: SynonymQuery[];
  cache: PassageCache;
}

/** A candidate passage (its stored terms and vector) with its article's title (and the title's analyzed terms). */
interface CandidatePassage {
  candidate: Candidate;
  text: string;
  terms: readonly string[];
  vector: Float32Array | null;
  title: string;
  titleTerms: readonly string[];
}

function measureCandidate(
  deps: SearchDeps,
  asked: AskedQuestion,
  { candidate, text, terms: passageTerms, vector, title, titleTerms }: CandidatePassage,
): Measured {
  let cosine = candidate.cosine;
  if (cosine === null && asked.vector) cosine = vector ? dot(asked.vector, vector) : 0;
  // The article's title counts as part of every passage: a paragraph of "Nikola Tesla"
  // is about Tesla even where it only says "he".
  const terms = new Set([...passageTerms, ...titleTerms]);
  const covered = coverage(asked.tokens, terms, asked.idf);
  const measured = {
    cosine: cosine ?? 0,
    wordCosine: 0,
    synonymCoverage: 0,
    coverage: covered,
    sentenceCoverage: 0,
    titleCoverage: 0,
    shape: 0,
    bm25: candidate.keyword ?? 0,
    keyword: candidate.keyword,
  };
  if (asked.mode !== 'hybrid') return measured;
  if (covered > 0 && deps.weights.title > 0)
    measured.titleCoverage = coverage(asked.tokens, new Set(titleTerms), asked.idf);
  if (covered > 0 && deps.weights.sentence > 0) {
    measured.sentenceCoverage = bestSentenceCoverage(
      asked.tokens,
      sentenceTermsOf(asked.cache, candidate.rowid, text),
      titleTerms,
      asked.idf,
    );
  }
  if (asked.words && deps.words) {
    const passageWords = wordVectorOf(asked.cache, deps.words, candidate.rowid, `${title} ${text}`);
    measured.wordCosine = passageWords ? dot(asked.words, passageWords) : 0;
  }
  if (covered < 1 && asked.synonyms.length > 0 && deps.words) {
    measured.synonymCoverage = synonymCoverage(
      asked.synonyms,
      terms,
      passageWordsOf(asked.cache, deps.words, candidate.rowid, text),
    );
  }
  measured.shape = answerShape(asked.text, text);
  return measured;
}

function scoreOf(measured: Measured, mode: SearchMode, weights: FusionWeights, trust: number): number {
  if (mode === 'bm25') return measured.keyword ?? 0;
  if (mode === 'dense') return measured.cosine;
  return fuse(measured, weights, trust);
}

/**
 * Analyzed sentences and word-vector averages of recently scored passages. Splitting and
 * analyzing each candidate's sentences on every question doubled the main-thread time of a
 * search; the same passages come back for many questions. Reset when the store changes; bounded.
 */
const PASSAGE_CACHE_SIZE = 20_000;

interface PassageCache {
  sentences: Map<number, Set<string>[]>;
  words: Map<number, Float32Array | null>;
  passageWords: Map<number, PassageWord[]>;
}

const passageCaches = new WeakMap<SearchPort, { generation: number; cache: PassageCache }>();

/** The store's passage cache, emptied whenever its passages have changed. */
async function passageCache(store: SearchPort): Promise<PassageCache> {
  const generation = await store.generation();
  let entry = passageCaches.get(store);
  if (!entry || entry.generation !== generation) {
    entry = { generation, cache: { sentences: new Map(), words: new Map(), passageWords: new Map() } };
    passageCaches.set(store, entry);
  }
  return entry.cache;
}

function remember<V>(map: Map<number, V>, rowid: number, value: V): V {
  if (map.size >= PASSAGE_CACHE_SIZE) map.delete(map.keys().next().value!);
  map.set(rowid, value);
  return value;
}

function sentenceTermsOf(cache: PassageCache, rowid: number, text: string): Set<string>[] {
  return (
    cache.sentences.get(rowid) ??
    remember(
      cache.sentences,
      rowid,
      splitSentences(text).map((sentence) => new Set(analyze(sentence))),
    )
  );
}

/** The passage's word-vector average, its article's title included (as for coverage). */
function wordVectorOf(cache: PassageCache, words: WordVectors, rowid: number, text: string): Float32Array | null {
  const cached = cache.words.get(rowid);
  return cached !== undefined ? cached : remember(cache.words, rowid, words.textVector(text));
}

/** The passage's distinct words with their vectors, for synonym matches. */
function passageWordsOf(cache: PassageCache, words: WordVectors, rowid: number, text: string): PassageWord[] {
  return cache.passageWords.get(rowid) ?? remember(cache.passageWords, rowid, passageWords(text, words));
}

/** Coverage of the passage's best sentence; the title counts as part of every sentence. */
function bestSentenceCoverage(
  tokens: readonly string[],
  sentences: readonly Set<string>[],
  titleTerms: readonly string[],
  idf: (token: string) => number,
): number {
  const title = new Set(titleTerms);
  let best = 0;
  for (const sentence of sentences)
    best = Math.max(best, coverage(tokens, { has: (token) => sentence.has(token) || title.has(token) }, idf));
  return best;
}

/**
 * The text two passages are compared by for duplicates: Unicode form, case, spacing, quote
 * marks and punctuation ignored, so the same wire paragraph from two sites is one passage.
 */
export function duplicateKey(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * Keeps the best-ranked copy of each passage text and lists where else it stands in its
 * `alsoIn`: a reply of three passages should not spend two of them on the same words. A
 * passage whose whole text stands inside another counts as a copy too, because articles
 * split the same copy differently (a short closing line joins the paragraph before it).
 */
export function collapseDuplicates(ranked: readonly Hit[]): Hit[] {
  const kept: { key: string; hit: Hit }[] = [];
  for (const hit of ranked) {
    const key = ` ${duplicateKey(hit.passage.text)} `;
    const original = kept.find((k) => k.key.includes(key) || key.includes(k.key));
    if (original) original.hit.alsoIn.push({ passage: hit.passage, article: hit.article }, ...hit.alsoIn);
    else kept.push({ key, hit: { ...hit, alsoIn: [...hit.alsoIn] } });
  }
  return kept.map((k) => k.hit);
}

/**
 * Keeps at most `perArticle` passages of each article, best first. `keep` (the passage closest
 * in meaning, whose place a hybrid reply holds) is kept and not counted, so an article can
 * give one passage more: when its keyword matches fill its share, its paraphrase answer is
 * still shown. (xquad-en hit@5 1185 → 1186 before synonyms, 1184 → 1185 with them; making
 * room by dropping the article's lowest passage instead gave 1184 with them: "What do some
 * people protest against?" lost its answer to four passages of one article holding
 * "Protestant".)
 */
export function capPerArticle<T extends { article: { rowid: number } }>(
  ranked: readonly T[],
  perArticle: number,
  keep?: T,
): T[] {
  const seen = new Map<number, number>();
  return ranked.filter((hit) => {
    if (hit === keep) return true;
    const n = seen.get(hit.article.rowid) ?? 0;
    seen.set(hit.article.rowid, n + 1);
    return n < perArticle;
  });
}

/** What the re-ranker reads of a passage: its article's title gives "he" and "the company" their names. */
function rerankText(hit: Hit): string {
  return `${hit.article.title}. ${hit.passage.text}`;
}

/**
 * Lets the re-ranker order the best `candidates` fused passages, and the one closest in meaning
 * when fusion ranked it below them; the rest follow in fused order.
 */
async function rerank(
  reranker: NonNullable<SearchDeps['reranker']>,
  question: string,
  ranked: readonly Hit[],
): Promise<Hit[]> {
  const head = ranked.slice(0, reranker.candidates);
  const closest = closestInMeaning(ranked);
  if (closest && !head.includes(closest)) head.push(closest);
  if (head.length === 0) return [];
  const relevances = await reranker.score(question, head.map(rerankText));
  const read = head.map((hit, i) => ({ ...hit, relevance: relevances[i] ?? 0 }));
  read.sort((a, b) => b.relevance - a.relevance || b.score - a.score);
  return [...read, ...ranked.filter((hit) => !head.includes(hit))];
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

/** Lexical coverage of one sentence (for highlighting). */
export function sentenceCoverage(tokens: readonly string[], sentence: string, idf: (token: string) => number): number {
  return coverage(tokens, new Set(analyze(sentence)), idf);
}
