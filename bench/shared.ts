/**
 * The shared/ folder (eval sets, the BERT uncased tokenizer): CITEBOT_SHARED_DIR, else the
 * folder beside the checkout (as CI lays it out), else the workplace's copy.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { PROJECT_ROOT } from '../src/config.ts';

const CANDIDATES = [process.env.CITEBOT_SHARED_DIR, resolve(PROJECT_ROOT, '../shared'), '/work/shared'].filter(
  (d): d is string => Boolean(d),
);

export const SHARED_DIR = CANDIDATES.find((dir) => existsSync(resolve(dir, 'eval'))) ?? CANDIDATES[0]!;

/** The value below which p percent of the values fall (nearest rank). */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
