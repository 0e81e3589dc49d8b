/**
 * The vector index reads its store synchronously (src/store/index/rebuild.ts `IndexStore`);
 * PostgreSQL can only answer asynchronously. This mirror holds what the index reads (every
 * passage's vector and collection, the generation, the recent change log, the model) in memory,
 * loaded when the store opens and caught up after each of this process's writes and on every
 * NOTIFY, so the index reads it synchronously. It costs a second copy of the vectors (the HNSW
 * graph holds the first): see docs/operations.md, "Running on PostgreSQL".
 */
import type pg from 'pg';
import type { CollectionId } from '../../types.ts';
import type { IndexStore } from '../index/rebuild.ts';
import { bytesToVector } from './sql.ts';

interface PassageRow {
  rowid: number;
  collection: string;
  vector: Buffer | null;
}

const ROWS_SQL = 'SELECT p.rowid, a.collection, p.vector FROM passages p JOIN articles a ON a.rowid = p.article_rowid';

export class PostgresIndexMirror implements IndexStore {
  private readonly collections = new Map<number, CollectionId>();
  private readonly vectors = new Map<number, Float32Array>();
  private sortedIds: number[] | null = null;
  private readonly log: { generation: number; ids: number[] }[] = [];
  private current = 0;
  private keptSince = 0;
  private modelRecord: { id: string } | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly pool: pg.Pool) {}

  static async load(pool: pg.Pool): Promise<PostgresIndexMirror> {
    const mirror = new PostgresIndexMirror(pool);
    await mirror.read(async (client) => {
      const rows = await client.query(ROWS_SQL);
      for (const row of rows.rows as PassageRow[]) mirror.hold(row);
      mirror.keptSince = mirror.current;
    });
    return mirror;
  }

  /** Catches up with every write committed since (one at a time). */
  sync(): Promise<void> {
    const run = this.queue.then(() =>
      this.read(async (client, before) => {
        if (this.current === before) return;
        const changed = await client.query(
          'SELECT DISTINCT passage_rowid FROM passage_changes WHERE generation > $1 AND generation <= $2',
          [before, this.current],
        );
        const ids = (changed.rows as { passage_rowid: number }[]).map((row) => row.passage_rowid);
        for (const id of ids) {
          this.collections.delete(id);
          this.vectors.delete(id);
        }
        const rows = await client.query(`${ROWS_SQL} WHERE p.rowid = ANY($1::int[])`, [ids]);
        for (const row of rows.rows as PassageRow[]) this.hold(row);
        this.log.push({ generation: this.current, ids });
        this.sortedIds = null;
        // The log kept here reaches back as far as the store's own.
        while (this.log.length > 0 && this.log[0]!.generation <= this.keptSinceOfStore)
          this.keptSince = this.log.shift()!.generation;
      }),
    );
    this.queue = run.catch(() => undefined);
    return run;
  }

  private keptSinceOfStore = 0;

  /** One REPEATABLE READ snapshot: the generation and what is read belong together. */
  private async read(fn: (client: pg.PoolClient, before: number) => Promise<void>): Promise<void> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const before = this.current;
      const state = await client.query('SELECT generation, changes_kept_since FROM store_state WHERE id = 1');
      const row = state.rows[0] as { generation: number; changes_kept_since: number };
      const meta = await client.query(`SELECT value FROM meta WHERE key = 'model_id'`);
      this.modelRecord = meta.rows.length ? { id: (meta.rows[0] as { value: string }).value } : null;
      this.current = row.generation;
      this.keptSinceOfStore = row.changes_kept_since;
      if (before < row.changes_kept_since && this.log.length === 0 && before !== 0) {
        // Further behind than the store's log: read everything again.
        this.collections.clear();
        this.vectors.clear();
        for (const r of (await client.query(ROWS_SQL)).rows as PassageRow[]) this.hold(r);
        this.keptSince = this.current;
        this.sortedIds = null;
      } else {
        await fn(client, before);
      }
      await client.query('COMMIT');
    } catch (error) {
      broken = true;
      throw error;
    } finally {
      client.release(broken || undefined);
    }
  }

  private hold(row: PassageRow): void {
    this.collections.set(row.rowid, row.collection);
    if (row.vector) this.vectors.set(row.rowid, bytesToVector(row.vector));
  }

  generation(): number {
    return this.current;
  }

  passagesChangedSince(generation: number): number[] | null {
    if (generation < this.keptSince) return null;
    const ids = new Set<number>();
    for (const entry of this.log) if (entry.generation > generation) for (const id of entry.ids) ids.add(id);
    return [...ids].sort((a, b) => a - b);
  }

  vectorOf(rowid: number): Float32Array | null {
    return this.vectors.get(rowid) ?? null;
  }

  vectorsAfter(afterRowid: number, limit: number): { rowid: number; vector: Float32Array }[] {
    this.sortedIds ??= [...this.vectors.keys()].sort((a, b) => a - b);
    const ids = this.sortedIds;
    let lo = 0;
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ids[mid]! <= afterRowid) lo = mid + 1;
      else hi = mid;
    }
    return ids.slice(lo, lo + limit).map((rowid) => ({ rowid, vector: this.vectors.get(rowid)! }));
  }

  countPassages(): number {
    return this.collections.size;
  }

  passageRowids(collections: readonly CollectionId[]): ReadonlySet<number> {
    const wanted = new Set(collections);
    const ids = new Set<number>();
    for (const [id, collection] of this.collections) if (wanted.has(collection)) ids.add(id);
    return ids;
  }

  listCollections(): CollectionId[] {
    return [...new Set(this.collections.values())];
  }

  model(): { id: string } | null {
    return this.modelRecord;
  }
}
