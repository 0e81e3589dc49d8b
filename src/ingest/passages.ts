/**
 * Article → passages. One passage per paragraph; very short paragraphs merge into a
 * neighbour, and paragraphs longer than the model's window split at sentence boundaries.
 *
 * Linear in the article's length: each passage is located in the body by walking its words from
 * where the previous one ended (no searching), so offsets are exact — `body.slice(charStart,
 * charEnd)` is the passage's source, whatever whitespace (blank lines between merged paragraphs,
 * double spaces) the source had. Tokens are counted once per sentence (or word) and added up; the
 * exact count is only taken where a piece is about to close.
 *
 * An article may make at most MAX_PASSAGES_PER_ARTICLE passages: beyond that it is not an article
 * (a 5 MB page of one-line paragraphs made 53,750), and it is refused with a clear message.
 */
import { UserError } from '../errors.ts';
import { splitSentences } from '../text/sentences.ts';
import type { Article, Passage } from '../types.ts';

export interface PassageOptions {
  /** Counts tokens the way the embedding model does (special tokens included). */
  countTokens: (text: string) => number;
  /** The model's window; passages never exceed it. */
  maxTokens: number;
  /** Paragraphs with fewer words merge into a neighbour. */
  minWords?: number;
  /** Default MAX_PASSAGES_PER_ARTICLE. */
  maxPassages?: number;
}

export const PARAGRAPH_SEPARATOR = '\n\n';
const DEFAULT_MIN_WORDS = 8;
export const MAX_PASSAGES_PER_ARTICLE = 5_000;

const WORD = /\S+/g;

/** Whether `text` has at least `n` words; stops counting there (a merged block can be 2 MB). */
function hasWords(text: string, n: number): boolean {
  WORD.lastIndex = 0;
  let count = 0;
  while (count < n && WORD.exec(text)) count++;
  return count >= n;
}

/** Characters a window can hold at most, per token: longer text is never counted whole (2 MB through a tokenizer takes seconds). */
const MAX_CHARS_PER_TOKEN = 32;

function fitsWindow(text: string, countTokens: (t: string) => number, maxTokens: number): boolean {
  return text.length <= maxTokens * MAX_CHARS_PER_TOKEN && countTokens(text) <= maxTokens;
}

interface Block {
  start: number;
  end: number;
  text: string;
}

/** Merges each short paragraph into the following one (the last into the previous). */
function* mergeShort(paragraphs: readonly string[], minWords: number): Generator<void, Block[]> {
  const blocks: Block[] = [];
  let pending: Block | null = null;
  for (let index = 0; index < paragraphs.length; index++) {
    if (index % UNITS_PER_STEP === UNITS_PER_STEP - 1) yield;
    const text = paragraphs[index]!;
    const block: Block = pending
      ? { start: pending.start, end: index, text: `${pending.text} ${text}` }
      : { start: index, end: index, text };
    pending = null;
    if (!hasWords(block.text, minWords)) pending = block;
    else blocks.push(block);
  }
  if (pending) {
    const last = blocks.pop();
    const p: Block = pending;
    blocks.push(last ? { start: last.start, end: p.end, text: `${last.text} ${p.text}` } : p);
  }
  return blocks;
}

/** Splits text into pieces of at most maxTokens, at sentence boundaries where possible. */
export function splitToWindow(text: string, countTokens: (t: string) => number, maxTokens: number): string[] {
  return runSteps(splitSteps(text, countTokens, maxTokens));
}

