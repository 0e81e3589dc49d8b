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
 * With --bot, the process killed is a running bot (src/bot/main.ts against the Discord emulator)
 * in the middle of a moderator's /ingest of the same 200 articles as one NDJSON attachment, and the
 * re-run is a fresh bot's /ingest (see crash-targets.ts).
 *
 *   npm run test:crash -- --runs 10            readable lines and a summary
 *   npm run test:crash -- --runs 4 --bot       kills a running bot's /ingest instead of the CLI's
 *   npm run test:crash -- --runs 10 --json     one JSON line per run, then the summary
 *   npm run test:crash -- --runs 10 --seed 7   another sequence of kill points
 */
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '../../src/seeded-random.ts';
import { storeFileIn } from '../../test/helpers/sqlite-store.ts';
import { testEnv, tinyModel } from '../../test/helpers/engine.ts';
import {
  ARTICLES,
  corpusOf,
  damageIndex,
  integrity,
  leftovers,
  openAndCompare,
  passageCount,
  REPLACED,
  wholeness,
} from './crash-checks.ts';
import { botTarget, cliTarget, type Target } from './crash-targets.ts';

/** Share of runs killed at a delay after the first commit (the rest at a random time from spawn). */
const AIMED_SHARE = 0.8;
const DAMAGE_EVERY = 3;
const POLL_MS = 5;

interface Options {
  runs: number;
  json: boolean;
  seed: number;
  bot: boolean;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { runs: 10, json: false, seed: 1, bot: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') options.json = true;
    else if (arg === '--bot') options.bot = true;
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
  console.error(`${problem}\nusage: npm run test:crash -- [--runs N] [--seed S] [--bot] [--json]`);
  process.exit(2);
}

// ---- the child process ---------------------------------------------------------------------

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
  target: Target,
  corpus: string,
  dataDir: string,
  env: NodeJS.ProcessEnv,
): Promise<{ timing: Timing; error: string | null }> {
  const started = performance.now();
  const before = generationOf(dataDir);
  const child = target.start(corpus, env, ARTICLES);
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
  return { timing, error: result.error };
}

/** Kills an ingest at a random point: after the first commit plus a delay within the measured write phase, or at a plain random time. */
async function ingestKilled(
  target: Target,
  corpus: string,
  dataDir: string,
  env: NodeJS.ProcessEnv,
  timing: Timing,
  random: () => number,
): Promise<{ aimed: boolean; killedAfterCommitMs: number | null; finishedFirst: boolean }> {
  const aimed = random() < AIMED_SHARE;
  const before = generationOf(dataDir);
  const child = target.start(corpus, env, ARTICLES);
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
  target: Target,
  run: number,
  dirs: { corpus: string; data: string; model: string },
  timing: Timing,
  random: () => number,
): Promise<RunResult> {
  const started = performance.now();
  const env = testEnv(dirs.data, dirs.model);
  const failures: string[] = [];
  target.writeCorpus(dirs.corpus, corpusOf(run));
  const killed = await ingestKilled(target, dirs.corpus, dirs.data, env, timing, random);

  const broken = integrity(dirs.data);
  if (broken) failures.push(broken);
  const whole = wholeness(dirs.data, run, killed.finishedFirst);
  failures.push(...whole.problems.slice(0, 5));
  if (whole.problems.length > 5) failures.push(`… and ${whole.problems.length - 5} more articles not whole`);
  const opened = await openAndCompare(dirs.data, dirs.model);
  failures.push(...opened.problems);
  const left = leftovers(dirs.data);
  if (left.length > 0) failures.push(`temporary files left after the next open: ${left.join(', ')}`);

  const rerun = await ingestToEnd(target, dirs.corpus, dirs.data, env);
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
  const target = options.bot ? await botTarget() : cliTarget;
  try {
    // Run 0 is a whole ingest: the first versions of the replaced articles, and the timing of the write phase.
    target.writeCorpus(dirs.corpus, corpusOf(0));
    const first = await ingestToEnd(target, dirs.corpus, dirs.data, testEnv(dirs.data, dirs.model));
    if (first.error) throw new Error(`the first, unkilled ingest failed: ${first.error}`);
    if (!options.json)
      console.log(
        `${target.name === 'bot' ? "killing a running bot's /ingest" : "killing the CLI's ingest"}; corpus: ${ARTICLES} articles a run (${REPLACED} replaced, ${ARTICLES - REPLACED} new); an ingest takes ${(first.timing.startupMs / 1000).toFixed(1)} s to its first commit and writes for ${Math.round(first.timing.writeMs)} ms`,
      );
    const results: RunResult[] = [];
    let timing = first.timing;
    for (let run = 1; run <= options.runs; run++) {
      const result = await oneRun(target, run, dirs, timing, random);
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
      target: target.name,
    };
    console.log(
      options.json
        ? JSON.stringify({ summary })
        : `\n${summary.runs} runs, ${summary.killed} killed, ${summary.killsInWriteWindow} in the write window (${summary.killsMidCorpus} with the corpus partly written), ${summary.indexDamaged} with a damaged index; ${summary.failedRuns} failed (${summary.seconds} s, seed ${summary.seed})`,
    );
    if (summary.failedRuns > 0) process.exitCode = 1;
  } finally {
    await target.close();
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
