/**
 * The command line: ingest, ask, sources, remove, stats, questions, reindex, backup, restore, export, feeds. Works with no Discord.
 * Answers go to stdout (one JSON object with --json); notices, progress and errors to stderr.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
import { config as loadDotenv } from 'dotenv';
import { loadConfig, storeFile } from './config.ts';
import { openEngine, type CitebotEngine } from './engine.ts';
import type { IngestProgress } from './engine-api.ts';
import { readFileSync } from 'node:fs';
import { errorJson, isCitebotError, UserError } from './errors.ts';
import { fetchUrl } from './ingest/fetch-url.ts';
import { readArticleInputs } from './ingest/files.ts';
import { escapeForTerminal, terminalSafeJson, toTerminal } from './format/terminal.ts';
import {
  ANSI,
  PLAIN,
  formatAnswer,
  formatArticleParagraphs,
  formatIngest,
  formatQuestions,
  formatSources,
  formatStats,
  type TextStyle,
} from './format/text.ts';
import { addFeedCommands, sourcesFeeds, statsFeeds } from './cli-feeds.ts';
import { urlsInList } from './ingest/files.ts';
import { backupStore, restoreStore } from './store/backup.ts';
import { usePgTools } from './store/postgres/pg-tools.ts';
import { migrateToPostgres } from './store/postgres/migrate.ts';
import { exportArticles } from './store/export.ts';
import { parseArticleFilter } from './search/filter.ts';
import { LIBRARY_COLLECTION } from './types.ts';
import { selfCalibrate } from './eval/self-calibrate.ts';
import type { Calibration } from './search/calibration.ts';

loadDotenv({ quiet: true });

interface Common {
  json?: boolean;
  guild?: string;
}

const colorOut = (): boolean => Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
const stdoutStyle = (): TextStyle => (colorOut() ? ANSI(Math.min(process.stdout.columns || 100, 110)) : PLAIN);

// Everything written goes through src/format/terminal.ts: titles, passages, questions and file
// names come from articles and Discord members, and must not drive the operator's terminal.
function notice(message: string): void {
  process.stderr.write(`citebot: ${escapeForTerminal(message)}\n`);
}

/** The text of a URL list file; `-` reads stdin. */
function readUrlList(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new UserError(
      'file_unreadable',
      `can't read the URL list ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'}); give a text file with one URL a line`,
      { cause: error },
    );
  }
}

function collectionOf(options: Common): string {
  return options.guild ?? LIBRARY_COLLECTION;
}

function print(json: boolean | undefined, data: unknown, text: string): void {
  process.stdout.write(json ? `${terminalSafeJson(data)}\n` : `${toTerminal(text, colorOut())}\n`);
}

