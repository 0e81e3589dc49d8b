/**
 * The one idiom for reading settings from the environment, shared by the engine's settings
 * (src/config.ts) and the bot's (src/bot/config.ts).
 *
 * Every setting is an optional string in the environment: blank means "use the default", and a
 * bad value adds an issue whose message names the variable and says what it must look like, so
 * `parseSettings` can list every problem at once.
 */
import { z } from 'zod';
import { UserError } from './errors.ts';

const TRUE = ['true', '1', 'yes', 'on'];
const FALSE = ['false', '0', 'no', 'off'];

/** A variable as read: absent and blank are the same ("use the default"). */
const raw = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

type Ctx = z.RefinementCtx;

function problem(ctx: Ctx, message: string): typeof z.NEVER {
  ctx.addIssue({ code: 'custom', message });
  return z.NEVER;
}

/** true/false (also 1/0, yes/no, on/off). */
export const flag = (name: string, fallback: boolean) =>
  raw.transform((v, ctx) => {
    if (v === undefined) return fallback;
    const s = v.toLowerCase();
    if (TRUE.includes(s)) return true;
    if (FALSE.includes(s)) return false;
    return problem(ctx, `${name} must be true or false`);
  });

function parseNumber(name: string, v: string, min: number, max: number, whole: boolean, ctx: Ctx): number {
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isFinite(n) || (whole && !Number.isInteger(n)) || n < min || n > max) {
    return problem(
      ctx,
      `${name} must be a ${whole ? 'whole number' : 'number'} from ${min} to ${max}, got "${v.slice(0, 40)}"`,
    );
  }
  return n;
}

/** A whole number in [min, max]. */
export const int = (name: string, min: number, max: number, fallback: number) =>
  raw.transform((v, ctx) => (v === undefined ? fallback : parseNumber(name, v, min, max, true, ctx)));

/** A whole number in [min, max], or null when unset. */
export const optionalInt = (name: string, min: number, max: number) =>
  raw.transform((v, ctx): number | null => (v === undefined ? null : parseNumber(name, v, min, max, true, ctx)));

/** A number in [min, max], or null when unset. */
export const optionalNumber = (name: string, min: number, max: number) =>
  raw.transform((v, ctx): number | null => (v === undefined ? null : parseNumber(name, v, min, max, false, ctx)));

/** Free text, or the default. */
export const text = (fallback: string) => raw.transform((v) => v ?? fallback);

/** Free text, or null when unset. */
export const optionalText = () => raw.transform((v): string | null => v ?? null);

/** One of a fixed set of words (case ignored). */
export const oneOf = <const T extends string>(name: string, values: readonly T[], fallback: T) =>
  raw.transform((v, ctx): T => {
    if (v === undefined) return fallback;
    const s = v.toLowerCase();
    if ((values as readonly string[]).includes(s)) return s as T;
    return problem(ctx, `${name} must be one of ${values.join(', ')}, got "${v.slice(0, 40)}"`);
  });

/** An http(s) URL, trailing slashes removed. */
export const httpUrl = (name: string, fallback: string) =>
  raw.transform((v, ctx) => {
    const s = v ?? fallback;
    try {
      const u = new URL(s);
      if (u.protocol === 'http:' || u.protocol === 'https:') return s.replace(/\/+$/, '');
    } catch {
      // reported below
    }
    return problem(ctx, `${name} must be an http(s) URL like ${fallback}`);
  });

/** A comma-separated list; blank items dropped. */
export const list = () =>
  raw.transform((v) =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Validates `env` against `schema` and returns its output; throws one `config_invalid` UserError
 * listing every problem, each naming its variable. `redact` values never appear in the message.
 */
export function parseSettings<S extends z.ZodType>(
  schema: S,
  env: NodeJS.ProcessEnv,
  options: { what: string; seeAlso: string; redact?: (string | undefined)[] },
): z.output<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const secrets = (options.redact ?? []).filter((s): s is string => typeof s === 'string' && s.length >= 4);
  const problems = parsed.error.issues.map((issue) => {
    const where = issue.path.join('.');
    const message = !where || issue.message.includes(where) ? issue.message : `${where}: ${issue.message}`;
    return secrets.reduce((m, secret) => m.split(secret).join('[redacted]'), message);
  });
  throw new UserError(
    'config_invalid',
    `invalid ${options.what}:\n  - ${problems.join('\n  - ')}\n(see ${options.seeAlso})`,
  );
}
