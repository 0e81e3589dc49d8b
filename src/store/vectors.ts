/**
 * The HNSW vector index (hnswlib-node, cosine). It is a cache of the vectors in the
 * store: labels are passage rowids, and a manifest records the store generation it
 * reflects. A missing, stale or unreadable file is rebuilt from the store, and so is
 * the index in memory if hnswlib ever refuses a change (it is out of sync).
 *
 * Labels are reused: SQLite hands out the rowids of deleted rows at the end of the
 * table again (removing or editing the newest article does it). So every label has at
 * most one slot, and a reused label takes its old slot back: hnswlib's plain addPoint
 * updates and undeletes an existing label in place. Its replace-deleted mode is not
 * used: it fills any deleted slot without checking that the label is new, which left a
 * label on two slots; when the older slot was refilled, hnswlib dropped the label from
 * its lookup table and removing it threw "Label not found".
 */
import hnswlib from 'hnswlib-node';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from './db.ts';

const { HierarchicalNSW } = hnswlib;
type Hnsw = InstanceType<typeof HierarchicalNSW>;

const INITIAL_CAPACITY = 1024;
const M = 16;
const EF_CONSTRUCTION = 200;
const EF_SEARCH = 64;
const RANDOM_SEED = 100;
/** 2: one slot per label. Files of version 1 may hold a label twice (see above), so they are rebuilt. */
const MANIFEST_VERSION = 2;

interface Manifest {
  version: number;
  model: string;
  dim: number;
  generation: number;
  count: number;
  /** Slots in the file, live or deleted. */
  slots: number;
  /** sha256 of index.hnsw: hnswlib aborts the process on a damaged file, so check first. */
  sha256: string;
}

