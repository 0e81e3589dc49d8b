/**
 * How citebot behaves as a library grows: with the default offline model (USE-lite, 512-d) and
 * word vectors, ingest passages in steps up to `--passages` (default 50,000) and, at each step,
 * measure question latency (hybrid with highlighting, and BM25 only), process memory, the size
 * on disk, and how long adding and removing one article takes and holds the event loop (the
 * index file is rewritten each time); at the end, opening the library with its saved HNSW
 * index and after deleting it (waiting for the rebuild, as the CLI does, and rebuilding in the
 * background while questions are asked, as the bot does), and compacting the index while
 * searches go on.
 *
 * The passages are generated from the sentences of xquad-en and news-en: each generated
 * paragraph is 3–6 real sentences drawn from one source article (seeded, so every run builds
 * the same library), and every paragraph is unique, so the index never holds duplicates.
 *
 *   npx tsx bench/scale.ts [--json] [--passages 50000] [--steps 5000,20000,50000] [--keep DIR]
 *   npx tsx bench/scale.ts [--json] --reuse DIR     (only the reopening part, on a kept library)
 */
import { readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, PROJECT_ROOT } from '../src/config.ts';
import { openEngine, type CitebotEngine, type EngineOptions } from '../src/engine.ts';
import { openTempIndex, type TempIndex } from '../src/eval/runner.ts';
import { SqliteStore } from '../src/store/sqlite/store.ts';
import { VectorIndex } from '../src/store/index/vector-index.ts';
import { seededRandom } from '../src/seeded-random.ts';
import { splitSentences } from '../src/text/sentences.ts';
import type { Article, ArticleFilter } from '../src/types.ts';
import { measure } from './parse.ts';
import { percentile, SHARED_DIR } from './shared.ts';

interface EvalSet {
  articles: { id: string; title: string; paragraphs: string[] }[];
  questions: { q: string }[];
}

interface SourceArticle {
  title: string;
  sentences: string[];
}

export interface ScaleBenchOptions {
  passages?: number;
  steps?: number[];
  log?: (line: string) => void;
  /** Move the library here at the end instead of deleting it (for `--reuse`). */
  keepDir?: string;
}

const SETS = [join(SHARED_DIR, 'eval/xquad-en.json'), join(PROJECT_ROOT, 'eval/news-en.json')];
const ARTICLES_PER_BATCH = 200;
const PARAGRAPHS_PER_ARTICLE = 8;
const QUESTIONS = 60;

export function readSets(): { sources: SourceArticle[]; questions: string[] } {
  const sets = SETS.map((file) => JSON.parse(readFileSync(file, 'utf8')) as EvalSet);
  const sources = sets.flatMap((set) =>
    set.articles.map((a) => ({ title: a.title, sentences: a.paragraphs.flatMap((p) => splitSentences(p)) })),
  );
  const all = sets.flatMap((set) => set.questions.map((q) => q.q));
  const questions = Array.from({ length: QUESTIONS }, (_, i) => all[Math.floor((i * all.length) / QUESTIONS)]!);
  return { sources: sources.filter((s) => s.sentences.length >= 6), questions };
}

/** The generated articles' outlets, in turn: a source filter keeps a quarter of the library. */
const OUTLETS = ['Harbour Herald', 'Valley Courier', 'Metro Wire', 'Coastal Times'];
/** One article a day from this date: a month filter keeps about 240 passages, a year about 2,900. */
const FIRST_DAY = Date.UTC(2008, 0, 1);

export function* generatedArticles(sources: SourceArticle[]): Generator<Article> {
  const random = seededRandom(20261125);
  for (let n = 0; ; n++) {
    const source = sources[n % sources.length]!;
    const paragraphs = Array.from({ length: PARAGRAPHS_PER_ARTICLE }, () => {
      const length = 3 + Math.floor(random() * 4);
      return Array.from({ length }, () => source.sentences[Math.floor(random() * source.sentences.length)]!).join(' ');
    });
    const date = new Date(FIRST_DAY + n * 86_400_000).toISOString().slice(0, 10);
    yield {
      id: `scale-${n}`,
      title: `${source.title} (${n})`,
      date,
      source: OUTLETS[n % OUTLETS.length]!,
      section: null,
      url: null,
      paragraphs,
    };
  }
}

