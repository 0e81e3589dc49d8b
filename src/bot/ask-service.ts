/** One question → the reply data. Shared by /ask, "More passages", mentions and the context menu. */
import { UserError } from '../errors.ts';
import { buildAnswerReply, rateLimitText, type DiscordReply } from '../format/discord-reply.ts';
import type { BotContext } from './context.ts';
import { collectionsFor, logCollectionFor } from './context.ts';

export const QUESTION_MAX_CHARS = 500;

/**
 * At most this many questions are inside the engine at once. Searching does some work on the main
 * thread; with many questions at once, a queue keeps the event loop free to send deferrals and heartbeats
 * first (every handler defers before it gets here), instead of interleaving 50 searches with them.
 */
export const ASK_CONCURRENCY = 2;

class Gate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly size: number) {}
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
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
  /** Id of an already-logged question ("More passages"): don't log again, keep the id for buttons. */
  questionId?: number;
  /** Where the question came from, for logs. */
  via: string;
}

/** Normalises the question text or throws a UserError written for the asker. */
export function cleanQuestion(raw: string): string {
  const q = raw.replace(/\s+/g, ' ').trim();
  if (!q) throw new UserError('empty_article', 'Ask a question in words, for example: how many people were detained?');
  if (q.length > QUESTION_MAX_CHARS) {
    throw new UserError('input_too_large', `That question is ${q.length} characters long; please keep it under ${QUESTION_MAX_CHARS}.`);
  }
  return q;
}

/** Null when allowed (and counted), else the friendly "try again <t:…:R>" text. */
export function checkRate(ctx: BotContext, userId: string, guildId: string | null): string | null {
  const decision = ctx.limiter.check(userId, guildId);
  if (!decision) return null;
  ctx.log.info({ event: 'rate_limited', scope: decision.scope, guildId, userId, retryInMs: decision.retryAt - Date.now() }, 'question rate-limited');
  return rateLimitText(decision.scope, decision.retryAt);
}

export async function answer(ctx: BotContext, req: AskRequest): Promise<DiscordReply> {
  const question = cleanQuestion(req.question);
  const count = Math.max(0, Math.min(5, req.count));
  const offset = req.offset ?? 0;
  const result = await gateFor(ctx).run(() =>
    ctx.engine.ask(question, {
      collections: collectionsFor(req.guildId, ctx.config),
      k: 1 + count,
      offset,
      ...(req.questionId === undefined ? { log: { collection: logCollectionFor(req.guildId), userId: req.userId } } : {}),
    }),
  );
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
