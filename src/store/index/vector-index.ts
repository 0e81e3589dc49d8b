/**
 * The HNSW vector index: a cache of the store's vectors. Labels are passage ids; the index knows
 * the store generation it reflects, and catches up from the store's change log (its own changes,
 * and those of other processes sharing the store, like the CLI's `ingest` while the bot runs). It
 * reads the store only through the contract's async `IndexSource`, so SQLite and PostgreSQL are
 * read alike and no second copy of the vectors is kept for it. It rebuilds from the store only
 * when its file is missing, damaged, made for another model, or older than the change log reaches.
 *
 * Changes cost what they change: a change is applied to the graph in memory, and the snapshot on
 * disk (snapshot.ts) is rewritten only once the passages changed since it are worth it (see
 * `snapshotDue`), and on close; the next open replays the rest from the change log (open-index.ts,
 * load.ts).
 * Every change to the graph runs in its turn (turns.ts); searches never wait.
 */
import { UserError } from '../../errors.ts';
import type { PassageId } from '../store-api.ts';
import { INITIAL_CAPACITY } from './hnsw.ts';
import { buildGraph } from './parallel-build.ts';
import { PartitionedGraph } from './partitions.ts';
import type { LoadedSnapshot } from './load.ts';
import { openIndex, type OpenOptions } from './open-index.ts';
import {
  applyChange,
  applyChangeInSlices,
  fillInSlices,
  quarterly,
  replay,
  replayInSlices,
  type GraphChange,
  type IndexSource,
  type RebuildProgress,
} from './rebuild.ts';
import { DEFAULT_INDEX_SETTINGS, partitionsOf, type IndexSettings } from './settings.ts';
import { Turns, type Phase } from './turns.ts';
import { SnapshotSchedule } from './snapshot-schedule.ts';
import { SnapshotFiles } from './snapshot.ts';

export type { IndexSource, RebuildProgress } from './rebuild.ts';
export type { OpenOptions } from './open-index.ts';

/** Changed passages replayed at once; more are replayed in slices (about 0.5 ms each at 384-d). */
const REPLAY_AT_ONCE = 200;

export type IndexLoad = 'loaded' | 'built' | 'rebuilt';

/** A committed store change, as the index mirrors it: passages gone, and passages added or replaced. */
export interface IndexChange extends GraphChange {
  /** The generation the store's write took. */
  generation: number;
}

export class VectorIndex {
  readonly dim: number;
  readonly model: string;
  readonly settings: IndexSettings;
  /** The snapshot's files (read by open-index.ts). */
  readonly files: SnapshotFiles;
  private readonly notice: (message: string) => void;
  private graph: PartitionedGraph;
  private readonly turns = new Turns();
  /** The store generation the graph reflects; later changes are replayed from the store's log. */
  private generation = 0;
  /** When the snapshot on disk is rewritten, and how much changed since it. */
  private readonly schedule: SnapshotSchedule;
  /** The catch-up under way, shared by callers that come meanwhile. */
  private syncing: Promise<void> | null = null;
  /** A large replay waits for its turn: no second one is queued meanwhile. */
  private replayQueued = false;
  /** The background rebuild up to its save: awaited before closing. */
  private filling: Promise<void> = Promise.resolve();
  private stopRequested = false;
  loadedAs: IndexLoad = 'built';
  rebuildReason: string | null = null;

  private constructor(
    dataDir: string,
    model: string,
    dim: number,
    settings: IndexSettings,
    notice: (m: string) => void,
  ) {
    this.model = model;
    this.dim = dim;
    this.settings = settings;
    this.notice = notice;
    this.files = new SnapshotFiles(dataDir, notice);
    this.schedule = new SnapshotSchedule(settings.snapshotChanges, this.files, { model, dim });
    this.graph = PartitionedGraph.empty(dim, settings, partitionsOf(settings));
  }

  /** Loads the snapshot and replays the changes since; otherwise rebuilds from stored vectors (open-index.ts). */
  static async open(
    dataDir: string,
    source: IndexSource,
    model: string,
    dim: number,
    options: OpenOptions = {},
  ): Promise<VectorIndex> {
    const notice = options.notice ?? (() => {});
    const index = new VectorIndex(dataDir, model, dim, options.settings ?? DEFAULT_INDEX_SETTINGS, notice);
    await openIndex(index, index.files, source, { ...options, notice });
    return index;
  }

  /** Takes a loaded snapshot as the index (open-index.ts). */
  adopt(loaded: LoadedSnapshot): void {
    this.graph = loaded.graph;
    this.generation = loaded.generation;
    this.schedule.loaded(loaded.snapshotGeneration, loaded.replayed);
    this.loadedAs = 'loaded';
  }

  /** Rebuilds from the vectors in the store, at once (an open that waits for it, a repair). */
  async rebuild(source: IndexSource): Promise<void> {
    const generation = await source.generation();
    const expected = await source.countPassages();
    // Never stopped, so never null.
    this.graph = (await buildGraph(source, this.files, { dim: this.dim, settings: this.settings, expected }))!;
    this.generation = generation;
    this.phase = { kind: 'ready' };
    this.schedule.rebuilt(this.graph.size);
  }

