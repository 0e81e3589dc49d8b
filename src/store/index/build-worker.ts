/**
 * One partition of a parallel rebuild (parallel-build.ts), on a core of its own: inserts the
 * vectors it is sent into its HNSW graph, then writes the graph to the file it is given for the
 * main thread to read. hnswlib-node inserts on the calling thread, so this is where the time goes.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { HnswGraph } from './hnsw.ts';
import type { HnswSettings } from './settings.ts';

export type BuildRequest = { kind: 'add'; ids: Float64Array; vectors: Float32Array } | { kind: 'write'; file: string };

export type BuildReply = { kind: 'added'; count: number } | { kind: 'written' } | { kind: 'failed'; message: string };

const { dim, settings, expected } = workerData as { dim: number; settings: HnswSettings; expected: number };
const graph = HnswGraph.empty(dim, settings, expected);
const reply = (message: BuildReply) => parentPort!.postMessage(message);

parentPort!.on('message', (request: BuildRequest) => {
  if (request.kind === 'add') {
    try {
      const { ids, vectors } = request;
      for (let i = 0; i < ids.length; i++) graph.add(ids[i]!, vectors.subarray(i * dim, (i + 1) * dim));
      reply({ kind: 'added', count: ids.length });
    } catch (error) {
      reply({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
    }
    return;
  }
  graph.write(request.file).then(
    () => reply({ kind: 'written' }),
    (error: unknown) => reply({ kind: 'failed', message: error instanceof Error ? error.message : String(error) }),
  );
});
