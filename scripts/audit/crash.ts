/**
 * `npm run test:crash`: the crash audit of issue 20, kept as a script. Each run ingests a corpus
 * of 200 short articles (half new, half replacing the previous run's versions with changed text)
 * in a real child process (`node --import tsx src/cli.ts ingest <folder> --json`, the tiny
 * generated model) and kills it with SIGKILL at a random point aimed at the write phase: most
 * random times land while the model loads or the passages embed, so the parent watches the
 * store's generation and kills at a random delay after the first commit (one run in five is
 * killed at a plain random time instead). After each kill it checks:
 *   - SQLite's `PRAGMA integrity_check` is ok;
 *   - every article is whole in one version or the other (its passages are exactly one version's
 *     paragraphs; no article without passages; no article that was never written);
 *   - the index and the store agree after the next open (every stored passage is found by its own
 *     vector; the index holds no passage the store lacks, and a search returns none);
 *   - no temporary file is left in DATA_DIR after that open;
 *   - a re-run of the ingest completes, reports success, and leaves every article at its new version.
 * Every third run, the index file is then truncated or replaced by garbage, and the next open
 * must rebuild it without losing a passage. Exits 1 when any check fails.
 *
 *   npm run test:crash -- --runs 10            readable lines and a summary
 *   npm run test:crash -- --runs 10 --json     one JSON line per run, then the summary
 *   npm run test:crash -- --runs 10 --seed 7   another sequence of kill points
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { openEngine } from '../../src/engine.ts';
import { seededRandom } from '../../src/seeded-random.ts';
import { storeFileIn } from '../../test/helpers/sqlite-store.ts';
import { testEnv, tinyModel } from '../../test/helpers/engine.ts';

const ARTICLES = 200;
const REPLACED = ARTICLES / 2;
/** Share of runs killed at a delay after the first commit (the rest at a random time from spawn). */
const AIMED_SHARE = 0.8;
const DAMAGE_EVERY = 3;
const POLL_MS = 5;
const REPO = join(import.meta.dirname, '..', '..');

interface Options {
  runs: number;
  json: boolean;
  seed: number;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { runs: 10, json: false, seed: 1 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') options.json = true;
    else if (arg === '--runs' || arg === '--seed') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < (arg === '--runs' ? 1 : 0))
        usage(`${arg} needs a whole number${arg === '--runs' ? ' of at least 1' : ''}`);
      if (arg === '--runs') options.runs = n;
      else options.seed = n;
    } else usage(`unknown argument ${arg}`);
  }
  return options;
}

function usage(problem: string): never {
  console.error(`${problem}\nusage: npm run test:crash -- [--runs N] [--seed S] [--json]`);
  process.exit(2);
}

// ---- the corpus ------------------------------------------------------------------------------

/** Replaced articles keep their id across runs; the new ones are named after their run. */
const replacedId = (i: number) => `kept-${String(i).padStart(3, '0')}`;
const newId = (run: number, i: number) => `run${run}-new-${String(i).padStart(3, '0')}`;

/** The paragraphs of `id` at `version`: short, and a different count on odd and even versions. */
function paragraphsOf(id: string, version: number): string[] {
  const paragraphs = [
    `The council of ${id} met on day ${version} and voted on the harbour budget, version ${version} says.`,
    `Bridge ${id} reopens after ${version + 2} weeks of repairs, according to the version ${version} notice.`,
  ];
  if (version % 2 === 1)
    paragraphs.push(`A late note in version ${version}: the ferry of ${id} runs ${version * 3} times a day.`);
  return paragraphs;
}

const titleOf = (id: string, version: number) => `Report ${id} version ${version}`;

/** Writes run `run`'s corpus (version `run` of the replaced articles, and its new ones) into `dir`. */
function writeCorpus(dir: string, run: number): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const ids = [
    ...Array.from({ length: REPLACED }, (_, i) => replacedId(i)),
    ...Array.from({ length: ARTICLES - REPLACED }, (_, i) => newId(run, i)),
  ];
  for (const id of ids)
    writeFileSync(join(dir, `${id}.txt`), `${titleOf(id, run)}\n\n${paragraphsOf(id, run).join('\n\n')}\n`);
}

