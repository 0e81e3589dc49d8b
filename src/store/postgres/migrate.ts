/**
 * Copies a store (the SQLite one, in practice) into an empty PostgreSQL database through the
 * store contract alone: articles with their passages, analyzed terms and vectors, and the
 * model record, so an operator switches without re-ingesting or re-embedding. The counts are
 * checked at the end.
 *
 * The question log and votes are not copied: the contract has no bulk read of them and they
 * derive nothing (see docs/operations.md, "Running on PostgreSQL").
 */
import { existsSync } from 'node:fs';
import { storeFile, type EngineConfig } from '../../config.ts';
import { CitebotError, UserError } from '../../errors.ts';
import { ANALYZER_VERSION, analyze } from '../../search/lexical.ts';
import { SqliteStore } from '../sqlite/store.ts';
import { PostgresStore } from './postgres-store.ts';
import type { ArticleToSave, CandidateRow, CitebotStore, StoredArticle } from '../store-api.ts';
import { storedToArticle } from '../store-api.ts';

export interface CopyOptions {
  /** Passages read per round trip from the source. */
  batchPassages?: number;
  /** Told after each batch written: articles done of total. */
  onProgress?: (done: number, total: number) => void;
}

export interface CopyReport {
  articles: number;
  passages: number;
  collections: number;
  model: string | null;
  seconds: number;
}

type Source = Pick<
  CitebotStore,
  | 'allPassageIds'
  | 'candidates'
  | 'countPassagesOf'
  | 'listCollections'
  | 'articlesOf'
  | 'countAllArticles'
  | 'countPassages'
  | 'model'
>;
type Target = Pick<CitebotStore, 'saveArticles' | 'countAllArticles' | 'countPassages' | 'setModel' | 'description'>;

function toSave(article: StoredArticle, rows: readonly CandidateRow[]): ArticleToSave {
  return {
    collection: article.collection,
    article: storedToArticle(article),
    body: article.body,
    contentHash: article.content_hash,
    passages: [...rows]
      .sort((a, b) => a.passage.position - b.passage.position)
      .map((row) => ({
        position: row.passage.position,
        paragraphStart: row.passage.paragraph_start,
        paragraphEnd: row.passage.paragraph_end,
        charStart: row.passage.char_start,
        charEnd: row.passage.char_end,
        text: row.passage.text,
        terms: row.terms,
        vector: row.vector,
      })),
  };
}

export async function copyStore(source: Source, target: Target, options: CopyOptions = {}): Promise<CopyReport> {
  const started = performance.now();
  const already = await target.countAllArticles();
  if (already > 0) {
    throw new UserError(
      'already_exists',
      `the database ${target.description.location} already holds ${already} articles; migrate-to-postgres copies into an empty database only`,
    );
  }
  const total = await source.countAllArticles();
  const batch = options.batchPassages ?? 2000;
  const ids = [...(await source.allPassageIds())].sort((a, b) => a - b);
  // An article's passages may span two batches: it is written once all of them are read.
  const pending = new Map<number, { article: StoredArticle; rows: CandidateRow[]; expected: number }>();
  const copied = new Set<number>();
  for (let start = 0; start < ids.length; start += batch) {
    const rows = await source.candidates(ids.slice(start, start + batch));
    const complete: ArticleToSave[] = [];
    for (const row of rows.values()) {
      let group = pending.get(row.article.rowid);
      if (!group) {
        group = { article: row.article, rows: [], expected: await source.countPassagesOf(row.article.rowid) };
        pending.set(row.article.rowid, group);
      }
      group.rows.push(row);
      if (group.rows.length === group.expected) {
        complete.push(toSave(group.article, group.rows));
        pending.delete(row.article.rowid);
        copied.add(row.article.rowid);
      }
    }
    if (complete.length > 0) await target.saveArticles(complete);
    options.onProgress?.(copied.size, total);
  }
  // Articles without passages (none were kept from them), and any whose passages changed while reading.
  const rest: ArticleToSave[] = [];
  for (const collection of await source.listCollections()) {
    for await (const article of source.articlesOf(collection))
      if (!copied.has(article.rowid)) rest.push(toSave(article, pending.get(article.rowid)?.rows ?? []));
  }
  if (rest.length > 0) await target.saveArticles(rest);
  options.onProgress?.(total, total);
  const model = await source.model();
  if (model) await target.setModel(model);

  const counts = { articles: await target.countAllArticles(), passages: await target.countPassages() };
  const expected = { articles: total, passages: await source.countPassages() };
  if (counts.articles !== expected.articles || counts.passages !== expected.passages) {
    throw new CitebotError(
      'internal',
      `the copy does not match: ${counts.articles} articles and ${counts.passages} passages in PostgreSQL, ${expected.articles} and ${expected.passages} in the source (was citebot writing to the source meanwhile? stop it, empty the database and run the migration again)`,
    );
  }
  return {
    ...counts,
    collections: (await source.listCollections()).length,
    model: model?.id ?? null,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * `migrate-to-postgres`: the SQLite store of DATA_DIR into the empty database of DATABASE_URL.
 * Both stores' terms are brought to this citebot's analyzer first, as opening the engine would.
 */
export async function migrateToPostgres(
  config: Pick<EngineConfig, 'dataDir' | 'databaseUrl'>,
  options: CopyOptions = {},
): Promise<CopyReport & { from: string; to: string }> {
  if (!config.databaseUrl) {
    throw new UserError(
      'config_invalid',
      'migrate-to-postgres copies into the database of DATABASE_URL: set it (postgres://user:password@host:5432/database) to an empty database',
    );
  }
  const file = storeFile(config);
  if (!existsSync(file))
    throw new UserError(
      'store_missing',
      `there is no SQLite store at ${file}: set DATA_DIR to the folder that holds citebot.db`,
    );
  const source = SqliteStore.open(file);
  try {
    const target = await PostgresStore.open(config.databaseUrl);
    try {
      await source.reanalyze(ANALYZER_VERSION, analyze);
      if ((await target.countAllArticles()) === 0) await target.reanalyze(ANALYZER_VERSION, analyze);
      const report = await copyStore(source, target, options);
      return { ...report, from: file, to: target.description.location };
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}
