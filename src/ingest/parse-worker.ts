/**
 * Runs parseInput (every format, PDF and Word included) and parseFeedBytes (feeds and sitemaps)
 * for the main thread (see parse-off-thread.ts).
 */
import { parentPort } from 'node:worker_threads';
import { isCitebotError } from '../errors.ts';
import { parseFeedBytes } from './feeds/parse-feed.ts';
import { parseInput, type SkippedRecords } from './parse.ts';
import type { ParseRequest, ParseResponse } from './parse-off-thread.ts';

const port = parentPort!;

async function answer(request: ParseRequest): Promise<ParseResponse> {
  try {
    const { job } = request;
    if (job.kind === 'feed') return { id: request.id, feed: parseFeedBytes(job.body, job.charset, job.shown) };
    const skipped: SkippedRecords = [];
    const articles = await parseInput(job.input, job.limits, job.collectSkipped ? skipped : undefined);
    return { id: request.id, articles, skipped };
  } catch (error) {
    return isCitebotError(error)
      ? { id: request.id, error: { user: error.name === 'UserError', code: error.code, message: error.message } }
      : {
          id: request.id,
          error: {
            user: false,
            code: 'internal',
            message: error instanceof Error ? (error.stack ?? error.message) : String(error),
          },
        };
  }
}

// One input at a time, in order: the parent's time limit is armed for the job at the head of its queue.
let queue: Promise<void> = Promise.resolve();
port.on('message', (request: ParseRequest) => {
  queue = queue.then(async () => port.postMessage(await answer(request)));
});
port.postMessage({ ready: true } satisfies ParseResponse);
