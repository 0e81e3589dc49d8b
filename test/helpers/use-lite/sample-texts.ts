/**
 * Deterministic text samples for the tokenizer/parity checks and the bench:
 * real sentences (example articles, XQuAD paragraphs and questions) plus
 * mechanical variants that stress normalisation and the lattice (case, spacing,
 * punctuation, digits, Unicode). Same files in, same list out.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../../../src/seeded-random.ts';

export const ARTICLES_DIR = join(import.meta.dirname, '..', '..', '..', 'examples', 'articles');
export const XQUAD_PATH = '/work/shared/eval/xquad-en.json';
/** In the repository, so parity texts are the same on a clean clone (CI) as here. */
export const PARAPHRASE_QUESTIONS_PATH = join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  'test',
  'fixtures',
  'paraphrase-questions.json',
);

function splitSentences(text: string): string[] {
  return text
    .split(/\n+/)
    .flatMap((line) => line.split(/(?<=[.!?])\s+(?=[A-Z“"'(])/))
    .map((s) => s.trim())
    .filter((s) => s.length >= 3);
}

function articleSentences(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((f) => splitSentences(readFileSync(join(dir, f), 'utf8')));
}

interface Xquad {
  articles: Array<{ paragraphs: string[] }>;
  questions: Array<{ q: string }>;
}

function xquadTexts(path: string): { sentences: string[]; questions: string[] } {
  if (!existsSync(path)) return { sentences: [], questions: [] };
  const data = JSON.parse(readFileSync(path, 'utf8')) as Xquad;
  return {
    sentences: data.articles.flatMap((a) => a.paragraphs.flatMap(splitSentences)),
    questions: data.questions.map((q) => q.q),
  };
}

const VARIANTS: Array<(s: string, r: () => number) => string> = [
  (s) => s.toUpperCase(),
  (s) => s.toLowerCase(),
  (s) => `  ${s.replace(/ /g, '  ')} `,
  (s) => s.replace(/\s+/g, ''),
  (s) => s.replace(/[aeiou]/g, (c) => ({ a: 'á', e: 'é', i: 'ï', o: 'ô', u: 'ü' })[c] ?? c),
  (s) => `${s} 😀 ＦＵＬＬＷＩＤＴＨ ﬁne ½ №5`,
  (s, r) =>
    s
      .split(' ')
      .sort(() => r() - 0.5)
      .join(' '),
  (s, r) => `${s} ${Math.floor(r() * 1e6)}:${Math.floor(r() * 60)} $${(r() * 1000).toFixed(2)} 3.5% :) :-) http://x.io`,
  (s) => s.replace(/\./g, ' ... ').replace(/,/g, ' ,, '),
  (s) => `«${s}» — “quoted” ‘text’ 北京 Ελλάδα Москва`,
];

export interface SampleOptions {
  /** Include mechanical variants (for the tokenizer check). */
  variants?: boolean;
}

/** Up to `count` distinct texts in a fixed order. */
export function sampleTexts(count: number, { variants = false }: SampleOptions = {}): string[] {
  const xq = xquadTexts(XQUAD_PATH);
  const base = [...articleSentences(ARTICLES_DIR), ...xq.questions, ...xq.sentences];
  const out = new Set<string>();
  const rand = seededRandom(20240607);
  for (let i = 0; out.size < count && i < base.length * (variants ? VARIANTS.length + 1 : 1); i++) {
    const s = base[i % base.length]!;
    const round = Math.floor(i / base.length);
    out.add(round === 0 ? s : VARIANTS[(round - 1 + i) % VARIANTS.length]!(s, rand));
  }
  if (variants) {
    for (const edge of [
      '',
      ' ',
      '   ',
      'a',
      '▁',
      '▁▁x',
      'ꙮ',
      '😀😀',
      '\t\n',
      '<s> </s> <unk>',
      ':30 ://',
      'x'.repeat(300),
    ])
      out.add(edge);
  }
  return [...out];
}

function repoQuestions(): string[] {
  if (!existsSync(PARAPHRASE_QUESTIONS_PATH)) return [];
  const data = JSON.parse(readFileSync(PARAPHRASE_QUESTIONS_PATH, 'utf8')) as Array<{ q?: unknown }>;
  return data.flatMap((d) => (typeof d.q === 'string' ? [d.q] : []));
}

/**
 * Parity/bench texts from repository files only (example articles + fixture questions), so the
 * set, and the content-addressed TF.js reference for it, is identical on every checkout. Past the
 * single sentences come runs of 2-4 consecutive sentences: longer inputs, up to and beyond the
 * 128-token window, where padding and clipping matter most.
 */
export function parityTexts(count: number): string[] {
  const sentences = articleSentences(ARTICLES_DIR);
  const out = new Set<string>([...sentences, ...repoQuestions()]);
  for (let run = 2; run <= 4 && out.size < count; run++) {
    for (let i = 0; i + run <= sentences.length && out.size < count; i++)
      out.add(sentences.slice(i, i + run).join(' '));
  }
  return [...out].slice(0, count);
}
