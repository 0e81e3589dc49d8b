/**
 * Article → passages. One passage per paragraph; very short paragraphs merge into a
 * neighbour, and paragraphs longer than the model's window split at sentence boundaries.
 */
import { splitSentences } from '../text/sentences.ts';
import type { Article, Passage } from '../types.ts';

export interface PassageOptions {
  /** Counts tokens the way the embedding model does (special tokens included). */
  countTokens: (text: string) => number;
  /** The model's window; passages never exceed it. */
  maxTokens: number;
  /** Paragraphs with fewer words merge into a neighbour. */
  minWords?: number;
}

export const PARAGRAPH_SEPARATOR = '\n\n';
const DEFAULT_MIN_WORDS = 8;

function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

interface Block {
  start: number;
  end: number;
  text: string;
}

/** Merges each short paragraph into the following one (the last into the previous). */
function mergeShort(paragraphs: readonly string[], minWords: number): Block[] {
  const blocks: Block[] = [];
  let pending: Block | null = null;
  paragraphs.forEach((text, index) => {
    const block: Block = pending
      ? { start: pending.start, end: index, text: `${pending.text} ${text}` }
      : { start: index, end: index, text };
    pending = null;
    if (wordCount(block.text) < minWords) pending = block;
    else blocks.push(block);
  });
  if (pending) {
    const last = blocks.pop();
    const p: Block = pending;
    blocks.push(last ? { start: last.start, end: p.end, text: `${last.text} ${p.text}` } : p);
  }
  return blocks;
}

/** Splits text into pieces of at most maxTokens, at sentence boundaries where possible. */
export function splitToWindow(text: string, countTokens: (t: string) => number, maxTokens: number): string[] {
  if (countTokens(text) <= maxTokens) return [text];
  const units = splitSentences(text).flatMap((sentence) =>
    // A single sentence longer than the window is cut between words.
    countTokens(sentence) <= maxTokens ? [sentence] : pack(sentence.split(/\s+/), countTokens, maxTokens),
  );
  return pack(units, countTokens, maxTokens);
}

/** Greedily joins units with spaces into pieces of at most maxTokens (a lone oversize unit stays whole). */
function pack(units: readonly string[], countTokens: (t: string) => number, maxTokens: number): string[] {
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

export function makePassages(article: Article, options: PassageOptions): Passage[] {
  const paragraphStarts: number[] = [];
  let offset = 0;
  for (const paragraph of article.paragraphs) {
    paragraphStarts.push(offset);
    offset += paragraph.length + PARAGRAPH_SEPARATOR.length;
  }
  const body = articleBody(article);
  const passages: Passage[] = [];
  for (const block of mergeShort(article.paragraphs, options.minWords ?? DEFAULT_MIN_WORDS)) {
    let searchFrom = paragraphStarts[block.start]!;
    for (const piece of splitToWindow(block.text, options.countTokens, options.maxTokens)) {
      // Pieces keep their source wording, so the first words locate them in the body.
      const head = piece.split(/\s+/).slice(0, 3).join(' ');
      const found = body.indexOf(head, searchFrom);
      const charStart = found >= 0 ? found : searchFrom;
      const charEnd = Math.min(body.length, charStart + piece.length);
      searchFrom = charEnd;
      passages.push({
        position: passages.length,
        paragraphStart: block.start,
        paragraphEnd: block.end,
        charStart,
        charEnd,
        text: piece,
      });
    }
  }
  return passages;
}
