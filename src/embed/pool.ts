/**
 * A pool of embedding workers. Questions jump the queue ahead of ingest batches, so a
 * member's /ask is not stuck behind a moderator's large upload.
 */
import type { Worker } from 'node:worker_threads';
import { CitebotError, UserError } from '../errors.ts';
import { spawnWorker } from '../workers.ts';
import type { ModelSpec } from './model-spec.ts';
import type { WorkerInit, WorkerResponse } from './embed-worker.ts';

interface Job {
  id: number;
  texts: string[];
  resolve: (vectors: Float32Array[]) => void;
  reject: (error: Error) => void;
}

interface PoolWorker {
  worker: Worker;
  /** Jobs sent to the worker and not answered yet, oldest first (it answers in order). */
  sent: Job[];
}

/**
 * Batches a worker holds at once: the one it runs and the next, tokenized meanwhile, so its
 * ONNX session goes from one batch to the next without waiting for a message round trip through
 * this thread (which, on a busy machine, waits for the event loop). A question waits for at most
 * the batch under way and the one after it.
 */
const DEPTH = 2;

export interface PoolOptions {
  size: number;
  batchSize: number;
  /** Threads per worker for ONNX Runtime; defaults to cores / size. */
  threadsPerWorker: number;
}

const WORKER_URL = new URL('./embed-worker.ts', import.meta.url);

export class EmbeddingPool {
  readonly spec: ModelSpec;
  readonly dim: number;
  private readonly workers: PoolWorker[];
  private readonly queue: Job[] = [];
  private readonly batchSize: number;
  private nextId = 1;
  /** Engines currently using this pool; at zero the workers stop holding the process open. */
  private users = 0;

  private constructor(spec: ModelSpec, dim: number, workers: PoolWorker[], batchSize: number) {
    this.spec = spec;
    this.dim = dim;
    this.workers = workers;
    this.batchSize = batchSize;
    for (const entry of workers) this.listen(entry);
  }

  /**
   * Starts the workers for a model, or reuses the ones already running in this process.
   * onnxruntime-node aborts the process ("free(): invalid pointer") when a worker that used
   * it is terminated and another one starts, so workers live as long as the process: a
   * closed pool only unrefs them, and the next pool for the same model takes them back.
   */
  static async start(spec: ModelSpec, options: PoolOptions): Promise<EmbeddingPool> {
    const key = JSON.stringify([
      spec.dir,
      spec.quantized,
      spec.pooling,
      options.size,
      options.threadsPerWorker,
      options.batchSize,
    ]);
    let entry = SHARED.get(key);
    if (!entry) {
      entry = EmbeddingPool.create(spec, options);
      SHARED.set(key, entry);
      entry.catch(() => SHARED.delete(key));
    }
    const pool = await entry;
    pool.users++;
    for (const { worker } of pool.workers) worker.ref();
    return pool;
  }

  private static async create(spec: ModelSpec, options: PoolOptions): Promise<EmbeddingPool> {
    const init: WorkerInit = { spec, threads: options.threadsPerWorker };
    // One after another: two workers loading onnxruntime-node's addon and creating their first
    // session at the same moment aborted the process about once in 390 starts (signal 5 in
    // InferenceSessionWrap::Init). Each worker is ready only after its session ran once.
    const ready: { worker: Worker; dim: number }[] = [];
    for (let i = 0; i < options.size; i++) {
      try {
        ready.push(await startWorker(init));
      } catch (error) {
        for (const { worker } of ready) worker.unref();
        throw error;
      }
    }
    return new EmbeddingPool(
      spec,
      ready[0]!.dim,
      ready.map(({ worker }) => ({ worker, sent: [] })),
      options.batchSize,
    );
  }

