/**
 * PostgreSQL against SQLite on the same generated library, and what several processes cost:
 * ingest passages/s, keyword search p50/p95 (the in-process BM25 against FTS5), `ask` p50/p95
 * through the engine (keyword-only), the batched candidate read, cross-process visibility (a commit in this process until a keyword search in
 * another finds it), and the keyword partition's build time and memory per process, for a
 * shard (the library and one guild) and for every collection.
 *
 * The library: paragraphs of 3–6 real sentences from news-en and xquad-en (seeded, so every
 * run builds the same one), 8 per article, with random 384-d vectors (the size of MiniLM's),
 * 40% in the library and the rest over 10 guild collections. PostgreSQL is a throwaway
 * cluster with its default durability (fsync on).
 *
 *   npx tsx bench/postgres.ts [--json] [--passages 100000]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { loadConfig, PROJECT_ROOT, storeFile } from '../src/config.ts';
import { openEngine } from '../src/engine.ts';
import { analyze, analyzeQuestion } from '../src/search/lexical.ts';
import { seededRandom } from '../src/seeded-random.ts';
import { PostgresStore } from '../src/store/postgres/postgres-store.ts';
import { SqliteStore } from '../src/store/sqlite/store.ts';
import type { ArticleToSave, CitebotStore } from '../src/store/store-api.ts';
import { splitSentences } from '../src/text/sentences.ts';
import { startPostgres } from '../test/helpers/postgres.ts';
import { percentile, SHARED_DIR } from './shared.ts';

export interface PostgresBenchOptions {
  passages?: number;
  log?: (line: string) => void;
}

interface EvalSet {
  articles: { paragraphs: string[] }[];
  questions: { q: string }[];
}

const PARAGRAPHS_PER_ARTICLE = 8;
const ARTICLES_PER_WRITE = 50;
const DIM = 384;
const GUILDS = 10;
/** What one shard searches: the shared library and one server's collection. */
const SHARD_SCOPE = { collections: ['library', 'guild-0'] };

function readCorpus(): { sentences: string[][]; questions: string[] } {
  const sets = [join(SHARED_DIR, 'eval/xquad-en.json'), join(PROJECT_ROOT, 'eval/news-en.json')].map(
    (file) => JSON.parse(readFileSync(file, 'utf8')) as EvalSet,
  );
  return {
    sentences: sets
      .flatMap((set) => set.articles.map((a) => a.paragraphs.flatMap((p) => splitSentences(p))))
      .filter((s) => s.length >= 6),
    questions: sets.flatMap((set) => set.questions.map((q) => q.q)),
  };
}

