/**
 * Pulls the short answer out of the highlighted sentence for "how many / how much /
 * when / who / where" questions. It only ever returns text found in the article.
 */
import { analyze, analyzeQuestion } from './lexical.ts';
import { HIGHLIGHT_TUNING } from './tuning.ts';

export type AnswerKind = 'quantity' | 'date' | 'person' | 'place';

const MONTH =
  '(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\\.?';
const WEEKDAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const DATE_PATTERNS = [
  new RegExp(`\\b${MONTH}\\s+\\d{1,2}(?:st|nd|rd|th)?\\b(?:,?\\s+\\d{4})?`, 'g'),
  new RegExp(`\\b\\d{1,2}\\s+${MONTH}(?:\\s+\\d{4})?`, 'g'),
  /\b\d{4}-\d{2}-\d{2}\b/g,
  new RegExp(`\\b(?:on\\s+)?${WEEKDAY}\\b`, 'g'),
  new RegExp(`\\b(?:in\\s+)?${MONTH}\\s+\\d{4}\\b`, 'g'),
  /\b(?:in|since|by|until)\s+(?:19|20)\d{2}\b/g,
];
const TIME_OF_DAY = /\b\d{1,2}(?:[:.]\d{2})?\s?(?:a\.m\.|p\.m\.|am\b|pm\b)|\b(?:noon|midday|midnight|dawn)\b/gi;
const NUMBER_WORDS =
  '(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|hundred|dozens?|hundreds|thousands|millions?)';
const QUANTITY = new RegExp(
  `(?:(?:US)?\\$|€|£)?\\d+(?:,\\d{3})*(?:\\.\\d+)?(?:\\s?(?:%|per ?cent|million|billion|trillion|bn|m\\b))?|\\b${NUMBER_WORDS}(?:\\s${NUMBER_WORDS})*\\b`,
  'gi',
);
const STARTS_WITH_MONTH_OR_WEEKDAY = new RegExp(`^${MONTH}\\b|^${WEEKDAY}\\b`);
const CAPITALIZED = '(?:\\p{Lu}\\p{Ll}+(?:-\\p{Lu}\\p{Ll}+)?|\\p{Lu}{2,})';
/** Two or more capitalized words; "de", "van" and the like only between them. */
const NAME = new RegExp(
  `(?<![\\p{L}])${CAPITALIZED}(?:\\s+(?:(?:de|van|von|bin|al|da|di|du|le|la)\\s+)?(?:${CAPITALIZED}|\\p{Lu}\\.))+`,
  'gu',
);

export function answerKind(question: string): AnswerKind | null {
  const q = question.toLowerCase();
  if (
    /\bhow (many|much|long|far|old|big|large|high|tall|often)\b|\bwhat (number|percentage|share|proportion|amount)\b/.test(
      q,
    )
  )
    return 'quantity';
  if (WHAT_MONEY_OR_CHANGE.test(q)) return 'quantity';
  if (/\bwhen\b|\bwhat (date|day|year|month|time)\b|\bwhich (date|day|year|month)\b/.test(q)) return 'date';
  if (/\bwho(m|se)?\b/.test(q)) return 'person';
  if (/\bwhere\b/.test(q)) return 'place';
  return null;
}

/** What a figure in an article measures, from its unit or currency. */
export type FigureClass = 'money' | 'percent' | 'duration' | 'distance' | 'age' | 'number';

const MONEY_NOUNS = '(?:wage|wages|salary|price|cost|fee|fine|rent|sum|payout|budget|bill|grant|compensation|pay)';
const CHANGE_NOUNS = '(?:raise|pay rise|rise|increase|cut|discount)';
const WHAT_MONEY = new RegExp(`\\bwhat ${MONEY_NOUNS}\\b`);
const WHAT_CHANGE = new RegExp(`\\bwhat ${CHANGE_NOUNS}\\b`);
const WHAT_MONEY_OR_CHANGE = new RegExp(`\\bwhat (?:${MONEY_NOUNS}|${CHANGE_NOUNS})\\b`);
const MONEY_VERBS =
  /\b(?:cost|costs|pay|paid|pays|spend|spent|spending|receive|receives|earn|earns|price|fund|funding|grant|budget|worth|charge|charges|charged|fine|fined|owe|owed|salary|wage|wages|fee|fees|bill|compensation|payout|rent|tax|money|cash|afford|raise|raised|donate|donated|invest|invested|sell|sold|buy|bought)\b/;
