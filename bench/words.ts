/**
 * Preparing the GloVe word-vector cache (first use of the offline model): how long the event
 * loop is held when the conversion runs on its worker thread, as WordVectors.open does, vs the
 * same conversion on the main thread; and the warm load, which stays on the main thread.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  WordVectors,
  WORD_VECTOR_WORDS,
  convertInto,
  convertOffThread,
  isWordVectorPackageInstalled,
  wordVectorDir,
} from '../src/embed/word-vectors.ts';
import { measure } from './parse.ts';

export async function runWordVectorBench(options: { log: (line: string) => void }): Promise<Record<string, number>> {
  if (!isWordVectorPackageInstalled()) throw new Error('the word-vector package is not installed (npm install)');
  const root = mkdtempSync(join(tmpdir(), 'citebot-bench-words-'));
  try {
    const modelsDir = join(root, 'models');
    const worker = await measure(() => convertOffThread(wordVectorDir(modelsDir), WORD_VECTOR_WORDS));
    const main = await measure(() => convertInto(wordVectorDir(join(root, 'main')), WORD_VECTOR_WORDS));
    const warm = await measure(() => WordVectors.open(modelsDir));
    options.log(
      `conversion: worker ${worker.ms.toFixed(0)} ms (loop held ${worker.maxDelayMs.toFixed(0)} ms), main thread ${main.ms.toFixed(0)} ms (loop held ${main.maxDelayMs.toFixed(0)} ms); ` +
        `warm load ${warm.ms.toFixed(0)} ms (loop held ${warm.maxDelayMs.toFixed(0)} ms)`,
    );
    return {
      conversion_worker_ms: worker.ms,
      conversion_worker_max_loop_delay_ms: worker.maxDelayMs,
      conversion_main_thread_ms: main.ms,
      conversion_main_thread_max_loop_delay_ms: main.maxDelayMs,
      loop_delay_ratio_main_over_worker: main.maxDelayMs / Math.max(worker.maxDelayMs, 1),
      warm_load_ms: warm.ms,
      warm_load_max_loop_delay_ms: warm.maxDelayMs,
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
