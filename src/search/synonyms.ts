/**
 * Synonyms as keyword evidence: a question's word that a passage lacks still counts a little
 * when the passage holds a thesaurus synonym of it that the word vectors also place close
 * ("brokered" → "mediator", "carts" → "trolleys", "arrested" → "detained").
 *
 * Neither source does this alone. The thesaurus (Moby, scripts/build-synonyms.ts) lists every
 * sense of a word, so "raise" reaches "call" and "bring"; the word vectors place words of one
 * topic together, so "arrested" is also close to "police". A pair must be in the thesaurus, and
 * it scores by how close its vectors are: from nothing at SEARCH_TUNING.synonymSimilarFrom to full at synonymSimilarFull (src/search/tuning.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dot } from '../embed/similarity.ts';
import { wordsOf, type WordVectors } from '../embed/word-vectors.ts';
import { analyze } from './lexical.ts';
import { SEARCH_TUNING } from './tuning.ts';

export const SYNONYM_FILE = fileURLToPath(new URL('./moby-synonyms.txt', import.meta.url));
/** Pairs less similar than this are left out of the file (they would score nothing). */
export const SYNONYM_MIN_SIMILARITY = 0.25;

export class Synonyms {
  /** A stem's synonyms, split from its line the first time they are asked for. */
  private readonly parsed = new Map<string, ReadonlySet<string>>();

  private constructor(private readonly lines: Map<string, string>) {}

  /** The bundled table; null when its file is missing (the term then scores nothing). */
  static load(file = SYNONYM_FILE): Synonyms | null {
    if (!existsSync(file)) return null;
    return Synonyms.parse(readFileSync(file, 'utf8'));
  }

  /** "stem<TAB>synonym synonym …" lines, each stem with all its synonyms; "#" lines are comments. */
  static parse(text: string): Synonyms {
    const lines = new Map<string, string>();
    for (const line of text.split('\n')) {
      const tab = line.indexOf('\t');
      if (tab <= 0 || line.startsWith('#')) continue;
      lines.set(line.slice(0, tab), line.slice(tab + 1));
    }
    return new Synonyms(lines);
  }

  get size(): number {
    return this.lines.size;
  }

  of(stem: string): ReadonlySet<string> | undefined {
    let synonyms = this.parsed.get(stem);
    if (!synonyms) {
      const line = this.lines.get(stem);
      if (line === undefined) return undefined;
      synonyms = new Set(line.split(' '));
      this.parsed.set(stem, synonyms);
    }
    return synonyms;
  }
}

let bundled: Synonyms | null | undefined;

/** The bundled table, read once per process. */
export function bundledSynonyms(): Synonyms | null {
  if (bundled === undefined) bundled = Synonyms.load();
  return bundled;
}

/** A question word that has synonyms: its keyword stem, its share of the question, its vector. */
export interface SynonymQuery {
  token: string;
  share: number;
  synonyms: ReadonlySet<string>;
  vector: Float32Array;
}

/** A word of a passage, by stem, with its vector. */
export interface PassageWord {
  stem: string;
  vector: Float32Array;
}

/** Question tokens with synonyms and a word vector, each with its share of the question's idf. */
export function synonymQueries(
  question: string,
  tokens: readonly string[],
  idf: (token: string) => number,
  synonyms: Synonyms,
  words: WordVectors,
): SynonymQuery[] {
  const total = tokens.reduce((sum, token) => sum + idf(token), 0);
  if (total === 0) return [];
  const wanted = new Set(tokens);
  const queries: SynonymQuery[] = [];
  for (const word of new Set(wordsOf(question))) {
    const token = analyze(word)[0];
    if (!token || !wanted.has(token)) continue;
    wanted.delete(token);
    const related = synonyms.of(token);
    const vector = related ? words.wordVector(word) : null;
    if (related && vector) queries.push({ token, share: idf(token) / total, synonyms: related, vector });
  }
  return queries;
}

/** Keyword stems of single words: the same words recur in every passage, and analyzing one is costly. */
const stems = new Map<string, string | null>();
const STEM_CACHE_SIZE = 100_000;

function stemOf(word: string): string | null {
  let stem = stems.get(word);
  if (stem === undefined) {
    if (stems.size >= STEM_CACHE_SIZE) stems.clear();
    stem = analyze(word)[0] ?? null;
    stems.set(word, stem);
  }
  return stem;
}

/** The passage's distinct words that have a vector, by stem (the first spelling of each stem). */
export function passageWords(text: string, words: WordVectors): PassageWord[] {
  const seen = new Map<string, PassageWord>();
  for (const word of new Set(wordsOf(text))) {
    const stem = stemOf(word);
    if (!stem || seen.has(stem)) continue;
    const vector = words.wordVector(word);
    if (vector) seen.set(stem, { stem, vector });
  }
  return [...seen.values()];
}

/**
 * Share of the question (idf-weighted) that the passage answers with synonyms rather than the
 * words themselves, in [0, 1]. Words the passage holds as they are count here as nothing: the
 * coverage term has them.
 */
export function synonymCoverage(
  queries: readonly SynonymQuery[],
  passageTerms: Pick<ReadonlySet<string>, 'has'>,
  passage: readonly PassageWord[],
): number {
  let covered = 0;
  for (const query of queries) {
    if (passageTerms.has(query.token)) continue;
    let best = 0;
    for (const word of passage) {
      if (query.synonyms.has(word.stem)) best = Math.max(best, dot(query.vector, word.vector));
    }
    covered +=
      query.share *
      Math.min(
        1,
        Math.max(
          0,
          (best - SEARCH_TUNING.synonymSimilarFrom) /
            (SEARCH_TUNING.synonymSimilarFull - SEARCH_TUNING.synonymSimilarFrom),
        ),
      );
  }
  return covered;
}
