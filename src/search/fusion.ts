/**
 * Score-level fusion of the dense and lexical sides. Rank fusion (RRF) loses to the
 * better side on one kind of question or the other; adding a lexical term to the
 * cosine keeps a strong keyword match on top while a paraphrase still wins on meaning.
 *
 * The lexical term grows with the square of the idf-weighted coverage: a passage holding
 * every content word of the question (names, numbers, dates) gets the full weight, while
 * one that shares a stray common word gets almost nothing — so a paraphrased question,
 * which shares no word with its answer, is ranked by meaning rather than by the stray
 * words of wrong passages. (news-en, use-lite: paraphrased hit@1 0.23 → 0.30, hit@5
 * 0.57 → 0.64 against linear coverage at equal lexical questions' scores.)
 */

export interface FusionWeights {
  /** Weight of the idf-weighted question coverage next to the cosine. */
  lexical: number;
  /** Weight of the dense cosine (0 for keyword-only search). */
  dense: number;
  /** Fused scores below this mean "not in the articles". */
  threshold: number;
  /** Bonus for a passage holding the kind of answer asked for (a figure for "how many"). */
  answerShape: number;
}

/**
 * Calibrated per model with `npm run eval` (see README "Quality"): a weak encoder gets a
 * larger lexical weight so it cannot pull a strong keyword match down.
 */
const CALIBRATED: Record<string, FusionWeights> = {
  'Xenova/all-MiniLM-L6-v2': { dense: 1, lexical: 0.4, threshold: 0.45, answerShape: 0.05 },
  'use-lite': { dense: 1, lexical: 0.4, threshold: 0.494, answerShape: 0.05 },
  keyword: { dense: 0, lexical: 1, threshold: 0.5, answerShape: 0.05 },
};
const UNCALIBRATED: FusionWeights = { dense: 1, lexical: 0.5, threshold: 0.4, answerShape: 0.05 };

/** The model's calibrated weights; a model folder's citebot.json may carry its own. */
export function fusionWeightsFor(modelId: string, overrides: Partial<FusionWeights> = {}): FusionWeights {
  const weights = CALIBRATED[modelId] ?? UNCALIBRATED;
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined && v !== null));
  return { ...weights, ...defined };
}

export function fuse(cosine: number, coverage: number, weights: FusionWeights): number {
  return weights.dense * cosine + weights.lexical * coverage * coverage;
}
