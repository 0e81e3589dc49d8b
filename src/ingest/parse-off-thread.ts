/**
 * parseArticles and parseFeed on a worker thread, for the bot: Readability over a 2 MiB page takes
 * 1.5–2 s of CPU, and a followed feed's XML hundreds of milliseconds; on the main thread that would
 * stall every other interaction (Discord wants a deferral within 3 s). One worker is started on
 * first use and kept (unref'd) for the next parse while parses keep coming; after `idleMs` without
 * one it is stopped, since parsing a large page leaves it holding ~100 MB (jsdom's heap and the
 * parsers' modules) that only its exit gives back. A parse that crashes the worker or overruns its
 * time limit costs only that job, never the bot or the jobs queued behind it.
 */
import type { Worker } from 'node:worker_threads';
import { CitebotError, UserError, type ErrorCode } from '../errors.ts';
import { spawnWorker } from '../workers.ts';
import type { Article } from '../types.ts';
import { displayName } from './decode.ts';
import type { ParsedFeed } from './feeds/parse-feed.ts';
import type { ArticleInput, ParseLimits, SkippedRecords } from './parse.ts';

/** What the worker reads: an article's bytes, or a fetched feed or sitemap. */
export type ParseJob =
  /** With `collectSkipped`, bad NDJSON lines come back in `skipped` and the good ones are read. */
  | { kind: 'article'; input: ArticleInput; limits: ParseLimits; collectSkipped: boolean }
  | { kind: 'feed'; body: Uint8Array; charset: string | null; shown: string };

export interface ParseRequest {
  id: number;
  job: ParseJob;
}

export type ParseResponse =
  | { ready: true }
  | { id: number; articles: Article[]; skipped: SkippedRecords }
  | { id: number; feed: ParsedFeed }
  | { id: number; error: { user: boolean; code: ErrorCode; message: string } };

const WORKER_URL = new URL('./parse-worker.ts', import.meta.url);

interface Pending {
  /** Kept so the job can be sent again to a fresh worker when a job ahead of it kills the worker. */
  request: ParseRequest;
  resolve(result: { articles: Article[]; skipped: SkippedRecords } | ParsedFeed): void;
  reject(error: Error): void;
  name: string;
  /**
   * Armed when the worker starts on this job (it reads one input at a time, in order), so the
   * limit measures this job's reading, not the worker's start-up or the jobs queued before it.
   */
  timer: NodeJS.Timeout | null;
}

/** How long an idle parse worker is kept for the next parse (a new one takes ~1 s to start). */
export const PARSER_IDLE_MS = 15_000;

