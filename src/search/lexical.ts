/**
 * The lexical side of search: one analyzer for passages and questions, so that
 * "7,939" matches "7939", "Jan. 10" matches "January 10" and "detained" matches "detain".
 * Passages are stored as analyzed tokens, so BM25 and our coverage score agree.
 */
import { stemmer } from 'stemmer';

const MONTHS: Record<string, string> = {
  jan: 'january',
  feb: 'february',
  mar: 'march',
  apr: 'april',
  jun: 'june',
  jul: 'july',
  aug: 'august',
  sep: 'september',
  sept: 'september',
  oct: 'october',
  nov: 'november',
  dec: 'december',
};
const MONTH_NAMES = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

/** Function words: they carry no content, in passages or questions. */
const STOP_WORDS = new Set(
  `a an the and or but if then else of to in on at by for with from into onto over under about as is are was were be been
  being am do does did done doing have has had having it its it's this that these those there here he she they we you i me
  him her them us my your our their his hers theirs ours yours not no nor so than too very can could will would shall should
  may might must also just only own same such both each few more most other some any all s t says said say according
  up out off again further once while during before after above below between through against because until
  mr mrs ms`.split(/\s+/),
);

/** Question words and chat filler: they say what is asked, not what it is about. */
const QUESTION_WORDS = new Set(
  `how many much what when where which who whom whose why whats what's tell know anyone somebody please explain
  happen happened happening thing things did does do get got kind sort way`.split(/\s+/),
);

/** Normalizes number and date spellings before tokenizing. */
function normalize(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/(\d)[,\u00a0\u202f](?=\d{3}\b)/g, '$1')
    .replace(/\b(\d{4})-(\d{2})-(\d{2})\b/g, (_m, y: string, mo: string, d: string) => {
      const month = MONTH_NAMES[Number(mo) - 1];
      return month ? `${month} ${Number(d)} ${y}` : `${y} ${mo} ${d}`;
    })
    .replace(
      /\b(jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\.?(?=\s+\d)/g,
      (_m, abbr: string) => MONTHS[abbr] ?? abbr,
    )
    .replace(/\b(\d{1,2})(?:st|nd|rd|th)\b/g, '$1');
}

/**
 * Bumped whenever `analyze` changes its output: stored passage terms written by another
 * version are re-analyzed when the store opens, so questions and passages always agree.
 */
export const ANALYZER_VERSION = 3;

/**
 * Irregular forms the Porter stemmer leaves apart from their base ("died" → "di" but
 * "die" → "die"; "won" / "win"): mapped to the base before stemming.
 */
// A Map, not an object literal: an object would answer "constructor" with Object's constructor.
const IRREGULAR: ReadonlyMap<string, string> = new Map(
  `die:died,dies,dying lie:lied,lies,lying tie:tied,ties,tying win:won,winning begin:began,begun build:built
  buy:bought bring:brought catch:caught choose:chose,chosen draw:drew,drawn drive:drove,driven eat:ate,eaten fall:fell,fallen
  feel:felt fight:fought find:found fly:flew,flown forget:forgot,forgotten freeze:froze,frozen give:gave,given go:went,gone
  grow:grew,grown hold:held hide:hid,hidden keep:kept lead:led leave:left lose:lost make:made meet:met pay:paid
  rise:risen run:ran seek:sought sell:sold send:sent sink:sank,sunk speak:spoke,spoken spend:spent
  stand:stood steal:stole,stolen strike:struck swim:swam,swum take:took,taken teach:taught tell:told think:thought
  throw:threw,thrown wear:wore,worn write:wrote,written beat:beaten bite:bitten blow:blew,blown
  break:broke,broken know:knew,known see:saw,seen sing:sang,sung`
    .split(/\s+/)
    .flatMap((entry) => {
      const [base, forms] = entry.split(':') as [string, string];
      return forms.split(',').map((form) => [form, base] as const);
    }),
);

function stem(token: string): string {
  if (/^\d/.test(token)) return token;
  return stemmer(IRREGULAR.get(token) ?? token);
}

/** Tokens of a passage: normalized, stop words removed, stemmed. */
export function analyze(text: string): string[] {
  const words = normalize(text).match(/\d+(?:\.\d+)?%?|[a-z]+(?:'[a-z]+)?/g) ?? [];
  return words.filter((w) => !STOP_WORDS.has(w)).map((w) => stem(w.replace(/'s$/, '').replace(/%$/, '')));
}

/** Content tokens of a question: like `analyze`, minus question words, deduplicated. */
export function analyzeQuestion(question: string): string[] {
  const words = normalize(question).match(/\d+(?:\.\d+)?%?|[a-z]+(?:'[a-z]+)?/g) ?? [];
  const tokens = words
    .filter((w) => !STOP_WORDS.has(w) && !QUESTION_WORDS.has(w))
    .map((w) => stem(w.replace(/'s$/, '').replace(/%$/, '')));
  return [...new Set(tokens)];
}

/**
 * Share of the question's idf mass that `passageTokens` covers, in [0, 1].
 * Rare words (names, numbers) count for more than common ones.
 */
export function coverage(
  questionTokens: readonly string[],
  passageTokens: Pick<ReadonlySet<string>, 'has'>,
  idf: (token: string) => number,
): number {
  let total = 0;
  let covered = 0;
  for (const token of questionTokens) {
    const weight = idf(token);
    total += weight;
    if (passageTokens.has(token)) covered += weight;
  }
  return total === 0 ? 0 : covered / total;
}
