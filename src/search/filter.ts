/**
 * The date range and source a question may be limited to, from what a user typed
 * (`ask --since 2022 --source trt`, `/ask since:2022-01`): checked and made into
 * inclusive YYYY-MM-DD bounds that compare as text with the articles' ISO dates.
 */
import { UserError } from '../errors.ts';
import type { ArticleFilter } from '../types.ts';

export const SOURCE_FILTER_MAX_CHARS = 100;

const DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;

/** "2022" → 2022-01-01 (since) or 2022-12-31 (until); "2022-02" → its first or last day. */
function dateBound(text: string, name: 'since' | 'until'): string {
  const m = DATE.exec(text.trim());
  const invalid = () =>
    new UserError('bad_filter', `${name} "${text}" is not a date; write it as 2022-01-10, 2022-01 or 2022`);
  if (!m) throw invalid();
  const [, year, month, day] = m;
  const monthNumber = month === undefined ? null : Number(month);
  if (monthNumber !== null && (monthNumber < 1 || monthNumber > 12)) throw invalid();
  if (day !== undefined) {
    const date = new Date(`${year}-${month}-${day}T00:00:00Z`);
    if (Number.isNaN(date.getTime()) || date.getUTCDate() !== Number(day)) throw invalid();
    return `${year}-${month}-${day}`;
  }
  if (month !== undefined) {
    const lastDay = new Date(Date.UTC(Number(year), monthNumber!, 0)).getUTCDate();
    return `${year}-${month}-${name === 'since' ? '01' : String(lastDay).padStart(2, '0')}`;
  }
  return name === 'since' ? `${year}-01-01` : `${year}-12-31`;
}

/** A checked filter from the user's words; undefined when they gave none. Throws UserError('bad_filter'). */
export function parseArticleFilter(input: {
  since?: string | null;
  until?: string | null;
  source?: string | null;
}): ArticleFilter | undefined {
  const filter: ArticleFilter = {};
  if (input.since?.trim()) filter.since = dateBound(input.since, 'since');
  if (input.until?.trim()) filter.until = dateBound(input.until, 'until');
  if (filter.since && filter.until && filter.since > filter.until) {
    throw new UserError('bad_filter', `since (${filter.since}) is after until (${filter.until}); swap them`);
  }
  const source = input.source?.replace(/\s+/g, ' ').trim();
  if (source) {
    if (source.length > SOURCE_FILTER_MAX_CHARS)
      throw new UserError(
        'bad_filter',
        `source is ${source.length} characters; give at most ${SOURCE_FILTER_MAX_CHARS} (part of the name is enough)`,
      );
    filter.source = source;
  }
  return Object.keys(filter).length > 0 ? filter : undefined;
}

/** `since:2022`, `until:2022-03`, `source:trt` or `source:"Metro Courier"` written in a question. */
const FILTER_WORD = /(?<!\S)(since|until|source):(?:"([^"]*)"|(\S+))/gi;

/**
 * Filter words typed into a question where no separate fields exist (a mention: "@citebot how
 * many were detained? since:2022 source:trt"): the question without them, and the filter they
 * give. Throws UserError('bad_filter') as parseArticleFilter does.
 */
export function takeFilterWords(text: string): { question: string; filter: ArticleFilter | undefined } {
  const words: { since?: string; until?: string; source?: string } = {};
  const question = text
    .replace(FILTER_WORD, (_match, name: string, quoted: string | undefined, bare: string | undefined) => {
      words[name.toLowerCase() as 'since' | 'until' | 'source'] = quoted ?? bare ?? '';
      return ' ';
    })
    .replace(/\s+/g, ' ')
    .trim();
  return { question, filter: parseArticleFilter(words) };
}
