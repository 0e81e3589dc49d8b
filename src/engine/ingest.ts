/**
 * Changing the library: articles → passages → vectors → one store write each, mirrored in the
 * vector index; removing an article.
 */
import { createHash } from 'node:crypto';
import type { IngestOutcome, IngestProgress } from '../engine-api.ts';
import { UserError } from '../errors.ts';
import { fetchUrl } from '../ingest/fetch-url.ts';
import { readArticleInputs, type SkippedInput } from '../ingest/files.ts';
import { articleBody, makePassagesYielding } from '../ingest/passages.ts';
import { analyze } from '../search/lexical.ts';
import type { PassageId, PassageToStore, StoredArticle, WriteResult } from '../store/store-api.ts';
import { LIBRARY_COLLECTION, type Article, type CollectionId, type Passage } from '../types.ts';
import { modelIdOf } from './open.ts';
import { countTokens, maxTokens, type EngineState, type Semantic } from './state.ts';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

export async function ingest(
  state: EngineState,
  articles: Article[],
  collection: CollectionId,
  onProgress?: (p: IngestProgress) => void,
): Promise<IngestOutcome[]> {
  assertCollection(collection);
  const { store } = state;
  const outcomes: IngestOutcome[] = [];
  const pending: { article: Article; hash: string; passages: Passage[]; outcome: IngestOutcome }[] = [];
  for (const article of dedupeById(articles)) {
    const hash = contentHash(article);
    const existing = await store.findArticle(collection, article.id);
    if (existing && existing.content_hash === hash) {
      outcomes.push({
        articleId: article.id,
        title: article.title,
        status: 'unchanged',
        passages: await store.countPassagesOf(existing.rowid),
      });
      continue;
    }
    // Tokenizing is synchronous: it runs in slices so a big page can't hold the bot's event loop.
    const passages = await makePassagesYielding(article, {
      countTokens: (t) => countTokens(state, t),
      maxTokens: maxTokens(state),
    });
    const outcome: IngestOutcome = {
      articleId: article.id,
      title: article.title,
      status: existing ? 'updated' : 'added',
      passages: passages.length,
    };
    pending.push({ article, hash, passages, outcome });
    outcomes.push(outcome);
  }
  const texts = pending.flatMap((p) => p.passages.map((passage) => passage.text));
  onProgress?.({ done: 0, total: texts.length });
  // Embed everything first (async, off-thread), then write each article in one transaction.
  const semantic = state.semantic;
  const vectors = semantic
    ? await semantic.pool.embed(texts, { onBatch: (done) => onProgress?.({ done, total: texts.length }) })
    : null;
  if (!semantic) onProgress?.({ done: texts.length, total: texts.length });
  let cursor = 0;
  if (pending.length > 0 && !(await store.model()))
    await store.setModel({ id: modelIdOf(state), dim: semantic?.pool.dim ?? null });
  for (const item of pending) {
    const first = cursor;
    cursor += item.passages.length;
    const toStore = await passagesToStore(item.passages, vectors?.slice(first, cursor) ?? null);
    // Another process (a second ingest of the same files) may have written the article while this
    // one embedded it: the status is what the store held at the write, not at the first look.
    const now = await store.findArticle(collection, item.article.id);
    if (now && now.content_hash === item.hash) {
      item.outcome.status = 'unchanged';
      continue;
    }
    const written = await commitAndMirror(
      state,
      () =>
        store.saveArticle({
          collection,
          article: item.article,
          body: articleBody(item.article),
          contentHash: item.hash,
          passages: toStore,
        }),
      (result) => result,
      toStore,
    );
    if (written.removed.length > 0 || now) item.outcome.status = 'updated';
  }
  if (pending.length > 0) saveIndex(state);
  return outcomes;
}

/** Analyzing a passage's terms costs ~20 µs: 4,500 of them in one go held the bot's event loop ~0.1–0.5 s. */
const ANALYZE_SLICE_MS = 10;

async function passagesToStore(
  passages: readonly Passage[],
  vectors: readonly Float32Array[] | null,
): Promise<PassageToStore[]> {
  const toStore: PassageToStore[] = [];
  let sliceStart = performance.now();
  for (const [i, passage] of passages.entries()) {
    if (performance.now() - sliceStart > ANALYZE_SLICE_MS) {
      await nextTurn();
      sliceStart = performance.now();
    }
    toStore.push({ ...passage, terms: analyze(passage.text), vector: vectors ? vectors[i]! : null });
  }
  await nextTurn();
  return toStore;
}

