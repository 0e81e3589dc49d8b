/** What the engine's modules share: the store, the model and its index, the weights in use. */
import type { EngineConfig } from '../config.ts';
import type { Reranker } from '../embed/cross-encoder.ts';
import type { EmbeddingPool } from '../embed/pool.ts';
import type { ModelSpec } from '../embed/model-spec.ts';
import type { WordVectors } from '../embed/word-vectors.ts';
import { KEYWORD_ID } from '../embed/models.ts';
import type { Calibration } from '../search/calibration.ts';
import type { FusionWeights } from '../search/fusion.ts';
import type { Cutoffs } from '../search/verdict.ts';
import type { CitebotStore } from '../store/store-api.ts';
import type { VectorIndex } from '../store/index/vector-index.ts';

export interface Embedder {
  spec: ModelSpec;
  pool: EmbeddingPool;
  countTokens: (text: string) => number;
}

export interface Semantic extends Embedder {
  vectors: VectorIndex;
}

export interface EngineState {
  readonly config: EngineConfig;
  readonly store: CitebotStore;
  /** The embedding model and its vector index; null when search is keyword-only. */
  semantic: Semantic | null;
  /** Why search is keyword-only, when it is. */
  keywordReason: string | null;
  weights: FusionWeights;
  /** The answer threshold and floor in force (src/engine/calibration.ts). */
  cutoffs: Pick<Cutoffs, 'threshold' | 'floor'>;
  /** The calibrations made on this machine, read from the store at open. */
  calibrations: Calibration[];
  readonly notice: (message: string) => void;
  /** Loaded in the background, only when the model's weights use them. */
  wordVectors: Promise<WordVectors | null> | null;
  /** The cross-encoder of RERANK_MODEL; null when it is unset. */
  readonly reranker: Reranker | null;
}

export function modelIdOf(state: EngineState): string {
  return state.semantic?.spec.id ?? KEYWORD_ID;
}

/** Keyword-only indexes have no tokenizer: estimate generously (≈1.3 tokens a word). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.split(/\s+/).length * 1.3) + 2;
}

export function countTokens(state: EngineState, text: string): number {
  return state.semantic ? state.semantic.countTokens(text) : estimateTokens(text);
}

export function maxTokens(state: EngineState): number {
  return state.semantic?.spec.maxTokens ?? 256;
}

/** Embeds texts with the index's model, questions first; null when keyword-only. */
export function questionEmbedder(state: EngineState): ((texts: string[]) => Promise<Float32Array[]>) | null {
  const semantic = state.semantic;
  return semantic ? (texts) => semantic.pool.embed(texts, { priority: true }) : null;
}
