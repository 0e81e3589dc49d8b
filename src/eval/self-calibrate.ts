/**
 * Self-calibration: a model with no calibration for its fusion weights (all-MiniLM-L6-v2, any
 * hub model or MODEL_DIR folder) gets its answer threshold and floor from the question sets
 * bundled in eval/, chosen the way `npm run eval -- --calibrate` chooses them, and kept in the
 * store with the model so it is done once. `npm run calibrate` does it again.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config.ts';
import type { CitebotEngine } from '../engine.ts';
import type { Calibration } from '../search/calibration.ts';
import { calibrate } from './calibrate.ts';
import { loadEvalSet, type EvalSet } from './set.ts';

/** The bundled sets: our news set and XQuAD's English questions (CC BY-SA 4.0, see their `source`). */
export const BUNDLED_SETS = ['eval/news-en.json', 'eval/xquad-en.json'];

export interface SelfCalibrateOptions {
  /** The sets to calibrate on (default: BUNDLED_SETS). */
  sets?: EvalSet[];
  /** The environment the model is found from (MODEL_DIR, EMBEDDING_MODEL; default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Progress: a phase and a count (a progress bar on the CLI). */
  onProgress?: (phase: string, done: number, total: number) => void;
  notice?: (message: string) => void;
  /** Today (YYYY-MM-DD), for the record. */
  today?: string;
}

/** The fused threshold is calibrated on fused scores: a re-ranker brings its own threshold. */
function withoutReranker(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { RERANK_MODEL: _unused, ...rest } = env;
  return rest;
}

export function bundledSets(): EvalSet[] {
  return BUNDLED_SETS.map((path) => join(PROJECT_ROOT, path))
    .filter((path) => existsSync(path))
    .map(loadEvalSet);
}

/**
 * Calibrates the engine's model and weights on the sets, keeps the result in its store and
 * applies it. Each set is indexed in a temporary data directory; the engine's own store only
 * gains the calibration record.
 */
export async function selfCalibrate(engine: CitebotEngine, options: SelfCalibrateOptions = {}): Promise<Calibration> {
  const sets = options.sets ?? bundledSets();
  const weights = engine.internals.fusionWeights();
  const config = engine.internals.config;
  const model = engine.model().id;
  const result = await calibrate(sets, {
    // The same model as the engine's, found the same way (MODEL_DIR or the model cache).
    model: config.modelDir ? undefined : model,
    env: withoutReranker({
      ...(options.env ?? process.env),
      DATA_DIR: config.dataDir,
      ...(config.modelDir ? { MODEL_DIR: config.modelDir } : {}),
    }),
    weights,
    onProgress: options.onProgress,
    notice: options.notice,
  });
  if (result.model !== model) throw new Error(`calibrated ${result.model}, but the engine runs ${model}`);
  const calibration: Calibration = {
    model,
    weights,
    threshold: result.choice.threshold,
    floor: result.floor,
    sets: sets.map((s) => s.name),
    date: options.today ?? new Date().toISOString().slice(0, 10),
    origin: 'self',
  };
  await engine.saveCalibration(calibration);
  return calibration;
}
