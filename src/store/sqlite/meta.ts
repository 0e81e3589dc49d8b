/** The meta table: the model record, the analyzer version, the generation counter. */
import type { ModelRecord } from '../store-api.ts';
import type { Db, Statement } from './sql.ts';

export class MetaTable {
  private readonly select: Statement;
  private readonly upsert: Statement;

  constructor(db: Db) {
    this.select = db.prepare('SELECT value FROM meta WHERE key = ?').pluck();
    this.upsert = db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    );
  }

  get(key: string): string | null {
    return (this.select.get(key) as string | undefined) ?? null;
  }

  set(key: string, value: string): void {
    this.upsert.run(key, value);
  }

  model(): ModelRecord | null {
    const id = this.get('model_id');
    if (id === null) return null;
    const dim = this.get('model_dim');
    return { id, dim: dim === null || dim === '' ? null : Number(dim) };
  }

  setModel(model: ModelRecord): void {
    this.set('model_id', model.id);
    this.set('model_dim', model.dim === null ? '' : String(model.dim));
  }
}
