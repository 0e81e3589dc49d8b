/**
 * citebot at newsroom scale: one library grown through `--sizes` (default 10,000 and 100,000
 * passages), measured at each size, plus the embedding pool against raw onnxruntime-node
 * (bench/embed-ratio.ts) in the same run.
 *
 *   npm run bench -- --only scale --sizes 10000,100000,1000000 [--json]
 *
 * Passages are real sentences (xquad-en and news-en, 3–6 to a paragraph, 8 paragraphs to an
 * article, as in bench/scale.ts) stored with SYNTHETIC vectors: clustered, normalized, of the
 * default model's dimension (384), so that a million passages need no hour of embedding. Keyword
 * search, fusion, highlighting and formatting do real work on the real text; the question is
 * embedded by the real pool (a MiniLM-shaped int8 graph with random weights), and added articles
 * are embedded by it too. At each size:
 * - rebuild_vectors_per_s: the HNSW graph built from the store's vectors (and saved);
 * - ask_ms_p50/p99: the engine's ask with highlighting, then formatted as the CLI prints it;
 * - add_article_ms / remove_article_ms: one 8-paragraph article, median of 5;
 * - recall_at_10: HNSW against exact search over the same stored vectors (100 queries);
 * - cold_start_s: a fresh process from its start to its first answer, with the saved index;
 * - rss_mb: this process with the library open, after a GC (it also holds the bench's workers);
 *   cold_start_rss_mb: the cold-start process after its first answer, as the bot holds the library.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, PROJECT_ROOT, storeFile } from '../src/config.ts';
import { contentHash, openEngine, type CitebotEngine } from '../src/engine.ts';
import type { ModelSpec } from '../src/embed/model-spec.ts';
import { formatAnswer } from '../src/format/text.ts';
import { articleBody, makePassages } from '../src/ingest/passages.ts';
import { analyze } from '../src/search/lexical.ts';
import { seededRandom } from '../src/seeded-random.ts';
import { SqliteStore } from '../src/store/sqlite/store.ts';
import type { ArticleToSave } from '../src/store/store-api.ts';
import type { IndexSource } from '../src/store/index/vector-index.ts';
import { VectorIndex } from '../src/store/index/vector-index.ts';
import { LIBRARY_COLLECTION, type Article } from '../src/types.ts';
import { cachedModel } from './embed-throughput.ts';
import { profileByFile } from './ask-profile.ts';
import { runEmbedRatioBench, type EmbedRatio } from './embed-ratio.ts';
import { createMiniLmShapedModel } from './minilm-shaped.ts';
import { generatedArticles, readSets } from './scale.ts';
import { percentile, SHARED_DIR } from './shared.ts';

export interface SizeFigures {
  n: number;
  ask_ms_p50: number;
  ask_ms_p99: number;
  add_article_ms: number;
  remove_article_ms: number;
  rebuild_vectors_per_s: number;
  recall_at_10: number;
  cold_start_s: number;
  /** This bench process with the library open (it also holds the bench's own embedding workers and raw sessions). */
  rss_mb: number;
  /** The cold-start process after its first answer: the library, the index and one embedding pool, as the bot holds them. */
  cold_start_rss_mb?: number;
  /** Recall@10 and ms per search at other HNSW_EF_SEARCH values, on the same queries. */
  recall_by_ef?: Record<string, number>;
  /** Where an ask's time goes: main-thread CPU ms per question by source file, and the question embedding's wall ms. */
  ask_profile?: Record<string, number>;
}

export interface ScaleSizesResult {
  note: string;
  embedding: EmbedRatio | null;
  sizes: SizeFigures[];
}

export interface ScaleSizesOptions {
  sizes?: number[];
  /** Questions asked at each size (at least 100 for the published figures). */
  questions?: number;
  /** Adds and removes of one article at each size (median reported). */
  changes?: number;
  recallQueries?: number;
  /** Measure the embedding ratio too (a few minutes). Default true. */
  embedding?: boolean;
  log?: (line: string) => void;
}

