/**
 * Test engines: real SQLite, real hnswlib and the real Transformers.js pipeline, on the
 * tiny generated model (the hub is unreachable here), in a fresh temp data directory.
 */
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type EngineConfig } from '../../src/config.ts';
import { openEngine, type CitebotEngine, type EngineOptions } from '../../src/engine.ts';
import { LIBRARY_COLLECTION } from '../../src/types.ts';
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
    writeFileSync(join(dir, 'citebot.json'), JSON.stringify({ id: spec.id, pooling: spec.pooling, maxTokens: spec.maxTokens, fusion }));
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
  return { DATA_DIR: dataDir, MODEL_DIR: modelDir, EMBED_WORKERS: '1', AUTO_INGEST_EXAMPLES: 'false', CITEBOT_OFFLINE: 'true', LOG_LEVEL: 'silent', ...extra };
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
export async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
