/**
 * Set-up shared by the worker threads that run a Transformers.js model (embedding and re-ranking):
 * load only from the model's own folder, with a bounded number of ONNX threads.
 */
import { dirname } from 'node:path';
import ort from 'onnxruntime-node';
import { env } from '@xenova/transformers';

/**
 * Transformers.js 2.x has no session options; without this every worker would start one ONNX
 * thread per core and the workers together would oversubscribe the CPU.
 */
export function prepareTransformersWorker(modelDir: string, threads: number): void {
  const createSession = ort.InferenceSession.create.bind(ort.InferenceSession) as (
    ...args: unknown[]
  ) => Promise<ort.InferenceSession>;
  (ort.InferenceSession as unknown as { create: unknown }).create = (
    model: unknown,
    options: ort.InferenceSession.SessionOptions = {},
  ) => createSession(model, { ...options, intraOpNumThreads: threads, interOpNumThreads: 1 });
  env.localModelPath = dirname(modelDir);
  env.allowLocalModels = true;
  env.allowRemoteModels = false;
}
