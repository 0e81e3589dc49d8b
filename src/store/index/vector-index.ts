/**
 * The HNSW vector index: a cache of the store's vectors. Labels are passage rowids; the index
 * knows the store generation it reflects, and catches up from the store's change log (its own
 * changes, and those of other processes sharing the store, like the CLI's `ingest` while the bot
 * runs). It rebuilds from the store only when its file is missing, damaged, made for another
 * model, or older than the change log reaches.
 *
 * Changes cost what they change: a change is applied to the graph in memory, and the snapshot on
 * disk (snapshot.ts) is rewritten only once the passages changed since it are worth it (see
 * `snapshotDue`), and on close; the next open replays the rest from the change log.
 *
 * One explicit phase says what the index is doing, and so what a change and a save may do:
 * - ready: changes are applied at once;
 * - writing: a snapshot is being written on a libuv thread; searches go on, changes wait for it
 *   (`whenWritable`: the graph must not change under hnswlib). Snapshots are rare, so a change
 *   waits for one now and then, not each time;
 * - rebuilding: a background rebuild; the graph is searched as it grows, changes are mirrored
 *   into it and replayed once more from the log at the end; never saved until complete;
 * - compacting / replaying: a new graph built in slices, or a large backlog replayed in slices;
 *   searches go on, changes wait (`whenWritable`);
 * - abandoned: a rebuild stopped by a shutdown; never saved, the next open rebuilds.
 */
import { UserError } from '../../errors.ts';
import { HnswGraph, INITIAL_CAPACITY } from './hnsw.ts';
import {
  fillAtOnce,
  fillInSlices,
  replay,
  replayInSlices,
  SLICE,
  yieldToEventLoop,
  type IndexStore,
} from './rebuild.ts';
import { MANIFEST_VERSION, SnapshotFiles, type Manifest } from './snapshot.ts';

import { DEFAULT_INDEX_SETTINGS, type IndexSettings } from './settings.ts';

export type { IndexStore } from './rebuild.ts';

/** Changed passages replayed at once; more are replayed in slices (about 0.5 ms each at 384-d). */
const REPLAY_AT_ONCE = 200;
/**
 * The snapshot is rewritten once the changed passages reach 1/50 of the index (so at most about
 * 2% of a rewrite's cost goes to each change), capped by `snapshotChanges` (the replay at the next
 * open), and always before the store's change log (20,000 generations) stops reaching back.
 */
const SNAPSHOT_SHARE = 50;
const SNAPSHOT_GENERATIONS = 10_000;

export type IndexLoad = 'loaded' | 'built' | 'rebuilt';

/** A committed store change, as the index mirrors it: passages gone, and passages added or replaced. */
export interface IndexChange {
  removed: readonly number[];
  added: readonly { label: number; vector: Float32Array }[];
}

export interface RebuildProgress {
  indexed: number;
  total: number;
}

export interface OpenOptions {
  notice?: (message: string) => void;
  /** Rebuild a missing or stale index in slices and return at once (the bot); otherwise open waits for it. */
  background?: boolean;
  settings?: IndexSettings;
}

type Phase =
  | { kind: 'ready' }
  | { kind: 'writing'; done: Promise<unknown> }
  | { kind: 'rebuilding'; progress: RebuildProgress }
  | { kind: 'compacting' | 'replaying'; done: Promise<unknown> }
  | { kind: 'abandoned' };

export class VectorIndex {
  readonly dim: number;
  readonly model: string;
  private readonly settings: IndexSettings;
  private readonly files: SnapshotFiles;
  private readonly notice: (message: string) => void;
  private graph: HnswGraph;
  private phase: Phase = { kind: 'ready' };
  /** The store generation the graph reflects; later changes are replayed from the store's log. */
  private generation = 0;
  /** The generation of the snapshot on disk, and how many passages changed since (approximately: a passage changed twice counts twice). */
  private snapshotGeneration = -1;
  private backlog = 0;
  /** The running snapshot, and the background rebuild up to its save: awaited before closing. */
  private snapshotting: Promise<void> | null = null;
  private filling: Promise<void> = Promise.resolve();
  private stopRequested = false;
  loadedAs: IndexLoad = 'built';
  rebuildReason: string | null = null;