function folderMb(dir: string, match: (name: string) => boolean): number {
  let bytes = 0;
  for (const name of readdirSync(dir)) if (match(name)) bytes += statSync(join(dir, name)).size;
  return bytes / 2 ** 20;
}

/**
 * Questions limited to some articles: a month (few enough passages to compare with each), a
 * year and an outlet (wider: the HNSW graph is walked with the filter).
 */
const FILTERS: Record<string, ArticleFilter> = {
  month: { since: '2008-02-01', until: '2008-02-29' },
  year: { since: '2008-01-01', until: '2008-12-31' },
  source: { source: 'Metro Wire' },
};

async function latencies(engine: CitebotEngine, questions: string[]): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  const modes: [string, (q: string) => Promise<unknown>][] = [
    ['hybrid', (q) => engine.ask(q, { collections: ['library'], k: 3 })],
    ['bm25', (q) => engine.internals.retrieve(q, { collections: ['library'], k: 3, mode: 'bm25' })],
    ...Object.entries(FILTERS).map(([name, filter]): [string, (q: string) => Promise<unknown>] => [
      `${name}`,
      (q) => engine.ask(q, { collections: ['library'], k: 3, filter }),
    ]),
  ];
  for (const [mode, ask] of modes) {
    const times: number[] = [];
    for (const q of questions) {
      const started = performance.now();
      await ask(q);
      times.push(performance.now() - started);
    }
    result[`ask_${mode}_ms_p50`] = percentile(times, 50);
    result[`ask_${mode}_ms_p95`] = percentile(times, 95);
  }
  return result;
}

/** Adding one article and removing it again: what a moderator's /ingest and /forget cost. */
async function oneArticleChanges(index: TempIndex, article: Article): Promise<Record<string, number>> {
  const added = await measure(() => index.engine.ingest([article], 'library'));
  const removed = await measure(() => index.engine.removeArticle('library', article.id));
  return {
    add_one_article_ms: added.ms,
    add_one_article_loop_held_ms: added.maxDelayMs,
    remove_one_article_ms: removed.ms,
    remove_one_article_loop_held_ms: removed.maxDelayMs,
  };
}

export async function runScaleBench(options: ScaleBenchOptions = {}): Promise<Record<string, number>> {
  const log = options.log ?? (() => {});
  const target = options.passages ?? 50_000;
  const steps = [...new Set([...(options.steps ?? [5_000, 20_000]).filter((s) => s < target), target])].sort(
    (a, b) => a - b,
  );
  const { sources, questions } = readSets();
  const results: Record<string, number> = {};
  const index = await openTempIndex({ model: 'use-lite', env: { ...process.env, LOG_LEVEL: 'silent' } });
  const dataDir = index.dataDir;
  try {
    const articles = generatedArticles(sources);
    let passages = 0;
    let ingestSeconds = 0;
    for (const step of steps) {
      while (passages < step) {
        const batch = Array.from(
          { length: Math.min(ARTICLES_PER_BATCH, Math.ceil((step - passages) / PARAGRAPHS_PER_ARTICLE)) },
          () => articles.next().value as Article,
        );
        const started = performance.now();
        const outcomes = await index.engine.ingest(batch, 'library');
        ingestSeconds += (performance.now() - started) / 1000;
        passages += outcomes.reduce((n, o) => n + o.passages, 0);
      }
      log(
        `${passages} passages indexed (${(passages / ingestSeconds).toFixed(0)}/s); asking ${questions.length} questions…`,
      );
      await latencies(index.engine, questions.slice(0, 5)); // warm the caches and the worker
      const measured = {
        ...(await latencies(index.engine, questions)),
        ...(await oneArticleChanges(index, { ...(articles.next().value as Article), id: `one-${step}` })),
      };
      (globalThis as { gc?: () => void }).gc?.();
      const label = `at_${step}`;
      results[`${label}_passages`] = passages;
      for (const [key, value] of Object.entries(measured)) results[`${label}_${key}`] = value;
      results[`${label}_rss_mb`] = process.memoryUsage().rss / 2 ** 20;
      results[`${label}_store_mb`] = folderMb(dataDir, (name) => name.startsWith('citebot.db'));
      results[`${label}_hnsw_mb`] = folderMb(dataDir, (name) => name === 'index.hnsw');
    }
    results.ingest_passages_per_s = passages / ingestSeconds;

    await index.engine.close();
    Object.assign(results, await reopenedLibrary(dataDir, questions, articles));
  } finally {
    if (options.keepDir) renameSync(dataDir, options.keepDir);
    else rmSync(dataDir, { recursive: true, force: true });
  }
  return results;
}

