/**
 * Pure metric functions: a question's ranked passages in, hit@k / MRR / decline rates out.
 * A returned passage is a hit when it comes from the gold article and either covers the
 * gold paragraph (passages may merge or split paragraphs) or contains the answer string.
 */

export interface RankedPassage {
  articleId: string;
  title: string;
  paragraphStart: number;
  paragraphEnd: number;
  text: string;
  /** Where else the same text stands (search shows one copy and cites the others). */
  copies?: { articleId: string; paragraphStart: number; paragraphEnd: number }[];
}

export interface Gold {
  articleId: string;
  paragraphIndex: number;
  answer: string;
}

/** What one mode did with one question. */
export interface QuestionOutcome {
  question: string;
  /** null for an unanswerable question. */
  gold: Gold | null;
  style: string | null;
  ranked: RankedPassage[];
  declined: boolean;
  /** Whether a reply would show any passage: an answer, or the closest passages when declined. */
  shown: boolean;
  confidence: number;
  /** The re-ranker's relevance of the first passage (null without RERANK_MODEL). */
  relevance: number | null;
  /** The highlighted sentence of the first passage ('' when nothing was returned). */
  highlight: string;
  /** Whether the question asks for a short answer (a figure, date, name or place). */
  wantsAnswer: boolean;
  /** The short answer the reply claims (null when none is, or the question was declined). */
  answer: string | null;
  queryMs: number;
}

export interface Metrics {
  'hit@1': number;
  'hit@3': number;
  'hit@5': number;
  'mrr@10': number;
  highlight_hit: number;
  /** Share of answerable questions asking for a figure, date, name or place whose claimed short answer is right. */
  answer_hit: number;
  /** Share of claimed short answers (answerable and unanswerable questions) that are right; null when none was claimed. */
  answer_precision: number | null;
  /** Share of unanswerable questions declined (no-answer recall); null when the set has none. */
  declined_correctly: number | null;
  /** Share of answerable questions declined. */
  declined_wrongly: number;
  /** Share of declines that were right (no-answer precision); null when nothing was declined. */
  decline_precision: number | null;
  /** Share of answerable questions whose reply would show no passage at all (below the floor). */
  answerable_nothing_shown: number;
  /** The same for unanswerable questions; null when the set has none. */
  unanswerable_nothing_shown: number | null;
  /** Share of answerable questions answered confidently (an answer claimed). */
  confident: number;
  /** Share of answerable questions shown passages under the caution, with no answer claimed. */
  hedged: number;
  /** Share of confident answers that are wrong: the first passage misses the gold one, or the question is unanswerable; null when none was confident. */
  confident_wrong: number | null;
  /** Answerable questions. */
  questions: number;
  unanswerable: number;
  query_ms_p50: number;
}

/** Lower-cased, whitespace-collapsed: how answer strings are compared with text. */
export function normalizeText(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim();
}

export function containsAnswer(text: string, answer: string): boolean {
  return normalizeText(text).includes(normalizeText(answer));
}

function answerWords(text: string): string[] {
  return normalizeText(text)
    .replace(/(\d),(?=\d{3})/g, '$1')
    .split(/[^\p{L}\p{N}%$€£.]+/u)
    .map((w) => w.replace(/^\.+|\.+$/g, ''))
    .filter((w) => w.length > 0 && !/^(the|a|an|of|about|nearly|some|up|to)$/.test(w));
}

/**
 * Whether a claimed short answer is the gold one: every word of one is in the other ("11 weeks"
 * for "11 weeks", "Ruth Okonkwo" for "mediator Ruth Okonkwo"), so "5" is not "25 percent".
 */
export function answerMatches(claimed: string, gold: string): boolean {
  const a = answerWords(claimed);
  const g = answerWords(gold);
  if (a.length === 0 || g.length === 0) return false;
  const contains = (outer: string[], inner: string[]) => inner.every((w) => outer.includes(w));
  return contains(g, a) || contains(a, g);
}

export function isHit(passage: RankedPassage, gold: Gold): boolean {
  return [passage, ...(passage.copies ?? [])].some((place) => {
    if (place.articleId !== gold.articleId) return false;
    const covers = place.paragraphStart <= gold.paragraphIndex && gold.paragraphIndex <= place.paragraphEnd;
    return covers || containsAnswer(passage.text, gold.answer);
  });
}

