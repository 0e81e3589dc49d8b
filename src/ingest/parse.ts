/**
 * The parse step: one input's bytes → Article[]. Pure: no I/O besides what is passed in.
 *
 *   decode (size, binary, UTF-8, BOM, CRLF) → format (given, else detectFormat) → format parser
 *   → paragraphs cleaned (whitespace, exact duplicates) → ids → empty articles rejected.
 */
import { createHash } from 'node:crypto';
import { CitebotError, UserError } from '../errors.ts';
import type { Article } from '../types.ts';
import { SUPPORTED_EXTENSIONS, assertWithinSize, decodeArticleBytes, displayName } from './decode.ts';
import { cleanParagraphs, normaliseSpace, type RawArticle } from './formats/common.ts';
import { parseDocx } from './formats/docx.ts';
import { parseHtml } from './formats/html.ts';
import { parseJson, parseNdjson } from './formats/json.ts';
import { parseMarkdown } from './formats/markdown.ts';
import { parsePdf } from './formats/pdf.ts';
import { parseText } from './formats/text.ts';

export type ArticleFormat = 'text' | 'markdown' | 'html' | 'json' | 'ndjson' | 'pdf' | 'docx';

/** Formats whose bytes are not text: read asynchronously by parseInput, never decoded as UTF-8. */
export type DocumentFormat = 'pdf' | 'docx';

export interface ArticleInput {
  /** File name or path; "-" for stdin, "pasted" for text pasted into chat. */
  name: string;
  bytes: Uint8Array;
  /** Overrides extension sniffing. */
  format?: ArticleFormat;
  /** E.g. a URL the HTML came from: resolves a relative canonical link, fallback url and source. */
  url?: string;
}

