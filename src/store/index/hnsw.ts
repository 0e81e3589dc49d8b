/**
 * The in-memory HNSW graph (hnswlib-node, cosine) and the set of its live labels. Labels are
 * passage rowids, so hits join the store's rows directly.
 *
 * Labels are reused: SQLite hands out the rowids of deleted rows at the end of the table again
 * (removing or editing the newest article does it). So every label has at most one slot, and a
 * reused label takes its old slot back: hnswlib's plain addPoint updates and undeletes an
 * existing label in place. Its replace-deleted mode is not used: it fills any deleted slot
 * without checking that the label is new, which left a label on two slots; when the older slot
 * was refilled, hnswlib dropped the label from its lookup table and removing it threw
 * "Label not found".
 *
 * The vectors live only inside hnswlib (and in the store): `live` holds labels, never vectors.
 */
import hnswlib from 'hnswlib-node';
import type { HnswSettings } from './settings.ts';

const { HierarchicalNSW } = hnswlib;
type Hnsw = InstanceType<typeof HierarchicalNSW>;

export const INITIAL_CAPACITY = 1024;
/** Fixed, so that the same inserts build the same graph (reproducible recall figures). */
const RANDOM_SEED = 100;

export class HnswGraph {
  readonly dim: number;
  private readonly index: Hnsw;
  private readonly live: Set<number>;

  private constructor(index: Hnsw, dim: number, live: Set<number>) {
    this.index = index;
    this.dim = dim;
    this.live = live;
  }

  static empty(dim: number, settings: HnswSettings, expected = 0): HnswGraph {
    const index = new HierarchicalNSW('cosine', dim);
    index.initIndex({
      maxElements: capacityFor(expected),
      m: settings.m,
      efConstruction: settings.efConstruction,
      randomSeed: RANDOM_SEED,
      allowReplaceDeleted: false,
    });
    index.setEf(settings.efSearch);
    return new HnswGraph(index, dim, new Set());
  }

  /**
   * Reads a saved graph (on a libuv thread). Its labels are returned, but none is live yet: the
   * caller marks live those the store still has (`adopt`), and deletes the others.
   */
  static async read(
    file: string,
    dim: number,
    settings: HnswSettings,
  ): Promise<{ graph: HnswGraph; labels: number[] }> {
    const index = new HierarchicalNSW('cosine', dim);
    await index.readIndex(file, false);
    index.setEf(settings.efSearch);
    return { graph: new HnswGraph(index, dim, new Set()), labels: index.getIdsList() };
  }

  /** Marks a label that the file holds as live, without touching its vector. */
  adopt(label: number): void {
    this.live.add(label);
  }

  /** Adds a passage, or replaces the vector of a label the graph has (live or deleted) in its own slot. */
  add(label: number, vector: Float32Array): void {
    if (vector.length !== this.dim)
      throw new Error(`vector of dimension ${vector.length} given to an index of dimension ${this.dim}`);
    if (this.index.getCurrentCount() >= this.index.getMaxElements())
      this.index.resizeIndex(this.index.getMaxElements() * 2);
    this.index.addPoint(Array.from(vector), label, false);
    this.live.add(label);
  }

  remove(label: number): void {
    if (!this.live.has(label)) return;
    this.index.markDelete(label);
    this.live.delete(label);
  }

  /** Deletes a label a loaded file may hold live or already deleted (hnswlib-node can't tell which). */
  removeFromFile(label: number): void {
    try {
      this.index.markDelete(label);
    } catch {
      // already deleted in the file
    }
    this.live.delete(label);
  }

  has(label: number): boolean {
    return this.live.has(label);
  }

  /** Nearest passages among `allowed` labels (all when null), best first, with cosine similarity. */
  search(query: number[], k: number, allowed: ReadonlySet<number> | null): { rowid: number; similarity: number }[] {
    // hnswlib throws when asked for more neighbours than pass the filter; counting stops at k.
    let candidates = 0;
    if (allowed === null) candidates = this.live.size;
    else for (const label of allowed) if (this.live.has(label) && ++candidates >= k) break;
    const wanted = Math.min(k, candidates);
    if (wanted <= 0) return [];
    // Without a filter hnswlib never calls back into JavaScript: the common case (the whole library).
    const filter = allowed === null ? undefined : (label: number) => allowed.has(label);
    const { neighbors, distances } = this.index.searchKnn(query, wanted, filter);
    return neighbors.map((rowid, i) => ({ rowid, similarity: 1 - distances[i]! }));
  }

  /** Candidates weighed while searching from now on (HNSW_EF_SEARCH; the bench compares several). */
  setEfSearch(ef: number): void {
    this.index.setEf(ef);
  }

  /** Writes the graph to `file` on a libuv thread; the graph must not change until it resolves. */
  write(file: string): Promise<unknown> {
    return this.index.writeIndex(file);
  }

  get size(): number {
    return this.live.size;
  }

  /** Slots in use, live or deleted. */
  get slots(): number {
    return this.index.getCurrentCount();
  }

  get capacity(): number {
    return this.index.getMaxElements();
  }

  /** Slots held by deleted passages (kept until their rowid comes back, or the graph is compacted). */
  get deletedSlots(): number {
    return this.slots - this.live.size;
  }
}

/** Capacity grows by doubling from 1,024, so a rebuild's graph holds the library without a resize. */
export function capacityFor(count: number): number {
  let capacity = INITIAL_CAPACITY;
  while (capacity < count) capacity *= 2;
  return capacity;
}
