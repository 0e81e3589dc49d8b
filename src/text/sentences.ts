/** Sentence splitting shared by passage making, answer highlighting and reply trimming. */

const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

// ICU ends a sentence after these even though they rarely end one in news copy.
const ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'dr', 'prof', 'st', 'gen', 'sen', 'rep', 'gov', 'lt', 'col', 'capt', 'sgt', 'jr', 'sr',
  'no', 'vs', 'etc', 'inc', 'ltd', 'co', 'corp', 'mt', 'ft', 'approx', 'dept', 'est', 'fig', 'pres', 'rev',
  'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec',
]);

function endsWithAbbreviation(segment: string): boolean {
  const match = /(?:^|[\s("'])([A-Za-z]{1,5})\.\s*$/.exec(segment);
  if (!match) return false;
  const word = match[1]!;
  return ABBREVIATIONS.has(word.toLowerCase()) || /^[A-Z]$/.test(word);
}

/** Splits text into sentences, keeping each sentence's trailing whitespace out. */
export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  for (const { segment } of segmenter.segment(text)) {
    const previous = sentences.at(-1);
    const continuesPrevious =
      previous !== undefined && (endsWithAbbreviation(previous) || /^\s*[a-z]/.test(segment));
    if (continuesPrevious) sentences[sentences.length - 1] = previous + segment;
    else sentences.push(segment);
  }
  return sentences.map((s) => s.trim()).filter((s) => s.length > 0);
}
