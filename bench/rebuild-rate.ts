/**
 * The vector index's rebuild rate and recall, by HNSW settings and partition count, in one run:
 *
 *   npx tsx bench/rebuild-rate.ts [--passages 100000] [--configs p1,p2,p2-m24,p2-efc100] [--json]
 *
 * A SQLite store is filled with synthetic clustered, normalized 384-d vectors (bench/scale-sizes.ts
 * `SyntheticVectors`; the text is a placeholder, only the vectors are read). For each config the
 * index file is deleted and the index opened, so it is rebuilt from the store and saved, as after a
 * model change or a damaged file: `vectors_per_s` counts that whole open. Recall@10 is HNSW
 * against exact search on 100 queries near stored vectors, at several ef (ms per search beside
 * each). `p1` is one graph filled on the main thread (the index before partitions); `p2` two
 * partitions built at once in worker threads.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeFile } from '../src/config.ts';
import { seededRandom } from '../src/seeded-random.ts';
import { DEFAULT_INDEX_SETTINGS, type IndexSettings } from '../src/store/index/settings.ts';
import { VectorIndex } from '../src/store/index/vector-index.ts';
import { SqliteStore } from '../src/store/sqlite/store.ts';
import type { ArticleToSave } from '../src/store/store-api.ts';
import { LIBRARY_COLLECTION } from '../src/types.ts';
import { exactTop10, recallAt10, SyntheticVectors } from './scale-sizes.ts';

const DIM = 384;
const MODEL = 'bench-synthetic';
const EF_SWEEP = [64, 128, 256];

export interface RebuildFigures {
  config: string;
  partitions: number;
  m: number;
  ef_construction: number;
  vectors_per_s: number;
  recall_by_ef: Record<string, number>;
}

const CONFIGS: Record<string, Partial<IndexSettings>> = {
  p1: { partitions: 1 },
  p2: { partitions: 2 },
  'p2-m12': { partitions: 2, m: 12 },
  'p2-m24': { partitions: 2, m: 24 },
  'p2-efc100': { partitions: 2, efConstruction: 100 },
  'p2-efc400': { partitions: 2, efConstruction: 400 },
};

async function fill(store: SqliteStore, n: number, vectors: SyntheticVectors): Promise<void> {
  const perArticle = 8;
  for (let stored = 0; stored < n;) {
    const items: ArticleToSave[] = [];
    for (let a = 0; a < 250 && stored < n; a++, stored += perArticle) {
      const id = `a${stored}`;
      const paragraphs = Array.from({ length: perArticle }, (_, i) => `Passage ${stored + i} of the bench.`);
      items.push({
        collection: LIBRARY_COLLECTION,
        article: { id, title: id, date: null, source: null, section: null, url: null, paragraphs },
        body: paragraphs.join('\n\n'),
        contentHash: id,
        passages: paragraphs.map((text, i) => ({
          text,
          position: i,
          paragraphStart: i,
          paragraphEnd: i,
          charStart: 0,
          charEnd: text.length,
          terms: ['passage'],
          vector: vectors.next(),
        })),
      });
    }
    await store.saveArticles(items);
  }
}

export async function runRebuildRateBench(
  passages: number,
  configs: string[],
  log: (line: string) => void = () => {},
): Promise<{ passages: number; load_average: number[]; configs: RebuildFigures[] }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'citebot-rebuild-'));
  const store = SqliteStore.open(storeFile({ dataDir }));
  const load = [loadavg()[0]!];
  try {
    const vectors = new SyntheticVectors();
    await fill(store, passages, vectors);
    const n = await store.countPassages();
    log(`stored ${n} passages`);
    const sample = await store.vectorsAfter(0, 20_000);
    const random = seededRandom(7);
    const queries = Array.from({ length: 100 }, () =>
      vectors.near(sample[Math.floor(random() * sample.length)]!.vector),
    );
    const exact = await exactTop10(store, queries);
    const all = await store.allPassageIds();
    const figures: RebuildFigures[] = [];
    for (const name of configs) {
      const settings = { ...DEFAULT_INDEX_SETTINGS, ...CONFIGS[name] };
      VectorIndex.remove(dataDir);
      const started = performance.now();
      const index = await VectorIndex.open(dataDir, store, MODEL, DIM, { settings });
      const seconds = (performance.now() - started) / 1000;
      const recall: Record<string, number> = {};
      for (const ef of EF_SWEEP) {
        index.setEfSearch(ef);
        const t = performance.now();
        recall[`ef_${ef}`] = recallAt10(all, index, queries, exact);
        recall[`ef_${ef}_ms`] = (performance.now() - t) / queries.length;
      }
      await index.close(store);
      const row: RebuildFigures = {
        config: name,
        partitions: settings.partitions!,
        m: settings.m,
        ef_construction: settings.efConstruction,
        vectors_per_s: Math.round(n / seconds),
        recall_by_ef: recall,
      };
      figures.push(row);
      load.push(loadavg()[0]!);
      log(`${name}: ${row.vectors_per_s} vectors/s, ${JSON.stringify(recall)} (load ${loadavg()[0]!.toFixed(1)})`);
    }
    return { passages: n, load_average: load, configs: figures };
  } finally {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const passages = Number(arg('--passages') ?? 100_000);
  const configs = (arg('--configs') ?? 'p1,p2').split(',');
  const unknown = configs.filter((c) => !(c in CONFIGS));
  if (unknown.length)
    throw new Error(`citebot bench: unknown config ${unknown.join(', ')} (use ${Object.keys(CONFIGS).join(', ')})`);
  const result = await runRebuildRateBench(passages, configs, (line) => console.error(line));
  console.log(process.argv.includes('--json') ? JSON.stringify(result) : JSON.stringify(result, null, 2));
}