  /**
   * Inserts the stored vectors into a fresh graph in slices, searchable as it grows (the bot
   * answers meanwhile); saved when complete.
   */
  rebuildInBackground(source: IndexSource, total: number): void {
    const started = performance.now();
    const graph = PartitionedGraph.empty(this.dim, this.settings, partitionsOf(this.settings), total);
    this.graph = graph;
    const progress: RebuildProgress = { indexed: 0, total };
    this.phase = { kind: 'rebuilding', progress };
    this.filling = (async () => {
      // Read before the passages: whatever changes meanwhile is replayed afterwards.
      this.generation = await source.generation();
      if (!(await fillInSlices(source, graph, () => this.stopRequested, quarterly(progress, graph, this.notice)))) {
        this.phase = { kind: 'abandoned' };
        return;
      }
      this.phase = { kind: 'ready' };
      this.schedule.rebuilt(graph.size);
      // Changes made meanwhile were applied as they came, but one may have landed behind the
      // page being read: replaying everything changed since the rebuild began settles it.
      await this.sync(source);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      try {
        await this.save(source);
      } catch (error) {
        this.notice(
          `rebuilt the vector index from the store in ${seconds} s, but could not save it (${message(error)}); the next start rebuilds it again`,
        );
        return;
      }
      this.notice(`rebuilt the vector index from the store: ${this.graph.size} passages in ${seconds} s`);
    })().catch((error: unknown) => {
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

  private get phase(): Phase {
    return this.turns.phase;
  }

  private set phase(phase: Phase) {
    this.turns.phase = phase;
  }

  /** Rebuilds without deleted slots (on the workers, or in slices) while searches use the current graph; changes wait. */
  async compact(source: IndexSource): Promise<void> {
    await this.turns
      .inPhase('compacting', async () => {
        const generation = await source.generation();
        const build = { dim: this.dim, settings: this.settings, expected: this.graph.size };
        const graph = await buildGraph(source, this.files, build, () => this.stopRequested);
        if (!graph) return;
        this.graph = graph;
        this.generation = generation;
      })
      .catch(() => {});
  }

  get size(): number {
    return this.graph.size;
  }

  get deletedSlots(): number {
    return this.graph.deletedSlots;
  }

  /**
   * Applies a change the store has committed, in turn with every other change to the graph. If
   * hnswlib refuses it (the index disagrees with the store), the graph is rebuilt from the store:
   * resolves why, else null.
   */
  update(source: IndexSource, change: IndexChange): Promise<string | null> {
    for (const { vector } of change.added) {
      if (vector.length !== this.dim)
        throw new Error(`vector of dimension ${vector.length} given to an index of dimension ${this.dim}`);
    }
    return this.turns.serially(async () => {
      if (this.phase.kind === 'abandoned') return null; // never saved: the next open rebuilds, this change included
      if (this.phase.kind === 'rebuilding') {
        // In the growing graph at once, so a new article is found by meaning right away; the
        // generation stays where the rebuild began, so the replay after its last page covers it again.
        try {
          this.apply(change);
        } catch {
          // that replay repairs it
        }
        return null;
      }
      // A replay that read the store after this write already holds it (and maybe later changes to the same passages).
      if (change.generation <= this.generation) return null;
      try {
        if (change.added.length > REPLAY_AT_ONCE) await this.applyInSlices(change);
        else this.apply(change);
      } catch (error) {
        return this.rebuildOutOfSync(source, error);
      }
      this.schedule.changed(change.removed.length + change.added.length);
      // One generation further: only this change happened. Otherwise another process changed the
      // store as well; replaying the log covers its changes and this one again (idempotently).
      if (change.generation === this.generation + 1) this.generation = change.generation;
      else {
        const repaired = await this.catchUp(source);
        if (repaired !== null) return repaired;
      }
      if (this.graph.deletedSlots > Math.max(this.graph.size, INITIAL_CAPACITY)) void this.compact(source);
      return null;
    });
  }

  private apply(change: IndexChange): void {
    applyChange(this.graph, change);
  }

  /** A large change in slices (rebuild.ts): searches see it grow; changes and snapshots wait for their turn. */
  private async applyInSlices(change: IndexChange): Promise<void> {
    this.phase = { kind: 'replaying' };
    try {
      await applyChangeInSlices(this.graph, change);
    } finally {
      if (this.phase.kind === 'replaying') this.phase = { kind: 'ready' };
    }
  }

  private async rebuildOutOfSync(source: IndexSource, error: unknown): Promise<string> {
    this.rebuildReason = `it was out of sync with the store: ${message(error)}`;
    await this.rebuild(source);
    return this.rebuildReason;
  }

  /** Catches up with changes other processes made to the store. Call before searching. */
  async syncWith(source: IndexSource): Promise<void> {
    if (this.phase.kind !== 'ready' || (await source.generation()) === this.generation) return;
    await this.assertStoreModel(source);
    await this.sync(source);
  }

  /** One catch-up at a time; callers that come meanwhile share it. */
  private sync(source: IndexSource): Promise<void> {
    this.syncing ??= this.turns
      .serially(async () => {
        const repaired = await this.catchUp(source);
        if (repaired !== null) this.notice(`rebuilt the vector index from the store (${repaired})`);
      })
      .finally(() => (this.syncing = null));
    return this.syncing;
  }

  /** Throws when another process re-embedded the store with another model (`npm run reindex`). */
  async assertStoreModel(source: IndexSource): Promise<void> {
    const recorded = await source.model();
    if (recorded && recorded.id !== this.model) {
      throw new UserError(
        'index_model_mismatch',
        `the library was re-embedded with ${recorded.id} by another citebot process (npm run reindex) while this one runs with ${this.model}; restart citebot to use it`,
      );
    }
  }

  /**
   * Replays the passages changed since this index's generation (call in turn): a few at once, a
   * large backlog in slices, in a turn of its own (the caller does not wait for it). When the log
   * does not reach back that far, rebuilds in the background.
   */
  private async catchUp(source: IndexSource): Promise<string | null> {
    if (this.phase.kind !== 'ready' || this.replayQueued) return null;
    const target = await source.generation();
    if (target <= this.generation) return null;
    const changed = await source.changesSince(this.generation);
    if (changed === null) {
      this.notice(
        'rebuilding the vector index: the store changed more than its change log keeps since this index was made',
      );
      this.rebuildInBackground(source, await source.countPassages());
      return null;
    }
    this.schedule.changed(changed.length);
    if (changed.length > REPLAY_AT_ONCE) {
      this.replayInTurn(source, changed, target);
      return null;
    }
    try {
      await replay(source, this.graph, changed);
    } catch (error) {
      return this.rebuildOutOfSync(source, error);
    }
    this.generation = Math.max(this.generation, target);
    return null;
  }

  /** A large backlog, replayed in slices: searches go on meanwhile, changes wait for their turn. */
  private replayInTurn(source: IndexSource, changed: readonly PassageId[], target: number): void {
    this.replayQueued = true;
    void this.turns
      .inPhase('replaying', async () => {
        this.replayQueued = false;
        try {
          if (await replayInSlices(source, this.graph, changed, () => this.stopRequested))
            this.generation = Math.max(this.generation, target);
        } catch (error) {
          this.notice(`rebuilt the vector index from the store (${await this.rebuildOutOfSync(source, error)})`);
        }
      })
      .catch((error: unknown) => this.notice(`the vector index could not catch up with the store (${message(error)})`))
      .finally(() => (this.replayQueued = false));
  }

  search(query: Float32Array, k: number, allowed: ReadonlySet<number>): { rowid: number; similarity: number }[] {
    return this.graph.search(query, k, allowed);
  }

  /** Candidates weighed while searching from now on (the bench measures recall at several). */
  setEfSearch(ef: number): void {
    this.graph.setEfSearch(ef);
  }

  /**
   * Starts a snapshot in the background when one is due; a failure is told (the store holds the
   * changes, and the next open replays them from its log).
   */
  snapshotIfDue(source: IndexSource): void {
    if (!this.schedule.due(this.graph.size, this.generation) || this.schedule.saving) return;
    this.save(source).catch((error: unknown) =>
      this.notice(
        `the change is stored, but the vector index file could not be written (${message(error)}); searches are unaffected, and the next start brings the file up to date from the store`,
      ),
    );
  }

  /**
   * Writes the snapshot now (one at a time: a request made while one runs shares it). A partly
   * rebuilt graph is never saved: the next open rebuilds it.
   */
  save(source: IndexSource): Promise<void> {
    return this.schedule.once(() => this.writeSnapshot(source));
  }

  private async writeSnapshot(source: IndexSource): Promise<void> {
    // Take in what other processes changed first, so the file is tagged with the newest generation.
    if (this.phase.kind === 'ready') await this.sync(source);
    await this.schedule.write(
      (work) => this.turns.inPhase('writing', work),
      () => ({ graph: this.graph, generation: this.generation }),
    );
  }

  /**
   * Before closing: stops background work, waits for what runs, and writes a last snapshot when
   * more changed than the next open should replay at once.
   */
  async close(source: IndexSource): Promise<void> {
    this.stopBackgroundWork();
    await this.flush();
    if (
      this.phase.kind === 'ready' &&
      (this.schedule.due(this.size, this.generation) || this.schedule.backlog > REPLAY_AT_ONCE)
    ) {
      await this.save(source).catch((error: unknown) =>
        this.notice(
          `the vector index file could not be written at close (${message(error)}); the next start brings it up to date from the store`,
        ),
      );
    }
  }

  /** Resolves once the running rebuild, snapshot, replay or compaction has finished. */
  async flush(): Promise<void> {
    await this.filling;
    await this.schedule.saving?.catch(() => {});
    await this.turns.idle();
  }

  static remove(dataDir: string): void {
    SnapshotFiles.remove(dataDir);
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