const DIM = 384;
const CLUSTERS = 2_000;
/**
 * Noise per dimension around a unit centre: 0.07 gives noise of norm 0.8, so two passages of one
 * cluster have a cosine of about 0.6 and passages of different clusters about 0 (as sentence
 * embeddings of one topic and of unrelated ones); a query's noise (norm 0.3) keeps it nearest its passage.
 */
const SPREAD = 0.07;
const QUERY_SPREAD = 0.027;
const ARTICLES_PER_TRANSACTION = 250;
const EF_SWEEP = [32, 64, 128, 256];

/** Clustered unit vectors: a passage's vector is its cluster's centre plus noise, normalized. */
export class SyntheticVectors {
  private readonly random = seededRandom(20261203);
  private readonly centres: Float32Array[];

  constructor() {
    this.centres = Array.from({ length: CLUSTERS }, () =>
      this.unit(Float32Array.from({ length: DIM }, () => this.random() * 2 - 1)),
    );
  }

  next(): Float32Array {
    const centre = this.centres[Math.floor(this.random() * CLUSTERS)]!;
    const v = new Float32Array(DIM);
    for (let d = 0; d < DIM; d++) v[d] = centre[d]! + (this.random() * 2 - 1) * SPREAD;
    return this.unit(v);
  }

  /** A query near a stored vector, as a question near a passage. */
  near(vector: Float32Array): Float32Array {
    const v = Float32Array.from(vector, (x) => x + (this.random() * 2 - 1) * QUERY_SPREAD);
    return this.unit(v);
  }

  private unit(v: Float32Array): Float32Array {
    let norm = 0;
    for (const x of v) norm += x * x;
    norm = Math.sqrt(norm);
    for (let d = 0; d < v.length; d++) v[d]! /= norm;
    return v;
  }
}

/** The bench's model folder, with the citebot.json that MODEL_DIR needs. */
async function benchModel(): Promise<ModelSpec> {
  const { spec } = await cachedModel('minilm-shaped-q8', (dir) =>
    createMiniLmShapedModel(dir, undefined, { quantized: true }),
  );
  const described = join(spec.dir, 'citebot.json');
  if (!existsSync(described))
    writeFileSync(described, JSON.stringify({ id: spec.id, pooling: spec.pooling, maxTokens: spec.maxTokens }));
  return spec;
}

function env(dataDir: string, spec: ModelSpec): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATA_DIR: dataDir,
    MODEL_DIR: spec.dir,
    EMBEDDING_MODEL: 'auto',
    AUTO_INGEST_EXAMPLES: 'false',
    CITEBOT_OFFLINE: 'true',
    LOG_LEVEL: 'silent',
  };
}

/** Stores generated articles with synthetic vectors until the store holds `target` passages. */
async function fillStore(
  store: SqliteStore,
  articles: Iterator<Article>,
  vectors: SyntheticVectors,
  target: number,
  log: (line: string) => void,
): Promise<void> {
  const countTokens = (text: string) => Math.ceil(text.length / 4) + 2;
  let passages = await store.countPassages();
  let lastLog = 0;
  while (passages < target) {
    const items: ArticleToSave[] = [];
    for (let i = 0; i < ARTICLES_PER_TRANSACTION && passages < target; i++) {
      const article = articles.next().value as Article;
      const made = makePassages(article, { countTokens, maxTokens: 256 });
      items.push({
        collection: LIBRARY_COLLECTION,
        article,
        body: articleBody(article),
        contentHash: contentHash(article),
        passages: made.map((p) => ({ ...p, terms: analyze(p.text), vector: vectors.next() })),
      });
      passages += made.length;
    }
    await store.saveArticles(items);
    if (passages - lastLog >= 50_000) {
      log(`  stored ${passages} passages`);
      lastLog = passages;
    }
  }
}

