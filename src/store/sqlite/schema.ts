/**
 * The SQLite file: opening it (WAL, foreign keys), its schema and the migrations between schema
 * versions, and SQLite's errors turned into ones that say what to do.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { CitebotError, UserError } from '../../errors.ts';

/**
 * 2: passage_changes, the log other processes' vector indexes catch up from.
 * 3: questions.filter.
 * 4: articles.pages (the page each paragraph of a PDF begins on).
 * 5: passage_changes.collection, so a reader can catch up with its own collections only.
 * 6: articles.author.
 */
export const SCHEMA_VERSION = 6;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
  rowid INTEGER PRIMARY KEY,
  collection TEXT NOT NULL,
  id TEXT NOT NULL,
  title TEXT NOT NULL,
  date TEXT, source TEXT, section TEXT, url TEXT,
  content_hash TEXT NOT NULL,
  body TEXT NOT NULL,
  paragraph_count INTEGER NOT NULL,
  ingested_at TEXT NOT NULL,
  pages TEXT,
  author TEXT,
  UNIQUE (collection, id)
);
CREATE TABLE IF NOT EXISTS passages (
  rowid INTEGER PRIMARY KEY,
  article_rowid INTEGER NOT NULL REFERENCES articles(rowid) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  paragraph_start INTEGER NOT NULL,
  paragraph_end INTEGER NOT NULL,
  char_start INTEGER NOT NULL,
  char_end INTEGER NOT NULL,
  text TEXT NOT NULL,
  vector BLOB
);
CREATE INDEX IF NOT EXISTS passages_by_article ON passages(article_rowid, position);
CREATE VIRTUAL TABLE IF NOT EXISTS passage_terms USING fts5(terms, tokenize = "unicode61 tokenchars '.'");
CREATE VIRTUAL TABLE IF NOT EXISTS passage_terms_vocab USING fts5vocab(passage_terms, 'row');
CREATE TABLE IF NOT EXISTS passage_changes (generation INTEGER NOT NULL, passage_rowid INTEGER NOT NULL, collection TEXT);
CREATE INDEX IF NOT EXISTS passage_changes_by_generation ON passage_changes(generation);
CREATE TABLE IF NOT EXISTS questions (
  id INTEGER PRIMARY KEY,
  collection TEXT NOT NULL,
  question TEXT NOT NULL,
  answered INTEGER NOT NULL,
  asked_at TEXT NOT NULL,
  filter TEXT
);
CREATE INDEX IF NOT EXISTS questions_by_collection ON questions(collection, asked_at);
CREATE TABLE IF NOT EXISTS feedback (
  question_id INTEGER NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL,
  vote TEXT NOT NULL CHECK (vote IN ('up', 'down')),
  PRIMARY KEY (question_id, user_id)
);
`;

/** Opens (and creates or migrates) the SQLite file. */
export function openDatabase(file: string): Database.Database {
  mkdirSync(dirname(file), { recursive: true });
  let db: Database.Database;
  try {
    db = new Database(file, { timeout: 5000 });
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
  } catch (error) {
    throw translateSqliteError(error, file);
  }
  try {
    migrate(db);
  } catch (error) {
    db.close();
    throw translateSqliteError(error, file);
  }
  return db;
}

function columnExists(db: Database.Database, table: string, column: string): boolean {
  return db.prepare('SELECT 1 FROM pragma_table_info(?) WHERE name = ?').get(table, column) !== undefined;
}

function migrate(db: Database.Database): void {
  const found = db.pragma('user_version', { simple: true }) as number;
  if (found > SCHEMA_VERSION) {
    throw new UserError(
      'store_schema_newer',
      `the store was written by a newer citebot (schema ${found}, this one reads ${SCHEMA_VERSION}); upgrade citebot or use another DATA_DIR`,
    );
  }
  if (found < SCHEMA_VERSION) {
    db.transaction(() => {
      db.exec(SCHEMA);
      // Stores of schema 1 and 2 kept their questions table, which has no filter column.
      if (!columnExists(db, 'questions', 'filter')) db.exec('ALTER TABLE questions ADD COLUMN filter TEXT');
      if (!columnExists(db, 'articles', 'pages')) db.exec('ALTER TABLE articles ADD COLUMN pages TEXT');
      if (!columnExists(db, 'articles', 'author')) db.exec('ALTER TABLE articles ADD COLUMN author TEXT');
      // Changes logged before schema 5 name no collection: readers take them as any collection's.
      if (!columnExists(db, 'passage_changes', 'collection'))
        db.exec('ALTER TABLE passage_changes ADD COLUMN collection TEXT');
      // The change log starts now: an index older than this generation rebuilds instead.
      if (found < 2) {
        const generation = db.prepare("SELECT value FROM meta WHERE key = 'generation'").pluck().get() as
          string | undefined;
        db.prepare(
          "INSERT INTO meta (key, value) VALUES ('changes_kept_since', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        ).run(generation ?? '0');
      }
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }).immediate();
  }
  const check = db.pragma('quick_check', { simple: true });
  if (check !== 'ok') throw new Error(`quick_check: ${String(check)}`);
}

/** Turns SQLite's errors into ones that say what to do. */
export function translateSqliteError(error: unknown, file: string): CitebotError {
  if (error instanceof CitebotError) return error;
  const code = (error as { code?: string }).code ?? '';
  const message = error instanceof Error ? error.message : String(error);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new UserError(
      'store_locked',
      `the store ${file} is locked by another process; wait for it to finish (or stop the other citebot) and try again`,
      { cause: error },
    );
  }
  if (
    code === 'SQLITE_NOTADB' ||
    code.startsWith('SQLITE_CORRUPT') ||
    /quick_check|malformed|not a database/i.test(message)
  ) {
    return new UserError(
      'store_corrupt',
      `the store ${file} is not a readable citebot database (${message}); restore it from a backup, or move it away and re-ingest your articles`,
      { cause: error },
    );
  }
  return new CitebotError('internal', `could not open the store ${file}: ${message}`, { cause: error });
}
