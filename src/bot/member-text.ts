/**
 * What a Discord member is told when something goes wrong, chosen by the error's code (see the
 * audiences in src/errors.ts). A member never sees an operator's message: those name files,
 * settings and commands ("npm run cli -- reindex") that only the operator can act on; the operator
 * finds the detail in the logs.
 */
import { audienceOf, isCitebotError, type ErrorCode } from '../errors.ts';
import { LIMITS, truncateText } from './views/format.ts';

export const GENERIC_ERROR_TEXT =
  'Sorry, something went wrong on my side while handling that. The error was logged; please try again later.';

const NEEDS_OPERATOR =
  "I can't search right now: my set-up needs attention from whoever runs me. They can see why in my logs; please try again later.";

/** Member-safe lines for the operator codes a question or an /ingest can meet; every other operator code gets the generic line. */
const OPERATOR_CODE_TEXT: Partial<Record<ErrorCode, string>> = {
  model_missing: NEEDS_OPERATOR,
  model_invalid: NEEDS_OPERATOR,
  index_model_mismatch: NEEDS_OPERATOR,
  store_corrupt: NEEDS_OPERATOR,
  store_schema_newer: NEEDS_OPERATOR,
  store_locked: "I can't reach my articles right now (another process holds them). Please try again in a few minutes.",
  folder_not_writable: NEEDS_OPERATOR,
  store_unreachable: NEEDS_OPERATOR,
  // Questions are still answered from the caches then; only changes wait.
  store_unavailable:
    "I can't save changes right now (my database is out of reach); questions still work. Please try again in a few minutes.",
};

/** The line a member sees for `error`: its own message when written for members, else a safe line for its code. */
export function memberErrorText(error: unknown): string {
  if (!isCitebotError(error)) return GENERIC_ERROR_TEXT;
  if (audienceOf(error.code) === 'member') return truncateText(error.message, LIMITS.content);
  return OPERATOR_CODE_TEXT[error.code] ?? GENERIC_ERROR_TEXT;
}

/** "<t:1700000000:R>": Discord renders it as "in 12 seconds" in the reader's locale. */
export function discordRelativeTime(epochMs: number): string {
  return `<t:${Math.ceil(epochMs / 1000)}:R>`;
}

/** What is being limited: asking questions, or looking things up (lists, context, suggestions). */
export type RateAction = 'ask' | 'browse';

const RATE_TEXT: Record<RateAction, Record<'user' | 'guild' | 'dms', (when: string) => string>> = {
  ask: {
    user: (when) => `You're asking questions faster than I can answer them. You can ask again ${when}.`,
    guild: (when) => `This server is asking a lot of questions right now. Please try again ${when}.`,
    dms: (when) =>
      `I'm getting a lot of questions in direct messages right now. Please try again ${when}, or ask in a server.`,
  },
  browse: {
    user: (when) => `You're looking things up faster than I can keep up. You can try again ${when}.`,
    guild: (when) => `This server is looking a lot up right now. Please try again ${when}.`,
    dms: (when) => `I'm getting a lot of requests in direct messages right now. Please try again ${when}.`,
  },
};

export function rateLimitText(scope: 'user' | 'guild' | 'dms', retryAtMs: number, action: RateAction = 'ask'): string {
  return RATE_TEXT[action][scope](discordRelativeTime(retryAtMs));
}
