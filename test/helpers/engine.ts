/**
 * Test engines: real SQLite, real hnswlib and the real Transformers.js pipeline, on the
 * tiny generated model (the hub is unreachable here), in a fresh temp data directory.
 */
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type EngineConfig } from '../../src/config.ts';
import { openEngine, type CitebotEngine, type EngineOptions } from '../../src/engine.ts';
import { LIBRARY_COLLECTION, type Article } from '../../src/types.ts';
import { createTinyModel } from './tiny-model.ts';

let tinyModelDir: Promise<string> | null = null;

/** The tiny model folder, generated once per test process; MODEL_DIR points at it. */
export function tinyModel(): Promise<string> {
  tinyModelDir ??= (async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'citebot-model-')), 'citebot-tiny');
    const spec = await createTinyModel(dir);
    // MODEL_DIR folders describe what Transformers.js's config can't: id, pooling, window and,
    // for this bag-of-random-vectors model, fusion weights that lean on the lexical side.
    const fusion = { dense: 0.3, lexical: 1, threshold: 0.5, floor: 0.5 };
    writeFileSync(
      join(dir, 'citebot.json'),
      JSON.stringify({ id: spec.id, pooling: spec.pooling, maxTokens: spec.maxTokens, fusion }),
    );
    return dir;
  })();
  return tinyModelDir;
}

export interface TestEngine {
  engine: CitebotEngine;
  config: EngineConfig;
  dataDir: string;
  modelDir: string;
  cleanup: () => Promise<void>;
}

export interface TestEngineOptions {
  /** Ingest examples/articles into the library first. */
  examples?: boolean;
  /** Extra environment (e.g. EMBEDDING_MODEL=keyword). */
  env?: Record<string, string>;
  /** Reuse a data directory (to test reopening). */
  dataDir?: string;
  /** Passed to openEngine (e.g. backgroundIndexRebuild, notice). */
  engineOptions?: EngineOptions;
}

export function testEnv(dataDir: string, modelDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    DATA_DIR: dataDir,
    MODEL_DIR: modelDir,
    EMBED_WORKERS: '1',
    AUTO_INGEST_EXAMPLES: 'false',
    CITEBOT_OFFLINE: 'true',
    LOG_LEVEL: 'silent',
    ...extra,
  };
}

export async function openTestEngine(options: TestEngineOptions = {}): Promise<TestEngine> {
  const modelDir = await tinyModel();
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'citebot-data-'));
  const config = loadConfig(testEnv(dataDir, modelDir, options.env));
  const engine = await openEngine(config, options.engineOptions);
  if (options.examples) await engine.ingestPaths([config.examplesDir], LIBRARY_COLLECTION);
  return {
    engine,
    config,
    dataDir,
    modelDir,
    cleanup: async () => {
      await engine.close();
      if (!options.dataDir && existsSync(dataDir)) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `condition` every 10 ms (background work such as an index rebuild has no promise to await). */
export async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Report `a` of a generated library: 40 one-sentence paragraphs, each naming its own crane (crane a·1000 + i). */
export function craneReport(a: number): Article {
  return {
    id: `report-${a}`,
    title: `Harbour report ${a}`,
    date: '2024-05-01',
    source: 'Test Wire',
    section: null,
    url: null,
    paragraphs: Array.from(
      { length: 40 },
      (_, i) => `Paragraph ${i} of report ${a} says crane ${a * 1000 + i} was repaired after ${i + 2} weeks.`,
    ),
  };
}

/** A library of `reports` crane reports (40 passages each) whose index file was then deleted, or damaged. */
export async function libraryWithoutIndex(
  reports: number,
  options: { damage?: boolean } = {},
): Promise<{ dataDir: string; modelDir: string }> {
  const t = await openTestEngine();
  await t.engine.ingest(
    Array.from({ length: reports }, (_, a) => craneReport(a)),
    LIBRARY_COLLECTION,
  );
  await t.engine.close();
  if (options.damage) writeFileSync(join(t.dataDir, 'index.hnsw'), 'not an index');
  else rmSync(join(t.dataDir, 'index.hnsw'));
  return { dataDir: t.dataDir, modelDir: t.modelDir };
}
