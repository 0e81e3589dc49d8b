/**
 * The engine's settings. The only reader of the engine's environment variables;
 * every value is validated here, and every problem is reported at once.
 */
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { UserError } from './errors.ts';

export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const EXAMPLES_DIR = resolve(PROJECT_ROOT, 'examples/articles');

const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off', ''])
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const EngineEnv = z.object({
  DATA_DIR: z.string().min(1).default(resolve(PROJECT_ROOT, 'embeddings')),
  EMBEDDING_MODEL: z.string().min(1).default('auto'),
  MODEL_DIR: z.string().min(1).optional(),
  CITEBOT_OFFLINE: flag.default(false),
  HF_ENDPOINT: z.string().url().default('https://huggingface.co'),
  MODEL_DOWNLOAD_TIMEOUT_MS: int(100, 600_000).default(5_000),
  EMBED_WORKERS: int(1, 32).default(Math.min(2, availableParallelism())),
  EMBED_BATCH_SIZE: int(1, 256).default(16),
  MAX_ARTICLE_BYTES: int(1_024, 1_073_741_824).default(5 * 1024 * 1024),
  PASSAGES_PER_ARTICLE: int(1, 50).default(4),
  ANSWER_THRESHOLD: z.coerce.number().min(0).max(2).optional(),
  RERANK_MODEL: z.string().min(1).optional(),
  RERANK_CANDIDATES: int(2, 50).default(10),
  RERANK_THRESHOLD: z.coerce.number().min(0).max(1).optional(),
  AUTO_INGEST_EXAMPLES: flag.default(true),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface EngineConfig {
  /** Holds citebot.db, index.hnsw and models/. */
  dataDir: string;
  /** 'auto', 'minilm', 'use-lite', 'keyword', a hub id, or the id of MODEL_DIR's model. */
  embeddingModel: string;
  modelDir: string | null;
  offline: boolean;
  hubUrl: string;
  downloadTimeoutMs: number;
  embedWorkers: number;
  embedBatchSize: number;
  maxArticleBytes: number;
  passagesPerArticle: number;
  /** Overrides the calibrated "no answer" threshold of the model. */
  answerThreshold: number | null;
  /** The optional cross-encoder re-ranker: a folder path or a hub id; null: no re-ranking. */
  rerankModel: string | null;
  /** How many of the best fused passages the re-ranker reads. */
  rerankCandidates: number;
  /** Overrides the re-ranker's "answers the question" relevance. */
  rerankThreshold: number | null;
  autoIngestExamples: boolean;
  examplesDir: string;
}

/** Reads and validates the engine settings; throws one error listing every bad variable. */
/** The store's SQLite file in the data directory. */
export function storeFile(config: Pick<EngineConfig, 'dataDir'>): string {
  return join(config.dataDir, 'citebot.db');
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): EngineConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EngineEnv.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new UserError('config_invalid', `invalid settings: ${problems.join('; ')} (see .env.example)`);
  }
  const e = parsed.data;
  return Object.freeze({
    dataDir: resolve(e.DATA_DIR),
    embeddingModel: e.EMBEDDING_MODEL,
    modelDir: e.MODEL_DIR ? resolve(e.MODEL_DIR) : null,
    offline: e.CITEBOT_OFFLINE,
    hubUrl: e.HF_ENDPOINT.replace(/\/$/, ''),
    downloadTimeoutMs: e.MODEL_DOWNLOAD_TIMEOUT_MS,
    embedWorkers: e.EMBED_WORKERS,
    embedBatchSize: e.EMBED_BATCH_SIZE,
    maxArticleBytes: e.MAX_ARTICLE_BYTES,
    passagesPerArticle: e.PASSAGES_PER_ARTICLE,
    answerThreshold: e.ANSWER_THRESHOLD ?? null,
    rerankModel: e.RERANK_MODEL ?? null,
    rerankCandidates: e.RERANK_CANDIDATES,
    rerankThreshold: e.RERANK_THRESHOLD ?? null,
    autoIngestExamples: e.AUTO_INGEST_EXAMPLES,
    examplesDir: EXAMPLES_DIR,
  });
}