export class OffThreadParser {
  private worker: Worker | null = null;
  private workerReady = false;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly timeoutMs: number = 60_000,
    private readonly idleMs: number = PARSER_IDLE_MS,
  ) {}

  /** True while a parse worker is running (for tests and the load audit). */
  get running(): boolean {
    return this.worker !== null;
  }

  /**
   * Reads one input. With `skippedRecords`, bad NDJSON lines are pushed there and the good ones
   * returned (as parseInput does); without it the first bad line fails the whole input.
   */
  async parse(input: ArticleInput, limits: ParseLimits, skippedRecords?: SkippedRecords): Promise<Article[]> {
    const { articles, skipped } = await this.submit<{ articles: Article[]; skipped: SkippedRecords }>(
      { kind: 'article', input, limits, collectSkipped: skippedRecords !== undefined },
      displayName(input.name),
    );
    skippedRecords?.push(...skipped);
    return articles;
  }

  /** A fetched feed or sitemap (its bytes and declared charset) → its items; `shown` names it in errors. */
  parseFeed(body: Uint8Array, charset: string | null, shown: string): Promise<ParsedFeed> {
    return this.submit<ParsedFeed>({ kind: 'feed', body, charset, shown }, shown);
  }

  private submit<T extends { articles: Article[]; skipped: SkippedRecords } | ParsedFeed>(
    parseJob: ParseJob,
    name: string,
  ): Promise<T> {
    const id = this.nextId++;
    this.clearIdleTimer();
    const worker = this.ensureWorker();
    return new Promise<T>((resolve, reject) => {
      const request: ParseRequest = { id, job: parseJob };
      const job: Pending = { request, resolve: resolve as Pending['resolve'], reject, name, timer: null };
      this.pending.set(id, job);
      this.armHead(worker);
      worker.ref();
      worker.postMessage(request);
    });
  }

  private armHead(worker: Worker): void {
    const head = this.pending.values().next().value as Pending | undefined;
    if (!this.workerReady || !head || head.timer) return;
    head.timer = setTimeout(() => {
      // Only the job being read fails; the ones queued behind it go to a fresh worker.
      this.failHead(
        worker,
        (who) =>
          new UserError(
            'parser_stopped',
            `reading ${who} took longer than ${this.timeoutMs < 1000 ? `${this.timeoutMs} ms` : `${Math.round(this.timeoutMs / 1000)} s`}, so it was stopped; try a smaller or simpler file`,
          ),
      );
    }, this.timeoutMs);
  }

  private clearIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  /** Stops the worker once it has had nothing to read for `idleMs`, giving its memory back. */
  private retireWhenIdle(worker: Worker): void {
    this.clearIdleTimer();
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.worker !== worker || this.pending.size > 0) return;
      this.worker = null;
      void worker.terminate();
    }, this.idleMs);
    this.idleTimer.unref();
  }

  async close(): Promise<void> {
    this.clearIdleTimer();
    const worker = this.worker;
    if (!worker) return;
    this.failAll(worker, (who) => new UserError('parser_stopped', `stopped reading ${who}: citebot is shutting down`));
    await worker.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    // A pathological page may need a lot of memory; past this the worker, not the bot, runs out.
    const worker = spawnWorker(WORKER_URL, { resourceLimits: { maxOldGenerationSizeMb: 1024 } });
    worker.on('message', (response: ParseResponse) => this.settle(worker, response));
    worker.on('error', (error) =>
      this.failHead(
        worker,
        (who) =>
          new UserError(
            'parser_stopped',
            `couldn't read ${who}: the parser stopped (${error.message}); try a smaller or simpler file`,
            { cause: error },
          ),
      ),
    );
    worker.on('exit', (code) =>
      this.failHead(
        worker,
        (who) =>
          new UserError(
            'parser_stopped',
            `couldn't read ${who}: the parser stopped (exit code ${code}); try a smaller or simpler file`,
          ),
      ),
    );
    worker.unref();
    this.worker = worker;
    this.workerReady = false;
    return worker;
  }

  private settle(worker: Worker, response: ParseResponse): void {
    if ('ready' in response) {
      if (this.worker !== worker) return;
      this.workerReady = true;
      this.armHead(worker);
      return;
    }
    const job = this.pending.get(response.id);
    if (!job) return;
    this.pending.delete(response.id);
    if (job.timer) clearTimeout(job.timer);
    if (this.pending.size === 0) {
      worker.unref();
      this.retireWhenIdle(worker);
    } else this.armHead(worker);
    if ('articles' in response) job.resolve({ articles: response.articles, skipped: response.skipped });
    else if ('feed' in response) job.resolve(response.feed);
    else
      job.reject(
        response.error.user
          ? new UserError(response.error.code, response.error.message)
          : new CitebotError(response.error.code, response.error.message),
      );
  }

  /**
   * The worker reads one job at a time, in order, so a timeout or a crash belongs to the job at the
   * head: that one fails, and the jobs behind it (another server's pasted text) are read again by a
   * fresh worker instead of failing with it.
   */
  private failHead(worker: Worker, errorFor: (name: string) => Error): void {
    if (this.worker !== worker) return;
    this.worker = null;
    void worker.terminate();
    const head = this.pending.entries().next().value as [number, Pending] | undefined;
    if (head) {
      const [id, job] = head;
      if (job.timer) clearTimeout(job.timer);
      this.pending.delete(id);
      job.reject(errorFor(job.name));
    }
    if (this.pending.size === 0) return;
    const fresh = this.ensureWorker();
    fresh.ref();
    for (const job of this.pending.values()) {
      if (job.timer) clearTimeout(job.timer);
      job.timer = null;
      fresh.postMessage(job.request);
    }
  }

  private failAll(worker: Worker, errorFor: (name: string) => Error): void {
    if (this.worker !== worker) return;
    this.worker = null;
    void worker.terminate();
    for (const [id, job] of this.pending) {
      if (job.timer) clearTimeout(job.timer);
      this.pending.delete(id);
      job.reject(errorFor(job.name));
    }
  }
}
