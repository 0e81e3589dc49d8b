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
  /**
   * Weight of the cosine between SIF-averaged word vectors of question and passage
   * (src/embed/word-vectors.ts): a second semantic view that knows single-word synonyms.
   */
  words: number;
  /**
   * Weight of the share of the question a passage answers with thesaurus synonyms instead of
   * its words (src/search/synonyms.ts). Not scaled by keyword trust: it is the evidence a
   * paraphrased question has when no passage shares its words.
   */
  synonyms: number;
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
  /**
   * Further answer-shape bonus in proportion to how little keyword evidence is trusted: when
   * a question shares no words with the articles, a passage holding the kind of answer asked
   * for is the best remaining evidence besides meaning.
   */
  answerShapeUntrusted: number;
  /**
   * Keyword evidence counts fully once some candidate covers this share of the question, and
   * proportionally less below it (0: always fully). When no passage holds even that much of
   * the question, the shared words are incidental ("instead", "hit") and meaning should rank.
   */
  trustCoverage: number;
}

/**
 * Calibrated per model with `npm run eval` (see the README's "Quality" section): a weak
 * encoder gets a larger lexical weight so it cannot pull a strong keyword match down.
 *
 * use-lite — weights first from a grid over dense mixes, lexical 0.3–0.6, sentence 0–0.45,
 * answerShape 0.03–0.08, trustCoverage 0–0.8 and 2–4 passages per article on xquad-en and
 * news-en (one setting for both): lexical 0.4 and sentence 0.4 on squared coverage, trusted
 * fully from a best coverage of 0.45, reach xquad-en hit@1 0.9605 and hit@5 0.9958 with
 * news-en hybrid ahead of bm25 and dense on every metric. Both sides are on a knife edge:
 * trustCoverage 0.42 ties dense on news-en hit@5, 0.5 drops xquad-en by one question each.
 * answerShapeUntrusted 0.1 (the shape bonus grows to 0.15 as trust falls to 0): news-en hit@3
 * 0.798 → 0.815 and the paraphrase fixture 4 → 5 of 12, xquad-en unchanged.
 * words 0.4 with lexical 0.7 and sentence 0.5 (tune.ts grid over words 0.3–0.5, lexical 0.5–0.8,
 * sentence 0.4–0.6): xquad-en hit@1 0.9605 → 0.9655 at the same hit@5 (0.9958), news-en hit@1
 * 0.647 → 0.664, hit@5 0.874 → 0.891, MRR 0.741 → 0.763; the fixture 5 → 6 of 12.
 * synonyms 0.3 (src/eval/tune.ts --synonyms 0,0.2,0.25,0.3,0.35,0.4 with words 0.3 and 0.4;
 * linear, not scaled by trust: scaling it by 1 − trust kept at most 9 of 12 of the fixture):
 * news-en hit@1 0.664 → 0.714, hit@5 0.891 → 0.916, paraphrased hit@1 0.339 → 0.429; the
 * fixture 6 → 10 of 12; xquad-en hit@1 unchanged and hit@5 at 0.9958 thanks to the uncounted
 * semantic passage (capPerArticle; without it 0.9941, one question short of the target).
 * Threshold and floor from
 *   npm run eval -- --calibrate eval/news-en.json ../shared/eval/xquad-en.json --model use-lite
 * → threshold 0.9536: declines 93.2% of 1359 negatives (news-en's 25 unanswerable questions,
 * and each set's questions asked over the other set's articles) and 4.9% of 1309 answerable
 * ones; no-answer precision 95.2%. (Written as 0.954 it declined 5.04%: the calibration now
 * keeps the decimals that leave every score on its side, see roundedChoice.) The 25 near-miss unanswerable questions score like
 * answerable ones: only 4 are declined. Floor 0.569 (each set's 2nd percentile of answerable
 * scores, the lower): nothing is shown for 0.2% of answerable questions and 15.6% of negatives.
 *
 * keyword — the same command with --model keyword → 0.2489 (sentence weight 0.75: xquad-en
 * hit@1 0.945 → 0.953 against none): declines 91.3% of negatives and 4.3% of answerable
 * questions, precision 95.7%. Its floor is the threshold: a paraphrased question shares no
 * word with its answer, so below the threshold a word match is too weak to show.
 *
 * Xenova/all-MiniLM-L6-v2 — not calibrated on these sets (the hub was unreachable where they
 * were measured): use-lite's weights with a provisional threshold and floor. Run the calibrate
 * command with --model Xenova/all-MiniLM-L6-v2 once the model is cached, and put the result here.
 */
const CALIBRATED: Record<string, FusionWeights> = {
  'Xenova/all-MiniLM-L6-v2': {
    dense: 1,
    words: 0,
    synonyms: 0,
    lexical: 0.4,
    sentence: 0.4,
    threshold: 0.45,
    floor: 0.3,
    answerShape: 0.05,
    answerShapeUntrusted: 0.1,
    trustCoverage: 0.45,
  },
  'use-lite': {
    dense: 1,
    words: 0.4,
    synonyms: 0.3,
    lexical: 0.7,
    sentence: 0.5,
    threshold: 0.9536,
    floor: 0.569,
    answerShape: 0.05,
    answerShapeUntrusted: 0.1,
    trustCoverage: 0.45,
  },
  keyword: {
    dense: 0,
    words: 0,
    synonyms: 0,
    lexical: 1,
    sentence: 0.75,
    threshold: 0.2489,
    floor: 0.2489,
    answerShape: 0.05,
    answerShapeUntrusted: 0,
    trustCoverage: 0,
  },
};
const UNCALIBRATED: FusionWeights = {
  dense: 1,
  words: 0,
  synonyms: 0,
  lexical: 0.5,
  sentence: 0.3,
  threshold: 0.4,
  floor: 0.4,
  answerShape: 0.05,
  answerShapeUntrusted: 0.1,
  trustCoverage: 0.45,
};

/** The model's calibrated weights; a model folder's citebot.json may carry its own. */
export function fusionWeightsFor(modelId: string, overrides: Partial<FusionWeights> = {}): FusionWeights {
  const weights = CALIBRATED[modelId] ?? UNCALIBRATED;
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined && v !== null));
  return { ...weights, ...defined };
}

export interface Evidence {
  cosine: number;
  /** Cosine of the question's and the passage's word-vector averages (0 without word vectors). */
  wordCosine: number;
  /** Share of the question's idf mass the passage holds as synonyms instead (src/search/synonyms.ts). */
  synonymCoverage: number;
  /** Share of the question's idf mass in the passage (and its article's title). */
  coverage: number;
  /** The same share in the passage's best sentence (with the title). */
  sentenceCoverage: number;
  /** 0–1: how far the passage holds the kind of answer asked for (src/search/answer.ts). */
  shape: number;
}

/** How far keyword evidence is trusted for a question, from the best coverage among its candidates. */
export function lexicalTrust(bestCoverage: number, weights: FusionWeights): number {
  return weights.trustCoverage > 0 ? Math.min(1, bestCoverage / weights.trustCoverage) : 1;
}

export function fuse(evidence: Evidence, weights: FusionWeights, trust = 1): number {
  const { cosine, wordCosine, synonymCoverage, coverage, sentenceCoverage, shape } = evidence;
  return (
    weights.dense * cosine +
    weights.words * wordCosine +
    weights.synonyms * synonymCoverage +
    trust * (weights.lexical * coverage * coverage + weights.sentence * sentenceCoverage * sentenceCoverage) +
    (weights.answerShape + (1 - trust) * weights.answerShapeUntrusted) * shape
  );
}
