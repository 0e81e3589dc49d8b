/**
 * The Discord bot's settings. The only reader of the bot's environment variables
 * (the engine's own settings are read by src/config.ts). Every problem is reported at once,
 * and the token is never part of a message.
 */
import { z } from 'zod';
import { UserError } from '../errors.ts';

export const DEFAULT_DISCORD_API_URL = 'https://discord.com/api';

/** A bot token: three base64url parts separated by dots (id.timestamp.hmac). */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{18,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$/;
const SNOWFLAKE = /^\d{17,20}$/;

export interface RateSpec {
  /** Requests allowed per window. */
  limit: number;
  windowMs: number;
  /** As written, e.g. "5/min". */
  text: string;
}

export interface BotConfig {
  token: string;
  applicationId: string;
  apiUrl: string;
  /** Guild for `deploy-commands` (fast per-guild registration); null: global. */
  guildId: string | null;
  /** Channel names or ids where `@citebot question` is answered; empty: mention mode off. */
  askChannels: string[];
  /** How mention-mode answers are posted. */
  mentionReply: 'reply' | 'thread';
  shareLibrary: boolean;
  moderatorRoleIds: string[];
  rateUser: RateSpec;
  rateGuild: RateSpec;
  /** Log question text (otherwise only its length). */
  logQuestions: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Default further passages shown by /ask (1–5). */
  askDefaultCount: number;
  /** Largest /ingest input (file, URL body or pasted text). */
  ingestMaxBytes: number;
  urlTimeoutMs: number;
  /** Longest a question may wait and search before the asker is told to try again. */
  askTimeoutMs: number;
  shutdownTimeoutMs: number;
}

const UNITS: Record<string, number> = {
  s: 1000, sec: 1000, second: 1000, seconds: 1000,
  m: 60_000, min: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hour: 3_600_000, hours: 3_600_000,
  d: 86_400_000, day: 86_400_000,
};

/** "5/min", "60/minute", "10/30s", "100/hour". */
export function parseRate(text: string): RateSpec | null {
  const m = /^\s*(\d+)\s*\/\s*(\d+)?\s*([a-z]+)\s*$/i.exec(text);
  if (!m) return null;
  const name = m[3]!.toLowerCase();
  const unit = Object.hasOwn(UNITS, name) ? UNITS[name] : undefined;
  const limit = Number(m[1]);
  const times = m[2] ? Number(m[2]) : 1;
  if (!unit || limit < 1 || limit > 100_000 || times < 1) return null;
  return { limit, windowMs: unit * times, text: text.trim() };
}

const flag = (name: string, fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback;
      const s = v.trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(s)) return true;
      if (['false', '0', 'no', 'off'].includes(s)) return false;
      ctx.addIssue({ code: 'custom', message: `${name} must be true or false` });
      return z.NEVER;
    });

const list = (v: string | undefined): string[] =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim().replace(/^#/, ''))
    .filter(Boolean);

const rate = (name: string, fallback: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const r = parseRate(v && v.trim() ? v : fallback);
      if (!r) {
        ctx.addIssue({ code: 'custom', message: `${name} must look like 5/min, 60/hour or 10/30s` });
        return z.NEVER;
      }
      return r;
    });

const int = (name: string, min: number, max: number, fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `${name} must be a whole number from ${min} to ${max}` });
        return z.NEVER;
      }
      return n;
    });

