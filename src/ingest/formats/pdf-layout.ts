/**
 * A PDF page's positioned text runs → paragraphs in reading order. Pure, so it is tested on
 * hand-made layouts as well as on real PDFs.
 *
 *   runs → lines (same baseline) → segments (a line cut at wide gaps, e.g. a column gutter)
 *   → running headers, footers and page numbers dropped (the top and bottom lines of each page)
 *   → columns (a vertical gutter no segment crosses) read one after the other
 *   → paragraphs (a wider gap, a change of font size or an indented first line starts one;
 *     a word hyphenated at a line end is mended).
 *
 * PDF y grows upwards: a larger y is higher on the page.
 */

export interface TextRun {
  text: string;
  /** Left edge and baseline, in PDF points. */
  x: number;
  y: number;
  width: number;
  /** Font size (height of the glyph box). */
  size: number;
}

export interface PageText {
  /** 1-based page number. */
  number: number;
  width: number;
  height: number;
  runs: TextRun[];
}

export interface LaidOutParagraph {
  text: string;
  /** Page where the paragraph begins. */
  page: number;
}

export interface Layout {
  paragraphs: LaidOutParagraph[];
  /** The first line set clearly larger than the body text, a title candidate. */
  firstHeading: string | null;
}

interface Segment {
  text: string;
  x0: number;
  x1: number;
  y: number;
  size: number;
}

/** A gap wider than this many font sizes inside one line separates two segments (columns, table cells). */
const SEGMENT_GAP_EMS = 1.5;
/** Lines this much larger than the body text are headings. */
const HEADING_SCALE = 1.2;
/** How many lines at each end of a page may be a running header or footer. */
const MARGIN_LINES = 2;

const PAGE_NUMBER_RE = /^(?:page\s+)?(?:\d{1,4}|[ivxlcdm]{1,7})(?:\s*(?:of|\/)\s*\d{1,4})?$|^[-–—]\s*\d{1,4}\s*[-–—]$/i;

function quantile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) * q)]!;
}

/** Joins the runs of one line, adding a space where the PDF leaves a gap instead of a space glyph. */
function segmentText(runs: TextRun[]): string {
  let text = '';
  let end = -Infinity;
  for (const run of runs) {
    const gap = run.x - end;
    if (text !== '' && gap > run.size * 0.15 && !/\s$/.test(text) && !/^\s/.test(run.text)) text += ' ';
    text += run.text;
    end = run.x + run.width;
  }
  return text.replace(/\s+/g, ' ').trim();
}

/** Runs on one baseline grouped into lines, each line cut at gaps wider than SEGMENT_GAP_EMS. */
function segmentsOf(runs: readonly TextRun[]): Segment[][] {
  const sorted = runs.filter((r) => r.text.trim() !== '').sort((a, b) => b.y - a.y || a.x - b.x);
  const lines: TextRun[][] = [];
  for (const run of sorted) {
    const line = lines.at(-1);
    if (line && Math.abs(line[0]!.y - run.y) <= Math.max(line[0]!.size, run.size) * 0.3) line.push(run);
    else lines.push([run]);
  }
  return lines.map((line) => {
    line.sort((a, b) => a.x - b.x);
    const segments: Segment[] = [];
    let current: TextRun[] = [];
    const flush = (): void => {
      if (current.length === 0) return;
      const text = segmentText(current);
      const last = current.at(-1)!;
      if (text) {
        segments.push({
          text,
          x0: current[0]!.x,
          x1: last.x + last.width,
          y: current[0]!.y,
          size: Math.max(...current.map((r) => r.size)),
        });
      }
      current = [];
    };
    for (const run of line) {
      const previous = current.at(-1);
      if (previous && run.x - (previous.x + previous.width) > Math.max(run.size, previous.size) * SEGMENT_GAP_EMS)
        flush();
      current.push(run);
    }
    flush();
    return segments;
  });
}

/** "Page 4 of 10" and "Annual report 2024 · 7" look the same on every page once digits are masked. */
function marginKey(line: Segment[]): string {
  return line
    .map((s) => s.text)
    .join(' ')
    .toLowerCase()
    .replace(/\d+/g, '#')
    .replace(/\s+/g, ' ')
    .trim();
}

function isPageNumber(line: Segment[]): boolean {
  return line.length === 1 && PAGE_NUMBER_RE.test(line[0]!.text.trim());
}

/**
 * Drops running headers and footers: a line among the top or bottom MARGIN_LINES of a page whose
 * text (digits masked) recurs in the margins of at least two pages, and lone page numbers there.
 */
function dropMargins(pages: Segment[][][]): Segment[][][] {
  const marginIndexes = (lines: Segment[][]): number[] => {
    const n = lines.length;
    const top = Array.from({ length: Math.min(MARGIN_LINES, n) }, (_, i) => i);
    const bottom = Array.from({ length: Math.min(MARGIN_LINES, n) }, (_, i) => n - 1 - i);
    return [...new Set([...top, ...bottom])];
  };
  const pagesWithKey = new Map<string, number>();
  for (const lines of pages) {
    const keys = new Set(marginIndexes(lines).map((i) => marginKey(lines[i]!)));
    for (const key of keys) pagesWithKey.set(key, (pagesWithKey.get(key) ?? 0) + 1);
  }
  return pages.map((lines) => {
    const drop = new Set(
      marginIndexes(lines).filter(
        (i) => isPageNumber(lines[i]!) || (pages.length > 1 && (pagesWithKey.get(marginKey(lines[i]!)) ?? 0) >= 2),
      ),
    );
    return lines.filter((_, i) => !drop.has(i));
  });
}

