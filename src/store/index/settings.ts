import { availableParallelism } from 'node:os';

/**
 * The index's settings and their defaults, read by src/config.ts from HNSW_M, HNSW_EF_CONSTRUCTION,
 * HNSW_EF_SEARCH and INDEX_SNAPSHOT_CHANGES. Why these defaults: docs/performance.md (recall and
 * speed measured at 100k and 1M passages).
 */
export interface HnswSettings {
  /** Links per node: more raise recall and memory (8 bytes per link and node at level 0). */
  m: number;
  /** Candidates weighed while inserting: more raise recall and slow inserts and rebuilds. */
  efConstruction: number;
  /** Candidates weighed while searching: more raise recall and slow questions. */
  efSearch: number;
}

export interface IndexSettings extends HnswSettings {
  /** At most this many changed passages are left to replay at the next open before the snapshot is rewritten. */
  snapshotChanges: number;
  /**
   * Graphs a rebuild spreads the passages over, built at once on as many cores (partitions.ts);
   * default: the cores available, at most 4. A saved index keeps its own count until it is rebuilt.
   */
  partitions?: number;
  /** Below this many stored passages a rebuild runs on the main thread (starting workers costs more); default 5,000. */
  parallelFrom?: number;
}

/** The partitions a new graph gets. */
export function partitionsOf(settings: IndexSettings): number {
  return settings.partitions ?? Math.max(1, Math.min(4, availableParallelism()));
}

export const DEFAULT_INDEX_SETTINGS: Readonly<IndexSettings> = {
  m: 16,
  efConstruction: 200,
  efSearch: 128,
  snapshotChanges: 2_000,
};
