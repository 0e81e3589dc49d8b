/**
 * Markdown articles with optional YAML front matter.
 *
 * Front matter keys: see `pickMeta` (id, title, date/published, source/…/author, section, url/link).
 * Without a front-matter title, the first level-1 heading (`# Title` or a `===` setext heading) is
 * the title; failing that, the first line. Body: paragraphs split on blank lines, Markdown reduced
 * to plain text — links keep their text, images, HTML comments, fenced code, rules and link
 * definitions are dropped, headings are dropped (subheadings are not passages), and each list item
 * becomes its own paragraph (a later step merges very short paragraphs). A front-matter `summary`
 * (or `description`, `standfirst`, … see SUMMARY_KEYS) opens the body when it says something the
 * body does not (lead.ts).
 */
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { UserError } from '../../errors.ts';
import { displayName } from '../decode.ts';
import { normaliseSpace, pickMeta, titleFromParagraph, type RawArticle } from './common.ts';
import { leadParagraphs, summaryOf } from './lead.ts';

const FRONT_MATTER_RE = /^---[ \t]*\n([\s\S]*?)\n(?:---|\.\.\.)[ \t]*(?:\n|$)/;

/**
 * Inline Markdown → plain text. Every quantifier is bounded so that a hostile or odd line
 * ("a *b a *b …", "[x [x …") costs linear time, not quadratic.
 */
