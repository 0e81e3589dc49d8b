/**
 * The process's partition: the collections it has been asked about, each with an in-process
 * BM25 index of its passages' terms and each passage's article facts (for scope filters).
 * Loaded from PostgreSQL when a collection is first needed, and kept in step with the change
 * log: every collection remembers the generation it reflects and catches up past it.
 *
 * It is a cache: PostgreSQL stays the source of truth, and while PostgreSQL is unreachable
 * questions are answered from what is held here.
 */
import type pg from 'pg';
import type { CollectionId } from '../../types.ts';
import { KeywordIndex } from '../index/keyword-index.ts';
import type { CollectionLoaded, Generation, PassageId, Scope } from '../store-api.ts';
import { articleMatches } from './sql.ts';

/** What a filter needs to know of a passage's article. */
export interface PassageFacts {
  collection: CollectionId;
  articleRowid: number;
  date: string | null;
  source: string | null;
}

interface LoadedCollection {
  index: KeywordIndex;
  generation: Generation;
}

interface PassageRow {
  rowid: number;
  terms: string;
  article_rowid: number;
  collection: string;
  date: string | null;
  source: string | null;
}

const PASSAGE_ROW_SQL = `SELECT p.rowid, p.terms, p.article_rowid, a.collection, a.date, a.source
  FROM passages p JOIN articles a ON a.rowid = p.article_rowid`;

export class Partition {
  private readonly collections = new Map<CollectionId, LoadedCollection>();
  readonly facts = new Map<PassageId, PassageFacts>();
  /** One load or catch-up at a time, so two questions never apply the same changes twice. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly pool: pg.Pool,
    /** Told of each collection loaded (not of catch-ups), for the operator's log. */
    private readonly onLoaded: (loaded: CollectionLoaded) => void = () => undefined,
  ) {}

  loaded(collection: CollectionId): boolean {
    return this.collections.has(collection);
  }

  loadedCollections(): CollectionId[] {
    return [...this.collections.keys()];
  }

  /** The generation a loaded collection reflects (-1 when not loaded). */
  generationOf(collection: CollectionId): Generation {
    return this.collections.get(collection)?.generation ?? -1;
  }

  index(collection: CollectionId): KeywordIndex | undefined {
    return this.collections.get(collection)?.index;
  }

  /** Passages held, over every loaded collection. */
  get size(): number {
    return this.facts.size;
  }

  /** Loads the collections not yet held and brings every one to the store's current generation. */
  bringUpToDate(collections: readonly CollectionId[]): Promise<Generation> {
    const run = this.queue.then(() => this.update(collections));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Is the passage in the scope (loaded collections only)? */
  inScope(id: PassageId, scope: Scope): boolean {
    const facts = this.facts.get(id);
    return (
      facts !== undefined &&
      articleMatches({ collection: facts.collection, date: facts.date, source: facts.source }, scope)
    );
  }

  idsIn(scope: Scope): Set<PassageId> {
    const ids = new Set<PassageId>();
    for (const id of this.facts.keys()) if (this.inScope(id, scope)) ids.add(id);
    return ids;
  }

  /**
   * One consistent snapshot (REPEATABLE READ): the generation, the changes up to it and the
   * passages as they are at it, so a collection reflects exactly the generation it records.
   */
  private async update(wanted: readonly CollectionId[]): Promise<Generation> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const state = await client.query('SELECT generation, changes_kept_since FROM store_state WHERE id = 1');
      const { generation, changes_kept_since: keptSince } = state.rows[0] as {
        generation: number;
        changes_kept_since: number;
      };
      for (const collection of new Set([...wanted, ...this.collections.keys()])) {
        const held = this.collections.get(collection);
        if (held?.generation === generation) continue;
        if (!held || held.generation < keptSince) await this.load(client, collection, generation);
        else await this.catchUp(client, collection, held, generation);
      }
      await client.query('COMMIT');
      return generation;
    } catch (error) {
      broken = true;
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release(broken || undefined);
    }
  }

  private async load(client: pg.ClientBase, collection: CollectionId, generation: Generation): Promise<void> {
    const started = performance.now();
    this.drop(collection);
    const index = new KeywordIndex();
    const rows = await client.query(`${PASSAGE_ROW_SQL} WHERE a.collection = $1 ORDER BY p.rowid`, [collection]);
    for (const row of rows.rows as PassageRow[]) this.hold(index, row);
    this.collections.set(collection, { index, generation });
    this.onLoaded({ collection, passages: rows.rows.length, ms: Math.round(performance.now() - started) });
  }

  private async catchUp(
    client: pg.ClientBase,
    collection: CollectionId,
    held: LoadedCollection,
    generation: Generation,
  ): Promise<void> {
    const changed = await client.query(
      'SELECT DISTINCT passage_rowid FROM passage_changes WHERE collection = $1 AND generation > $2 AND generation <= $3',
      [collection, held.generation, generation],
    );
    const ids = (changed.rows as { passage_rowid: number }[]).map((row) => row.passage_rowid);
    if (ids.length > 0) {
      const rows = await client.query(`${PASSAGE_ROW_SQL} WHERE p.rowid = ANY($1::int[])`, [ids]);
      for (const id of ids) {
        held.index.remove(id);
        this.facts.delete(id);
      }
      for (const row of rows.rows as PassageRow[]) if (row.collection === collection) this.hold(held.index, row);
    }
    held.generation = generation;
  }

  private hold(index: KeywordIndex, row: PassageRow): void {
    index.add(row.rowid, row.terms.split(' ').filter(Boolean));
    this.facts.set(row.rowid, {
      collection: row.collection,
      articleRowid: row.article_rowid,
      date: row.date,
      source: row.source,
    });
  }

  private drop(collection: CollectionId): void {
    if (!this.collections.delete(collection)) return;
    for (const [id, facts] of this.facts) if (facts.collection === collection) this.facts.delete(id);
  }
}
