/** Token buckets per user and per guild for questions (/ask, mentions, the context menu, More passages). */
import type { RateSpec } from './config.ts';

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
  scope: 'user' | 'guild';
  retryAt: number;
}

/** Both limits at once: a question is allowed only when the user and the guild each have a token. */
export class AskLimiter {
  readonly user: RateLimiter;
  readonly guild: RateLimiter;

  constructor(user: RateSpec, guild: RateSpec, private readonly now: () => number = Date.now) {
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
    if (guildId) {
      const guildAt = this.guild.retryAt(guildId, now);
      if (guildAt > now) return { scope: 'guild', retryAt: guildAt };
      this.guild.take(guildId);
    }
    this.user.take(userId);
    return null;
  }
}
