/**
 * `citebot feeds …`: follow feeds and sitemaps from the command line, poll them now with a
 * progress bar and a summary, or run the scheduler on its own (`feeds watch`) without the bot.
 */
import type { Command } from 'commander';
import { loadConfig } from './config.ts';
import type { CitebotEngine } from './engine.ts';
import type { ArticleSummary, IngestProgress } from './engine-api.ts';
import { Feeds } from './ingest/feeds/feeds.ts';
import { articleFeeds, feedName, feedsOfCollections } from './ingest/feeds/provenance.ts';
import { parseInterval } from './ingest/feeds/scheduler.ts';
import { formatFeedList, formatFeedsSection, formatPollSummary } from './format/feeds.ts';
import { openFeedStore } from './store/feed-store.ts';
import type { FollowedFeed } from './store/store-api.ts';
import { LIBRARY_COLLECTION, type CollectionId } from './types.ts';

export interface CliHelpers {
  withEngine<T>(fn: (engine: CitebotEngine) => Promise<T>, options?: { storeOnly?: boolean }): Promise<T>;
  print(json: boolean | undefined, data: unknown, text: string): void;
  progressBar(
    enabled: boolean,
    label: string,
    unit?: string,
  ): { update: (p: IngestProgress) => void; stop: () => void };
  notice(message: string): void;
}

interface FeedOptions {
  guild?: string;
  json?: boolean;
}

async function withFeeds<T>(
  h: CliHelpers,
  fn: (feeds: Feeds, engine: CitebotEngine) => Promise<T>,
  options: { storeOnly?: boolean } = {},
): Promise<T> {
  return h.withEngine(async (engine) => {
    const feeds = Feeds.open(engine, loadConfig(process.env));
    try {
      return await fn(feeds, engine);
    } finally {
      await feeds.close();
    }
  }, options);
}