const BotEnv = z.object({
  DISCORD_TOKEN: z
    .string({ error: 'DISCORD_TOKEN is missing: copy the bot token from the developer portal (Bot → Reset Token)' })
    .transform((v, ctx) => {
      const t = v.trim().replace(/^Bot\s+/i, '');
      if (t === '') {
        ctx.addIssue({ code: 'custom', message: 'DISCORD_TOKEN is missing: copy the bot token from the developer portal (Bot → Reset Token)' });
        return z.NEVER;
      }
      if (!TOKEN_PATTERN.test(t)) {
        ctx.addIssue({
          code: 'custom',
          message: `DISCORD_TOKEN is malformed (${t.length} characters; a bot token is three dot-separated parts like XXXXXXXX.YYYYYY.ZZZZZZZZ)`,
        });
        return z.NEVER;
      }
      return t;
    }),
  DISCORD_APPLICATION_ID: z
    .string({ error: 'DISCORD_APPLICATION_ID is missing: copy the Application ID from the developer portal (General Information)' })
    .transform((v, ctx) => {
      const t = v.trim();
      if (t === '') {
        ctx.addIssue({ code: 'custom', message: 'DISCORD_APPLICATION_ID is missing: copy the Application ID from the developer portal (General Information)' });
        return z.NEVER;
      }
      if (!SNOWFLAKE.test(t)) {
        ctx.addIssue({ code: 'custom', message: `DISCORD_APPLICATION_ID must be a numeric id (17–20 digits), got "${t.slice(0, 40)}"` });
        return z.NEVER;
      }
      return t;
    }),
  DISCORD_API_URL: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const s = v?.trim() || DEFAULT_DISCORD_API_URL;
      try {
        const u = new URL(s);
        if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
      } catch {
        ctx.addIssue({ code: 'custom', message: `DISCORD_API_URL must be an http(s) URL like ${DEFAULT_DISCORD_API_URL}` });
        return z.NEVER;
      }
      return s.replace(/\/+$/, '').replace(/\/v\d+$/, '');
    }),
  DISCORD_GUILD_ID: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (!v || !v.trim()) return null;
      if (!SNOWFLAKE.test(v.trim())) {
        ctx.addIssue({ code: 'custom', message: 'DISCORD_GUILD_ID must be a numeric server id (17–20 digits)' });
        return z.NEVER;
      }
      return v.trim();
    }),
  ASK_CHANNELS: z.string().optional().transform(list),
  MENTION_REPLY: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const s = (v ?? '').trim().toLowerCase() || 'reply';
      if (s !== 'reply' && s !== 'thread') {
        ctx.addIssue({ code: 'custom', message: 'MENTION_REPLY must be reply or thread' });
        return z.NEVER;
      }
      return s as 'reply' | 'thread';
    }),
  SHARE_LIBRARY: flag('SHARE_LIBRARY', true),
  MODERATOR_ROLE_IDS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const ids = list(v);
      const bad = ids.filter((id) => !SNOWFLAKE.test(id));
      if (bad.length) {
        ctx.addIssue({ code: 'custom', message: `MODERATOR_ROLE_IDS must be comma-separated role ids; not ids: ${bad.map((b) => b.slice(0, 30)).join(', ')}` });
        return z.NEVER;
      }
      return ids;
    }),
  ASK_RATE_USER: rate('ASK_RATE_USER', '5/min'),
  ASK_RATE_GUILD: rate('ASK_RATE_GUILD', '60/min'),
  LOG_QUESTIONS: flag('LOG_QUESTIONS', false),
  LOG_LEVEL: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const s = (v ?? '').trim().toLowerCase() || 'info';
      const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
      if (!(levels as readonly string[]).includes(s)) {
        ctx.addIssue({ code: 'custom', message: `LOG_LEVEL must be one of ${levels.join(', ')}` });
        return z.NEVER;
      }
      return s as BotConfig['logLevel'];
    }),
  ASK_DEFAULT_COUNT: int('ASK_DEFAULT_COUNT', 0, 5, 2),
  INGEST_MAX_BYTES: int('INGEST_MAX_BYTES', 1024, 50 * 1024 * 1024, 2 * 1024 * 1024),
  URL_FETCH_TIMEOUT_MS: int('URL_FETCH_TIMEOUT_MS', 500, 120_000, 10_000),
  // The lower bound is 1 ms so tests can make a real search overrun; operators keep the default.
  ASK_TIMEOUT_MS: int('ASK_TIMEOUT_MS', 1, 600_000, 30_000),
  SHUTDOWN_TIMEOUT_MS: int('SHUTDOWN_TIMEOUT_MS', 100, 120_000, 10_000),
});

/** Reads and validates the bot settings; throws one UserError listing every problem (never the token). */
export function loadBotConfig(env: NodeJS.ProcessEnv = process.env): BotConfig {
  const parsed = BotEnv.safeParse(env);
  if (!parsed.success) {
    const token = env.DISCORD_TOKEN?.trim();
    const problems = parsed.error.issues.map((issue) => {
      const where = issue.path.join('.');
      const text = issue.message.includes(where) || !where ? issue.message : `${where}: ${issue.message}`;
      return token && token.length >= 4 ? text.split(token).join('[redacted]') : text;
    });
    throw new UserError('config_invalid', `invalid bot settings:\n  - ${problems.join('\n  - ')}\n(see docs/discord.md)`);
  }
  const e = parsed.data;
  return Object.freeze({
    token: e.DISCORD_TOKEN,
    applicationId: e.DISCORD_APPLICATION_ID,
    apiUrl: e.DISCORD_API_URL,
    guildId: e.DISCORD_GUILD_ID,
    askChannels: e.ASK_CHANNELS,
    mentionReply: e.MENTION_REPLY,
    shareLibrary: e.SHARE_LIBRARY,
    moderatorRoleIds: e.MODERATOR_ROLE_IDS,
    rateUser: e.ASK_RATE_USER,
    rateGuild: e.ASK_RATE_GUILD,
    logQuestions: e.LOG_QUESTIONS,
    logLevel: e.LOG_LEVEL,
    askDefaultCount: e.ASK_DEFAULT_COUNT,
    ingestMaxBytes: e.INGEST_MAX_BYTES,
    urlTimeoutMs: e.URL_FETCH_TIMEOUT_MS,
    askTimeoutMs: e.ASK_TIMEOUT_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  });
}

/** Only what deploy-commands needs (no engine, no rate settings). */
export function loadDeployConfig(env: NodeJS.ProcessEnv = process.env): Pick<BotConfig, 'token' | 'applicationId' | 'apiUrl' | 'guildId'> {
  const c = loadBotConfig({
    DISCORD_TOKEN: env.DISCORD_TOKEN,
    DISCORD_APPLICATION_ID: env.DISCORD_APPLICATION_ID,
    DISCORD_API_URL: env.DISCORD_API_URL,
    DISCORD_GUILD_ID: env.DISCORD_GUILD_ID,
  });
  return { token: c.token, applicationId: c.applicationId, apiUrl: c.apiUrl, guildId: c.guildId };
}

