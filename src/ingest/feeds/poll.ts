/**
 * One poll of one followed feed or sitemap:
 *   robots.txt → conditional GET (ETag / If-Modified-Since; 304 costs nothing) → parse
 *   (a sitemap index's sitemaps are read too) → new and changed items (GUID/link, updated date,
 *   content hash), newest first, at most `maxNewItems` → each becomes an article: from the feed's
 *   full content, or, for a summary-only item or a sitemap entry, from its page (the HTML path,
 *   Readability) → ingested (a changed item's passages are replaced) → seen items, validators and
 *   health recorded. A failure is recorded with an exponential back-off and never thrown: one
 *   feed's trouble never stops the others, and nothing stored is removed.
 */
import { guardedFetch, type GuardedFetchOptions } from '../../net/guarded-fetch.ts';
import type { FeedStore, FollowedFeed, SeenItem } from '../../store/store-api.ts';
import type { Article, CollectionId } from '../../types.ts';
import { fetchUrl } from '../fetch-url.ts';
import { cleanAuthor } from '../formats/common.ts';
import type { ArticleInput } from '../parse.ts';
import { articleIdFor } from '../parse.ts';
import type { HostGate } from './host-gate.ts';
import type { FeedItem, ParsedFeed } from './parse-feed.ts';

export interface PollDeps {
  store: FeedStore;
  /** Stores articles (the engine's ingest); returns each article's status. */
  ingest(
    articles: Article[],
    collection: CollectionId,
  ): Promise<{ articleId: string; status: 'added' | 'updated' | 'unchanged' }[]>;
  /** Reads an article's bytes (the bot: off the event loop, on the parse worker). */
  parse(input: ArticleInput): Promise<Article[]>;
  /** Reads a fetched feed or sitemap (the bot: on the parse worker too); throws `feed_invalid`. */
  parseFeed(body: Uint8Array, charset: string | null, shown: string): Promise<ParsedFeed>;
  gate: HostGate;
  fetch: GuardedFetchOptions;
  maxNewItems: number;
  /** Largest article page. */
  maxArticleBytes: number;
  now?: () => number;
  random?: () => number;
}

export interface IndexedItem {
  articleId: string;
  title: string;
  url: string | null;
  status: 'new' | 'updated';
}

export interface PollResult {
  feedId: number;
  url: string;
  status: 'ok' | 'not-modified' | 'failed';
  new: number;
  updated: number;
  unchanged: number;
  /** New or changed items left for the next poll (over maxNewItems). */
  deferred: number;
  failedItems: { url: string; reason: string }[];
  error: string | null;
  indexed: IndexedItem[];
}

/** Feeds, sitemaps and robots.txt are small; a bigger "feed" is refused. */
export const FEED_MAX_BYTES = 10 * 1024 * 1024;
/** Sitemaps of an index read in one poll. */
export const MAX_CHILD_SITEMAPS = 50;
/** Longest wait after repeated failures. */
export const MAX_BACKOFF_MS = 6 * 60 * 60 * 1000;
/** Full content shorter than this (in characters of text) is a summary: the page is fetched instead. */
const FULL_CONTENT_CHARS = 300;

const FEED_TYPES = [
  'application/rss+xml',
  'application/atom+xml',
  'application/rdf+xml',
  'application/xml',
  'text/xml',
  'application/feed+json',
  'application/json',
  'text/plain',
  'application/x-rss+xml',
  'text/rss+xml',
  'text/atom+xml',
  'text/html',
];

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** ±10 % so feeds added together drift apart instead of polling in lock-step. */
function jittered(ms: number, random: () => number): number {
  return Math.round(ms * (0.9 + random() * 0.2));
}

/** The wait before the next poll: the interval, doubled for each failure in a row, capped. */
export function nextDelayMs(everyMs: number, failures: number): number {
  return failures === 0 ? everyMs : Math.min(everyMs * 2 ** failures, Math.max(MAX_BACKOFF_MS, everyMs));
}

async function fetchFeed(url: string, deps: PollDeps, headers: Record<string, string>) {
  await deps.gate.check(url);
  await deps.gate.wait(url);
  return guardedFetch(url, {
    ...deps.fetch,
    maxBytes: FEED_MAX_BYTES,
    headers: {
      accept:
        'application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5',
      ...headers,
    },
    acceptTypes: FEED_TYPES,
    acceptLabel: 'a feed must be RSS, Atom, RDF or JSON Feed, or an XML sitemap',
  });
}

/** A sitemap index's sitemaps, read one after another; a broken one is skipped. */
async function readChildSitemaps(
  index: ParsedFeed,
  deps: PollDeps,
  failed: PollResult['failedItems'],
): Promise<FeedItem[]> {
  const items: FeedItem[] = [];
  for (const url of index.sitemaps.slice(0, MAX_CHILD_SITEMAPS)) {
    try {
      const res = await fetchFeed(url, deps, {});
      const child = await deps.parseFeed(res.body, res.charset, url);
      items.push(...child.items);
    } catch (error) {
      failed.push({ url, reason: reasonOf(error) });
    }
  }
  return items;
}

function plainLength(html: string): number {
  return html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&\w+;/g, ' ')
    .replace(/\s+/g, ' ')
    .trim().length;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** The article an item stands for: from the feed's own full text, else from its page. */