export function addFeedCommands(program: Command, h: CliHelpers): void {
  const feeds = program
    .command('feeds')
    .description('follow RSS, Atom and JSON feeds and sitemaps; their new articles are indexed by themselves');

  feeds
    .command('add')
    .description('follow a feed or sitemap (polled by the bot, or by feeds watch / feeds poll)')
    .argument('<url>', 'the feed or sitemap address')
    .option('--guild <id>', "fill a Discord server's collection instead of the operator's library")
    .option('--every <interval>', 'how often to poll it: 15m (default), 1h, 1d; at least 5m', '15m')
    .option('--source <name>', "credit its articles to this source (default: the feed's title)")
    .option('--json', 'print one JSON object')
    .action(async (url: string, options: FeedOptions & { every: string; source?: string }) => {
      const everyMs = parseInterval(options.every);
      await withFeeds(
        h,
        async (f) => {
          const feed = await f.add(url, {
            collection: options.guild ?? LIBRARY_COLLECTION,
            everyMs,
            sourceName: options.source ?? null,
          });
          h.print(
            options.json,
            { feed },
            `Following [${feed.id}] ${feed.url}; first poll with: npm run cli -- feeds poll ${feed.id}`,
          );
        },
        { storeOnly: true },
      );
    });

  feeds
    .command('list')
    .description('the followed feeds with their health (last success, last error, articles)')
    .option('--guild <id>', "only this Discord server's feeds")
    .option('--json', 'print one JSON object')
    .action(async (options: FeedOptions) =>
      withFeeds(
        h,
        async (f) => {
          const list = await f.store.listFeeds(options.guild);
          h.print(options.json, { feeds: list }, formatFeedList(list));
        },
        { storeOnly: true },
      ),
    );

  feeds
    .command('remove')
    .description('stop following a feed (its articles stay; remove them with remove)')
    .argument('<id-or-url>', 'the id from feeds list, or the address')
    .option('--guild <id>', "among this Discord server's feeds")
    .option('--json', 'print one JSON object')
    .action(async (idOrUrl: string, options: FeedOptions) =>
      withFeeds(
        h,
        async (f) => {
          const feed = await f.remove(idOrUrl, options.guild);
          h.print(
            options.json,
            { removed: feed },
            `No longer following [${feed.id}] ${feed.url} (its ${feed.items} article(s) stay)`,
          );
        },
        { storeOnly: true },
      ),
    );

  feeds
    .command('poll')
    .description('poll now: one feed, or every followed feed, whether due or not')
    .argument('[id-or-url]', 'one feed (default: all)')
    .option('--guild <id>', "only this Discord server's feeds")
    .option('--json', 'print one JSON object')
    .action(async (idOrUrl: string | undefined, options: FeedOptions) =>
      withFeeds(h, async (f) => {
        const targets = idOrUrl ? [await f.find(idOrUrl, options.guild)] : await f.store.listFeeds(options.guild);
        const bar = h.progressBar(!options.json, 'Polling', 'feeds');
        let done = 0;
        bar.update({ done, total: targets.length });
        const results = await f.pollNow(targets, () => bar.update({ done: ++done, total: targets.length }));
        bar.stop();
        h.print(options.json, { results }, formatPollSummary(results));
        if (results.some((r) => r.status === 'failed')) process.exitCode = 1;
      }),
    );

  feeds
    .command('watch')
    .description('run the feed scheduler until stopped (Ctrl-C), for operators who ingest without the bot')
    .option('--json', 'print one JSON line per poll')
    .action(async (options: FeedOptions) =>
      h.withEngine(async (engine) => {
        const f = Feeds.open(engine, loadConfig(process.env), {
          scheduler: {
            onPoll: (_feed, result) => h.print(options.json, result, formatPollSummary([result])),
            onError: (error) => h.notice(`feed scheduler: ${error instanceof Error ? error.message : String(error)}`),
          },
        });
        h.notice(`watching ${(await f.store.listFeeds()).length} feed(s); Ctrl-C stops`);
        f.scheduler.start();
        await new Promise<void>((resolve) => {
          const stop = (): void => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        await f.close();
      }),
    );
}

/** The feed an article came from, as `sources --json` names it. */
export interface FeedRef {
  id: number;
  name: string;
  url: string;
}

/** What `sources` adds about feeds: the feed of each listed article, and the collection's feeds with their health. */
export interface SourcesFeeds {
  articles: (ArticleSummary & { feed: FeedRef | null })[];
  feeds: FollowedFeed[];
  /** The lines' "via feed [3] City Desk", and the feeds block (empty when no feed fills the collection). */
  feedOf(article: ArticleSummary): string | null;
  section: string;
}

async function withFeedStore<T>(fn: (store: ReturnType<typeof openFeedStore>) => Promise<T>): Promise<T> {
  const store = openFeedStore(loadConfig(process.env));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** For `sources`: which feed each article came from, and the health of the collection's feeds. */
export function sourcesFeeds(articles: readonly ArticleSummary[], collection: CollectionId): Promise<SourcesFeeds> {
  return withFeedStore(async (store) => {
    const of = await articleFeeds(store, articles);
    const feeds = await feedsOfCollections(store, [collection]);
    const ref = (a: ArticleSummary): FeedRef | null => {
      const feed = of.of(a);
      return feed ? { id: feed.id, name: feedName(feed), url: feed.url } : null;
    };
    return {
      articles: articles.map((a) => ({ ...a, feed: ref(a) })),
      feeds,
      feedOf: (a) => {
        const feed = ref(a);
        return feed ? `[${feed.id}] ${feed.name}` : null;
      },
      section: formatFeedsSection(feeds),
    };
  });
}

/** For `stats`: the collection's feeds with their health, and the CLI's text block of them. */
export function statsFeeds(collection: CollectionId): Promise<{ feeds: FollowedFeed[]; section: string }> {
  return withFeedStore(async (store) => {
    const feeds = await feedsOfCollections(store, [collection]);
    return { feeds, section: formatFeedsSection(feeds) };
  });
}
