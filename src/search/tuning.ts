/**
 * Every tuning constant of search in one place, with its default and why. The fusion WEIGHTS
 * are not here: they are per model, defined with their terms in `FUSION_TERMS` / `MODEL_WEIGHTS`
 * (src/search/fusion.ts), and their threshold and floor are calibration records
 * (src/search/calibration.ts). Operator settings (PASSAGES_PER_ARTICLE, RERANK_CANDIDATES,
 * ANSWER_THRESHOLD) are in src/config.ts. Measurements behind these values: docs/quality.md and
 * docs/performance.md.
 */
export const SEARCH_TUNING = {
  /** Candidates each side (HNSW, keyword BM25) contributes before fusion. */
  candidates: 50,
  /**
   * Up to this many passages allowed by a filter (dates, source), the question is compared with
   * each of them exactly instead of walking the HNSW graph, which passes over the many passages
   * the filter leaves out (docs/performance.md: faster up to about this size, same passages).
   */
  exactSearchMax: 1_000,
  /**
   * Analyzed sentences and word-vector averages of this many recently scored passages are kept:
   * re-analyzing each candidate on every question doubled a search's main-thread time.
   */
  passageCacheSize: 20_000,
  /** BM25's idf is floored here, so a word found in every passage still counts a little. */
  idfFloor: 0.05,
  /** The BM25 score at which the `tieBreak` term is full (min(1, bm25 / this)). */
  tieBreakScale: 10,
  /** Word-vector cosine from which a thesaurus synonym starts to count (the `synonyms` term)… */
  synonymSimilarFrom: 0.3,
  /** …and from which it counts as much as the question's word itself would. */
  synonymSimilarFull: 0.6,
} as const;

/** How the highlighted sentence and the short answer are chosen (src/search/highlight.ts, answer.ts). */
export const HIGHLIGHT_TUNING = {
  /** A sentence holding what the question asks for (a figure for "how many") gets this bonus. */
  shapeBonus: 0.15,
  /** How far (in content words) a question word still counts as pointing at a short-answer candidate. */
  nearWords: 8,
  /**
   * Below this, a short answer is not claimed: one question word two content words away (0.75),
   * or two words five away, just pass (chosen on the eval sets; docs/quality.md, "Short answers").
   */
  minAnswerEvidence: 0.7,
  /** Sentence vectors of this many recently highlighted sentences are kept (src/engine/ask.ts). */
  sentenceVectorCacheSize: 5_000,
} as const;
