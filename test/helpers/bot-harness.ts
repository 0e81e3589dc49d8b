/**
 * An in-process citebot bot wired to the Discord emulator and a real test engine
 * (SQLite + hnswlib + Transformers.js on the tiny model, examples in 'library').
 */
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { loadBotConfig, type BotConfig } from '../../src/bot/config.ts';
import { createBot, type Bot } from '../../src/bot/bot.ts';
import type { BotContext } from '../../src/bot/context.ts';
import { createRateLimits } from '../../src/bot/rate-limit.ts';
import { fetchUrl } from '../../src/ingest/fetch-url.ts';
import { downloadAttachment } from '../../src/net/attachment.ts';
import { OffThreadParser } from '../../src/ingest/parse-off-thread.ts';
import { Feeds } from '../../src/ingest/feeds/feeds.ts';
import { announce } from '../../src/bot/feed-announcer.ts';
import {
  DiscordEmulator,
  MODERATOR_PERMISSIONS,
  shardOf,
  snowflake,
  type EmuGuild,
  type InteractionContext,
} from './discord-emulator.ts';
import { openTestEngine, type TestEngine } from './engine.ts';

export const FAKE_TOKEN = ['MTAwMDAwMDAwMDAwMDAwMDAw', 'GfakeX', 'emulator-only-token-not-a-real-secret'].join('.');

export interface Harness {
  emu: DiscordEmulator;
  bot: Bot;
  ctx: BotContext;
  te: TestEngine;
  config: BotConfig;
  guildA: EmuGuild;
  guildB: EmuGuild;
  /** Log lines (JSON) written by the bot. */
  logs: string[];
  mod: (guild: EmuGuild) => InteractionContext;
  member: (guild: EmuGuild, userId?: string) => InteractionContext;
  close(): Promise<void>;
}

export function makeGuild(name: string, channels: string[] = ['general', 'ask-news']): EmuGuild {
  return {
    id: snowflake(),
    name,
    channels: channels.map((c) => ({ id: snowflake(), name: c })),
    roles: [{ id: snowflake(), name: 'Editors' }],
  };
}

/** A guild whose events belong to `shard` of `shardCount` (Discord's (guild_id >> 22) % count). */
export function guildOnShard(name: string, shard: number, shardCount: number, channels?: string[]): EmuGuild {
  for (;;) {
    const guild = makeGuild(name, channels);
    if (shardOf(guild.id, shardCount) === shard) return guild;
  }
}

export interface HarnessOptions {
  env?: Record<string, string>;
  heartbeatIntervalMs?: number;
  examples?: boolean;
  /** ALLOW_PRIVATE_HOSTS for URL ingests, e.g. ['127.0.0.1'] for the local test server. */
  allowPrivateHosts?: readonly string[];
  /** Follow feeds: the scheduler runs (checking every `feeds.checkEveryMs`), announcing like the bot does. */
  feeds?: { checkEveryMs: number };
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const guildA = makeGuild('Newsroom A');
  const guildB = makeGuild('Community B');
  const emu = await DiscordEmulator.start({
    guilds: [guildA, guildB],
    token: FAKE_TOKEN,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 250,
  });
  const te = await openTestEngine({
    examples: options.examples ?? true,
    ...(options.allowPrivateHosts ? { env: { ALLOW_PRIVATE_HOSTS: options.allowPrivateHosts.join(',') } } : {}),
  });
  const config = loadBotConfig({
    DISCORD_TOKEN: FAKE_TOKEN,
    DISCORD_APPLICATION_ID: emu.applicationId,
    DISCORD_API_URL: emu.apiUrl,
    ASK_RATE_USER: '1000/min',
    ASK_RATE_GUILD: '1000/min',
    BROWSE_RATE_USER: '1000/min',
    BROWSE_RATE_GUILD: '1000/min',
    ASK_CHANNELS: 'ask-news',
    MODERATOR_ROLE_IDS: guildA.roles![0]!.id,
    SHUTDOWN_TIMEOUT_MS: '5000',
    ...options.env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  const log = pino({ level: process.env.BOT_TEST_LOG_LEVEL ?? 'info' }, sink);
  const parser = new OffThreadParser();
  const ctx: BotContext = {
    config,
    engine: te.engine,
    log,
    limits: createRateLimits(config),
    parse: (input, limits, skipped) => parser.parse(input, limits, skipped),
    fetchUrl: (url) =>
      fetchUrl(url, {
        timeoutMs: config.urlTimeoutMs,
        maxBytes: config.ingestMaxBytes,
        allowPrivateHosts: options.allowPrivateHosts ?? [],
      }),
    downloadAttachment: (url, maxBytes) =>
      downloadAttachment(url, maxBytes, { timeoutMs: config.urlTimeoutMs, apiUrl: config.apiUrl }),
  };
  let bot: Bot | null = null;
  const feeds = options.feeds
    ? Feeds.open(te.engine, te.config, {
        parse: (input) => parser.parse(input, { maxBytes: te.config.maxArticleBytes }),
        parseFeed: (body, charset, shown) => parser.parseFeed(body, charset, shown),
        hostSpacingMs: 0,
        timeoutMs: 5000,
        scheduler: {
          maxSleepMs: options.feeds.checkEveryMs,
          onPoll: (feed, result) => (bot ? announce(bot.client, log, feed, result) : undefined),
        },
      })
    : null;
  if (feeds) ctx.feeds = feeds;
  bot = createBot(ctx);
  await bot.start();
  feeds?.scheduler.start();
  return {
    emu,
    bot,
    ctx,
    te,
    config,
    guildA,
    guildB,
    logs,
    mod: (guild) => ({
      guildId: guild.id,
      channelId: guild.channels[0]!.id,
      user: { id: '200000000000000001', username: 'editor' },
      permissions: MODERATOR_PERMISSIONS,
    }),
    member: (guild, userId = '300000000000000001') => ({
      guildId: guild.id,
      channelId: guild.channels[0]!.id,
      user: { id: userId, username: 'reader' },
    }),
    async close() {
      await feeds?.close();
      await bot!.stop();
      await parser.close();
      await te.cleanup();
      await emu.close();
    },
  };
}

/** Embed text of a reply message, for assertions. */
export function embedText(message: any): string {
  const e = message?.embeds?.[0];
  if (!e) return message?.content ?? '';
  return [e.title, e.description, ...(e.fields ?? []).flatMap((f: any) => [f.name, f.value]), e.footer?.text]
    .filter(Boolean)
    .join('\n');
}

export function opt(name: string, value: unknown, type = 3, focused = false): any {
  return { name, type, value, ...(focused ? { focused: true } : {}) };
}