const CURRENCY_AFTER =
  /^(?:\s(?:million|billion|trillion))?\s(?:dollars?|euros?|pounds?|yen|francs?|rupees?|cents?|pence)\b/i;
const PERCENT_AFTER = /^\s?(?:%|per ?cent\b|percent\b|percentage points?\b)/i;
const DURATION_AFTER =
  /^(?:\s|-)(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|centuries)\b(?!\s+old|-old)/i;
const DISTANCE_AFTER = /^\s?(?:km|kilomet(?:re|er)s?|miles?|met(?:re|er)s?|feet|ft)\b/i;
const AGE_AFTER = /^(?:-year-old|\syears?\sold)\b/i;

/** The classes of figure that answer this quantity question; null when any figure may. */
export function wantedFigures(question: string): FigureClass[] | null {
  const q = question.toLowerCase();
  if (/\bhow long\b/.test(q)) return ['duration', 'distance'];
  if (/\bhow far\b/.test(q)) return ['distance'];
  if (/\bhow old\b/.test(q)) return ['age'];
  if (/\bhow many (?:seconds|minutes|hours|days|weeks|months|years|decades)\b/.test(q)) return ['duration'];
  if (/\bhow many (?:dollars|euros|pounds|yen|francs|rupees|cents|pence)\b/.test(q)) return ['money'];
  if (/\bhow many (?:km|kilomet(?:re|er)s|miles|met(?:re|er)s|feet)\b/.test(q)) return ['distance'];
  if (/\bhow many (?:percent|per cent|percentage points)\b/.test(q)) return ['percent'];
  if (/\bwhat (?:percentage|percent|proportion|share)\b|\bby what percent/.test(q)) return ['percent'];
  if (WHAT_CHANGE.test(q)) return ['percent', 'money'];
  if (WHAT_MONEY.test(q)) return ['money'];
  if (/\bhow much\b/.test(q) && MONEY_VERBS.test(q)) return ['money'];
  return null;
}

/** Classifies the figure `text` found at `index` of `sentence`, and returns it with its unit. */
function classifyFigure(sentence: string, index: number, text: string): { cls: FigureClass; withUnit: string } {
  const after = sentence.slice(index + text.length, index + text.length + 40);
  const before = sentence.slice(Math.max(0, index - 8), index);
  const unit = (pattern: RegExp) => pattern.exec(after)?.[0] ?? '';
  if (/[$€£]/.test(text)) return { cls: 'money', withUnit: text };
  const currency = unit(CURRENCY_AFTER);
  if (currency) return { cls: 'money', withUnit: text + currency };
  if (/%|per ?cent/i.test(text)) return { cls: 'percent', withUnit: text };
  const percent = unit(PERCENT_AFTER);
  if (percent) return { cls: 'percent', withUnit: text + percent };
  const age = unit(AGE_AFTER);
  if (age || /\baged\s+$/i.test(before)) return { cls: 'age', withUnit: text + age };
  const duration = unit(DURATION_AFTER);
  if (duration) return { cls: 'duration', withUnit: text + duration };
  const distance = unit(DISTANCE_AFTER);
  if (distance) return { cls: 'distance', withUnit: text + distance };
  return { cls: 'number', withUnit: text };
}

/** Where the sentence's dates are, as [start, end) spans. */
function dateSpans(sentence: string): [number, number][] {
  const spans: [number, number][] = [];
  for (const pattern of DATE_PATTERNS) {
    for (const match of sentence.matchAll(pattern))
      spans.push([match.index ?? 0, (match.index ?? 0) + match[0].length]);
  }
  return spans;
}

function mentionedIn(question: string, candidate: string): boolean {
  const norm = (s: string) => s.toLowerCase().replace(/[,\s]/g, '');
  return norm(question).includes(norm(candidate));
}

