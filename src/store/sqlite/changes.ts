/**
 * The generation counter and the change log (passage_changes): every write that changes
 * passages takes the next generation inside its transaction and logs the passages under it.
 */
import type { CollectionId } from '../../types.ts';
import type { PassageId } from '../store-api.ts';
import type { MetaTable } from './meta.ts';
import { placeholders, StatementCache, type Db, type Statement } from './sql.ts';

/**
 * Generations of passage changes kept in the log. A vector index further behind than this
 * (a bot idle through a very large import) rebuilds from the store instead of catching up.
 */
export const CHANGE_LOG_GENERATIONS = 20_000;

export class ChangeLogTable {
  private readonly insert: Statement;
  private readonly prune: Statement;
  private readonly since: Statement;
  private readonly dynamic: StatementCache;

  constructor(
    db: Db,
    private readonly meta: MetaTable,
  ) {
    this.insert = db.prepare('INSERT INTO passage_changes (generation, passage_rowid, collection) VALUES (?, ?, ?)');
    this.prune = db.prepare('DELETE FROM passage_changes WHERE generation <= ?');
    this.since = db
      .prepare('SELECT DISTINCT passage_rowid FROM passage_changes WHERE generation > ? ORDER BY passage_rowid')
      .pluck();
    this.dynamic = new StatementCache(db);
  }

  generation(): number {
    return Number(this.meta.get('generation') ?? '0');
  }

  keptSince(): number {
    return Number(this.meta.get('changes_kept_since') ?? '0');
  }

  /** Takes the next generation and logs the changed passages under it (inside the caller's transaction). */
  record(changed: readonly { id: PassageId; collection: CollectionId }[]): number {
    const next = this.generation() + 1;
    this.meta.set('generation', String(next));
    for (const { id, collection } of changed) this.insert.run(next, id, collection);
    const oldest = next - CHANGE_LOG_GENERATIONS;
    if (oldest > this.keptSince()) this.pruneThrough(oldest);
    return next;
  }

  pruneThrough(generation: number): void {
    if (generation <= this.keptSince()) return;
    this.prune.run(generation);
    this.meta.set('changes_kept_since', String(generation));
  }

  /** Changes logged before schema 5 name no collection: they count for every collection. */
  changedSince(generation: number, collections?: readonly CollectionId[]): PassageId[] | null {
    if (generation < this.keptSince()) return null;
    if (collections === undefined) return this.since.all(generation) as number[];
    if (collections.length === 0) return [];
    return this.dynamic
      .get(
        `SELECT DISTINCT passage_rowid FROM passage_changes WHERE generation > ? AND (collection IS NULL OR collection IN (${placeholders(collections)})) ORDER BY passage_rowid`,
      )
      .pluck()
      .all(generation, ...collections) as number[];
  }
}