  private constructor(
    dataDir: string,
    model: string,
    dim: number,
    settings: IndexSettings,
    notice: (message: string) => void,
  ) {
    this.model = model;
    this.dim = dim;
    this.settings = settings;
    this.notice = notice;
    this.files = new SnapshotFiles(dataDir, notice);
    this.graph = HnswGraph.empty(dim, settings);
  }

  /** Loads the snapshot and replays the changes since; otherwise rebuilds from stored vectors. */
  static async open(
    dataDir: string,
    store: IndexStore,
    model: string,
    dim: number,
    options: OpenOptions = {},
  ): Promise<VectorIndex> {
    const notice = options.notice ?? (() => {});
    const index = new VectorIndex(dataDir, model, dim, options.settings ?? DEFAULT_INDEX_SETTINGS, notice);
    const leftovers = index.files.removeLeftovers();
    if (leftovers > 0)
      notice(
        `removed ${leftovers} temporary index ${leftovers === 1 ? 'file' : 'files'} left by a citebot process that stopped while saving`,
      );
    // Read under the files' lock: another process swapping in its save meanwhile would pair one
    // process's index.hnsw with the other's index.json (the checksum would then force a rebuild).
    const problem = await index.files.withLock(() => index.tryLoad(store));
    if (problem === null) {
      index.loadedAs = 'loaded';
      if (index.backlog > 0)
        notice(
          `loaded the vector index and took in ${index.backlog} ${index.backlog === 1 ? 'passage' : 'passages'} changed after it was saved`,
        );
      index.snapshotIfDue(store);
      return index;
    }
    const stored = store.countPassages();
    index.loadedAs = problem === 'missing' ? 'built' : 'rebuilt';
    index.rebuildReason = problem === 'missing' ? null : problem;
    if (options.background && stored > 0) {
      const why = problem === 'missing' ? 'its file is missing' : problem;
      notice(
        `rebuilding the vector index from ${stored} stored passages (${why}) in the background; until it is done, passages not yet indexed are found by their words only`,
      );
      index.rebuildInBackground(store);
      return index;
    }
    if (problem !== 'missing' && stored > 0)
      notice(`rebuilding the vector index from ${stored} stored passages (${problem})…`);
    index.rebuild(store);
    if (index.size > 0 || problem !== 'missing') await index.save(store);
    return index;
  }

  /** Returns null when the snapshot was loaded and brought up to date, else why it could not be used. */
  private async tryLoad(store: IndexStore): Promise<string | null> {
    const manifest = this.files.readManifest();
    if (typeof manifest === 'string') return manifest;
    if (manifest.version !== MANIFEST_VERSION) return 'it was written in an older format';
    if (manifest.model !== this.model || manifest.dim !== this.dim) return 'it was built for another model';
    // Read before anything else of the store: a change made meanwhile is replayed by the next search.
    const current = store.generation();
    if (manifest.generation > current) return 'it is newer than the store (was the store restored from a backup?)';
    const changed = manifest.generation < current ? store.passagesChangedSince(manifest.generation) : [];
    if (changed === null) return 'it is older than the store, by more than its change log keeps';
    const damaged = await this.files.check(manifest);
    if (damaged) return damaged;
    try {
      const { graph, labels } = await HnswGraph.read(this.files.file, this.dim, this.settings);
      if (labels.length !== manifest.slots) return 'it does not have one slot per passage';
      const inFile = new Set(labels);
      const changedSet = new Set(changed);
      // Passages no change touched since the file was saved must be in it, live.
      let unchanged = 0;
      for (const rowid of store.passageRowids(store.listCollections())) {
        if (changedSet.has(rowid)) continue;
        if (!inFile.has(rowid)) return 'it lacks passages that the store has';
        graph.adopt(rowid);
        unchanged++;
      }
      if (manifest.count < unchanged || manifest.count > unchanged + changed.length)
        return 'its size does not match the store';
      for (const rowid of changed) {
        const vector = store.vectorOf(rowid);
        if (vector) graph.add(rowid, vector);
        else if (inFile.has(rowid)) graph.removeFromFile(rowid);
      }
      this.graph = graph;
      this.generation = current;
      this.snapshotGeneration = manifest.generation;
      this.backlog = changed.length;
      return null;
    } catch (error) {
      return `it is unreadable (${error instanceof Error ? error.message : String(error)})`;
    }
  }

