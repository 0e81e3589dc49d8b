/**
 * `npm start`: validates the settings (bot and engine, every problem at once), opens the engine,
 * connects to Discord and answers. SIGINT/SIGTERM: stop taking interactions, let in-flight replies
 * finish (SHUTDOWN_TIMEOUT_MS), destroy the client, close the store, exit 0.
 *
 * Logs are JSON lines (pino) on stdout. The token never appears in them: it is never logged, and the
 * log stream scrubs it anyway. Question text is logged only with LOG_QUESTIONS=true.
 */
import dotenv from 'dotenv';
import { pino, type Logger } from 'pino';
import { loadConfig, type EngineConfig } from '../config.ts';
import { openEngine } from '../engine.ts';
import { selfCalibrateOffThread } from '../eval/self-calibrate.ts';
import { isCitebotError } from '../errors.ts';
import { fetchUrl } from '../ingest/fetch-url.ts';
import { downloadAttachment } from '../net/attachment.ts';
import { OffThreadParser } from '../ingest/parse-off-thread.ts';
import { Feeds } from '../ingest/feeds/feeds.ts';
import { LIBRARY_COLLECTION } from '../types.ts';
import { announce } from './feed-announcer.ts';
import { createBot, type Bot } from './bot.ts';
import { loadBotConfig, type BotConfig } from './config.ts';
import { loadClientShardConfig } from './shard-settings.ts';
import type { BotContext } from './context.ts';
import { createRateLimits } from './rate-limit.ts';

dotenv.config({ quiet: true });

/** A pino logger on stdout that scrubs `secret` from every line, whatever is logged. */
export function createBotLogger(level: string, secret: string | null): Logger {
  const stream = {
    write(line: string): void {
      process.stdout.write(secret ? line.split(secret).join('[redacted]') : line);
    },
  };
  return pino(
    {
      name: 'citebot-discord',
      level,
      redact: {
        paths: ['token', '*.token', 'config.token', 'headers.authorization', '*.headers.authorization'],
        censor: '[redacted]',
      },
    },
    stream,
  );
}

