/** The store as a whole: backup, restore, migrate-to-postgres, export, reindex. */
import type { Command } from 'commander';
import { loadConfig, storeFile } from '../config.ts';
import { openEngine } from '../engine.ts';
import { isCitebotError } from '../errors.ts';
import { escapeForTerminal, terminalSafeJson } from '../format/terminal.ts';
import { backupStore, restoreStore } from '../store/backup.ts';
import { exportArticles } from '../store/export.ts';
import { migrateToPostgres } from '../store/postgres/migrate.ts';
import { usePgTools } from '../store/postgres/pg-tools.ts';
import { collectionOf, type Common } from './options.ts';
import { notice, print, progressBar } from './output.ts';

export function addStoreCommands(program: Command): void {
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
}