export interface ParseLimits {
  maxBytes: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = { maxBytes: 5 * 1024 * 1024 };

/** A record of a many-article input (an NDJSON line) that was left out, and why. */
export interface SkippedRecord {
  /** "line 3 of feed.ndjson" */
  label: string;
  reason: string;
}

/**
 * Given to parseArticles/parseInput, bad NDJSON lines are collected here and the good ones
 * returned; without it the first bad line fails the whole input (as over the worker boundary).
 */
export type SkippedRecords = SkippedRecord[];

const EXTENSIONS: Record<string, ArticleFormat> = {
  txt: 'text',
  text: 'text',
  md: 'markdown',
  markdown: 'markdown',
  mdown: 'markdown',
  mkd: 'markdown',
  html: 'html',
  htm: 'html',
  xhtml: 'html',
  json: 'json',
  ndjson: 'ndjson',
  jsonl: 'ndjson',
  pdf: 'pdf',
  docx: 'docx',
};

/** Extensions of files that are not articles even when they decode as text. */
const UNSUPPORTED_EXTENSIONS = new Set([
  'doc',
  'odt',
  'rtf',
  'epub',
  'pages',
  'xlsx',
  'xls',
  'csv',
  'tsv',
  'pptx',
  'ppt',
  'xml',
  'rss',
  'atom',
  'png',
  'jpg',
  'jpeg',
  'gif',
  'webp',
  'svg',
  'zip',
  'gz',
  'tar',
  'mp3',
  'mp4',
  'exe',
]);

/** Last path segment; for a URL name ("https://x.example/news/story.html?utm=1") of its path. */
function baseName(name: string): string {
  let path = name;
  if (/^https?:\/\//i.test(name)) {
    try {
      path = decodeURIComponent(new URL(name).pathname).replace(/\/+$/, '');
    } catch {
      path = name;
    }
  }
  return path.split(/[\\/]/).pop() ?? path;
}

function extension(name: string): string {
  const base = baseName(name);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

function isPasted(name: string): boolean {
  return name === '-' || name === 'pasted' || name === '' || name === '<stdin>';
}

/**
 * The format of an input: by extension (.txt .md .html .json .ndjson/.jsonl and variants); for
 * stdin, pasted text or an unknown extension, by content: a leading "{" or "[" is JSON (NDJSON when
 * several lines each hold one {…} object), "<html"/"<!doctype" (or <head>/<body>/<article>) is
 * HTML, "---" front matter or a "# " heading is Markdown, anything else is text.
 * Throws `unsupported_format` for known non-article extensions (.doc, .odt, .csv, …).
 */
export function detectFormat(name: string, text: string): ArticleFormat {
  const ext = isPasted(name) ? '' : extension(name);
  if (Object.hasOwn(EXTENSIONS, ext)) return EXTENSIONS[ext]!;
  if (UNSUPPORTED_EXTENSIONS.has(ext)) {
    throw new UserError(
      'unsupported_format',
      `${displayName(name)} is a .${ext} file, which citebot can't read as an article; ` +
        `save it as text, Markdown or HTML (supported: ${SUPPORTED_EXTENSIONS})`,
    );
  }
  const t = text.trimStart();
  if (t.startsWith('[')) return 'json';
  if (t.startsWith('{')) {
    const lines = t
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    return lines.length > 1 && lines.every((l) => l.startsWith('{') && l.endsWith('}')) ? 'ndjson' : 'json';
  }
  if (/^<(?:!doctype\s+html|html|head|body|article)[\s>]/i.test(t)) return 'html';
  if (/^---[ \t]*\n/.test(text.replace(/^\s*\n/, '')) || /^#[ \t]+\S/.test(t)) return 'markdown';
  return 'text';
}

/** Lowercase, [a-z0-9-_.] only, ≤ `max` chars, cut at a hyphen where possible. */
export function slugify(s: string, max = 80): string {
  let slug = s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/['’]/g, '')
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  if (slug.length > max) {
    const cut = slug.slice(0, max);
    const hy = cut.lastIndexOf('-');
    slug = (hy > max / 2 ? cut.slice(0, hy) : cut).replace(/[-.]+$/, '');
  }
  return slug;
}

export interface ArticleIdOptions {
  /** `id` from the record / front matter: wins when present. */
  explicitId?: string | null;
  /** 1-based record number in a JSON array / NDJSON file → `<basename>-<n>`. */
  recordNumber?: number | null;
  /** Text hashed into pasted-text ids (default: the title), so different pastes get different ids. */
  content?: string;
}

const SAFE_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/**
 * An article's id:
 * - an explicit id is kept verbatim when it is made of letters, digits, `. _ : -` (≤ 128 chars),
 *   otherwise slugified (ids end up in commands and URLs);
 * - a file: its base name without an article extension (.txt .md .html .json …), slugified
 *   ("000_8e2903e39626057e"), plus `-<n>` for
 *   records of a JSON array or NDJSON file (stable when records are appended);
 * - stdin / pasted text: slug of the title + "-" + 8 hex chars of a SHA-256 of the content.
 */
export function articleIdFor(name: string, title: string, options: ArticleIdOptions = {}): string {
  const explicit = options.explicitId?.trim();
  if (explicit) return SAFE_ID_RE.test(explicit) ? explicit : slugify(explicit) || hashedSlug(explicit, explicit);
  if (!isPasted(name)) {
    // Only an article extension is dropped: "2024.01.10-vote" and a host name like "news.example"
    // (what a fetched page with an empty path is called) keep their dots.
    const base = baseName(name);
    const ext = extension(name);
    const stem = slugify(Object.hasOwn(EXTENSIONS, ext) ? base.slice(0, base.length - ext.length - 1) : base);
    if (stem) {
      const n = options.recordNumber;
      if (n === null || n === undefined) return stem;
      const suffix = `-${n}`;
      return `${stem.slice(0, 80 - suffix.length).replace(/[-.]+$/, '')}${suffix}`;
    }
  }
  return hashedSlug(title, options.content ?? title);
}

function hashedSlug(title: string, content: string): string {
  const hash = createHash('sha256').update(content).digest('hex').slice(0, 8);
  const slug = slugify(title, 80 - 9) || 'article';
  return `${slug}-${hash}`;
}

function runParser(
  format: ArticleFormat,
  text: string,
  input: ArticleInput,
  skippedRecords?: SkippedRecords,
): RawArticle[] {
  switch (format) {
    case 'text':
      return [parseText(text)];
    case 'markdown':
      return [parseMarkdown(text, input.name)];
    case 'html':
      return [parseHtml(text, input.url)];
    case 'json':
      return parseJson(text, input.name);
    case 'ndjson':
      return parseNdjson(text, input.name, skippedRecords);
    case 'pdf':
    case 'docx':
      throw new CitebotError('internal', `${format} documents are read by parseInput, not parseArticles`);
  }
}

/**
 * A PDF or Word document, told by its extension or, failing that, by its first bytes
 * ("%PDF-", or a ZIP package holding word/document.xml); null for anything else.
 */
export function documentFormat(name: string, bytes: Uint8Array): DocumentFormat | null {
  const ext = isPasted(name) ? '' : extension(name);
  if (ext === 'pdf' || ext === 'docx') return ext;
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 1024));
  if (head.startsWith('%PDF-')) return 'pdf';
  if (
    head.startsWith('PK\x03\x04') &&
    new TextDecoder('latin1').decode(bytes.subarray(0, 64 * 1024)).includes('word/document.xml')
  )
    return 'docx';
  return null;
}

/**
 * Parses one input of any format into articles: PDF and Word documents asynchronously
 * (PDF.js, mammoth), everything else with parseArticles. Throws what parseArticles throws, and
 * for documents `document_encrypted`, `document_corrupt` and `document_no_text`.
 */
export async function parseInput(
  input: ArticleInput,
  limits: ParseLimits = DEFAULT_PARSE_LIMITS,
  skippedRecords?: SkippedRecords,
): Promise<Article[]> {
  const format =
    input.format === 'pdf' || input.format === 'docx'
      ? input.format
      : input.format
        ? null
        : documentFormat(input.name, input.bytes);
  if (format === null) return parseArticles(input, limits, skippedRecords);
  assertWithinSize(input.name, input.bytes.length, limits.maxBytes);
  const raw = format === 'pdf' ? await parsePdf(input.bytes, input.name) : await parseDocx(input.bytes, input.name);
  return finishArticles([raw], input, format);
}

/**
 * Parses one input into articles. Throws UserError with codes `input_too_large`, `binary_input`,
 * `invalid_utf8`, `unsupported_format`, `parse_failed` (bad JSON/YAML, record without title,
 * duplicate ids) and `empty_article` (nothing left after removing furniture).
 */
export function parseArticles(
  input: ArticleInput,
  limits: ParseLimits = DEFAULT_PARSE_LIMITS,
  skippedRecords?: SkippedRecords,
): Article[] {
  const who = displayName(input.name);
  const text = decodeArticleBytes(input.name, input.bytes, limits.maxBytes);
  if (text.trim() === '') {
    throw new UserError('empty_article', `${who} is empty; give it a title line and at least one paragraph`);
  }
  const format = input.format ?? detectFormat(input.name, text);
  return finishArticles(
    runParser(format, text, input, skippedRecords),
    input,
    format,
    format === 'ndjson' ? skippedRecords : undefined,
  );
}

/** Normalises, drops empty paragraphs and exact duplicates, keeping each kept paragraph's page. */
function cleanWithPages(
  paragraphs: readonly string[],
  pages: readonly number[] | undefined,
): { paragraphs: string[]; pages?: number[] } {
  if (!pages) return { paragraphs: cleanParagraphs([...paragraphs]) };
  const kept: string[] = [];
  const keptPages: number[] = [];
  const seen = new Set<string>();
  paragraphs.forEach((p, i) => {
    const [text] = cleanParagraphs([p]);
    if (text === undefined || seen.has(text)) return;
    seen.add(text);
    kept.push(text);
    keptPages.push(pages[i]!);
  });
  return { paragraphs: kept, pages: keptPages };
}

/** finishArticles one record at a time: a bad record joins the skipped ones, the others are kept. */
function finishEach(
  raws: RawArticle[],
  input: ArticleInput,
  format: ArticleFormat,
  skippedRecords: SkippedRecords,
): Article[] {
  const articles: Article[] = [];
  const ids = new Map<string, string>();
  for (const raw of raws) {
    try {
      const [article] = finishArticles([raw], input, format);
      const previous = ids.get(article!.id);
      if (previous !== undefined)
        throw new UserError(
          'parse_failed',
          `${raw.label ?? displayName(input.name)} has the same id "${article!.id}" as ${previous}; give each article its own id`,
        );
      ids.set(article!.id, raw.label ?? displayName(input.name));
      articles.push(article!);
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      skippedRecords.push({ label: raw.label ?? displayName(input.name), reason: error.message });
    }
  }
  if (articles.length === 0) {
    const first = skippedRecords[0];
    throw new UserError(
      'parse_failed',
      `${displayName(input.name)} holds no usable article${first ? `: ${first.reason}` : ''}`,
    );
  }
  return articles;
}

/** Raw articles → Articles: cleaned paragraphs, titles checked, ids assigned (unique in the input). */
function finishArticles(
  raws: RawArticle[],
  input: ArticleInput,
  format: ArticleFormat,
  skippedRecords?: SkippedRecords,
): Article[] {
  const who = displayName(input.name);
  if (skippedRecords) return finishEach(raws, input, format, skippedRecords);
  if (raws.length === 0) {
    throw new UserError('empty_article', `${who} holds no articles`);
  }

  const fallbackUrl =
    input.url && /^https?:\/\/\S+$/i.test(input.url) && format !== 'json' && format !== 'ndjson' ? input.url : null;
  const seen = new Map<string, string>();
  return raws.map((raw) => {
    const label = raw.label ?? who;
    const title = normaliseSpace(raw.title);
    const { paragraphs, pages } = cleanWithPages(raw.paragraphs, raw.pages);
    if (paragraphs.length === 0) {
      throw new UserError(
        'empty_article',
        `${label}${title ? ` ("${title}")` : ''} has no article text after removing headings and site furniture; ` +
          `check that it is ${format === 'html' ? 'an article page, not an index, search or login page' : 'an article with body paragraphs'}`,
      );
    }
    if (!title) {
      throw new UserError('parse_failed', `${label} has no title; put the headline on the first line`);
    }
    const id = articleIdFor(input.name, title, {
      explicitId: raw.id,
      recordNumber: raw.recordNumber ?? null,
      content: `${title}\n\n${paragraphs.join('\n\n')}`,
    });
    const previous = seen.get(id);
    if (previous !== undefined) {
      throw new UserError(
        'duplicate_id',
        `${label} has the same id "${id}" as ${previous}; give each article its own id`,
      );
    }
    seen.set(id, label);
    return {
      id,
      title,
      date: raw.date,
      source: raw.source,
      section: raw.section,
      // The address a single text/Markdown article was fetched from, when it names none itself.
      url: raw.url ?? (raws.length === 1 && fallbackUrl ? fallbackUrl : null),
      ...(raw.author ? { author: raw.author } : {}),
      paragraphs,
      ...(pages ? { pages } : {}),
    };
  });
}
