/**
 * `citebot backup`: a consistent copy of the store, made while the bot runs. The vector index
 * is not copied: it is a cache of the store, rebuilt (or caught up) from it on the next start.
 */
import Database from 'better-sqlite3';
import { existsSync, realpathSync, statSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { CitebotError, UserError } from '../errors.ts';
import { Store } from './db.ts';

export interface BackupResult {
  file: string;
  bytes: number;
  articles: number;
  passages: number;
  seconds: number;
}

export interface BackupOptions {
  /** Replace an existing file at the destination. */
  force?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export async function backupStore(storeFile: string, destination: string, options: BackupOptions = {}): Promise<BackupResult> {
  const file = resolve(destination);
  if (!existsSync(storeFile)) throw new UserError('not_found', `there is no store at ${storeFile} to back up (check DATA_DIR)`);
  if (!existsSync(dirname(file)) || !statSync(dirname(file)).isDirectory()) throw new UserError('not_found', `the folder ${dirname(file)} does not exist; create it first`);
  if (existsSync(file)) {
    if (realpathSync(file) === realpathSync(storeFile)) throw new UserError('already_exists', `${file} is the store itself; give the backup another name`);
    if (!options.force) throw new UserError('already_exists', `${file} already exists; pass --force to replace it, or choose another name`);
  }
  const started = performance.now();
  // Written beside the destination, then renamed: an interrupted backup never leaves a half file there.
  const partial = `${file}.${process.pid}.partial`;
  const store = Store.open(storeFile);
  try {
    await store.backupTo(partial, options.onProgress);
    const counts = checkCopy(partial);
    await rename(partial, file);
    return { file, bytes: statSync(file).size, ...counts, seconds: (performance.now() - started) / 1000 };
  } catch (error) {
    await rm(partial, { force: true });
    if (error instanceof CitebotError) throw error;
    throw new CitebotError('internal', `the backup to ${file} failed (${error instanceof Error ? error.message : String(error)}); nothing was written there, and the store is untouched`, { cause: error });
  } finally {
    store.close();
  }
}

/**
 * Opens the copy on its own and counts what it holds (a backup that can't be read is no backup),
 * and makes it one self-contained file: the store's WAL mode came along with its pages.
 */
function checkCopy(file: string): { articles: number; passages: number } {
  const copy = new Database(file);
  try {
    copy.pragma('journal_mode = DELETE');
    const check = copy.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`the copy fails SQLite's quick_check: ${String(check)}`);
    return {
      articles: copy.prepare('SELECT count(*) FROM articles').pluck().get() as number,
      passages: copy.prepare('SELECT count(*) FROM passages').pluck().get() as number,
    };
  } finally {
    copy.close();
  }
}
