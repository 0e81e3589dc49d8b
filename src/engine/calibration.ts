/**
 * The answer threshold and floor in force for the engine's model and weights: an explicit setting
 * (ANSWER_THRESHOLD, a model folder's citebot.json), else the calibration made for exactly these
 * weights (on this machine, else shipped), else a guess until the model calibrates itself
 * (src/eval/self-calibrate.ts). See docs/quality.md, "Calibration".
 */
import type { CollectionStats } from '../engine-api.ts';
import type { ModelSpec } from '../embed/model-spec.ts';
import type { EngineConfig } from '../config.ts';
import { calibrationFor, cutoffsFrom, storeCalibration, type Calibration } from '../search/calibration.ts';
import type { FusionWeights } from '../search/fusion.ts';
import type { Cutoffs } from '../search/verdict.ts';
import { modelIdOf, type EngineState } from './state.ts';

export type DecisionCutoffs = Pick<Cutoffs, 'threshold' | 'floor'>;

/** ANSWER_THRESHOLD, then a model folder's own threshold and floor, over the calibration of these weights. */
export function cutoffsFor(
  modelId: string,
  weights: FusionWeights,
  spec: ModelSpec | undefined,
  config: EngineConfig,
  stored: readonly Calibration[],
): DecisionCutoffs {
  const { threshold, floor } = cutoffsFrom(calibrationFor(modelId, weights, stored), {
    threshold: config.answerThreshold ?? spec?.fusion?.threshold,
    floor: spec?.fusion?.floor,
  });
  return { threshold, floor };
}

/** Recomputes the cut-offs after the model or the calibrations changed. */
export function refreshCutoffs(state: EngineState): void {
  state.cutoffs = cutoffsFor(modelIdOf(state), state.weights, state.semantic?.spec, state.config, state.calibrations);
}

/** The calibration of the model and weights in use (made here, else shipped), or null when they have none. */
export function calibrationOf(state: EngineState): Calibration | null {
  return calibrationFor(modelIdOf(state), state.weights, state.calibrations);
}

function explicitThreshold(state: EngineState): boolean {
  return state.config.answerThreshold !== null || state.semantic?.spec.fusion?.threshold !== undefined;
}

/**
 * Whether the threshold and floor in force are guesses: a sentence encoder with no calibration
 * for its weights and no explicit threshold. Such a model calibrates itself on first use.
 */
export function needsCalibration(state: EngineState): boolean {
  if (!state.semantic || explicitThreshold(state)) return false;
  return calibrationOf(state) === null;
}

/** What `stats` shows of the cut-offs: their values and where they come from. */
export function calibrationStats(state: EngineState): NonNullable<CollectionStats['calibration']> {
  const { threshold, floor } = state.cutoffs;
  const calibration = calibrationOf(state);
  const explicit = explicitThreshold(state);
  if (calibration && !explicit)
    return { threshold, floor, origin: calibration.origin, sets: calibration.sets, date: calibration.date };
  return { threshold, floor, origin: explicit ? 'setting' : 'uncalibrated', sets: [], date: null };
}

/** Keeps a calibration of this model and its weights in the store and uses it from now on. */
export async function saveCalibration(state: EngineState, calibration: Calibration): Promise<void> {
  state.calibrations = await storeCalibration(state.store, calibration);
  refreshCutoffs(state);
}
