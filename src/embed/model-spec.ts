import type { FusionTerm } from '../search/fusion.ts';

/**
 * A model folder that Transformers.js can load with no network:
 *   <dir>/config.json, tokenizer.json, tokenizer_config.json,
 *   <dir>/onnx/model.onnx (or onnx/model_quantized.onnx when `quantized`).
 * The embedding worker loads it with
 *   env.localModelPath = dirname(dir); env.allowRemoteModels = false;
 *   pipeline('feature-extraction', basename(dir), { quantized })
 * and calls it with { pooling, normalize: true }.
 */
export interface ModelSpec {
  /** Identity recorded in the store; an index built with one id refuses another. */
  id: string;
  dir: string;
  quantized: boolean;
  pooling: 'mean' | 'cls';
  /** Tokens the model attends to; longer passages are split at sentence boundaries. */
  maxTokens: number;
  /**
   * Fusion weights for this model and the threshold and floor calibrated for them (from its
   * folder's citebot.json), if any: any term of FUSION_TERMS (src/search/fusion.ts).
   */
  fusion?: Partial<Record<FusionTerm | 'threshold' | 'floor', number>>;
}
