/**
 * What the evaluation, the benches and the tests reach beneath `Engine`: ranked passages without
 * the answer policy, the embedder, the weights and cut-offs (and overriding them), the store.
 */
import type { EngineConfig } from '../config.ts';
import type { EmbeddingPool } from '../embed/pool.ts';
import type { Calibration } from '../search/calibration.ts';
import type { FusionWeights } from '../search/fusion.ts';
import type { SearchResult } from '../search/search.ts';
import type { VectorIndex } from '../store/index/vector-index.ts';
import type { CitebotStore } from '../store/store-api.ts';
import { retrieve, type RetrieveOptions } from './ask.ts';
import { calibrationOf, type DecisionCutoffs } from './calibration.ts';
import { startWordVectors } from './open.ts';
import { questionEmbedder, type EngineState } from './state.ts';

export interface EngineInternals {
  readonly store: CitebotStore;
  /** Ranked passages without highlighting or logging. */
  retrieve(question: string, options: RetrieveOptions): Promise<SearchResult>;
  /** Embeds texts with the index's model (questions' priority), or null when keyword-only. */
  embedder(): ((texts: string[]) => Promise<Float32Array[]>) | null;
  /** The worker pool itself (the evaluation's tuning aid caches through it). */
  embeddingPool(): EmbeddingPool | null;
  /** The engine's configuration (self-calibration opens its temporary indexes like it). */
  readonly config: EngineConfig;
  /** The fusion weights in use (per model). */
  fusionWeights(): FusionWeights;
  /**
   * Overrides fusion weights for this engine only (the evaluation's tuning). The cut-offs stay as
   * they were: a tuning run compares rankings, and `--calibrate` chooses new cut-offs.
   */
  setFusionWeights(overrides: Partial<FusionWeights>): void;
  /** The answer threshold and floor in force (src/engine/calibration.ts). */
  cutoffs(): DecisionCutoffs;
  /** Overrides the threshold or floor for this engine only (evaluation and tests). */
  setCutoffs(overrides: Partial<DecisionCutoffs>): void;
  /** The calibration of the model and weights in use (made here, else shipped), or null. */
  calibration(): Calibration | null;
  /** The vector index, or null when keyword-only (tests check how it was loaded). */
  vectors(): VectorIndex | null;
}

/** `guard` runs work only while the engine is open with its model (the facade's check). */
export function engineInternals(state: EngineState, guard: <T>(work: () => Promise<T>) => Promise<T>): EngineInternals {
  return {
    store: state.store,
    retrieve: (question, options) => guard(() => retrieve(state, question, options)),
    embedder: () => questionEmbedder(state),
    embeddingPool: () => state.semantic?.pool ?? null,
    vectors: () => state.semantic?.vectors ?? null,
    config: state.config,
    fusionWeights: () => state.weights,
    cutoffs: () => state.cutoffs,
    setCutoffs: (overrides) => {
      state.cutoffs = { ...state.cutoffs, ...overrides };
    },
    calibration: () => calibrationOf(state),
    setFusionWeights: (overrides) => {
      state.weights = { ...state.weights, ...overrides };
      startWordVectors(state);
    },
  };
}
