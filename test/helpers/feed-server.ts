/**
 * A real HTTP server on 127.0.0.1 serving feeds, sitemaps and pages that tests change between
 * polls. It honours If-None-Match (ETag = hash of the body) with 304, counts every request, and
 * serves whatever status, redirect or body a route is given.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Route {
  status?: number;
  type?: string;
  body?: string;
  /** Redirect target (absolute). */
  location?: string;
}

export interface FeedServer {
  base: string;
  routes: Map<string, Route>;
  /** Requests per path, and how many of them were answered 304. */
  hits: Map<string, number>;
  notModified: Map<string, number>;
  close(): Promise<void>;
}

export async function startFeedServer(): Promise<FeedServer> {
  const routes = new Map<string, Route>();
  const hits = new Map<string, number>();
  const notModified = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const route = routes.get(path);
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if (route.location) {
      res.writeHead(route.status ?? 302, { location: route.location }).end();
      return;
    }
    const body = route.body ?? '';
    const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
    if ((route.status ?? 200) === 200 && req.headers['if-none-match'] === etag) {
      notModified.set(path, (notModified.get(path) ?? 0) + 1);
      res.writeHead(304, { etag }).end();
      return;
    }
    res
      .writeHead(route.status ?? 200, { 'content-type': route.type ?? 'application/rss+xml; charset=utf-8', etag })
      .end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    routes,
    hits,
    notModified,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface RssItem {
  title: string;
  link: string;
  guid?: string;
  pubDate?: string;
  /** RSS 2.0's <author>: "mail@host (Name)". */
  author?: string;
  description?: string;
  /** Full text as HTML (content:encoded). */
  content?: string;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function rss(title: string, items: RssItem[]): string {
  const body = items
    .map(
      (i) =>
        `<item><title>${esc(i.title)}</title><link>${esc(i.link)}</link>${i.guid ? `<guid isPermaLink="false">${esc(i.guid)}</guid>` : ''}${i.pubDate ? `<pubDate>${i.pubDate}</pubDate>` : ''}${i.author ? `<author>${esc(i.author)}</author>` : ''}` +
        `${i.description ? `<description>${esc(i.description)}</description>` : ''}${i.content ? `<content:encoded><![CDATA[${i.content}]]></content:encoded>` : ''}</item>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>${esc(title)}</title><link>http://example.org/</link><description>d</description>\n${body}\n</channel></rss>`;
}

/** Three paragraphs of article text about `topic`, long enough to count as full content. */
export function fullText(topic: string, fact: string): string {
  return [
    `<p>${fact}</p>`,
    `<p>Officials said the ${topic} plans had been discussed for months before the announcement, and that residents had been consulted at several public meetings held across the district.</p>`,
    `<p>Further details about the ${topic} are expected to be published next week, when the council's committee meets again to review the budget and the timetable for the work.</p>`,
  ].join('');
}

export function articlePage(title: string, paragraphs: string[]): string {
  return `<!doctype html><html><head><title>${esc(title)}</title></head><body><article><h1>${esc(title)}</h1>${paragraphs.map((p) => `<p>${esc(p)}</p>`).join('')}</article></body></html>`;
}
