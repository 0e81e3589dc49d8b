/**
 * Where listed articles came from: the followed feed of each (for /sources and the CLI's
 * `sources`), and the feeds of a set of collections with their health (for /sources, /stats and
 * the CLI's `stats`). Reads the feed store only.
 */
import type { FeedStore, FollowedFeed } from '../../store/store-api.ts';
import type { CollectionId } from '../../types.ts';

/** The name a feed goes by: the source its articles are credited to, else its title, else its host. */
export function feedName(feed: FollowedFeed): string {
  if (feed.sourceName) return feed.sourceName;
  if (feed.title) return feed.title;
  try {
    return new URL(feed.url).hostname;
  } catch {
    return feed.url;
  }
}

/** An article as lists show it: its id is unique within its collection only. */
export interface ListedArticle {
  id: string;
  collection: CollectionId;
}

const keyOf = (article: ListedArticle): string => JSON.stringify([article.collection, article.id]);

/** Which feed each article came from (an article no feed brought is absent). */
export class ArticleFeeds {
  constructor(private readonly byKey: ReadonlyMap<string, FollowedFeed>) {}

  of(article: ListedArticle): FollowedFeed | null {
    return this.byKey.get(keyOf(article)) ?? null;
  }
}

/** One lookup per collection of the listed articles. */
export async function articleFeeds(store: FeedStore, articles: readonly ListedArticle[]): Promise<ArticleFeeds> {
  const byCollection = new Map<CollectionId, string[]>();
  for (const a of articles) byCollection.set(a.collection, [...(byCollection.get(a.collection) ?? []), a.id]);
  const byKey = new Map<string, FollowedFeed>();
  for (const [collection, ids] of byCollection) {
    for (const [id, feed] of await store.feedsOfArticles(collection, ids)) byKey.set(keyOf({ collection, id }), feed);
  }
  return new ArticleFeeds(byKey);
}

/** The feeds that fill these collections, in the order they were followed. */
export async function feedsOfCollections(
  store: FeedStore,
  collections: readonly CollectionId[],
): Promise<FollowedFeed[]> {
  const lists = await Promise.all(collections.map((c) => store.listFeeds(c)));
  return lists.flat().sort((a, b) => a.id - b.id);
}