/** A progress bar on stderr for interactive runs; silent for scripts and --json. */
function progressBar(
  enabled: boolean,
  label: string,
  unit = 'passages',
): { update: (p: IngestProgress) => void; stop: () => void } {
  if (!enabled || !process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {duration}s`,
      stream: process.stderr,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update: ({ done, total }) => {
      if (!started) {
        bar.start(total, done);
        started = true;
      } else bar.update(done);
    },
    stop: () => started && bar.stop(),
  };
}

/** Runs `fn` on an engine; `storeOnly` for commands that only read articles or the question log (no model, no index). */
async function withEngine<T>(
  fn: (engine: CitebotEngine) => Promise<T>,
  options: { storeOnly?: boolean } = {},
): Promise<T> {
  const engine = await openEngine(loadConfig(process.env), { notice, storeOnly: options.storeOnly });
  const reason = engine.model().reason;
  if (reason) notice(reason);
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}

/** The options that limit a question or a listing to some articles (checked by parseArticleFilter). */
interface FilterOptions {
  since?: string;
  until?: string;
  source?: string;
}
const SINCE_OPTION = [
  '--since <date>',
  'only articles dated on or after this day (2022-01-10; 2022-01 or 2022 for the first day)',
] as const;
const UNTIL_OPTION = [
  '--until <date>',
  'only articles dated on or before this day (2022-01-10; 2022-01 or 2022 for the last day)',
] as const;
const SOURCE_OPTION = ['--source <text>', 'only articles whose source contains this (case ignored)'] as const;

function wholeOrZero(max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > max)
      throw new InvalidArgumentError(`expected a whole number from 0 to ${max}`);
    return n;
  };
}

function wholeNumber(max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max)
      throw new InvalidArgumentError(`expected a whole number from 1 to ${max}`);
    return n;
  };
}

/** A model with no calibration for its weights calibrates itself on first use, once (src/eval/self-calibrate.ts). */
async function calibrateIfNeeded(engine: CitebotEngine, json: boolean | undefined): Promise<void> {
  if (!engine.needsCalibration()) return;
  notice(
    `${engine.model().id} has no calibrated answer threshold yet: calibrating it on the bundled question sets (once; npm run calibrate redoes it)`,
  );
  const calibration = await runSelfCalibration(engine, !json);
  notice(`calibrated ${engine.model().id}: threshold ${calibration.threshold}, floor ${calibration.floor}`);
}

/** Self-calibration with one progress bar per phase (indexing a set, asking its questions). */
export async function runSelfCalibration(engine: CitebotEngine, showProgress: boolean): Promise<Calibration> {
  let phase = '';
  let bar = progressBar(false, '');
  try {
    return await selfCalibrate(engine, {
      notice,
      onProgress: (name, done, total) => {
        if (name !== phase) {
          bar.stop();
          phase = name;
          bar = progressBar(showProgress, `Calibrating: ${name}`, 'items');
        }
        bar.update({ done, total });
      },
    });
  } finally {
    bar.stop();
  }
}

async function autoIngestExamples(engine: CitebotEngine, json: boolean | undefined): Promise<void> {
  const bar = progressBar(!json, 'Indexing examples');
  const examples = await engine.ingestExamplesIfEmpty(bar.update);
  bar.stop();
  if (examples) {
    const passages = examples.outcomes.reduce((sum, o) => sum + o.passages, 0);
    notice(
      `the library was empty, so the ${examples.outcomes.length} bundled example articles were indexed first (${passages} passages, model ${engine.model().id})`,
    );
    for (const s of examples.skipped) notice(`skipped example ${s.name}: ${s.reason}`);
  }
}

export function buildProgram(): Command {
  const program = new Command()
    .name('citebot')
    .description('Cited answers from your articles, embedded locally.')
    .showHelpAfterError('(run with --help for usage)')
    // Throw instead of exiting, so main() gives usage errors their documented exit code 2.
    .exitOverride();

  program
    .command('ingest')
    .description('add or update articles from files, folders, globs, http(s) URLs or - (stdin)')
    .argument(
      '[inputs...]',
      'files (.txt .md .html .json .ndjson .pdf .docx), folders, glob patterns, http(s) URLs, or - for stdin',
    )
    .option('--urls <file>', 'a file of URLs to fetch, one a line (# starts a comment)')
    .option('--guild <id>', "a Discord server's collection instead of the operator's library")
    .option('--json', 'print one JSON object')
    .action(async (given: string[], options: Common & { urls?: string }) => {
      const list = options.urls ? urlsInList(readUrlList(options.urls)) : { urls: [], skipped: [] };
      const inputs = [...given, ...list.urls];
      if (inputs.length === 0 && list.skipped.length === 0)
        throw new UserError('parse_failed', 'give files, folders, URLs or --urls <file> to ingest');
      // The inputs are read before the model is loaded: rejecting an empty or binary file then
      // costs milliseconds, not the model's seconds and hundreds of MB.
      const config = loadConfig(process.env);
      const maxBytes = config.maxArticleBytes;
      const read = await readArticleInputs(inputs, {
        maxBytes,
        fetchUrl: (url) => fetchUrl(url, { maxBytes, allowPrivateHosts: config.allowPrivateHosts }),
      });
      const skipped = [...list.skipped, ...read.skipped];
      if (read.articles.length === 0) {
        print(options.json, { collection: collectionOf(options), articles: [], skipped }, formatIngest([], skipped));
        process.exitCode = 2;
        return;
      }
      await withEngine(async (engine) => {
        const bar = progressBar(!options.json, 'Embedding');
        const outcomes = await engine.ingest(read.articles, collectionOf(options), bar.update);
        bar.stop();
        print(
          options.json,
          { collection: collectionOf(options), articles: outcomes, skipped },
          formatIngest(outcomes, skipped),
        );
      });
    });

  program
    .command('ask')
    .description('answer a question with cited passages')
    .argument('<question...>', 'the question (quotes optional)')
    .option('-k, --k <n>', 'passages to show', wholeNumber(50), 3)
    .option('--guild <id>', "also search this Discord server's collection")
    .option(...SINCE_OPTION)
    .option(...UNTIL_OPTION)
    .option(...SOURCE_OPTION)
    .option('--json', 'print one JSON object')
    .action(async (words: string[], options: Common & FilterOptions & { k: number }) => {
      const filter = parseArticleFilter(options);
      await withEngine(async (engine) => {
        await calibrateIfNeeded(engine, options.json);
        await autoIngestExamples(engine, options.json);
        const collections = options.guild ? [LIBRARY_COLLECTION, options.guild] : [LIBRARY_COLLECTION];
        const result = await engine.ask(words.join(' '), { collections, k: options.k, filter });
        const { question, answered, answer, passages } = result;
        print(
          options.json,
          { question, answered, answer, passages, filter: result.filter },
          formatAnswer(result, stdoutStyle()),
        );
      });
    });

  program
    .command('sources')
    .description('list the articles in a collection')
    .option('--guild <id>', "a Discord server's collection")
    .option('--search <text>', 'only titles or ids containing this')
    .option(...SINCE_OPTION)
    .option(...UNTIL_OPTION)
    .option(...SOURCE_OPTION)
    .option('--json', 'print one JSON object')
    .action(async (options: Common & FilterOptions & { search?: string }) => {
      const filter = parseArticleFilter(options);
      await withEngine(
        async (engine) => {
          const articles = await engine.listArticles(collectionOf(options), { search: options.search, filter });
          // Which feed each article came from, and the feeds' health (src/cli-feeds.ts).
          const fed = await sourcesFeeds(articles, collectionOf(options));
          print(
            options.json,
            { collection: collectionOf(options), articles: fed.articles, feeds: fed.feeds },
            [formatSources(articles, articles.length, fed.feedOf), fed.section].filter(Boolean).join('\n'),
          );
        },
        { storeOnly: true },
      );
    });

  program
    .command('remove')
    .description('remove an article (by id, or a unique part of its title) and its passages')
    .argument('<article>', 'article id or title')
    .option('--guild <id>', "a Discord server's collection")
    .option('--json', 'print one JSON object')
    .action(async (article: string, options: Common) =>
      withEngine(async (engine) => {
        const removed = await engine.removeArticle(collectionOf(options), article);
        if (!removed) {
          process.exitCode = 2;
          notice(`no article "${article}" in ${collectionOf(options)}; list them with: npm run sources`);
        }
        print(
          options.json,
          { removed },
          removed ? `removed ${removed.title} (${removed.passages} passages) [${removed.id}]` : '',
        );
      }),
    );

  program
    .command('show')
    .description(
      'print an article (by id, or a unique part of its title) with its paragraphs numbered as citations number them',
    )
    .argument('<article>', 'article id or title')
    .option('--paragraph <n>', 'only this paragraph (in bold) and its neighbours', wholeNumber(100_000))
    .option('--context <n>', 'neighbours on each side of --paragraph', wholeOrZero(50), 1)
    .option('--guild <id>', "a Discord server's collection")
    .option('--json', 'print one JSON object')
    .action(async (article: string, options: Common & { paragraph?: number; context: number }) =>
      withEngine(
        async (engine) => {
          const around =
            options.paragraph === undefined ? undefined : { paragraph: options.paragraph, radius: options.context };
          const view = await engine.articleParagraphs([collectionOf(options)], article, around);
          if (!view) {
            process.exitCode = 2;
            notice(`no article "${article}" in ${collectionOf(options)}; list them with: npm run sources`);
            return;
          }
          print(options.json, view, formatArticleParagraphs(view, stdoutStyle()));
        },
        { storeOnly: true },
      ),
    );

  program
    .command('stats')
    .description('articles, passages, model, index size, questions and feedback')
    .option('--guild <id>', "one Discord server's collection")
    .option('--json', 'print one JSON object')
    .action(async (options: Common) =>
      withEngine(async (engine) => {
        const stats = await engine.stats(options.guild);
        const fed = await statsFeeds(collectionOf(options));
        print(
          options.json,
          { ...stats, feeds: fed.feeds },
          [formatStats(stats), fed.section].filter(Boolean).join('\n'),
        );
      }),
    );

  program
    .command('calibrate')
    .description(
      'choose the answer threshold and floor for the model in use on the bundled question sets, and keep them in the store (done on first use; this redoes it)',
    )
    .option('--json', 'print the calibration as one JSON object')
    .action(async (options: Common) =>
      withEngine(async (engine) => {
        const calibration = await runSelfCalibration(engine, !options.json);
        print(
          options.json,
          calibration,
          `calibrated ${calibration.model} on ${calibration.sets.join(', ')}: threshold ${calibration.threshold}, floor ${calibration.floor} (kept in the store; used from now on)`,
        );
      }),
    );

  program
    .command('questions')
    .description('what people asked in Discord, newest first, with votes (for editors)')
    .option('--guild <id>', "one Discord server's questions (default: every server and DMs)")
    .option('--unanswered', 'only questions no passage answered')
    .option('--downvoted', 'only questions whose reply got a 👎')
    .option('--limit <n>', 'at most this many (1–10000)', wholeNumber(10_000), 50)
    .option(
      '--before <id>',
      'only questions logged before this one (the next page: the last id printed)',
      wholeNumber(Number.MAX_SAFE_INTEGER),
    )
    .option('--json', 'print one JSON object')
    .action(
      async (options: {
        guild?: string;
        unanswered?: boolean;
        downvoted?: boolean;
        limit: number;
        before?: number;
        json?: boolean;
      }) =>
        withEngine(
          async (engine) => {
            const { unanswered, downvoted, limit, before: beforeId } = options;
            const questions = await engine.questions(options.guild, { unanswered, downvoted, limit, beforeId });
            print(options.json, { questions }, formatQuestions(questions));
          },
          { storeOnly: true },
        ),
    );

  program
    .command('backup')
    .description('write a consistent copy of the store (articles, passages, vectors, question log) while the bot runs')
    .argument('<file>', 'where to write the copy, e.g. backups/citebot-2026-11-25.db')
    .option('--force', 'replace the file if it exists')
    .option('--json', 'print one JSON object')
    .action(async (file: string, options: { force?: boolean; json?: boolean }) => {
      const config = loadConfig(process.env);
      if (config.databaseUrl) throw usePgTools('backup', config.databaseUrl);
      const bar = progressBar(!options.json, 'Backing up', 'pages');
      const result = await backupStore(storeFile(config), file, {
        force: options.force,
        onProgress: (done, total) => bar.update({ done, total }),
      });
      bar.stop();
      print(
        options.json,
        result,
        `backed up ${result.articles} articles (${result.passages} passages, ${(result.bytes / 2 ** 20).toFixed(1)} MiB) to ${result.file} in ${result.seconds.toFixed(1)} s\n` +
          `To restore it: stop citebot, then run \`npm run cli -- restore ${result.file}\`.`,
      );
    });

  program
    .command('restore')
    .description('put a backup in place of the store (stop the bot first); the current store is kept beside it')
    .argument('<file>', 'a file written by backup')
    .option('--json', 'print one JSON object')
    .action(async (file: string, options: { json?: boolean }) => {
      const config = loadConfig(process.env);
      if (config.databaseUrl) throw usePgTools('restore', config.databaseUrl);
      const bar = progressBar(!options.json, 'Restoring', 'pages');
      const result = await restoreStore(storeFile(config), file, {
        onProgress: (done, total) => bar.update({ done, total }),
      });
      bar.stop();
      print(
        options.json,
        result,
        `restored ${result.articles} articles (${result.passages} passages${result.model ? `, embedded with ${result.model}` : ''}) from ${result.from} in ${result.seconds.toFixed(1)} s\n` +
          (result.previous
            ? `The store it replaced is kept at ${result.previous}; delete it once you are happy.\n`
            : '') +
          'The search index is rebuilt from the restored store when citebot next starts (about a minute per 100,000 passages; the bot answers meanwhile).',
      );
    });

  program
    .command('migrate-to-postgres')
    .description(
      'copy the SQLite store of DATA_DIR into the empty PostgreSQL database of DATABASE_URL (stop the bot first)',
    )
    .option('--json', 'print one JSON object')
    .action(async (options: { json?: boolean }) => {
      const bar = progressBar(!options.json, 'Copying', 'articles');
      const report = await migrateToPostgres(loadConfig(process.env), {
        onProgress: (done, total) => bar.update({ done, total }),
      });
      bar.stop();
      print(
        options.json,
        report,
        `copied ${report.articles} articles (${report.passages} passages, ${report.collections} collections${report.model ? `, embedded with ${report.model}` : ''}) from ${report.from} to ${report.to} in ${report.seconds.toFixed(1)} s; the counts match.\n` +
          'Start citebot with DATABASE_URL set to use it. The question log and votes stay in the SQLite store.',
      );
    });

  program
    .command('export')
    .description("write a collection's articles as NDJSON, the format ingest reads back")
    .argument('[file]', 'where to write, e.g. articles.ndjson (default: standard output)')
    .option('--guild <id>', "a Discord server's collection")
    .option('--force', 'replace the file if it exists')
    .option('--json', 'print the summary as one JSON object')
    .action(async (file: string | undefined, options: Common & { force?: boolean }) => {
      const toStdout = file === undefined || file === '-';
      const result = await exportArticles(
        storeFile(loadConfig(process.env)),
        collectionOf(options),
        toStdout ? null : file,
        process.stdout,
        { force: options.force },
      );
      const summary = `exported ${result.articles} ${result.articles === 1 ? 'article' : 'articles'} of ${result.collection}${result.file ? ` to ${result.file}` : ''} (${(result.bytes / 2 ** 20).toFixed(1)} MiB)`;
      // On standard output the articles are the output; the summary goes beside them, to stderr.
      if (toStdout)
        process.stderr.write(
          options.json ? `${terminalSafeJson(result)}\n` : `citebot: ${escapeForTerminal(summary)}\n`,
        );
      else
        print(
          options.json,
          result,
          `${summary}\nTo load them into a data directory or another server's collection: npm run ingest -- ${result.file} [--guild ID]`,
        );
    });

  program
    .command('reindex')
    .description('re-embed every article, e.g. with another model')
    .option('--model <name>', 'auto, minilm, use-lite, keyword, a hub id, or MODEL_DIR', 'auto')
    .option('--json', 'print one JSON object')
    .action(async (options: { model: string; json?: boolean }) => {
      // Open with the requested model allowed, so a mismatch doesn't block its own fix.
      const engine = await openEngine(loadConfig({ ...process.env, EMBEDDING_MODEL: 'auto' }), { notice }).catch(
        async (error: unknown) => {
          if (isCitebotError(error) && (error.code === 'model_missing' || error.code === 'index_model_mismatch')) {
            return openEngine(loadConfig({ ...process.env, EMBEDDING_MODEL: 'keyword', MODEL_DIR: '' }), {
              notice,
              ignoreRecordedModel: true,
            });
          }
          throw error;
        },
      );
      try {
        const bar = progressBar(!options.json, 'Re-embedding');
        const result = await engine.reindex(options.model, bar.update);
        bar.stop();
        print(
          options.json,
          result,
          `reindexed ${result.articles} articles (${result.passages} passages): ${result.from} → ${result.to}`,
        );
      } finally {
        await engine.close();
      }
    });

  addFeedCommands(program, { withEngine, print, progressBar, notice });
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed the message (or the help) already; 0 is --help and --version.
      process.exitCode = error.exitCode === 0 ? 0 : 2;
    } else if ((error as NodeJS.ErrnoException).code === 'EPIPE') {
      // The reader stopped early (`export | head`): like other command-line tools, stop quietly.
      process.exitCode = 0;
    } else if (argv.includes('--json')) {
      // Scripts read stdout: the failure is one JSON object there too, and the exit code says it failed.
      process.stdout.write(`${terminalSafeJson(errorJson(error))}\n`);
      process.exitCode = isCitebotError(error) ? error.exitCode : 1;
    } else if (isCitebotError(error)) {
      process.stderr.write(`citebot: ${escapeForTerminal(error.message)}\n`);
      process.exitCode = error.exitCode;
    } else {
      process.stderr.write(
        `citebot: unexpected error: ${escapeForTerminal(error instanceof Error ? (error.stack ?? error.message) : String(error))}\n`,
      );
      process.exitCode = 1;
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/src/cli.ts')) {
  await main(process.argv);
}
