/**
 * The crash audit's corpus (200 articles a run, half replacing the previous run's versions) and
 * the checks made after each kill (see crash.ts).
 */
import Database from 'better-sqlite3';
import { readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { openEngine } from '../../src/engine.ts';
import { storeFileIn } from '../../test/helpers/sqlite-store.ts';
import { testEnv } from '../../test/helpers/engine.ts';
import type { CorpusArticle } from './crash-targets.ts';

export const ARTICLES = 200;
export const REPLACED = ARTICLES / 2;

// ---- the corpus ------------------------------------------------------------------------------

/** Replaced articles keep their id across runs; the new ones are named after their run. */
export const replacedId = (i: number) => `kept-${String(i).padStart(3, '0')}`;
export const newId = (run: number, i: number) => `run${run}-new-${String(i).padStart(3, '0')}`;

/** The paragraphs of `id` at `version`: short, and a different count on odd and even versions. */
export function paragraphsOf(id: string, version: number): string[] {
  const paragraphs = [
    `The council of ${id} met on day ${version} and voted on the harbour budget, version ${version} says.`,
    `Bridge ${id} reopens after ${version + 2} weeks of repairs, according to the version ${version} notice.`,
  ];
  if (version % 2 === 1)
    paragraphs.push(`A late note in version ${version}: the ferry of ${id} runs ${version * 3} times a day.`);
  return paragraphs;
}

export const titleOf = (id: string, version: number) => `Report ${id} version ${version}`;

/** Run `run`'s corpus: version `run` of the replaced articles, and its new ones. */
export function corpusOf(run: number): CorpusArticle[] {
  const ids = [
    ...Array.from({ length: REPLACED }, (_, i) => replacedId(i)),
    ...Array.from({ length: ARTICLES - REPLACED }, (_, i) => newId(run, i)),
  ];
  return ids.map((id) => ({ id, title: titleOf(id, run), paragraphs: paragraphsOf(id, run) }));
}

/** The versions each article may be in after run `run` was killed (a new article may be absent). */
export function allowedVersions(
  run: number,
  finished: boolean,
): Map<string, { versions: number[]; mayBeAbsent: boolean }> {
  const allowed = new Map<string, { versions: number[]; mayBeAbsent: boolean }>();
  for (let i = 0; i < REPLACED; i++)
    allowed.set(replacedId(i), { versions: finished ? [run] : [run - 1, run], mayBeAbsent: false });
  for (let r = 0; r <= run; r++) {
    for (let i = 0; i < ARTICLES - REPLACED; i++)
      allowed.set(newId(r, i), { versions: [r], mayBeAbsent: r === run && !finished });
  }
  return allowed;
}

// ---- the checks ------------------------------------------------------------------------------

export function integrity(dataDir: string): string | null {
  const db = new Database(storeFileIn(dataDir), { readonly: true, fileMustExist: true });
  try {
    const result = db.pragma('integrity_check', { simple: true });
    return result === 'ok' ? null : `integrity_check: ${String(result)}`;
  } finally {
    db.close();
  }
}

/**
 * Every stored article must be whole in one allowed version: its body and title are that
 * version's, and its passages (in order) are exactly that version's paragraphs. Returns the
 * problems, and how many articles hold run `run`'s version.
 */
export function wholeness(
  dataDir: string,
  run: number,
  finished: boolean,
): { problems: string[]; atNewVersion: number } {
  const allowed = allowedVersions(run, finished);
  const db = new Database(storeFileIn(dataDir), { readonly: true, fileMustExist: true });
  const problems: string[] = [];
  let atNewVersion = 0;
  try {
    const articles = db.prepare('SELECT rowid, id, title, body FROM articles').all() as {
      rowid: number;
      id: string;
      title: string;
      body: string;
    }[];
    const passagesOf = db.prepare('SELECT text FROM passages WHERE article_rowid = ? ORDER BY position').pluck();
    const seen = new Set<string>();
    for (const article of articles) {
      seen.add(article.id);
      const rule = allowed.get(article.id);
      if (!rule) {
        problems.push(`${article.id}: stored, but never ingested`);
        continue;
      }
      const texts = passagesOf.all(article.rowid) as string[];
      if (texts.length === 0) {
        problems.push(`${article.id}: stored without passages`);
        continue;
      }
      const matching = rule.versions.filter((v) => {
        const paragraphs = paragraphsOf(article.id, v);
        return (
          article.title === titleOf(article.id, v) &&
          article.body === paragraphs.join('\n\n') &&
          texts.length === paragraphs.length &&
          texts.every((t, i) => t === paragraphs[i])
        );
      });
      if (matching.length !== 1)
        problems.push(
          `${article.id}: not whole in version ${rule.versions.join(' or ')} (title "${article.title}", ${texts.length} passages)`,
        );
      else if (matching[0] === run) atNewVersion++;
    }
    for (const [id, rule] of allowed)
      if (!rule.mayBeAbsent && !seen.has(id)) problems.push(`${id}: missing from the store`);
  } finally {
    db.close();
  }
  return { problems, atNewVersion };
}

export interface OpenCheck {
  problems: string[];
  loadedAs: string;
  passages: number;
}

/**
 * Opens the engine as the next process would and compares the vector index with the store:
 * every stored passage must be found by its own vector, and the index must hold (and return) no
 * passage the store lacks. The index's live labels are read through its private graph's parts: the
 * contract has no reason to list them, and this audit must see what a search could return.
 */
export async function openAndCompare(dataDir: string, modelDir: string): Promise<OpenCheck> {
  const problems: string[] = [];
  const engine = await openEngine(loadConfig(testEnv(dataDir, modelDir)), { notice: () => {} });
  try {
    const vectors = engine.internals.vectors();
    if (!vectors)
      return {
        problems: ['the engine opened keyword-only: no vector index to compare'],
        loadedAs: 'none',
        passages: 0,
      };
    const store = engine.internals.store;
    const stored = await store.allPassageIds();
    // The graph is partitioned (src/store/index/partitions.ts): the live labels are those of every part.
    const { parts } = (vectors as unknown as { graph: { parts: { live: Set<number> }[] } }).graph;
    const live = new Set(parts.flatMap((part) => [...part.live]));
    const ghosts = [...live].filter((id) => !stored.has(id));
    if (ghosts.length > 0)
      problems.push(
        `the index holds ${ghosts.length} passages the store lacks (e.g. ${ghosts.slice(0, 3).join(', ')})`,
      );
    const ids = [...stored];
    const stored_vectors = await store.vectorsOf(ids);
    let unreachable = 0;
    let ghostHits = 0;
    for (const [i, id] of ids.entries()) {
      const vector = stored_vectors.get(id);
      if (!vector || vectors.search(vector, 1, new Set([id]))[0]?.rowid !== id) unreachable++;
      // An unfiltered search (the allowed set is the whole library) returns whatever hnswlib holds live.
      if (vector && i % 10 === 0)
        ghostHits += vectors.search(vector, 10, stored).filter((hit) => !stored.has(hit.rowid)).length;
    }
    if (unreachable > 0) problems.push(`${unreachable} of ${ids.length} stored passages are unreachable by the index`);
    if (ghostHits > 0) problems.push(`searches returned ${ghostHits} hits for passages not in the store`);
    return { problems, loadedAs: vectors.loadedAs, passages: ids.length };
  } finally {
    await engine.close();
  }
}

export function passageCount(dataDir: string): number {
  const db = new Database(storeFileIn(dataDir), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT count(*) FROM passages').pluck().get() as number;
  } finally {
    db.close();
  }
}

export function leftovers(dataDir: string): string[] {
  return readdirSync(dataDir).filter((name) => /\.tmp$|-journal$/.test(name));
}

/** Truncates the index file to half, or replaces it with garbage of the same size. */
export function damageIndex(dataDir: string, how: 'truncated' | 'garbage'): void {
  const file = join(dataDir, 'index.hnsw');
  const size = statSync(file).size;
  if (how === 'truncated') truncateSync(file, Math.floor(size / 2));
  else writeFileSync(file, Buffer.alloc(size, 0x5a));
}
