/**
 * Standfirsts, deks, summaries and captions: the lines a page puts above or beside its body.
 *
 * Such a line often restates the lead paragraph, but just as often it is the only place a fact
 * is written down (the seed article's standfirst is its only sentence saying "more than 160
 * people dead"). Dropping a line that carries a figure, a name or a clause the body lacks makes
 * that fact unfindable, while keeping a redundant one only costs a near-duplicate passage. So a
 * line is redundant only when EVERYTHING it states is said in the body: each of its clauses is
 * said within one body paragraph (see `saysClause`).
 */
import { stemmer } from 'stemmer';

/** Words that carry no statement of their own. */
const STOP_WORDS = new Set(
  (
    'a an the and or but nor of in on at to for from by with as into onto over under about than then ' +
    'is are was were be been being has have had having do does did will would shall should can could may might must ' +
    'it its this that these those there here their they them he she his her him we our us you your i me my ' +
    'which who whom whose what when where why how not no so also just very more most less least some any all ' +
    'said says say according up out off again further once only own same such too'
  ).split(' '),
);

/**
 * Where one statement ends and the next begins: punctuation, dashes, and the subordinating words
 * that join a second statement to a first ("… detained after days of unrest left 160 dead").
 */
const CLAUSE_BREAK_RE =
  /[,;:](?!\d)|[()\u2013\u2014]|\s-\s|\s(?:after|before|while|whereas|because|although|though|but|following|amid|when)\s/i;

/** Record keys (JSON, Markdown front matter) that hold a standfirst or summary, in order of preference. */
export const SUMMARY_KEYS = [
  'standfirst',
  'dek',
  'deck',
  'subtitle',
  'subheadline',
  'summary',
  'description',
  'excerpt',
  'abstract',
  'lede',
] as const;

interface Word {
  stem: string;
  /** A figure ("8,000", "2024-25") or a name (capitalised inside its clause): facts that must be said exactly. */
  fact: boolean;
}

/** "8,000" and "8000" are one figure; "detained" and "detain" one word. */
function wordsOf(text: string): Word[] {
  const raw = text
    .replace(/(\d)[,.](?=\d{3}\b)/g, '$1')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);
  return raw
    .map((w, i) => ({ w, i }))
    .filter(({ w }) => !STOP_WORDS.has(w.toLowerCase()))
    .map(({ w, i }) => ({
      stem: /\d/.test(w) ? w : stemmer(w.toLowerCase()),
      fact: /\d/.test(w) || (i > 0 && /^\p{Lu}/u.test(w)),
    }));
}

/** The line's clauses, each as its content words; clauses with none are left out. */
export function clausesOf(line: string): Word[][] {
  return line
    .split(CLAUSE_BREAK_RE)
    .map(wordsOf)
    .filter((words) => words.length > 0);
}

/**
 * A paragraph says a clause when it holds every figure and name of it and at least three in four
 * of its other words: "Councillors voted 9-4 to approve the budget" is said by "the council
 * approved the budget, voting 9-4", while "unrest left more than 160 people dead" is not said by
 * a paragraph without the 160.
 */
function saysClause(paragraph: ReadonlySet<string>, clause: readonly Word[]): boolean {
  const facts = clause.filter((w) => w.fact);
  if (!facts.every((w) => paragraph.has(w.stem))) return false;
  const others = clause.filter((w) => !w.fact);
  const held = others.filter((w) => paragraph.has(w.stem)).length;
  return held >= others.length * 0.75;
}

/** True when every clause of `line` is said within one of `paragraphs` (see saysClause). */
export function isRedundant(line: string, paragraphs: readonly string[]): boolean {
  const clauses = clausesOf(line);
  const bodies = paragraphs.map((p) => new Set(wordsOf(p).map((w) => w.stem)));
  return clauses.every((clause) => bodies.some((body) => saysClause(body, clause)));
}

/**
 * The lines a format found above its body (standfirst, dek, summary, description, caption), in
 * reading order, that carry something the body, the title and the lines kept before them lack.
 * They become the article's first passages, so a citation of one reads "paragraph 1".
 */
export function leadParagraphs(
  lines: readonly (string | null | undefined)[],
  body: readonly string[],
  title: string,
): string[] {
  const kept: string[] = [];
  for (const raw of lines) {
    const line = raw?.replace(/\s+/g, ' ').trim();
    if (!line || line === title) continue;
    if (!isRedundant(line, [...kept, ...body, title])) kept.push(line);
  }
  return kept;
}

/** A record's standfirst or summary (the first of SUMMARY_KEYS holding a non-empty string), or null. */
export function summaryOf(record: Record<string, unknown>): string | null {
  for (const key of SUMMARY_KEYS) {
    const value = record[key];
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
  }
  return null;
}