/**
 * What happens to a library once built: opening it (with the saved index, after deleting it,
 * after a change its saved file missed, and rebuilding in the background as the bot does), a
 * change and an import made by another process, and a compaction. `bench/scale.ts --reuse DIR` runs only this
 * on a library an earlier run kept with `--keep DIR` (it leaves the library as it found it).
 */
export async function reopenedLibrary(
  dataDir: string,
  questions: string[],
  articles: Iterator<Article>,
): Promise<Record<string, number>> {
  const results: Record<string, number> = {};
  const started = performance.now();
  const engine = await reopen(dataDir);
  results.open_with_saved_index_ms = performance.now() - started;
  await latencies(engine, questions.slice(0, 5));
  for (const [key, value] of Object.entries(await latencies(engine, questions))) results[`reopened_${key}`] = value;
  await engine.close();
  Object.assign(results, await changeFromAnotherProcess(dataDir, questions, articles.next().value as Article));
  Object.assign(
    results,
    await importFromAnotherProcess(
      dataDir,
      questions,
      Array.from({ length: 125 }, () => articles.next().value as Article),
    ),
  );
  Object.assign(results, await openAfterMissedSave(dataDir, articles.next().value as Article));
  rmSync(join(dataDir, 'index.hnsw'));
  const rebuilding = performance.now();
  await (await reopen(dataDir)).close();
  results.open_with_index_rebuild_ms = performance.now() - rebuilding;
  Object.assign(results, await backgroundRebuild(dataDir, questions, articles.next().value as Article));
  Object.assign(results, await compaction(dataDir));
  return results;
}

/**
 * An editor's CLI adds an article while the bot runs: the bot's next question takes it in from
 * the store's change log. (The editor's engine runs in this process for the bench, on its own
 * SQLite connection: the change reaches the bot only through the store, as from another process.)
 */
export async function changeFromAnotherProcess(
  dataDir: string,
  questions: string[],
  article: Article,
): Promise<Record<string, number>> {
  const bot = await reopen(dataDir);
  try {
    const before: number[] = [];
    for (const q of questions.slice(0, 10)) {
      const asked = performance.now();
      await bot.ask(q, { collections: ['library'], k: 3 });
      before.push(performance.now() - asked);
    }
    const sizeBefore = (await bot.stats()).indexSize;
    const editor = await reopen(dataDir);
    await editor.ingest([lateEdition(article, 'from-the-cli')], 'library');
    await editor.close();
    const { ms, maxDelayMs } = await measure(() => bot.ask(questions[1]!, { collections: ['library'], k: 3 }));
    const { indexSize, passages } = await bot.stats();
    if (indexSize !== passages || indexSize <= sizeBefore)
      throw new Error(
        `the bot did not take in the article another process added (index ${indexSize}, store ${passages})`,
      );
    // For comparison, the first question after a change of the bot's own (caches keyed on the
    // store's generation are refilled after any change).
    await bot.removeArticle('library', 'from-the-cli');
    const own = await measure(() => bot.ask(questions[2]!, { collections: ['library'], k: 3 }));
    return {
      ask_ms_p50_before_other_process_change: percentile(before, 50),
      first_ask_after_other_process_change_ms: ms,
      first_ask_after_other_process_change_loop_held_ms: maxDelayMs,
      first_ask_after_own_change_ms: own.ms,
      first_ask_after_own_change_loop_held_ms: own.maxDelayMs,
    };
  } finally {
    await bot.close();
  }
}

