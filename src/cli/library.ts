/** Reading the library: ask, sources, show, stats, calibrate and questions; and remove. */
import type { Command } from 'commander';
import { formatAnswer, formatArticleParagraphs, formatQuestions, formatSources, formatStats } from '../format/text.ts';
import { parseArticleFilter } from '../search/filter.ts';
import { LIBRARY_COLLECTION } from '../types.ts';
import {
  collectionOf,
  SINCE_OPTION,
  SOURCE_OPTION,
  UNTIL_OPTION,
  wholeNumber,
  wholeOrZero,
  type Common,
  type FilterOptions,
} from './options.ts';
import { sourcesFeeds, statsFeeds } from '../cli-feeds.ts';
import { addCalibrateCommand, calibrateIfNeeded } from './calibrate.ts';
import { notice, print, stdoutStyle } from './output.ts';
import { autoIngestExamples, withEngine } from './session.ts';

export function addLibraryCommands(program: Command): void {
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

  addCalibrateCommand(program);

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
}
