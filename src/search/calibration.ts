/**
 * A calibration: the answer threshold and the floor chosen for one model AND one set of fusion
 * weights, with what they were chosen on. Scores mean nothing apart from the weights that made
 * them, so a calibration whose weights differ from the ones in use is not used (the model is then
 * calibrated again on first use: src/eval/self-calibrate.ts).
 */
import { FUSION_TERM_NAMES, type FusionWeights } from './fusion.ts';
import type { Cutoffs } from './verdict.ts';

export interface Calibration {
  /** The model id the scores came from. */
  model: string;
  /** The fusion weights the scores were fused with. */
  weights: FusionWeights;
  /** Fused scores at or above this claim an answer. */
  threshold: number;
  /** Fused scores below this are never shown. */
  floor: number;
  /** The question sets it was chosen on (file names without extension). */
  sets: string[];
  /** When (YYYY-MM-DD). */
  date: string;
  /** Where it comes from: shipped with citebot, or made on this machine on first use. */
  origin: 'shipped' | 'self';
}

/**
 * Shipped calibrations (`npm run eval -- --calibrate eval/news-en.json eval/xquad-en.json --model
 * <model>`; figures in docs/quality.md). MiniLM has none: it was never reachable where citebot is
 * built, so it calibrates itself on first use like any other model.
 */
export const SHIPPED_CALIBRATIONS: readonly Calibration[] = [
  {
    model: 'use-lite',
    weights: {
      dense: 1,
      lexical: 0.7,
      sentence: 0.5,
      title: 0,
      lead: 0.4,
      words: 0.4,
      synonyms: 0.3,
      answerShape: 0.05,
      answerShapeUntrusted: 0.1,
      trustCoverage: 0.45,
      tieBreak: 0.01,
      heldPlace: 3,
    },
    threshold: 0.9535,
    floor: 0.569,
    sets: ['news-en', 'xquad-en'],
    date: '2026-12-03',
    origin: 'shipped',
  },
  {
    model: 'keyword',
    weights: {
      dense: 0,
      lexical: 1,
      sentence: 0.75,
      title: 0,
      lead: 0,
      words: 0,
      synonyms: 0,
      answerShape: 0.05,
      answerShapeUntrusted: 0,
      trustCoverage: 0,
      tieBreak: 0.01,
      heldPlace: 0,
    },
    threshold: 0.2489,
    floor: 0.2489,
    sets: ['news-en', 'xquad-en'],
    date: '2026-11-26',
    origin: 'shipped',
  },
];

/**
 * Cut-offs for a model that has no calibration for its weights yet: a guess that shows passages
 * and claims an answer only for a strong keyword match. Self-calibration replaces it.
 */
export const UNCALIBRATED: Pick<Calibration, 'threshold' | 'floor'> = { threshold: 0.4, floor: 0.3 };

/**
 * Whether two settings give the same scores. A term missing from a stored record counts as 0: a
 * term added since (at weight 0) changes no score, so the record stays valid; a term removed since
 * with a weight other than 0 made scores no current setting makes.
 */
export function sameWeights(a: Partial<FusionWeights>, b: Partial<FusionWeights>): boolean {
  const known = new Set<string>(FUSION_TERM_NAMES);
  const removedInUse = (w: Partial<FusionWeights>) => Object.entries(w).some(([t, v]) => !known.has(t) && v !== 0);
  if (removedInUse(a) || removedInUse(b)) return false;
  return FUSION_TERM_NAMES.every((term) => Math.abs((a[term] ?? 0) - (b[term] ?? 0)) < 1e-9);
}

/** The calibration for this model and these weights: a stored one first (made here), else the shipped one; null when none fits. */
export function calibrationFor(
  model: string,
  weights: FusionWeights,
  stored: readonly Calibration[] = [],
): Calibration | null {
  const fits = (c: Calibration) => c.model === model && sameWeights(c.weights, weights);
  return stored.find(fits) ?? SHIPPED_CALIBRATIONS.find(fits) ?? null;
}

/** The cut-offs in force: explicit settings (ANSWER_THRESHOLD, a model folder's citebot.json) over the calibration. */
export function cutoffsFrom(
  calibration: Pick<Calibration, 'threshold' | 'floor'> | null,
  overrides: { threshold?: number | null; floor?: number | null; rerankThreshold?: number | null } = {},
): Cutoffs {
  const base = calibration ?? UNCALIBRATED;
  return {
    threshold: overrides.threshold ?? base.threshold,
    floor: overrides.floor ?? base.floor,
    rerankThreshold: overrides.rerankThreshold ?? null,
  };
}

/** Where the calibrations made on this machine are kept: with the model, in the store (src/store/store-api.ts). */
export interface CalibrationStore {
  calibrations(): Promise<string | null>;
  setCalibrations(json: string): Promise<void>;
}

/** The calibrations made on this machine and kept in the store; a damaged record reads as none (the model is calibrated again). */
export async function storedCalibrations(store: Pick<CalibrationStore, 'calibrations'>): Promise<Calibration[]> {
  const raw = await store.calibrations();
  if (!raw) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? parsed.filter(isCalibration) : [];
  } catch {
    return [];
  }
}

/** Keeps `calibration` in the store, replacing one for the same model and weights; returns them all. */
export async function storeCalibration(store: CalibrationStore, calibration: Calibration): Promise<Calibration[]> {
  const others = (await storedCalibrations(store)).filter(
    (c) => !(c.model === calibration.model && sameWeights(c.weights, calibration.weights)),
  );
  const all = [...others, calibration];
  await store.setCalibrations(JSON.stringify(all));
  return all;
}

function isCalibration(value: unknown): value is Calibration {
  if (value === null || typeof value !== 'object') return false;
  const c = value as Partial<Calibration>;
  return (
    typeof c.model === 'string' &&
    typeof c.threshold === 'number' &&
    typeof c.floor === 'number' &&
    Array.isArray(c.sets) &&
    typeof c.date === 'string' &&
    c.weights !== null &&
    typeof c.weights === 'object' &&
    Object.values(c.weights).every((w) => typeof w === 'number')
  );
}
