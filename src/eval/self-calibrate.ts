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
import type { FusionWeights } from '../search/fusion.ts';
import { spawnWorker } from '../workers.ts';
import { calibrate } from './calibrate.ts';
import type { CalibrateJob, CalibrateReply } from './self-calibrate-worker.ts';
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
  const job = calibrateJob(engine, options.env ?? process.env);
  const result = await calibrate(sets, { ...job, onProgress: options.onProgress, notice: options.notice });
  return keep(
    engine,
    sets.map((s) => s.name),
    {
      model: result.model,
      threshold: result.choice.threshold,
      floor: result.floor,
      weights,
      today: options.today,
    },
  );
}

/**
 * The same, on a worker thread, for the bot: the calibration runs beside the Discord event loop,
 * never on it. `stop()` ends the worker (the bot's shutdown).
 */
export function selfCalibrateOffThread(
  engine: CitebotEngine,
  options: { setPaths?: string[]; env?: NodeJS.ProcessEnv; today?: string } = {},
): { done: Promise<Calibration>; stop: () => void } {
  const setPaths =
    options.setPaths ?? BUNDLED_SETS.map((path) => join(PROJECT_ROOT, path)).filter((path) => existsSync(path));
  const job: CalibrateJob = { ...calibrateJob(engine, options.env ?? process.env), setPaths };
  const worker = spawnWorker(new URL('./self-calibrate-worker.ts', import.meta.url), { workerData: job });
  worker.unref();
  const reply = new Promise<CalibrateReply>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the calibration worker stopped (exit code ${code})`)));
  });
  const done = reply.then(async (r) => {
    void worker.terminate();
    if (!r.ok) throw new Error(r.message);
    const names = setPaths.map((path) => loadEvalSet(path).name);
    return keep(engine, names, { ...r, weights: job.weights, today: options.today });
  });
  return { done, stop: () => void worker.terminate() };
}

/** What calibrate() needs to find the engine's own model, without the re-ranker. */
function calibrateJob(engine: CitebotEngine, env: NodeJS.ProcessEnv): Omit<CalibrateJob, 'setPaths'> {
  const config = engine.internals.config;
  return {
    // The same model as the engine's, found the same way (MODEL_DIR or the model cache).
    model: config.modelDir ? undefined : engine.model().id,
    env: withoutReranker({
      ...env,
      DATA_DIR: config.dataDir,
      ...(config.modelDir ? { MODEL_DIR: config.modelDir } : {}),
    }),
    weights: engine.internals.fusionWeights(),
  };
}

/** Checks the model, keeps the calibration in the engine's store and applies it. */
async function keep(
  engine: CitebotEngine,
  sets: string[],
  r: { model: string; threshold: number; floor: number; weights: FusionWeights; today?: string },
): Promise<Calibration> {
  const model = engine.model().id;
  if (r.model !== model) throw new Error(`calibrated ${r.model}, but the engine runs ${model}`);
  const calibration: Calibration = {
    model,
    weights: r.weights,
    threshold: r.threshold,
    floor: r.floor,
    sets,
    date: r.today ?? new Date().toISOString().slice(0, 10),
    origin: 'self',
  };
  await engine.saveCalibration(calibration);
  return calibration;
}
