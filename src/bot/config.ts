/**
 * The Discord bot's settings. The only reader of the bot's environment variables
 * (the engine's own settings are read by src/config.ts). Every problem is reported at once,
 * and the token is never part of a message.
 */
import { z } from 'zod';
import { flag, httpUrl, int, list, LOG_LEVELS, oneOf, optionalText, parseSettings } from '../settings.ts';

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

const UNITS: Record<string, number> = {
  s: 1000,
  sec: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
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

const rate = (name: string, fallback: string) =>
  optionalText().transform((v, ctx) => {
    const r = parseRate(v ?? fallback);
    if (r) return r;
    ctx.addIssue({ code: 'custom', message: `${name} must look like 5/min, 60/hour or 10/30s` });
    return z.NEVER;
  });

/** A required value checked by `valid`; `missing` says where to find it. */
const required = (missing: string, valid: (v: string) => string | null, clean: (v: string) => string = (v) => v) =>
  optionalText().transform((v, ctx) => {
    const problem = v === null ? missing : valid(clean(v));
    if (problem === null) return clean(v!);
    ctx.addIssue({ code: 'custom', message: problem });
    return z.NEVER;
  });

const snowflake = (name: string, what: string) =>
  optionalText().transform((v, ctx): string | null => {
    if (v === null || SNOWFLAKE.test(v)) return v;
    ctx.addIssue({ code: 'custom', message: `${name} must be a numeric ${what} (17–20 digits)` });
    return z.NEVER;
  });

const snowflakes = (name: string, what: string) =>
  list().transform((ids, ctx) => {
    const bad = ids.filter((id) => !SNOWFLAKE.test(id));
    if (!bad.length) return ids;
    ctx.addIssue({
      code: 'custom',
      message: `${name} must be comma-separated ${what}; not ids: ${bad.map((b) => b.slice(0, 30)).join(', ')}`,
    });
    return z.NEVER;
  });

const TOKEN_MISSING = 'DISCORD_TOKEN is missing: copy the bot token from the developer portal (Bot → Reset Token)';
const APP_MISSING =
  'DISCORD_APPLICATION_ID is missing: copy the Application ID from the developer portal (General Information)';

/** The bot's variables, each with its default; documented in .env.example and docs/discord.md. */
const BotSettings = z
  .object({
    DISCORD_TOKEN: required(
      TOKEN_MISSING,
      (t) =>
        TOKEN_PATTERN.test(t)
          ? null
          : `DISCORD_TOKEN is malformed (${t.length} characters; a bot token is three dot-separated parts like XXXXXXXX.YYYYYY.ZZZZZZZZ)`,
      (t) => t.replace(/^Bot\s+/i, ''),
    ),
    DISCORD_APPLICATION_ID: required(APP_MISSING, (t) =>
      SNOWFLAKE.test(t) ? null : `DISCORD_APPLICATION_ID must be a numeric id (17–20 digits), got "${t.slice(0, 40)}"`,
    ),
    DISCORD_API_URL: httpUrl('DISCORD_API_URL', DEFAULT_DISCORD_API_URL).transform((u) => u.replace(/\/v\d+$/, '')),
    DISCORD_GUILD_ID: snowflake('DISCORD_GUILD_ID', 'server id'),
    ASK_CHANNELS: list().transform((names) => names.map((n) => n.replace(/^#/, '')).filter(Boolean)),
    MENTION_REPLY: oneOf('MENTION_REPLY', ['reply', 'thread'], 'reply'),
    SHARE_LIBRARY: flag('SHARE_LIBRARY', true),
    MODERATOR_ROLE_IDS: snowflakes('MODERATOR_ROLE_IDS', 'role ids'),
    ASK_RATE_USER: rate('ASK_RATE_USER', '5/min'),
    ASK_RATE_GUILD: rate('ASK_RATE_GUILD', '60/min'),
    // Autocomplete asks on keystrokes, so look-ups get more room than questions.
    BROWSE_RATE_USER: rate('BROWSE_RATE_USER', '60/min'),
    BROWSE_RATE_GUILD: rate('BROWSE_RATE_GUILD', '600/min'),
    LOG_QUESTIONS: flag('LOG_QUESTIONS', false),
    LOG_LEVEL: oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    ASK_DEFAULT_COUNT: int('ASK_DEFAULT_COUNT', 0, 5, 2),
    INGEST_MAX_BYTES: int('INGEST_MAX_BYTES', 1024, 50 * 1024 * 1024, 2 * 1024 * 1024),
    URL_FETCH_TIMEOUT_MS: int('URL_FETCH_TIMEOUT_MS', 500, 120_000, 10_000),
    // The lower bound is 1 ms so tests can make a real search overrun; operators keep the default.
    ASK_TIMEOUT_MS: int('ASK_TIMEOUT_MS', 1, 600_000, 30_000),
    SHUTDOWN_TIMEOUT_MS: int('SHUTDOWN_TIMEOUT_MS', 100, 120_000, 10_000),
  })
  .transform((e) => ({
    token: e.DISCORD_TOKEN,
    applicationId: e.DISCORD_APPLICATION_ID,
    apiUrl: e.DISCORD_API_URL,
    /** Guild for `deploy-commands` (fast per-guild registration); null: global. */
    guildId: e.DISCORD_GUILD_ID,
    /** Channel names or ids where `@citebot question` is answered; empty: mention mode off. */
    askChannels: e.ASK_CHANNELS,
    /** How mention-mode answers are posted. */
    mentionReply: e.MENTION_REPLY,
    shareLibrary: e.SHARE_LIBRARY,
    moderatorRoleIds: e.MODERATOR_ROLE_IDS,
    /** Questions per user and per server (direct messages share one server-sized bucket). */
    rateUser: e.ASK_RATE_USER,
    rateGuild: e.ASK_RATE_GUILD,
    /** Look-ups (/sources and its pages, Context, suggestions) per user and per server. */
    browseRateUser: e.BROWSE_RATE_USER,
    browseRateGuild: e.BROWSE_RATE_GUILD,
    /** Log question text (otherwise only its length). */
    logQuestions: e.LOG_QUESTIONS,
    logLevel: e.LOG_LEVEL,
    /** Default further passages shown by /ask (0–5). */
    askDefaultCount: e.ASK_DEFAULT_COUNT,
    /** Largest /ingest input (file, URL body or pasted text). */
    ingestMaxBytes: e.INGEST_MAX_BYTES,
    urlTimeoutMs: e.URL_FETCH_TIMEOUT_MS,
    /** Longest a question may wait and search before the asker is told to try again. */
    askTimeoutMs: e.ASK_TIMEOUT_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  }));

export type BotConfig = Readonly<z.output<typeof BotSettings>>;

/** Reads and validates the bot settings; throws one UserError listing every problem (never the token). */
export function loadBotConfig(env: NodeJS.ProcessEnv = process.env): BotConfig {
  return Object.freeze(
    parseSettings(BotSettings, env, {
      what: 'bot settings',
      seeAlso: 'docs/discord.md',
      redact: [env.DISCORD_TOKEN?.trim()],
    }),
  );
}

/** Only what deploy-commands needs (no engine, no rate settings). */
export function loadDeployConfig(
  env: NodeJS.ProcessEnv = process.env,
): Pick<BotConfig, 'token' | 'applicationId' | 'apiUrl' | 'guildId'> {
  const c = loadBotConfig({
    DISCORD_TOKEN: env.DISCORD_TOKEN,
    DISCORD_APPLICATION_ID: env.DISCORD_APPLICATION_ID,
    DISCORD_API_URL: env.DISCORD_API_URL,
    DISCORD_GUILD_ID: env.DISCORD_GUILD_ID,
  });
  return { token: c.token, applicationId: c.applicationId, apiUrl: c.apiUrl, guildId: c.guildId };
}
