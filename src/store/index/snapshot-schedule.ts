/**
 * When the index's snapshot is rewritten, and the write itself. Changes cost what they change:
 * the file is not rewritten after every change but once the passages changed since it are worth
 * it, and at close; the next open replays the rest from the store's change log (load.ts).
 */
import type { Generation } from '../store-api.ts';
import type { PartitionedGraph } from './partitions.ts';
import { MANIFEST_VERSION, type SnapshotFiles } from './snapshot.ts';

/**
 * The snapshot is rewritten once the changed passages reach 1/50 of the index (so at most about
 * 2% of a rewrite's cost goes to each change), capped by `snapshotChanges` (the replay at the next
 * open), and always before the store's change log (20,000 generations) stops reaching back.
 */
const SNAPSHOT_SHARE = 50;
const SNAPSHOT_GENERATIONS = 10_000;

export class SnapshotSchedule {
  /** Passages changed since the snapshot on disk (approximately: a passage changed twice counts twice). */
  backlog = 0;
  /** The generation of the snapshot on disk; -1 when there is none. */
  private written: Generation = -1;
  /** The snapshot being written; a request made meanwhile shares it. */
  saving: Promise<void> | null = null;
  private readonly snapshotChanges: number;
  private readonly files: SnapshotFiles;
  private readonly identity: { model: string; dim: number };

  constructor(snapshotChanges: number, files: SnapshotFiles, identity: { model: string; dim: number }) {
    this.snapshotChanges = snapshotChanges;
    this.files = files;
    this.identity = identity;
  }

  /** Runs `write` unless a snapshot is being written already, in which case the caller shares that one. */
  once(write: () => Promise<void>): Promise<void> {
    this.saving ??= write().finally(() => (this.saving = null));
    return this.saving;
  }

  /** After an open that loaded the snapshot of `generation` and replayed `replayed` passages. */
  loaded(generation: Generation, replayed: number): void {
    this.written = generation;
    this.backlog = replayed;
  }

  /** After a rebuild: the file on disk (if any) no longer counts. */
  rebuilt(size: number): void {
    this.backlog = Math.max(1, size);
  }

  changed(passages: number): void {
    this.backlog += passages;
  }

  /** True when the passages changed since the snapshot are worth rewriting it for. */
  due(size: number, generation: Generation): boolean {
    if (this.backlog === 0) return false;
    const enough = Math.min(this.snapshotChanges, Math.max(1, Math.floor(size / SNAPSHOT_SHARE)));
    return this.backlog >= enough || generation - this.written >= SNAPSHOT_GENERATIONS;
  }

  /**
   * Writes the graph `now()` gives as the snapshot of its generation. `inTurn` runs the graph's
   * write in the index's turn (the graph must not change while hnswlib reads it); the checksum and
   * the swap under the files' lock come after that turn, while changes go on. Resolves false when
   * `inTurn` did not run it (the index was not ready: a partial rebuild is never saved).
   */
  async write(
    inTurn: (work: () => Promise<void>) => Promise<boolean>,
    now: () => { graph: PartitionedGraph; generation: Generation },
  ): Promise<boolean> {
    const whole: { done: Promise<void> | null } = { done: null };
    const ran = await inTurn(
      () =>
        new Promise<void>((graphWritten, failed) => {
          const { graph, generation } = now();
          const manifest = {
            version: MANIFEST_VERSION,
            ...this.identity,
            generation,
            count: graph.size,
            slots: graph.slots,
            partitions: graph.partitions,
          };
          const backlogWritten = this.backlog;
          whole.done = this.files
            .write((file) => {
              const done = graph.write(file);
              done.then(() => graphWritten(), failed);
              return done;
            }, manifest)
            .then(() => {
              this.written = Math.max(this.written, manifest.generation);
              // Changes made since the graph was written stay in the backlog.
              this.backlog -= Math.min(this.backlog, backlogWritten);
            });
          whole.done.catch(failed);
        }),
    );
    await whole.done;
    return ran;
  }
}
