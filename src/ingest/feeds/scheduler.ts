/**
 * The feed scheduler: in the bot process (and `feeds watch`), polls every followed feed when it is
 * due (its interval, jittered, backed off after failures; see poll.ts), a few at a time. Each poll
 * is caught on its own: one feed's failure never stops the loop or the other feeds.
 */
import { UserError } from '../../errors.ts';
import type { FeedStore, FollowedFeed } from '../../store/store-api.ts';
import { pollFeed, type PollDeps, type PollResult } from './poll.ts';

export const DEFAULT_EVERY_MS = 15 * 60_000;
export const MIN_EVERY_MS = 5 * 60_000;
const MAX_EVERY_MS = 7 * 24 * 60 * 60_000;

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * "15m", "1h", "90s", "2d", or minutes as a bare number → milliseconds. `minMs` is 5 minutes for
 * operators; tests pass less. Throws `parse_failed` naming the allowed range.
 */
export function parseInterval(text: string, minMs = MIN_EVERY_MS): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d)?\s*$/i.exec(text);
  const ms = m ? Number(m[1]) * UNIT_MS[(m[2] ?? 'm').toLowerCase()]! : NaN;
  if (!Number.isFinite(ms) || ms < minMs || ms > MAX_EVERY_MS) {
    throw new UserError(
      'parse_failed',
      `"${text}" is not a feed interval; give one from ${Math.round(minMs / 60_000)}m to 7d, like 15m, 1h or 1d`,
    );
  }
  return Math.round(ms);
}

export interface SchedulerOptions {
  deps: PollDeps;
  store: FeedStore;
  /** Feeds polled at the same time (default 4); per-host spacing still applies. */
  concurrency?: number;
  /** Longest sleep between checks for due feeds (default 30 s): picks up feeds added meanwhile. */
  maxSleepMs?: number;
  onPoll?: (feed: FollowedFeed, result: PollResult) => void | Promise<void>;
  /**
   * Which feeds this process polls (default: all). Shards of one bot share a store: each polls
   * only its own guilds' feeds, and the shard holding shard 0 the library's.
   */
  owns?: (feed: FollowedFeed) => boolean;
  onError?: (error: unknown) => void;
}

export class FeedScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private stopped = true;
  private readonly active = new Set<number>();
  private current: Promise<void> = Promise.resolve();

  constructor(private readonly options: SchedulerOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops scheduling and waits for polls under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.current;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.current = this.tick();
      },
      Math.max(0, delayMs),
    );
    this.timer.unref();
  }

  /** Wakes the scheduler now (a feed was just added). */
  wake(): void {
    if (!this.running) this.schedule(0);
  }

  private async tick(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    let sleep = this.options.maxSleepMs ?? 30_000;
    try {
      await this.pollDue();
      const owns = this.options.owns ?? (() => true);
      const feeds = (await this.options.store.listFeeds()).filter(owns);
      const next = Math.min(...feeds.map((f) => Date.parse(f.nextPollAt)));
      if (Number.isFinite(next)) sleep = Math.min(sleep, Math.max(0, next - Date.now()));
    } catch (error) {
      this.options.onError?.(error);
    } finally {
      this.running = false;
      this.schedule(Math.max(sleep, 50));
    }
  }

  /** Polls every feed that is due, `concurrency` at a time; resolves when all are done. */
  async pollDue(): Promise<PollResult[]> {
    const now = Date.now();
    const owns = this.options.owns ?? (() => true);
    const due = (await this.options.store.listFeeds()).filter(
      (f) => Date.parse(f.nextPollAt) <= now && !this.active.has(f.id) && owns(f),
    );
    return this.pollMany(due);
  }

  async pollMany(feeds: readonly FollowedFeed[], onDone?: (result: PollResult) => void): Promise<PollResult[]> {
    const results: PollResult[] = [];
    const queue = [...feeds];
    const worker = async (): Promise<void> => {
      for (let feed = queue.shift(); feed && !this.stoppedDuring(); feed = queue.shift()) {
        this.active.add(feed.id);
        try {
          const result = await pollFeed(feed, this.options.deps);
          results.push(result);
          onDone?.(result);
          await this.options.onPoll?.(feed, result);
        } catch (error) {
          this.options.onError?.(error);
        } finally {
          this.active.delete(feed.id);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency ?? 4, feeds.length) }, worker));
    return results;
  }

  /** A scheduler that was started and then stopped ends its current round early. */
  private stoppedDuring(): boolean {
    return this.stopped && this.timer === null && this.running;
  }
}
