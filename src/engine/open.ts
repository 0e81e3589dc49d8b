/**
 * Opening the engine: the store, the model (the one that built the index, else the configured or
 * automatic choice), its embedding workers and tokenizer, the vector index, the re-ranker.
 */
import { AutoTokenizer, env as transformersEnv } from '@xenova/transformers';
import { availableParallelism } from 'node:os';
import { basename, dirname } from 'node:path';
import { storeFile, type EngineConfig } from '../config.ts';
import type { ModelInfo } from '../engine-api.ts';
import { openReranker, resolveReranker, type Reranker } from '../embed/cross-encoder.ts';
import { EmbeddingPool } from '../embed/pool.ts';
import type { ModelSpec } from '../embed/model-spec.ts';
import {
  KEYWORD_ID,
  canonicalModelName,
  modelsDir,
  resolveAutoModel,
  resolveNamedModel,
  specFromFolder,
  type ModelChoice,
} from '../embed/models.ts';
import { WordVectors } from '../embed/word-vectors.ts';
import { CitebotError, UserError } from '../errors.ts';
import { fusionWeightsFor, type FusionWeights } from '../search/fusion.ts';
import { ANALYZER_VERSION, analyze } from '../search/lexical.ts';
import { bundledSynonyms } from '../search/synonyms.ts';
import { PostgresStore } from '../store/postgres/postgres-store.ts';
import { SqliteStore } from '../store/sqlite/store.ts';
import type { CitebotStore, CollectionLoaded } from '../store/store-api.ts';
import { VectorIndex } from '../store/index/vector-index.ts';
import { storedCalibrations, type Calibration } from '../search/calibration.ts';
import { cutoffsFor } from './calibration.ts';
import { modelIdOf, type Embedder, type EngineState, type Semantic } from './state.ts';

export interface EngineOptions {
  /** One-line notices for the user (model choice, downloads, index rebuilds). */
  notice?: (message: string) => void;
  /** Open even if the recorded model is unavailable (only `reindex` does this, to repair). */
  ignoreRecordedModel?: boolean;
  /**
   * Rebuild a missing or stale vector index in the background and answer meanwhile (the bot);
   * otherwise opening waits for it (the CLI, which then answers from the whole index).
   */
  backgroundIndexRebuild?: boolean;
  /**
   * Open the store alone, to list and read articles and the question log: no model, no vector
   * index, so it is quick on a large library. Searching and changing throw.
   */
  storeOnly?: boolean;
  /** Told when the store loads a collection into this process's memory (PostgreSQL), for the operator's log. */
  onCollectionLoaded?: (loaded: CollectionLoaded) => void;
}

/** The store of the configuration: PostgreSQL when DATABASE_URL is set, else SQLite in DATA_DIR. */
export async function openStore(config: EngineConfig): Promise<CitebotStore> {
  return config.databaseUrl ? PostgresStore.open(config.databaseUrl) : SqliteStore.open(storeFile(config));
}

export async function openState(config: EngineConfig, options: EngineOptions): Promise<EngineState> {
  const notice = options.notice ?? (() => {});
  const store = await openStore(config);
  if (options.onCollectionLoaded) store.onCollectionLoaded?.(options.onCollectionLoaded);
  const state = (
    semantic: Semantic | null,
    keywordReason: string | null,
    reranker: Reranker | null,
    modelId: string,
    calibrations: Calibration[],
  ): EngineState => {
    const weights = weightsFor(modelId, semantic?.spec);
    return {
      config,
      store,
      semantic,
      keywordReason,
      weights,
      cutoffs: cutoffsFor(modelId, weights, semantic?.spec, config, calibrations),
      calibrations,
      notice,
      wordVectors: null,
      reranker,
    };
  };
  if (options.storeOnly) return state(null, null, null, KEYWORD_ID, []);
  try {
    const reanalyzed = await store.reanalyze(ANALYZER_VERSION, analyze);
    if (reanalyzed > 0) notice(`updated the keyword index of ${reanalyzed} passages for this version of citebot`);
    const choice = await chooseModel(config, store, notice, options.ignoreRecordedModel ?? false);
    const embedder = choice.kind === 'semantic' ? await startEmbedder(config, choice.spec) : null;
    const semantic = embedder
      ? await withIndex(config, store, embedder, {
          notice,
          background: options.backgroundIndexRebuild ?? false,
        })
      : null;
    let reranker: Reranker | null;
    try {
      reranker = await startReranker(config, notice);
    } catch (error) {
      await closeSemantic(semantic);
      throw error;
    }
    const opened = state(
      semantic,
      choice.kind === 'keyword' ? choice.reason : null,
      reranker,
      semantic?.spec.id ?? KEYWORD_ID,
      await storedCalibrations(store),
    );
    // Another process's commit (PostgreSQL's NOTIFY): the vector index catches up now, not at the next question.
    if (semantic) store.onChange?.(() => void semantic.vectors.syncWith(store).catch(() => {}));
    startWordVectors(opened);
    return opened;
  } catch (error) {
    await store.close();
    throw error;
  }
}

export { modelIdOf };

/** Which model answers, and why the engine is keyword-only when it is. */
export function modelInfo(state: EngineState): ModelInfo {
  const { semantic, keywordReason, reranker } = state;
  return {
    id: modelIdOf(state),
    kind: semantic ? 'semantic' : 'keyword',
    dim: semantic?.pool.dim ?? null,
    reason: keywordReason,
    reranker: reranker?.spec.id ?? null,
  };
}

/** Closes the index (waiting for its saves), the workers and the store, in that order. */
export async function closeState(state: EngineState): Promise<void> {
  await state.semantic?.vectors.close(state.store);
  await state.semantic?.pool.close();
  await state.reranker?.close();
  await state.store.close();
}

