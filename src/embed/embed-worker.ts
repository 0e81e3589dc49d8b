/**
 * Embedding worker: loads one model folder with Transformers.js and turns batches of
 * texts into normalized vectors. Runs off the main thread so ingests and questions never
 * block the Discord event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { basename, dirname } from 'node:path';
import ort from 'onnxruntime-node';
import { env, pipeline } from '@xenova/transformers';
import type { ModelSpec } from './model-spec.ts';

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

// Transformers.js 2.x has no session options; without this every worker would start
// one ONNX thread per core and the pool would oversubscribe the CPU.
const createSession = ort.InferenceSession.create.bind(ort.InferenceSession) as (...args: unknown[]) => Promise<ort.InferenceSession>;
(ort.InferenceSession as unknown as { create: unknown }).create = (model: unknown, options: ort.InferenceSession.SessionOptions = {}) =>
  createSession(model, { ...options, intraOpNumThreads: threads, interOpNumThreads: 1 });

env.localModelPath = dirname(spec.dir);
env.allowLocalModels = true;
env.allowRemoteModels = false;

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