function runSteps<T>(steps: Generator<void, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Units packed between two chances to yield (a 2 MB paragraph is one block). */
const UNITS_PER_STEP = 512;

/** Longer paragraphs are cut (at a space) into slices this long before sentence splitting. */
const SEGMENT_SLICE = 16_384;

/**
 * The sentences of `text`. ICU's segmenter takes a 2 MB paragraph in one call (hundreds of ms), so
 * a long paragraph is segmented a slice at a time; a sentence cut at a slice's end becomes two units,
 * which packing joins again when they fit the window.
 */
function* sentencesOf(text: string): Generator<void, string[]> {
  if (text.length <= SEGMENT_SLICE) return splitSentences(text);
  const sentences: string[] = [];
  let from = 0;
  while (from < text.length) {
    let to = Math.min(text.length, from + SEGMENT_SLICE);
    if (to < text.length) {
      const space = text.lastIndexOf(' ', to);
      if (space > from) to = space;
    }
    sentences.push(...splitSentences(text.slice(from, to)));
    from = to;
    yield;
  }
  return sentences;
}

function* splitSteps(text: string, countTokens: (t: string) => number, maxTokens: number): Generator<void, string[]> {
  if (fitsWindow(text, countTokens, maxTokens)) return [text];
  const units: string[] = [];
  for (const sentence of yield* sentencesOf(text)) {
    // A single sentence longer than the window is cut between words.
    if (fitsWindow(sentence, countTokens, maxTokens)) units.push(sentence);
    else units.push(...(yield* pack(sentence.split(/\s+/).filter(Boolean), countTokens, maxTokens)));
    if (units.length % UNITS_PER_STEP === 0) yield;
  }
  return yield* pack(units, countTokens, maxTokens);
}

/**
 * Greedily joins units with spaces into pieces of at most maxTokens (a lone oversize unit stays
 * whole). Each unit is counted once and the counts are added up (exact for word-level tokenizers);
 * the whole candidate is counted only when the sum says it would not fit, so the cost is linear.
 */
function* pack(
  units: readonly string[],
  countTokens: (t: string) => number,
  maxTokens: number,
): Generator<void, string[]> {
  const special = countTokens('');
  const pieces: string[] = [];
  let current: string[] = [];
  let currentTokens = 0;
  for (let i = 0; i < units.length; i++) {
    if (i % UNITS_PER_STEP === UNITS_PER_STEP - 1) yield;
    const unit = units[i]!;
    // At least one token a unit, so an estimator that ignores short words still closes pieces.
    const unitTokens = Math.max(1, countTokens(unit) - special);
    if (current.length === 0) {
      current = [unit];
      currentTokens = special + unitTokens;
      continue;
    }
    const estimate = currentTokens + unitTokens;
    const fits = estimate <= maxTokens || countTokens(`${current.join(' ')} ${unit}`) <= maxTokens;
    if (fits) {
      current.push(unit);
      currentTokens = estimate;
    } else {
      pieces.push(...checkedPiece(current, countTokens, maxTokens));
      current = [unit];
      currentTokens = special + unitTokens;
    }
  }
  if (current.length) pieces.push(...checkedPiece(current, countTokens, maxTokens));
  return pieces;
}

/** A closed piece, counted exactly; when the sum under-counted (a non-additive tokenizer), re-packed one unit at a time. */
function checkedPiece(units: readonly string[], countTokens: (t: string) => number, maxTokens: number): string[] {
  const text = units.join(' ');
  if (units.length === 1 || countTokens(text) <= maxTokens) return [text];
  const pieces: string[] = [];
  let current = '';
  for (const unit of units) {
    const candidate = current ? `${current} ${unit}` : unit;
    if (current && countTokens(candidate) > maxTokens) {
      pieces.push(current);
      current = unit;
    } else {
      current = candidate;
    }
  }
  if (current) pieces.push(current);
  return pieces;
}

/** The article body as stored offsets refer to it. */
export function articleBody(article: Article): string {
  return article.paragraphs.join(PARAGRAPH_SEPARATOR);
}

const SPACE = /\s*/y;

function skipSpace(body: string, at: number): number {
  SPACE.lastIndex = at;
  SPACE.exec(body);
  return SPACE.lastIndex;
}

/**
 * Where `piece` lies in body[from, limit): its words in order, separated by any whitespace.
 * Pieces keep every non-space character of their source in order (sentence splitting and packing
 * only change whitespace), so the walk always matches; if it ever doesn't, the piece is placed at
 * `from` with its own length, clamped to the block, instead of searching the rest of the body.
 */
function locate(body: string, piece: string, from: number, limit: number): { start: number; end: number } {
  const words = piece.split(/\s+/).filter(Boolean);
  let at = skipSpace(body, from);
  const start = at;
  for (const word of words) {
    at = skipSpace(body, at);
    if (at + word.length > limit || !body.startsWith(word, at)) {
      return { start: Math.min(from, limit), end: Math.min(limit, from + piece.length) };
    }
    at += word.length;
  }
  return { start, end: at };
}

function tooManyPassages(article: Article, max: number): UserError {
  return new UserError(
    'input_too_large',
    `"${article.title.slice(0, 80)}" would make more than ${max.toLocaleString('en-US')} passages, the most one article may have; split it into smaller articles`,
  );
}

/**
 * The work, one block at a time: a generator so makePassagesYielding can give the event loop
 * a turn between blocks while makePassages runs it straight through.
 */
function* passageSteps(article: Article, options: PassageOptions): Generator<void, Passage[]> {
  const max = options.maxPassages ?? MAX_PASSAGES_PER_ARTICLE;
  const paragraphStarts: number[] = [];
  let offset = 0;
  for (const paragraph of article.paragraphs) {
    paragraphStarts.push(offset);
    offset += paragraph.length + PARAGRAPH_SEPARATOR.length;
  }
  const body = articleBody(article);
  const passages: Passage[] = [];
  for (const block of yield* mergeShort(article.paragraphs, options.minWords ?? DEFAULT_MIN_WORDS)) {
    let cursor = paragraphStarts[block.start]!;
    const blockEnd = paragraphStarts[block.end]! + article.paragraphs[block.end]!.length;
    for (const piece of yield* splitSteps(block.text, options.countTokens, options.maxTokens)) {
      if (passages.length >= max) throw tooManyPassages(article, max);
      if (passages.length % 64 === 63) yield;
      const { start, end } = locate(body, piece, cursor, blockEnd);
      cursor = end;
      passages.push({
        position: passages.length,
        paragraphStart: block.start,
        paragraphEnd: block.end,
        charStart: start,
        charEnd: end,
        text: piece,
      });
    }
    yield;
  }
  return passages;
}

/** Builds the passages in one go (the CLI, tests, the reindex). */
export function makePassages(article: Article, options: PassageOptions): Passage[] {
  return runSteps(passageSteps(article, options));
}

/**
 * Builds the passages while giving the event loop a turn every `sliceMs` (default 10 ms), so a
 * 2 MB page doesn't hold the bot's heartbeat and interactions for seconds.
 */
export async function makePassagesYielding(
  article: Article,
  options: PassageOptions & { sliceMs?: number },
): Promise<Passage[]> {
  const sliceMs = options.sliceMs ?? 10;
  const steps = passageSteps(article, options);
  let sliceStart = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (performance.now() - sliceStart >= sliceMs) {
      await new Promise((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
}
