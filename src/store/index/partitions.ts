/**
 * The vector index as several HNSW graphs (partitions), a passage in the one its id picks
 * (`id % partitions`), searched together. hnswlib-node inserts on the calling thread, and one
 * graph's inserts cannot be shared between threads; separate graphs can be built at the same
 * time, one per core, in worker threads (parallel-build.ts): a rebuild runs at the machine's
 * pace instead of one core's. A search asks every partition for its k best and keeps the k best
 * of those, which finds at least what one graph of all the passages would (each partition is
 * smaller, and searched with the same ef), at the cost of one search per partition.
 */
import { HnswGraph } from './hnsw.ts';
import type { HnswSettings } from './settings.ts';

export class PartitionedGraph {
  readonly dim: number;
  readonly parts: readonly HnswGraph[];

  constructor(dim: number, parts: readonly HnswGraph[]) {
    this.dim = dim;
    this.parts = parts;
  }

  static empty(dim: number, settings: HnswSettings, partitions: number, expected = 0): PartitionedGraph {
    const each = Math.ceil(expected / partitions);
    return new PartitionedGraph(
      dim,
      Array.from({ length: partitions }, () => HnswGraph.empty(dim, settings, each)),
    );
  }

  /** Reads saved partitions (each on a libuv thread); none of their labels is live yet (see HnswGraph.read). */
  static async read(
    files: readonly string[],
    dim: number,
    settings: HnswSettings,
  ): Promise<{ graph: PartitionedGraph; labels: number[] }> {
    const read = await Promise.all(files.map((file) => HnswGraph.read(file, dim, settings)));
    return {
      graph: new PartitionedGraph(
        dim,
        read.map((r) => r.graph),
      ),
      labels: read.flatMap((r) => r.labels),
    };
  }

  get partitions(): number {
    return this.parts.length;
  }

  /** The partition a passage id belongs in. */
  partOf(label: number): HnswGraph {
    return this.parts[label % this.parts.length]!;
  }

  adopt(label: number): void {
    this.partOf(label).adopt(label);
  }

  add(label: number, vector: Float32Array): void {
    this.partOf(label).add(label, vector);
  }

  remove(label: number): void {
    this.partOf(label).remove(label);
  }

  removeFromFile(label: number): void {
    this.partOf(label).removeFromFile(label);
  }

  has(label: number): boolean {
    return this.partOf(label).has(label);
  }

  /** Nearest passages among `allowed` labels, best first, with cosine similarity. */
  search(query: Float32Array, k: number, allowed: ReadonlySet<number>): { rowid: number; similarity: number }[] {
    // Every live passage allowed (the whole library): no filter, so hnswlib never calls back into JavaScript.
    const filter = allowed.size === this.size ? null : allowed;
    const point = Array.from(query);
    const hits = this.parts.flatMap((part) => part.search(point, k, filter));
    if (this.parts.length === 1) return hits;
    return hits.sort((a, b) => b.similarity - a.similarity || a.rowid - b.rowid).slice(0, k);
  }

  setEfSearch(ef: number): void {
    for (const part of this.parts) part.setEfSearch(ef);
  }

  /** Writes partition i to `files[i]` on libuv threads; the graph must not change until it resolves. */
  write(files: readonly string[]): Promise<unknown> {
    return Promise.all(this.parts.map((part, i) => part.write(files[i]!)));
  }

  get size(): number {
    return this.sum((part) => part.size);
  }

  /** Slots in use, live or deleted. */
  get slots(): number {
    return this.sum((part) => part.slots);
  }

  get deletedSlots(): number {
    return this.sum((part) => part.deletedSlots);
  }

  private sum(of: (part: HnswGraph) => number): number {
    let total = 0;
    for (const part of this.parts) total += of(part);
    return total;
  }
}