/** The exact 10 nearest stored vectors of each query, by reading every vector once. */
export async function exactTop10(store: IndexSource, queries: Float32Array[]): Promise<number[][]> {
  const best = queries.map(() => [] as { rowid: number; score: number }[]);
  for (let after = 0; ;) {
    const page = await store.vectorsAfter(after, 5_000);
    if (page.length === 0) break;
    for (const [q, query] of queries.entries()) {
      const top = best[q]!;
      for (const { id: rowid, vector } of page) {
        let score = 0;
        for (let d = 0; d < DIM; d++) score += query[d]! * vector[d]!;
        if (top.length < 10 || score > top[top.length - 1]!.score) {
          top.push({ rowid, score });
          top.sort((a, b) => b.score - a.score);
          if (top.length > 10) top.pop();
        }
      }
    }
    after = page.at(-1)!.id;
  }
  return best.map((top) => top.map((e) => e.rowid));
}

/** HNSW against exact search: the share of the exact 10 that HNSW finds. */
export function recallAt10(
  all: ReadonlySet<number>,
  index: VectorIndex,
  queries: Float32Array[],
  exact: number[][],
): number {
  let found = 0;
  for (const [q, query] of queries.entries()) {
    const hits = new Set(index.search(query, 10, all).map((h) => h.rowid));
    found += exact[q]!.filter((rowid) => hits.has(rowid)).length;
  }
  return found / (queries.length * 10);
}

async function askTimes(engine: CitebotEngine, questions: string[]): Promise<number[]> {
  const times: number[] = [];
  for (const q of questions) {
    const started = performance.now();
    formatAnswer(await engine.ask(q, { collections: [LIBRARY_COLLECTION] }));
    times.push(performance.now() - started);
  }
  return times;
}

const median = (values: number[]) => percentile(values, 50);

/**
 * The asks once more under the profiler (not timed: profiling slows them), as ms per question;
 * and the question embedding alone, through the engine's pool (engine.internals).
 */
async function askProfile(engine: CitebotEngine, questions: string[]): Promise<Record<string, number>> {
  const byFile = await profileByFile(async () => void (await askTimes(engine, questions)));
  const perQuestion: Record<string, number> = {};
  for (const [file, ms] of Object.entries(byFile).slice(0, 12)) perQuestion[file] = ms / questions.length;
  const pool = engine.internals.embeddingPool();
  if (pool) {
    const times: number[] = [];
    for (const q of questions) {
      const started = performance.now();
      await pool.embed([q], { priority: true });
      times.push(performance.now() - started);
    }
    perQuestion['question embedding (wall, in a worker)'] = median(times);
  }
  return perQuestion;
}

/** A fresh process: start → engine open with the saved index → one answer. Seconds from the process's start. */
function coldStart(dataDir: string, spec: ModelSpec): { seconds: number; rssMb: number } {
  const child = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--cold-start', dataDir],
    { env: env(dataDir, spec), encoding: 'utf8', timeout: 600_000 },
  );
  const seconds = Number(/cold_start_s=([\d.]+)/.exec(child.stdout)?.[1]);
  const rssMb = Number(/rss_mb=([\d.]+)/.exec(child.stdout)?.[1]);
  if (!Number.isFinite(seconds)) throw new Error(`citebot bench: the cold start failed: ${child.stderr.slice(-500)}`);
  return { seconds, rssMb };
}

