/**
 * `citebot backup` and `citebot restore`: a consistent copy of the store, made while the bot
 * runs, and putting one back while it doesn't. The vector index is neither copied nor restored:
 * it is a cache of the store, rebuilt from it on the next start.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import { copyFile, rename, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { CitebotError, UserError } from '../errors.ts';
import { SCHEMA_VERSION } from './sqlite/schema.ts';
import { SqliteStore } from './sqlite/store.ts';
import { VectorIndex } from './index/vector-index.ts';

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

export async function backupStore(
  storeFile: string,
  destination: string,
  options: BackupOptions = {},
): Promise<BackupResult> {
  const file = resolve(destination);
  if (!existsSync(storeFile))
    throw new UserError('store_missing', `there is no store at ${storeFile} to back up (check DATA_DIR)`);
  if (!existsSync(dirname(file)) || !statSync(dirname(file)).isDirectory())
    throw new UserError('folder_missing', `the folder ${dirname(file)} does not exist; create it first`);
  if (existsSync(file)) {
    if (realpathSync(file) === realpathSync(storeFile))
      throw new UserError('already_exists', `${file} is the store itself; give the backup another name`);
    if (!options.force)
      throw new UserError(
        'already_exists',
        `${file} already exists; pass --force to replace it, or choose another name`,
      );
  }
  const started = performance.now();
  // Written beside the destination, then renamed: an interrupted backup never leaves a half file there.
  const partial = `${file}.${process.pid}.partial`;
  const store = SqliteStore.open(storeFile);
  try {
    await store.backupTo(partial, options.onProgress);
    const counts = checkCopy(partial);
    await rename(partial, file);
    return { file, bytes: statSync(file).size, ...counts, seconds: (performance.now() - started) / 1000 };
  } catch (error) {
    await rm(partial, { force: true });
    if (error instanceof CitebotError) throw error;
    throw new CitebotError(
      'internal',
      `the backup to ${file} failed (${error instanceof Error ? error.message : String(error)}); nothing was written there, and the store is untouched`,
      { cause: error },
    );
  } finally {
    await store.close();
  }
}

interface StoreContents {
  articles: number;
  passages: number;
  /** The embedding model the copy's vectors were made with, or null when it has none yet. */
  model: string | null;
}

/**
 * Opens the copy on its own and counts what it holds (a backup that can't be read is no backup),
 * and makes it one self-contained file: the store's WAL mode came along with its pages.
 */
function checkCopy(file: string): StoreContents {
  const copy = new Database(file);
  try {
    copy.pragma('journal_mode = DELETE');
    const check = copy.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`the copy fails SQLite's quick_check: ${String(check)}`);
    return contentsOf(copy);
  } finally {
    copy.close();
  }
}

function contentsOf(db: Database.Database): StoreContents {
  const model = db.prepare("SELECT value FROM meta WHERE key = 'model_id'").pluck().get() as string | undefined;
  return {
    articles: db.prepare('SELECT count(*) FROM articles').pluck().get() as number,
    passages: db.prepare('SELECT count(*) FROM passages').pluck().get() as number,
    model: model ?? null,
  };
}

export interface RestoreResult extends StoreContents {
  /** The backup that was put in place. */
  from: string;
  /** Where the store it replaced was kept, or null when DATA_DIR had none. */
  previous: string | null;
  seconds: number;
}

export interface RestoreOptions {
  onProgress?: (done: number, total: number) => void;
  /** For the name of the replaced store's copy. */
  now?: Date;
}

/**
 * Puts a backup in place of the store. The backup is checked and copied beside the store first,
 * the current store is kept as `citebot.db.before-restore-<time>`, and the swap is a rename:
 * whatever fails, DATA_DIR holds either the old store or the restored one, never a mix. Refused
 * while any other process (the bot, another command) has the store open, because it would go on
 * using the replaced file.
 */