async function articleOf(
  item: FeedItem,
  feed: FollowedFeed,
  feedTitle: string | null,
  deps: PollDeps,
): Promise<Article> {
  let article: Article | undefined;
  if (item.contentHtml && plainLength(item.contentHtml) >= FULL_CONTENT_CHARS) {
    const html = `<!doctype html><html><head><title>${escapeHtml(item.title ?? '')}</title></head><body><article>${item.contentHtml}</article></body></html>`;
    [article] = await deps.parse({
      name: item.link ?? feed.url,
      bytes: new TextEncoder().encode(html),
      format: 'html',
      ...(item.link ? { url: item.link } : {}),
    });
  } else {
    if (!item.link) throw new Error('the item has neither full text nor a link to its page');
    await deps.gate.check(item.link);
    await deps.gate.wait(item.link);
    const doc = await fetchUrl(item.link, { ...deps.fetch, maxBytes: deps.maxArticleBytes });
    [article] = await deps.parse({ name: doc.name, bytes: doc.bytes, format: doc.format, url: doc.url });
  }
  if (!article) throw new Error('no article text found');
  const title = item.title ?? article.title;
  const published = item.published ?? item.updated;
  return {
    ...article,
    // One id per item, whichever feed carries it: the same story from two feeds is one article.
    id: articleIdFor('pasted', title, { content: item.key }),
    title,
    date: published ? published.slice(0, 10) : article.date,
    source: feed.sourceName ?? feedTitle ?? item.publication ?? article.source ?? new URL(feed.url).hostname,
    url: item.link ?? article.url,
    author: cleanAuthor(item.author) ?? article.author ?? null,
  };
}

function changed(item: FeedItem, seen: SeenItem): boolean {
  return seen.hash !== item.hash || (item.updated !== null && item.updated !== seen.updated);
}

function emptyResult(feed: FollowedFeed): PollResult {
  return {
    feedId: feed.id,
    url: feed.url,
    status: 'ok',
    new: 0,
    updated: 0,
    unchanged: 0,
    deferred: 0,
    failedItems: [],
    error: null,
    indexed: [],
  };
}

/** Polls one feed now; never throws (a failure is in the result and the feed's health). */
export async function pollFeed(feed: FollowedFeed, deps: PollDeps): Promise<PollResult> {
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const result = emptyResult(feed);
  try {
    const conditional: Record<string, string> = {};
    if (feed.etag) conditional['if-none-match'] = feed.etag;
    if (feed.lastModified) conditional['if-modified-since'] = feed.lastModified;
    const res = await fetchFeed(feed.url, deps, conditional);
    const validators = {
      etag: (res.headers.etag as string | undefined) ?? null,
      lastModified: (res.headers['last-modified'] as string | undefined) ?? null,
    };
    if (res.status === 304) {
      result.status = 'not-modified';
      await deps.store.recordPoll(feed.id, {
        nextPollAt: new Date(now() + jittered(feed.everyMs, random)).toISOString(),
        succeededAt: new Date(now()).toISOString(),
      });
      return result;
    }
    const parsed = await deps.parseFeed(res.body, res.charset, feed.url);
    const items =
      parsed.kind === 'sitemap-index' ? await readChildSitemaps(parsed, deps, result.failedItems) : parsed.items;
    const seen = await deps.store.seenItems(feed.id);
    const fresh: { item: FeedItem; status: 'new' | 'updated' }[] = [];
    for (const item of items) {
      const before = seen.get(item.key);
      if (!before) fresh.push({ item, status: 'new' });
      else if (changed(item, before)) fresh.push({ item, status: 'updated' });
      else result.unchanged++;
    }
    const when = (i: FeedItem): number => Date.parse(i.updated ?? i.published ?? '') || 0;
    fresh.sort((a, b) => when(b.item) - when(a.item));
    const batch = fresh.slice(0, deps.maxNewItems);
    result.deferred = fresh.length - batch.length;

    const articles: Article[] = [];
    const marks: SeenItem[] = [];
    for (const { item, status } of batch) {
      try {
        const article = await articleOf(item, feed, parsed.title, deps);
        articles.push(article);
        marks.push({ key: item.key, articleId: article.id, updated: item.updated, hash: item.hash });
        result.indexed.push({ articleId: article.id, title: article.title, url: article.url, status });
      } catch (error) {
        result.failedItems.push({ url: item.link ?? item.key, reason: reasonOf(error) });
      }
    }
    if (articles.length > 0) {
      const outcomes = await deps.ingest(articles, feed.collection);
      const statusOf = new Map(outcomes.map((o) => [o.articleId, o.status]));
      // An item whose article was already stored unchanged (another feed, an earlier copy) is not news.
      result.indexed = result.indexed.filter((i) => statusOf.get(i.articleId) !== 'unchanged');
      await deps.store.markSeen(feed.id, marks);
    }
    result.new = result.indexed.filter((i) => i.status === 'new').length;
    result.updated = result.indexed.filter((i) => i.status === 'updated').length;
    await deps.store.recordPoll(feed.id, {
      ...validators,
      title: parsed.title,
      // More waiting: poll again soon rather than after a whole interval.
      nextPollAt: new Date(
        now() + (result.deferred > 0 ? Math.min(feed.everyMs, 60_000) : jittered(feed.everyMs, random)),
      ).toISOString(),
      succeededAt: new Date(now()).toISOString(),
      itemsAdded: result.new,
    });
    return result;
  } catch (error) {
    result.status = 'failed';
    result.error = reasonOf(error);
    const delay = jittered(nextDelayMs(feed.everyMs, feed.failures + 1), random);
    try {
      await deps.store.recordPoll(feed.id, { nextPollAt: new Date(now() + delay).toISOString(), error: result.error });
    } catch {
      // The store itself failing is reported by the caller's next operation; this poll's result stands.
    }
    return result;
  }
}
