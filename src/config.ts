/**
 * The engine's settings. The only reader of the engine's environment variables;
 * every value is validated here, and every problem is reported at once.
 */
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { allowListProblems, splitAllowList } from './net/address-policy.ts';
import { flag, httpUrl, int, optionalNumber, optionalText, parseSettings, text } from './settings.ts';
import { DEFAULT_INDEX_SETTINGS } from './store/index/settings.ts';

export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const EXAMPLES_DIR = resolve(PROJECT_ROOT, 'examples/articles');

/** The engine's variables, each with its default; documented in .env.example. */
const EngineSettings = z
  .object({
    DATA_DIR: text(resolve(PROJECT_ROOT, 'embeddings')),
    DATABASE_URL: optionalText().refine((v) => v === null || /^postgres(ql)?:\/\//.test(v), {
      message:
        'DATABASE_URL must be a PostgreSQL URL (postgres://user:password@host:5432/database), or unset for SQLite in DATA_DIR',
    }),
    EMBEDDING_MODEL: text('auto'),
    MODEL_DIR: optionalText(),
    CITEBOT_OFFLINE: flag('CITEBOT_OFFLINE', false),
    HF_ENDPOINT: httpUrl('HF_ENDPOINT', 'https://huggingface.co'),
    MODEL_DOWNLOAD_TIMEOUT_MS: int('MODEL_DOWNLOAD_TIMEOUT_MS', 100, 600_000, 5_000),
    EMBED_WORKERS: int('EMBED_WORKERS', 1, 32, Math.min(2, availableParallelism())),
    EMBED_BATCH_SIZE: int('EMBED_BATCH_SIZE', 1, 256, 16),
    MAX_ARTICLE_BYTES: int('MAX_ARTICLE_BYTES', 1_024, 1_073_741_824, 5 * 1024 * 1024),
    PARSE_TIMEOUT_MS: int('PARSE_TIMEOUT_MS', 50, 3_600_000, 60_000),
    PASSAGES_PER_ARTICLE: int('PASSAGES_PER_ARTICLE', 1, 50, 4),
    ANSWER_THRESHOLD: optionalNumber('ANSWER_THRESHOLD', 0, 2),
    RERANK_MODEL: optionalText(),
    RERANK_CANDIDATES: int('RERANK_CANDIDATES', 2, 50, 10),
    RERANK_THRESHOLD: optionalNumber('RERANK_THRESHOLD', 0, 1),
    HNSW_M: int('HNSW_M', 4, 64, DEFAULT_INDEX_SETTINGS.m),
    HNSW_EF_CONSTRUCTION: int('HNSW_EF_CONSTRUCTION', 10, 2_000, DEFAULT_INDEX_SETTINGS.efConstruction),
    HNSW_EF_SEARCH: int('HNSW_EF_SEARCH', 10, 2_000, DEFAULT_INDEX_SETTINGS.efSearch),
    INDEX_SNAPSHOT_CHANGES: int('INDEX_SNAPSHOT_CHANGES', 1, 1_000_000, DEFAULT_INDEX_SETTINGS.snapshotChanges),
    AUTO_INGEST_EXAMPLES: flag('AUTO_INGEST_EXAMPLES', true),
    CITEBOT_OPERATOR_URL: optionalText().transform((value, ctx): string | null => {
      if (value !== null && !/^https?:\/\/\S+$/i.test(value))
        ctx.addIssue({
          code: 'custom',
          message: 'CITEBOT_OPERATOR_URL must be an http(s) URL (shown in the User-Agent of feed requests)',
        });
      return value;
    }),
    FEED_MAX_NEW_ITEMS: int('FEED_MAX_NEW_ITEMS', 1, 1000, 20),
    ALLOW_PRIVATE_HOSTS: optionalText().transform((value, ctx): readonly string[] => {
      const entries = splitAllowList(value ?? '');
      for (const problem of allowListProblems(entries))
        ctx.addIssue({ code: 'custom', message: `ALLOW_PRIVATE_HOSTS: ${problem}` });
      return Object.freeze(entries);
    }),
  })
  .transform((e) => ({
    /** Holds citebot.db, index.hnsw and models/. */
    dataDir: resolve(e.DATA_DIR),
    /** PostgreSQL instead of SQLite in DATA_DIR when set (several processes, one database). */
    databaseUrl: e.DATABASE_URL,
    /** 'auto', 'minilm', 'use-lite', 'keyword', a hub id, or the id of MODEL_DIR's model. */
    embeddingModel: e.EMBEDDING_MODEL,
    modelDir: e.MODEL_DIR === null ? null : resolve(e.MODEL_DIR),
    offline: e.CITEBOT_OFFLINE,
    hubUrl: e.HF_ENDPOINT,
    downloadTimeoutMs: e.MODEL_DOWNLOAD_TIMEOUT_MS,
    embedWorkers: e.EMBED_WORKERS,
    embedBatchSize: e.EMBED_BATCH_SIZE,
    maxArticleBytes: e.MAX_ARTICLE_BYTES,
    /** Wall-clock limit on reading one input (file, page, attachment) in the parse worker: bot and CLI alike. */
    parseTimeoutMs: e.PARSE_TIMEOUT_MS,
    passagesPerArticle: e.PASSAGES_PER_ARTICLE,
    /** Overrides the calibrated "no answer" threshold of the model. */
    answerThreshold: e.ANSWER_THRESHOLD,
    /** The optional cross-encoder re-ranker: a folder path or a hub id; null: no re-ranking. */
    rerankModel: e.RERANK_MODEL,
    /** How many of the best fused passages the re-ranker reads. */
    rerankCandidates: e.RERANK_CANDIDATES,
    /** Overrides the re-ranker's "answers the question" relevance. */
    rerankThreshold: e.RERANK_THRESHOLD,
    /** The HNSW graph's settings and how often its snapshot is rewritten (docs/performance.md). */
    index: Object.freeze({
      m: e.HNSW_M,
      efConstruction: e.HNSW_EF_CONSTRUCTION,
      efSearch: e.HNSW_EF_SEARCH,
      snapshotChanges: e.INDEX_SNAPSHOT_CHANGES,
    }),
    autoIngestExamples: e.AUTO_INGEST_EXAMPLES,
    examplesDir: EXAMPLES_DIR,
    /** Where site owners can reach the operator; named in feed requests' User-Agent. */
    operatorUrl: e.CITEBOT_OPERATOR_URL,
    /** New or changed items indexed per feed poll; the rest wait for the next poll. */
    feedMaxNewItems: e.FEED_MAX_NEW_ITEMS,
    /** Host names and CIDR networks every fetch may reach although they are not public. */
    allowPrivateHosts: e.ALLOW_PRIVATE_HOSTS,
  }));

export type EngineConfig = Readonly<z.output<typeof EngineSettings>>;

/** The store's SQLite file in the data directory. */
export function storeFile(config: Pick<EngineConfig, 'dataDir'>): string {
  return join(config.dataDir, 'citebot.db');
}

/** Reads and validates the engine settings; throws one error listing every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): EngineConfig {
  return Object.freeze(parseSettings(EngineSettings, env, { what: 'settings', seeAlso: '.env.example' }));
}