  /** Rebuilds from the vectors in the store, at once. */
  rebuild(store: IndexStore): void {
    this.generation = store.generation();
    const graph = HnswGraph.empty(this.dim, this.settings, store.countPassages());
    fillAtOnce(store, graph);
    this.graph = graph;
    this.phase = { kind: 'ready' };
    this.backlog = Math.max(1, graph.size);
  }

  /** Inserts the stored vectors into a fresh graph in slices, searchable as it grows; saved when complete. */
  private rebuildInBackground(store: IndexStore): void {
    const started = performance.now();
    // Read before the passages: whatever changes meanwhile is replayed afterwards.
    this.generation = store.generation();
    const total = store.countPassages();
    const graph = HnswGraph.empty(this.dim, this.settings, total);
    this.graph = graph;
    const progress: RebuildProgress = { indexed: 0, total };
    this.phase = { kind: 'rebuilding', progress };
    let nextQuarter = 1;
    const afterSlice = () => {
      progress.indexed = graph.size;
      if (nextQuarter < 4 && progress.indexed >= (total * nextQuarter) / 4) {
        this.notice(`rebuilding the vector index: ${progress.indexed} of ${total} passages (${25 * nextQuarter++}%)`);
      }
    };
    this.filling = fillInSlices(store, graph, () => this.stopRequested, afterSlice)
      .then(async (finished) => {
        if (!finished) {
          this.phase = { kind: 'abandoned' };
          return;
        }
        this.phase = { kind: 'ready' };
        this.backlog = Math.max(1, graph.size);
        // Changes made meanwhile were mirrored as they came, but one may have landed behind the
        // slice being read: replaying everything changed since the rebuild began settles it.
        await this.whenWritable(() => this.syncWith(store));
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        try {
          await this.save(store);
        } catch (error) {
          this.notice(
            `rebuilt the vector index from the store in ${seconds} s, but could not save it (${message(error)}); the next start rebuilds it again`,
          );
          return;
        }
        this.notice(`rebuilt the vector index from the store: ${this.graph.size} passages in ${seconds} s`);
      })
      .catch((error: unknown) => {
        this.phase = { kind: 'abandoned' };
        this.notice(
          `the vector index could not be rebuilt in the background (${message(error)}); passages not yet indexed are found by their words only until the next start`,
        );
      });
  }

  /** Set while a background rebuild runs: how many passages are searchable by meaning so far. */
  get rebuilding(): RebuildProgress | null {
    return this.phase.kind === 'rebuilding' ? { ...this.phase.progress } : null;
  }

  /** Stops a background rebuild, replay or compaction at its next slice, before closing. */
  stopBackgroundWork(): void {
    this.stopRequested = true;
  }

  /** Rebuilds without deleted slots, in slices, while searches use the current graph; changes wait. */
  compact(store: IndexStore): Promise<void> {
    return this.exclusive('compacting', async () => {
      const generation = store.generation();
      const graph = HnswGraph.empty(this.dim, this.settings, this.graph.size);
      if (!(await fillInSlices(store, graph, () => this.stopRequested))) return;
      this.graph = graph;
      this.generation = generation;
    }).catch(() => {});
  }

  /** Runs `work` in the given phase; changes wait for it (`whenWritable`). */
  private exclusive(kind: 'compacting' | 'replaying', work: () => Promise<void>): Promise<void> {
    const done = work().finally(() => {
      if (this.phase.kind === kind && this.phase.done === done) this.phase = { kind: 'ready' };
    });
    this.phase = { kind, done };
    return done;
  }

  /**
   * Runs `change` once no snapshot write, compaction or large replay is running, in the same synchronous step as
   * that check: a store change and its mirror here must both happen inside `change`.
   */
  async whenWritable<T>(change: () => T): Promise<T> {
    for (;;) {
      const phase = this.phase;
      if (phase.kind !== 'writing' && phase.kind !== 'compacting' && phase.kind !== 'replaying') return change();
      await phase.done.catch(() => {});
    }
  }

  get size(): number {
    return this.graph.size;
  }

  get capacity(): number {
    return this.graph.capacity;
  }

  get deletedSlots(): number {
    return this.graph.deletedSlots;
  }

