/**
 * Opening the vector index: the saved snapshot with the changes since replayed (load.ts), or
 * else a rebuild from the store: at once (the CLI waits), or in the background (the bot answers
 * meanwhile, by words until the passages are indexed).
 */
import { loadSnapshot } from './load.ts';
import type { IndexSource } from './rebuild.ts';
import type { IndexSettings } from './settings.ts';
import type { SnapshotFiles } from './snapshot.ts';
import type { VectorIndex } from './vector-index.ts';

export interface OpenOptions {
  notice?: (message: string) => void;
  /** Rebuild a missing or stale index in slices and return at once (the bot); otherwise open waits for it. */
  background?: boolean;
  settings?: IndexSettings;
}

export async function openIndex(
  index: VectorIndex,
  files: SnapshotFiles,
  source: IndexSource,
  options: OpenOptions & { notice: (message: string) => void },
): Promise<void> {
  const { notice } = options;
  const leftovers = files.removeLeftovers();
  if (leftovers > 0)
    notice(
      `removed ${leftovers} temporary index ${leftovers === 1 ? 'file' : 'files'} left by a citebot process that stopped while saving`,
    );
  // Read under the files' lock: another process swapping in its save meanwhile would pair one
  // process's index.hnsw with the other's index.json (the checksum would then force a rebuild).
  const loaded = await files.withLock(() =>
    loadSnapshot(files, source, { model: index.model, dim: index.dim, settings: index.settings }),
  );
  if (typeof loaded !== 'string') {
    index.adopt(loaded);
    if (loaded.replayed > 0)
      notice(
        `loaded the vector index and took in ${loaded.replayed} ${loaded.replayed === 1 ? 'passage' : 'passages'} changed after it was saved`,
      );
    index.snapshotIfDue(source);
    return;
  }
  const problem = loaded;
  const stored = await source.countPassages();
  index.loadedAs = problem === 'missing' ? 'built' : 'rebuilt';
  index.rebuildReason = problem === 'missing' ? null : problem;
  if (options.background && stored > 0) {
    const why = problem === 'missing' ? 'its file is missing' : problem;
    notice(
      `rebuilding the vector index from ${stored} stored passages (${why}) in the background; until it is done, passages not yet indexed are found by their words only`,
    );
    index.rebuildInBackground(source, stored);
    return;
  }
  if (problem !== 'missing' && stored > 0)
    notice(`rebuilding the vector index from ${stored} stored passages (${problem})…`);
  await index.rebuild(source);
  if (index.size > 0 || problem !== 'missing') await index.save(source);
}
