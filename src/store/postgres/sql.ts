/**
 * Small helpers for parameterized SQL: values always travel as $n parameters, never as text
 * inside the statement.
 */
import type { ArticleFilter, CollectionId } from '../../types.ts';
import type { Scope, StoredArticle } from '../store-api.ts';

/** Collects parameter values and hands out their $n placeholders. */
export class Params {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

export function collectionList(collections: CollectionId | readonly CollectionId[]): CollectionId[] {
  return typeof collections === 'string' ? [collections] : [...collections];
}

/** `%text%` for LIKE, with LIKE's own wildcards taken literally (ESCAPE '\'). */
export function likePattern(text: string): string {
  return `%${text.replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
}

/** Conditions on articles (alias `a`) for the filter, each starting with AND. */
export function filterSql(filter: ArticleFilter | undefined, params: Params): string {
  const conditions: string[] = [];
  // Dates may carry a time ("2022-01-10T08:00"): the day decides.
  if (filter?.since) conditions.push(`AND substr(a.date, 1, 10) >= ${params.add(filter.since)}`);
  if (filter?.until) conditions.push(`AND substr(a.date, 1, 10) <= ${params.add(filter.until)}`);
  if (filter?.source && filter.sourceExact)
    conditions.push(`AND lower(a.source) = lower(${params.add(filter.source)})`);
  else if (filter?.source) conditions.push(`AND a.source ILIKE ${params.add(likePattern(filter.source))} ESCAPE '\\'`);
  return conditions.join(' ');
}

/** The WHERE clause on articles (alias `a`) for collections, a title or id search and a filter. */
export function articleConditions(
  collections: CollectionId | readonly CollectionId[],
  options: { search?: string; filter?: ArticleFilter },
  params: Params,
): string {
  const list = params.add(collectionList(collections));
  const search = options.search?.trim();
  const searchSql = search
    ? `AND (a.title ILIKE ${params.add(likePattern(search))} ESCAPE '\\' OR a.id ILIKE ${params.add(likePattern(search))} ESCAPE '\\')`
    : '';
  return `a.collection = ANY(${list}::text[]) ${searchSql} ${filterSql(options.filter, params)}`;
}

/** The same filter as `filterSql`, in memory (for the process's cached partition). */
export function articleMatches(article: Pick<StoredArticle, 'collection' | 'date' | 'source'>, scope: Scope): boolean {
  if (!scope.collections.includes(article.collection)) return false;
  const filter = scope.filter;
  if (!filter) return true;
  const day = article.date === null || article.date === undefined ? null : article.date.slice(0, 10);
  if (filter.since && (day === null || day < filter.since)) return false;
  if (filter.until && (day === null || day > filter.until)) return false;
  if (filter.source) {
    const source = article.source?.toLowerCase();
    if (source === undefined) return false;
    const wanted = filter.source.toLowerCase();
    if (filter.sourceExact ? source !== wanted : !source.includes(wanted)) return false;
  }
  return true;
}

/** A float32 vector as bytea, and back (copied: a Buffer from the driver may be unaligned). */
export function vectorToBytes(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

export function bytesToVector(bytes: Buffer): Float32Array {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}

/** Columns of an article row, for SELECT lists. */
export const ARTICLE_COLUMNS =
  'a.rowid, a.collection, a.id, a.title, a.date, a.source, a.section, a.url, a.content_hash, a.body, a.paragraph_count, a.ingested_at, a.pages, a.author';