/** The versions each article may be in after run `run` was killed (a new article may be absent). */
function allowedVersions(run: number, finished: boolean): Map<string, { versions: number[]; mayBeAbsent: boolean }> {
  const allowed = new Map<string, { versions: number[]; mayBeAbsent: boolean }>();
  for (let i = 0; i < REPLACED; i++)
    allowed.set(replacedId(i), { versions: finished ? [run] : [run - 1, run], mayBeAbsent: false });
  for (let r = 0; r <= run; r++) {
    for (let i = 0; i < ARTICLES - REPLACED; i++)
      allowed.set(newId(r, i), { versions: [r], mayBeAbsent: r === run && !finished });
  }
  return allowed;
}

// ---- the child process ---------------------------------------------------------------------

interface Child {
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  kill: () => void;
}

function startIngest(corpus: string, env: NodeJS.ProcessEnv): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'ingest', corpus, '--json'], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { exited, kill: () => child.kill('SIGKILL') };
}

/** The store's generation, read as another process would (0 before the file exists). */
function generationOf(dataDir: string): number {
  try {
    const db = new Database(storeFileIn(dataDir), { readonly: true, fileMustExist: true });
    try {
      const row = db.prepare("SELECT value FROM meta WHERE key = 'generation'").get() as { value: string } | undefined;
      return Number(row?.value ?? 0);
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

interface Timing {
  /** From spawn to the first commit. */
  startupMs: number;
  /** From the first commit to the child's exit. */
  writeMs: number;
}

/** Runs an ingest to its end, timing the write phase; the error says why it did not succeed. */
async function ingestToEnd(
  corpus: string,
  dataDir: string,
  env: NodeJS.ProcessEnv,
): Promise<{ timing: Timing; error: string | null }> {
  const started = performance.now();
  const before = generationOf(dataDir);
  const child = startIngest(corpus, env);
  let firstCommit: number | null = null;
  let done = false;
  const poll = setInterval(() => {
    if (!done && firstCommit === null && generationOf(dataDir) > before) firstCommit = performance.now();
  }, POLL_MS);
  const result = await child.exited;
  done = true;
  clearInterval(poll);
  const ended = performance.now();
  const timing = { startupMs: (firstCommit ?? ended) - started, writeMs: ended - (firstCommit ?? ended) };
  if (result.code !== 0)
    return { timing, error: `exit ${result.code ?? result.signal}: ${result.stderr.trim().slice(-300)}` };
  try {
    const parsed = JSON.parse(result.stdout) as { articles: { status: string }[]; skipped: unknown[] };
    if (parsed.articles.length !== ARTICLES)
      return { timing, error: `reported ${parsed.articles.length} articles, not ${ARTICLES}` };
    if (parsed.skipped.length > 0) return { timing, error: `skipped ${parsed.skipped.length} inputs` };
  } catch {
    return { timing, error: `its output is not JSON: ${result.stdout.slice(0, 200)}` };
  }
  return { timing, error: null };
}

/** Kills an ingest at a random point: after the first commit plus a delay within the measured write phase, or at a plain random time. */
async function ingestKilled(
  corpus: string,
  dataDir: string,
  env: NodeJS.ProcessEnv,
  timing: Timing,
  random: () => number,
): Promise<{ aimed: boolean; killedAfterCommitMs: number | null; finishedFirst: boolean }> {
  const aimed = random() < AIMED_SHARE;
  const before = generationOf(dataDir);
  const child = startIngest(corpus, env);
  let firstCommit: number | null = null;
  let killedAt: number | null = null;
  // Drawn now, so the sequence of kill points depends on the seed only. Aimed kills land in the
  // first 70% of the write phase the last unkilled ingest took (its end is the index save and exit).
  const delay = aimed ? random() * 0.7 * timing.writeMs : random() * (timing.startupMs + timing.writeMs);
  const kill = () => {
    if (killedAt !== null) return;
    killedAt = performance.now();
    child.kill();
  };
  const poll = setInterval(() => {
    if (firstCommit === null && generationOf(dataDir) > before) {
      firstCommit = performance.now();
      if (aimed) setTimeout(kill, delay);
    }
  }, POLL_MS);
  const timer = aimed ? null : setTimeout(kill, delay);
  const result = await child.exited;
  clearInterval(poll);
  if (timer) clearTimeout(timer);
  const finishedFirst = result.signal !== 'SIGKILL';
  return {
    aimed,
    killedAfterCommitMs:
      !finishedFirst && firstCommit !== null && killedAt !== null ? Math.round(killedAt - firstCommit) : null,
    finishedFirst,
  };
}

// ---- the checks ------------------------------------------------------------------------------

function integrity(dataDir: string): string | null {
  const db = new Database(storeFileIn(dataDir), { readonly: true, fileMustExist: true });
  try {
    const result = db.pragma('integrity_check', { simple: true });
    return result === 'ok' ? null : `integrity_check: ${String(result)}`;
  } finally {
    db.close();
  }
}

/**
 * Every stored article must be whole in one allowed version: its body and title are that
 * version's, and its passages (in order) are exactly that version's paragraphs. Returns the
 * problems, and how many articles hold run `run`'s version.
 */
function wholeness(dataDir: string, run: number, finished: boolean): { problems: string[]; atNewVersion: number } {
  const allowed = allowedVersions(run, finished);
  const db = new Database(storeFileIn(dataDir), { readonly: true, fileMustExist: true });
  const problems: string[] = [];
  let atNewVersion = 0;
  try {
    const articles = db.prepare('SELECT rowid, id, title, body FROM articles').all() as {
      rowid: number;
      id: string;
      title: string;
      body: string;
    }[];
    const passagesOf = db.prepare('SELECT text FROM passages WHERE article_rowid = ? ORDER BY position').pluck();
    const seen = new Set<string>();
    for (const article of articles) {
      seen.add(article.id);
      const rule = allowed.get(article.id);
      if (!rule) {
        problems.push(`${article.id}: stored, but never ingested`);
        continue;
      }
      const texts = passagesOf.all(article.rowid) as string[];
      if (texts.length === 0) {
        problems.push(`${article.id}: stored without passages`);
        continue;
      }
      const matching = rule.versions.filter((v) => {
        const paragraphs = paragraphsOf(article.id, v);
        return (
          article.title === titleOf(article.id, v) &&
          article.body === paragraphs.join('\n\n') &&
          texts.length === paragraphs.length &&
          texts.every((t, i) => t === paragraphs[i])
        );
      });
      if (matching.length !== 1)
        problems.push(
          `${article.id}: not whole in version ${rule.versions.join(' or ')} (title "${article.title}", ${texts.length} passages)`,
        );
      else if (matching[0] === run) atNewVersion++;
    }
    for (const [id, rule] of allowed)
      if (!rule.mayBeAbsent && !seen.has(id)) problems.push(`${id}: missing from the store`);
  } finally {
    db.close();
  }
  return { problems, atNewVersion };
}

interface OpenCheck {
  problems: string[];
  loadedAs: string;
  passages: number;
}

/**
 * Opens the engine as the next process would and compares the vector index with the store:
 * every stored passage must be found by its own vector, and the index must hold (and return) no
 * passage the store lacks. The index's live labels are read through its private graph: the
 * contract has no reason to list them, and this audit must see what a search could return.
 */
async function openAndCompare(dataDir: string, modelDir: string): Promise<OpenCheck> {
  const problems: string[] = [];
  const engine = await openEngine(loadConfig(testEnv(dataDir, modelDir)), { notice: () => {} });
  try {
    const vectors = engine.internals.vectors();
    if (!vectors)
      return {
        problems: ['the engine opened keyword-only: no vector index to compare'],
        loadedAs: 'none',
        passages: 0,
      };
    const store = engine.internals.store;
    const stored = await store.allPassageIds();
    const live = (vectors as unknown as { graph: { live: Set<number> } }).graph.live;
    const ghosts = [...live].filter((id) => !stored.has(id));
    if (ghosts.length > 0)
      problems.push(
        `the index holds ${ghosts.length} passages the store lacks (e.g. ${ghosts.slice(0, 3).join(', ')})`,
      );
    const ids = [...stored];
    const stored_vectors = await store.vectorsOf(ids);
    let unreachable = 0;
    let ghostHits = 0;
    for (const [i, id] of ids.entries()) {
      const vector = stored_vectors.get(id);
      if (!vector || vectors.search(vector, 1, new Set([id]))[0]?.rowid !== id) unreachable++;
      // An unfiltered search (the allowed set is the whole library) returns whatever hnswlib holds live.
      if (vector && i % 10 === 0)
        ghostHits += vectors.search(vector, 10, stored).filter((hit) => !stored.has(hit.rowid)).length;
    }
    if (unreachable > 0) problems.push(`${unreachable} of ${ids.length} stored passages are unreachable by the index`);
    if (ghostHits > 0) problems.push(`searches returned ${ghostHits} hits for passages not in the store`);
    return { problems, loadedAs: vectors.loadedAs, passages: ids.length };
  } finally {
    await engine.close();
  }
}

function passageCount(dataDir: string): number {
  const db = new Database(storeFileIn(dataDir), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT count(*) FROM passages').pluck().get() as number;
  } finally {
    db.close();
  }
}

function leftovers(dataDir: string): string[] {
  return readdirSync(dataDir).filter((name) => /\.tmp$|-journal$/.test(name));
}

/** Truncates the index file to half, or replaces it with garbage of the same size. */
function damageIndex(dataDir: string, how: 'truncated' | 'garbage'): void {
  const file = join(dataDir, 'index.hnsw');
  const size = statSync(file).size;
  if (how === 'truncated') truncateSync(file, Math.floor(size / 2));
  else writeFileSync(file, Buffer.alloc(size, 0x5a));
}

// ---- the runs --------------------------------------------------------------------------------

interface RunResult {
  run: number;
  aimed: boolean;
  finishedBeforeKill: boolean;
  killedAfterCommitMs: number | null;
  /** Articles of this run (of 200) that were written before the kill. */
  written: number;
  /** Killed after the first commit: while articles were written, or while the index was saved after them. */
  inWriteWindow: boolean;
  damage: 'truncated' | 'garbage' | null;
  failures: string[];
  seconds: number;
  /** The re-run's timing: the next run aims at its write phase. */
  timing: Timing;
}

async function oneRun(
  run: number,
  dirs: { corpus: string; data: string; model: string },
  timing: Timing,
  random: () => number,
): Promise<RunResult> {
  const started = performance.now();
  const env = testEnv(dirs.data, dirs.model);
  const failures: string[] = [];
  writeCorpus(dirs.corpus, run);
  const killed = await ingestKilled(dirs.corpus, dirs.data, env, timing, random);

  const broken = integrity(dirs.data);
  if (broken) failures.push(broken);
  const whole = wholeness(dirs.data, run, killed.finishedFirst);
  failures.push(...whole.problems.slice(0, 5));
  if (whole.problems.length > 5) failures.push(`… and ${whole.problems.length - 5} more articles not whole`);
  const opened = await openAndCompare(dirs.data, dirs.model);
  failures.push(...opened.problems);
  const left = leftovers(dirs.data);
  if (left.length > 0) failures.push(`temporary files left after the next open: ${left.join(', ')}`);

  const rerun = await ingestToEnd(dirs.corpus, dirs.data, env);
  if (rerun.error) failures.push(`the re-run failed: ${rerun.error}`);
  else {
    const after = wholeness(dirs.data, run, true);
    failures.push(...after.problems.slice(0, 5).map((p) => `after the re-run: ${p}`));
  }

  let damage: RunResult['damage'] = null;
  if (run % DAMAGE_EVERY === 0) {
    damage = (run / DAMAGE_EVERY) % 2 === 1 ? 'truncated' : 'garbage';
    const before = generationOf(dirs.data);
    const passagesBefore = passageCount(dirs.data);
    damageIndex(dirs.data, damage);
    const reopened = await openAndCompare(dirs.data, dirs.model);
    if (reopened.loadedAs !== 'rebuilt')
      failures.push(`the ${damage} index was ${reopened.loadedAs} at the next open, not rebuilt`);
    if (reopened.passages !== passagesBefore || generationOf(dirs.data) !== before)
      failures.push(
        `the store changed while the ${damage} index was rebuilt (${passagesBefore} → ${reopened.passages} passages)`,
      );
    failures.push(...reopened.problems.map((p) => `after the ${damage} index: ${p}`));
  }

  const written = whole.atNewVersion;
  return {
    run,
    aimed: killed.aimed,
    finishedBeforeKill: killed.finishedFirst,
    killedAfterCommitMs: killed.killedAfterCommitMs,
    written,
    inWriteWindow: !killed.finishedFirst && killed.killedAfterCommitMs !== null,
    damage,
    failures,
    seconds: (performance.now() - started) / 1000,
    timing: rerun.timing,
  };
}

function describe(r: RunResult): string {
  const kill = r.finishedBeforeKill
    ? 'finished before the kill'
    : `killed ${r.killedAfterCommitMs === null ? 'before the first commit' : `${r.killedAfterCommitMs} ms after the first commit`} (${r.aimed ? 'aimed' : 'random'})`;
  const window = r.inWriteWindow ? ', in the write window' : '';
  const damage = r.damage ? `; index ${r.damage} → rebuilt` : '';
  const verdict = r.failures.length === 0 ? 'ok' : `FAILED\n    ${r.failures.join('\n    ')}`;
  return `run ${String(r.run).padStart(3)}: ${kill}, ${r.written}/${ARTICLES} written${window}${damage}  ${r.seconds.toFixed(1)} s  ${verdict}`;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const random = seededRandom(options.seed);
  const started = performance.now();
  const model = await tinyModel();
  const root = mkdtempSync(join(tmpdir(), 'citebot-crash-'));
  const dirs = { corpus: join(root, 'corpus'), data: join(root, 'data'), model };
  mkdirSync(dirs.data);
  try {
    // Run 0 is a whole ingest: the first versions of the replaced articles, and the timing of the write phase.
    writeCorpus(dirs.corpus, 0);
    const first = await ingestToEnd(dirs.corpus, dirs.data, testEnv(dirs.data, dirs.model));
    if (first.error) throw new Error(`the first, unkilled ingest failed: ${first.error}`);
    if (!options.json)
      console.log(
        `corpus: ${ARTICLES} articles a run (${REPLACED} replaced, ${ARTICLES - REPLACED} new); an ingest takes ${(first.timing.startupMs / 1000).toFixed(1)} s to its first commit and writes for ${Math.round(first.timing.writeMs)} ms`,
      );
    const results: RunResult[] = [];
    let timing = first.timing;
    for (let run = 1; run <= options.runs; run++) {
      const result = await oneRun(run, dirs, timing, random);
      results.push(result);
      if (result.timing.writeMs > 0) timing = result.timing;
      const { timing: _timing, ...line } = result;
      console.log(options.json ? JSON.stringify(line) : describe(result));
    }
    const summary = {
      runs: results.length,
      killed: results.filter((r) => !r.finishedBeforeKill).length,
      killsInWriteWindow: results.filter((r) => r.inWriteWindow).length,
      killsMidCorpus: results.filter((r) => r.inWriteWindow && r.written < ARTICLES).length,
      indexDamaged: results.filter((r) => r.damage).length,
      failedRuns: results.filter((r) => r.failures.length > 0).length,
      seconds: Math.round((performance.now() - started) / 100) / 10,
      seed: options.seed,
    };
    console.log(
      options.json
        ? JSON.stringify({ summary })
        : `\n${summary.runs} runs, ${summary.killed} killed, ${summary.killsInWriteWindow} in the write window (${summary.killsMidCorpus} with the corpus partly written), ${summary.indexDamaged} with a damaged index; ${summary.failedRuns} failed (${summary.seconds} s, seed ${summary.seed})`,
    );
    if (summary.failedRuns > 0) process.exitCode = 1;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
