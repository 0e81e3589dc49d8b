/**
 * Pulls the short answer out of the highlighted sentence for "how many / how much /
 * when / who / where" questions. It only ever returns text found in the article.
 */

export type AnswerKind = 'quantity' | 'date' | 'person' | 'place';

const MONTH = '(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\\.?';
const WEEKDAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const DATE_PATTERNS = [
  new RegExp(`\\b${MONTH}\\s+\\d{1,2}(?:st|nd|rd|th)?(?:,?\\s+\\d{4})?`, 'g'),
  new RegExp(`\\b\\d{1,2}\\s+${MONTH}(?:\\s+\\d{4})?`, 'g'),
  /\b\d{4}-\d{2}-\d{2}\b/g,
  new RegExp(`\\b(?:on\\s+)?${WEEKDAY}\\b`, 'g'),
  new RegExp(`\\b(?:in\\s+)?${MONTH}\\s+\\d{4}\\b`, 'g'),
  /\b(?:in|since|by|until)\s+(?:19|20)\d{2}\b/g,
];
const NUMBER_WORDS = '(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|hundred|dozens?|hundreds|thousands|millions?)';
const QUANTITY = new RegExp(
  `(?:(?:US)?\\$|€|£)?\\d+(?:,\\d{3})*(?:\\.\\d+)?(?:\\s?(?:%|per ?cent|million|billion|trillion|bn|m\\b))?|\\b${NUMBER_WORDS}(?:\\s${NUMBER_WORDS})*\\b`,
  'gi',
);
const STARTS_WITH_MONTH_OR_WEEKDAY = new RegExp(`^${MONTH}\\b|^${WEEKDAY}\\b`);
const NAME = /\b(?:[A-Z][a-z]+(?:-[A-Z][a-z]+)?|[A-Z]{2,})(?:\s+(?:[A-Z][a-z]+(?:-[A-Z][a-z]+)?|[A-Z]\.|[A-Z]{2,}|de|van|von|bin|al))+/g;

export function answerKind(question: string): AnswerKind | null {
  const q = question.toLowerCase();
  if (/\bhow (many|much|long|far|old|big|large|high|tall|often)\b|\bwhat (number|percentage|share|proportion|amount)\b/.test(q)) return 'quantity';
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
const CURRENCY_AFTER = /^(?:\s(?:million|billion|trillion))?\s(?:dollars?|euros?|pounds?|yen|francs?|rupees?|cents?|pence)\b/i;
const PERCENT_AFTER = /^\s?(?:%|per ?cent\b|percent\b|percentage points?\b)/i;
const DURATION_AFTER = /^(?:\s|-)(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|centuries)\b(?!\s+old|-old)/i;
const DISTANCE_AFTER = /^\s?(?:km|kilomet(?:re|er)s?|miles?|met(?:re|er)s?|feet|ft)\b/i;
const AGE_AFTER = /^(?:-year-old|\syears?\sold)\b/i;

/** The classes of figure that answer this quantity question; null when any figure may. */
export function wantedFigures(question: string): FigureClass[] | null {
  const q = question.toLowerCase();
  if (/\bhow long\b/.test(q)) return ['duration', 'distance'];
  if (/\bhow far\b/.test(q)) return ['distance'];
  if (/\bhow old\b/.test(q)) return ['age'];
  if (/\bhow many (?:seconds|minutes|hours|days|weeks|months|years|decades)\b/.test(q)) return ['duration'];
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
    for (const match of sentence.matchAll(pattern)) spans.push([match.index ?? 0, (match.index ?? 0) + match[0].length]);
  }
  return spans;
}

function mentionedIn(question: string, candidate: string): boolean {
  const norm = (s: string) => s.toLowerCase().replace(/[,\s]/g, '');
  return norm(question).includes(norm(candidate));
}

interface Figure {
  text: string;
  index: number;
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
    yield { text: withUnit, index, cls };
  }
}

/** The first figure of a wanted class (any figure when the question doesn't say which). */
function firstQuantity(sentence: string, question: string): Figure | null {
  const wanted = wantedFigures(question);
  for (const figure of figuresIn(sentence, question)) if (wanted === null || wanted.includes(figure.cls)) return figure;
  return null;
}

function firstDate(sentence: string, question: string): string | null {
  for (const pattern of DATE_PATTERNS) {
    for (const match of sentence.matchAll(pattern)) {
      const text = match[0].replace(/^(on|in|since|by|until)\s+/i, '').trim();
      if (!mentionedIn(question, text)) return text;
    }
  }
  return null;
}

function firstName(sentence: string, question: string): string | null {
  for (const match of sentence.matchAll(NAME)) {
    const text = match[0].trim();
    if (mentionedIn(question, text)) continue;
    if (STARTS_WITH_MONTH_OR_WEEKDAY.test(text)) continue;
    return text;
  }
  return null;
}

function firstPlace(sentence: string, question: string): string | null {
  for (const match of sentence.matchAll(/\b(?:in|at|near|from|to)\s+((?:the\s+)?[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)*)/g)) {
    const text = match[1]!.trim();
    if (!mentionedIn(question, text) && !STARTS_WITH_MONTH_OR_WEEKDAY.test(text)) return text;
  }
  return null;
}

/** The short answer in `sentence`, or null when the question wants none or none is there. */
export function extractAnswer(question: string, sentence: string): string | null {
  switch (answerKind(question)) {
    case 'quantity':
      return firstQuantity(sentence, question)?.text ?? null;
    case 'date':
      return firstDate(sentence, question);
    case 'person':
      return firstName(sentence, question);
    case 'place':
      return firstPlace(sentence, question);
    default:
      return null;
  }
}

const HEDGE = /\b(?:nearly|almost|about|around|roughly|some|approximately|more than|over|up to|at least|fewer than|less than|dozens|hundreds|thousands)\s+$/i;

/**
 * How well the text holds the kind of thing asked for: 1 for an exact figure (of the wanted
 * class: a duration for "how long", money for "how much … cost"), date or name, 0.5 for a hedged
 * figure ("nearly 8,000"), 0 for none or a question that wants none.
 */
export function answerShape(question: string, text: string): number {
  if (answerKind(question) !== 'quantity') return extractAnswer(question, text) === null ? 0 : 1;
  const figure = firstQuantity(text, question);
  if (!figure) return 0;
  return HEDGE.test(text.slice(Math.max(0, figure.index - 20), figure.index)) ? 0.5 : 1;
}

/** Whether the sentence holds the kind of thing the question asks for (a highlighting hint). */
export function hasAnswerShape(question: string, sentence: string): boolean {
  return answerShape(question, sentence) > 0;
}
