/** Runs parseArticles for the main thread (see parse-off-thread.ts). */
import { parentPort } from 'node:worker_threads';
import { isCitebotError } from '../errors.ts';
import { parseArticles } from './parse.ts';
import type { ParseRequest, ParseResponse } from './parse-off-thread.ts';

const port = parentPort!;
port.on('message', (request: ParseRequest) => {
  let response: ParseResponse;
  try {
    response = { id: request.id, articles: parseArticles(request.input, request.limits) };
  } catch (error) {
    response = isCitebotError(error)
      ? { id: request.id, error: { user: error.name === 'UserError', code: error.code, message: error.message } }
      : { id: request.id, error: { user: false, code: 'internal', message: error instanceof Error ? (error.stack ?? error.message) : String(error) } };
  }
  port.postMessage(response);
});
port.postMessage({ ready: true } satisfies ParseResponse);
