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
 *
 * Nothing here may hold the event loop for long, since the bot answers questions meanwhile:
 * at 100,000 passages the file is 210 MB, and writing and hashing it took about a second.
 * hnswlib writes it on a libuv thread, the digest is streamed, and compaction inserts in
 * slices, and so does the rebuild at open when the caller asks for it in the background (the bot
 * does: at 100,000 passages it takes about 50 s). While the file is written or the index
 * compacted, searches go on but changes wait (`whenWritable`): the engine commits a store change
 * and mirrors it here in one synchronous step after that wait, so whenever a save starts, the
 * index matches the store's generation. A background rebuild lasts too long for that: changes
 * go ahead during it, are mirrored into the growing index, and are replayed once more from the
 * store's log when it ends.
 *
 * Other processes change the store too (the CLI's `ingest` while the bot runs), and save the same
 * files: the pair is swapped in and read under a lock file (`withFilesLocked`). The store logs
 * which passages each generation changed; the index knows the generation it reflects and,
 * before a search and after each change of its own, replays the passages changed since then
 * (a large backlog in slices, like a rebuild). It rebuilds when the log no longer reaches back.
 */
import hnswlib from 'hnswlib-node';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, rmSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors.ts';
import type { Store } from './db.ts';
import { withFileLock } from './file-lock.ts';

const { HierarchicalNSW } = hnswlib;
type Hnsw = InstanceType<typeof HierarchicalNSW>;

const INITIAL_CAPACITY = 1024;
const M = 16;
const EF_CONSTRUCTION = 200;
const EF_SEARCH = 64;
const RANDOM_SEED = 100;
/** Points inserted between yields to the event loop while rebuilding in the background (about 30 ms of work). */
const SLICE = 50;
/** Changed passages replayed at once; more are replayed in slices (about 0.5 ms each at 512-d). */
const REPLAY_AT_ONCE = 200;
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

/** The file's sha256, read in chunks so the event loop stays free (the file reaches 200 MB). */
async function fileDigest(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export type IndexLoad = 'loaded' | 'built' | 'rebuilt';

/** A committed store change, as the index mirrors it: passages gone, and passages added or replaced. */
export interface IndexChange {
  removed: readonly number[];
  added: readonly { label: number; vector: Float32Array }[];
}

/** How far a rebuild in the background has come. */
export interface RebuildProgress {
  indexed: number;
  total: number;
}

export interface OpenOptions {
  /** One-line notices for the user (why the index is rebuilt, and when it is done). */
  notice?: (message: string) => void;
  /**
   * Rebuild a missing or stale index in slices and return at once, searching the passages
   * inserted so far meanwhile (the bot); otherwise open returns once the index is complete.
   */
  background?: boolean;
}

export class VectorIndex {
  private index: Hnsw;
  private live = new Set<number>();
  readonly dim: number;
  readonly model: string;
  private readonly file: string;
  private readonly manifestFile: string;
  /** Held by whichever process swaps in or reads the pair of files (see `withFilesLocked`). */
  private readonly lockFile: string;
  /** The store generation this index reflects; changes after it are replayed from the store's log. */
  private generation = 0;
  private notice: (message: string) => void = () => {};
  /** Passages changed after the loaded file was saved, replayed at open from the store's log. */
  private replayedAtOpen = 0;
  /** How the index was obtained at open (and why, when rebuilt). */
  loadedAs: IndexLoad = 'built';
  rebuildReason: string | null = null;
  /** Set while the file is written or the index compacted: changes must wait for it. */
  private busy: Promise<unknown> | null = null;
  /** Set while a background rebuild runs. */
  private rebuildProgress: RebuildProgress | null = null;
  /** The background rebuild, up to its save: awaited before closing. Changes don't wait for it. */
  private filling: Promise<void> = Promise.resolve();
  /** False while a background rebuild runs, and after one was stopped: such an index is never saved. */
  private complete = true;
  /** Set by stopBackgroundWork(): background slices stop at their next yield. */
  private stopRequested = false;
  /** The chain of saves, one at a time. */
  private saving: Promise<void> = Promise.resolve();
  /** A save is queued behind the running one; further requests share it. */
  private saveQueued: Promise<void> | null = null;

  private constructor(dataDir: string, model: string, dim: number) {
    this.model = model;
    this.dim = dim;
    this.file = join(dataDir, 'index.hnsw');
    this.manifestFile = join(dataDir, 'index.json');
    this.lockFile = join(dataDir, 'index.lock');
    this.index = VectorIndex.emptyIndex(dim, INITIAL_CAPACITY);
  }

  private static emptyIndex(dim: number, capacity: number): Hnsw {
    const index = new HierarchicalNSW('cosine', dim);
    index.initIndex({ maxElements: capacity, m: M, efConstruction: EF_CONSTRUCTION, randomSeed: RANDOM_SEED, allowReplaceDeleted: false });
    index.setEf(EF_SEARCH);
    return index;
  }

  /** Loads the persisted index if it matches the store; otherwise rebuilds it from stored vectors. */
  static async open(dataDir: string, store: Store, model: string, dim: number, options: OpenOptions = {}): Promise<VectorIndex> {
    const notice = options.notice ?? (() => {});
    const vectors = new VectorIndex(dataDir, model, dim);
    vectors.notice = notice;
    // Read under the files' lock: another process swapping in its save meanwhile would pair one
    // process's index.hnsw with the other's index.json (the checksum would then force a rebuild).
    const problem = await vectors.withFilesLocked(() => vectors.tryLoad(store));
    if (problem === null) {
      vectors.loadedAs = 'loaded';
      if (vectors.replayedAtOpen > 0) {
        notice(`loaded the vector index and took in ${vectors.replayedAtOpen} ${vectors.replayedAtOpen === 1 ? 'passage' : 'passages'} changed after it was saved`);
        // Saved again (off the event loop) so the next open loads it directly.
        vectors.save(store).catch((error: unknown) => notice(`could not save the vector index: ${error instanceof Error ? error.message : String(error)}`));
      }
      return vectors;
    }
    const stored = store.countPassages();
    vectors.loadedAs = problem === 'missing' ? 'built' : 'rebuilt';
    vectors.rebuildReason = problem === 'missing' ? null : problem;
    if (options.background && stored > 0) {
      const why = problem === 'missing' ? 'its file is missing' : problem;
      notice(`rebuilding the vector index from ${stored} stored passages (${why}) in the background; until it is done, passages not yet indexed are found by their words only`);
      vectors.rebuildInBackground(store);
      return vectors;
    }
    // About 1,700 passages a second on 2 cores: say so before a wait that can last a minute.
    if (problem !== 'missing' && stored > 0) notice(`rebuilding the vector index from ${stored} stored passages (${problem})…`);
    vectors.rebuild(store);
    if (vectors.size > 0 || problem !== 'missing') await vectors.save(store);
    return vectors;
  }

  /**
   * Inserts the stored vectors into a fresh index in slices, searchable as it grows; changes
   * don't wait (see `update`). Saved when complete; if stopped (the process is
   * closing), never saved, so the next open rebuilds again.
   */
  private rebuildInBackground(store: Store): void {
    const started = performance.now();
    // Read before the passages: whatever changes meanwhile is replayed afterwards.
    this.generation = store.generation();
    const total = store.countPassages();
    this.index = VectorIndex.emptyIndex(this.dim, VectorIndex.capacityFor(total));
    this.live = new Set();
    this.complete = false;
    const progress: RebuildProgress = { indexed: 0, total };
    this.rebuildProgress = progress;
    // A line in the bot's log at each quarter, for operators watching a rebuild of a minute or more.
    let nextQuarter = 1;
    const afterSlice = () => {
      progress.indexed = this.live.size;
      if (nextQuarter < 4 && progress.indexed >= (total * nextQuarter) / 4) {
        this.notice(`rebuilding the vector index: ${progress.indexed} of ${total} passages (${25 * nextQuarter++}%)`);
      }
    };
    // One chain up to the save, so that closing (flush) waits for a save under way.
    this.filling = this.fillInSlices(store, this.index, this.live, afterSlice)
      .finally(() => (this.rebuildProgress = null))
      .then(async (finished) => {
        if (!finished) return;
        this.complete = true;
        // Changes made meanwhile were mirrored as they came, but one may have landed behind the
        // slice being read: replaying everything changed since the rebuild began settles it.
        await this.whenWritable(() => this.syncWith(store));
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        try {
          await this.save(store);
        } catch (error) {
          this.notice(`rebuilt the vector index from the store in ${seconds} s, but could not save it (${error instanceof Error ? error.message : String(error)}); the next start rebuilds it again`);
          return;
        }
        this.notice(`rebuilt the vector index from the store: ${this.live.size} passages in ${seconds} s`);
      })
      .catch((error: unknown) => {
        this.notice(`the vector index could not be rebuilt in the background (${error instanceof Error ? error.message : String(error)}); passages not yet indexed are found by their words only until the next start`);
      });
  }

  /** Set while a background rebuild runs: how many passages are searchable by meaning so far. */
  get rebuilding(): RebuildProgress | null {
    return this.rebuildProgress ? { ...this.rebuildProgress } : null;
  }

  /**
   * Stops a background rebuild or compaction at its next slice, before closing: a stopped
   * rebuild is not saved (the next open rebuilds), a stopped compaction keeps the current index.
   */
  stopBackgroundWork(): void {
    this.stopRequested = true;
  }

  /**
   * The bot and the CLI save and load the same pair of files; a save swaps both in under this
   * lock, and a load reads both under it. A holder that waits too long (a stuck process) is
   * passed by: the checksum still catches a mismatched pair.
   */
  private withFilesLocked<T>(work: () => Promise<T>): Promise<T> {
    return withFileLock(this.lockFile, work, {
      onTimeout: () => this.notice(`went ahead without the index files' lock (${this.lockFile}), held by another citebot process for over 10 s`),
    });
  }

  /** Returns null when the file was loaded, else why it could not be used. */
  private async tryLoad(store: Store): Promise<string | null> {
    if (!existsSync(this.file) || !existsSync(this.manifestFile)) return 'missing';
    let manifest: Manifest;
    try {
      manifest = JSON.parse(readFileSync(this.manifestFile, 'utf8')) as Manifest;
    } catch {
      return 'its manifest is unreadable';
    }
    if (manifest.version !== MANIFEST_VERSION) return 'it was written in an older format';
    if (manifest.model !== this.model || manifest.dim !== this.dim) return 'it was built for another model';
    // Read before anything else of the store: a change made meanwhile is replayed by the next search.
    const current = store.generation();
    if (manifest.generation > current) return 'it is newer than the store (was the store restored from a backup?)';
    // A file older than the store (the process stopped between a change and its save) is brought
    // up to date from the store's change log, when the log reaches back that far.
    const changed = manifest.generation < current ? store.passagesChangedSince(manifest.generation) : [];
    if (changed === null) return 'it is older than the store, by more than its change log keeps';
    if ((await fileDigest(this.file)) !== manifest.sha256) return 'the file is damaged (its checksum does not match)';
    try {
      const index = new HierarchicalNSW('cosine', this.dim);
      await index.readIndex(this.file, false);
      index.setEf(EF_SEARCH);
      const ids = index.getIdsList();
      if (index.getCurrentCount() !== manifest.slots || ids.length !== manifest.slots) return 'it does not have one slot per passage';
      const labels = new Set(ids);
      const changedSet = new Set(changed);
      // Passages no change touched since the file was saved must be in it, live.
      const unchanged = [...store.passageRowids(store.listCollections())].filter((rowid) => !changedSet.has(rowid));
      if (manifest.count < unchanged.length || manifest.count > unchanged.length + changed.length) return 'its size does not match the store';
      for (const label of unchanged) if (!labels.has(label)) return 'it lacks passages that the store has';
      this.index = index;
      this.live = new Set(unchanged);
      for (const rowid of changed) {
        const vector = store.vectorOf(rowid);
        if (vector) this.add(rowid, vector);
        else if (labels.has(rowid)) this.markDeletedInFile(rowid);
      }
      this.generation = current;
      this.replayedAtOpen = changed.length;
      return null;
    } catch (error) {
      return `it is unreadable (${error instanceof Error ? error.message : String(error)})`;
    }
  }

  /** Deletes a label the loaded file may hold live or already deleted (hnswlib-node can't tell which). */
  private markDeletedInFile(label: number): void {
    try {
      this.index.markDelete(label);
    } catch {
      // already deleted in the file
    }
  }

  /** Rebuilds from the vectors in the store. */
  rebuild(store: Store): void {
    this.generation = store.generation();
    const entries = [...store.allVectors()];
    this.index = VectorIndex.emptyIndex(this.dim, VectorIndex.capacityFor(entries.length));
    this.live = new Set();
    for (const { rowid, vector } of entries) this.add(rowid, vector);
    this.complete = true;
  }

  private static capacityFor(count: number): number {
    let capacity = INITIAL_CAPACITY;
    while (capacity < count) capacity *= 2;
    return capacity;
  }

  /**
   * Rebuilds without deleted slots, in slices (reading the store a page at a time: reading all
   * 100,000 vectors at once held the event loop 1.1 s), while searches keep using the current
   * index. Changes wait (`busy`), so the store holds still meanwhile. Should hnswlib fail, the
   * current index stays: it is complete, only not compacted.
   */
  compact(store: Store): Promise<void> {
    return this.exclusive(this.compactInSlices(store).catch(() => {}));
  }

  /** Marks `work` as the one that changes must wait for (`whenWritable`) until it settles. */
  private exclusive<T>(work: Promise<T>): Promise<T> {
    const running = work.finally(() => {
      if (this.busy === running) this.busy = null;
    });
    this.busy = running;
    return running;
  }

  private async compactInSlices(store: Store): Promise<void> {
    const generation = store.generation();
    const index = VectorIndex.emptyIndex(this.dim, VectorIndex.capacityFor(this.live.size));
    const live = new Set<number>();
    if (!(await this.fillInSlices(store, index, live))) return;
    this.index = index;
    this.live = live;
    this.generation = generation;
  }

  /**
   * Inserts every stored vector into `index`, a page of the store at a time with a yield between
   * pages. Returns false when stopped (stopBackgroundWork) before the end.
   */
  private async fillInSlices(store: Store, index: Hnsw, live: Set<number>, afterSlice: () => void = () => {}): Promise<boolean> {
    for (let after = 0; ; ) {
      await yieldToEventLoop();
      if (this.stopRequested) return false;
      const page = store.vectorsAfter(after, SLICE);
      if (page.length === 0) return true;
      if (index.getCurrentCount() + page.length > index.getMaxElements()) index.resizeIndex(index.getMaxElements() * 2);
      for (const { rowid, vector } of page) {
        index.addPoint(Array.from(vector), rowid, false);
        live.add(rowid);
      }
      after = page.at(-1)!.rowid;
      afterSlice();
    }
  }

  /**
   * Runs `change` once no file write or compaction is running, in the same synchronous step as
   * that check: a store change and its mirror here must both happen inside `change`.
   */
  async whenWritable<T>(change: () => T): Promise<T> {
    while (this.busy) await this.busy.catch(() => {});
    return change();
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
  update(store: Store, change: IndexChange): string | null {
    if (this.busy) throw new Error('the vector index was changed while it was being written or compacted (change it inside whenWritable)');
    for (const { vector } of change.added) {
      if (vector.length !== this.dim) throw new Error(`vector of dimension ${vector.length} given to an index of dimension ${this.dim}`);
    }
    try {
      this.apply(change);
    } catch (error) {
      // During a background rebuild, the replay after its last slice repairs what failed here.
      if (this.rebuildProgress) return null;
      return this.rebuildOutOfSync(store, error);
    }
    // During a background rebuild the change is in the growing index at once (a new article is
    // found by meaning right away), but the generation stays where the rebuild began: the replay
    // after its last slice covers the change again.
    if (this.rebuildProgress) return null;
    // One generation further: only this change happened. Otherwise another process changed the
    // store as well; replaying the log covers its changes and this one again (idempotently).
    const now = store.generation();
    if (now === this.generation + 1) this.generation = now;
    else {
      const repaired = this.catchUp(store);
      if (repaired !== null) return repaired;
    }
    if (!this.busy && this.deletedSlots > Math.max(this.live.size, INITIAL_CAPACITY)) void this.compact(store);
    return null;
  }

  private apply(change: IndexChange): void {
    for (const label of change.removed) this.remove(label);
    for (const { label, vector } of change.added) this.add(label, vector);
  }

  private rebuildOutOfSync(store: Store, error: unknown): string {
    this.rebuild(store);
    this.rebuildReason = `it was out of sync with the store: ${error instanceof Error ? error.message : String(error)}`;
    return this.rebuildReason;
  }

  /**
   * Catches up with changes other processes made to the store since this index's generation
   * (the CLI's ingest while the bot runs). Call before searching; does nothing while the index
   * is being written, rebuilt or compacted (the next search catches up).
   */
  syncWith(store: Store): void {
    if (this.busy || this.rebuildProgress || store.generation() === this.generation) return;
    this.assertStoreModel(store);
    const repaired = this.catchUp(store);
    if (repaired !== null) this.notice(`rebuilt the vector index from the store (${repaired})`);
  }

  /**
   * Throws when another process re-embedded the store with another model (`npm run reindex`):
   * this process's questions and new passages would be embedded with the old one.
   */
  assertStoreModel(store: Store): void {
    const recorded = store.model();
    if (recorded && recorded.id !== this.model) {
      throw new UserError(
        'index_model_mismatch',
        `the library was re-embedded with ${recorded.id} by another citebot process (npm run reindex) while this one runs with ${this.model}; restart citebot to use it`,
      );
    }
  }

  /**
   * Replays the passages changed since this index's generation: a few at once, a large backlog
   * in slices (searches meanwhile see what is replayed so far; changes wait). When the log does
   * not reach back that far, rebuilds in the background. Returns why, if it had to rebuild at once.
   */
  private catchUp(store: Store): string | null {
    const target = store.generation();
    const changed = store.passagesChangedSince(this.generation);
    if (changed === null) {
      this.notice(`rebuilding the vector index: the store changed more than its change log keeps since this index was made`);
      this.rebuildInBackground(store);
      return null;
    }
    if (changed.length <= REPLAY_AT_ONCE) {
      try {
        this.replay(store, changed);
      } catch (error) {
        return this.rebuildOutOfSync(store, error);
      }
      this.generation = target;
      return null;
    }
    void this.exclusive(
      this.replayInSlices(store, changed, target).catch((error: unknown) => {
        this.notice(`rebuilt the vector index from the store (${this.rebuildOutOfSync(store, error)})`);
      }),
    );
    return null;
  }

  /** Brings each passage to its stored state: its current vector, or gone. */
  private replay(store: Store, rowids: readonly number[]): void {
    for (const rowid of rowids) {
      const vector = store.vectorOf(rowid);
      if (vector) this.add(rowid, vector);
      else this.remove(rowid);
    }
  }

  private async replayInSlices(store: Store, rowids: readonly number[], target: number): Promise<void> {
    for (let start = 0; start < rowids.length; start += SLICE) {
      await yieldToEventLoop();
      if (this.stopRequested) return;
      this.replay(store, rowids.slice(start, start + SLICE));
    }
    this.generation = target;
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
    // hnswlib throws when asked for more neighbours than pass the filter; counting stops at k.
    let candidates = 0;
    for (const label of allowed) if (this.live.has(label) && ++candidates >= k) break;
    const wanted = Math.min(k, candidates);
    if (wanted <= 0) return [];
    const filter = allowed.size === this.live.size ? undefined : (label: number) => allowed.has(label);
    const { neighbors, distances } = this.index.searchKnn(Array.from(query), wanted, filter);
    return neighbors.map((rowid, i) => ({ rowid, similarity: 1 - distances[i]! }));
  }

  /**
   * Saves the index as it is now: to a temporary file, then renamed, so a crash never leaves
   * a half-written index. Saves run one at a time; requests made while one runs share the
   * next save, which captures the latest state. Resolves when that state is on disk.
   */
  save(store: Store): Promise<void> {
    // A partly rebuilt index must not be taken for the store's: the next open rebuilds it.
    if (!this.complete) return Promise.resolve();
    if (this.saveQueued) return this.saveQueued;
    const queued = this.saving.catch(() => {}).then(async () => {
      this.saveQueued = null;
      // Take in what other processes changed first, so the file is tagged with the newest generation.
      await this.whenWritable(() => this.syncWith(store));
      const written = await this.whenWritable(() => this.startWriting());
      await this.finishWriting(written);
    });
    this.saveQueued = queued;
    this.saving = queued;
    return queued;
  }

  /** Captures what the file will hold and starts hnswlib writing it on its own thread. */
  private startWriting(): { tmp: string; manifest: Omit<Manifest, 'sha256'>; writing: Promise<unknown> } {
    const tmp = `${this.file}.${process.pid}.tmp`;
    const manifest = {
      version: MANIFEST_VERSION,
      model: this.model,
      dim: this.dim,
      generation: this.generation,
      count: this.live.size,
      slots: this.index.getCurrentCount(),
    };
    const writing = this.exclusive(this.index.writeIndex(tmp));
    return { tmp, manifest, writing };
  }

  private async finishWriting({ tmp, manifest, writing }: ReturnType<VectorIndex['startWriting']>): Promise<void> {
    try {
      await writing;
      const sha256 = await fileDigest(tmp);
      const tmpManifest = `${this.manifestFile}.${process.pid}.tmp`;
      await writeFile(tmpManifest, JSON.stringify({ ...manifest, sha256 }, null, 2));
      await this.withFilesLocked(async () => {
        await rename(tmp, this.file);
        await rename(tmpManifest, this.manifestFile);
      });
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  }

  /**
   * Resolves once every requested save and any compaction have finished (before closing, or
   * replacing the files). A failed save has already rejected the promise of whoever requested it.
   */
  async flush(): Promise<void> {
    await this.filling;
    await this.saving.catch(() => {});
    await this.whenWritable(() => {});
  }

  static remove(dataDir: string): void {
    rmSync(join(dataDir, 'index.hnsw'), { force: true });
    rmSync(join(dataDir, 'index.json'), { force: true });
  }
}
