/**
 * What the thesaurus synonyms cost: reading the bundled table (time, heap), and the `retrieve`
 * time of news-en's questions over its articles with the synonym term on and off, on one
 * engine in one run (USE-lite with word vectors, as the offline default searches).
 *
 *   npm run bench -- --only synonyms
 *   npx tsx bench/synonyms.ts --library DIR   (`ask` on a kept library, e.g. bench/scale.ts --keep DIR)
 */
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config.ts';
import { openEngine } from '../src/engine.ts';
import { EVAL_COLLECTION, ingestSet, itemsOf, openTempIndex } from '../src/eval/runner.ts';
import { loadEvalSet } from '../src/eval/set.ts';
import { Synonyms } from '../src/search/synonyms.ts';
import { readSets } from './scale.ts';
import { percentile } from './shared.ts';
import type { CitebotEngine } from '../src/engine.ts';

const SET = 'eval/news-en.json';
const ROUNDS = 3;

function heapUsed(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

/**
 * Times `ask` over the questions with the synonym term on and off, alternating which goes first
 * each round, after one unrecorded warm-up pass (question vectors, passage caches).
 */
async function timeWithAndWithout(
  engine: CitebotEngine,
  questions: readonly string[],
  ask: (q: string) => Promise<unknown>,
  rounds: number,
): Promise<Record<'on' | 'off', number[]>> {
  const weight = engine.internals.fusionWeights().synonyms;
  const timings: Record<'on' | 'off', number[]> = { on: [], off: [] };
  const pass = async (label: 'on' | 'off', record: boolean) => {
    engine.internals.setFusionWeights({ synonyms: label === 'on' ? weight : 0 });
    for (const q of questions) {
      const t = performance.now();
      await ask(q);
      if (record) timings[label].push(performance.now() - t);
    }
  };
  await pass('on', false);
  for (let round = 0; round < rounds; round++) {
    for (const label of round % 2 ? (['off', 'on'] as const) : (['on', 'off'] as const)) await pass(label, true);
  }
  engine.internals.setFusionWeights({ synonyms: weight });
  return timings;
}

export async function runSynonymBench(options: { log: (line: string) => void }): Promise<Record<string, number>> {
  const before = heapUsed();
  const started = performance.now();
  const table = Synonyms.load();
  const loadMs = performance.now() - started;
  if (!table) throw new Error('src/search/moby-synonyms.txt is missing');
  const heapMb = (heapUsed() - before) / 2 ** 20;

  const set = loadEvalSet(SET);
  const index = await openTempIndex({ model: 'use-lite' });
  try {
    await ingestSet(index.engine, set.articles);
    const questions = itemsOf(set).map((item) => item.q);
    const timings = await timeWithAndWithout(
      index.engine,
      questions,
      (q) => index.engine.internals.retrieve(q, { collections: [EVAL_COLLECTION], k: 5 }),
      ROUNDS,
    );
    const result = {
      table_stems: table.size,
      table_load_ms: loadMs,
      table_heap_mb: heapMb,
      retrieve_p50_ms_with_synonyms: percentile(timings.on, 50),
      retrieve_p95_ms_with_synonyms: percentile(timings.on, 95),
      retrieve_p50_ms_without: percentile(timings.off, 50),
      retrieve_p95_ms_without: percentile(timings.off, 95),
      retrieve_p50_ratio_with_over_without: percentile(timings.on, 50) / percentile(timings.off, 50),
    };
    options.log(
      `table: ${table.size} stems, read in ${loadMs.toFixed(0)} ms, ${heapMb.toFixed(1)} MB heap; retrieve p50 ${result.retrieve_p50_ms_with_synonyms.toFixed(1)} ms with synonyms vs ${result.retrieve_p50_ms_without.toFixed(1)} ms without (${questions.length} questions × ${ROUNDS})`,
    );
    return result;
  } finally {
    await index.close();
  }
}

/** `ask` (as users ask: hybrid, highlighted) with the synonym term on and off, alternating, on a kept library. */
async function onLibrary(dataDir: string): Promise<void> {
  const engine = await openEngine(
    loadConfig({ DATA_DIR: dataDir, EMBEDDING_MODEL: 'use-lite', AUTO_INGEST_EXAMPLES: 'false', LOG_LEVEL: 'silent' }),
  );
  try {
    const { questions } = readSets();
    const timings = await timeWithAndWithout(
      engine,
      questions,
      (q) => engine.ask(q, { collections: ['library'], k: 3 }),
      ROUNDS + 1,
    );
    const passages = await engine.internals.store.countPassages();
    console.log(
      `${passages} passages, ${timings.on.length} asks per setting: p50 ${percentile(timings.on, 50).toFixed(0)} ms with synonyms vs ${percentile(timings.off, 50).toFixed(0)} ms without; p95 ${percentile(timings.on, 95).toFixed(0)} vs ${percentile(timings.off, 95).toFixed(0)} ms`,
    );
  } finally {
    await engine.close();
  }
}

const libraryAt = process.argv.indexOf('--library');
if (libraryAt >= 0) await onLibrary(process.argv[libraryAt + 1]!);
