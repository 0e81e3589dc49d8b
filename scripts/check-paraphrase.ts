/**
 * Checks question sets used to evaluate retrieval.
 *
 *   npx tsx scripts/check-paraphrase.ts [file ...]
 *
 * With no arguments it checks test/fixtures/paraphrase-questions.json and eval/news-en.json.
 * Two input shapes are accepted:
 *
 *  - a fixture array `[{q, article_id, paragraph_index, answer, style?}]` whose article ids refer to
 *    files in examples/articles/ (file stem for .txt/.md/.html, record id for .json/.ndjson);
 *    entries without `style` are treated as paraphrased;
 *  - an eval set `{articles: [{id, paragraphs}], questions: [...], unanswerable: [...]}`.
 *
 * For every question it checks that the paragraph index is valid and that the answer appears verbatim
 * in the answering paragraph. For paraphrased questions it checks that the question shares no content
 * word with that paragraph: stop words and question words are ignored, and words are compared after a
 * crude stemmer (strips s/es/ed/ing/ly/ion...) plus a prefix rule, so "detain"/"detained" and
 * "protest"/"protesters" count as the same word. The check is deliberately stricter than it needs to be.
 *
 * Example articles are read with the project's parser (src/ingest/parse.ts) so that paragraph indices
 * match what ingest produces. A small stand-alone approximation of its conventions (body after the
 * date line up to SOURCE:, no READ MORE lines, short headings dropped) is the fallback when the parser
 * cannot be loaded, and is cross-checked against the parser otherwise.
 *
 * Exit code 1 when any violation is found.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, extname, basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseHTML } from 'linkedom';
import { Readability } from '@mozilla/readability';

interface Question {
  q: string;
  answer: string;
  article_id: string;
  paragraph_index: number;
  style?: 'lexical' | 'paraphrased';
}
interface SimpleArticle {
  id: string;
  paragraphs: string[];
}

const EXAMPLES_DIR = 'examples/articles';

// ---------------------------------------------------------------- words

const STOP = new Set(
  `a an the and or but nor so yet if then than that this these those there here of in on at to from by for with
  without within into onto upon over under about above below after before during since until while as per via
  against among between through across around off out up down near
  is am are was were be been being do does did doing done has have had having will would shall should can could
  may might must ought
  i me my mine we us our ours you your yours he him his she her hers it its they them their theirs one ones
  who whom whose what which when where why how whether whatever whoever
  many much more most less least few fewer some any all each every both either neither no not none other another
  such own same only just also too very still even ever again already yet
  s t d ll ve re m don didn doesn isn wasn weren aren won wouldn couldn shouldn hasn haven hadn
  get gets got getting go goes went going gone`
    .split(/\s+/)
    .filter(Boolean),
);

export function tokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[\u2018\u2019]/g, "'")
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0 && !STOP.has(w));
}

export function stem(word: string): string {
  let w = word;
  if (/^\d+$/.test(w)) return w;
  for (const suf of ['ations', 'ation', 'ions', 'ion', 'ings', 'ing', 'edly', 'ed', 'ly', 'ies', 'es', 's']) {
    if (w.length - suf.length >= 3 && w.endsWith(suf)) {
      w = w.slice(0, -suf.length);
      if (suf === 'ies') w += 'y';
      break;
    }
  }
  // Collapse a doubled final consonant ("stopp" -> "stop") and a trailing e ("cause"/"caus").
  if (/([b-df-hj-np-tv-z])\1$/.test(w)) w = w.slice(0, -1);
  if (w.length > 3 && w.endsWith('e')) w = w.slice(0, -1);
  return w;
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** Same word for our purposes: equal stems, one stem a prefix (>= 4 chars) of the other, or a long shared prefix. */
function sameWord(a: string, b: string): boolean {
  if (a === b) return true;
  if (/^\d/.test(a) || /^\d/.test(b)) return false;
  const p = commonPrefix(a, b);
  const shorter = Math.min(a.length, b.length);
  if (p === shorter && shorter >= 4) return true;
  return p >= 6;
}

