/**
 * Calibrates the "no answer" threshold. For every set, a temporary index of its articles
 * is asked (hybrid mode):
 *   positives: the set's answerable questions;
 *   negatives: the set's unanswerable questions, and every question of the other sets
 *              (an xquad question asked over the news articles must be declined).
 * A question is declined when its best fused score is below the threshold. The chosen
 * threshold declines ≥ 90% of negatives while declining ≤ 5% of positives; among those it
 * maximizes (negatives declined − positives declined), and sits midway between scores.
 * When no threshold meets both, the one declining the most negatives within the 5% is chosen.
 */
import type { FusionWeights } from '../search/fusion.ts';
import { describeWeights } from './terms.ts';
import { askAll, ingestSet, itemsOf, openTempIndex, round, type AskItem } from './runner.ts';
import type { EvalSet } from './set.ts';

export interface ThresholdChoice {
  threshold: number;
  /** Share of negatives declined (no-answer recall). */
  declinedCorrectly: number;
  /** Share of positives declined. */
  declinedWrongly: number;
  /** Share of declines that were negatives. */
  precision: number;
  /** Whether both targets (≥ minDeclined, ≤ maxWrong) are met. */
  feasible: boolean;
}

export interface ThresholdTargets {
  minDeclined: number;
  maxWrong: number;
}

export const DEFAULT_TARGETS: ThresholdTargets = { minDeclined: 0.9, maxWrong: 0.05 };

/** What a threshold does to the two score lists (declined = score < threshold). */
export function declineRates(
  threshold: number,
  positives: readonly number[],
  negatives: readonly number[],
): Omit<ThresholdChoice, 'threshold' | 'feasible'> {
  const right = negatives.filter((s) => s < threshold).length;
  const wrong = positives.filter((s) => s < threshold).length;
  return {
    declinedCorrectly: negatives.length === 0 ? 0 : right / negatives.length,
    declinedWrongly: positives.length === 0 ? 0 : wrong / positives.length,
    precision: right + wrong === 0 ? 1 : right / (right + wrong),
  };
}

/**
 * Feasible beats infeasible. Among feasible ones, more (negatives − positives) declined wins.
 * Without a feasible one, wrongly declining answerable questions is the worse failure: keep
 * within maxWrong and decline as many negatives as possible; failing that, the best difference.
 */
function preferable(a: ThresholdChoice, b: ThresholdChoice, targets: ThresholdTargets): boolean {
  if (a.feasible !== b.feasible) return a.feasible;
  const gain = (c: ThresholdChoice) => c.declinedCorrectly - c.declinedWrongly;
  if (a.feasible) return gain(a) > gain(b);
  const aSafe = a.declinedWrongly <= targets.maxWrong;
  const bSafe = b.declinedWrongly <= targets.maxWrong;
  if (aSafe !== bSafe) return aSafe;
  return aSafe ? a.declinedCorrectly > b.declinedCorrectly : gain(a) > gain(b);
}

/** The threshold as described above; when no threshold meets both targets, the best trade-off. */
export function chooseThreshold(
  positives: readonly number[],
  negatives: readonly number[],
  targets: ThresholdTargets = DEFAULT_TARGETS,
): ThresholdChoice {
  const scores = [...new Set([...positives, ...negatives])].sort((a, b) => a - b);
  const candidates = [
    scores[0]! - 0.001,
    ...scores.slice(1).map((s, i) => (s + scores[i]!) / 2),
    scores.at(-1)! + 0.001,
  ];
  let best: ThresholdChoice | null = null;
  for (const threshold of candidates) {
    const rates = declineRates(threshold, positives, negatives);
    const feasible = rates.declinedCorrectly >= targets.minDeclined && rates.declinedWrongly <= targets.maxWrong;
    const choice = { threshold, ...rates, feasible };
    if (!best || preferable(choice, best, targets)) best = choice;
  }
  return best!;
}

/**
 * The choice with its threshold written with as few decimals (3 to 6) as keep every score on
 * the same side: rounding 0.95355 to 0.954 would step over an answerable question scoring
 * 0.9536 and decline it, so the printed rates would no longer be the threshold's.
 */
