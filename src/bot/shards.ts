/**
 * `npm run start:sharded`: runs the bot as one process per shard on this machine, with discord.js's
 * ShardingManager. Each shard process is `npm start` (src/bot/main.ts) with SHARDS and SHARD_COUNT
 * set by the manager; all of them use the same store (DATA_DIR, or DATABASE_URL).
 *
 * SHARD_COUNT shards in all ('auto': Discord's recommendation from GET /gateway/bot), of which this
 * machine runs SHARD_LIST (default: all), started SHARD_SPAWN_DELAY_MS apart. A shard that exits is
 * started again, after a pause that doubles while it keeps failing (1 s up to 60 s). SIGTERM/SIGINT:
 * every shard is asked to stop (it finishes its in-flight replies), then the manager exits.
 *
 * Settings are validated here first, so a typo is one clear error rather than N crashing shards.
 */
import dotenv from 'dotenv';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { ShardingManager, type Shard } from 'discord.js';
import { pino, type Logger } from 'pino';
import { loadConfig } from '../config.ts';
import { loadBotConfig, type BotConfig } from './config.ts';
import { loadShardManagerConfig, type ShardManagerConfig } from './shard-settings.ts';

dotenv.config({ quiet: true });

const SHARD_ENTRY = fileURLToPath(new URL('./main.ts', import.meta.url));
const RESPAWN_FIRST_MS = 1000;
const RESPAWN_MAX_MS = 60_000;
/** A shard that ran this long before exiting starts again after the shortest pause. */
const HEALTHY_RUN_MS = 60_000;

function readSettings(): { bot: BotConfig; shards: ShardManagerConfig } {
  const problems: string[] = [];
  const attempt = <T>(read: () => T): T | null => {
    try {
      return read();
    } catch (error) {
      problems.push((error as Error).message);
      return null;
    }
  };
  const bot = attempt(() => loadBotConfig(process.env));
  attempt(() => loadConfig(process.env)); // the shards read the engine settings; check them once here
  const shards = attempt(() => loadShardManagerConfig(process.env));
  if (!bot || !shards || problems.length) {
    process.stderr.write(`citebot: cannot start the shards:\n${problems.join('\n')}\n`);
    process.exit(2);
  }
  return { bot, shards };
}

function createLogger(level: string, secret: string): Logger {
  const stream = { write: (line: string): void => void process.stdout.write(line.split(secret).join('[redacted]')) };
  return pino({ name: 'citebot-shards', level }, stream);
}

/** Discord's recommended shard count, asked of DISCORD_API_URL (discord.js's own helper only asks discord.com). */
async function recommendedShardCount(config: BotConfig): Promise<number> {
  const response = await fetch(`${config.apiUrl}/v10/gateway/bot`, {
    headers: { Authorization: `Bot ${config.token}` },
    signal: AbortSignal.timeout(config.urlTimeoutMs),
  });
  if (response.status === 401)
    throw new Error('Discord refused the token (401) when asked for the shard count: check DISCORD_TOKEN');
  if (!response.ok)
    throw new Error(
      `Discord answered ${response.status} when asked for the shard count (GET /gateway/bot); set SHARD_COUNT to a number to skip it`,
    );
  const body = (await response.json()) as { shards?: unknown };
  if (!Number.isInteger(body.shards) || (body.shards as number) < 1)
    throw new Error('Discord gave no shard count (GET /gateway/bot); set SHARD_COUNT to a number');
  return body.shards as number;
}

/** Resolves when the shard reports ready, or after `timeoutMs` (the next shard starts anyway). */
function readyOrTimeout(shard: Shard, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      shard.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    const onReady = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    shard.once('ready', onReady);
  });
}

