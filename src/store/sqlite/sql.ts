/** Shared SQL pieces: scope conditions on articles, statement caching, vector blobs. */
import type Database from 'better-sqlite3';
import type { ArticleFilter, CollectionId } from '../../types.ts';

export type Db = Database.Database;
export type Statement = Database.Statement;

/**
 * Statements whose text depends on their arguments (a list's length, a filter's parts), each
 * prepared once per distinct text. Fixed statements are prepared in their table's constructor.
 */
export class StatementCache {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Db) {}

  get(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

export function collectionList(collections: CollectionId | readonly CollectionId[]): CollectionId[] {
  return typeof collections === 'string' ? [collections] : [...collections];
}

export function placeholders(values: readonly unknown[]): string {
  return values.map(() => '?').join(', ');
}

/** `%text%` for LIKE, with LIKE's own wildcards taken literally (ESCAPE '\\'). */
export function likePattern(text: string): string {
  return `%${text.replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
}

/** SQL conditions on the articles table (alias `a`) for a filter, each starting with AND, and their values. */
function filterSql(filter: ArticleFilter | undefined): { sql: string; params: string[] } {
  const conditions: string[] = [];
  const params: string[] = [];
  const add = (condition: string, value: string) => {
    conditions.push(`AND ${condition}`);
    params.push(value);
  };
  // Dates may carry a time ("2022-01-10T08:00"): the day decides.
  if (filter?.since) add('substr(a.date, 1, 10) >= ?', filter.since);
  if (filter?.until) add('substr(a.date, 1, 10) <= ?', filter.until);
  if (filter?.source && filter.sourceExact) add('a.source = ? COLLATE NOCASE', filter.source);
  else if (filter?.source) add("a.source LIKE ? ESCAPE '\\'", likePattern(filter.source));
  return { sql: conditions.join(' '), params };
}

/** The WHERE clause on articles (alias `a`) for collections, a title or id search, and a filter. */
export function articleConditions(
  collections: CollectionId | readonly CollectionId[],
  options: { search?: string; filter?: ArticleFilter },
): { sql: string; params: string[] } {
  const list = collectionList(collections);
  const search = options.search?.trim() ? likePattern(options.search.trim()) : null;
  const filter = filterSql(options.filter);
  return {
    sql: `a.collection IN (${placeholders(list)}) ${search ? "AND (a.title LIKE ? ESCAPE '\\' OR a.id LIKE ? ESCAPE '\\')" : ''} ${filter.sql}`,
    params: [...list, ...(search ? [search, search] : []), ...filter.params],
  };
}

export function vectorToBlob(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

export function blobToVector(blob: Buffer): Float32Array {
  // Copy: the blob's memory is not guaranteed to be 4-byte aligned.
  const copy = new Uint8Array(blob.byteLength);
  copy.set(blob);
  return new Float32Array(copy.buffer);
}
