/**
 * `citebot export`: a collection's articles as NDJSON, one article per line in the shape
 * `ingest` reads back (`{"id", "title", "date", "source", "section", "url", "paragraphs"}`), to
 * edit them, move them to another collection or data directory, or keep them outside citebot.
 * Only the store is read: no model is loaded, and the bot can keep running.
 */
import { once } from 'node:events';
import { createWriteStream, existsSync, statSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { UserError } from '../errors.ts';
import type { CollectionId } from '../types.ts';
import { SqliteStore } from './sqlite/store.ts';
import { storedToArticle } from './store-api.ts';

export interface ExportResult {
  collection: CollectionId;
  articles: number;
  /** The file written, or null for standard output. */
  file: string | null;
  bytes: number;
}

export interface ExportOptions {
  /** Replace an existing file at the destination. */
  force?: boolean;
}

/** Writes the articles to `destination`, or to `stdout` when it is null. */
export async function exportArticles(
  storeFile: string,
  collection: CollectionId,
  destination: string | null,
  stdout: Writable,
  options: ExportOptions = {},
): Promise<ExportResult> {
  if (!existsSync(storeFile))
    throw new UserError('store_missing', `there is no store at ${storeFile} to export from (check DATA_DIR)`);
  const file = destination === null ? null : resolve(destination);
  if (file) {
    if (!existsSync(dirname(file)) || !statSync(dirname(file)).isDirectory())
      throw new UserError('folder_missing', `the folder ${dirname(file)} does not exist; create it first`);
    if (existsSync(file) && !options.force)
      throw new UserError(
        'already_exists',
        `${file} already exists; pass --force to replace it, or choose another name`,
      );
  }
  const store = SqliteStore.open(storeFile);
  // Written beside the destination, then renamed: an interrupted export never leaves half a file there.
  const partial = file ? `${file}.${process.pid}.partial` : null;
  const out = partial ? createWriteStream(partial) : stdout;
  try {
    let articles = 0;
    let bytes = 0;
    for await (const stored of store.articlesOf(collection)) {
      const line = `${JSON.stringify(storedToArticle(stored))}\n`;
      articles++;
      bytes += Buffer.byteLength(line);
      if (!out.write(line)) await once(out, 'drain');
    }
    if (partial && file) {
      out.end();
      await once(out, 'finish');
      await rename(partial, file);
    }
    return { collection, articles, file, bytes };
  } catch (error) {
    if (partial) {
      out.destroy();
      await rm(partial, { force: true });
    }
    throw error;
  } finally {
    await store.close();
  }
}