async function main(): Promise<void> {
  const settings = readSettings();
  const { bot: config } = settings;
  const log = createLogger(config.logLevel, config.token);

  let total: number;
  try {
    total = settings.shards.shardCount === 'auto' ? await recommendedShardCount(config) : settings.shards.shardCount;
  } catch (error) {
    log.fatal({ err: error }, 'could not get the shard count');
    process.stderr.write(`citebot: ${(error as Error).message.split(config.token).join('[redacted]')}\n`);
    process.exit(1);
  }
  const ids = settings.shards.shardList === 'auto' ? [...Array(total).keys()] : settings.shards.shardList;
  if (ids.some((id) => id >= total)) {
    process.stderr.write(
      `citebot: SHARD_LIST (${ids.join(',')}) names shards past the ${total} Discord recommends; set SHARD_COUNT\n`,
    );
    process.exit(2);
  }
  log.info(
    { event: 'shards_starting', shardCount: total, shards: ids },
    `starting shards ${ids.join(', ')} of ${total}`,
  );

  const manager = new ShardingManager(SHARD_ENTRY, {
    totalShards: total,
    shardList: ids,
    token: config.token,
    mode: 'process',
    // Restarts are ours (with a growing pause), not discord.js's immediate ones.
    respawn: false,
    // The shards run TypeScript through the same loader as this process (tsx).
    execArgv: process.execArgv,
  });

  let stopping = false;
  const failures = new Map<number, number>();

  const watch = (shard: Shard): void => {
    let startedAt = Date.now();
    // mode 'process': the shard's child is a ChildProcess, never a Worker.
    shard.on('spawn', (spawned) => {
      const child = spawned as ChildProcess;
      startedAt = Date.now();
      log.info(
        { event: 'shard_spawned', shard: shard.id, pid: child.pid },
        `shard ${shard.id} started (pid ${child.pid})`,
      );
    });
    shard.on('ready', () => log.info({ event: 'shard_ready', shard: shard.id }, `shard ${shard.id} is connected`));
    shard.on('error', (error) => log.error({ err: error, shard: shard.id }, `shard ${shard.id} failed`));
    shard.on('death', (exited) => {
      const child = exited as ChildProcess;
      const exit = { code: child.exitCode, signal: child.signalCode };
      if (stopping) {
        log.info({ event: 'shard_stopped', shard: shard.id, ...exit }, `shard ${shard.id} stopped`);
        return;
      }
      const failed = Date.now() - startedAt < HEALTHY_RUN_MS ? (failures.get(shard.id) ?? 0) + 1 : 1;
      failures.set(shard.id, failed);
      const pauseMs = Math.min(RESPAWN_MAX_MS, RESPAWN_FIRST_MS * 2 ** (failed - 1));
      log.warn(
        { event: 'shard_exited', shard: shard.id, ...exit, restartInMs: pauseMs },
        `shard ${shard.id} exited; starting it again in ${pauseMs} ms`,
      );
      setTimeout(() => {
        if (!stopping)
          shard
            .spawn(-1)
            .catch((error: unknown) => log.error({ err: error, shard: shard.id }, 'could not restart the shard'));
      }, pauseMs).unref();
    });
  };

  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    const running = [...manager.shards.values()].filter((s) => s.process && s.process.exitCode === null);
    log.info({ event: 'stopping', signal, shards: running.map((s) => s.id) }, 'stopping the shards');
    const exits = running.map(
      (s) => new Promise<number | null>((resolve) => s.process!.once('exit', (code) => resolve(code))),
    );
    for (const s of running) s.process!.kill('SIGTERM');
    // Each shard waits up to SHUTDOWN_TIMEOUT_MS for its in-flight replies, then closes its store.
    const timer = setTimeout(() => {
      log.warn({ event: 'stop_timeout' }, 'shards did not stop in time; killing them');
      for (const s of running) s.process?.kill('SIGKILL');
    }, config.shutdownTimeoutMs + 15_000);
    const codes = await Promise.all(exits);
    clearTimeout(timer);
    const clean = codes.every((c) => c === 0);
    log.info({ event: 'stopped', clean }, clean ? 'all shards stopped cleanly' : 'shards stopped, not all cleanly');
    process.exit(clean ? 0 : 1);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  // Started one after another: Discord accepts one IDENTIFY per 5 s (max_concurrency 1).
  for (const [i, id] of ids.entries()) {
    if (stopping) return;
    const shard = manager.createShard(id);
    watch(shard);
    await shard.spawn(-1);
    const ready = await readyOrTimeout(shard, settings.shards.readyTimeoutMs);
    if (!ready && !stopping)
      log.warn(
        { event: 'shard_slow', shard: id },
        `shard ${id} is not ready after ${settings.shards.readyTimeoutMs} ms; starting the next one anyway`,
      );
    if (i < ids.length - 1) await sleep(settings.shards.spawnDelayMs);
  }
  if (!stopping) log.info({ event: 'shards_started', shards: ids }, 'every shard of this machine has started');
}

await main();
