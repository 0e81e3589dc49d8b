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
  /**
   * Weight of the same coverage within the passage's best single sentence: question words
   * found together in one sentence ("Tesla … died … 1943") are stronger evidence than the
   * same words scattered over a paragraph.
   */
  sentence: number;
  /** Weight of the dense cosine (0 for keyword-only search). */
  dense: number;
  /** Fused scores below this mean "no passage clearly answers": no answer is claimed. */
  threshold: number;
  /**
   * Passages scoring at least this are related enough to show. Between `floor` and
   * `threshold` a reply lists the closest passages, marked as not a confirmed answer;
   * below `floor` it says the articles hold nothing on the question.
   */
  floor: number;
  /** Bonus for a passage holding the kind of answer asked for (a figure for "how many"). */
  answerShape: number;
}

/**
 * Calibrated per model with `npm run eval` (see the README's "Quality" section): a weak
 * encoder gets a larger lexical weight so it cannot pull a strong keyword match down.
 *
 * use-lite — weights from a grid over lexical 0.3–0.7, coverage^1 / ^1.5 / ^2, answerShape
 * 0–0.1 on xquad-en and news-en (one setting for both): lexical 0.4 on coverage² is the
 * setting where news-en hybrid beats bm25 and dense on every metric; higher lexical
 * weights gain ≤ 0.01 hit@1 on xquad-en but fall behind dense on news-en's paraphrases.
 * Threshold from
 *   npm run eval -- --calibrate eval/news-en.json /work/shared/eval/xquad-en.json --model use-lite
 * → 0.501: declines 89.6% of 1359 negatives (news-en unanswerable, and each set's questions
 * asked over the other set's articles) and 5.0% of 1309 answerable questions; no-answer
 * precision 94.9%. No threshold reaches both 90% and ≤ 5%. On news-en's 25 near-miss
 * unanswerable questions alone it declines only 4 (they score like answerable ones).
 *
 * keyword — the same command with --model keyword → 0.169 (coverage² ≈ 41% of the question's
 * idf mass): declines 91.6% of negatives and 4.9% of answerable questions, precision 95.1%.
 */
const CALIBRATED: Record<string, FusionWeights> = {
  'Xenova/all-MiniLM-L6-v2': { dense: 1, lexical: 0.4, sentence: 0.3, threshold: 0.45, floor: 0.3, answerShape: 0.05 },
  'use-lite': { dense: 1, lexical: 0.4, sentence: 0.4, threshold: 0.501, floor: 0.3, answerShape: 0.05 },
  keyword: { dense: 0, lexical: 1, sentence: 0.75, threshold: 0.169, floor: 0.169, answerShape: 0.05 },
};
const UNCALIBRATED: FusionWeights = { dense: 1, lexical: 0.5, sentence: 0.3, threshold: 0.4, floor: 0.4, answerShape: 0.05 };

/** The model's calibrated weights; a model folder's citebot.json may carry its own. */
export function fusionWeightsFor(modelId: string, overrides: Partial<FusionWeights> = {}): FusionWeights {
  const weights = CALIBRATED[modelId] ?? UNCALIBRATED;
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined && v !== null));
  return { ...weights, ...defined };
}

export interface Evidence {
  cosine: number;
  /** Share of the question's idf mass in the passage (and its article's title). */
  coverage: number;
  /** The same share in the passage's best sentence (with the title). */
  sentenceCoverage: number;
}

export function fuse(evidence: Evidence, weights: FusionWeights): number {
  const { cosine, coverage, sentenceCoverage } = evidence;
  return weights.dense * cosine + weights.lexical * coverage * coverage + weights.sentence * sentenceCoverage * sentenceCoverage;
}
