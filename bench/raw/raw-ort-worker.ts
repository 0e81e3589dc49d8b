/**
 * The bench's floor for embedding: one raw onnxruntime-node session with one thread, fed token
 * ids that were prepared before timing, mean pooling and normalizing in a plain loop. What
 * citebot's pool (tokenizing, pooling, passing messages) is compared with in bench/embed-ratio.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { join } from 'node:path';
import ort from 'onnxruntime-node';

interface Batch {
  ids: BigInt64Array;
  mask: BigInt64Array;
  rows: number;
  length: number;
}

const { modelDir, quantized } = workerData as { modelDir: string; quantized: boolean };
const port = parentPort!;

const session = await ort.InferenceSession.create(
  join(modelDir, 'onnx', quantized ? 'model_quantized.onnx' : 'model.onnx'),
  {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  },
);
port.postMessage({ type: 'ready' });

port.on('message', async (batches: Batch[]) => {
  const started = performance.now();
  let vectors = 0;
  for (const { ids, mask, rows, length } of batches) {
    const dims = [rows, length];
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', ids, dims),
      attention_mask: new ort.Tensor('int64', mask, dims),
    };
    if (session.inputNames.includes('token_type_ids'))
      feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(ids.length), dims);
    const output = await session.run(feeds);
    const hidden = output[session.outputNames[0]!]!.data as Float32Array;
    const dim = hidden.length / (rows * length);
    const pooled = new Float32Array(rows * dim);
    for (let r = 0; r < rows; r++) {
      let count = 0;
      for (let t = 0; t < length; t++) {
        if (mask[r * length + t] === 0n) continue;
        count++;
        const from = (r * length + t) * dim;
        for (let d = 0; d < dim; d++) pooled[r * dim + d]! += hidden[from + d]!;
      }
      let norm = 0;
      for (let d = 0; d < dim; d++) norm += (pooled[r * dim + d]! /= count) ** 2;
      norm = Math.sqrt(norm) || 1;
      for (let d = 0; d < dim; d++) pooled[r * dim + d]! /= norm;
    }
    vectors += rows;
  }
  port.postMessage({ type: 'done', vectors, ms: performance.now() - started });
});
