/**
 * Prepares the word-vector cache off the main thread: reading 135 MB of the package's JSON and
 * quantizing 150,000 vectors takes seconds of CPU, which in the bot would otherwise come out of
 * the Discord event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CitebotError } from '../errors.ts';
import { convertInto } from './word-vectors.ts';

const { dir, limit } = workerData as { dir: string; limit: number };

try {
  await convertInto(dir, limit);
  parentPort!.postMessage({ ok: true });
} catch (error) {
  // File-system failures (a read-only or full DATA_DIR) arrive as plain errors with an errno code: say where and what to do.
  const message = error instanceof Error ? error.message : String(error);
  const isFileSystem = typeof (error as NodeJS.ErrnoException | undefined)?.code === 'string';
  const failure =
    error instanceof CitebotError
      ? error
      : isFileSystem
        ? new CitebotError(
            'folder_not_writable',
            `could not write the word vectors into ${dir} (${message}); check that DATA_DIR is writable and has about 20 MB free`,
          )
        : new CitebotError('model_invalid', `preparing the word vectors failed: ${message}`);
  parentPort!.postMessage({ ok: false, code: failure.code, message: failure.message });
}