/**
 * An editor imports 125 articles (about 1,000 passages) while the bot runs: more than the bot
 * replays at once, so it replays them in slices while it keeps answering.
 */
async function importFromAnotherProcess(
  dataDir: string,
  questions: string[],
  batch: Article[],
): Promise<Record<string, number>> {
  const bot = await reopen(dataDir);
  const editor = await reopen(dataDir);
  try {
    await bot.ask(questions[0]!, { collections: ['library'], k: 3 });
    const imported = batch.map((article, i) => lateEdition(article, `import-${i}`));
    const outcomes = await editor.ingest(imported, 'library');
    const askMs: number[] = [];
    const replayed = await measure(async () => {
      do {
        const asked = performance.now();
        await bot.ask(questions[askMs.length % questions.length]!, { collections: ['library'], k: 3 });
        askMs.push(performance.now() - asked);
      } while ((await bot.stats()).indexSize !== (await bot.stats()).passages);
    });
    for (const { articleId } of outcomes) await editor.removeArticle('library', articleId);
    return {
      import_from_other_process_passages: outcomes.reduce((n, o) => n + o.passages, 0),
      import_replayed_by_bot_ms: replayed.ms,
      import_replay_loop_held_ms: replayed.maxDelayMs,
      import_replay_questions_answered: askMs.length,
      import_replay_ask_ms_p95: percentile(askMs, 95),
    };
  } finally {
    await editor.close();
    await bot.close();
  }
}

/** A copy of a generated article that no stored passage repeats (a reused library already holds the generator's first articles). */
function lateEdition(article: Article, id: string): Article {
  return { ...article, id, paragraphs: article.paragraphs.map((p) => `Late edition: ${p}`) };
}

/** The process stopped between a change and its save: the next open replays the change instead of rebuilding. */
async function openAfterMissedSave(dataDir: string, article: Article): Promise<Record<string, number>> {
  const saved = ['index.hnsw', 'index.json'].map((name) => ({ name, bytes: readFileSync(join(dataDir, name)) }));
  const engine = await reopen(dataDir);
  await engine.ingest([lateEdition(article, 'missed-save')], 'library');
  await engine.close();
  for (const { name, bytes } of saved) writeFileSync(join(dataDir, name), bytes);
  const started = performance.now();
  const reopened = await reopen(dataDir);
  const ms = performance.now() - started;
  await reopened.removeArticle('library', 'missed-save');
  await reopened.close();
  return { open_after_missed_save_ms: ms };
}

/**
 * The bot's start with a missing index: open returns while the index is rebuilt in slices,
 * and a question is asked every 100 ms until the rebuilt index is saved.
 */
