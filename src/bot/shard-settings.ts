/**
 * Sharding settings.
 *
 * `npm start` runs the shards discord.js's Client reads from the environment: SHARDS (one id, or a
 * JSON list like [0,1]) of SHARD_COUNT in all. They are validated here so a typo is a clear start-up
 * error, not a JSON.parse exception inside discord.js.
 *
 * `npm run start:sharded` (src/bot/shards.ts) spawns one process per shard with discord.js's
 * ShardingManager: SHARD_COUNT shards in all ('auto': what Discord recommends), of which this machine
 * runs SHARD_LIST (default all), each SHARD_SPAWN_DELAY_MS after the previous one became ready.
 */
import { z } from 'zod';
import { int, optionalText, parseSettings } from '../settings.ts';

const MAX_SHARDS = 10_000;

function problem(ctx: z.RefinementCtx, message: string): typeof z.NEVER {
  ctx.addIssue({ code: 'custom', message });
  return z.NEVER;
}

const isShardId = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 0 && (n as number) < MAX_SHARDS;

/** SHARDS as discord.js reads it (JSON.parse): one id or a JSON list of ids; null when unset. */
const clientShards = optionalText().transform((v, ctx): number[] | null => {
  if (v === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch {
    parsed = undefined;
  }
  const ids = Array.isArray(parsed) ? parsed : [parsed];
  if (ids.length > 0 && ids.every(isShardId)) return ids as number[];
  return problem(ctx, `SHARDS must be a shard id like 0 or a JSON list like [0,1], got "${v.slice(0, 40)}"`);
});

/** SHARD_COUNT: a whole number of shards, or 'auto' (only start:sharded; discord.js's Client needs a number). */
const shardCount = (allowAuto: boolean) =>
  optionalText().transform((v, ctx): number | 'auto' | null => {
    if (v === null) return allowAuto ? 'auto' : null;
    if (allowAuto && v.toLowerCase() === 'auto') return 'auto';
    const n = Number(v);
    if (Number.isInteger(n) && n >= 1 && n <= MAX_SHARDS) return n;
    return problem(
      ctx,
      `SHARD_COUNT must be a whole number of shards from 1 to ${MAX_SHARDS}${allowAuto ? " or 'auto'" : ''}, got "${v.slice(0, 40)}"`,
    );
  });

/** SHARD_LIST: comma-separated shard ids ("0,1"), or 'auto'/unset for every shard. */
const shardList = optionalText().transform((v, ctx): number[] | 'auto' => {
  if (v === null || v.toLowerCase() === 'auto') return 'auto';
  const parts = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const ids = parts.map(Number);
  if (parts.length > 0 && ids.every(isShardId) && parts.every((p) => /^\d+$/.test(p)))
    return [...new Set(ids)].sort((a, b) => a - b);
  return problem(ctx, `SHARD_LIST must be comma-separated shard ids like 0,1 (or auto), got "${v.slice(0, 40)}"`);
});

const ClientShardSettings = z
  .object({ SHARDS: clientShards, SHARD_COUNT: shardCount(false) })
  .superRefine((e, ctx) => {
    if (e.SHARDS && e.SHARD_COUNT === null) {
      ctx.addIssue({
        code: 'custom',
        message: 'SHARDS is set but SHARD_COUNT is not: give the total number of shards of the bot (all machines)',
      });
    }
    const count = e.SHARD_COUNT;
    if (e.SHARDS && typeof count === 'number' && e.SHARDS.some((id) => id >= count)) {
      ctx.addIssue({
        code: 'custom',
        message: `SHARDS lists shard ids from 0 to ${count - 1} only (SHARD_COUNT is ${count}), got ${JSON.stringify(e.SHARDS)}`,
      });
    }
  })
  .transform((e) => ({ shards: e.SHARDS, shardCount: e.SHARD_COUNT as number | null }));

/** The shards `npm start` runs; both null: discord.js's default (every shard Discord recommends, in this process). */
export type ClientShardConfig = Readonly<z.output<typeof ClientShardSettings>>;

/** Validates SHARDS / SHARD_COUNT as discord.js's Client will read them. */
export function loadClientShardConfig(env: NodeJS.ProcessEnv = process.env): ClientShardConfig {
  return Object.freeze(
    parseSettings(ClientShardSettings, env, { what: 'shard settings', seeAlso: 'docs/operations.md "Running shards"' }),
  );
}

const ManagerSettings = z
  .object({
    SHARD_COUNT: shardCount(true),
    SHARD_LIST: shardList,
    // Discord lets a bot IDENTIFY once every 5 s (max_concurrency 1): shards started faster are refused.
    SHARD_SPAWN_DELAY_MS: int('SHARD_SPAWN_DELAY_MS', 0, 600_000, 5500),
    // How long a shard may take to open its store and connect before the next one is started anyway.
    SHARD_READY_TIMEOUT_MS: int('SHARD_READY_TIMEOUT_MS', 1000, 3_600_000, 180_000),
  })
  .superRefine((e, ctx) => {
    const count = e.SHARD_COUNT;
    if (e.SHARD_LIST !== 'auto' && typeof count === 'number' && e.SHARD_LIST.some((id) => id >= count)) {
      ctx.addIssue({
        code: 'custom',
        message: `SHARD_LIST lists shard ids from 0 to ${count - 1} only (SHARD_COUNT is ${count}), got ${e.SHARD_LIST.join(',')}`,
      });
    }
    if (e.SHARD_LIST !== 'auto' && count === 'auto') {
      ctx.addIssue({
        code: 'custom',
        message:
          "SHARD_LIST needs SHARD_COUNT as a number: every machine must agree on the total, which Discord's recommendation may change",
      });
    }
  })
  .transform((e) => ({
    /** Shards of the whole bot (all machines); 'auto': Discord's recommendation at start. */
    shardCount: e.SHARD_COUNT as number | 'auto',
    /** Shards this machine runs; 'auto': all of them. */
    shardList: e.SHARD_LIST,
    spawnDelayMs: e.SHARD_SPAWN_DELAY_MS,
    readyTimeoutMs: e.SHARD_READY_TIMEOUT_MS,
  }));

export type ShardManagerConfig = Readonly<z.output<typeof ManagerSettings>>;

/** Validates the settings of `npm run start:sharded`; one config_invalid error lists every problem. */
export function loadShardManagerConfig(env: NodeJS.ProcessEnv = process.env): ShardManagerConfig {
  return Object.freeze(
    parseSettings(ManagerSettings, env, { what: 'shard settings', seeAlso: 'docs/operations.md "Running shards"' }),
  );
}
