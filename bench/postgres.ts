/**
 * PostgreSQL against SQLite on the same generated library, and what several processes cost:
 * ingest passages/s, keyword search p50/p95 (the in-process BM25 against FTS5), the batched
 * candidate read, cross-process visibility (a commit in this process until a keyword search in
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
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PROJECT_ROOT } from '../src/config.ts';
import { analyze, analyzeQuestion } from '../src/search/lexical.ts';
import { seededRandom } from '../src/seeded-random.ts';
import { PostgresStore } from '../src/store/postgres/postgres-store.ts';
import type { ArticleToSave } from '../src/store/store-api.ts';
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

export async function runPostgresBench(options: PostgresBenchOptions = {}): Promise<Record<string, number>> {
  const log = options.log ?? (() => undefined);
  const passages = options.passages ?? 100_000;
  const { sentences, questions } = readCorpus();
  const cluster = await startPostgres({ durable: true });
  const results: Record<string, number> = { passages };
  try {
    const url = await cluster.createDatabase('citebot_bench');
    const store = await PostgresStore.open(url);
    log(`ingesting ${passages} passages into PostgreSQL…`);
    let batch: ArticleToSave[] = [];
    let ingestMs = 0;
    for (const article of library(passages, sentences)) {
      batch.push(article);
      if (batch.length === ARTICLES_PER_WRITE) {
        ingestMs += (await timed(() => store.saveArticles(batch)))[1];
        batch = [];
      }
    }
    if (batch.length) ingestMs += (await timed(() => store.saveArticles(batch)))[1];
    results.pg_ingest_passages_per_s = passages / (ingestMs / 1000);

    const scope = { collections: ['library', 'guild-0'] };
    const [, loadMs] = await timed(() => store.keywordSearch(['warm'], scope, 1));
    results.pg_keyword_first_load_ms = loadMs;
    const tokenSets = questions
      .map(analyzeQuestion)
      .filter((t) => t.length > 0)
      .slice(0, 200);
    const keywordMs: number[] = [];
    const candidateMs: number[] = [];
    for (const tokens of tokenSets) {
      const [hits, ms] = await timed(() => store.keywordSearch(tokens, scope, 50));
      keywordMs.push(ms);
      const ids = hits.map((h) => h.id);
      if (ids.length >= 20)
        candidateMs.push(
          (
            await timed(
              () =>
                (store as unknown as { candidateCache: Map<number, unknown> }).candidateCache.clear() ??
                store.candidates(ids),
            )
          )[1],
        );
    }
    results.pg_keyword_p50_ms = percentile(keywordMs, 50);
    results.pg_keyword_p95_ms = percentile(keywordMs, 95);
    results.pg_candidates_50_p50_ms = percentile(candidateMs, 50);

    log('cross-process visibility…');
    const latencies = await visibility(store, url, 60);
    results.visibility_p50_ms = percentile(latencies, 50);
    results.visibility_p99_ms = percentile(latencies, 99);

    log('keyword partition per process…');
    const shard = await cacheCost(url, scope.collections);
    const all = await cacheCost(url, ['library', ...Array.from({ length: GUILDS }, (_, g) => `guild-${g}`)]);
    results.cache_shard_passages = shard.passages;
    results.cache_shard_build_ms = shard.ms;
    results.cache_shard_heap_mb = shard.heapMB;
    results.cache_all_passages = all.passages;
    results.cache_all_build_ms = all.ms;
    results.cache_all_heap_mb = all.heapMB;
    await store.close();
  } finally {
    cluster.destroy();
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
