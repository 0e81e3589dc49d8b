/**
 * Plain-text articles.
 *
 * Two shapes are understood:
 *
 * 1. The news-scrape shape of examples/articles/*.txt, recognised by a header line
 *    `date 2022-01-10 WORLD`. It is followed by a preamble block (up to the first blank line) holding
 *    the reading time ("3 MIN READ", dropped), the title, the standfirst, the title again (dropped),
 *    a photo caption ending in a credit (" / AA") and a date line ("January 10, 2022", dropped; it
 *    fills `date` when the header has none). The standfirst and caption open the body unless it
 *    says everything they say (src/ingest/formats/lead.ts). Then one paragraph per line, with site furniture:
 *    "READ MORE:" links, short subheadings, and, from the `SOURCE:` line or an "Explore" list on,
 *    links to other stories, "Sneak a peek at …", "Contact us".
 * 2. Anything else: first non-empty line = title; the rest split into paragraphs on blank lines,
 *    single newlines inside a paragraph joined with a space.
 *
 * Furniture rules (READ MORE lines, SOURCE/Explore cut-off, subheadings) apply to both shapes.
 */
import {
  cleanSource,
  looksLikeHeading,
  normaliseDate,
  normaliseSection,
  normaliseSpace,
  parseDateLine,
  splitBlocks,
  titleFromParagraph,
  type RawArticle,
} from './common.ts';
import { leadParagraphs } from './lead.ts';