/** 1-based rank of the first hit among the first `depth` passages, or null. */
export function firstHitRank(ranked: readonly RankedPassage[], gold: Gold, depth = 10): number | null {
  const index = ranked.slice(0, depth).findIndex((p) => isHit(p, gold));
  return index < 0 ? null : index + 1;
}

export function hitAt(ranks: readonly (number | null)[], k: number): number {
  return ratio(ranks.filter((r) => r !== null && r <= k).length, ranks.length);
}

export function meanReciprocalRank(ranks: readonly (number | null)[], depth = 10): number {
  if (ranks.length === 0) return 0;
  return ranks.reduce<number>((sum, r) => sum + (r !== null && r <= depth ? 1 / r : 0), 0) / ranks.length;
}

/** Median by the nearest-rank method (the lower middle for an even count). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

function ratio(n: number, d: number): number {
  return d === 0 ? 0 : n / d;
}

/** Retrieval metrics count every answerable question, declined or not; declines are reported apart. */
export function summarize(outcomes: readonly QuestionOutcome[]): Metrics {
  const answerable = outcomes.filter((o): o is QuestionOutcome & { gold: Gold } => o.gold !== null);
  const unanswerable = outcomes.filter((o) => o.gold === null);
  const ranks = answerable.map((o) => firstHitRank(o.ranked, o.gold));
  const declinedRight = unanswerable.filter((o) => o.declined).length;
  const declinedWrong = answerable.filter((o) => o.declined).length;
  const claims = outcomes.filter((o) => o.answer !== null);
  const rightClaim = (o: QuestionOutcome) =>
    o.answer !== null && o.gold !== null && answerMatches(o.answer, o.gold.answer);
  return {
    'hit@1': hitAt(ranks, 1),
    'hit@3': hitAt(ranks, 3),
    'hit@5': hitAt(ranks, 5),
    'mrr@10': meanReciprocalRank(ranks, 10),
    highlight_hit: ratio(
      answerable.filter((o) => containsAnswer(o.highlight, o.gold.answer)).length,
      answerable.length,
    ),
    answer_hit: ratio(answerable.filter(rightClaim).length, answerable.filter((o) => o.wantsAnswer).length),
    answer_precision: claims.length === 0 ? null : claims.filter(rightClaim).length / claims.length,
    declined_correctly: unanswerable.length === 0 ? null : declinedRight / unanswerable.length,
    declined_wrongly: ratio(declinedWrong, answerable.length),
    decline_precision: declinedRight + declinedWrong === 0 ? null : declinedRight / (declinedRight + declinedWrong),
    answerable_nothing_shown: ratio(answerable.filter((o) => !o.shown).length, answerable.length),
    confident: ratio(answerable.filter((o) => !o.declined).length, answerable.length),
    hedged: ratio(answerable.filter((o) => o.declined && o.shown).length, answerable.length),
    confident_wrong: confidentWrong(outcomes),
    unanswerable_nothing_shown:
      unanswerable.length === 0 ? null : unanswerable.filter((o) => !o.shown).length / unanswerable.length,
    questions: answerable.length,
    unanswerable: unanswerable.length,
    query_ms_p50: percentile(
      outcomes.map((o) => o.queryMs),
      50,
    ),
  };
}

/** Of the confident answers (not declined), the share whose first passage is not the gold one, or whose question has none. */
function confidentWrong(outcomes: readonly QuestionOutcome[]): number | null {
  const confident = outcomes.filter((o) => !o.declined);
  if (confident.length === 0) return null;
  const wrong = confident.filter((o) => o.gold === null || firstHitRank(o.ranked, o.gold, 1) === null).length;
  return wrong / confident.length;
}

/** Metrics per question style ("lexical", "paraphrased"); empty when the set has no styles. */
export function summarizeByStyle(outcomes: readonly QuestionOutcome[]): Record<string, Metrics> {
  const styles = [...new Set(outcomes.map((o) => o.style).filter((s): s is string => s !== null))].sort();
  return Object.fromEntries(styles.map((style) => [style, summarize(outcomes.filter((o) => o.style === style))]));
}