export function stripInlineMarkdown(s: string): string {
  return normaliseSpace(
    s
      .replace(/!\[[^\][\n]{0,300}\]\((?:[^()\n]|\([^()\n]{0,200}\)){0,1000}\)/g, '') // images
      .replace(/!\[[^\][\n]{0,300}\]\[[^\][\n]{0,100}\]/g, '')
      .replace(/\[([^\][\n]{0,300})\]\((?:[^()\n]|\([^()\n]{0,200}\)){0,1000}\)/g, '$1') // [text](url "title")
      .replace(/\[([^\][\n]{1,300})\]\[[^\][\n]{0,100}\]/g, '$1') // [text][ref]
      .replace(/<(https?:\/\/[^>\s]{1,2000})>/g, '$1') // <https://autolink>
      .replace(/<\/?[A-Za-z][^<>]{0,500}>/g, '') // inline HTML tags
      .replace(/(`+)([^\n]{1,500}?)\1/g, '$2') // `code`
      .replace(/(\*\*|__)(?=\S)([^\n]{1,300}?)(?<=\S)\1/g, '$2') // **strong**
      .replace(/(\*|_)(?=\S)([^\n]{1,300}?)(?<=\S)\1(?![\p{L}\p{N}])/gu, '$2') // *em*
      .replace(/~~([^\n]{1,300}?)~~/g, '$1')
      .replace(/\\([\\`*_{}[\]()#+\-.!>|~])/g, '$1'), // escapes
  );
}

const ATX_HEADING_RE = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT_RE = /^ {0,3}(=+|-+)[ \t]*$/;
const RULE_RE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const LIST_ITEM_RE = /^\s{0,3}(?:[-*+]|\d{1,9}[.)])[ \t]+(.*)$/;
const LINK_DEF_RE = /^ {0,3}\[[^\]]+\]:\s+\S+/;
const FENCE_RE = /^ {0,3}(`{3,}|~{3,})/;

interface Body {
  h1: string | null;
  paragraphs: string[];
}

function parseBody(body: string): Body {
  const text = body.replace(/<!--[\s\S]*?-->/g, '');
  const lines = text.split('\n');
  let h1: string | null = null;
  const paragraphs: string[] = [];
  let cur: string[] = [];
  let inList = false;
  const flush = (): void => {
    if (cur.length) paragraphs.push(stripInlineMarkdown(cur.join(' ')));
    cur = [];
    inList = false;
  };
  const heading = (level: number, content: string): void => {
    if (level === 1 && h1 === null) h1 = stripInlineMarkdown(content);
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = FENCE_RE.exec(line);
    if (fence) {
      // Fenced code is not article prose: skip to the closing fence.
      flush();
      const marker = fence[1]!;
      i++;
      while (i < lines.length && !lines[i]!.trimStart().startsWith(marker)) i++;
      continue;
    }
    if (line.trim() === '') {
      flush();
      continue;
    }
    const atx = ATX_HEADING_RE.exec(line);
    if (atx) {
      flush();
      heading(atx[1]!.length, atx[2] ?? '');
      continue;
    }
    const setext = SETEXT_RE.exec(line);
    if (setext && cur.length > 0) {
      // The paragraph so far was a setext heading ("Title\n=====").
      heading(setext[1]![0] === '=' ? 1 : 2, cur.join(' '));
      cur = [];
      continue;
    }
    if (RULE_RE.test(line) || LINK_DEF_RE.test(line)) {
      flush();
      continue;
    }
    let content = line.replace(/^ {0,3}(?:>[ \t]?)+/, ''); // blockquote markers
    if (content.trim() === '') {
      flush();
      continue;
    }
    const item = LIST_ITEM_RE.exec(content);
    // As in CommonMark, only "1." starts an ordered list inside running text: a wrapped line
    // "2024. It was…" continues its paragraph.
    const startsItem =
      item !== null && (cur.length === 0 || inList || !/^\s*\d+[.)]/.test(content) || /^\s*1[.)]/.test(content));
    if (item && startsItem) {
      flush(); // each list item is its own paragraph
      inList = true;
      content = item[1]!;
    }
    if (/^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/.test(content)) continue; // table rule
    if (/^\s*\|.*\|\s*$/.test(content))
      content = content
        .trim()
        .slice(1, -1)
        .split('|')
        .map((c) => c.trim())
        .join(' · ');
    cur.push(content.trim());
  }
  flush();
  return { h1, paragraphs };
}

export function parseMarkdown(text: string, name: string): RawArticle {
  let data: Record<string, unknown> = {};
  text = text.replace(/^(?:[ \t]*\n)+/, ''); // blank lines before the front matter
  let body = text;
  const fm = FRONT_MATTER_RE.exec(text);
  if (fm) {
    let parsed: unknown;
    try {
      parsed = parseYaml(fm[1]!);
    } catch (cause) {
      const where = cause instanceof YAMLParseError && cause.linePos ? ` (line ${cause.linePos[0].line + 1})` : '';
      throw new UserError(
        'parse_failed',
        `${displayName(name)} has front matter that is not valid YAML${where}; fix it or remove the --- block`,
        { cause },
      );
    }
    if (parsed !== null && parsed !== undefined) {
      if (typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new UserError(
          'parse_failed',
          `${displayName(name)} has front matter that is not a set of "key: value" lines (title, date, source, url)`,
        );
      }
      data = parsed as Record<string, unknown>;
    }
    body = text.slice(fm[0].length);
  }
  const meta = pickMeta(data);
  const parsed = parseBody(body);
  let title = meta.title !== null ? stripInlineMarkdown(meta.title) : parsed.h1;
  let paragraphs = parsed.paragraphs;
  if (!title && paragraphs.length > 0) {
    // No title anywhere: the first line is the title, as in plain text.
    const first = paragraphs[0]!;
    if (first.length > 160) title = titleFromParagraph(first);
    else {
      title = first;
      paragraphs = paragraphs.slice(1);
    }
  }
  const summary = summaryOf(data);
  const lead = leadParagraphs([summary === null ? null : stripInlineMarkdown(summary)], paragraphs, title ?? '');
  return {
    id: meta.id,
    title: title ?? '',
    date: meta.date,
    source: meta.source,
    section: meta.section,
    url: meta.url,
    author: meta.author,
    paragraphs: [...lead, ...paragraphs],
  };
}