/** `date 2022-01-10 WORLD`; the scraper writes `date  WORLD` (no date) when it found none. */
const HEADER_RE = /^\s*date\s+(\d{4}-\d{1,2}-\d{1,2})(?:\s+(.*\S))?\s*$/i;
const HEADER_NO_DATE_RE = /^\s*date\s+([A-Z][A-Z0-9 &'/,-]*[A-Z0-9])\s*$/;
const READING_TIME_RE = /^\d+\s*(?:min|mins|minute|minutes)\.?\s+read$/i;
/** "SOURCE:TRTWorld and agencies": a short line (a long "Source: …" sentence is body text). */
const SOURCE_RE = /^source\s*:\s*(.{0,100})$/i;
/** Lines linking elsewhere, dropped wherever they appear. */
const LINK_LINE_RE = /^(?:read more|read also|also read|related|see also|more on this|watch|listen)\s*:/i;
/** A line that starts the list of other stories: everything from here on is furniture. */
const END_MARKER_RE =
  /^(?:explore|related|related (?:articles|stories|news|content)|more stories|more from .{1,30}|most read|most popular|read next|recommended|recommended stories|you may also like|trending)$/i;
/** Single furniture lines. */
const FURNITURE_RES: RegExp[] = [
  /^contact us$/i,
  /^sneak a peek at\b/i,
  /^share your feedback\b/i,
  /^advertisement$/i,
  /^(?:share|share this (?:article|story)|share on \w+)$/i,
  /^follow us\b.{0,80}$/i,
  /^(?:subscribe|sign up)\b.{0,80}$/i,
  /^(?:©|\(c\)|copyright\b)/i,
  /^(?:skip to (?:main )?content|back to top)$/i,
];
/** A photo caption's credit suffix in the preamble: "… history. / AA", "… Almaty. / Reuters Photo". */
const CREDIT_RE = /^(.*\S)\s+\/\s+([A-Z][\w.&'’-]*(?:\s+[\w.&'’-]+){0,3})$/;
/**
 * Inside the body a " / X" ending is only taken for a credit when X looks like one (an agency
 * code such as AA/AFP/EPA, or a photo/agency name), so "… in Paris / France" is left alone.
 */
const BODY_CREDIT_RE =
  /^(.*[.!?"”’)])\s+\/\s+(?:[A-Z]{2,5}(?:\s+Photos?)?|Reuters|Getty Images|Anadolu(?: Agency)?|Associated Press|Xinhua|(?:Photo|Image|Credit)\b[^/]{0,40})$/;

function isFurniture(line: string): boolean {
  return READING_TIME_RE.test(line) || LINK_LINE_RE.test(line) || FURNITURE_RES.some((re) => re.test(line));
}

/** Removes a trailing " / Credit" from a caption line; null when the line has none. */
export function stripCredit(line: string): string | null {
  const m = CREDIT_RE.exec(line);
  return m ? m[1]! : null;
}

interface Body {
  paragraphs: string[];
  source: string | null;
}

/**
 * Body lines → paragraphs. `linePerParagraph` is the scrape shape (each line is a paragraph);
 * otherwise blank lines separate paragraphs and single newlines join.
 */
function parseBody(lines: string[], linePerParagraph: boolean): Body {
  let source: string | null = null;
  const kept: string[] = [];
  for (const raw of lines) {
    const line = normaliseSpace(raw);
    const src = SOURCE_RE.exec(line);
    if (src) {
      source = cleanSource(src[1]!.replace(/\.$/, ''));
      break; // everything after SOURCE is furniture
    }
    if (END_MARKER_RE.test(line)) break;
    if (line !== '' && isFurniture(line)) {
      kept.push(''); // a dropped line also ends the paragraph it was in
      continue;
    }
    // Photo captions inside the body: keep the caption, not the credit.
    kept.push(line === '' ? '' : (BODY_CREDIT_RE.exec(line)?.[1] ?? line));
  }
  const groups = linePerParagraph ? kept.filter((l) => l !== '').map((l) => [l]) : splitBlocks(kept.join('\n'));
  const paragraphs: string[] = [];
  for (const g of groups) {
    // Subheadings ("Nearly 8,000 detained") are not passages.
    if (g.length === 1 && looksLikeHeading(g[0]!)) continue;
    paragraphs.push(normaliseSpace(g.join(' ')));
  }
  return { paragraphs, source };
}

export function parseText(text: string): RawArticle {
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length && lines[i]!.trim() === '') i++;
  const first = lines[i] ?? '';
  const header = HEADER_RE.exec(first);
  const headerNoDate = header ? null : HEADER_NO_DATE_RE.exec(first);

  if (!header && !headerNoDate) return parsePlain(lines.slice(i));

  let date = header ? normaliseDate(header[1]) : null;
  const section = normaliseSection(header ? header[2] : headerNoDate![1]);
  i++;
  while (i < lines.length && lines[i]!.trim() === '') i++;
  const preamble: string[] = [];
  while (i < lines.length && lines[i]!.trim() !== '') preamble.push(normaliseSpace(lines[i++]!));

  let title: string | null = null;
  let standfirst: string | null = null;
  const captions: string[] = [];
  const extra: string[] = [];
  for (const line of preamble) {
    if (isFurniture(line)) continue; // "3 MIN READ"
    const d = parseDateLine(line);
    if (d) {
      date ??= d; // "January 10, 2022"
      continue;
    }
    if (title === null) {
      title = line;
      continue;
    }
    if (line === title) continue; // the title is repeated above the photo
    const caption = stripCredit(line);
    if (caption !== null) captions.push(caption);
    else if (standfirst === null && captions.length === 0 && extra.length === 0) standfirst = line;
    else extra.push(line);
  }

  const body = parseBody([...extra, '', ...lines.slice(i)], true);
  // The standfirst and captions come first, as in the file, unless the body says all they say
  // (see lead.ts): the seed article's standfirst is its only sentence with the death toll.
  const lead = leadParagraphs([standfirst, ...captions], body.paragraphs, title ?? '');

  return {
    id: null,
    title: title ?? '',
    date,
    source: body.source,
    section,
    url: null,
    paragraphs: [...lead, ...body.paragraphs].filter((p) => p !== title),
  };
}

/** Header-less text: first non-empty line is the title, blank lines separate paragraphs. */
function parsePlain(lines: string[]): RawArticle {
  const first = normaliseSpace(lines[0] ?? '');
  // A first "line" that is really a paragraph (pasted text without a headline) stays in the
  // body; the title is its first sentence.
  const long = first.length > 160;
  const title = long ? titleFromParagraph(first) : first;
  let rest = long ? lines : lines.slice(1);
  // A dateline right under the title ("January 10, 2022") gives the date and is not a paragraph.
  const next = rest.findIndex((l) => l.trim() !== '');
  const date = next >= 0 && !long ? parseDateLine(rest[next]!) : null;
  if (date !== null) rest = rest.slice(next + 1);
  const body = parseBody(rest, false);
  return {
    id: null,
    title,
    date,
    source: body.source,
    section: null,
    url: null,
    paragraphs: body.paragraphs.filter((p) => p !== title),
  };
}
