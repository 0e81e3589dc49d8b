/** `ingest`: files, folders, globs, stdin, http(s) URLs and URL lists into a collection. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { UserError } from '../errors.ts';
import { fetchUrl } from '../ingest/fetch-url.ts';
import { readArticleInputs, urlsInList } from '../ingest/files.ts';
import { OffThreadParser } from '../ingest/parse-off-thread.ts';
import { formatIngest } from '../format/text.ts';
import { collectionOf, type Common } from './options.ts';
import { print, progressBar } from './output.ts';
import { withEngine } from './session.ts';

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

/** Reads the inputs on the parse worker: an input that overruns PARSE_TIMEOUT_MS is skipped with the reason, as in the bot. */
async function readInputs(inputs: string[]): ReturnType<typeof readArticleInputs> {
  const config = loadConfig(process.env);
  const maxBytes = config.maxArticleBytes;
  const parser = new OffThreadParser(config.parseTimeoutMs);
  try {
    return await readArticleInputs(inputs, {
      maxBytes,
      parse: (input, limits, skipped) => parser.parse(input, limits, skipped),
      fetchUrl: (url) => fetchUrl(url, { maxBytes, allowPrivateHosts: config.allowPrivateHosts }),
    });
  } finally {
    await parser.close();
  }
}

export function addIngestCommand(program: Command): void {
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
      const read = await readInputs(inputs);
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
}