/** The model's fusion weights, with a model folder's own on top (threshold and floor are cut-offs: src/engine/calibration.ts). */
export function weightsFor(modelId: string, spec: ModelSpec | undefined): FusionWeights {
  return fusionWeightsFor(modelId, spec?.fusion);
}

/** Starts loading (or, once per data directory, preparing) the word vectors when the weights use them. */
export function startWordVectors(state: EngineState): void {
  if ((state.weights.words <= 0 && state.weights.synonyms <= 0) || state.wordVectors) return;
  if (state.weights.synonyms > 0) bundledSynonyms();
  state.wordVectors = WordVectors.open(modelsDir(state.config), state.notice).catch((error: unknown) => {
    state.notice(`searching without word vectors: ${(error as Error).message}`);
    return null;
  });
}

/** Stops the vector index's background work, waits for its saves, and stops the workers. */
export async function closeSemantic(semantic: Semantic | null): Promise<void> {
  // A rebuild or compaction under way would hold the shutdown for up to a minute: stop it (a
  // stopped rebuild is redone at the next open; a stopped compaction leaves a complete index).
  semantic?.vectors.stopBackgroundWork();
  await semantic?.vectors.flush();
  await semantic?.pool.close();
}

/** Picks the model: the one that built the index, else the configured or automatic choice. */
async function chooseModel(
  config: EngineConfig,
  store: CitebotStore,
  notice: (message: string) => void,
  ignoreRecorded: boolean,
): Promise<ModelChoice> {
  const recorded = ignoreRecorded ? null : await store.model();
  if (!recorded) {
    return config.embeddingModel === 'auto'
      ? resolveAutoModel(config, notice)
      : resolveNamedModel(config, config.embeddingModel, notice);
  }
  const requested = config.embeddingModel === 'auto' ? null : canonicalModelName(config.embeddingModel);
  if (requested !== null && requested !== recorded.id)
    throw mismatch(config, recorded.id, `EMBEDDING_MODEL=${config.embeddingModel}`, requested);
  if (config.modelDir && recorded.id !== KEYWORD_ID) {
    const dirId = specFromFolder(config.modelDir).id;
    if (dirId !== recorded.id) throw mismatch(config, recorded.id, `MODEL_DIR=${config.modelDir}`, dirId);
  }
  return resolveNamedModel(config, recorded.id, notice).catch((error: unknown) => {
    if (error instanceof CitebotError && error.code === 'model_missing') {
      throw new UserError(
        'model_missing',
        `the index in ${config.dataDir} was built with ${recorded.id}, which is not available now (${error.message}); make it available again, or rebuild the index with another model: npm run cli -- reindex --model auto`,
        { cause: error },
      );
    }
    throw error;
  });
}

function mismatch(config: EngineConfig, recorded: string, setting: string, requested: string): UserError {
  return new UserError(
    'index_model_mismatch',
    `the index in ${config.dataDir} was built with ${recorded}, but ${setting} asks for ${requested}; vectors of different models can't be compared. Run "npm run cli -- reindex --model ${requested}" to rebuild it, or unset ${setting.split('=')[0]} to keep using ${recorded}`,
  );
}

/** The re-ranker of RERANK_MODEL, sharing the cores with the embedding workers; null when unset. */
async function startReranker(config: EngineConfig, notice: (message: string) => void): Promise<Reranker | null> {
  const spec = await resolveReranker(config, notice);
  if (!spec) return null;
  return openReranker(spec, {
    candidates: config.rerankCandidates,
    threads: Math.max(1, Math.floor(availableParallelism() / config.embedWorkers)),
  });
}

export async function startEmbedder(config: EngineConfig, spec: ModelSpec): Promise<Embedder> {
  const pool = await EmbeddingPool.start(spec, {
    size: config.embedWorkers,
    batchSize: config.embedBatchSize,
    threadsPerWorker: Math.max(1, Math.floor(availableParallelism() / config.embedWorkers)),
  });
  try {
    return { spec, pool, countTokens: await loadTokenCounter(spec) };
  } catch (error) {
    await pool.close();
    throw error;
  }
}

/** Checks the embedder against the store's recorded dimension and opens the vector index. */
export async function withIndex(
  config: EngineConfig,
  store: CitebotStore,
  embedder: Embedder,
  options: { notice: (message: string) => void; background?: boolean },
): Promise<Semantic> {
  const { spec, pool } = embedder;
  const recorded = await store.model();
  if (recorded && recorded.dim !== null && recorded.dim !== pool.dim) {
    await pool.close();
    throw new UserError(
      'index_model_mismatch',
      `the index was built with ${recorded.dim}-dimensional vectors, but ${spec.id} makes ${pool.dim}; run "npm run cli -- reindex --model ${spec.id}"`,
    );
  }
  const vectors = await VectorIndex.open(config.dataDir, store, spec.id, pool.dim, {
    ...options,
    settings: config.index,
  });
  if (vectors.loadedAs === 'rebuilt' && !vectors.rebuilding)
    options.notice(`rebuilt the vector index from the store (${vectors.rebuildReason})`);
  return { ...embedder, vectors };
}

/** Counts tokens with the model's own tokenizer (cheap: no ONNX session). */
async function loadTokenCounter(spec: ModelSpec): Promise<(text: string) => number> {
  transformersEnv.localModelPath = dirname(spec.dir);
  transformersEnv.allowLocalModels = true;
  transformersEnv.allowRemoteModels = false;
  const tokenizer = await AutoTokenizer.from_pretrained(basename(spec.dir));
  return (text) => (tokenizer.encode(text) as number[]).length;
}
