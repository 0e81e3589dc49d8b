/**
 * The engine end to end with a model of exactly MiniLM's shape (random weights, real
 * BERT tokenizer; its speed is the real model's speed), through the embedding worker pool:
 * ingest throughput with 1 vs 2 workers, the main event loop's worst delay during an
 * ingest, RSS across repeated ingests (flat when outputs are released), index load vs
 * rebuild, and question latency for hybrid vs BM25-only.
 *
 *   npx tsx bench/engine.ts [--json] [--rounds N]
 */
import { mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadConfig } from '../src/config.ts';
import { openEngine, type CitebotEngine } from '../src/engine.ts';
import type { Article } from '../src/types.ts';
import { BENCH_MODEL_VERSION } from './embed-throughput.ts';
import { createMiniLmShapedModel, DEFAULT_TOKENIZER_DIR } from './minilm-shaped.ts';
import { percentile, SHARED_DIR } from './shared.ts';

interface EvalSet {
  articles: { id: string; title: string; paragraphs: string[] }[];
  questions: { q: string }[];
}

const MODEL_DIR = join(tmpdir(), 'citebot-bench-models', `v${BENCH_MODEL_VERSION}`, 'engine-minilm-shaped');

async function minilmShapedDir(): Promise<string> {
  if (!existsSync(join(MODEL_DIR, 'citebot.json'))) {
    mkdirSync(MODEL_DIR, { recursive: true });
    await createMiniLmShapedModel(MODEL_DIR, DEFAULT_TOKENIZER_DIR);
    writeFileSync(
      join(MODEL_DIR, 'citebot.json'),
      JSON.stringify({ id: 'minilm-shaped-random', pooling: 'mean', maxTokens: 256 }),
    );
  }
  return MODEL_DIR;
}

function corpus(copy: number): Article[] {
  const set = JSON.parse(readFileSync(join(SHARED_DIR, 'eval/xquad-en.json'), 'utf8')) as EvalSet;
  return set.articles.map((a) => ({
    id: `${a.id}-${copy}`,
    title: a.title,
    date: null,
    source: 'XQuAD',
    section: null,
    url: null,
    paragraphs: a.paragraphs,
  }));
}

function questions(): string[] {
  const set = JSON.parse(readFileSync(join(SHARED_DIR, 'eval/xquad-en.json'), 'utf8')) as EvalSet;
  return set.questions.filter((_, i) => i % 12 === 0).map((q) => q.q);
}

async function open(dataDir: string, modelDir: string, workers: number): Promise<CitebotEngine> {
  return openEngine(
    loadConfig({
      DATA_DIR: dataDir,
      MODEL_DIR: modelDir,
      EMBED_WORKERS: String(workers),
      AUTO_INGEST_EXAMPLES: 'false',
      LOG_LEVEL: 'silent',
      CITEBOT_OFFLINE: 'true',
    }),
  );
}

async function ingestRun(
  modelDir: string,
  workers: number,
): Promise<{ seconds: number; passages: number; maxLoopDelayMs: number; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'citebot-bench-'));
  const engine = await open(dataDir, modelDir, workers);
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const started = performance.now();
  const outcomes = await engine.ingest(corpus(0), 'library');
  const seconds = (performance.now() - started) / 1000;
  delay.disable();
  await engine.close();
  return { seconds, passages: outcomes.reduce((n, o) => n + o.passages, 0), maxLoopDelayMs: delay.max / 1e6, dataDir };
}

export async function runEngineBench(
  options: { rounds?: number; log?: (line: string) => void } = {},
): Promise<Record<string, number>> {
  const log = options.log ?? (() => {});
  const rounds = options.rounds ?? 4;
  const modelDir = await minilmShapedDir();
  const results: Record<string, number> = {};

  log('ingest with 1 worker…');
  const one = await ingestRun(modelDir, 1);
  log('ingest with 2 workers…');
  const two = await ingestRun(modelDir, 2);
  results.passages = one.passages;
  results.ingest_1_worker_passages_per_s = one.passages / one.seconds;
  results.ingest_2_workers_passages_per_s = two.passages / two.seconds;
  results.ingest_2_vs_1_worker_ratio = results.ingest_2_workers_passages_per_s / results.ingest_1_worker_passages_per_s;
  results.ingest_max_event_loop_delay_ms = Math.max(one.maxLoopDelayMs, two.maxLoopDelayMs);

  log('questions…');
  const engine = await open(two.dataDir, modelDir, 2);
  const qs = questions();
  for (const mode of ['hybrid', 'bm25'] as const) {
    const times: number[] = [];
    for (const q of qs) {
      const t = performance.now();
      if (mode === 'hybrid') await engine.ask(q, { collections: ['library'], k: 3 });
      else await engine.internals.retrieve(q, { collections: ['library'], k: 3, mode: 'bm25' });
      times.push(performance.now() - t);
    }
    results[`ask_${mode}_ms_p50`] = percentile(times, 50);
    results[`ask_${mode}_ms_p95`] = percentile(times, 95);
  }
  results.questions = qs.length;

  log(`memory over ${rounds} re-ingests of ${one.passages} passages…`);
  const rss: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    await engine.ingest(corpus(round), `round-${round}`);
    (globalThis as { gc?: () => void }).gc?.();
    rss.push(process.memoryUsage().rss / 2 ** 20);
  }
  results.rss_mb_after_first_round = rss[0]!;
  results.rss_mb_after_last_round = rss.at(-1)!;
  results.rss_growth_mb_per_round_after_first = rounds > 1 ? (rss.at(-1)! - rss[0]!) / (rounds - 1) : 0;
  results.index_points = (await engine.stats()).indexSize;
  await engine.close();

  log('index load vs rebuild…');
  let t = performance.now();
  await (await open(two.dataDir, modelDir, 2)).close();
  results.open_with_saved_index_ms = performance.now() - t;
  rmSync(join(two.dataDir, 'index.hnsw'));
  t = performance.now();
  await (await open(two.dataDir, modelDir, 2)).close();
  results.open_with_index_rebuild_ms = performance.now() - t;

  rmSync(one.dataDir, { recursive: true, force: true });
  rmSync(two.dataDir, { recursive: true, force: true });
  return results;
}

if (process.argv[1]?.endsWith('bench/engine.ts')) {
  const json = process.argv.includes('--json');
  const roundsArg = process.argv.indexOf('--rounds');
  const results = await runEngineBench({
    rounds: roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 4,
    log: (l) => process.stderr.write(`${l}\n`),
  });
  if (json) console.log(JSON.stringify(results));
  else
    for (const [k, v] of Object.entries(results))
      console.log(`${k.padEnd(40)} ${Number.isInteger(v) ? v : v.toFixed(2)}`);
}