  /**
   * Embeds texts in batches; `priority` puts them ahead of queued work. Texts are batched
   * by length so a batch isn't padded to one long outlier; results come back in input order.
   */
  async embed(
    texts: readonly string[],
    options: { priority?: boolean; onBatch?: (done: number) => void } = {},
  ): Promise<Float32Array[]> {
    if (this.users === 0) throw new CitebotError('internal', 'the embedding pool is closed');
    const order = texts.map((_, i) => i).sort((a, b) => texts[a]!.length - texts[b]!.length);
    const batches: number[][] = [];
    for (let i = 0; i < order.length; i += this.batchSize) batches.push(order.slice(i, i + this.batchSize));
    const results: Float32Array[] = new Array(texts.length);
    let done = 0;
    await Promise.all(
      batches.map((batch) =>
        this.submit(
          batch.map((i) => texts[i]!),
          options.priority ?? false,
        ).then((vectors) => {
          batch.forEach((index, j) => (results[index] = vectors[j]!));
          done += batch.length;
          options.onBatch?.(done);
        }),
      ),
    );
    return results;
  }

  private submit(texts: string[], priority: boolean): Promise<Float32Array[]> {
    return new Promise((resolve, reject) => {
      const job: Job = { id: this.nextId++, texts, resolve, reject };
      if (priority) this.queue.unshift(job);
      else this.queue.push(job);
      this.dispatch();
    });
  }

  /** Sends queued jobs to the least loaded workers, up to DEPTH each. */
  private dispatch(): void {
    while (this.queue.length > 0) {
      const entry = this.workers.reduce((a, b) => (b.sent.length < a.sent.length ? b : a));
      if (entry.sent.length >= DEPTH) return;
      const job = this.queue.shift()!;
      entry.sent.push(job);
      entry.worker.postMessage({ id: job.id, texts: job.texts });
    }
  }

  private listen(entry: PoolWorker): void {
    entry.worker.on('message', (message: WorkerResponse) => {
      if (message.type === 'ready') return;
      const at = entry.sent.findIndex((job) => job.id === message.id);
      if (at < 0) return;
      const [job] = entry.sent.splice(at, 1) as [Job];
      if (message.type === 'vectors') {
        const vectors: Float32Array[] = [];
        for (let i = 0; i < job.texts.length; i++)
          vectors.push(message.data.subarray(i * message.dim, (i + 1) * message.dim));
        job.resolve(vectors);
      } else {
        job.reject(new CitebotError('internal', `embedding failed: ${message.message}`));
      }
      this.dispatch();
    });
    entry.worker.on('error', (error) => {
      for (const job of entry.sent.splice(0))
        job.reject(new CitebotError('internal', `an embedding worker crashed: ${error.message}`, { cause: error }));
    });
  }

  /** Releases this user's hold; the workers stay loaded for the next pool of the same model. */
  async close(): Promise<void> {
    if (this.users === 0) return;
    this.users--;
    if (this.users > 0) return;
    await this.idle();
    for (const { worker } of this.workers) worker.unref();
  }

  private async idle(): Promise<void> {
    while (this.queue.length > 0 || this.workers.some((w) => w.sent.length > 0))
      await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const SHARED = new Map<string, Promise<EmbeddingPool>>();

function startWorker(init: WorkerInit): Promise<{ worker: Worker; dim: number }> {
  return new Promise((resolve, reject) => {
    const worker = spawnWorker(WORKER_URL, { workerData: init });
    const fail = (message: string): void => {
      // Not terminate(): see EmbeddingPool.start.
      worker.unref();
      reject(
        new UserError(
          'model_invalid',
          `the embedding model in ${init.spec.dir} could not be loaded (${message}); check that the folder holds config.json, tokenizer.json and onnx/${init.spec.quantized ? 'model_quantized' : 'model'}.onnx, or set EMBEDDING_MODEL=keyword`,
        ),
      );
    };
    worker.once('message', (message: WorkerResponse) => {
      if (message.type === 'ready') resolve({ worker, dim: message.dim });
      else fail(message.type === 'error' ? message.message : 'unexpected message');
    });
    worker.once('error', (error) => fail(error.message));
  });
}