/** A possible short answer: its text and where it stands in the sentence. */
interface Candidate {
  text: string;
  index: number;
  end: number;
  /** A figure joined to a word by a hyphen ("One-bedroom"): an answer only when next to what the question counts. */
  describes?: boolean;
}

interface Figure extends Candidate {
  cls: FigureClass;
}

/** Figures in the sentence that aren't dates, years or repeated from the question, with their units, in order. */
function* figuresIn(sentence: string, question: string): Generator<Figure> {
  let dates: [number, number][] | null = null; // found once, on the first figure that needs them
  for (const match of sentence.matchAll(QUANTITY)) {
    const text = match[0].trim();
    const index = match.index ?? 0;
    if (/^(19|20)\d{2}$/.test(text)) continue;
    if (mentionedIn(question, text)) continue;
    dates ??= dateSpans(sentence);
    if (dates.some(([start, end]) => index >= start && index + text.length <= end)) continue;
    const { cls, withUnit } = classifyFigure(sentence, index, text);
    // "One-bedroom flats": the figure describes rather than counts, unless what follows is what is counted ("Six-time Grammy winner").
    const describes = cls === 'number' && /^-\p{L}/u.test(sentence.slice(index + text.length));
    yield { text: withUnit, index, end: index + text.length, cls, describes };
  }
}

function wantedQuantities(sentence: string, question: string): Figure[] {
  const wanted = wantedFigures(question);
  return [...figuresIn(sentence, question)].filter((figure) => wanted === null || wanted.includes(figure.cls));
}

const YEAR = /\b(?<![,.]\d*)(?:1[5-9]|20)\d{2}s?\b(?![,.]\d)/g;

/** Dates not given in the question; where two overlap ("8 February 2007" and "February 20"), the longer. */
function dateCandidates(sentence: string, question: string): Candidate[] {
  const found: Candidate[] = [];
  const patterns = /\b(?:what|which) year\b/i.test(question)
    ? [YEAR]
    : /\bwhat time\b/i.test(question)
      ? [TIME_OF_DAY]
      : [...DATE_PATTERNS, TIME_OF_DAY];
  for (const pattern of patterns) {
    for (const match of sentence.matchAll(pattern)) {
      const index = match.index ?? 0;
      found.push({
        text: match[0].replace(/^(on|in|since|by|until)\s+/i, '').trim(),
        index,
        end: index + match[0].length,
      });
    }
  }
  found.sort((a, b) => b.end - b.index - (a.end - a.index));
  const kept: Candidate[] = [];
  for (const c of found) if (!kept.some((k) => c.index < k.end && k.index < c.end)) kept.push(c);
  return joinDayAndTime(
    sentence,
    kept.sort((a, b) => a.index - b.index),
  ).filter((c) => !mentionedIn(question, c.text));
}

/** "Sunday at 6 p.m.", "3:15 a.m. on Sunday": a day and a time side by side are one answer. */
function joinDayAndTime(sentence: string, dates: Candidate[]): Candidate[] {
  const joined: Candidate[] = [];
  for (const date of dates) {
    const previous = joined.at(-1);
    if (previous && /^,?\s+(?:at|on)\s+$/.test(sentence.slice(previous.end, date.index))) {
      joined[joined.length - 1] = {
        text: sentence.slice(previous.index, date.end).replace(/^(on|in|since|by|until)\s+/i, ''),
        index: previous.index,
        end: date.end,
      };
    } else joined.push(date);
  }
  return joined;
}

/** Capitalized words that start sentences and clauses without being part of a name. */
const NOT_NAME_START = new Set(
  'The A An This That These Those Then Some Many Most Several Both Each Every Earlier Later In On At After Before When While During Since Until Under Over His Her Their Its Our Your My However Although Though Today Yesterday Meanwhile According Other Another Such Nearby'.split(
    ' ',
  ),
);

