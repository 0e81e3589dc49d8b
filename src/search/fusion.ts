/**
 * The fused score: every term that changes a passage's score or place is defined here, once.
 * `FUSION_TERMS` drives the `FusionWeights` type, `fuse()`, the held place, the eval and tune
 * flags (src/eval/terms.ts) and the table in docs/quality.md (checked by test/search/fusion-terms.test.ts).
 * Why each term exists and what it measured: docs/quality.md.
 */
import { SEARCH_TUNING } from './tuning.ts';

export interface FusionTermSpec {
  /** What the term adds, for flags and docs. */
  doc: string;
  /** The largest sensible value (flags reject more). */
  max: number;
  /** Whether it is a parameter of the formula rather than a weight on evidence. */
  parameter?: true;
}

export const FUSION_TERMS = {
  dense: {
    doc: "weight of the sentence encoder's cosine of question and passage (0 for keyword-only search)",
    max: 10,
  },
  lexical: {
    doc: "weight of the squared idf-weighted share of the question's content words in the passage or its article's title (`coverage²`)",
    max: 10,
  },
  sentence: {
    doc: "weight of the same share, squared, within the passage's best single sentence (with the title)",
    max: 10,
  },
  title: {
    doc: "weight of the squared idf-weighted share of the question's content words in the article's title alone: the headline states the article's main claim",
    max: 10,
  },
  lead: {
    doc: "weight of the same title share, squared, for the article's first passage only: the lead restates the headline's claim",
    max: 10,
  },
  words: { doc: "weight of the cosine of the question's and passage's SIF-averaged GloVe word vectors", max: 10 },
  synonyms: {
    doc: 'weight of the share of the question the passage holds as thesaurus synonyms confirmed by word vectors',
    max: 10,
  },
  answerShape: { doc: 'bonus for a passage holding the kind of answer asked for (a figure for "how many")', max: 10 },
  answerShapeUntrusted: {
    doc: 'further answer-shape bonus in proportion to how little keyword evidence is trusted (1 − trust)',
    max: 10,
  },
  trustCoverage: {
    doc: 'best candidate coverage from which keyword terms count fully; below it they count proportionally less (0: always fully)',
    max: 1,
    parameter: true,
  },
  tieBreak: {
    doc: 'weight of the BM25 score, scaled to 0–1 (min(1, bm25 / 10)): breaks ties between passages covering the question equally',
    max: 1,
  },
  heldPlace: {
    doc: '1-based place held for the passage with the highest cosine when fusion ranks it lower (0: none)',
    max: 10,
    parameter: true,
  },
} as const satisfies Record<string, FusionTermSpec>;

export type FusionTerm = keyof typeof FUSION_TERMS;

/** One number per term of FUSION_TERMS. */
export type FusionWeights = Record<FusionTerm, number>;

export const FUSION_TERM_NAMES = Object.keys(FUSION_TERMS) as FusionTerm[];

/** No term at all: the base every model's weights are spread over. */
const ZERO: FusionWeights = Object.fromEntries(FUSION_TERM_NAMES.map((t) => [t, 0])) as FusionWeights;

/**
 * The weights each model ships with. How they were chosen, and what was measured held-out:
 * docs/quality.md. A model's calibration (src/search/calibration.ts) records the weights it was
 * made for; changing a line here without recalibrating fails test/search/verdict.test.ts.
 */
const MODEL_WEIGHTS: Record<string, FusionWeights> = {
  'use-lite': {
    ...ZERO,
    dense: 1,
    words: 0.4,
    synonyms: 0.3,
    lexical: 0.7,
    sentence: 0.5,
    lead: 0.4,
    answerShape: 0.05,
    answerShapeUntrusted: 0.1,
    trustCoverage: 0.45,
    tieBreak: 0.01,
    heldPlace: 3,
  },
  keyword: { ...ZERO, lexical: 1, sentence: 0.75, answerShape: 0.05, tieBreak: 0.01 },
};

/** Any other sentence encoder (all-MiniLM-L6-v2, a hub model): the terms that need no model-specific tuning. */
const DEFAULT_WEIGHTS: FusionWeights = {
  ...ZERO,
  dense: 1,
  lexical: 0.4,
  sentence: 0.4,
  answerShape: 0.05,
  answerShapeUntrusted: 0.1,
  trustCoverage: 0.45,
  tieBreak: 0.01,
  heldPlace: 3,
};

/** The model's weights, with overrides (a model folder's citebot.json, a tuning run) on top. */
export function fusionWeightsFor(
  modelId: string,
  overrides: Partial<Record<string, number | undefined | null>> = {},
): FusionWeights {
  const weights = { ...(MODEL_WEIGHTS[modelId] ?? DEFAULT_WEIGHTS) };
  for (const term of FUSION_TERM_NAMES) {
    const value = overrides[term];
    if (typeof value === 'number') weights[term] = value;
  }
  return weights;
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
  /** The same share in the article's title alone. */
  titleCoverage: number;
  /** 1 for the article's first passage (its lead), else 0. */
  isLead: number;
  /** 0–1: how far the passage holds the kind of answer asked for (src/search/answer.ts). */
  shape: number;
  /** The passage's BM25 score (higher is better), 0 when keyword search did not return it. */
  bm25: number;
}

/** How far keyword evidence is trusted for a question, from the best coverage among its candidates. */
export function lexicalTrust(bestCoverage: number, weights: FusionWeights): number {
  return weights.trustCoverage > 0 ? Math.min(1, bestCoverage / weights.trustCoverage) : 1;
}

export function fuse(evidence: Evidence, weights: FusionWeights, trust = 1): number {
  const { cosine, wordCosine, synonymCoverage, coverage, sentenceCoverage, titleCoverage, isLead, shape, bm25 } =
    evidence;
  return (
    weights.dense * cosine +
    weights.words * wordCosine +
    weights.synonyms * synonymCoverage +
    trust *
      (weights.lexical * coverage * coverage +
        weights.sentence * sentenceCoverage * sentenceCoverage +
        (weights.title + isLead * weights.lead) * titleCoverage * titleCoverage) +
    (weights.answerShape + (1 - trust) * weights.answerShapeUntrusted) * shape +
    weights.tieBreak * Math.min(1, Math.max(0, bm25) / SEARCH_TUNING.tieBreakScale)
  );
}

/** The hit with the highest cosine (the sentence encoder's choice). */
export function closestInMeaning<T extends { cosine: number }>(ranked: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const hit of ranked) if (!best || hit.cosine > best.cosine) best = hit;
  return best;
}

/**
 * Moves the highest-cosine hit up to the weights' held place when fusion ranked it lower: fusion
 * puts keyword matches first, which can bury a paraphrase's answer under passages sharing a
 * stray word. The sentence encoder's cosine alone decides.
 */
export function holdSemanticPlace<T extends { cosine: number }>(ranked: readonly T[], weights: FusionWeights): T[] {
  const slot = weights.heldPlace - 1;
  const best = closestInMeaning(ranked);
  const at = best ? ranked.indexOf(best) : -1;
  if (slot < 0 || !best || at <= slot) return [...ranked];
  const rest = ranked.filter((hit) => hit !== best);
  return [...rest.slice(0, slot), best, ...rest.slice(slot)];
}
