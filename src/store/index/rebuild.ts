/**
 * Filling a graph from the store, and replaying the store's change log into one. The index reads
 * the store only through the contract's async `IndexSource` (src/store/store-api.ts), the same
 * for SQLite and PostgreSQL: nothing keeps a second copy of the vectors for it. Nothing here holds
 * the event loop for long, since the bot answers questions meanwhile: the store is read a page at
 * a time (reading all 100,000 vectors at once held the event loop 1.1 s and doubled the memory),
 * and a page is inserted in slices with a yield between them when the caller runs in the background.
 */
import type { IndexSource, PassageId, StoredVector } from '../store-api.ts';
import type { PartitionedGraph as HnswGraph } from './partitions.ts';

export type { IndexSource } from '../store-api.ts';

export interface RebuildProgress {
  indexed: number;
  total: number;
}

/** Points inserted between yields to the event loop in the background (about 30 ms of work). */
export const SLICE = 50;
/** Vectors read from the store at once (1.5 MB at 384-d): one round trip per page on PostgreSQL. */
export const PAGE = 1_000;

export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Calls `each` with every page of the store's vectors, in ascending id order. */
export async function forEachPage(
  source: IndexSource,
  each: (page: StoredVector[]) => Promise<boolean | void> | boolean | void,
  pageSize = PAGE,
): Promise<boolean> {
  for (let after = 0; ;) {
    const page = await source.vectorsAfter(after, pageSize);
    if (page.length === 0) return true;
    if ((await each(page)) === false) return false;
    after = page.at(-1)!.id;
  }
}

/** Inserts every stored vector into `graph` without yielding between pages' inserts (the CLI's rebuild). */
export async function fillAtOnce(source: IndexSource, graph: HnswGraph): Promise<void> {
  await forEachPage(source, (page) => {
    for (const { id, vector } of page) graph.add(id, vector);
  });
}

/**
 * Inserts every stored vector into `graph` in slices with a yield between them. Returns false
 * when `stopped()` turned true (the process is closing) before the end.
 */
export function fillInSlices(
  source: IndexSource,
  graph: HnswGraph,
  stopped: () => boolean,
  afterSlice: () => void = () => {},
): Promise<boolean> {
  return forEachPage(source, async (page) => {
    for (let start = 0; start < page.length; start += SLICE) {
      await yieldToEventLoop();
      if (stopped()) return false;
      for (const { id, vector } of page.slice(start, start + SLICE)) graph.add(id, vector);
      afterSlice();
    }
    return true;
  });
}

/** After each slice of a background rebuild: the progress, and a notice at each quarter. */
export function quarterly(progress: RebuildProgress, graph: HnswGraph, notice: (message: string) => void): () => void {
  let nextQuarter = 1;
  return () => {
    progress.indexed = graph.size;
    if (nextQuarter < 4 && progress.indexed >= (progress.total * nextQuarter) / 4)
      notice(`rebuilding the vector index: ${progress.indexed} of ${progress.total} passages (${25 * nextQuarter++}%)`);
  };
}

/** A committed change, as the graph takes it: passages gone, and passages added or replaced. */
export interface GraphChange {
  removed: readonly PassageId[];
  added: readonly { label: PassageId; vector: Float32Array }[];
}

export function applyChange(graph: HnswGraph, change: GraphChange): void {
  for (const label of change.removed) graph.remove(label);
  for (const { label, vector } of change.added) graph.add(label, vector);
}

/**
 * A large change (one 4,500-passage article: about 0.6 s of hnswlib inserts on a quiet machine,
 * seconds on a loaded one) in slices with a yield between them, so the bot's heartbeat and
 * interactions are answered meanwhile.
 */
export async function applyChangeInSlices(graph: HnswGraph, change: GraphChange): Promise<void> {
  for (const label of change.removed) graph.remove(label);
  for (let start = 0; start < change.added.length; start += SLICE) {
    await yieldToEventLoop();
    for (const { label, vector } of change.added.slice(start, start + SLICE)) graph.add(label, vector);
  }
}

/** Brings each passage to its stored state: its current vector, or gone. */
export async function replay(source: IndexSource, graph: HnswGraph, ids: readonly PassageId[]): Promise<void> {
  for (let start = 0; start < ids.length; start += PAGE) {
    const chunk = ids.slice(start, start + PAGE);
    const vectors = await source.vectorsOf(chunk);
    for (const id of chunk) {
      const vector = vectors.get(id);
      if (vector) graph.add(id, vector);
      else graph.remove(id);
    }
  }
}

/** `replay` in slices with a yield between them; false when stopped before the end. */
export async function replayInSlices(
  source: IndexSource,
  graph: HnswGraph,
  ids: readonly PassageId[],
  stopped: () => boolean,
): Promise<boolean> {
  for (let start = 0; start < ids.length; start += SLICE) {
    await yieldToEventLoop();
    if (stopped()) return false;
    await replay(source, graph, ids.slice(start, start + SLICE));
  }
  return true;
}
