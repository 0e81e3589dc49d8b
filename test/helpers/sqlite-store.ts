/**
 * The test hook into the SQLite backend: the only test code that knows the file's SQL. Tests
 * reach the store through the contract (src/store/store-api.ts); what the contract cannot do on
 * purpose — write a store as an older citebot left it, or hold the file's write lock as another
 * process would — is done here, each in one documented function.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/store.ts';

/** The store file in a data directory. */
export function storeFileIn(dataDir: string): string {
  return join(dataDir, 'citebot.db');
}

/** Opens a data directory's store through the contract (a second connection, as another process would). */
export function openSqliteStore(dataDir: string): SqliteStore {
  return SqliteStore.open(storeFileIn(dataDir));
}

/** The schema version (PRAGMA user_version) the file is at. */
export function schemaVersionOf(dataDir: string): number {
  const db = new Database(storeFileIn(dataDir), { readonly: true });
  try {
    return db.pragma('user_version', { simple: true }) as number;
  } finally {
    db.close();
  }
}

/**
 * Turns a closed store back into what an older citebot wrote:
 * 1: no change log (passage_changes) and no record of where it starts;
 * 2: a question log without its filter column;
 * 3: no page numbers (articles.pages);
 * 4: a change log whose rows name no collection.
 */
export function downgradeStore(dataDir: string, version: 1 | 2 | 3 | 4): void {
  const db = new Database(storeFileIn(dataDir));
  try {
    if (version <= 3) db.exec('ALTER TABLE articles DROP COLUMN pages;');
    if (version === 1) db.exec("DROP TABLE passage_changes; DELETE FROM meta WHERE key = 'changes_kept_since';");
    if (version >= 2) db.exec('ALTER TABLE passage_changes DROP COLUMN collection;');
    if (version === 2) db.exec('ALTER TABLE questions DROP COLUMN filter;');
    db.pragma(`user_version = ${version}`);
  } finally {
    db.close();
  }
}

/**
 * Holds the file's write lock, as another process in the middle of a write would, until the
 * returned function is called.
 */
export function holdWriteLock(dataDir: string): () => void {
  const db = new Database(storeFileIn(dataDir));
  db.pragma('busy_timeout = 0');
  db.exec('BEGIN IMMEDIATE');
  return () => {
    db.exec('ROLLBACK');
    db.close();
  };
}
