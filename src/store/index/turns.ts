/**
 * The index's changes run one at a time, in turns: a change, a replay of the log, a snapshot's
 * graph write, a compaction. The store is async, so a replay reads vectors and applies them
 * while no other change can slip in between. Searches never wait for a turn.
 */
import type { RebuildProgress } from './rebuild.ts';

/**
 * What the index is doing, and so what a change and a save may do:
 * - ready: changes are applied as they come;
 * - writing: hnswlib writes the snapshot on a libuv thread (the graph must not change meanwhile);
 * - compacting / replaying: a new graph built in slices, or a large backlog replayed in slices;
 * - rebuilding: a background rebuild; the graph is searched as it grows, changes are applied to it
 *   at once and replayed once more from the log at the end; never saved until complete;
 * - abandoned: a rebuild stopped by a shutdown; never saved, the next open rebuilds.
 */
export type Phase =
  | { kind: 'ready' | 'writing' | 'compacting' | 'replaying' | 'abandoned' }
  | { kind: 'rebuilding'; progress: RebuildProgress };

export class Turns {
  phase: Phase = { kind: 'ready' };
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `work` after every turn queued before it, and before any queued after. */
  serially<T>(work: () => Promise<T> | T): Promise<T> {
    const run = this.tail.then(work);
    this.tail = run.catch(() => {});
    return run;
  }

  /** Runs `work` in turn, in phase `kind`, if the index is ready then; false when it was not. */
  inPhase(kind: 'writing' | 'compacting' | 'replaying', work: () => Promise<void>): Promise<boolean> {
    return this.serially(async () => {
      if (this.phase.kind !== 'ready') return false;
      this.phase = { kind };
      try {
        await work();
      } finally {
        if (this.phase.kind === kind) this.phase = { kind: 'ready' };
      }
      return true;
    });
  }

  /** Resolves once every turn queued so far has run. */
  async idle(): Promise<void> {
    await this.tail;
  }
}
