/**
 * Embedding worker: loads one model folder with Transformers.js and turns batches of
 * texts into normalized vectors. Runs off the main thread so ingests and questions never
 * block the Discord event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { basename } from 'node:path';
import { pipeline } from '@xenova/transformers';
import type { ModelSpec } from './model-spec.ts';
import { poolAndNormalize } from './pooling.ts';
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

interface Tensorish {
  data: Float32Array | BigInt64Array;
  dims: number[];
}
type Extractor = {
  tokenizer: (texts: string[], options: { padding: boolean; truncation: boolean }) => Record<string, Tensorish>;
  model: (inputs: Record<string, Tensorish>) => Promise<Record<string, Tensorish | undefined>>;
};

async function main(): Promise<void> {
  // Loaded as Transformers.js loads it; run without the pipeline's call, whose pooling costs more
  // than the int8 model's own work on a batch (see pooling.ts).
  const extractor = (await pipeline('feature-extraction', basename(spec.dir), {
    quantized: spec.quantized,
  })) as unknown as Extractor;
  // Padded to the batch's longest text (Transformers.js 2.x pads to max_length when one is
  // given, so none is: passages are cut to the model's window when they are made).
  const tokenize = (texts: string[]) =>
    extractor.tokenizer(
      texts.map((t) => (t.trim() === '' ? ' ' : t)),
      { padding: true, truncation: true },
    );
  const run = async (inputs: Record<string, Tensorish>): Promise<{ dim: number; data: Float32Array }> => {
    const outputs = await extractor.model(inputs);
    const hidden = outputs.last_hidden_state ?? outputs.logits ?? outputs.token_embeddings;
    if (!hidden) throw new Error('the model gave no token vectors (last_hidden_state)');
    // Pooled into a fresh buffer, which is transferred to the pool, not copied.
    return poolAndNormalize(hidden.data as Float32Array, hidden.dims, inputs.attention_mask!.data, spec.pooling);
  };
  const probe = await run(tokenize(['ready']));
  port.postMessage({ type: 'ready', dim: probe.dim } satisfies WorkerResponse);
  // The pool sends the next batch before this one is done (pool.ts): it is tokenized here while
  // ONNX Runtime runs the current one on its own thread, and runs as soon as that one ends, so
  // the session never waits for a message round trip or for the tokenizer. Runs go one at a time.
  const prepared: { id: number; inputs: Record<string, Tensorish> }[] = [];
  let running = false;
  const drain = async () => {
    if (running) return;
    running = true;
    for (let job = prepared.shift(); job; job = prepared.shift()) {
      try {
        const { dim, data } = await run(job.inputs);
        port.postMessage({ type: 'vectors', id: job.id, dim, data } satisfies WorkerResponse, [
          data.buffer as ArrayBuffer,
        ]);
      } catch (error) {
        fail(job.id, error);
      }
    }
    running = false;
  };
  port.on('message', (request: WorkerRequest) => {
    try {
      prepared.push({ id: request.id, inputs: tokenize(request.texts) });
    } catch (error) {
      fail(request.id, error);
      return;
    }
    void drain();
  });
}

function fail(id: number | null, error: unknown): void {
  port.postMessage({
    type: 'error',
    id,
    message: error instanceof Error ? error.message : String(error),
  } satisfies WorkerResponse);
}

main().catch((error: unknown) => fail(null, error));
