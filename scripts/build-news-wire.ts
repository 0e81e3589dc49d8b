/**
 * Builds the news-wire evaluation sets from their hand-written sources, and checks them.
 *
 *   npx tsx scripts/build-news-wire.ts          # writes eval/news-wire-tune.json and eval/news-wire-heldout.json
 *   npx tsx scripts/build-news-wire.ts --check  # only checks that the JSON files match the sources and hold up
 *
 * Sources live in eval/news-wire-src/<split>-NN.txt (split: tune | heldout). One article is:
 *
 *   @article <id>
 *   outlet: <outlet name>
 *   date: 2026-11-18
 *   title: <headline>
 *   p0: <first paragraph>
 *   p1: ...
 *   q p2 paraphrased | <answer, verbatim in p2> | <question>
 *   u | <a near-miss question that no article of the set answers>
 *
 * Why a text source: writing 300 questions against paragraph numbers is error-prone in JSON; here
 * every question sits under the article it points at, and the checks below catch a wrong index.
 *
 * The checks (exit code 1 on any violation):
 *  - every answer occurs verbatim in its gold paragraph;
 *  - every article has 5–12 paragraphs, and no article id is in both splits (held-out questions never
 *    reach tuning);
 *  - a 'paraphrased' question shares at most one content word with its paragraph (the stemmer and
 *    stop words of scripts/check-paraphrase.ts); most share none;
 *  - styles are paraphrased | lexical | title, no question text repeats, and an unanswerable question
 *    is not also asked as an answerable one.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedContentWords } from './check-paraphrase.ts';

const SOURCE_DIR = 'eval/news-wire-src';
export const SPLITS = ['tune', 'heldout'] as const;
type Split = (typeof SPLITS)[number];
const STYLES = new Set(['paraphrased', 'lexical', 'title']);
const SET_DATE = '2026-12-03';

interface WireArticle {
  id: string;
  outlet: string;
  date: string;
  title: string;
  paragraphs: string[];
}
interface WireQuestion {
  q: string;
  answer: string;
  article_id: string;
  paragraph_index: number;
  style: string;
  id: string;
  answer_start: number;
}
interface WireSet {
  articles: WireArticle[];
  questions: WireQuestion[];
  unanswerable: string[];
}

function fail(file: string, line: number, message: string): never {
  throw new Error(`${file}:${line}: ${message}`);
}

/** Parses one source file into its articles and questions (ids assigned later, per split). */
function parseSource(file: string, text: string, into: WireSet): void {
  let article: WireArticle | null = null;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    const at = i + 1;
    if (line === '' || line.startsWith('#')) return;
    if (line.startsWith('@article ')) {
      article = { id: line.slice(9).trim(), outlet: '', date: '', title: '', paragraphs: [] };
      into.articles.push(article);
      return;
    }
    if (!article) fail(file, at, 'content before the first @article');
    const a: WireArticle = article;
    const field = /^(outlet|date|title):\s*(.+)$/.exec(line);
    if (field) {
      a[field[1] as 'outlet' | 'date' | 'title'] = field[2]!.trim();
      return;
    }
    const para = /^p(\d+):\s*(.+)$/.exec(line);
    if (para) {
      if (Number(para[1]) !== a.paragraphs.length)
        fail(file, at, `${a.id}: expected p${a.paragraphs.length}, found p${para[1]}`);
      a.paragraphs.push(para[2]!.trim());
      return;
    }
    const question = /^q p(\d+) (\w+) \| (.+?) \| (.+)$/.exec(line);
    if (question) {
      into.questions.push({
        q: question[4]!.trim(),
        answer: question[3]!.trim(),
        article_id: a.id,
        paragraph_index: Number(question[1]),
        style: question[2]!,
        id: '',
        answer_start: -1,
      });
      return;
    }
    const none = /^u \| (.+)$/.exec(line);
    if (none) {
      into.unanswerable.push(none[1]!.trim());
      return;
    }
    fail(file, at, `cannot read this line: ${line.slice(0, 60)}`);
  });
}

export function readSplit(split: Split): WireSet {
  const set: WireSet = { articles: [], questions: [], unanswerable: [] };
  const files = readdirSync(SOURCE_DIR)
    .filter((f) => f.startsWith(`${split}-`) && f.endsWith('.txt'))
    .sort();
  for (const f of files) parseSource(join(SOURCE_DIR, f), readFileSync(join(SOURCE_DIR, f), 'utf8'), set);
  set.questions.forEach((q, i) => {
    q.id = `wire-${split}-${String(i).padStart(3, '0')}`;
    const paragraph = set.articles.find((a) => a.id === q.article_id)?.paragraphs[q.paragraph_index] ?? '';
    q.answer_start = paragraph.indexOf(q.answer);
  });
  return set;
}