export function roundedChoice(
  choice: ThresholdChoice,
  positives: readonly number[],
  negatives: readonly number[],
  targets: ThresholdTargets = DEFAULT_TARGETS,
): ThresholdChoice {
  const side = (t: number) => [...positives, ...negatives].map((s) => s < t).join();
  const exact = side(choice.threshold);
  const digits = [3, 4, 5, 6].find((d) => side(round(choice.threshold, d)) === exact);
  const threshold = digits === undefined ? choice.threshold : round(choice.threshold, digits);
  const rates = declineRates(threshold, positives, negatives);
  return {
    threshold,
    ...rates,
    feasible: rates.declinedCorrectly >= targets.minDeclined && rates.declinedWrongly <= targets.maxWrong,
  };
}

/**
 * The "related" floor: the highest score below which at most `maxMissed` of a set's
 * answerable questions fall. Between it and the threshold a reply shows the closest passages
 * without claiming an answer, so nearly every answerable question still gets its passages.
 * 2%: "nothing in the articles" for a question they answer is the worse mistake, since
 * passages shown under the caution claim nothing. At 5%, 5 of news-en's 119 answerable
 * questions (4 of them paraphrased) were told the articles hold nothing on them; at 2%, 2 are,
 * and off-topic questions (each set asked over the other) still get "nothing" 15.6% of the
 * time; at 1% only 4.5% of them would, the rest showing unrelated passages under the caution.
 */
export function chooseFloor(positives: readonly number[], maxMissed = 0.02): number {
  const sorted = [...positives].sort((a, b) => a - b);
  const allowed = Math.floor(maxMissed * sorted.length);
  if (sorted.length === 0) return 0;
  if (allowed === 0) return sorted[0]! - 0.001;
  return (sorted[allowed - 1]! + sorted[allowed]!) / 2;
}

export interface CalibrationRow {
  index: string;
  kind: 'positive' | 'negative';
  source: string;
  /** What "no answer" is decided on: the fused score, or the re-ranker's relevance when one is set. */
  score: number;
  /** The best fused score (the floor is always on this one). */
  fused: number;
}

export interface CalibrationResult {
  rows: CalibrationRow[];
  choice: ThresholdChoice;
  /** Below this nothing is shown (see chooseFloor). */
  floor: number;
  /** The same numbers per index and question source. */
  breakdown: {
    index: string;
    source: string;
    kind: 'positive' | 'negative';
    questions: number;
    declined: number;
    belowFloor: number;
  }[];
  model: string;
  /** The re-ranker whose relevance the threshold is for; null: the threshold is on fused scores. */
  reranker: string | null;
  weights: FusionWeights;
  summary: Record<string, unknown>;
}