function fileDigest(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

export type IndexLoad = 'loaded' | 'built' | 'rebuilt';

export class VectorIndex {
  private index: Hnsw;
  private live = new Set<number>();
  readonly dim: number;
  readonly model: string;
  private readonly file: string;
  private readonly manifestFile: string;
  /** How the index was obtained at open (and why, when rebuilt). */
  loadedAs: IndexLoad = 'built';
  rebuildReason: string | null = null;

  private constructor(dataDir: string, model: string, dim: number) {
    this.model = model;
    this.dim = dim;
    this.file = join(dataDir, 'index.hnsw');
    this.manifestFile = join(dataDir, 'index.json');
    this.index = VectorIndex.emptyIndex(dim, INITIAL_CAPACITY);
  }

  private static emptyIndex(dim: number, capacity: number): Hnsw {
    const index = new HierarchicalNSW('cosine', dim);
    index.initIndex({ maxElements: capacity, m: M, efConstruction: EF_CONSTRUCTION, randomSeed: RANDOM_SEED, allowReplaceDeleted: false });
    index.setEf(EF_SEARCH);
    return index;
  }

  /** Loads the persisted index if it matches the store; otherwise rebuilds it from stored vectors. */
  static open(dataDir: string, store: Store, model: string, dim: number): VectorIndex {
    const vectors = new VectorIndex(dataDir, model, dim);
    const problem = vectors.tryLoad(store);
    if (problem === null) {
      vectors.loadedAs = 'loaded';
      return vectors;
    }
    vectors.rebuild(store);
    vectors.loadedAs = problem === 'missing' ? 'built' : 'rebuilt';
    vectors.rebuildReason = problem === 'missing' ? null : problem;
    if (vectors.size > 0 || problem !== 'missing') vectors.save(store);
    return vectors;
  }

  /** Returns null when the file was loaded, else why it could not be used. */
  private tryLoad(store: Store): string | null {
    if (!existsSync(this.file) || !existsSync(this.manifestFile)) return 'missing';
    let manifest: Manifest;
    try {
      manifest = JSON.parse(readFileSync(this.manifestFile, 'utf8')) as Manifest;
    } catch {
      return 'its manifest is unreadable';
    }
    if (manifest.version !== MANIFEST_VERSION) return 'it was written in an older format';
    if (manifest.model !== this.model || manifest.dim !== this.dim) return 'it was built for another model';
    if (manifest.generation !== store.generation()) return 'it is older than the store';
    if (fileDigest(this.file) !== manifest.sha256) return 'the file is damaged (its checksum does not match)';
    try {
      const index = new HierarchicalNSW('cosine', this.dim);
      index.readIndexSync(this.file, false);
      index.setEf(EF_SEARCH);
      const live = store.passageRowids(store.listCollections());
      if (manifest.count !== live.size) return 'its size does not match the store';
      const ids = index.getIdsList();
      if (index.getCurrentCount() !== manifest.slots || ids.length !== manifest.slots) return 'it does not have one slot per passage';
      const labels = new Set(ids);
      for (const label of live) if (!labels.has(label)) return 'it lacks passages that the store has';
      this.index = index;
      this.live = new Set(live);
      return null;
    } catch (error) {
      return `it is unreadable (${error instanceof Error ? error.message : String(error)})`;
    }
  }

  /** Rebuilds from the vectors in the store. */
  rebuild(store: Store): void {
    const entries = [...store.allVectors()];
    let capacity = INITIAL_CAPACITY;
    while (capacity < entries.length) capacity *= 2;
    this.index = VectorIndex.emptyIndex(this.dim, capacity);
    this.live = new Set();
    for (const { rowid, vector } of entries) this.add(rowid, vector);
  }

  get size(): number {
    return this.live.size;
  }

  get capacity(): number {
    return this.index.getMaxElements();
  }

  /** Slots held by deleted passages (kept until their rowid comes back, or the index is compacted). */
  get deletedSlots(): number {
    return this.index.getCurrentCount() - this.live.size;
  }

  /**
   * Applies a change the store has committed. If hnswlib refuses it (the index disagrees
   * with the store), the index is rebuilt from the store: returns why, else null. When
   * deleted slots come to outnumber live ones, it is also rebuilt, to compact it.
   */
  update(store: Store, change: { removed: readonly number[]; added: readonly { label: number; vector: Float32Array }[] }): string | null {
    for (const { vector } of change.added) {
      if (vector.length !== this.dim) throw new Error(`vector of dimension ${vector.length} given to an index of dimension ${this.dim}`);
    }
    try {
      for (const label of change.removed) this.remove(label);
      for (const { label, vector } of change.added) this.add(label, vector);
    } catch (error) {
      this.rebuild(store);
      this.rebuildReason = `it was out of sync with the store: ${error instanceof Error ? error.message : String(error)}`;
      return this.rebuildReason;
    }
    if (this.deletedSlots > Math.max(this.live.size, INITIAL_CAPACITY)) this.rebuild(store);
    return null;
  }

  /** Adds a passage, or replaces the vector of a label the index has (live or deleted) in its own slot. */
  add(label: number, vector: Float32Array): void {
    if (vector.length !== this.dim) throw new Error(`vector of dimension ${vector.length} given to an index of dimension ${this.dim}`);
    if (this.index.getCurrentCount() >= this.index.getMaxElements()) {
      this.index.resizeIndex(this.index.getMaxElements() * 2);
    }
    this.index.addPoint(Array.from(vector), label, false);
    this.live.add(label);
  }

  remove(label: number): void {
    if (!this.live.has(label)) return;
    this.index.markDelete(label);
    this.live.delete(label);
  }

  /** Nearest passages among `allowed` labels, best first, with cosine similarity. */
  search(query: Float32Array, k: number, allowed: ReadonlySet<number>): { rowid: number; similarity: number }[] {
    let candidates = 0;
    for (const label of allowed) if (this.live.has(label)) candidates++;
    const wanted = Math.min(k, candidates);
    if (wanted <= 0) return [];
    const filter = allowed.size === this.live.size ? undefined : (label: number) => allowed.has(label);
    const { neighbors, distances } = this.index.searchKnn(Array.from(query), wanted, filter);
    return neighbors.map((rowid, i) => ({ rowid, similarity: 1 - distances[i]! }));
  }

  /** Writes to a temporary file, then renames, so a crash never leaves a half-written index. */
  save(store: Store): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    this.index.writeIndexSync(tmp);
    renameSync(tmp, this.file);
    const manifest: Manifest = {
      version: MANIFEST_VERSION,
      model: this.model,
      dim: this.dim,
      generation: store.generation(),
      count: this.live.size,
      slots: this.index.getCurrentCount(),
      sha256: fileDigest(this.file),
    };
    const tmpManifest = `${this.manifestFile}.${process.pid}.tmp`;
    writeFileSync(tmpManifest, JSON.stringify(manifest, null, 2));
    renameSync(tmpManifest, this.manifestFile);
  }

  static remove(dataDir: string): void {
    rmSync(join(dataDir, 'index.hnsw'), { force: true });
    rmSync(join(dataDir, 'index.json'), { force: true });
  }
}
