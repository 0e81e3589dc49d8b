/**
 * The one rule for what a reply says: an answer, the closest passages under a caution, or that
 * the articles hold nothing on the question. The engine's `ask`, search's result and the
 * evaluation all read it from here, so a change to it is measured as it is shipped.
 */

/**
 * - `answered`: the first passage clears the threshold (or the re-ranker's threshold): an answer
 *   is claimed, with its passages.
 * - `shown`: nothing clears it, but passages at or above the floor are shown, marked as not a
 *   confirmed answer.
 * - `nothing`: no passage reaches the floor: "not in the articles".
 */
export type Verdict = 'answered' | 'shown' | 'nothing';

/** The cut-offs a verdict is decided by (calibrated per model, see docs/quality.md). */
export interface Cutoffs {
  /** Fused scores at or above this claim an answer. */
  threshold: number;
  /** Fused scores below this are unrelated noise, never shown (never above the threshold). */
  floor: number;
  /** With a re-ranker, its relevance (0–1) at or above this claims an answer instead; null without one. */
  rerankThreshold: number | null;
}

/** What the verdict reads of a ranked passage. */
export interface Scored {
  score: number;
  /** The re-ranker's relevance, for passages it read; null otherwise. */
  relevance: number | null;
}

export interface Decision<T extends Scored> {
  verdict: Verdict;
  /** The passages a reply shows (empty for `nothing`). */
  shown: T[];
}

/**
 * Decides the reply for ranked passages. `confidence` is the best fused score; `relevance` the
 * re-ranker's relevance of the first passage (null without one). Keyword-only and dense-only
 * rankings (the evaluation's bm25 and dense modes) have no calibrated scale: they answer whenever
 * they return a passage.
 */
export function decide<T extends Scored>(
  hits: readonly T[],
  confidence: number,
  relevance: number | null,
  cutoffs: Cutoffs,
  calibrated = true,
): Decision<T> {
  if (hits.length === 0) return { verdict: 'nothing', shown: [] };
  if (!calibrated) return { verdict: 'answered', shown: [...hits] };
  const floor = Math.min(cutoffs.floor, cutoffs.threshold);
  // A passage the re-ranker finds answering is shown whatever its fused score.
  const rerankAnswers = (hit: T) =>
    hit.relevance !== null && cutoffs.rerankThreshold !== null && hit.relevance >= cutoffs.rerankThreshold;
  const related = confidence >= floor || hits.some(rerankAnswers);
  const shown = related ? hits.filter((hit) => hit.score >= floor || rerankAnswers(hit)) : [];
  if (shown.length === 0) return { verdict: 'nothing', shown };
  const confident =
    relevance !== null && cutoffs.rerankThreshold !== null
      ? relevance >= cutoffs.rerankThreshold
      : confidence >= cutoffs.threshold;
  return { verdict: confident ? 'answered' : 'shown', shown };
}