/**
 * The x of a column gutter: a vertical band in the middle half of the page that no segment
 * crosses, with at least two segments wholly on each side. Null for a single-column page.
 */
function findGutter(segments: readonly Segment[], pageWidth: number): number | null {
  const left = pageWidth * 0.25;
  const right = pageWidth * 0.75;
  let best: { x: number; width: number } | null = null;
  let runStart: number | null = null;
  const step = 2;
  for (let x = left; x <= right + step; x += step) {
    const free = x <= right && !segments.some((s) => s.x0 < x && s.x1 > x);
    if (free && runStart === null) runStart = x;
    if (!free && runStart !== null) {
      const width = x - runStart;
      if (!best || width > best.width) best = { x: runStart + width / 2, width };
      runStart = null;
    }
  }
  if (!best) return null;
  const gutter = best.x;
  const leftCount = segments.filter((s) => s.x1 <= gutter).length;
  const rightCount = segments.filter((s) => s.x0 >= gutter).length;
  return leftCount >= 2 && rightCount >= 2 ? gutter : null;
}

/**
 * Segments in reading order: bands of full-width lines stay in place; within a band of
 * two-column lines the left column is read to its end before the right one.
 */
function readingOrder(lines: Segment[][], pageWidth: number): Segment[][] {
  const segments = lines.flat();
  const gutter = findGutter(segments, pageWidth);
  if (gutter === null) return [segments];
  const blocks: Segment[][] = [];
  let leftColumn: Segment[] = [];
  let rightColumn: Segment[] = [];
  const flushColumns = (): void => {
    if (leftColumn.length) blocks.push(leftColumn);
    if (rightColumn.length) blocks.push(rightColumn);
    leftColumn = [];
    rightColumn = [];
  };
  for (const line of lines) {
    const spanning = line.filter((s) => s.x0 < gutter && s.x1 > gutter);
    if (spanning.length > 0) {
      flushColumns();
      blocks.push(line);
      continue;
    }
    for (const s of line) (s.x1 <= gutter ? leftColumn : rightColumn).push(s);
  }
  flushColumns();
  return blocks;
}

function endsSentence(text: string): boolean {
  return /[.!?:;…"'”’)\]]$/.test(text);
}

/**
 * Appends a line to a paragraph. A word broken at a hyphen is mended: "recov-" + "ery" is
 * "recovery"; before a capital or a digit the hyphen is part of the word ("anti-" + "NATO",
 * "COVID-" + "19") and stays, without a space.
 */
function joinLine(paragraph: string, line: string): string {
  if (/\p{L}-$/u.test(paragraph)) return /^\p{Ll}/u.test(line) ? paragraph.slice(0, -1) + line : paragraph + line;
  return `${paragraph} ${line}`;
}

interface OpenParagraph {
  text: string;
  page: number;
  size: number;
}

/** Rebuilds paragraphs from every page's text runs. */
export function layoutParagraphs(pages: readonly PageText[]): Layout {
  const pageLines = dropMargins(pages.map((page) => segmentsOf(page.runs)));
  const bodySize = quantile(
    pageLines.flat(2).flatMap((s) => Array<number>(Math.min(s.text.length, 200)).fill(s.size)),
    0.5,
  );
  const isHeading = (s: Segment): boolean => bodySize > 0 && s.size >= bodySize * HEADING_SCALE;
  const paragraphs: LaidOutParagraph[] = [];
  let firstHeading: string | null = null;
  let open: OpenParagraph | null = null;
  const close = (): void => {
    if (open) paragraphs.push({ text: open.text, page: open.page });
    open = null;
  };

  // The line spacing of the whole document (a short page alone can't tell spacing from a paragraph
  // gap); the lower quartile, as gaps between paragraphs are wider and rarer than between lines.
  const lineGaps = pageLines
    .flatMap((lines) => lines.slice(1).map((line, i) => lines[i]![0]!.y - line[0]!.y))
    .filter((g) => g > bodySize * 0.5 && g < bodySize * 3);
  const usualGap = quantile(lineGaps, 0.25) || bodySize * 1.2;

  pages.forEach((page, p) => {
    const lines = pageLines[p]!;
    for (const block of readingOrder(lines, page.width)) {
      const blockLeft = Math.min(...block.map((s) => s.x0));
      let previous: Segment | null = null;
      for (const segment of block) {
        if (isHeading(segment)) {
          close();
          firstHeading ??= segment.text;
          previous = segment;
          continue;
        }
        const startsNew =
          open === null ||
          previous === null ||
          isHeading(previous) ||
          previous.y - segment.y > usualGap * 1.4 ||
          Math.abs(segment.size - previous.size) > previous.size * 0.15 ||
          (segment.x0 - blockLeft > segment.size && endsSentence(open.text));
        // A paragraph carried over a column or page break continues when the sentence does.
        const carriesOver =
          previous === null && open !== null && !endsSentence(open.text) && /^\p{Ll}/u.test(segment.text);
        if (startsNew && !carriesOver) {
          close();
          open = { text: segment.text, page: page.number, size: segment.size };
        } else {
          open!.text = joinLine(open!.text, segment.text);
        }
        previous = segment;
      }
    }
  });
  close();
  return { paragraphs, firstHeading };
}
