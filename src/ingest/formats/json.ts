/**
 * JSON and NDJSON articles.
 *
 * JSON: one record, an array of records, or `{"articles": [...]}`. NDJSON: one record per line
 * (blank lines are skipped). A record has a title, optional metadata (see `pickMeta`) and either
 * `paragraphs: string[]` or a `body` / `text` / `content` string split on blank lines (an HTML
 * string is read as HTML). Records in an array or NDJSON file carry their 1-based record number,
 * used for ids (`<basename>-<n>`) and messages. A `summary` / `description` / `standfirst` (see
 * SUMMARY_KEYS) opens the body when it says something the body does not (lead.ts).
 */
import { UserError } from '../../errors.ts';
import { displayName } from '../decode.ts';
import { describeJsonError } from '../json-error.ts';
import { pickMeta, splitParagraphs, type RawArticle } from './common.ts';
import { htmlFragmentToParagraphs } from './html.ts';
import { leadParagraphs, summaryOf } from './lead.ts';

function looksLikeHtml(s: string): boolean {
  return /<(p|div|br|li|h[1-6]|blockquote|article|section)\b[^>]*>/i.test(s);
}

function recordToArticle(value: unknown, label: string, recordNumber: number | undefined): RawArticle {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UserError('parse_failed', `${label} is not an article object (expected {"title": …, "paragraphs": […]})`);
  }
  const record = value as Record<string, unknown>;
  const meta = pickMeta(record);
  const named = meta.id !== null ? `${label} (id "${meta.id}")` : label;
  if (!meta.title) {
    throw new UserError('parse_failed', `${named} has no title; add a "title" field`);
  }
  let paragraphs: string[];
  if (record['paragraphs'] !== undefined) {
    const ps = record['paragraphs'];
    if (!Array.isArray(ps) || !ps.every((p) => typeof p === 'string')) {
      throw new UserError('parse_failed', `${named} has "paragraphs" that is not a list of strings`);
    }
    paragraphs = ps.flatMap((p: string) => splitParagraphs(p));
  } else {
    const key = ['body', 'text', 'content'].find((k) => record[k] !== undefined && record[k] !== null);
    if (key === undefined) {
      throw new UserError('parse_failed', `${named} has no text; add "paragraphs": [...] or a "body" string`);
    }
    const body = record[key];
    if (typeof body !== 'string') {
      throw new UserError('parse_failed', `${named} has a "${key}" that is not a string`);
    }
    paragraphs = looksLikeHtml(body) ? htmlFragmentToParagraphs(body) : splitParagraphs(body);
  }
  const article: RawArticle = {
    id: meta.id,
    title: meta.title,
    date: meta.date,
    source: meta.source,
    section: meta.section,
    url: meta.url,
    author: meta.author,
    paragraphs: [...leadParagraphs([summaryOf(record)], paragraphs, meta.title), ...paragraphs],
    label: named,
  };
  if (recordNumber !== undefined) article.recordNumber = recordNumber;
  return article;
}

export function parseJson(text: string, name: string): RawArticle[] {
  const who = displayName(name);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new UserError('parse_failed', `${who} is not valid JSON: ${describeJsonError(cause, text)}`, { cause });
  }
  let records: unknown[] | null = null;
  if (Array.isArray(data)) records = data;
  else if (data !== null && typeof data === 'object' && Array.isArray((data as { articles?: unknown }).articles)) {
    records = (data as { articles: unknown[] }).articles;
  }
  if (records === null) return [recordToArticle(data, who, undefined)];
  return records.map((r, i) => recordToArticle(r, `record ${i + 1} in ${who}`, i + 1));
}

/** NDJSON: one record per line. With `skipped`, a bad line is recorded there and the rest kept; without, it fails the input. */
export function parseNdjson(text: string, name: string, skipped?: { label: string; reason: string }[]): RawArticle[] {
  const who = displayName(name);
  const out: RawArticle[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    try {
      out.push(
        recordToArticle(
          parseLine(line, i + 1, who),
          `line ${i + 1} of ${who}`,
          out.length + 1 + (skipped?.length ?? 0),
        ),
      );
    } catch (error) {
      if (!skipped || !(error instanceof UserError)) throw error;
      skipped.push({ label: `line ${i + 1} of ${who}`, reason: error.message });
    }
  }
  return out;
}

function parseLine(line: string, number: number, who: string): unknown {
  try {
    return JSON.parse(line);
  } catch (cause) {
    throw new UserError(
      'parse_failed',
      `${who} line ${number} is not valid JSON (${describeJsonError(cause, line).replace(/ at line 1, /, ' at ')}); each line must be one article object`,
      { cause },
    );
  }
}
