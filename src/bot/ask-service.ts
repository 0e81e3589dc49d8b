/** One question → the reply data, within ASK_TIMEOUT_MS and ASK_CONCURRENCY. The step of the ask flow (src/bot/ask-flow.ts) that searches. */
import { UserError } from '../errors.ts';
import type { ArticleFilter } from '../types.ts';
import { buildAnswerReply } from './views/answer.ts';
import type { DiscordReply } from './views/format.ts';
import type { BotContext } from './context.ts';
import { collectionsFor, logCollectionFor } from './context.ts';

export const QUESTION_MAX_CHARS = 500;

/**
 * At most this many questions are inside the engine at once. Searching does some work on the main
 * thread; with many questions at once, a queue keeps the event loop free to send deferrals and heartbeats
 * first (every handler defers before it gets here), instead of interleaving 50 searches with them.
 */
export const ASK_CONCURRENCY = 2;

/** Thrown inside the gate when the asker was already told to try again: the queued search is skipped. */
class Abandoned extends Error {}

class Gate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly size: number) {}
  async run<T>(work: () => Promise<T>, isAbandoned: () => boolean = () => false): Promise<T> {
    if (this.active >= this.size) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      if (isAbandoned()) {
        this.waiting.shift()?.(); // the freed place goes to the next in line
        throw new Abandoned();
      }
    }
    this.active++;
    try {
      return await work();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

const gates = new WeakMap<object, Gate>();
function gateFor(ctx: BotContext): Gate {
  let gate = gates.get(ctx.engine);
  if (!gate) {
    gate = new Gate(ASK_CONCURRENCY);
    gates.set(ctx.engine, gate);
  }
  return gate;
}

export interface AskRequest {
  question: string;
  guildId: string | null;
  userId: string;
  /** Further passages shown besides the best one (0–5). */
  count: number;
  offset?: number;
  /** Only articles in this date range or from this source. */
  filter?: ArticleFilter;
  /** Id of an already-logged question ("More passages"): don't log again, keep the id for buttons. */
  questionId?: number;
  /** Where the question came from, for logs. */
  via: string;
}

/** Normalises the question text or throws a UserError written for the asker. */
export function cleanQuestion(raw: string): string {
  const q = raw.replace(/\s+/g, ' ').trim();
  if (!q) throw new UserError('empty_question', 'Ask a question in words, for example: how many people were detained?');
  if (q.length > QUESTION_MAX_CHARS) {
    throw new UserError(
      'input_too_large',
      `That question is ${q.length} characters long; please keep it under ${QUESTION_MAX_CHARS}.`,
    );
  }
  return q;
}

/**
 * Runs `work` through the gate, giving up after `timeoutMs`: the asker gets a clear "try again"
 * instead of a reply that never comes. A search already running finishes in the background (the
 * worker can't be interrupted mid-batch) and keeps its gate slot, so a stuck engine can't be
 * flooded; a search still queued when its time is up is skipped.
 */
async function withinTime<T>(gate: Gate, work: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  const timedOut = () =>
    new UserError(
      'timed_out',
      `I couldn't search the articles within ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`}; I'm busy right now. Please ask again in a minute.`,
    );
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut()), timeoutMs);
  });
  const running = gate.run(work, () => Date.now() >= deadline);
  running.catch(() => undefined); // after a timeout nobody awaits it; its own failure is already moot
  try {
    return await Promise.race([running, expired]);
  } catch (error) {
    throw error instanceof Abandoned ? timedOut() : error;
  } finally {
    clearTimeout(timer);
  }
}

export async function answer(ctx: BotContext, req: AskRequest): Promise<DiscordReply> {
  const question = cleanQuestion(req.question);
  const count = Math.max(0, Math.min(5, req.count));
  const offset = req.offset ?? 0;
  const started = Date.now();
  const search = () =>
    ctx.engine.ask(question, {
      collections: collectionsFor(req.guildId, ctx.config),
      k: 1 + count,
      offset,
      ...(req.filter ? { filter: req.filter } : {}),
      ...(req.questionId === undefined
        ? { log: { collection: logCollectionFor(req.guildId), userId: req.userId } }
        : {}),
    });
  let result: Awaited<ReturnType<typeof search>>;
  try {
    result = await withinTime(gateFor(ctx), search, ctx.config.askTimeoutMs);
  } catch (error) {
    if (error instanceof UserError && error.code === 'timed_out') {
      ctx.log.warn(
        { event: 'ask_timeout', via: req.via, guildId: req.guildId, waitedMs: Date.now() - started },
        'question timed out',
      );
    }
    throw error;
  }
  const questionId = req.questionId ?? result.questionId;
  ctx.log.info(
    {
      event: 'answered',
      via: req.via,
      guildId: req.guildId,
      questionLength: question.length,
      ...(ctx.config.logQuestions ? { question } : {}),
      answered: result.answered,
      passages: result.passages.length,
      offset,
      tookMs: Math.round(result.tookMs),
    },
    'question answered',
  );
  return buildAnswerReply(result, { offset, count, questionId });
}