/** Words between two names that make them two people ("Davis and Kuechly", "Tesla met Edison"), not a title and a name. */
const NOT_A_TITLE =
  /^(?:and|or|but|nor|with|to|by|of|for|from|in|on|at|as|than|then|the|a|an|who|whose|which|that|led|won|beat|met|told|brought|took|gave|made|left|sent|hit|saw|became|ran|sold|bought|\p{Ll}+ed|\p{Ll}+s)$/u;

function nameCandidates(sentence: string, question: string): Candidate[] {
  const found: Candidate[] = [];
  for (const match of sentence.matchAll(NAME)) {
    let text = match[0];
    let index = match.index ?? 0;
    const first = /^\S+\s+/.exec(text);
    if (first && NOT_NAME_START.has(first[0].trim())) {
      index += first[0].length;
      text = text.slice(first[0].length);
    }
    const end = index + text.length;
    // "Academy Award-winning": a name used as an adjective is not the answer.
    if (/^-\p{Ll}/u.test(sentence.slice(end))) continue;
    // "Academy Award winner Marlee Matlin", "Pro Bowl safety Kurt Coleman": a title before the name.
    const next = /^\s+(\p{Ll}+)\s+\p{Lu}/u.exec(sentence.slice(end));
    if (next && !NOT_A_TITLE.test(next[1]!)) continue;
    if (mentionedIn(question, text) || STARTS_WITH_MONTH_OR_WEEKDAY.test(text) || NOT_NAME_START.has(text)) continue;
    found.push({ text, index, end });
  }
  return found;
}

function placeCandidates(sentence: string, question: string): Candidate[] {
  const found: Candidate[] = [];
  for (const match of sentence.matchAll(
    /\b(?:in|at|near|from|to)\s+((?:the\s+)?\p{Lu}[\p{L}'-]+(?:\s+\p{Lu}[\p{L}'-]+)*)/gu,
  )) {
    const text = match[1]!.trim();
    const index = (match.index ?? 0) + match[0].length - match[1]!.length;
    if (!mentionedIn(question, text) && !STARTS_WITH_MONTH_OR_WEEKDAY.test(text))
      found.push({ text, index, end: index + text.length });
  }
  return found;
}

/** "how many turbines", not "how many of …" or "how many were …" (a unit, "how many years", is named by wantedFigures). */
const HOW_MANY_THINGS =
  /\bhow many (?!of\b|more\b|in\b|were\b|was\b|are\b|is\b|did\b|do\b|does\b|have\b|has\b|had\b|will\b|would\b|can\b|could\b)\p{L}+/iu;

function candidatesFor(question: string, sentence: string): Candidate[] {
  switch (answerKind(question)) {
    case 'quantity': {
      // "How many turbines": the answer is a count, not "38 kilometres". (Ranking's answer-shape
      // evidence doesn't narrow this way: any figure is weak evidence there, and narrowing it only
      // reshuffled near-ties.)
      const countsThings = wantedFigures(question) === null && HOW_MANY_THINGS.test(question);
      return wantedQuantities(sentence, question).filter((figure) => !countsThings || figure.cls === 'number');
    }
    case 'date':
      return dateCandidates(sentence, question);
    case 'person':
      return nameCandidates(sentence, question);
    case 'place':
      return placeCandidates(sentence, question);
    default:
      return [];
  }
}

interface Word {
  /** The analyzed (stemmed) token. */
  token: string;
  index: number;
}