export async function calibrate(
  sets: readonly EvalSet[],
  options: {
    model?: string;
    rerank?: string;
    env?: NodeJS.ProcessEnv;
    weights?: Partial<FusionWeights>;
    targets?: ThresholdTargets;
    onProgress?: (phase: string, done: number, total: number) => void;
    notice?: (m: string) => void;
  },
): Promise<CalibrationResult> {
  const rows: CalibrationRow[] = [];
  let model = '';
  let reranker: string | null = null;
  let weights: FusionWeights | null = null;
  for (const set of sets) {
    const index = await openTempIndex({
      model: options.model,
      rerank: options.rerank,
      env: options.env,
      weights: options.weights,
      notice: options.notice,
    });
    try {
      model = index.engine.model().id;
      reranker = index.engine.model().reranker;
      weights = index.engine.internals.fusionWeights();
      await ingestSet(index.engine, set.articles, (d, t) => options.onProgress?.(`${set.name}: ingest`, d, t));
      const groups: { source: string; kind: 'positive' | 'negative'; items: AskItem[] }[] = [
        { source: `${set.name} answerable`, kind: 'positive', items: itemsOf(set).filter((i) => i.gold !== null) },
        { source: `${set.name} unanswerable`, kind: 'negative', items: itemsOf(set).filter((i) => i.gold === null) },
        ...sets
          .filter((other) => other !== set)
          .map((other) => ({ source: `${other.name} (all)`, kind: 'negative' as const, items: itemsOf(other) })),
      ];
      for (const group of groups) {
        if (group.items.length === 0) continue;
        const outcomes = await askAll(index.engine, group.items, {
          mode: 'hybrid',
          k: 1,
          highlight: false,
          onProgress: (d, t) => options.onProgress?.(`${set.name} index: ${group.source}`, d, t),
        });
        for (const o of outcomes)
          rows.push({
            index: set.name,
            kind: group.kind,
            source: group.source,
            score: o.relevance ?? o.confidence,
            fused: o.confidence,
          });
      }
    } finally {
      await index.close();
    }
  }
  const positives = rows.filter((r) => r.kind === 'positive').map((r) => r.score);
  const negatives = rows.filter((r) => r.kind === 'negative').map((r) => r.score);
  const choice = roundedChoice(
    chooseThreshold(positives, negatives, options.targets),
    positives,
    negatives,
    options.targets,
  );
  // Per set, so a set of paraphrased questions (low scores) is not outvoted by a larger lexical one.
  const perSetFloors = sets.map((set) =>
    chooseFloor(rows.filter((r) => r.index === set.name && r.kind === 'positive').map((r) => r.fused)),
  );
  // With a re-ranker the threshold is on another scale: the floor stands alone.
  const floor = round(reranker ? Math.min(...perSetFloors) : Math.min(...perSetFloors, choice.threshold), 3);
  const keys = [...new Set(rows.map((r) => `${r.index}\u0000${r.source}\u0000${r.kind}`))];
  const breakdown = keys.map((key) => {
    const [index, source, kind] = key.split('\u0000') as [string, string, 'positive' | 'negative'];
    const group = rows.filter((r) => r.index === index && r.source === source);
    return {
      index,
      source,
      kind,
      questions: group.length,
      declined: group.filter((r) => r.score < choice.threshold).length,
      belowFloor: group.filter((r) => r.fused < floor).length,
    };
  });
  const fusedNegatives = rows.filter((r) => r.kind === 'negative').map((r) => r.fused);
  const fusedPositives = rows.filter((r) => r.kind === 'positive').map((r) => r.fused);
  const summary = {
    model,
    reranker,
    weights,
    threshold: choice.threshold,
    floor,
    below_floor: {
      negatives: round(fusedNegatives.filter((x) => x < floor).length / Math.max(1, fusedNegatives.length), 4),
      positives: round(fusedPositives.filter((x) => x < floor).length / Math.max(1, fusedPositives.length), 4),
    },
    feasible: choice.feasible,
    negatives: negatives.length,
    positives: positives.length,
    declined_correctly: round(choice.declinedCorrectly, 4),
    declined_wrongly: round(choice.declinedWrongly, 4),
    precision: round(choice.precision, 4),
    breakdown,
  };
  return { rows, choice, floor, breakdown, model, reranker, weights: weights!, summary };
}

function pct(rows: readonly CalibrationRow[], below: number): string {
  return `${((rows.filter((r) => r.fused < below).length / Math.max(1, rows.length)) * 100).toFixed(1)}% of ${rows.length}`;
}

export function formatCalibration(result: CalibrationResult): string {
  const c = result.choice;
  const w = result.weights;
  const lines = [
    `model ${result.model} (${describeWeights(w)})`,
    ...(result.reranker
      ? [
          `re-ranker ${result.reranker}: the threshold is on its relevance (RERANK_THRESHOLD, or "threshold" in its folder's citebot.json)`,
        ]
      : []),
    `threshold ${c.threshold}${c.feasible ? '' : '  (NO threshold meets both targets; this is the best trade-off)'}`,
    `  negatives declined (no-answer recall): ${(c.declinedCorrectly * 100).toFixed(1)}% of ${result.rows.filter((r) => r.kind === 'negative').length}`,
    `  positives declined:                    ${(c.declinedWrongly * 100).toFixed(1)}% of ${result.rows.filter((r) => r.kind === 'positive').length}`,
    `  no-answer precision:                   ${(c.precision * 100).toFixed(1)}%`,
    `floor ${result.floor} (below it nothing is shown; between it and the threshold, the closest passages)`,
    `  negatives below the floor:             ${pct(
      result.rows.filter((r) => r.kind === 'negative'),
      result.floor,
    )}`,
    `  positives below the floor:             ${pct(
      result.rows.filter((r) => r.kind === 'positive'),
      result.floor,
    )}`,
    '',
    'index          questions                     declined  nothing shown',
    ...result.breakdown.map(
      (b) =>
        `${b.index.padEnd(14)} ${`${b.source} (${b.kind})`.padEnd(30)} ${`${b.declined}/${b.questions}`.padEnd(9)} ${b.belowFloor}/${b.questions}`,
    ),
  ];
  return lines.join('\n');
}
