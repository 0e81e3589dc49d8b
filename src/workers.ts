/** Worker threads that run this project's TypeScript modules. */
import { Worker, type WorkerOptions } from 'node:worker_threads';

const BOOTSTRAP_URL = new URL('./worker-bootstrap.mjs', import.meta.url);

/** Starts a worker thread running the TypeScript module at `moduleUrl`. */
export function spawnWorker(moduleUrl: URL, options: Omit<WorkerOptions, 'argv'> = {}): Worker {
  return new Worker(BOOTSTRAP_URL, { ...options, argv: [moduleUrl.href] });
}