async function measureSize(
  dataDir: string,
  spec: ModelSpec,
  n: number,
  sqlite: SqliteStore,
  questions: string[],
  options: Required<Omit<ScaleSizesOptions, 'log' | 'sizes' | 'embedding'>>,
  articles: Iterator<Article>,
  vectors: SyntheticVectors,
  log: (line: string) => void,
): Promise<SizeFigures> {
  const store = sqlite;
  // Rebuilt from the store at each size: what a model change or a damaged file costs.
  VectorIndex.remove(dataDir);
  const building = performance.now();
  const index = await VectorIndex.open(dataDir, store, spec.id, DIM);
  const rebuildSeconds = (performance.now() - building) / 1000;
  log(`  index rebuilt and saved: ${(n / rebuildSeconds).toFixed(0)} vectors/s`);
  const sample = await store.vectorsAfter(0, 50_000);
  const random = seededRandom(n);
  const queries = Array.from({ length: options.recallQueries }, () =>
    vectors.near(sample[Math.floor(random() * sample.length)]!.vector),
  );
  const exact = await exactTop10(store, queries);
  const all = await store.allPassageIds();
  const recall = recallAt10(all, index, queries, exact);
  // The same queries at other HNSW_EF_SEARCH values: the default's justification.
  const byEf: Record<string, number> = {};
  for (const ef of EF_SWEEP) {
    index.setEfSearch(ef);
    const started = performance.now();
    byEf[`ef_${ef}_recall_at_10`] = recallAt10(all, index, queries, exact);
    byEf[`ef_${ef}_search_ms`] = (performance.now() - started) / queries.length;
  }
  await index.flush();
  log(
    `  recall@10 ${recall.toFixed(4)} (${Object.entries(byEf)
      .map(([k, v]) => `${k} ${v.toFixed(k.endsWith('ms') ? 2 : 4)}`)
      .join(', ')})`,
  );

  const engine = await openEngine(loadConfig(env(dataDir, spec)), { notice: () => {} });
  let figures: Omit<SizeFigures, 'cold_start_s'>;
  try {
    await askTimes(engine, questions.slice(0, 5));
    const times = await askTimes(engine, questions);
    const profile = await askProfile(engine, questions);
    const added: number[] = [];
    const removed: number[] = [];
    for (let i = 0; i < options.changes; i++) {
      const article = { ...(articles.next().value as Article), id: `change-${n}-${i}` };
      let started = performance.now();
      await engine.ingest([article], LIBRARY_COLLECTION);
      added.push(performance.now() - started);
      started = performance.now();
      await engine.removeArticle(LIBRARY_COLLECTION, article.id);
      removed.push(performance.now() - started);
    }
    (globalThis as { gc?: () => void }).gc?.();
    figures = {
      n,
      ask_ms_p50: median(times),
      ask_ms_p99: percentile(times, 99),
      add_article_ms: median(added),
      remove_article_ms: median(removed),
      rebuild_vectors_per_s: n / rebuildSeconds,
      recall_at_10: recall,
      recall_by_ef: byEf,
      rss_mb: process.memoryUsage().rss / 2 ** 20,
      ask_profile: profile,
    };
    log(
      `  ask p50 ${figures.ask_ms_p50.toFixed(1)} ms, p99 ${figures.ask_ms_p99.toFixed(1)} ms; add ${figures.add_article_ms.toFixed(0)} ms, remove ${figures.remove_article_ms.toFixed(0)} ms; RSS ${figures.rss_mb.toFixed(0)} MB`,
    );
  } finally {
    await engine.close();
  }
  const cold = coldStart(dataDir, spec);
  log(
    `  cold start ${cold.seconds.toFixed(2)} s, RSS of that process after its first answer ${cold.rssMb.toFixed(0)} MB`,
  );
  return { ...figures, cold_start_s: cold.seconds, cold_start_rss_mb: cold.rssMb };
}

