/** Helpers shared by the format parsers: whitespace, dates, metadata fields, headings. */

import type { Article } from '../../types.ts';

/** What a format parser returns; parse.ts assigns ids, cleans paragraphs and rejects empty articles. */
export interface RawArticle extends Omit<Article, 'id'> {
  /** Explicit id from the record / front matter, if any. */
  id: string | null;
  /** How to name this article in error messages, e.g. `record 3 in feed.json`. */
  label?: string;
  /** 1-based record number inside a multi-record file (JSON array, {articles}, NDJSON). */
  recordNumber?: number;
}

/** Collapses all whitespace (NBSP, tabs, newlines) to single spaces; drops zero-width/soft-hyphen chars. */
export function normaliseSpace(s: string): string {
  return s
    .replace(/[\u200B\u2060\uFEFF\u00AD]/g, '')
    .replace(/\s{2,}|[^\S ]/g, ' ') // leaves single spaces alone: much faster on big inputs
    .trim();
}

/** Normalises, drops empty paragraphs and exact duplicates (first occurrence wins). */
export function cleanParagraphs(paragraphs: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const p of paragraphs) {
    const t = normaliseSpace(p);
    if (t === '' || seen.has(t)) continue;
    seen.add(t);
    out.push(t);
  }
  return out;
}

/** Splits text into blocks on blank lines; each block is its list of (trimmed-right) lines. */
export function splitBlocks(text: string): string[][] {
  const blocks: string[][] = [];
  let cur: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s+$/, '');
    if (line.trim() === '') {
      if (cur.length) blocks.push(cur);
      cur = [];
    } else cur.push(line);
  }
  if (cur.length) blocks.push(cur);
  return blocks;
}

/** Splits a body string on blank lines; single newlines inside a paragraph become spaces. */
export function splitParagraphs(text: string): string[] {
  return splitBlocks(text.replace(/\r\n?/g, '\n')).map((b) => normaliseSpace(b.join(' ')));
}

// ---------------------------------------------------------------------------------------------
// Dates

const MONTHS: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  sept: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};

function monthNumber(word: string): number | null {
  const w = word.toLowerCase().replace(/\.$/, '');
  if (Object.hasOwn(MONTHS, w)) return MONTHS[w]!;
  const short = w.slice(0, 3);
  return Object.hasOwn(MONTHS, short) ? MONTHS[short]! : null;
}

function isoDate(y: number, m: number, d: number): string | null {
  if (!(y >= 1000 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= 31)) return null;
  const dt = new Date(Date.UTC(y, m - 1, d));
  if (dt.getUTCMonth() !== m - 1) return null; // e.g. February 30
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

const WEEKDAY = '(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\\.?,?\\s+)?';
const MONTH_WORD = '([A-Za-z]{3,9}\\.?)';
const TIME_TAIL =
  '(?:[\\s,T]+(?:at\\s+)?\\d{1,2}[:.]\\d{2}(?::\\d{2})?(?:\\.\\d+)?\\s*(?:[ap]\\.?m\\.?)?\\s*(?:Z|[A-Z]{2,5}|[+-]\\d{2}:?\\d{2})?(?:\\s*\\([^)]*\\))?)?';

const ISO_RE = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})/;
const MDY_RE = new RegExp(`^${WEEKDAY}${MONTH_WORD}\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})${TIME_TAIL}$`, 'i');
const DMY_RE = new RegExp(
  `^${WEEKDAY}(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH_WORD},?\\s+(\\d{4})${TIME_TAIL}$`,
  'i',
);
const ISO_LINE_RE = new RegExp(`^(\\d{4})-(\\d{2})-(\\d{2})${TIME_TAIL}$`, 'i');

/**
 * A line that is only a date ("January 10, 2022", "Mon 10 Jan 2022 09:00 GMT", "Updated: 2022-01-10"):
 * returns it as YYYY-MM-DD, else null.
 */
export function parseDateLine(line: string): string | null {
  if (line.length > 120) return null;
  const s = normaliseSpace(line).replace(/^(?:published|updated|posted|last updated)(?:\s+on)?\s*:?\s*/i, '');
  let m = ISO_LINE_RE.exec(s);
  if (m) return isoDate(Number(m[1]), Number(m[2]), Number(m[3]));
  m = MDY_RE.exec(s);
  if (m) {
    const mon = monthNumber(m[1]!);
    return mon === null ? null : isoDate(Number(m[3]), mon, Number(m[2]));
  }
  m = DMY_RE.exec(s);
  if (m) {
    const mon = monthNumber(m[2]!);
    return mon === null ? null : isoDate(Number(m[3]), mon, Number(m[1]));
  }
  return null;
}

