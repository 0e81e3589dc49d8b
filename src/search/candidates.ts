/**
 * A question's candidates: the nearest passages by the sentence encoder (HNSW, or exactly within a
 * small filtered scope) and the best by keyword BM25, merged by passage id; and the idf their
 * coverage is weighed by.
 */
import { dot } from '../embed/similarity.ts';
import type { SearchPort } from '../store/store-api.ts';
import type { SearchDeps, SearchMode, SearchOptions } from './search.ts';
import { SEARCH_TUNING } from './tuning.ts';

export async function idfFunction(store: SearchPort, tokens: readonly string[]): Promise<(token: string) => number> {
  const stats = await store.corpusStats(tokens);
  const total = Math.max(1, stats.passages);
  const df = stats.documentFrequencies;
  // BM25's idf, floored so a word in every passage still counts a little.
  return (token) => {
    const n = df.get(token) ?? 0;
    return Math.max(SEARCH_TUNING.idfFloor, Math.log(1 + (total - n + 0.5) / (n + 0.5)));
  };
}

export interface Candidate {
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

export async function gatherCandidates(
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
      options.filter && allowed.size <= SEARCH_TUNING.exactSearchMax
        ? await exactNeighbours(deps.store, questionVector, options, SEARCH_TUNING.candidates)
        : deps.vectors.search(questionVector, SEARCH_TUNING.candidates, allowed);
    for (const { rowid, similarity } of neighbours) candidates.set(rowid, { rowid, cosine: similarity, keyword: null });
  }
  if (mode !== 'dense' && tokens.length > 0) {
    for (const { id, score } of await deps.store.keywordSearch(tokens, options, SEARCH_TUNING.candidates)) {
      const existing = candidates.get(id);
      if (existing) existing.keyword = score;
      else candidates.set(id, { rowid: id, cosine: null, keyword: score });
    }
  }
  return candidates;
}