/** Question words that (after stemming) also occur in the paragraph. */
export function sharedContentWords(question: string, paragraph: string): string[] {
  const pStems = [...new Set(tokens(paragraph).map(stem))];
  const out: string[] = [];
  for (const w of tokens(question)) {
    const s = stem(w);
    if (pStems.some((p) => sameWord(s, p))) out.push(w);
  }
  return [...new Set(out)];
}

// ---------------------------------------------------------------- example articles

const MONTH_DATE_LINE =
  /^(January|February|March|April|May|June|July|August|September|October|November|December) \d{1,2}, \d{4}$/;

/** A block that is a heading, not a paragraph: short and without sentence punctuation at the end. */
function isHeading(block: string): boolean {
  const words = block.split(/\s+/).filter(Boolean).length;
  return words <= 8 && !/[.!?"'\u201d\u2019)]$/.test(block.trim());
}

function blocks(text: string): string[] {
  return text
    .split(/\n\s*\n/)
    .map((b) => b.replace(/\s*\n\s*/g, ' ').trim())
    .filter(Boolean);
}

function parseTxt(id: string, raw: string): SimpleArticle {
  const lines = raw.split(/\r?\n/);
  const dateIdx = lines.findIndex((l) => MONTH_DATE_LINE.test(l.trim()));
  let end = lines.findIndex((l) => /^SOURCE:/.test(l.trim()));
  if (end < 0) end = lines.length;
  const body = lines.slice(dateIdx + 1, end).join('\n');
  const paragraphs = blocks(body).filter((b) => !/^READ MORE:/i.test(b) && !isHeading(b));
  return { id, paragraphs };
}

function stripMarkdown(b: string): string {
  return b
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .replace(/\*([^*]+)\*/g, '$1')
    .replace(/_([^_]+)_/g, '$1');
}

function parseMd(id: string, raw: string): SimpleArticle {
  let body = raw;
  const fm = /^---\r?\n[\s\S]*?\r?\n---\r?\n/.exec(raw);
  if (fm) body = raw.slice(fm[0].length);
  const paragraphs = blocks(body)
    .filter((b) => !b.startsWith('#'))
    .map(stripMarkdown)
    .filter((b) => !isHeading(b));
  return { id, paragraphs };
}

function parseHtmlArticle(id: string, raw: string): SimpleArticle {
  const { document } = parseHTML(raw);
  const parsed = new Readability(document as unknown as Document).parse();
  if (!parsed?.content) return { id, paragraphs: [] };
  const { document: doc } = parseHTML(`<html><body>${parsed.content}</body></html>`);
  const paragraphs = [...doc.querySelectorAll('p')]
    .map((p) => (p.textContent ?? '').replace(/\s+/g, ' ').trim())
    .filter((t) => t && !isHeading(t));
  return { id, paragraphs };
}

interface RawRecord {
  id: string;
  paragraphs?: string[];
  body?: string;
}

function fromRecord(r: RawRecord): SimpleArticle {
  const paragraphs = r.paragraphs ?? blocks(r.body ?? '');
  return { id: r.id, paragraphs: paragraphs.filter((p) => !isHeading(p)) };
}

type ProjectParser = (input: { name: string; bytes: Uint8Array }) => SimpleArticle[];

/** The project's own parser when it can be loaded, so fixture indices match what ingest produces. */
async function loadProjectParser(): Promise<{ parse: ProjectParser | null; note: string }> {
  try {
    const mod = await import('../src/ingest/parse.ts');
    return { parse: (input) => mod.parseArticles(input), note: 'src/ingest/parse.ts (parseArticles)' };
  } catch (err) {
    return { parse: null, note: `built-in approximation (src/ingest/parse.ts not loadable: ${String(err)})` };
  }
}

export function loadExampleArticles(
  dir = EXAMPLES_DIR,
  parse: ProjectParser | null = null,
): Map<string, SimpleArticle> {
  const out = new Map<string, SimpleArticle>();
  if (parse) {
    for (const file of readdirSync(dir).sort())
      for (const a of parse({ name: file, bytes: readFileSync(join(dir, file)) })) out.set(a.id, a);
    return out;
  }
  for (const file of readdirSync(dir).sort()) {
    const path = join(dir, file);
    const ext = extname(file);
    const stemName = basename(file, ext);
    const raw = readFileSync(path, 'utf8');
    const add = (a: SimpleArticle): void => void out.set(a.id, a);
    if (ext === '.txt') add(parseTxt(stemName, raw));
    else if (ext === '.md') add(parseMd(stemName, raw));
    else if (ext === '.html' || ext === '.htm') add(parseHtmlArticle(stemName, raw));
    else if (ext === '.json') add(fromRecord(JSON.parse(raw) as RawRecord));
    else if (ext === '.ndjson' || ext === '.jsonl')
      for (const line of raw.split('\n').filter((l) => l.trim())) add(fromRecord(JSON.parse(line) as RawRecord));
  }
  return out;
}

// ---------------------------------------------------------------- checks

const wordCount = (p: string): number => p.split(/\s+/).filter(Boolean).length;

interface Report {
  errors: string[];
  warnings: string[];
  lines: string[];
}

function checkQuestions(
  questions: Question[],
  articles: Map<string, SimpleArticle>,
  defaultStyle: 'lexical' | 'paraphrased',
  rep: Report,
): void {
  const seen = new Set<string>();
  let lexicalWithoutOverlap = 0;
  questions.forEach((qq, i) => {
    const tag = `#${i} "${qq.q}"`;
    if (seen.has(qq.q.toLowerCase())) rep.errors.push(`${tag}: duplicate question`);
    seen.add(qq.q.toLowerCase());
    const art = articles.get(qq.article_id);
    if (!art) return void rep.errors.push(`${tag}: unknown article_id ${qq.article_id}`);
    const para = art.paragraphs[qq.paragraph_index];
    if (!Number.isInteger(qq.paragraph_index) || para === undefined)
      return void rep.errors.push(
        `${tag}: paragraph_index ${qq.paragraph_index} out of range (article has ${art.paragraphs.length})`,
      );
    if (!qq.answer || !para.includes(qq.answer))
      rep.errors.push(`${tag}: answer "${qq.answer}" not found verbatim in ${qq.article_id}[${qq.paragraph_index}]`);
    const style = qq.style ?? defaultStyle;
    if (style !== 'lexical' && style !== 'paraphrased') rep.errors.push(`${tag}: bad style ${String(style)}`);
    const shared = sharedContentWords(qq.q, para);
    if (style === 'paraphrased' && shared.length)
      rep.errors.push(`${tag}: shares content words with its paragraph: ${shared.join(', ')}`);
    if (style === 'lexical' && shared.length === 0) lexicalWithoutOverlap++;
  });
  if (lexicalWithoutOverlap)
    rep.warnings.push(`${lexicalWithoutOverlap} lexical question(s) share no content word with their paragraph`);
}

async function checkFixture(path: string, rep: Report): Promise<void> {
  const questions = JSON.parse(readFileSync(path, 'utf8')) as Question[];
  const { parse, note } = await loadProjectParser();
  rep.lines.push(`  article reader: ${note}`);
  const articles = loadExampleArticles(EXAMPLES_DIR, parse);
  if (parse) {
    // Cross-check the built-in approximation against the real parser: a mismatch means one of them
    // (or an example file) changed, and paragraph indices in the fixture may need a second look.
    const approx = loadExampleArticles(EXAMPLES_DIR, null);
    for (const [id, a] of articles) {
      const b = approx.get(id);
      if (!b) rep.warnings.push(`${id}: not produced by the built-in reader`);
      else if (a.paragraphs.length !== b.paragraphs.length || a.paragraphs.some((p, i) => p !== b.paragraphs[i]))
        rep.warnings.push(`${id}: project parser and built-in reader disagree on body paragraphs`);
    }
  }
  for (const a of articles.values()) {
    const short = a.paragraphs.filter((p) => wordCount(p) < 40 || wordCount(p) > 120).length;
    rep.lines.push(
      `  ${a.id}: ${a.paragraphs.length} body paragraphs${short ? `, ${short} outside 40-120 words` : ''}`,
    );
    if (!a.id.startsWith('000_') && (a.paragraphs.length < 8 || a.paragraphs.length > 14))
      rep.warnings.push(`${a.id}: ${a.paragraphs.length} paragraphs (wanted 8-14)`);
  }
  checkQuestions(questions, articles, 'paraphrased', rep);
  if (questions.length !== 12) rep.warnings.push(`expected exactly 12 fixture questions, found ${questions.length}`);
  const covered = new Set(questions.map((q) => q.article_id));
  rep.lines.push(
    `  ${questions.length} questions over ${covered.size} articles (all treated as paraphrased unless styled)`,
  );
}

interface EvalSet {
  articles: { id: string; title: string; source?: string; date?: string; paragraphs: string[] }[];
  questions: Question[];
  unanswerable?: string[];
}

function checkEval(path: string, rep: Report): void {
  const set = JSON.parse(readFileSync(path, 'utf8')) as EvalSet;
  const articles = new Map<string, SimpleArticle>();
  for (const a of set.articles) {
    if (articles.has(a.id)) rep.errors.push(`duplicate article id ${a.id}`);
    articles.set(a.id, { id: a.id, paragraphs: a.paragraphs });
    if (a.paragraphs.length < 6 || a.paragraphs.length > 10)
      rep.warnings.push(`${a.id}: ${a.paragraphs.length} paragraphs (wanted 6-10)`);
    a.paragraphs.forEach((p, i) => {
      const n = wordCount(p);
      if (n < 50 || n > 120) rep.warnings.push(`${a.id}[${i}]: ${n} words (wanted 50-120)`);
    });
    if (!a.title || !a.source || !a.date || !/^\d{4}-\d{2}-\d{2}$/.test(a.date))
      rep.errors.push(`${a.id}: missing title/source/date (YYYY-MM-DD)`);
  }
  checkQuestions(set.questions, articles, 'lexical', rep);
  const unanswerable = set.unanswerable ?? [];
  const para = set.questions.filter((q) => q.style === 'paraphrased').length;
  const lex = set.questions.filter((q) => q.style === 'lexical').length;
  const total = set.questions.length;
  const perArticle = new Map<string, number>();
  for (const q of set.questions) perArticle.set(q.article_id, (perArticle.get(q.article_id) ?? 0) + 1);
  const unasked = set.articles.filter((a) => !perArticle.has(a.id)).map((a) => a.id);
  rep.lines.push(
    `  ${set.articles.length} articles, ${set.articles.reduce((n, a) => n + a.paragraphs.length, 0)} paragraphs`,
    `  ${total} questions: ${lex} lexical, ${para} paraphrased (${total ? ((100 * para) / total).toFixed(1) : 0}%)`,
    `  ${unanswerable.length} unanswerable`,
    `  questions per article: min ${Math.min(...perArticle.values())}, max ${Math.max(...perArticle.values())}` +
      (unasked.length ? `; no questions for ${unasked.join(', ')}` : ''),
  );
  if (set.articles.length < 15) rep.errors.push(`need at least 15 articles, have ${set.articles.length}`);
  if (total < 90) rep.errors.push(`need at least 90 questions, have ${total}`);
  if (para < 0.4 * total) rep.errors.push(`need at least 40% paraphrased, have ${para}/${total}`);
  if (unanswerable.length < 20) rep.errors.push(`need at least 20 unanswerable, have ${unanswerable.length}`);
  const qs = new Set(set.questions.map((q) => q.q.toLowerCase()));
  for (const u of unanswerable) if (qs.has(u.toLowerCase())) rep.errors.push(`unanswerable also asked: "${u}"`);
}

async function main(): Promise<void> {
  const files = process.argv.slice(2);
  const targets = files.length
    ? files
    : ['test/fixtures/paraphrase-questions.json', 'eval/news-en.json'].filter((f) => existsSync(f));
  let failed = false;
  for (const f of targets) {
    const data: unknown = JSON.parse(readFileSync(f, 'utf8'));
    const rep: Report = { errors: [], warnings: [], lines: [] };
    if (Array.isArray(data)) await checkFixture(f, rep);
    else checkEval(f, rep);
    console.log(`${f}:`);
    for (const l of rep.lines) console.log(l);
    for (const w of rep.warnings) console.log(`  warning: ${w}`);
    for (const e of rep.errors) console.log(`  VIOLATION: ${e}`);
    console.log(rep.errors.length ? `  FAIL: ${rep.errors.length} violation(s)` : '  OK: no violations');
    if (rep.errors.length) failed = true;
  }
  process.exitCode = failed ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
