/**
 * A rebuild on every core: one worker thread per partition (build-worker.ts) inserts its share
 * of the store's vectors while the main thread reads the next page from the store and hands it
 * out. Each worker then writes its graph to a temporary file, which the main thread reads back
 * (on libuv threads). The main thread holds at most a few pages beyond what the workers have
 * inserted (`IN_FLIGHT`), so no second copy of the vectors builds up in message queues.
 */
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../../workers.ts';
import type { BuildReply, BuildRequest } from './build-worker.ts';
import { PartitionedGraph } from './partitions.ts';
import { fillAtOnce, fillInSlices, forEachPage, type IndexSource } from './rebuild.ts';
import { partitionsOf, type HnswSettings, type IndexSettings } from './settings.ts';
import type { SnapshotFiles } from './snapshot.ts';

const WORKER_URL = new URL('./build-worker.ts', import.meta.url);
/** Below this many passages a rebuild runs on the main thread: starting the workers would cost more. */
const PARALLEL_FROM = 5_000;
/** Vectors sent to a worker at once (750 KB at 384-d). */
const BATCH = 500;
/** Batches a worker may have queued before the main thread waits for it. */
const IN_FLIGHT = 4;

export interface ParallelBuild {
  dim: number;
  settings: HnswSettings;
  partitions: number;
  /** Stored vectors expected, to size the graphs without resizing. */
  expected: number;
  /** Temporary files, one per partition, that the workers write their graphs to (removed by the caller). */
  files: readonly string[];
}

/** One worker and the batches it has not inserted yet. */
class Builder {
  private readonly worker: Worker;
  private inFlight = 0;
  private ids: number[] = [];
  private vectors: Float32Array[] = [];
  private waiting: { resolve: (reply: BuildReply) => void; reject: (error: Error) => void }[] = [];
  private failure: Error | null = null;

  constructor(dim: number, settings: HnswSettings, expected: number) {
    this.worker = spawnWorker(WORKER_URL, { workerData: { dim, settings, expected } });
    this.worker.on('message', (reply: BuildReply) => {
      if (reply.kind === 'failed') return this.fail(new Error(reply.message));
      if (reply.kind === 'added') this.inFlight--;
      this.waiting.shift()?.resolve(reply);
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`the index build worker stopped (exit code ${code})`)));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiting.splice(0)) waiter.reject(this.failure);
  }

  private next(): Promise<BuildReply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  async add(id: number, vector: Float32Array): Promise<void> {
    this.ids.push(id);
    this.vectors.push(vector);
    if (this.ids.length >= BATCH) await this.send();
  }

  /** Sends the batch gathered so far, once fewer than IN_FLIGHT are queued in the worker. */
  async send(): Promise<void> {
    if (this.ids.length === 0) return;
    while (this.inFlight >= IN_FLIGHT) await this.next();
    if (this.failure) throw this.failure;
    const dim = this.vectors[0]!.length;
    const vectors = new Float32Array(this.ids.length * dim);
    for (const [i, vector] of this.vectors.entries()) vectors.set(vector, i * dim);
    const request: BuildRequest = { kind: 'add', ids: Float64Array.from(this.ids), vectors };
    this.worker.postMessage(request, [request.ids.buffer as ArrayBuffer, vectors.buffer as ArrayBuffer]);
    this.inFlight++;
    this.ids = [];
    this.vectors = [];
  }

  /** Sends what is left, waits for every insert, and has the graph written to `file`. */
  async finish(file: string): Promise<void> {
    await this.send();
    while (this.inFlight > 0) await this.next();
    const written = this.next();
    this.worker.postMessage({ kind: 'write', file } satisfies BuildRequest);
    await written;
  }

  async stop(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}

/**
 * Builds a partitioned graph of every stored vector, one worker per partition; every label is
 * live. Null when `stopped()` turned true (the process is closing) before the end.
 */
export async function buildInParallel(
  source: IndexSource,
  build: ParallelBuild,
  stopped: () => boolean = () => false,
): Promise<PartitionedGraph | null> {
  const each = Math.ceil(build.expected / build.partitions);
  const builders = Array.from({ length: build.partitions }, () => new Builder(build.dim, build.settings, each));
  try {
    const complete = await forEachPage(source, async (page) => {
      if (stopped()) return false;
      for (const { id, vector } of page) await builders[id % build.partitions]!.add(id, vector);
      return true;
    });
    if (!complete) return null;
    await Promise.all(builders.map((builder, i) => builder.finish(build.files[i]!)));
  } finally {
    await Promise.all(builders.map((builder) => builder.stop()));
  }
  const { graph, labels } = await PartitionedGraph.read(build.files, build.dim, build.settings);
  for (const label of labels) graph.adopt(label);
  return graph;
}

/**
 * A fresh graph of every stored vector, in the settings' partitions: built by workers from
 * `parallelFrom` passages on; below that on the main thread, at once, or in slices with a yield
 * between them when `stopped` is given (the work runs while the bot answers). Null when stopped.
 */
export async function buildGraph(
  source: IndexSource,
  files: SnapshotFiles,
  build: { dim: number; settings: IndexSettings; expected: number },
  stopped?: () => boolean,
): Promise<PartitionedGraph | null> {
  const partitions = partitionsOf(build.settings);
  if (partitions > 1 && build.expected >= (build.settings.parallelFrom ?? PARALLEL_FROM)) {
    const temporary = files.temporaryFiles(partitions);
    try {
      return await buildInParallel(source, { ...build, partitions, files: temporary }, stopped);
    } finally {
      await files.release(temporary);
    }
  }
  const graph = PartitionedGraph.empty(build.dim, build.settings, partitions, build.expected);
  if (!stopped) await fillAtOnce(source, graph);
  else if (!(await fillInSlices(source, graph, stopped))) return null;
  return graph;
}
