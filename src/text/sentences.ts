/** Sentence splitting shared by passage making, answer highlighting and reply trimming. */

const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

// ICU ends a sentence after these even though they rarely end one in news copy.
const ABBREVIATIONS = new Set([
  'mr',
  'mrs',
  'ms',
  'dr',
  'prof',
  'st',
  'gen',
  'sen',
  'rep',
  'gov',
  'lt',
  'col',
  'capt',
  'sgt',
  'jr',
  'sr',
  'no',
  'vs',
  'etc',
  'inc',
  'ltd',
  'co',
  'corp',
  'mt',
  'ft',
  'approx',
  'dept',
  'est',
  'fig',
  'pres',
  'rev',
  'jan',
  'feb',
  'mar',
  'apr',
  'jun',
  'jul',
  'aug',
  'sep',
  'sept',
  'oct',
  'nov',
  'dec',
]);

function endsWithAbbreviation(segment: string): boolean {
  const match = /(?:^|[\s("'])([A-Za-z]{1,5})\.\s*$/.exec(segment);
  if (!match) return false;
  const word = match[1]!;
  return ABBREVIATIONS.has(word.toLowerCase()) || /^[A-Z]$/.test(word);
}

/** [start, end) of each sentence, untrimmed, after re-joining ICU's breaks at abbreviations and before lower-case words. */
function sentenceSpans(text: string): [number, number][] {
  const spans: [number, number][] = [];
  for (const { segment, index } of segmenter.segment(text)) {
    const previous = spans.at(-1);
    const continuesPrevious =
      previous !== undefined &&
      (endsWithAbbreviation(text.slice(previous[0], previous[1])) || /^\s*[a-z]/.test(segment));
    if (continuesPrevious) previous[1] = index + segment.length;
    else spans.push([index, index + segment.length]);
  }
  return spans;
}

/** Splits text into sentences, keeping each sentence's trailing whitespace out. */
export function splitSentences(text: string): string[] {
  return sentenceSpans(text)
    .map(([start, end]) => text.slice(start, end).trim())
    .filter((s) => s.length > 0);
}

/** Terminal punctuation, then any closing quotes or brackets, at the end of a sentence. */
const TERMINAL = /[.!?…]+["'”’)\]]*$/;

/**
 * Offsets just after each sentence that ends in terminal punctuation and is followed by more text
 * (whitespace first): the places where a reply may be cut "at a sentence". A line without a full
 * stop (a heading) is not a sentence end here, so a cut never leaves a dangling heading.
 */
export function sentenceEnds(text: string): number[] {
  const ends: number[] = [];
  for (const [start, spanEnd] of sentenceSpans(text)) {
    let end = spanEnd;
    while (end > start && /\s/.test(text[end - 1]!)) end--;
    if (end >= text.length || !/\s/.test(text[end]!)) continue;
    if (TERMINAL.test(text.slice(Math.max(start, end - 12), end))) ends.push(end);
  }
  return ends;
}