/** The generated library, article by article (generated lazily: 100k passages of text and vectors is large). */
function* library(passages: number, sentences: string[][]): Generator<ArticleToSave> {
  const random = seededRandom(2026);
  const articles = Math.ceil(passages / PARAGRAPHS_PER_ARTICLE);
  for (let i = 0; i < articles; i++) {
    const source = sentences[Math.floor(random() * sentences.length)]!;
    const paragraphs = Array.from({ length: PARAGRAPHS_PER_ARTICLE }, (_, p) => {
      const start = Math.floor(random() * (source.length - 5));
      return `${source.slice(start, start + 3 + Math.floor(random() * 4)).join(' ')} (${i}.${p})`;
    });
    const collection = random() < 0.4 ? 'library' : `guild-${Math.floor(random() * GUILDS)}`;
    let offset = 0;
    yield {
      collection,
      article: {
        id: `bench-${i}`,
        title: `Bench article ${i}`,
        date: `20${10 + (i % 15)}-0${1 + (i % 9)}-1${i % 10}`,
        source: `Wire ${i % 7}`,
        section: null,
        url: null,
        paragraphs,
      },
      body: paragraphs.join('\n\n'),
      contentHash: `bench-${i}`,
      passages: paragraphs.map((text, position) => {
        const charStart = offset;
        offset += text.length + 2;
        const vector = new Float32Array(DIM).map(() => random() - 0.5);
        return {
          position,
          paragraphStart: position,
          paragraphEnd: position,
          charStart,
          charEnd: charStart + text.length,
          text,
          terms: analyze(text),
          vector,
        };
      }),
    };
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await fn();
  return [result, performance.now() - started];
}

function child(args: string[]) {
  return spawn(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', join(PROJECT_ROOT, 'bench/postgres-child.ts'), ...args],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
}

async function cacheCost(
  url: string,
  collections: string[],
): Promise<{ ms: number; heapMB: number; rssMB: number; passages: number }> {
  const proc = child(['cache', url, collections.join(',')]);
  let out = '';
  proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await new Promise((resolve) => proc.on('exit', resolve));
  return JSON.parse(out) as { ms: number; heapMB: number; rssMB: number; passages: number };
}

/** Commit an article with a new word here; the watcher process reports when its search finds it. */
async function visibility(store: PostgresStore, url: string, rounds: number): Promise<number[]> {
  const watcher = child(['watch', url]);
  const lines = createInterface({ input: watcher.stdout });
  const seen = new Map<string, (at: number) => void>();
  const ready = new Promise<void>((resolve) =>
    lines.on('line', (line) => {
      if (line === 'ready') return resolve();
      const [, token, at] = line.split(' ');
      seen.get(token!)?.(Number(at));
    }),
  );
  await ready;
  const latencies: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const word = `zebrafinch${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}q`;
    const token = analyze(word)[0]!;
    const found = new Promise<number>((resolve) => seen.set(token, resolve));
    watcher.stdin.write(`${token}\n`);
    const passage = {
      position: 0,
      paragraphStart: 0,
      paragraphEnd: 0,
      charStart: 0,
      charEnd: word.length,
      text: word,
      terms: [token],
      vector: null,
    };
    await store.saveArticle({
      collection: 'library',
      article: {
        id: `visible-${i}`,
        title: word,
        date: null,
        source: null,
        section: null,
        url: null,
        paragraphs: [word],
      },
      body: word,
      contentHash: word,
      passages: [passage],
    });
    const committed = performance.timeOrigin + performance.now();
    latencies.push((await found) - committed);
  }
  watcher.stdin.write('quit\n');
  await new Promise((resolve) => watcher.on('exit', resolve));
  return latencies;
}

/** Writes the library into a store, 50 articles per write; returns the passages/s. */
async function fill(
  store: Pick<CitebotStore, 'saveArticles'>,
  passages: number,
  sentences: string[][],
  log: (line: string) => void,
  name: string,
): Promise<number> {
  let batch: ArticleToSave[] = [];
  let ingestMs = 0;
  let written = 0;
  const write = async () => {
    ingestMs += (await timed(() => store.saveArticles(batch)))[1];
    written += batch.length * PARAGRAPHS_PER_ARTICLE;
    if (written % 20_000 < ARTICLES_PER_WRITE * PARAGRAPHS_PER_ARTICLE) log(`${name}: ${written} passages`);
    batch = [];
  };
  for (const article of library(passages, sentences)) {
    batch.push(article);
    if (batch.length === ARTICLES_PER_WRITE) await write();
  }
  if (batch.length) await write();
  return passages / (ingestMs / 1000);
}

/** Keyword search p50/p95 over the same token sets (a shard's scope: the library and one guild). */
async function keywordLatency(store: Pick<CitebotStore, 'keywordSearch'>, tokenSets: string[][]): Promise<number[]> {
  const times: number[] = [];
  for (const tokens of tokenSets) times.push((await timed(() => store.keywordSearch(tokens, SHARD_SCOPE, 50)))[1]);
  return times;
}

/**
 * `ask` end to end through the engine (keyword-only: the vectors are random, so no model's
 * query vector means anything against them): retrieval, the candidates' read, verdict, highlight.
 */
async function askLatency(env: NodeJS.ProcessEnv, questions: string[]): Promise<number[]> {
  const engine = await openEngine(loadConfig({ ...env, EMBEDDING_MODEL: 'keyword', CITEBOT_OFFLINE: 'true' }));
  try {
    for (const q of questions.slice(0, 10)) await engine.ask(q, { collections: SHARD_SCOPE.collections, k: 3 });
    const times: number[] = [];
    for (const q of questions)
      times.push((await timed(() => engine.ask(q, { collections: SHARD_SCOPE.collections, k: 3 })))[1]);
    return times;
  } finally {
    await engine.close();
  }
}

export async function runPostgresBench(options: PostgresBenchOptions = {}): Promise<Record<string, number>> {
  const log = options.log ?? (() => undefined);
  const passages = options.passages ?? 100_000;
  const { sentences, questions } = readCorpus();
  const cluster = await startPostgres({ durable: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'citebot-bench-pg-'));
  const results: Record<string, number> = { passages };
  try {
    const url = await cluster.createDatabase('citebot_bench');
    const store = await PostgresStore.open(url);
    log(`ingesting ${passages} passages into PostgreSQL, then SQLite…`);
    results.pg_ingest_passages_per_s = await fill(store, passages, sentences, log, 'PostgreSQL');
    const sqlite = SqliteStore.open(storeFile({ dataDir }));
    results.sqlite_ingest_passages_per_s = await fill(sqlite, passages, sentences, log, 'SQLite');
    results.ingest_pg_over_sqlite = results.pg_ingest_passages_per_s / results.sqlite_ingest_passages_per_s;

    const [, loadMs] = await timed(() => store.keywordSearch(['warm'], SHARD_SCOPE, 1));
    results.pg_keyword_first_load_ms = loadMs;
    const tokenSets = questions
      .map(analyzeQuestion)
      .filter((t) => t.length > 0)
      .slice(0, 200);
    const pgKeyword = await keywordLatency(store, tokenSets);
    const sqliteKeyword = await keywordLatency(sqlite, tokenSets);
    results.pg_keyword_p50_ms = percentile(pgKeyword, 50);
    results.pg_keyword_p95_ms = percentile(pgKeyword, 95);
    results.sqlite_keyword_p50_ms = percentile(sqliteKeyword, 50);
    results.sqlite_keyword_p95_ms = percentile(sqliteKeyword, 95);
    await sqlite.close();
    const candidateMs: number[] = [];
    for (const tokens of tokenSets) {
      const ids = (await store.keywordSearch(tokens, SHARD_SCOPE, 50)).map((h) => h.id);
      if (ids.length < 20) continue;
      (store as unknown as { search: { candidateCache: Map<number, unknown> } }).search.candidateCache.clear();
      candidateMs.push((await timed(() => store.candidates(ids)))[1]);
    }
    results.pg_candidates_50_p50_ms = percentile(candidateMs, 50);

    log('ask through the engine, SQLite then PostgreSQL…');
    const asked = questions.slice(0, 200);
    const env = { DATA_DIR: dataDir, LOG_LEVEL: 'silent', AUTO_INGEST_EXAMPLES: 'false' };
    const sqliteAsk = await askLatency(env, asked);
    const pgAsk = await askLatency({ ...env, DATABASE_URL: url }, asked);
    results.sqlite_ask_p50_ms = percentile(sqliteAsk, 50);
    results.sqlite_ask_p95_ms = percentile(sqliteAsk, 95);
    results.pg_ask_p50_ms = percentile(pgAsk, 50);
    results.pg_ask_p95_ms = percentile(pgAsk, 95);
    results.ask_p50_pg_over_sqlite = results.pg_ask_p50_ms / results.sqlite_ask_p50_ms;
    results.ask_p95_pg_over_sqlite = results.pg_ask_p95_ms / results.sqlite_ask_p95_ms;

    log('cross-process visibility…');
    const latencies = await visibility(store, url, 100);
    results.visibility_p50_ms = percentile(latencies, 50);
    results.visibility_p99_ms = percentile(latencies, 99);

    log('keyword partition per process…');
    const shard = await cacheCost(url, SHARD_SCOPE.collections);
    const all = await cacheCost(url, ['library', ...Array.from({ length: GUILDS }, (_, g) => `guild-${g}`)]);
    results.cache_shard_passages = shard.passages;
    results.cache_shard_build_ms = shard.ms;
    results.cache_shard_heap_mb = shard.heapMB;
    results.cache_shard_rss_mb = shard.rssMB;
    results.cache_all_passages = all.passages;
    results.cache_all_build_ms = all.ms;
    results.cache_all_heap_mb = all.heapMB;
    results.cache_all_rss_mb = all.rssMB;
    await store.close();
  } finally {
    cluster.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--passages');
  const results = await runPostgresBench({
    passages: at >= 0 ? Number(args[at + 1]) : undefined,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  if (args.includes('--json')) console.log(JSON.stringify(results));
  else
    for (const [k, v] of Object.entries(results))
      console.log(`${k.padEnd(36)} ${Number.isInteger(v) ? v : v.toFixed(2)}`);
}
