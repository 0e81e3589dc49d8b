/**
 * What each candidate offers before the scores are combined: its cosine, the question's coverage
 * in the passage, its best sentence and its title, the word-vector and synonym views, the answer
 * shape; and the per-store cache that keeps re-scoring the same passages cheap.
 */
import { dot } from '../embed/similarity.ts';
import type { WordVectors } from '../embed/word-vectors.ts';
import type { SearchPort } from '../store/store-api.ts';
import { splitSentences } from '../text/sentences.ts';
import { answerShape } from './answer.ts';
import type { Candidate } from './candidates.ts';
import { fuse, type Evidence, type FusionWeights } from './fusion.ts';
import { analyze, coverage } from './lexical.ts';
import type { SearchDeps, SearchMode } from './search.ts';
import { passageWords, synonymCoverage, type PassageWord, type SynonymQuery } from './synonyms.ts';
import { SEARCH_TUNING } from './tuning.ts';

/** What a candidate offers before the scores are combined. */
export interface Measured extends Evidence {
  /** The keyword (BM25) score, null when keyword search did not return it: the bm25 mode's ranking. */
  keyword: number | null;
}

/** What is known about the question once, before its candidates are measured. */
export interface AskedQuestion {
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
export interface CandidatePassage {
  candidate: Candidate;
  text: string;
  terms: readonly string[];
  vector: Float32Array | null;
  title: string;
  titleTerms: readonly string[];
  /** Whether it is its article's first passage (the lead). */
  isLead: boolean;
}

export function measureCandidate(
  deps: SearchDeps,
  asked: AskedQuestion,
  { candidate, text, terms: passageTerms, vector, title, titleTerms, isLead }: CandidatePassage,
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
    isLead: isLead ? 1 : 0,
    shape: 0,
    bm25: candidate.keyword ?? 0,
    keyword: candidate.keyword,
  };
  if (asked.mode !== 'hybrid') return measured;
  if (covered > 0 && (deps.weights.title > 0 || (isLead && deps.weights.lead > 0)))
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

export function scoreOf(measured: Measured, mode: SearchMode, weights: FusionWeights, trust: number): number {
  if (mode === 'bm25') return measured.keyword ?? 0;
  if (mode === 'dense') return measured.cosine;
  return fuse(measured, weights, trust);
}

/** Analyzed sentences and word vectors of recently scored passages (SEARCH_TUNING.passageCacheSize). */
export interface PassageCache {
  sentences: Map<number, Set<string>[]>;
  words: Map<number, Float32Array | null>;
  passageWords: Map<number, PassageWord[]>;
}

const passageCaches = new WeakMap<SearchPort, { generation: number; cache: PassageCache }>();

/** The store's passage cache, emptied whenever its passages have changed. */
export async function passageCache(store: SearchPort): Promise<PassageCache> {
  const generation = await store.generation();
  let entry = passageCaches.get(store);
  if (!entry || entry.generation !== generation) {
    entry = { generation, cache: { sentences: new Map(), words: new Map(), passageWords: new Map() } };
    passageCaches.set(store, entry);
  }
  return entry.cache;
}

function remember<V>(map: Map<number, V>, rowid: number, value: V): V {
  if (map.size >= SEARCH_TUNING.passageCacheSize) map.delete(map.keys().next().value!);
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
 * Lexical coverage of one sentence for highlighting, its article's title counting as part of it
 * (as in the ranking's best-sentence coverage): the headline already names what the question is
 * about, so the sentence that also holds the rest of the question wins over one that only
 * repeats the headline's names.
 */
export function sentenceCoverage(
  tokens: readonly string[],
  sentence: string,
  titleTerms: readonly string[],
  idf: (token: string) => number,
): number {
  return coverage(tokens, new Set([...analyze(sentence), ...titleTerms]), idf);
}
