/**
 * What the optional re-ranker (RERANK_MODEL) costs a question. The cross-encoder is a model of
 * exactly ms-marco-MiniLM-L-6-v2's shape (BERT, 6 layers, hidden 384: the same as MiniLM's, with
 * a classification head), quantized like Xenova's, with random weights and the real BERT
 * tokenizer: its speed is the real model's speed, its verdicts are meaningless.
 *
 * Measured on one engine with the default settings (the MiniLM-shaped embedder, XQuAD's
 * articles): question latency with fusion alone and with 10 and 20 passages re-ranked, in the same
 * run, and the main event loop's worst delay while re-ranking (the model runs in a worker).
 *
 *   npx tsx bench/rerank.ts [--json] [--questions N]
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

const MODELS = join(tmpdir(), 'citebot-bench-models', `v${BENCH_MODEL_VERSION}`);

async function modelDir(name: string, head: 'encoder' | 'classifier'): Promise<string> {
  const dir = join(MODELS, name);
  if (!existsSync(join(dir, 'citebot.json'))) {
    mkdirSync(dir, { recursive: true });
    await createMiniLmShapedModel(dir, DEFAULT_TOKENIZER_DIR, { quantized: true, head });
    writeFileSync(join(dir, 'citebot.json'), JSON.stringify({ id: name, pooling: 'mean', maxTokens: 256 }));
  }
  return dir;
}

function xquad(): EvalSet {
  return JSON.parse(readFileSync(join(SHARED_DIR, 'eval/xquad-en.json'), 'utf8')) as EvalSet;
}

async function open(dataDir: string, embedder: string, env: Record<string, string>): Promise<CitebotEngine> {
  return openEngine(
    loadConfig({
      DATA_DIR: dataDir,
      MODEL_DIR: embedder,
      AUTO_INGEST_EXAMPLES: 'false',
      LOG_LEVEL: 'silent',
      CITEBOT_OFFLINE: 'true',
      ...env,
    }),
  );
}

async function latencies(
  engine: CitebotEngine,
  questions: readonly string[],
): Promise<{ p50: number; p95: number; maxLoopDelayMs: number }> {
  await engine.ask(questions[0]!, { collections: ['library'] });
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const times: number[] = [];
  for (const q of questions) {
    const started = performance.now();
    await engine.ask(q, { collections: ['library'] });
    times.push(performance.now() - started);
  }
  delay.disable();
  return { p50: percentile(times, 50), p95: percentile(times, 95), maxLoopDelayMs: delay.max / 1e6 };
}

export async function runRerankBench(
  options: { questions?: number; log?: (line: string) => void } = {},
): Promise<Record<string, number>> {
  const log = options.log ?? (() => {});
  const embedder = await modelDir('engine-minilm-shaped-q8', 'encoder');
  const crossEncoder = await modelDir('ms-marco-minilm-shaped-q8', 'classifier');
  const set = xquad();
  const articles: Article[] = set.articles.map((a) => ({
    id: a.id,
    title: a.title,
    date: null,
    source: 'XQuAD',
    section: null,
    url: null,
    paragraphs: a.paragraphs,
  }));
  const step = Math.max(1, Math.floor(set.questions.length / (options.questions ?? 60)));
  const questions = set.questions.filter((_, i) => i % step === 0).map((q) => q.q);
  const dataDir = mkdtempSync(join(tmpdir(), 'citebot-bench-rerank-'));
  const results: Record<string, number> = { questions: questions.length };
  try {
    log('ingest…');
    const plain = await open(dataDir, embedder, {});
    await plain.ingest(articles, 'library');
    results.passages = await plain.internals.store.countPassages();
    log('questions, fusion only…');
    const fused = await latencies(plain, questions);
    await plain.close();
    for (const candidates of [10, 20]) {
      log(`questions, ${candidates} passages re-ranked…`);
      const engine = await open(dataDir, embedder, {
        RERANK_MODEL: crossEncoder,
        RERANK_CANDIDATES: String(candidates),
      });
      const reranked = await latencies(engine, questions);
      await engine.close();
      results[`ask_rerank_${candidates}_p50_ms`] = reranked.p50;
      results[`ask_rerank_${candidates}_p95_ms`] = reranked.p95;
      results[`ask_rerank_${candidates}_vs_fusion_p50_ratio`] = reranked.p50 / fused.p50;
      results[`ask_rerank_${candidates}_max_event_loop_delay_ms`] = reranked.maxLoopDelayMs;
    }
    results.ask_fusion_p50_ms = fused.p50;
    results.ask_fusion_p95_ms = fused.p95;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  return results;
}

if (process.argv[1]?.endsWith('bench/rerank.ts')) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--questions');
  const results = await runRerankBench({
    questions: at >= 0 ? Number(args[at + 1]) : undefined,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  if (args.includes('--json')) console.log(JSON.stringify(results));
  else
    for (const [k, v] of Object.entries(results))
      console.log(`${k.padEnd(44)} ${Number.isInteger(v) ? v : v.toFixed(2)}`);
  // The model workers live as long as the process (see src/embed/pool.ts).
  process.exit(0);
}
