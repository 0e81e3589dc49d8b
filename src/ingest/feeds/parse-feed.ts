/**
 * A fetched feed or sitemap → its items, whatever the format: RSS 2.0, RSS 1.0 (RDF), Atom and
 * JSON Feed through feedsmith; XML sitemaps, Google News sitemaps and sitemap indexes through
 * fast-xml-parser. Pure. Hostile input is refused before parsing (an XML entity declaration, the
 * basis of "billion laughs" bombs, is never needed by a feed) or capped after it (MAX_ITEMS).
 */
import { XMLParser } from 'fast-xml-parser';
import { parseFeed as parseAnyFeed } from 'feedsmith';
import { createHash } from 'node:crypto';
import { UserError } from '../../errors.ts';

export interface FeedItem {
  /** What identifies the item across polls: its GUID / id, else its link. */
  key: string;
  link: string | null;
  title: string | null;
  /** ISO date-time as published. */
  published: string | null;
  /** ISO date-time of the last update, when the feed says. */
  updated: string | null;
  /** Its author(s), names joined with ", " (RSS's "mail@host (Name)" is cut to the name later). */
  author: string | null;
  /** The publication that the item names (Google News sitemaps' news:name). */
  publication: string | null;
  /** The full article as HTML, when the feed carries it (content:encoded, Atom content, content_html). */
  contentHtml: string | null;
  summary: string | null;
  /** Hash of what the feed says about the item: a change means the article changed. */
  hash: string;
}

export type FeedKind = 'rss' | 'atom' | 'rdf' | 'json' | 'sitemap' | 'sitemap-index';

export interface ParsedFeed {
  kind: FeedKind;
  title: string | null;
  items: FeedItem[];
  /** For a sitemap index: the sitemaps it lists. */
  sitemaps: string[];
  /** Items beyond MAX_ITEMS that were dropped (the oldest). */
  dropped: number;
}

/** More items than this in one document are cut to the newest ones; a feed of 10,000 is not read whole. */
export const MAX_ITEMS = 500;

type Loose = Record<string, unknown>;

function text(value: unknown): string | null {
  if (typeof value === 'string') return value.trim() || null;
  if (typeof value === 'number') return String(value);
  if (value && typeof value === 'object') {
    const v = value as Loose;
    // Atom text constructs and feedsmith's { value } wrappers.
    for (const key of ['value', '#text', 'href', 'name'])
      if (typeof v[key] === 'string') return (v[key] as string).trim() || null;
  }
  return null;
}

function first(values: unknown): unknown {
  return Array.isArray(values) ? values[0] : values;
}

function isoOrNull(value: unknown): string | null {
  const s = text(value);
  if (!s) return null;
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

function itemHash(parts: (string | null)[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}

function makeItem(fields: Omit<FeedItem, 'hash' | 'key'> & { id: string | null }): FeedItem | null {
  const key = fields.id ?? fields.link;
  if (!key) return null;
  const { id: _id, ...rest } = fields;
  return {
    key,
    ...rest,
    hash: itemHash([rest.title, rest.link, rest.updated, rest.published, rest.contentHtml, rest.summary]),
  };
}

/** Every author's name, joined: feeds list several as strings or { name } objects. */
function authors(...lists: unknown[]): string | null {
  for (const list of lists) {
    const names = (Array.isArray(list) ? list : [list]).map(text).filter((n): n is string => n !== null);
    if (names.length > 0) return names.join(', ');
  }
  return null;
}

function atomLink(entry: Loose): string | null {
  const links = (entry.links as Loose[] | undefined) ?? [];
  const alternate = links.find((l) => !l.rel || l.rel === 'alternate') ?? links[0];
  return alternate ? text(alternate.href) : null;
}

function itemsOf(kind: 'rss' | 'atom' | 'rdf' | 'json', feed: Loose): (FeedItem | null)[] {
  const raw = ((kind === 'atom' ? feed.entries : feed.items) as Loose[] | undefined) ?? [];
  return raw.map((item) => {
    const dc = (item.dc as Loose | undefined) ?? {};
    const content = (item.content as Loose | undefined) ?? {};
    switch (kind) {
      case 'rss':
      case 'rdf':
        return makeItem({
          id: text(item.guid),
          link: text(item.link),
          title: text(item.title),
          published: isoOrNull(item.pubDate) ?? isoOrNull(first(dc.dates)),
          updated:
            isoOrNull((item.atom as Loose | undefined)?.updated) ??
            isoOrNull((item.dcterms as Loose | undefined)?.modified),
          author: authors(item.authors, dc.creators),
          publication: null,
          contentHtml: text(content.encoded),
          summary: text(item.description),
        });
      case 'atom':
        return makeItem({
          id: text(item.id),
          link: atomLink(item),
          title: text(item.title),
          published: isoOrNull(item.published),
          updated: isoOrNull(item.updated),
          author: authors(item.authors),
          publication: null,
          contentHtml: text(item.content),
          summary: text(item.summary),
        });
      case 'json':
        return makeItem({
          id: text(item.id),
          link: text(item.url) ?? text(item.external_url),
          title: text(item.title),
          published: isoOrNull(item.date_published),
          updated: isoOrNull(item.date_modified),
          author: authors(item.authors),
          publication: null,
          contentHtml:
            text(item.content_html) ??
            (text(item.content_text)
              ? `<p>${escapeHtml(text(item.content_text)!).replace(/\n\s*\n/g, '</p><p>')}</p>`
              : null),
          summary: text(item.summary),
        });
    }
  });
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
}

const sitemapParser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  processEntities: false,
  isArray: (name) => name === 'url' || name === 'sitemap',
});

