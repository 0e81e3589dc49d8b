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

const SET = 'eval/news-en.json';
const ROUNDS = 3;

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function heapUsed(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
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
    const weight = index.engine.fusionWeights().synonyms;
    const timings: Record<'on' | 'off', number[]> = { on: [], off: [] };
    const askAll = async (label: 'on' | 'off', record: boolean) => {
      index.engine.setFusionWeights({ synonyms: label === 'on' ? weight : 0 });
      for (const q of questions) {
        const t = performance.now();
        await index.engine.retrieve(q, { collections: [EVAL_COLLECTION], k: 5 });
        if (record) timings[label].push(performance.now() - t);
      }
    };
    await askAll('on', false); // warm: question vectors, passage caches
    for (let round = 0; round < ROUNDS; round++) {
      await askAll(round % 2 ? 'off' : 'on', true);
      await askAll(round % 2 ? 'on' : 'off', true);
    }
    const result = {
      table_stems: table.size,
      table_load_ms: loadMs,
      table_heap_mb: heapMb,
      retrieve_p50_ms_with_synonyms: percentile(timings.on, 0.5),
      retrieve_p95_ms_with_synonyms: percentile(timings.on, 0.95),
      retrieve_p50_ms_without: percentile(timings.off, 0.5),
      retrieve_p95_ms_without: percentile(timings.off, 0.95),
      retrieve_p50_ratio_with_over_without: percentile(timings.on, 0.5) / percentile(timings.off, 0.5),
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
  const engine = await openEngine(loadConfig({ DATA_DIR: dataDir, EMBEDDING_MODEL: 'use-lite', AUTO_INGEST_EXAMPLES: 'false', LOG_LEVEL: 'silent' }));
  try {
    const { questions } = readSets();
    const weight = engine.fusionWeights().synonyms;
    const timings: Record<'on' | 'off', number[]> = { on: [], off: [] };
    for (const q of questions.slice(0, 5)) await engine.ask(q, { collections: ['library'], k: 3 });
    for (let round = 0; round < ROUNDS + 1; round++) {
      for (const label of round % 2 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
        engine.setFusionWeights({ synonyms: label === 'on' ? weight : 0 });
        for (const q of questions) {
          const t = performance.now();
          await engine.ask(q, { collections: ['library'], k: 3 });
          timings[label].push(performance.now() - t);
        }
      }
    }
    const passages = engine.store.countPassages();
    console.log(
      `${passages} passages, ${timings.on.length} asks per setting: p50 ${percentile(timings.on, 0.5).toFixed(0)} ms with synonyms vs ${percentile(timings.off, 0.5).toFixed(0)} ms without; p95 ${percentile(timings.on, 0.95).toFixed(0)} vs ${percentile(timings.off, 0.95).toFixed(0)} ms`,
    );
  } finally {
    await engine.close();
  }
}

const libraryAt = process.argv.indexOf('--library');
if (libraryAt >= 0) await onLibrary(process.argv[libraryAt + 1]!);