function readSettings(): { bot: BotConfig; engine: EngineConfig } {
  const problems: string[] = [];
  let bot: BotConfig | null = null;
  let engine: EngineConfig | null = null;
  try {
    bot = loadBotConfig(process.env);
  } catch (error) {
    problems.push((error as Error).message);
  }
  try {
    engine = loadConfig(process.env);
  } catch (error) {
    problems.push((error as Error).message);
  }
  try {
    // discord.js's Client reads SHARDS and SHARD_COUNT itself; nothing here overrides them.
    loadClientShardConfig(process.env);
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (!bot || !engine || problems.length > 0) {
    // loadBotConfig never puts the token in its messages.
    process.stderr.write(`citebot: cannot start the Discord bot:\n${problems.join('\n')}\n`);
    process.exit(2);
  }
  return { bot, engine };
}

async function main(): Promise<void> {
  const settings = readSettings();
  const config = settings.bot;
  const log = createBotLogger(config.logLevel, config.token);
  log.info(
    {
      event: 'starting',
      apiUrl: config.apiUrl,
      mentionChannels: config.askChannels,
      shareLibrary: config.shareLibrary,
      rateUser: config.rateUser.text,
      rateGuild: config.rateGuild.text,
      dataDir: settings.engine.dataDir,
    },
    'starting citebot for Discord',
  );

  // Signals are handled from here on: before the client exists, there is just the store to close.
  let engine: Awaited<ReturnType<typeof openEngine>> | null = null;
  let bot: Bot | null = null;
  const parser = new OffThreadParser(settings.engine.parseTimeoutMs);
  let feeds: Feeds | null = null;
  let stopCalibration: (() => void) | null = null;
  let stopping = false;
  let stoppingSince = 0;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) {
      // One stop request often arrives twice at once: a terminal's Ctrl-C or systemd reach every
      // process of the group, and start:sharded's manager forwards it to its shards too.
      if (Date.now() - stoppingSince < 1000) return;
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    stoppingSince = Date.now();
    log.info({ event: 'stopping', signal, inFlight: bot?.inFlight() ?? 0 }, 'shutting down');
    try {
      if (bot) {
        const { drained, pending } = await bot.stop();
        if (!drained)
          log.warn(
            { pending },
            `gave up waiting for ${pending} in-flight replies after ${config.shutdownTimeoutMs} ms`,
          );
      }
      stopCalibration?.();
      await feeds?.close();
      await parser.close();
      await engine?.close();
      log.info({ event: 'stopped' }, 'stopped cleanly');
      process.exit(0);
    } catch (error) {
      log.error({ err: error }, 'error while shutting down');
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  // A shard spawned by start:sharded whose manager is gone (killed) stops, rather than staying
  // connected where a restarted manager would start the same shard again.
  if (process.send) process.on('disconnect', () => void shutdown('manager gone'));
  process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled rejection'));

  try {
    // A missing or stale vector index is rebuilt while the bot already answers (about 50 s at 100,000 passages).
    engine = await openEngine(settings.engine, {
      notice: (message) => log.info({ event: 'engine_notice' }, message),
      backgroundIndexRebuild: true,
      // Which collections this process holds (PostgreSQL): a shard loads only its own servers' and the library.
      onCollectionLoaded: (loaded) =>
        log.info(
          { event: 'collection_loaded', ...loaded },
          `loaded collection ${loaded.collection} into memory: ${loaded.passages} passages in ${loaded.ms} ms`,
        ),
    });
  } catch (error) {
    log.fatal({ err: error, code: isCitebotError(error) ? error.code : undefined }, 'could not open the engine');
    process.stderr.write(`citebot: ${(error as Error).message}\n`);
    process.exit(isCitebotError(error) ? error.exitCode : 1);
  }
  const { id: model, reranker } = engine.model();
  log.info(
    { event: 'engine_open', model, reranker },
    `searching with ${model}${reranker ? `, re-ranked by ${reranker}` : ''}`,
  );
  if (stopping) return;
  // First run: the library is empty, so index the bundled example articles (AUTO_INGEST_EXAMPLES=false to skip).
  try {
    const examples = await engine.ingestExamplesIfEmpty();
    if (examples) {
      const n = examples.outcomes.length;
      log.info(
        { event: 'examples_ingested', articles: n, skipped: examples.skipped.length },
        `indexed ${n} example articles into the library`,
      );
    }
  } catch (error) {
    log.error({ err: error }, 'could not index the example articles; continuing without them');
  }
  if (stopping) return;
  // A model with no calibration for its weights calibrates itself once, on a worker thread
  // (src/eval/self-calibrate.ts); until it is done its answer threshold is a guess.
  if (engine.needsCalibration()) {
    const calibrating = engine;
    log.info(
      { event: 'calibration_start', model: calibrating.model().id },
      `calibrating ${calibrating.model().id}'s answer threshold on the bundled question sets (once)`,
    );
    const calibration = selfCalibrateOffThread(calibrating);
    stopCalibration = calibration.stop;
    calibration.done.then(
      (c) =>
        log.info(
          { event: 'calibration_done', threshold: c.threshold, floor: c.floor },
          `calibrated ${calibrating.model().id}: threshold ${c.threshold}, floor ${c.floor}`,
        ),
      (error: unknown) =>
        log.error({ err: error }, 'self-calibration failed; answering with the uncalibrated threshold'),
    );
  }

  const ctx: BotContext = {
    config,
    engine,
    log,
    limits: createRateLimits(config),
    parse: (input, limits, skipped) => parser.parse(input, limits, skipped),
    fetchUrl: (url) =>
      fetchUrl(url, {
        timeoutMs: config.urlTimeoutMs,
        maxBytes: config.ingestMaxBytes,
        allowPrivateHosts: settings.engine.allowPrivateHosts,
      }),
    downloadAttachment: (url, maxBytes) =>
      downloadAttachment(url, maxBytes, { timeoutMs: config.urlTimeoutMs, apiUrl: config.apiUrl }),
  };
  // Followed feeds are polled in this process; their pages are read on the parse worker, off the event loop.
  feeds = Feeds.open(engine, settings.engine, {
    parse: (input) => parser.parse(input, { maxBytes: settings.engine.maxArticleBytes }),
    parseFeed: (body, charset, shown) => parser.parseFeed(body, charset, shown),
    scheduler: {
      onPoll: async (feed, result) => {
        if (result.status === 'failed')
          log.warn({ event: 'feed_failed', feedId: feed.id, error: result.error }, 'feed poll failed');
        else if (result.new + result.updated > 0)
          log.info(
            { event: 'feed_polled', feedId: feed.id, new: result.new, updated: result.updated },
            'feed articles indexed',
          );
        if (bot) await announce(bot.client, log, feed, result);
      },
      onError: (error) => log.error({ err: error }, 'feed scheduler error'),
      owns: (feed) => {
        if (!bot) return false;
        if (feed.collection !== LIBRARY_COLLECTION) return bot.client.guilds.cache.has(feed.collection);
        const shards = bot.client.options.shards;
        return shards === undefined || shards === 'auto' || (Array.isArray(shards) ? shards.includes(0) : shards === 0);
      },
    },
  });
  ctx.feeds = feeds;
  bot = createBot(ctx);

  try {
    await bot.start();
    feeds.scheduler.start();
  } catch (error) {
    if (stopping) return; // shutdown() is already closing everything
    const message = (error as Error).message ?? String(error);
    log.fatal({ err: error }, 'could not connect to Discord');
    process.stderr.write(`citebot: could not connect to Discord: ${message.split(config.token).join('[redacted]')}\n`);
    await bot.stop().catch(() => undefined);
    await engine.close().catch(() => undefined);
    process.exit(1);
  }
}

await main();
