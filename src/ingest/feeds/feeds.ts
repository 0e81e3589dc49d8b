/**
 * Followed feeds for a process (the CLI's `feeds` commands, `feeds watch`, the bot): the feed
 * store, the politeness gate, the poll dependencies and the scheduler, wired once from the engine
 * and its settings.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT, type EngineConfig } from '../../config.ts';
import type { Engine } from '../../engine-api.ts';
import { UserError } from '../../errors.ts';
import { parseUrl, type GuardedFetchOptions } from '../../net/guarded-fetch.ts';
import { openFeedStore, type OpenFeedStore } from '../../store/feed-store.ts';
import type { FollowedFeed } from '../../store/store-api.ts';
import type { Article, CollectionId } from '../../types.ts';
import { parseInput, type ArticleInput } from '../parse.ts';
import { HostGate } from './host-gate.ts';
import { parseFeedBytes } from './parse-feed.ts';
import type { PollDeps, PollResult } from './poll.ts';
import { DEFAULT_EVERY_MS, FeedScheduler, type SchedulerOptions } from './scheduler.ts';

/** `citebot/<version> (+<operator URL>)`: who is asking, and how to reach them. */
export function userAgent(operatorUrl: string | null): string {
  const { version } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
  return `citebot/${version}${operatorUrl ? ` (+${operatorUrl})` : ''}`;
}

export interface FeedsOptions {
  /** Reads article bytes; default in this thread (the bot passes its parse worker). */
  parse?: (input: ArticleInput) => Promise<Article[]>;
  /** Reads a fetched feed or sitemap; default in this thread (the bot passes its parse worker). */
  parseFeed?: PollDeps['parseFeed'];
  /** Per-host spacing (default 1 s; tests less). */
  hostSpacingMs?: number;
  timeoutMs?: number;
  scheduler?: Omit<SchedulerOptions, 'deps' | 'store'>;
}

export interface AddFeedOptions {
  collection: CollectionId;
  everyMs?: number;
  sourceName?: string | null;
  announceChannel?: string | null;
}

export class Feeds {
  readonly scheduler: FeedScheduler;

  private constructor(
    readonly store: OpenFeedStore,
    readonly deps: PollDeps,
    schedulerOptions: FeedsOptions['scheduler'],
  ) {
    this.scheduler = new FeedScheduler({ ...schedulerOptions, deps, store });
  }

  static open(engine: Pick<Engine, 'ingest'>, config: EngineConfig, options: FeedsOptions = {}): Feeds {
    const fetch: GuardedFetchOptions = {
      allowPrivateHosts: config.allowPrivateHosts,
      userAgent: userAgent(config.operatorUrl),
      timeoutMs: options.timeoutMs ?? 15_000,
    };
    const store = openFeedStore(config);
    const maxBytes = config.maxArticleBytes;
    const deps: PollDeps = {
      store,
      ingest: (articles, collection) => engine.ingest(articles, collection),
      parse: options.parse ?? ((input) => parseInput(input, { maxBytes })),
      parseFeed: options.parseFeed ?? (async (body, charset, shown) => parseFeedBytes(body, charset, shown)),
      gate: new HostGate({
        fetch,
        ...(options.hostSpacingMs === undefined ? {} : { spacingMs: options.hostSpacingMs }),
      }),
      fetch,
      maxNewItems: config.feedMaxNewItems,
      maxArticleBytes: maxBytes,
    };
    return new Feeds(store, deps, options.scheduler);
  }

  /** Follows a feed; its first poll is due at once. Throws `url_refused` for a URL the guard refuses outright. */
  async add(url: string, options: AddFeedOptions): Promise<FollowedFeed> {
    const parsed = parseUrl(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new UserError(
        'url_refused',
        `refused to follow ${parsed.protocol}// URLs; only http and https feeds can be followed`,
      );
    }
    const feed = await this.store.addFeed({
      url: parsed.href,
      collection: options.collection,
      sourceName: options.sourceName?.trim() || null,
      everyMs: options.everyMs ?? DEFAULT_EVERY_MS,
      announceChannel: options.announceChannel ?? null,
    });
    this.scheduler.wake();
    return feed;
  }

  /** A feed by its id or URL among a collection's (all collections when omitted). */
  async find(idOrUrl: string, collection?: CollectionId): Promise<FollowedFeed> {
    const feeds = await this.store.listFeeds(collection);
    const byId = /^\d+$/.test(idOrUrl.trim()) ? feeds.find((f) => f.id === Number(idOrUrl)) : undefined;
    let href: string | null = null;
    try {
      href = new URL(idOrUrl.trim()).href;
    } catch {
      href = null;
    }
    const found = byId ?? feeds.find((f) => f.url === idOrUrl.trim() || f.url === href);
    if (!found)
      throw new UserError(
        'feed_missing',
        `no followed feed "${idOrUrl}"${collection ? ' here' : ''}; see the list of feeds for ids`,
      );
    return found;
  }

  async remove(idOrUrl: string, collection?: CollectionId): Promise<FollowedFeed> {
    const feed = await this.find(idOrUrl, collection);
    await this.store.removeFeed(feed.id);
    return feed;
  }

  /** Polls these feeds now, whether due or not, a few at a time; `onDone` after each. */
  pollNow(feeds: readonly FollowedFeed[], onDone?: (result: PollResult) => void): Promise<PollResult[]> {
    return this.scheduler.pollMany(feeds, onDone);
  }

  async close(): Promise<void> {
    await this.scheduler.stop();
    await this.store.close();
  }
}