/** The sentence's content words (function words left out, so they don't count as distance) with their offsets. */
function wordsOf(sentence: string): Word[] {
  return [...sentence.matchAll(/[\p{L}\p{N}]+(?:[.,'][\p{L}\p{N}]+)*/gu)]
    .map((m) => ({ token: analyze(m[0])[0], index: m.index ?? 0 }))
    .filter((w): w is Word => w.token !== undefined);
}

/** The content words right after "how many" / "how much" ("career sacks"): what the figure counts. */
function countedThing(question: string): string[] {
  const after = /\bhow (?:many|much)\s+((?:[\p{L}'-]+\s+){0,2}[\p{L}'-]+)/iu.exec(question)?.[1] ?? '';
  const stopAt = after.search(/\b(?:is|are|was|were|did|does|do|has|have|had|will|would|could|can|should)\b/i);
  return analyze(stopAt < 0 ? after : after.slice(0, stopAt));
}

/** The short answer a sentence offers, and how strongly the question points at it. */
interface AnswerFit {
  text: string;
  /** Whether the sentence holds any of the question's words at all. */
  sharesWords: boolean;
  /** 1 when the figure stands before what the question counts ("136 career sacks"), 0.6 after it, else 0. */
  countsIt: number;
  /** Sum over the question's words of how close each stands to the answer (1 adjacent, 0 from 8 words on). */
  closeness: number;
}

/**
 * Ranks candidates as a reader would: a figure next to the thing the question counts ("136
 * career sacks" for "how many career sacks"), then the one with the most of the question's own
 * words close by, then the first.
 */
function bestCandidate(question: string, sentence: string, candidates: readonly Candidate[]): AnswerFit | null {
  if (candidates.length === 0) return null;
  const asked = new Set(analyzeQuestion(question));
  const counted = new Set(countedThing(question));
  const words = wordsOf(sentence);
  const wordAt = (offset: number) => {
    const i = words.findIndex((w) => w.index >= offset);
    return i < 0 ? words.length : i;
  };
  const holdsCounted = (from: number, to: number) =>
    words.slice(Math.max(0, from), Math.max(0, to)).some((w) => counted.has(w.token));
  const sharesWords = words.some((w) => asked.has(w.token));
  let best: AnswerFit | null = null;
  let bestScore = -Infinity;
  for (const c of candidates) {
    const first = wordAt(c.index);
    const last = Math.max(first, wordAt(c.end) - 1);
    const countsIt =
      counted.size === 0 ? 0 : holdsCounted(last + 1, last + 4) ? 1 : holdsCounted(first - 3, first) ? 0.6 : 0;
    if (c.describes && countsIt === 0) continue;
    const nearest = new Map<string, number>();
    words.forEach((w, i) => {
      if (!asked.has(w.token) || (i >= first && i <= last)) return;
      const distance = i < first ? first - i : i - last;
      nearest.set(w.token, Math.min(nearest.get(w.token) ?? Infinity, distance));
    });
    let closeness = 0;
    for (const distance of nearest.values()) closeness += Math.max(0, 1 - distance / HIGHLIGHT_TUNING.nearWords);
    const score = 2 * countsIt + closeness;
    if (score > bestScore) [best, bestScore] = [{ text: c.text, sharesWords, countsIt, closeness }, score];
  }
  return best;
}

/** The short answer in `sentence`, or null when the question wants none or none is there. */
export function extractAnswer(question: string, sentence: string): string | null {
  const fit = bestCandidate(question, sentence, candidatesFor(question, sentence));
  if (!fit) return null;
  // A sentence found for its words, with those words far from the figure or name, is usually
  // about something else ("the NFL's sack leader with 136" for "how many tackles"): claim nothing.
  // A sentence sharing no word was found by meaning (a paraphrase), where nearness says nothing.
  if (fit.sharesWords && 2 * fit.countsIt + fit.closeness < HIGHLIGHT_TUNING.minAnswerEvidence) return null;
  return fit.text;
}

const HEDGE =
  /\b(?:nearly|almost|about|around|roughly|some|approximately|more than|over|up to|at least|fewer than|less than|dozens|hundreds|thousands)\s+$/i;

/**
 * How well the text holds the kind of thing asked for: 1 for an exact figure (of the wanted
 * class: a duration for "how long", money for "how much … cost"), date or name, 0.5 for a hedged
 * figure ("nearly 8,000"), 0 for none or a question that wants none.
 */
export function answerShape(question: string, text: string): number {
  if (answerKind(question) !== 'quantity') return candidatesFor(question, text).length === 0 ? 0 : 1;
  const figure = wantedQuantities(text, question)[0];
  if (!figure) return 0;
  return HEDGE.test(text.slice(Math.max(0, figure.index - 20), figure.index)) ? 0.5 : 1;
}

/** Whether the sentence holds the kind of thing the question asks for (a highlighting hint). */
export function hasAnswerShape(question: string, sentence: string): boolean {
  return answerShape(question, sentence) > 0;
}
