/**
 * Filling a graph from the store, and replaying the store's change log into one. Nothing here
 * holds the event loop for long, since the bot answers questions meanwhile: the store is read a
 * page at a time (reading all 100,000 vectors at once held the event loop 1.1 s and doubled the
 * memory), with a yield between pages when the caller runs in the background.
 */
import type { CollectionId } from '../../types.ts';
import type { HnswGraph } from './hnsw.ts';

/** What the index needs of the store: its vectors, its generation and its change log. */
export interface IndexStore {
  generation(): number;
  /** Passages added, replaced or removed after `generation`; null when the log no longer reaches back. */
  passagesChangedSince(generation: number): number[] | null;
  vectorOf(rowid: number): Float32Array | null;
  vectorsAfter(afterRowid: number, limit: number): { rowid: number; vector: Float32Array }[];
  countPassages(): number;
  passageRowids(collections: readonly CollectionId[]): ReadonlySet<number>;
  listCollections(): CollectionId[];
  model(): { id: string } | null;
}

/** Points inserted between yields to the event loop in the background (about 30 ms of work). */
export const SLICE = 50;
/** Vectors read at once by a rebuild that runs to the end without yielding (the CLI's). */
const PAGE = 1_000;

export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Inserts every stored vector into `graph` at once, a page of the store at a time. */
export function fillAtOnce(store: IndexStore, graph: HnswGraph): void {
  for (let after = 0; ;) {
    const page = store.vectorsAfter(after, PAGE);
    if (page.length === 0) return;
    for (const { rowid, vector } of page) graph.add(rowid, vector);
    after = page.at(-1)!.rowid;
  }
}

/**
 * Inserts every stored vector into `graph` in slices with a yield between them. Returns false
 * when `stopped()` turned true (the process is closing) before the end.
 */
export async function fillInSlices(
  store: IndexStore,
  graph: HnswGraph,
  stopped: () => boolean,
  afterSlice: () => void = () => {},
): Promise<boolean> {
  for (let after = 0; ;) {
    await yieldToEventLoop();
    if (stopped()) return false;
    const page = store.vectorsAfter(after, SLICE);
    if (page.length === 0) return true;
    for (const { rowid, vector } of page) graph.add(rowid, vector);
    after = page.at(-1)!.rowid;
    afterSlice();
  }
}

/** Brings each passage to its stored state: its current vector, or gone. */
export function replay(store: IndexStore, graph: HnswGraph, rowids: readonly number[]): void {
  for (const rowid of rowids) {
    const vector = store.vectorOf(rowid);
    if (vector) graph.add(rowid, vector);
    else graph.remove(rowid);
  }
}

/** `replay` in slices; false when stopped before the end. */
export async function replayInSlices(
  store: IndexStore,
  graph: HnswGraph,
  rowids: readonly number[],
  stopped: () => boolean,
): Promise<boolean> {
  for (let start = 0; start < rowids.length; start += SLICE) {
    await yieldToEventLoop();
    if (stopped()) return false;
    replay(store, graph, rowids.slice(start, start + SLICE));
  }
  return true;
}