  /**
   * Applies a change the store has committed. If hnswlib refuses it (the index disagrees with the
   * store), the graph is rebuilt from the store: returns why, else null.
   */
  update(store: IndexStore, change: IndexChange): string | null {
    for (const { vector } of change.added) {
      if (vector.length !== this.dim)
        throw new Error(`vector of dimension ${vector.length} given to an index of dimension ${this.dim}`);
    }
    switch (this.phase.kind) {
      case 'writing':
      case 'compacting':
      case 'replaying':
        throw new Error(
          'the vector index was changed while it was being written, compacted or replayed (change it inside whenWritable)',
        );
      case 'abandoned':
        // Never saved: the next open rebuilds from the store, this change included.
        return null;
      case 'rebuilding':
        // In the growing graph at once, so a new article is found by meaning right away; the
        // generation stays where the rebuild began, so the replay after its last slice covers it again.
        try {
          this.apply(change);
        } catch {
          // that replay repairs it
        }
        return null;
      case 'ready':
        break;
    }
    if (change.added.length > REPLAY_AT_ONCE) {
      this.applyInSlices(store, change);
      return null;
    }
    try {
      this.apply(change);
    } catch (error) {
      return this.rebuildOutOfSync(store, error);
    }
    return this.applied(store, change);
  }

  /**
   * A large change (one 4,500-passage article: about 0.6 s of hnswlib inserts on a quiet machine,
   * seconds on a loaded one) is added in slices with a yield between them, so the bot's heartbeat
   * and interactions are answered meanwhile. Searches see the article grow; other changes and
   * snapshots wait for it (`whenWritable`), so the generation moves on only once all of it is in.
   */
  private applyInSlices(store: IndexStore, change: IndexChange): void {
    void this.exclusive('replaying', async () => {
      try {
        for (const label of change.removed) this.graph.remove(label);
        for (let start = 0; start < change.added.length; start += SLICE) {
          await yieldToEventLoop();
          for (const { label, vector } of change.added.slice(start, start + SLICE)) this.graph.add(label, vector);
        }
      } catch (error) {
        this.notice(`rebuilt the vector index from the store (${this.rebuildOutOfSync(store, error)})`);
        return;
      }
      // Still inside the phase: a change waiting for it must find the generation already moved on.
      const repaired = this.applied(store, change);
      if (repaired !== null) this.notice(`rebuilt the vector index from the store (${repaired})`);
    });
  }

  /** The bookkeeping after a change is in the graph: its generation, the backlog, a compaction when due. */
  private applied(store: IndexStore, change: IndexChange): string | null {
    this.backlog += change.removed.length + change.added.length;
    // One generation further: only this change happened. Otherwise another process changed the
    // store as well; replaying the log covers its changes and this one again (idempotently).
    const now = store.generation();
    if (now === this.generation + 1) this.generation = now;
    else {
      const repaired = this.catchUp(store);
      if (repaired !== null) return repaired;
    }
    if (this.phase.kind === 'ready' && this.graph.deletedSlots > Math.max(this.graph.size, INITIAL_CAPACITY))
      void this.compact(store);
    return null;
  }

  private apply(change: IndexChange): void {
    for (const label of change.removed) this.graph.remove(label);
    for (const { label, vector } of change.added) this.graph.add(label, vector);
  }

  private rebuildOutOfSync(store: IndexStore, error: unknown): string {
    this.rebuild(store);
    this.rebuildReason = `it was out of sync with the store: ${message(error)}`;
    return this.rebuildReason;
  }

  /** Catches up with changes other processes made to the store. Call before searching. */
  syncWith(store: IndexStore): void {
    if (this.phase.kind !== 'ready' || store.generation() === this.generation) return;
    this.assertStoreModel(store);
    const repaired = this.catchUp(store);
    if (repaired !== null) this.notice(`rebuilt the vector index from the store (${repaired})`);
  }

  /** Throws when another process re-embedded the store with another model (`npm run reindex`). */
  assertStoreModel(store: IndexStore): void {
    const recorded = store.model();
    if (recorded && recorded.id !== this.model) {
      throw new UserError(
        'index_model_mismatch',
        `the library was re-embedded with ${recorded.id} by another citebot process (npm run reindex) while this one runs with ${this.model}; restart citebot to use it`,
      );
    }
  }

