/**
 * What every command handler receives besides its interaction: settings, the engine,
 * the parse and fetch steps (injectable for tests), the logger and the rate caps.
 */
import type { Logger } from 'pino';
import type { Engine } from '../engine-api.ts';
import type { SkippedRecords } from '../ingest/parse.ts';
import type { Article, CollectionId } from '../types.ts';
import { LIBRARY_COLLECTION } from '../types.ts';
import type { FetchedDocument } from '../ingest/fetch-url.ts';
import type { Feeds } from '../ingest/feeds/feeds.ts';
import type { BotConfig } from './config.ts';
import type { RateLimits } from './rate-limit.ts';

export type ArticleFormat = 'text' | 'markdown' | 'html' | 'json' | 'ndjson' | 'pdf' | 'docx';

export interface BotContext {
  config: BotConfig;
  engine: Engine;
  log: Logger;
  /** Rate caps for questions and for look-ups (src/bot/rate-limit.ts). */
  limits: RateLimits;
  /** src/ingest/parse.ts parseArticles, run off the event loop (src/ingest/parse-off-thread.ts). */
  parse(
    input: { name: string; bytes: Uint8Array; format?: ArticleFormat; url?: string },
    limits: { maxBytes: number },
    /** Given, bad NDJSON lines are collected here and the good ones returned; else the first fails the input. */
    skippedRecords?: SkippedRecords,
  ): Promise<Article[]>;
  /** SSRF-guarded URL fetch (src/net/guarded-fetch.ts); tests inject one that allows the local server. */
  fetchUrl(url: string): Promise<FetchedDocument>;
  /** Downloads a Discord attachment (src/bot/attachments.ts; from Discord's CDN URL in the interaction payload). */
  downloadAttachment(url: string, maxBytes: number): Promise<Uint8Array>;
  /** Followed feeds and their scheduler (src/ingest/feeds/); absent: /feed says feeds are off. */
  feeds?: Feeds;
}

/** The collections a question in this guild (or DM, guildId null) searches. */
export function collectionsFor(guildId: string | null, config: Pick<BotConfig, 'shareLibrary'>): CollectionId[] {
  if (!guildId) return [LIBRARY_COLLECTION];
  return config.shareLibrary ? [LIBRARY_COLLECTION, guildId] : [guildId];
}

/** Where questions asked here are logged (and where /stats reads them). */
export function logCollectionFor(guildId: string | null): CollectionId {
  return guildId ?? LIBRARY_COLLECTION;
}
