/** Domain types shared by every step of the pipeline: parse → passages → embed → store → search → format. */

/** A parsed article, before it is split into passages. */
export interface Article {
  /** Stable identity: re-ingesting the same id replaces the article. */
  id: string;
  title: string;
  /** ISO date (YYYY-MM-DD) when known. */
  date: string | null;
  source: string | null;
  section: string | null;
  url: string | null;
  /** Who wrote it (a feed item's author, a page's byline, a document's metadata), when known. */
  author?: string | null;
  /** Body paragraphs in reading order, site furniture removed. */
  paragraphs: string[];
  /** Documents with pages (PDF): the 1-based page each paragraph begins on, one per paragraph. */
  pages?: number[];
}

/** One retrievable unit: a paragraph, a merge of short ones, or a sentence-aligned piece of a long one. */
export interface Passage {
  /** 0-based position among the article's passages. */
  position: number;
  /** 0-based index of the first source paragraph this passage covers. */
  paragraphStart: number;
  /** 0-based index of the last source paragraph this passage covers (inclusive). */
  paragraphEnd: number;
  /** Character offsets of the passage in the article body (paragraphs joined by "\n\n"). */
  charStart: number;
  charEnd: number;
  text: string;
}

/** Who an article belongs to: the operator's library (CLI) or one Discord server. */
export const LIBRARY_COLLECTION = 'library';
export type CollectionId = string;

/**
 * Which of its collections' articles a question searches: a date range (inclusive) and a
 * source. Articles without a date are outside any date range.
 */
export interface ArticleFilter {
  /** Earliest article date, YYYY-MM-DD. */
  since?: string;
  /** Latest article date, YYYY-MM-DD. */
  until?: string;
  /** Part of the source's name, case ignored: "trt" finds "TRT World and agencies". */
  source?: string;
  /**
   * The source named in full (case ignored): set by the engine when `source` is the whole name
   * of a source of the searched articles, so "AP" means AP, not also "AAP" or "Japan Times".
   */
  sourceExact?: boolean;
}

export interface Citation {
  title: string;
  /** The article's author, when known. */
  author?: string | null;
  source: string | null;
  date: string | null;
  url: string | null;
  article_id: string;
  /** 1-based paragraph number in the article, as shown to users. */
  paragraph: number;
  /** For documents with pages (PDF): the page the passage begins on, and its paragraph there (1-based). */
  page?: number;
  page_paragraph?: number;
}

export interface AnswerPassage {
  rank: number;
  text: string;
  /** The sentence of `text` that best answers the question. */
  highlight: string;
  score: number;
  /** The re-ranker's relevance (0–1), when RERANK_MODEL re-ranked this passage. */
  relevance?: number;
  citation: Citation;
  /** Other articles that hold the same passage (syndicated copy, a story ingested twice), best first. */
  also_in: Citation[];
}

/** The `ask --json` contract. */
export interface AnswerResult {
  question: string;
  answered: boolean;
  /** Extracted short answer (number, date, name) when the question asks for one. */
  answer: string | null;
  passages: AnswerPassage[];
}
