/**
 * Token buckets per user and per server. Two families share this code: questions (/ask, mentions,
 * the context menu, More passages) and look-ups (/sources and its pages, the Context button,
 * autocomplete suggestions). Direct messages have no server, so they share one bucket of their own
 * in place of the server's: a crowd of DMs is capped like one busy server.
 */
import { UserError } from '../errors.ts';
import type { Logger } from 'pino';
import type { BotConfig, RateSpec } from './config.ts';
import { rateLimitText, type RateAction } from './member-text.ts';

interface Bucket {
  tokens: number;
  updated: number;
}

/** A token bucket per key: `limit` tokens, refilled evenly over `windowMs`. */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  constructor(
    readonly spec: RateSpec,
    private readonly now: () => number = Date.now,
  ) {
    this.perMs = spec.limit / spec.windowMs;
  }

  private bucket(key: string, t: number): Bucket {
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: this.spec.limit, updated: t };
      this.buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.spec.limit, b.tokens + (t - b.updated) * this.perMs);
      b.updated = t;
    }
    return b;
  }

  /** When a token will be available for `key` (`t`, or later), without taking it. */
  retryAt(key: string, t: number = this.now()): number {
    const b = this.bucket(key, t);
    return b.tokens >= 1 - 1e-9 ? t : t + Math.ceil((1 - b.tokens) / this.perMs - 1e-6);
  }

  take(key: string): void {
    const b = this.bucket(key, this.now());
    b.tokens -= 1;
    if (this.buckets.size > 10_000) this.sweep();
  }

  private sweep(): void {
    const t = this.now();
    for (const [key, b] of this.buckets) {
      if (b.tokens + (t - b.updated) * this.perMs >= this.spec.limit) this.buckets.delete(key);
    }
  }
}

export interface RateDecision {
  /** Who ran out: the user, their server, or everyone asking in direct messages. */
  scope: 'user' | 'guild' | 'dms';
  retryAt: number;
}

/** The bucket that direct messages share in place of a server's. */
const DIRECT_MESSAGES = 'dms';

/** Both limits at once: an action is allowed only when the user and the server (or the DMs) each have a token. */
export class AskLimiter {
  readonly user: RateLimiter;
  readonly guild: RateLimiter;

  constructor(
    user: RateSpec,
    guild: RateSpec,
    private readonly now: () => number = Date.now,
  ) {
    this.user = new RateLimiter(user, now);
    this.guild = new RateLimiter(guild, now);
  }

  /** Takes a token from each bucket and returns null, or says who is limited and until when (taking nothing). */
  check(userId: string, guildId: string | null): RateDecision | null {
    // One reading of the clock for both buckets: a bucket read a millisecond later than `now`
    // would answer "free at t+1", which is later than now, and limit an idle server.
    const now = this.now();
    const userAt = this.user.retryAt(userId, now);
    if (userAt > now) return { scope: 'user', retryAt: userAt };
    const place = guildId ?? DIRECT_MESSAGES;
    const placeAt = this.guild.retryAt(place, now);
    if (placeAt > now) return { scope: guildId ? 'guild' : 'dms', retryAt: placeAt };
    this.guild.take(place);
    this.user.take(userId);
    return null;
  }
}

/** The bot's two rate caps. */
export interface RateLimits {
  ask: AskLimiter;
  browse: AskLimiter;
}

export function createRateLimits(
  config: Pick<BotConfig, 'rateUser' | 'rateGuild' | 'browseRateUser' | 'browseRateGuild'>,
): RateLimits {
  return {
    ask: new AskLimiter(config.rateUser, config.rateGuild),
    browse: new AskLimiter(config.browseRateUser, config.browseRateGuild),
  };
}

/**
 * Takes a token for `action`, or throws UserError('rate_limited') with the member's "try again
 * <in 20 seconds>" line (the error boundary shows it privately) after logging who was limited.
 */
export function enforceRate(
  limits: RateLimits,
  log: Logger,
  action: RateAction,
  userId: string,
  guildId: string | null,
): void {
  const decision = limits[action].check(userId, guildId);
  if (!decision) return;
  log.info(
    { event: 'rate_limited', action, scope: decision.scope, guildId, userId, retryInMs: decision.retryAt - Date.now() },
    `${action} rate-limited`,
  );
  throw new UserError('rate_limited', rateLimitText(decision.scope, decision.retryAt, action));
}
