/** The answer threshold of the model in use: calibrated on first use, and `calibrate` redoes it. */
import type { Command } from 'commander';
import type { CitebotEngine } from '../engine.ts';
import { selfCalibrate } from '../eval/self-calibrate.ts';
import type { Calibration } from '../search/calibration.ts';
import type { Common } from './options.ts';
import { notice, print, progressBar } from './output.ts';
import { withEngine } from './session.ts';

/** A model with no calibration for its weights calibrates itself on first use, once (src/eval/self-calibrate.ts). */
export async function calibrateIfNeeded(engine: CitebotEngine, json: boolean | undefined): Promise<void> {
  if (!engine.needsCalibration()) return;
  notice(
    `${engine.model().id} has no calibrated answer threshold yet: calibrating it on the bundled question sets (once; npm run calibrate redoes it)`,
  );
  const calibration = await runSelfCalibration(engine, !json);
  notice(`calibrated ${engine.model().id}: threshold ${calibration.threshold}, floor ${calibration.floor}`);
}

/** Self-calibration with one progress bar per phase (indexing a set, asking its questions). */
export async function runSelfCalibration(engine: CitebotEngine, showProgress: boolean): Promise<Calibration> {
  let phase = '';
  let bar = progressBar(false, '');
  try {
    return await selfCalibrate(engine, {
      notice,
      onProgress: (name, done, total) => {
        if (name !== phase) {
          bar.stop();
          phase = name;
          bar = progressBar(showProgress, `Calibrating: ${name}`, 'items');
        }
        bar.update({ done, total });
      },
    });
  } finally {
    bar.stop();
  }
}

export function addCalibrateCommand(program: Command): void {
  program
    .command('calibrate')
    .description(
      'choose the answer threshold and floor for the model in use on the bundled question sets, and keep them in the store (done on first use; this redoes it)',
    )
    .option('--json', 'print the calibration as one JSON object')
    .action(async (options: Common) =>
      withEngine(async (engine) => {
        const calibration = await runSelfCalibration(engine, !options.json);
        print(
          options.json,
          calibration,
          `calibrated ${calibration.model} on ${calibration.sets.join(', ')}: threshold ${calibration.threshold}, floor ${calibration.floor} (kept in the store; used from now on)`,
        );
      }),
    );
}
