/**
 * Leave-one-set-out: which weight setting to trust on data it was not tuned on. For each set,
 * the setting best on the OTHER sets is measured on it (src/eval/tune.ts prints both).
 */
import { FUSION_TERM_NAMES, type FusionWeights } from '../search/fusion.ts';
import type { Metrics } from './metrics.ts';

/** Named settings: the model's own weights, and the plain prototype of issue 21. */
export const PRESETS: Record<string, Partial<FusionWeights>> = {
  shipped: {},
  prototype: { ...Object.fromEntries(FUSION_TERM_NAMES.map((t) => [t, 0])), dense: 1, lexical: 1 },
};

/** What a setting is chosen by: the mean of hit@1 and MRR@10 (rank 1 matters most; MRR sees the rest). */
export function objective(m: Pick<Metrics, 'hit@1' | 'mrr@10'>): number {
  return (m['hit@1'] + m['mrr@10']) / 2;
}

export interface Cell {
  setting: number;
  set: string;
  metrics: Metrics;
}

export interface HeldOut {
  /** The set left out. */
  set: string;
  /** The setting chosen on the other sets. */
  chosen: number;
  /** Its figures on the set left out. */
  metrics: Metrics;
  /** The best setting on the left-out set itself (an in-sample ceiling, for comparison). */
  oracle: number;
  oracleMetrics: Metrics;
}

/** Leave-one-set-out: for each set, the setting best on the others, measured on it. */
export function leaveOneSetOut(cells: readonly Cell[], settings: number, sets: readonly string[]): HeldOut[] {
  const at = (setting: number, set: string) => cells.find((c) => c.setting === setting && c.set === set)!.metrics;
  const best = (score: (setting: number) => number) => {
    let chosen = 0;
    for (let s = 1; s < settings; s++) if (score(s) > score(chosen) + 1e-12) chosen = s;
    return chosen;
  };
  return sets.map((left) => {
    const others = sets.filter((s) => s !== left);
    const chosen = best((s) =>
      others.length === 0 ? 0 : others.reduce((sum, o) => sum + objective(at(s, o)), 0) / others.length,
    );
    const oracle = best((s) => objective(at(s, left)));
    return { set: left, chosen, metrics: at(chosen, left), oracle, oracleMetrics: at(oracle, left) };
  });
}
