/**
 * Embedding worker: loads one model folder with Transformers.js and turns batches of
 * texts into normalized vectors. Runs off the main thread so ingests and questions never
 * block the Discord event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { basename } from 'node:path';
import { pipeline } from '@xenova/transformers';
import type { ModelSpec } from './model-spec.ts';
import { prepareTransformersWorker } from './transformers-worker.ts';

export interface WorkerInit {
  spec: ModelSpec;
  threads: number;
}
export type WorkerRequest = { id: number; texts: string[] };
export type WorkerResponse =
  | { type: 'ready'; dim: number }
  | { type: 'vectors'; id: number; dim: number; data: Float32Array }
  | { type: 'error'; id: number | null; message: string };

const { spec, threads } = workerData as WorkerInit;
const port = parentPort!;

prepareTransformersWorker(spec.dir, threads);

async function main(): Promise<void> {
  const extractor = await pipeline('feature-extraction', basename(spec.dir), { quantized: spec.quantized });
  const embed = async (texts: string[]): Promise<{ dim: number; data: Float32Array }> => {
    const output = await extractor(texts, { pooling: spec.pooling, normalize: true });
    const dim = output.dims.at(-1) as number;
    // Copy out of the ONNX-owned buffer so it can be released and ours transferred.
    const data = new Float32Array(output.data as Float32Array);
    (output as unknown as { dispose?: () => void }).dispose?.();
    return { dim, data };
  };
  const probe = await embed(['ready']);
  port.postMessage({ type: 'ready', dim: probe.dim } satisfies WorkerResponse);
  port.on('message', (request: WorkerRequest) => {
    embed(request.texts.map((t) => (t.trim() === '' ? ' ' : t)))
      .then(({ dim, data }) => port.postMessage({ type: 'vectors', id: request.id, dim, data } satisfies WorkerResponse, [data.buffer as ArrayBuffer]))
      .catch((error: unknown) =>
        port.postMessage({ type: 'error', id: request.id, message: error instanceof Error ? error.message : String(error) } satisfies WorkerResponse),
      );
  });
}

main().catch((error: unknown) => {
  port.postMessage({ type: 'error', id: null, message: error instanceof Error ? error.message : String(error) } satisfies WorkerResponse);
});