async function backgroundRebuild(
  dataDir: string,
  questions: string[],
  article: Article,
): Promise<Record<string, number>> {
  rmSync(join(dataDir, 'index.hnsw'));
  let saved = false;
  const started = performance.now();
  const engine = await reopen(dataDir, {
    backgroundIndexRebuild: true,
    notice: (message) => (saved ||= message.startsWith('rebuilt the vector index')),
  });
  const openMs = performance.now() - started;
  const askMs: number[] = [];
  // An editor's /ingest and /forget a quarter of the way in: they don't wait for the rebuild.
  const change = { ingestMs: NaN, removeMs: NaN, doneAtShare: NaN };
  let changing: Promise<void> | null = null;
  const editDuringRebuild = async () => {
    const t0 = performance.now();
    await engine.ingest([lateEdition(article, 'during-rebuild')], 'library');
    change.ingestMs = performance.now() - t0;
    const t1 = performance.now();
    await engine.removeArticle('library', 'during-rebuild');
    change.removeMs = performance.now() - t1;
    const progress = (await engine.stats()).indexRebuilding;
    change.doneAtShare = progress ? progress.indexed / progress.total : 1;
  };
  // The loop is watched from the moment open returns: that is when the bot connects and answers.
  const { maxDelayMs } = await measure(async () => {
    while (!saved) {
      const progress = (await engine.stats()).indexRebuilding;
      if (!changing && progress && progress.indexed >= progress.total / 4) changing = editDuringRebuild();
      const asked = performance.now();
      await engine.ask(questions[askMs.length % questions.length]!, { collections: ['library'], k: 3 });
      askMs.push(performance.now() - asked);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await changing;
  });
  const ms = performance.now() - started;
  await engine.close();
  return {
    background_rebuild_open_ms: openMs,
    background_rebuild_until_saved_ms: ms,
    background_rebuild_loop_held_ms: maxDelayMs,
    background_rebuild_questions_answered: askMs.length,
    background_rebuild_ask_ms_p50: percentile(askMs, 50),
    background_rebuild_ask_ms_p95: percentile(askMs, 95),
    background_rebuild_ingest_during_ms: change.ingestMs,
    background_rebuild_remove_during_ms: change.removeMs,
    background_rebuild_share_done_after_the_changes: change.doneAtShare,
  };
}

/**
 * A compaction of the whole index (it runs by itself once deleted passages outnumber live ones,
 * which would take deleting half the library here), with a search every 100 ms meanwhile.
 */
async function compaction(dataDir: string): Promise<Record<string, number>> {
  const store = SqliteStore.open(join(dataDir, 'citebot.db'));
  try {
    const model = (await store.model())!;
    const vectors = await VectorIndex.open(dataDir, store, model.id, model.dim!);
    const query = (await store.vectorsAfter(0, 1))[0]!.vector;
    const allowed = await store.allPassageIds();
    let searches = 0;
    const searching = setInterval(() => {
      vectors.search(query, 10, allowed);
      searches++;
    }, 100);
    const { ms, maxDelayMs } = await measure(() => vectors.compact(store));
    clearInterval(searching);
    return { compaction_ms: ms, compaction_loop_held_ms: maxDelayMs, searches_during_compaction: searches };
  } finally {
    await store.close();
  }
}

/** Opens the bench's folder again as it is (openTempIndex would start a new one). */
function reopen(dataDir: string, options: EngineOptions = {}): Promise<CitebotEngine> {
  return openEngine(
    loadConfig({
      ...process.env,
      DATA_DIR: dataDir,
      EMBEDDING_MODEL: 'use-lite',
      AUTO_INGEST_EXAMPLES: 'false',
      LOG_LEVEL: 'silent',
    }),
    { notice: () => {}, ...options },
  );
}

if (process.argv[1]?.endsWith('bench/scale.ts')) {
  const args = process.argv.slice(2);
  const value = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  const reuse = value('--reuse');
  const results = reuse
    ? await reopenedLibrary(reuse, readSets().questions, generatedArticles(readSets().sources))
    : await runScaleBench({
        passages: value('--passages') ? Number(value('--passages')) : undefined,
        steps: value('--steps')?.split(',').map(Number),
        log: (l) => process.stderr.write(`${l}\n`),
        keepDir: value('--keep'),
      });
  if (args.includes('--json')) console.log(JSON.stringify(results));
  else
    for (const [k, v] of Object.entries(results))
      console.log(`${k.padEnd(40)} ${Number.isInteger(v) ? v : v.toFixed(2)}`);
}