export async function runScaleSizesBench(options: ScaleSizesOptions = {}): Promise<ScaleSizesResult> {
  const log = options.log ?? (() => {});
  const sizes = [...(options.sizes ?? [10_000, 100_000])].sort((a, b) => a - b);
  const settings = {
    questions: options.questions ?? 100,
    changes: options.changes ?? 5,
    recallQueries: options.recallQueries ?? 100,
  };
  const embedding = options.embedding === false ? null : await runEmbedRatioBench({ passes: 3, log });
  const spec = await benchModel();
  const { sources } = readSets();
  const questions = allQuestions(settings.questions);
  const dataDir = mkdtempSync(join(tmpdir(), 'citebot-scale-'));
  const store = SqliteStore.open(storeFile({ dataDir }));
  await store.setModel({ id: spec.id, dim: DIM });
  const articles = generatedArticles(sources);
  const vectors = new SyntheticVectors();
  const results: SizeFigures[] = [];
  try {
    for (const n of sizes) {
      log(`== ${n} passages`);
      await fillStore(store, articles, vectors, n, log);
      results.push(
        await measureSize(
          dataDir,
          spec,
          await store.countPassages(),
          store,
          questions,
          settings,
          articles,
          vectors,
          log,
        ),
      );
      // Each size's figures as they come: a run stopped before its largest size still records the others.
      log(`  figures ${JSON.stringify(results.at(-1))}`);
    }
  } finally {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return {
    note: `synthetic clustered normalized ${DIM}-d vectors beside real sentence text; questions and added articles embedded by a MiniLM-shaped int8 graph (random weights)`,
    embedding,
    sizes: results,
  };
}

/** `count` different questions of xquad-en and news-en, spread over both sets. */
function allQuestions(count: number): string[] {
  const sets = [join(SHARED_DIR, 'eval/xquad-en.json'), join(PROJECT_ROOT, 'eval/news-en.json')];
  const all = sets.flatMap((file) =>
    (JSON.parse(readFileSync(file, 'utf8')) as { questions: { q: string }[] }).questions.map((q) => q.q),
  );
  return Array.from({ length: Math.min(count, all.length) }, (_, i) => all[Math.floor((i * all.length) / count)]!);
}

export function formatScaleSizes(result: ScaleSizesResult): string {
  const lines = [`scale (${result.note})`];
  if (result.embedding) {
    const e = result.embedding;
    lines.push(
      `embedding: citebot ${e.citebot_per_s.toFixed(1)}/s, raw onnxruntime-node ${e.raw_ort_per_s.toFixed(1)}/s, ratio ${e.ratio.toFixed(3)}`,
    );
  }
  const columns: [keyof SizeFigures, string, number][] = [
    ['n', 'passages', 0],
    ['ask_ms_p50', 'ask p50 ms', 1],
    ['ask_ms_p99', 'ask p99 ms', 1],
    ['add_article_ms', 'add ms', 0],
    ['remove_article_ms', 'remove ms', 0],
    ['rebuild_vectors_per_s', 'rebuild /s', 0],
    ['recall_at_10', 'recall@10', 4],
    ['cold_start_s', 'cold start s', 2],
    ['rss_mb', 'RSS MB', 0],
    ['cold_start_rss_mb', 'cold RSS MB', 0],
  ];
  lines.push(columns.map(([, title]) => title.padStart(13)).join(''));
  for (const size of result.sizes)
    lines.push(
      columns
        .map(([key, , digits]) => ((size[key] as number | undefined)?.toFixed(digits) ?? '-').padStart(13))
        .join(''),
    );
  for (const size of result.sizes) {
    if (size.recall_by_ef)
      lines.push(
        `\nHNSW_EF_SEARCH at ${size.n} passages: ${Object.entries(size.recall_by_ef)
          .map(([k, v]) => `${k} ${v.toFixed(k.endsWith('ms') ? 2 : 4)}`)
          .join(', ')}`,
      );
    if (!size.ask_profile) continue;
    lines.push(`\nwhere an ask's time goes at ${size.n} passages (ms per question):`);
    for (const [part, ms] of Object.entries(size.ask_profile)) lines.push(`  ${part.padEnd(48)} ${ms.toFixed(2)}`);
  }
  return lines.join('\n');
}

if (process.argv[2] === '--cold-start') {
  const engine = await openEngine(loadConfig(process.env), { notice: () => {} });
  formatAnswer(await engine.ask('how many were detained?', { collections: [LIBRARY_COLLECTION] }));
  const seconds = process.uptime();
  (globalThis as { gc?: () => void }).gc?.();
  console.log(`cold_start_s=${seconds} rss_mb=${process.memoryUsage().rss / 2 ** 20}`);
  await engine.close();
  process.exit(0);
}
