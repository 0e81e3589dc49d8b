/**
 * The passages table and its FTS5 terms table (passage_terms, with the passage's rowid): the
 * passages of a write, the batched reads of search and of the vector index, and BM25.
 */
import type {
  CandidateRow,
  KeywordHit,
  PassageId,
  PassageToStore,
  Scope,
  StoredArticle,
  StoredPassage,
  StoredVector,
} from '../store-api.ts';
import {
  articleConditions,
  blobToVector,
  placeholders,
  StatementCache,
  vectorToBlob,
  type Db,
  type Statement,
} from './sql.ts';

/** FTS5 MATCH expression: any of the tokens, each quoted so no token is read as syntax. */
export function ftsQuery(tokens: readonly string[]): string | null {
  if (tokens.length === 0) return null;
  return tokens.map((t) => `"${t.replace(/"/g, '""')}"`).join(' OR ');
}

interface PassageRow extends StoredPassage {
  terms: string | null;
  vector: Buffer | null;
}

export class PassageTable {
  private readonly insertPassage: Statement;
  private readonly insertTerms: Statement;
  private readonly idsOf: Statement;
  private readonly deleteTerms: Statement;
  private readonly deleteByArticle: Statement;
  private readonly countAll: Statement;
  private readonly countOf: Statement;
  private readonly withTerms: Statement;
  private readonly vectorsByIds: Statement;
  private readonly afterPage: Statement;
  private readonly allIds: Statement;
  private readonly allTexts: Statement;
  private readonly updateTerms: Statement;
  private readonly dynamic: StatementCache;
  /** Passage ids per scope, valid for one generation: every question needs them. */
  private readonly idCache = new Map<string, { generation: number; ids: ReadonlySet<number> }>();