function parseSitemap(xml: string): Omit<ParsedFeed, 'dropped'> | null {
  let doc: Loose;
  try {
    doc = sitemapParser.parse(xml) as Loose;
  } catch {
    return null;
  }
  const index = doc.sitemapindex as Loose | undefined;
  if (index) {
    const sitemaps = ((index.sitemap as Loose[] | undefined) ?? [])
      .map((s) => text(s.loc))
      .filter((s): s is string => s !== null);
    return { kind: 'sitemap-index', title: null, items: [], sitemaps };
  }
  const urlset = doc.urlset as Loose | undefined;
  if (!urlset) return null;
  const items = ((urlset.url as Loose[] | undefined) ?? []).map((u) => {
    // Google News sitemaps: <news:news><news:publication><news:name/></…><news:title/><news:publication_date/>.
    const news = (u.news as Loose | undefined) ?? {};
    const publication = (news.publication as Loose | undefined) ?? {};
    const lastmod = isoOrNull(u.lastmod);
    return makeItem({
      id: null,
      link: text(u.loc),
      title: text(news.title),
      published: isoOrNull(news.publication_date) ?? lastmod,
      updated: lastmod,
      author: null,
      publication: text(publication.name),
      contentHtml: null,
      summary: null,
    });
  });
  return { kind: 'sitemap', title: null, items: items.filter((i): i is FeedItem => i !== null), sitemaps: [] };
}

function invalid(shown: string, why: string): UserError {
  return new UserError(
    'feed_invalid',
    `${shown} is not a feed or sitemap citebot can read (${why}); check the address — it should be an RSS, Atom or JSON feed, or an XML sitemap`,
  );
}

/**
 * Whether the document type declaration, wherever the prolog puts it (behind any amount of
 * comments or whitespace), declares entities. Only the prolog is read: "<!ENTITY" in an article's
 * text about XML is not a declaration.
 */
function declaresEntities(body: string): boolean {
  const prolog = /^\uFEFF?\s*(?:<\?[\s\S]*?\?>\s*|<!--[\s\S]*?-->\s*)*/.exec(body)![0].length;
  if (!/^<!DOCTYPE/i.test(body.slice(prolog, prolog + 9))) return false;
  // A doctype without an internal subset ("[…]") ends at its first ">" and declares nothing.
  const bracket = body.indexOf('[', prolog);
  const close = body.indexOf('>', prolog);
  if (bracket === -1 || (close !== -1 && close < bracket)) return false;
  const subsetEnd = /\]\s*>/g;
  subsetEnd.lastIndex = bracket;
  const end = subsetEnd.exec(body)?.index ?? body.length;
  return /<!ENTITY/i.test(body.slice(bracket, end));
}

/** Newest first, then cut to MAX_ITEMS. */
function capItems(items: FeedItem[]): { items: FeedItem[]; dropped: number } {
  const when = (i: FeedItem): number => Date.parse(i.updated ?? i.published ?? '') || 0;
  const sorted = items.length > MAX_ITEMS ? [...items].sort((a, b) => when(b) - when(a)) : items;
  return { items: sorted.slice(0, MAX_ITEMS), dropped: Math.max(0, items.length - MAX_ITEMS) };
}

/** The body as text in its declared charset (UTF-8 when none, or an unknown one, is declared). */
function decodeBody(body: Uint8Array, charset: string | null): string {
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(body);
  } catch {
    return new TextDecoder('utf-8').decode(body);
  }
}

/** parseFeed over fetched bytes: what the parse worker runs, so neither decoding nor parsing is on the bot's thread. */
export function parseFeedBytes(body: Uint8Array, charset: string | null, shown: string): ParsedFeed {
  return parseFeed(decodeBody(body, charset), shown);
}

/**
 * Parses a feed or sitemap. `shown` names it in messages. Throws UserError `feed_invalid` for
 * HTML, garbage, entity declarations and documents that are no known feed.
 */
export function parseFeed(body: string, shown: string): ParsedFeed {
  const start = body.trimStart().slice(0, 2048);
  if (/^<!doctype\s+html|^<html[\s>]/i.test(start)) throw invalid(shown, 'it is an HTML page');
  if (declaresEntities(body)) throw invalid(shown, 'it declares XML entities, which feeds never need');
  if (/^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*<(?:[\w-]+:)?(?:urlset|sitemapindex)[\s>]/i.test(start)) {
    const sitemap = parseSitemap(body);
    if (!sitemap) throw invalid(shown, 'a malformed sitemap');
    return { ...sitemap, ...capItems(sitemap.items), sitemaps: sitemap.sitemaps.slice(0, MAX_ITEMS) };
  }
  let parsed: { format: string; feed: unknown };
  try {
    parsed = parseAnyFeed(start.startsWith('{') ? JSON.parse(body) : body) as { format: string; feed: unknown };
  } catch (error) {
    throw invalid(shown, error instanceof Error ? error.message.slice(0, 120) : 'unreadable');
  }
  const kind = parsed.format as 'rss' | 'atom' | 'rdf' | 'json';
  const feed = parsed.feed as Loose;
  const items = itemsOf(kind, feed).filter((i): i is FeedItem => i !== null);
  return { kind, title: text(feed.title), ...capItems(items), sitemaps: [] };
}