/**
 * Reads files/folders/globs and http(s) URLs (through the guarded fetch, ALLOW_PRIVATE_HOSTS
 * applied) and ingests them; unreadable inputs are skipped with a reason.
 */
export async function ingestPaths(
  state: EngineState,
  paths: readonly string[],
  collection: CollectionId,
  onProgress?: (p: IngestProgress) => void,
): Promise<{ outcomes: IngestOutcome[]; skipped: SkippedInput[] }> {
  const maxBytes = state.config.maxArticleBytes;
  const { articles, skipped } = await readArticleInputs(paths, {
    maxBytes,
    fetchUrl: (url) => fetchUrl(url, { maxBytes, allowPrivateHosts: state.config.allowPrivateHosts }),
  });
  const outcomes = await ingest(state, articles, collection, onProgress);
  return { outcomes, skipped };
}

/** On first run the library is empty: the bundled example articles are indexed when this says so. */
export async function needsExamples(state: EngineState): Promise<boolean> {
  return state.config.autoIngestExamples && (await state.store.countArticles(LIBRARY_COLLECTION)) === 0;
}

/** Removes the article (found already) and its passages; null when another process removed it first. */
export async function removeStored(
  state: EngineState,
  collection: CollectionId,
  id: string,
): Promise<StoredArticle | null> {
  const removed = await commitAndMirror(
    state,
    () => state.store.deleteArticle(collection, id),
    (deleted) => deleted ?? null,
    [],
  );
  if (!removed) return null;
  saveIndex(state);
  return removed.article;
}

/**
 * Commits a store write and mirrors it in the vector index. The write is refused first when
 * another process re-embedded the store with another model. The store is async, so the mirror
 * runs once the write has committed, in its turn among the index's changes (not while its graph
 * is written or compacted); a snapshot taken in between is tagged with the index's own older
 * generation, and a change a catch-up already read from the store is not applied twice.
 */
async function commitAndMirror<T>(
  state: EngineState,
  write: () => Promise<T>,
  written: (result: T) => WriteResult | null,
  added: readonly PassageToStore[],
): Promise<T> {
  const semantic = state.semantic;
  if (semantic) await semantic.vectors.assertStoreModel(state.store);
  const result = await write();
  const change = written(result);
  // A large change goes into the index in slices: the ingest is done once it is searchable by meaning.
  if (semantic && change) await updateIndex(state, semantic, change, added);
  return result;
}

/** Mirrors a committed store change in the vector index (which rebuilds itself from the store if it must). */
async function updateIndex(
  state: EngineState,
  semantic: Semantic,
  written: WriteResult,
  added: readonly PassageToStore[],
): Promise<void> {
  const labels: { label: PassageId; vector: Float32Array }[] = written.added.map((id, i) => ({
    label: id,
    vector: added[i]!.vector!,
  }));
  const repaired = await semantic.vectors.update(state.store, {
    generation: written.generation,
    removed: written.removed,
    added: labels,
  });
  if (repaired !== null) state.notice(`rebuilt the vector index from the store (${repaired})`);
}

/**
 * After a change: the index file is rewritten in the background once enough has changed since
 * it (not after every change: the next open replays the rest from the store's change log). A
 * failed write (a full disk) is a notice from the index, not a failed ingest.
 */
function saveIndex(state: EngineState): void {
  state.semantic?.vectors.snapshotIfDue(state.store);
}

function assertCollection(collection: string): void {
  if (!/^[\w.-]{1,64}$/.test(collection))
    throw new UserError(
      'bad_collection',
      `"${collection}" is not a valid collection id (use "library" or a Discord server id)`,
    );
}

function dedupeById(articles: readonly Article[]): Article[] {
  const byId = new Map<string, Article>();
  for (const article of articles) byId.set(article.id, article);
  return [...byId.values()];
}

export function contentHash(article: Article): string {
  // `pages` is absent for all but PDFs and `author` unless known, so other articles keep the hash they were stored with.
  const { title, date, source, section, url, paragraphs, pages } = article;
  const author = article.author ?? undefined;
  return createHash('sha256')
    .update(JSON.stringify({ title, date, source, section, url, paragraphs, pages, author }))
    .digest('hex');
}
