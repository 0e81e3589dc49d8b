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
const NAME = /\b(?:[A-Z][a-z]+(?:-[A-Z][a-z]+)?|[A-Z]{2,})(?:\s+(?:[A-Z][a-z]+(?:-[A-Z][a-z]+)?|[A-Z]\.|[A-Z]{2,}|de|van|von|bin|al))+/g;

export function answerKind(question: string): AnswerKind | null {
  const q = question.toLowerCase();
  if (/\bhow (many|much|long|far|old|big|large|high|tall|often)\b|\bwhat (number|percentage|share|proportion|amount)\b/.test(q)) return 'quantity';
  if (/\bwhen\b|\bwhat (date|day|year|month|time)\b|\bwhich (date|day|year|month)\b/.test(q)) return 'date';
  if (/\bwho(m|se)?\b/.test(q)) return 'person';
  if (/\bwhere\b/.test(q)) return 'place';
  return null;
}

function isInsideDate(sentence: string, index: number, length: number): boolean {
  for (const pattern of DATE_PATTERNS) {
    for (const match of sentence.matchAll(pattern)) {
      const start = match.index ?? 0;
      if (index >= start && index + length <= start + match[0].length) return true;
    }
  }
  return false;
}

function mentionedIn(question: string, candidate: string): boolean {
  const norm = (s: string) => s.toLowerCase().replace(/[,\s]/g, '');
  return norm(question).includes(norm(candidate));
}

function firstQuantity(sentence: string, question: string): string | null {
  for (const match of sentence.matchAll(QUANTITY)) {
    const text = match[0].trim();
    const index = match.index ?? 0;
    if (isInsideDate(sentence, index, text.length)) continue;
    if (/^(19|20)\d{2}$/.test(text)) continue;
    if (mentionedIn(question, text)) continue;
    return text;
  }
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
    if (new RegExp(`^${MONTH}\\b`).test(text) || new RegExp(`^${WEEKDAY}\\b`).test(text)) continue;
    return text;
  }
  return null;
}

function firstPlace(sentence: string, question: string): string | null {
  for (const match of sentence.matchAll(/\b(?:in|at|near|from|to)\s+((?:the\s+)?[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)*)/g)) {
    const text = match[1]!.trim();
    if (!mentionedIn(question, text) && !new RegExp(`^${MONTH}\\b|^${WEEKDAY}\\b`).test(text)) return text;
  }
  return null;
}

/** The short answer in `sentence`, or null when the question wants none or none is there. */
export function extractAnswer(question: string, sentence: string): string | null {
  switch (answerKind(question)) {
    case 'quantity':
      return firstQuantity(sentence, question);
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
 * How well the text holds the kind of thing asked for: 1 for an exact figure, date or name,
 * 0.5 for a hedged figure ("nearly 8,000"), 0 for none or a question that wants none.
 */
export function answerShape(question: string, text: string): number {
  const answer = extractAnswer(question, text);
  if (answer === null) return 0;
  if (answerKind(question) !== 'quantity') return 1;
  const index = text.indexOf(answer);
  return HEDGE.test(text.slice(Math.max(0, index - 20), index)) ? 0.5 : 1;
}

/** Whether the sentence holds the kind of thing the question asks for (a highlighting hint). */
export function hasAnswerShape(question: string, sentence: string): boolean {
  return answerShape(question, sentence) > 0;
}
