/** Followed feeds as terminal text and as short Discord lines (no discord.js here). */
import type { PollResult } from '../ingest/feeds/poll.ts';
import { feedName } from '../ingest/feeds/provenance.ts';
import type { FollowedFeed } from '../store/store-api.ts';

export function formatInterval(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 1000)}s`;
}

const minute = (iso: string | null): string => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '?');

/**
 * A feed's health with the reasons, for operators and moderators: "ok, last read … UTC" (and the
 * last error, if one ever happened), "failing ×3 since … UTC: <error>; last read … UTC", or "not
 * polled yet".
 */
export function feedHealth(feed: FollowedFeed): string {
  const lastRead = feed.lastSuccessAt ? `last read ${minute(feed.lastSuccessAt)}` : 'never read';
  if (feed.failures > 0)
    return `failing ×${feed.failures} since ${minute(feed.lastErrorAt)}: ${feed.lastError ?? 'unknown error'}; ${lastRead}`;
  if (feed.lastSuccessAt)
    return `ok, ${lastRead}${feed.lastError ? `; last error ${minute(feed.lastErrorAt)}: ${feed.lastError}` : ''}`;
  return 'not polled yet';
}

/**
 * The same without error text, for every member (/sources): an error can name the operator's
 * intranet hosts; moderators see it in /stats and /feed list.
 */
export function feedHealthBrief(feed: FollowedFeed): string {
  const lastRead = feed.lastSuccessAt ? `last read ${minute(feed.lastSuccessAt)}` : 'never read';
  if (feed.failures > 0) return `failing since ${minute(feed.lastErrorAt)}, ${lastRead}`;
  if (feed.lastSuccessAt) return `ok, ${lastRead}`;
  return 'not polled yet';
}

/** The `feeds:` block of the CLI's sources and stats; empty when no feed fills the collection. */
export function formatFeedsSection(feeds: readonly FollowedFeed[]): string {
  if (feeds.length === 0) return '';
  const lines = feeds.map((f) => `  [${f.id}] ${feedName(f)} · ${f.items} article(s) · ${feedHealth(f)}`);
  return ['feeds (last success, last error, articles):', ...lines].join('\n');
}

export function formatFeedList(feeds: readonly FollowedFeed[]): string {
  if (feeds.length === 0) return 'No feeds followed. Add one with: feeds add <url>';
  return feeds
    .map((f) => {
      const name = feedName(f);
      const where = f.collection === 'library' ? 'library' : `guild ${f.collection}`;
      return `[${f.id}] ${name} · every ${formatInterval(f.everyMs)} · ${where} · ${f.items} article(s)\n    ${f.url}\n    ${feedHealth(f)}`;
    })
    .join('\n');
}

/** The poll summary: totals, then one line per feed, failures with their reasons. */
export function formatPollSummary(results: readonly PollResult[]): string {
  const sum = (key: 'new' | 'updated' | 'unchanged') => results.reduce((n, r) => n + r[key], 0);
  const failed = results.filter((r) => r.status === 'failed');
  const lines = [
    `${results.length} feed(s): ${sum('new')} new, ${sum('updated')} updated, ${sum('unchanged')} unchanged, ${failed.length} failed`,
  ];
  for (const r of results) {
    if (r.status === 'failed') lines.push(`  ✗ ${r.url}: ${r.error}`);
    else if (r.status === 'not-modified') lines.push(`  = ${r.url}: not modified`);
    else
      lines.push(
        `  ✓ ${r.url}: ${r.new} new, ${r.updated} updated, ${r.unchanged} unchanged${r.deferred ? `, ${r.deferred} left for the next poll` : ''}`,
      );
    for (const item of r.failedItems) lines.push(`      skipped ${item.url}: ${item.reason}`);
  }
  return lines.join('\n');
}
