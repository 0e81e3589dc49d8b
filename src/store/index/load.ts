/**
 * Opening a saved snapshot: checks that it belongs to this model and store, reads the graph,
 * marks live the passages the store still has, and replays what changed since it was written.
 * Returns why it cannot be used instead (the caller then rebuilds from the store).
 */
import type { Generation } from '../store-api.ts';
import { PartitionedGraph } from './partitions.ts';
import { replay, type IndexSource } from './rebuild.ts';
import type { HnswSettings } from './settings.ts';
import { MANIFEST_VERSION, type SnapshotFiles } from './snapshot.ts';

export interface LoadedSnapshot {
  graph: PartitionedGraph;
  /** The store generation the graph now reflects (the snapshot's, plus the replayed changes). */
  generation: Generation;
  /** The generation the file on disk was written at. */
  snapshotGeneration: Generation;
  /** Passages changed since the file was written, all replayed into the graph. */
  replayed: number;
}

export interface SnapshotIdentity {
  model: string;
  dim: number;
  settings: HnswSettings;
}

/** The loaded snapshot, or why it could not be used. Call under the files' lock. */
export async function loadSnapshot(
  files: SnapshotFiles,
  source: IndexSource,
  identity: SnapshotIdentity,
): Promise<LoadedSnapshot | string> {
  const manifest = files.readManifest();
  if (typeof manifest === 'string') return manifest;
  if (manifest.version !== MANIFEST_VERSION) return 'it was written in an older format';
  if (manifest.model !== identity.model || manifest.dim !== identity.dim) return 'it was built for another model';
  // Read in this order so that each read covers what the one before it saw: a passage in `ids`
  // that is absent from `changed` was unchanged since the file, whatever commits meanwhile.
  const ids = await source.allPassageIds();
  const current = await source.generation();
  if (manifest.generation > current) return 'it is newer than the store (was the store restored from a backup?)';
  const changed = manifest.generation < current ? await source.changesSince(manifest.generation) : [];
  if (changed === null) return 'it is older than the store, by more than its change log keeps';
  const damaged = await files.check(manifest);
  if (damaged) return damaged;
  try {
    const { graph, labels } = await PartitionedGraph.read(
      files.partitionFiles(manifest.partitions),
      identity.dim,
      identity.settings,
    );
    if (labels.length !== manifest.slots) return 'it does not have one slot per passage';
    const inFile = new Set(labels);
    const changedSet = new Set(changed);
    // Passages no change touched since the file was saved must be in it, live.
    let unchanged = 0;
    for (const id of ids) {
      if (changedSet.has(id)) continue;
      if (!inFile.has(id)) return 'it lacks passages that the store has';
      graph.adopt(id);
      unchanged++;
    }
    if (manifest.count < unchanged || manifest.count > unchanged + changed.length)
      return 'its size does not match the store';
    // A changed passage the file holds may be live or deleted in it (hnswlib-node can't tell):
    // delete it quietly first, then give it its stored vector, if it still has one.
    for (const id of changed) if (inFile.has(id)) graph.removeFromFile(id);
    await replay(source, graph, changed);
    return { graph, generation: current, snapshotGeneration: manifest.generation, replayed: changed.length };
  } catch (error) {
    return `it is unreadable (${error instanceof Error ? error.message : String(error)})`;
  }
}