export async function restoreStore(
  storeFile: string,
  backupFile: string,
  options: RestoreOptions = {},
): Promise<RestoreResult> {
  const from = resolve(backupFile);
  const started = performance.now();
  if (!existsSync(from) || !statSync(from).isFile())
    throw new UserError(
      'backup_missing',
      `there is no backup at ${from}; give the path of a file written by \`citebot backup\``,
    );
  if (existsSync(storeFile) && realpathSync(from) === realpathSync(storeFile))
    throw new UserError('already_exists', `${from} is the store itself; give the path of a backup`);
  const contents = readBackup(from);
  mkdirSync(dirname(storeFile), { recursive: true });
  const incoming = `${storeFile}.${process.pid}.restoring`;
  try {
    await copyBackup(from, incoming, options.onProgress);
    // Opened as the store before the swap: checks the copy and upgrades an older backup's schema.
    await SqliteStore.open(incoming).close();
    const previous = existsSync(storeFile) ? await setAside(storeFile, options.now ?? new Date()) : null;
    // The index describes the old store; without it the next start rebuilds from the restored one.
    VectorIndex.remove(dirname(storeFile));
    for (const leftover of [`${storeFile}-wal`, `${storeFile}-shm`]) await rm(leftover, { force: true });
    await rename(incoming, storeFile);
    return { from, previous, ...contents, seconds: (performance.now() - started) / 1000 };
  } finally {
    for (const file of [incoming, `${incoming}-wal`, `${incoming}-shm`]) await rm(file, { force: true });
  }
}

/** Checks that `file` is a citebot store this version can read, and says what it holds. */
function readBackup(file: string): StoreContents {
  const notABackup = (why: string) =>
    new UserError('backup_invalid', `${file} is not a usable citebot backup: ${why}. Nothing was changed.`);
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw notABackup(error instanceof Error ? error.message : String(error));
  }
  try {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION)
      throw notABackup(
        `it was written by a newer citebot (schema ${version}, this one reads ${SCHEMA_VERSION}); upgrade citebot first`,
      );
    if (version < 1) throw notABackup('it holds no citebot tables');
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw notABackup(`it fails SQLite's quick_check (${String(check)})`);
    return contentsOf(db);
  } catch (error) {
    if (error instanceof CitebotError) throw error;
    throw notABackup(error instanceof Error ? error.message : String(error));
  } finally {
    db.close();
  }
}

async function copyBackup(from: string, to: string, onProgress?: (done: number, total: number) => void): Promise<void> {
  const source = new Database(from, { readonly: true, fileMustExist: true });
  try {
    await source.backup(to, {
      progress: ({ totalPages, remainingPages }) => {
        onProgress?.(totalPages - remainingPages, totalPages);
        return 1000;
      },
    });
  } finally {
    source.close();
  }
}

/**
 * Copies the current store aside while holding it exclusively: an open connection anywhere else
 * makes this fail at once, before anything changed. Closing checkpoints its write-ahead log, so
 * the file is complete on its own when it is replaced. A store SQLite can't open (the usual
 * reason to restore) can't be open elsewhere either, and is kept byte for byte.
 */
async function setAside(storeFile: string, now: Date): Promise<string> {
  const aside = `${storeFile}.before-restore-${now.toISOString().replace(/[:.]/g, '-')}`;
  let live: Database.Database | null = null;
  try {
    live = new Database(storeFile, { timeout: 0 });
    live.pragma('locking_mode = EXCLUSIVE');
    live.exec('BEGIN EXCLUSIVE; COMMIT');
  } catch (error) {
    live?.close();
    const code = (error as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      throw new UserError(
        'store_locked',
        `the store ${storeFile} is open in another process (the bot, or another citebot command); stop it, then run restore again. Nothing was changed.`,
      );
    }
    await copyFile(storeFile, aside);
    // Its write-ahead log may hold the newest changes: kept beside it, under the matching name.
    if (existsSync(`${storeFile}-wal`)) await copyFile(`${storeFile}-wal`, `${aside}-wal`);
    return aside;
  }
  try {
    await live.backup(aside);
  } catch (error) {
    await rm(aside, { force: true });
    throw new CitebotError(
      'internal',
      `could not keep a copy of the current store at ${aside} (${error instanceof Error ? error.message : String(error)}); nothing was changed`,
      { cause: error },
    );
  } finally {
    live.close();
  }
  return aside;
}