  constructor(db: Db) {
    this.insertPassage = db.prepare(
      `INSERT INTO passages (article_rowid, position, paragraph_start, paragraph_end, char_start, char_end, text, vector)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertTerms = db.prepare('INSERT INTO passage_terms (rowid, terms) VALUES (?, ?)');
    this.idsOf = db.prepare('SELECT rowid FROM passages WHERE article_rowid = ?').pluck();
    this.deleteTerms = db.prepare('DELETE FROM passage_terms WHERE rowid = ?');
    this.deleteByArticle = db.prepare('DELETE FROM passages WHERE article_rowid = ?');
    this.countAll = db.prepare('SELECT count(*) FROM passages').pluck();
    this.countOf = db.prepare('SELECT count(*) FROM passages WHERE article_rowid = ?').pluck();
    this.withTerms = db.prepare(
      `SELECT p.rowid AS rowid, p.article_rowid, p.position, p.paragraph_start, p.paragraph_end, p.char_start, p.char_end, p.text, p.vector, t.terms AS terms
       FROM passages p LEFT JOIN passage_terms t ON t.rowid = p.rowid WHERE p.rowid IN (SELECT value FROM json_each(?))`,
    );
    this.vectorsByIds = db.prepare(
      'SELECT rowid, vector FROM passages WHERE vector IS NOT NULL AND rowid IN (SELECT value FROM json_each(?))',
    );
    this.afterPage = db.prepare(
      'SELECT rowid, vector FROM passages WHERE vector IS NOT NULL AND rowid > ? ORDER BY rowid LIMIT ?',
    );
    this.allIds = db.prepare('SELECT rowid FROM passages').pluck();
    this.allTexts = db.prepare('SELECT rowid, text FROM passages');
    this.updateTerms = db.prepare('UPDATE passage_terms SET terms = ? WHERE rowid = ?');
    this.dynamic = new StatementCache(db);
  }

  /** Inserts an article's passages and their terms; returns their ids in order. */
  insert(articleRowid: number, passages: readonly PassageToStore[]): PassageId[] {
    return passages.map((p) => {
      const info = this.insertPassage.run(
        articleRowid,
        p.position,
        p.paragraphStart,
        p.paragraphEnd,
        p.charStart,
        p.charEnd,
        p.text,
        p.vector ? vectorToBlob(p.vector) : null,
      );
      const id = Number(info.lastInsertRowid);
      this.insertTerms.run(id, p.terms.join(' '));
      return id;
    });
  }

  /** Deletes an article's passages and their terms; returns their ids. */
  deleteOf(articleRowid: number): PassageId[] {
    const ids = this.idsOf.all(articleRowid) as number[];
    for (const id of ids) this.deleteTerms.run(id);
    this.deleteByArticle.run(articleRowid);
    return ids;
  }

  countAllPassages(): number {
    return this.countAll.get() as number;
  }

  countPassagesOf(articleRowid: number): number {
    return this.countOf.get(articleRowid) as number;
  }

  /** The passages with their terms and vectors; `articles` supplies each one's article. */
  candidates(
    ids: readonly PassageId[],
    articles: (rowids: number[]) => Map<number, StoredArticle>,
  ): Map<PassageId, CandidateRow> {
    const result = new Map<PassageId, CandidateRow>();
    if (ids.length === 0) return result;
    const rows = this.withTerms.all(JSON.stringify(ids)) as PassageRow[];
    const byRowid = articles([...new Set(rows.map((row) => row.article_rowid))]);
    const byId = new Map(rows.map((row) => [row.rowid, row]));
    // In the order asked, as the single-row reads gave them.
    for (const id of ids) {
      const row = byId.get(id);
      const article = row && byRowid.get(row.article_rowid);
      if (!row || !article) continue;
      const { terms, vector, ...passage } = row;
      result.set(id, {
        passage,
        terms: terms ? terms.split(' ').filter(Boolean) : [],
        vector: vector ? blobToVector(vector) : null,
        article,
      });
    }
    return result;
  }

  /** BM25 top-k: FTS5's bm25() is lower-is-better, so the score handed out is its negation. */
  keywordSearch(tokens: readonly string[], scope: Scope, k: number): KeywordHit[] {
    const match = ftsQuery(tokens);
    if (match === null) return [];
    const { sql, params } = articleConditions(scope.collections, { filter: scope.filter });
    const rows = this.dynamic
      .get(
        `SELECT t.rowid AS id, bm25(passage_terms) AS bm25 FROM passage_terms t
         JOIN passages p ON p.rowid = t.rowid JOIN articles a ON a.rowid = p.article_rowid
         WHERE passage_terms MATCH ? AND ${sql}
         ORDER BY bm25 LIMIT ?`,
      )
      .all(match, ...params, k) as { id: number; bm25: number }[];
    return rows.map(({ id, bm25 }) => ({ id, score: -bm25 }));
  }

  /** Number of passages containing each token (for idf). */
  documentFrequencies(tokens: readonly string[]): Map<string, number> {
    const result = new Map<string, number>();
    if (tokens.length === 0) return result;
    const rows = this.dynamic
      .get(`SELECT term, doc FROM passage_terms_vocab WHERE term IN (${placeholders(tokens)})`)
      .all(...tokens) as { term: string; doc: number }[];
    for (const row of rows) result.set(row.term, row.doc);
    return result;
  }

  passageIds(scope: Scope, generation: number): ReadonlySet<PassageId> {
    const key = JSON.stringify([[...scope.collections].sort(), scope.filter ?? null]);
    const cached = this.idCache.get(key);
    if (cached?.generation === generation) return cached.ids;
    const { sql, params } = articleConditions(scope.collections, { filter: scope.filter });
    const ids = new Set(
      this.dynamic
        .get(`SELECT p.rowid FROM passages p JOIN articles a ON a.rowid = p.article_rowid WHERE ${sql}`)
        .pluck()
        .all(...params) as number[],
    );
    if (this.idCache.size > 64) this.idCache.clear();
    this.idCache.set(key, { generation, ids });
    return ids;
  }

  allPassageIds(): Set<PassageId> {
    return new Set(this.allIds.all() as number[]);
  }

  vectorsIn(scope: Scope): StoredVector[] {
    const { sql, params } = articleConditions(scope.collections, { filter: scope.filter });
    const rows = this.dynamic
      .get(
        `SELECT p.rowid AS id, p.vector AS vector FROM passages p JOIN articles a ON a.rowid = p.article_rowid WHERE ${sql} AND p.vector IS NOT NULL`,
      )
      .all(...params) as { id: number; vector: Buffer }[];
    return rows.map((row) => ({ id: row.id, vector: blobToVector(row.vector) }));
  }

  vectorsOf(ids: readonly PassageId[]): Map<PassageId, Float32Array> {
    if (ids.length === 0) return new Map();
    const rows = this.vectorsByIds.all(JSON.stringify(ids)) as { rowid: number; vector: Buffer }[];
    return new Map(rows.map((row) => [row.rowid, blobToVector(row.vector)]));
  }

  vectorsAfter(after: PassageId, limit: number): StoredVector[] {
    const rows = this.afterPage.all(after, limit) as { rowid: number; vector: Buffer }[];
    return rows.map((row) => ({ id: row.rowid, vector: blobToVector(row.vector) }));
  }

  /** Rewrites every passage's terms (inside the caller's transaction); returns how many. */
  rewriteTerms(termsOf: (text: string) => string[]): number {
    const rows = this.allTexts.all() as { rowid: number; text: string }[];
    for (const row of rows) this.updateTerms.run(termsOf(row.text).join(' '), row.rowid);
    return rows.length;
  }
}
