/**
 * Worker thread for self-calibration in the bot: indexing the bundled sets and asking their
 * questions is minutes of search work, which must not run on the Discord event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FusionWeights } from '../search/fusion.ts';
import { calibrate } from './calibrate.ts';
import { loadEvalSet } from './set.ts';

export interface CalibrateJob {
  setPaths: string[];
  model: string | undefined;
  env: NodeJS.ProcessEnv;
  weights: FusionWeights;
}

export type CalibrateReply =
  { ok: true; model: string; threshold: number; floor: number } | { ok: false; message: string };

const job = workerData as CalibrateJob;
const reply = (message: CalibrateReply): void => parentPort!.postMessage(message);

calibrate(job.setPaths.map(loadEvalSet), { model: job.model, env: job.env, weights: job.weights }).then(
  (result) => reply({ ok: true, model: result.model, threshold: result.choice.threshold, floor: result.floor }),
  (error: unknown) => reply({ ok: false, message: error instanceof Error ? error.message : String(error) }),
);