/** Every violation of the rules in the header, as readable lines. */
export function violations(split: Split, set: WireSet): string[] {
  const out: string[] = [];
  const byId = new Map(set.articles.map((a) => [a.id, a]));
  if (byId.size !== set.articles.length) out.push(`${split}: an article id repeats`);
  for (const a of set.articles) {
    if (!a.outlet || !/^\d{4}-\d{2}-\d{2}$/.test(a.date) || !a.title)
      out.push(`${a.id}: outlet, date (YYYY-MM-DD) and title are required`);
    if (a.paragraphs.length < 5 || a.paragraphs.length > 12)
      out.push(`${a.id}: ${a.paragraphs.length} paragraphs (want 5–12)`);
  }
  const seen = new Set<string>();
  for (const q of set.questions) {
    const key = q.q.toLowerCase();
    if (seen.has(key)) out.push(`question repeats: "${q.q}"`);
    seen.add(key);
    if (!STYLES.has(q.style)) out.push(`"${q.q}": unknown style ${q.style}`);
    const paragraph = byId.get(q.article_id)?.paragraphs[q.paragraph_index];
    if (paragraph === undefined) out.push(`"${q.q}": ${q.article_id} has no paragraph ${q.paragraph_index}`);
    else if (q.answer_start < 0)
      out.push(`"${q.q}": answer "${q.answer}" is not in ${q.article_id} p${q.paragraph_index}`);
    else if (q.style === 'paraphrased') {
      const shared = sharedContentWords(q.q, paragraph);
      if (shared.length > 1)
        out.push(`"${q.q}": paraphrased but shares ${shared.join(', ')} with ${q.article_id} p${q.paragraph_index}`);
    }
  }
  for (const u of set.unanswerable) {
    if (seen.has(u.toLowerCase())) out.push(`unanswerable also asked: "${u}"`);
  }
  if (new Set(set.unanswerable.map((u) => u.toLowerCase())).size !== set.unanswerable.length)
    out.push(`${split}: an unanswerable question repeats`);
  return out;
}

export function toJson(split: Split, set: WireSet): string {
  const outlets = [...new Set(set.articles.map((a) => a.outlet))].sort();
  const file = {
    source: `citebot authors: original news-wire prose written for citebot on ${SET_DATE}, not copied from any publication; every outlet (${outlets.join(', ')}), person, place and organisation is invented`,
    license: 'MIT',
    date: SET_DATE,
    domain: 'news (invented wire-style articles from several invented outlets)',
    split:
      split === 'tune'
        ? 'tuning half: tune weights and thresholds on this file only'
        : 'held-out half: never tune on this file; report on it',
    label_quality:
      'gold (questions written by the article author; answer is a verbatim span of the answering paragraph)',
    notes:
      "Built from eval/news-wire-src by scripts/build-news-wire.ts, which also checks it. paragraph_index is 0-based into articles[].paragraphs. Styles: 'paraphrased' questions share at most one content word with the answering paragraph (stemmed, stop words ignored; most share none); 'lexical' questions reuse the article's words, often a figure, date or name; 'title' questions ask about the headline's main claim. 'unanswerable' lists near-miss questions: on topic, sharing names with the articles, but no article states the answer. Some events are covered by two outlets with different figures and wording, and some names recur across articles with different facts. The tuning and held-out halves share no article.",
    articles: set.articles,
    questions: set.questions,
    unanswerable: set.unanswerable,
  };
  return `${JSON.stringify(file, null, 1)}\n`;
}

function summary(split: Split, set: WireSet): string {
  const styles = new Map<string, number>();
  for (const q of set.questions) styles.set(q.style, (styles.get(q.style) ?? 0) + 1);
  const noShared = set.questions.filter(
    (q) =>
      q.style === 'paraphrased' &&
      sharedContentWords(q.q, set.articles.find((a) => a.id === q.article_id)!.paragraphs[q.paragraph_index]!)
        .length === 0,
  ).length;
  const total = set.questions.length + set.unanswerable.length;
  const outlets = new Set(set.articles.map((a) => a.outlet)).size;
  return `${split}: ${set.articles.length} articles from ${outlets} outlets, ${total} questions (${[...styles].map(([s, n]) => `${s} ${n}`).join(', ')}, unanswerable ${set.unanswerable.length} = ${((100 * set.unanswerable.length) / Math.max(total, 1)).toFixed(0)}%; paraphrased sharing no content word: ${noShared})`;
}

function main(): void {
  const check = process.argv.includes('--check');
  const sets = new Map(SPLITS.map((s) => [s, readSplit(s)]));
  const problems = SPLITS.flatMap((s) => violations(s, sets.get(s)!));
  const tuneIds = new Set(sets.get('tune')!.articles.map((a) => a.id));
  for (const a of sets.get('heldout')!.articles) if (tuneIds.has(a.id)) problems.push(`${a.id} is in both splits`);
  for (const s of SPLITS) {
    const set = sets.get(s)!;
    if (set.articles.length === 0) continue;
    const path = `eval/news-wire-${s}.json`;
    const json = toJson(s, set);
    if (check) {
      let onDisk = '';
      try {
        onDisk = readFileSync(path, 'utf8');
      } catch {
        /* reported below */
      }
      if (onDisk !== json)
        problems.push(`${path} does not match ${SOURCE_DIR}: run npx tsx scripts/build-news-wire.ts`);
    } else writeFileSync(path, json);
    console.log(summary(s, set));
  }
  for (const p of problems) console.log(`  VIOLATION: ${p}`);
  process.exitCode = problems.length > 0 ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