  /**
   * Replays the passages changed since this index's generation: a few at once, a large backlog in
   * slices. When the log does not reach back that far, rebuilds in the background.
   */
  private catchUp(store: IndexStore): string | null {
    const target = store.generation();
    const changed = store.passagesChangedSince(this.generation);
    if (changed === null) {
      this.notice(
        'rebuilding the vector index: the store changed more than its change log keeps since this index was made',
      );
      this.rebuildInBackground(store);
      return null;
    }
    this.backlog += changed.length;
    if (changed.length <= REPLAY_AT_ONCE) {
      try {
        replay(store, this.graph, changed);
      } catch (error) {
        return this.rebuildOutOfSync(store, error);
      }
      this.generation = target;
      return null;
    }
    void this.exclusive('replaying', async () => {
      if (await replayInSlices(store, this.graph, changed, () => this.stopRequested)) this.generation = target;
    }).catch((error: unknown) =>
      this.notice(`rebuilt the vector index from the store (${this.rebuildOutOfSync(store, error)})`),
    );
    return null;
  }

  search(query: Float32Array, k: number, allowed: ReadonlySet<number>): { rowid: number; similarity: number }[] {
    return this.graph.search(query, k, allowed);
  }

  /** Candidates weighed while searching from now on (the bench measures recall at several). */
  setEfSearch(ef: number): void {
    this.graph.setEfSearch(ef);
  }

  /** True when the passages changed since the snapshot are worth rewriting it for. */
  private snapshotDue(): boolean {
    if (this.backlog === 0) return false;
    const enough = Math.min(this.settings.snapshotChanges, Math.max(1, Math.floor(this.graph.size / SNAPSHOT_SHARE)));
    return this.backlog >= enough || this.generation - this.snapshotGeneration >= SNAPSHOT_GENERATIONS;
  }

  /**
   * Starts a snapshot in the background when one is due; a failure is told (the store holds the
   * changes, and the next open replays them from its log).
   */
  snapshotIfDue(store: IndexStore): void {
    if (!this.snapshotDue() || this.snapshotting) return;
    this.save(store).catch((error: unknown) =>
      this.notice(
        `the change is stored, but the vector index file could not be written (${message(error)}); searches are unaffected, and the next start brings the file up to date from the store`,
      ),
    );
  }

  /**
   * Writes the snapshot now (one at a time: a request made while one runs shares it). A partly
   * rebuilt graph is never saved: the next open rebuilds it.
   */
  save(store: IndexStore): Promise<void> {
    this.snapshotting ??= this.writeSnapshot(store).finally(() => (this.snapshotting = null));
    return this.snapshotting;
  }

  private async writeSnapshot(store: IndexStore): Promise<void> {
    // Take in what other processes changed first, so the file is tagged with the newest generation.
    await this.whenWritable(() => this.syncWith(store));
    await this.whenWritable(() => {});
    if (this.phase.kind !== 'ready') return;
    const manifest: Omit<Manifest, 'sha256'> = {
      version: MANIFEST_VERSION,
      model: this.model,
      dim: this.dim,
      generation: this.generation,
      count: this.graph.size,
      slots: this.graph.slots,
    };
    const graph = this.graph;
    const writeGraph = (file: string) => {
      // Only while hnswlib reads the graph: the checksum and the swap under the lock don't need it still.
      const done = graph.write(file).finally(() => {
        if (this.phase.kind === 'writing' && this.phase.done === done) this.phase = { kind: 'ready' };
      });
      this.phase = { kind: 'writing', done };
      return done;
    };
    const backlogWritten = this.backlog;
    await this.files.write(writeGraph, manifest);
    this.snapshotGeneration = Math.max(this.snapshotGeneration, manifest.generation);
    // Changes made since the graph was written stay in the backlog.
    this.backlog -= Math.min(this.backlog, backlogWritten);
  }

  /**
   * Before closing: stops background work, waits for what runs, and writes a last snapshot when
   * more changed than the next open should replay at once.
   */
  async close(store: IndexStore): Promise<void> {
    this.stopBackgroundWork();
    await this.flush();
    if (this.phase.kind === 'ready' && (this.snapshotDue() || this.backlog > REPLAY_AT_ONCE)) {
      await this.save(store).catch((error: unknown) =>
        this.notice(
          `the vector index file could not be written at close (${message(error)}); the next start brings it up to date from the store`,
        ),
      );
    }
  }

  /** Resolves once the running rebuild, snapshot, replay or compaction has finished. */
  async flush(): Promise<void> {
    await this.filling;
    await this.snapshotting?.catch(() => {});
    await this.whenWritable(() => {});
  }

  static remove(dataDir: string): void {
    SnapshotFiles.remove(dataDir);
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