/**
 * Any date-ish value → YYYY-MM-DD, or null when it can't be read. ISO strings keep the calendar
 * date as written (a time zone offset does not shift the day); Date objects (from YAML) use UTC.
 */
export function normaliseDate(value: unknown): string | null {
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? null : value.toISOString().slice(0, 10);
  }
  if (typeof value !== 'string') return null;
  const s = normaliseSpace(value);
  if (s === '') return null;
  const iso = ISO_RE.exec(s);
  if (iso) return isoDate(Number(iso[1]), Number(iso[2]), Number(iso[3]));
  const line = parseDateLine(s);
  if (line) return line;
  // RFC 2822 and other forms Date understands ("Mon, 10 Jan 2022 12:00:00 GMT").
  if (/[A-Za-z]{3}/.test(s) && /\d{4}/.test(s)) {
    const t = Date.parse(s);
    if (!Number.isNaN(t)) return new Date(t).toISOString().slice(0, 10);
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Metadata

/** Acronyms kept upper-case when a section like "US POLITICS" is title-cased. */
const ACRONYMS = new Set([
  'US',
  'UK',
  'EU',
  'UN',
  'UAE',
  'USA',
  'AI',
  'NATO',
  'TV',
  'COP',
  'MENA',
  'LGBTQ',
  'BBC',
  'TRT',
]);

/**
 * Sections are shown in title case: the scraped text header says "WORLD", while HTML meta and
 * front matter usually say "World"; one spelling keeps citations and filters consistent.
 * Only all-caps sections are changed (a mixed-case "Middle East" or "iPhone" is left alone).
 */
export function normaliseSection(section: string | null | undefined): string | null {
  if (typeof section !== 'string') return null;
  const s = normaliseSpace(section);
  if (s === '') return null;
  if (s !== s.toUpperCase() || !/[A-Z]/.test(s)) return s;
  return s.replace(/[A-Za-z][A-Za-z']*/g, (w) => (ACRONYMS.has(w) ? w : w[0]! + w.slice(1).toLowerCase()));
}

/** Brands whose names are glued in scraped text; checked before the general rule below. */
const KNOWN_BRANDS: Record<string, string> = {
  TRTWorld: 'TRT World',
  AlJazeera: 'Al Jazeera',
  AlArabiya: 'Al Arabiya',
  DailySabah: 'Daily Sabah',
  AnadoluAgency: 'Anadolu Agency',
};

/**
 * "TRTWorld and agencies" → "TRT World and agencies". Known brands first; then the rule
 * "a run of ≥ 2 capitals glued to a Capitalised word of ≥ 3 letters" (BBCNews → BBC News), which
 * leaves "PDFs", "McDonald", "iPhone" and "NGOs" alone.
 */
export function splitGluedBrand(source: string): string {
  let s = source;
  for (const [glued, spaced] of Object.entries(KNOWN_BRANDS)) {
    s = s.replace(new RegExp(`\\b${glued}\\b`, 'g'), spaced);
  }
  return s.replace(/\b([A-Z]{2,})([A-Z][a-z]{2,})\b/g, '$1 $2');
}

export function cleanSource(source: unknown): string | null {
  if (typeof source !== 'string') return null;
  const s = normaliseSpace(splitGluedBrand(source));
  return s === '' ? null : s;
}

function firstString(record: Record<string, unknown>, keys: string[]): string | null {
  for (const k of keys) {
    let v = record[k];
    if (Array.isArray(v)) v = v.find((x) => typeof x === 'string' || typeof x === 'number');
    if (typeof v === 'number') v = String(v);
    if (typeof v === 'string' && v.trim() !== '') return v.trim();
    if (v && typeof v === 'object' && !(v instanceof Date) && typeof (v as { name?: unknown }).name === 'string') {
      return (v as { name: string }).name.trim() || null; // { name: "Reuters" } objects (JSON-LD style)
    }
  }
  return null;
}

function firstDate(record: Record<string, unknown>, keys: string[]): string | null {
  for (const k of keys) {
    const d = normaliseDate(record[k]);
    if (d) return d;
  }
  return null;
}

/** Longer than this, a "byline" is a sentence or a list of contributors, not an author to cite. */
const AUTHOR_MAX_CHARS = 120;

/**
 * An author's name as a citation shows it: spaces collapsed, a leading "By" dropped; a URL (some
 * sites put a profile link in article:author), an e-mail address or an over-long byline gives null.
 */
export function cleanAuthor(value: string | null | undefined): string | null {
  if (!value) return null;
  // RSS 2.0's <author> is "mail@host (Name)".
  const mailed = /^\S+@\S+\s*\((.+)\)$/.exec(value.trim());
  const name = normaliseSpace(mailed ? mailed[1]! : value)
    .replace(/^by[:\s]+/i, '')
    .replace(/[\s,;|·–—-]+$/, '');
  if (name === '' || name.length > AUTHOR_MAX_CHARS) return null;
  if (/^https?:\/\//i.test(name) || /^\S+@\S+\.\S+$/.test(name)) return null;
  return name;
}

/** "author" of a record: a string, { name }, or a list of either (names joined with ", "). */
function authorOf(record: Record<string, unknown>): string | null {
  const one = (v: unknown): string | null =>
    typeof v === 'string'
      ? v
      : v && typeof v === 'object' && typeof (v as { name?: unknown }).name === 'string'
        ? (v as { name: string }).name
        : null;
  for (const key of ['author', 'authors', 'byline', 'creator']) {
    const v = record[key];
    const names = (Array.isArray(v) ? v.map(one) : [one(v)]).filter((n): n is string => Boolean(n?.trim()));
    const author = cleanAuthor(names.join(', '));
    if (author) return author;
  }
  return null;
}

export interface RecordMeta {
  id: string | null;
  title: string | null;
  date: string | null;
  source: string | null;
  section: string | null;
  url: string | null;
  author: string | null;
}

/**
 * Metadata from a JSON record or YAML front matter. Accepted keys, first wins:
 * id · title/headline · date/published/published_at/publishedAt/pubDate/datePublished ·
 * source/publisher/site/site_name/siteName, then author as a last resort (a byline is still a
 * truthful attribution) · section/category · url/link/canonical/canonical_url ·
 * author/authors/byline/creator (a name, { name }, or a list of them).
 */
export function pickMeta(record: Record<string, unknown>): RecordMeta {
  const url = firstString(record, ['url', 'link', 'canonical', 'canonical_url', 'canonicalUrl']);
  return {
    id: firstString(record, ['id']),
    title: firstString(record, ['title', 'headline']),
    date: firstDate(record, [
      'date',
      'published',
      'published_at',
      'publishedAt',
      'pubDate',
      'datePublished',
      'created',
    ]),
    source: cleanSource(firstString(record, ['source', 'publisher', 'site', 'site_name', 'siteName', 'author'])),
    section: normaliseSection(firstString(record, ['section', 'category', 'categories'])),
    url: url && /^https?:\/\//i.test(url) ? url : null,
    author: authorOf(record),
  };
}

// ---------------------------------------------------------------------------------------------
// Headings and titles

/**
 * A subheading in plain text: one short line (≤ 8 words) with no terminal punctuation,
 * e.g. "Nearly 8,000 detained". Such lines are not passages.
 */
export function looksLikeHeading(line: string): boolean {
  if (line.length > 200) return false;
  const s = normaliseSpace(line);
  if (s === '') return false;
  if (/[.!?:;…"'”’»)\]]$/.test(s)) return false;
  return s.split(' ').length <= 8;
}

/**
 * A title from a first line that is really a paragraph (over 160 chars): its first sentence,
 * cut at a word boundary to ≤ 100 chars with an ellipsis.
 */
export function titleFromParagraph(text: string): string {
  const s = normaliseSpace(text);
  const sentence = /^.+?[.!?](?=\s|$)/.exec(s)?.[0] ?? s;
  if (sentence.length <= 100) return sentence;
  const cut = sentence.slice(0, 100);
  const sp = cut.lastIndexOf(' ');
  return `${(sp > 40 ? cut.slice(0, sp) : cut).replace(/[\s,;:]+$/, '')}…`;
}
