/**
 * The one custom-id codec: every button citebot posts carries a `ButtonAction` encoded here, and
 * every button pressed is decoded here, encode and decode side by side so they cannot drift.
 * The first part of an id names the command that handles it (`ask:…` → commands/ask.ts).
 *
 *   ask:more:<question id>:<offset>:<count>        "More passages"
 *   ask:vote:<question id>:<up|down>               👍 / 👎
 *   ask:context:<paragraph>:<article id>           "Context" (article ids may hold ':')
 *   sources:list:<offset>:<since>:<until>:<source length>:<source><search>
 *   sources:page:<offset>:<search>                 (lists posted before filters existed)
 *   questions:page:<filter>:<before question id, 0 for the newest>
 *
 * Ids already posted in Discord messages stay readable: change a format only by adding a new one.
 */
import { UserError } from '../errors.ts';

/** Discord's limit on a custom_id. */
export const CUSTOM_ID_MAX = 100;

export type QuestionListFilter = 'all' | 'unanswered' | 'downvoted';
export const QUESTION_LIST_FILTERS: readonly QuestionListFilter[] = ['all', 'unanswered', 'downvoted'];

/** A /sources filter as written in a button: unchecked text, checked by parseArticleFilter when pressed. */
export interface RawSourcesFilter {
  since: string | null;
  until: string | null;
  source: string | null;
}

export type ButtonAction =
  | { kind: 'ask:more'; questionId: number; offset: number; count: number }
  | { kind: 'ask:vote'; questionId: number; vote: 'up' | 'down' }
  | { kind: 'ask:context'; paragraph: number; articleId: string }
  | { kind: 'sources:list'; offset: number; search: string; filter: RawSourcesFilter }
  | { kind: 'questions:page'; filter: QuestionListFilter; beforeId: number };

/** The command whose module handles the action (its `data.name`). */
export function commandOfAction(action: ButtonAction): string {
  return action.kind.slice(0, action.kind.indexOf(':'));
}

/** The custom id of `action`, or null when it would pass Discord's 100 characters (the caller then posts no button). */
export function encodeCustomId(action: ButtonAction): string | null {
  const id = encode(action);
  return id.length <= CUSTOM_ID_MAX ? id : null;
}

function encode(action: ButtonAction): string {
  switch (action.kind) {
    case 'ask:more':
      return `ask:more:${action.questionId}:${action.offset}:${action.count}`;
    case 'ask:vote':
      return `ask:vote:${action.questionId}:${action.vote}`;
    case 'ask:context':
      return `ask:context:${action.paragraph}:${action.articleId}`;
    case 'sources:list': {
      // Dates never hold ':'; the source's length marks where the search starts, since either may.
      const { since, until, source } = action.filter;
      return `sources:list:${action.offset}:${since ?? ''}:${until ?? ''}:${(source ?? '').length}:${source ?? ''}${action.search}`;
    }
    case 'questions:page':
      return `questions:page:${action.filter}:${action.beforeId}`;
  }
}

const brokenButton = (): UserError =>
  new UserError('button_invalid', 'That button is broken or no longer supported; please ask again.');

function count(text: string | undefined): number {
  const n = Number(text);
  if (text === undefined || text === '' || !Number.isSafeInteger(n) || n < 0) throw brokenButton();
  return n;
}

/** The action of a pressed button; throws UserError('button_invalid') for an id citebot never wrote. */
export function decodeCustomId(customId: string): ButtonAction {
  const [command, kind, ...args] = customId.split(':');
  switch (`${command}:${kind}`) {
    case 'ask:more':
      return { kind: 'ask:more', questionId: count(args[0]), offset: count(args[1]), count: count(args[2]) };
    case 'ask:vote':
      return { kind: 'ask:vote', questionId: count(args[0]), vote: args[1] === 'down' ? 'down' : 'up' };
    case 'ask:context':
      return { kind: 'ask:context', paragraph: count(args[0]), articleId: args.slice(1).join(':') };
    case 'sources:list': {
      const [offsetText, since = '', until = '', lengthText = '0', ...tail] = args;
      const joined = tail.join(':');
      const length = Math.min(joined.length, Math.max(0, Number(lengthText) || 0));
      const filter = { since: since || null, until: until || null, source: joined.slice(0, length) || null };
      return {
        kind: 'sources:list',
        offset: Math.max(0, Number(offsetText) || 0),
        search: joined.slice(length),
        filter,
      };
    }
    case 'sources:page': {
      const [offsetText, ...search] = args;
      const filter = { since: null, until: null, source: null };
      return { kind: 'sources:list', offset: Math.max(0, Number(offsetText) || 0), search: search.join(':'), filter };
    }
    case 'questions:page': {
      const filter = QUESTION_LIST_FILTERS.find((f) => f === args[0]) ?? 'all';
      const before = Number(args[1]);
      return { kind: 'questions:page', filter, beforeId: Number.isSafeInteger(before) && before > 0 ? before : 0 };
    }
    default:
      throw brokenButton();
  }
}
