/**
 * Cross-encoder worker: loads a sequence-classification model (a re-ranker such as
 * ms-marco-MiniLM-L-6-v2) with Transformers.js and scores (question, passage) pairs. It runs
 * off the main thread for the same reason the embedding workers do: the bot's event loop
 * must keep answering Discord while a model computes.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { basename } from 'node:path';
import { AutoModelForSequenceClassification, AutoTokenizer } from '@xenova/transformers';
import { prepareTransformersWorker } from './transformers-worker.ts';

export interface CrossEncoderInit {
  dir: string;
  quantized: boolean;
  maxTokens: number;
  threads: number;
}
export type CrossEncoderRequest = { id: number; question: string; passages: string[] };
export type CrossEncoderResponse =
  | { type: 'ready' }
  | { type: 'scores'; id: number; scores: Float32Array }
  | { type: 'error'; id: number | null; message: string };

const init = workerData as CrossEncoderInit;
const port = parentPort!;

prepareTransformersWorker(init.dir, init.threads);

// Transformers.js prints a failed run's whole input tensors to stderr; the failure reaches the
// engine as a message already, so only those two lines are dropped.
const printError = console.error.bind(console);
console.error = (...args: unknown[]) => {
  const first = String(args[0]);
  if (first.startsWith('An error occurred during model execution') || first.startsWith('Inputs given to model')) return;
  printError(...args);
};

interface Logits {
  dims: number[];
  data: Float32Array;
}

/**
 * One relevance in [0, 1] per pair: the sigmoid of a single logit (MS MARCO re-rankers), or the
 * probability of the last class when the head has two (relevant / not relevant).
 */
function relevances(logits: Logits): Float32Array {
  const [rows, columns] = [logits.dims[0]!, logits.dims[1] ?? 1];
  const out = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    const row = logits.data.subarray(i * columns, (i + 1) * columns);
    if (columns === 1) out[i] = 1 / (1 + Math.exp(-row[0]!));
    else {
      const max = Math.max(...row);
      const exps = Array.from(row, (v) => Math.exp(v - max));
      out[i] = exps.at(-1)! / exps.reduce((a, b) => a + b, 0);
    }
  }
  return out;
}

async function main(): Promise<void> {
  const name = basename(init.dir);
  const tokenizer = await AutoTokenizer.from_pretrained(name);
  // Transformers.js 2.x pads every pair to `max_length` when one is passed, so the window is set
  // on the tokenizer instead: pairs are padded to the longest in the batch and cut at the window.
  tokenizer.model_max_length = Math.min(tokenizer.model_max_length ?? init.maxTokens, init.maxTokens);
  const model = await AutoModelForSequenceClassification.from_pretrained(name, { quantized: init.quantized });
  const length = (text: string): number =>
    (tokenizer.encode(text, null, { add_special_tokens: false }) as number[]).length;
  // [CLS] q [SEP] p [SEP] for BERT, four for RoBERTa: counted, not assumed.
  const pairSpecialTokens = (tokenizer.encode('a', 'b') as number[]).length - length('a') - length('b');
  /**
   * Cuts each passage's end so the pair fits the window. The tokenizer's own truncation would cut
   * the pair's end instead, taking the closing separator with it.
   */
  const fitted = (question: string, passages: string[]): string[] => {
    const room = Math.max(1, tokenizer.model_max_length - length(question) - pairSpecialTokens);
    return passages.map((passage) => {
      const ids = tokenizer.encode(passage, null, { add_special_tokens: false }) as number[];
      return ids.length <= room ? passage : tokenizer.decode(ids.slice(0, room), { skip_special_tokens: true });
    });
  };
  const score = async (question: string, passages: string[]): Promise<Float32Array> => {
    if (passages.length === 0) return new Float32Array(0);
    const inputs = tokenizer(new Array<string>(passages.length).fill(question), {
      text_pair: fitted(question, passages),
      padding: true,
      truncation: true,
    });
    const { logits } = (await model(inputs)) as { logits: Logits };
    return relevances(logits);
  };
  await score('ready', ['ready']);
  port.postMessage({ type: 'ready' } satisfies CrossEncoderResponse);
  port.on('message', (request: CrossEncoderRequest) => {
    score(
      request.question,
      request.passages.map((p) => (p.trim() === '' ? ' ' : p)),
    )
      .then((scores) =>
        port.postMessage({ type: 'scores', id: request.id, scores } satisfies CrossEncoderResponse, [
          scores.buffer as ArrayBuffer,
        ]),
      )
      .catch((error: unknown) =>
        port.postMessage({
          type: 'error',
          id: request.id,
          message: error instanceof Error ? error.message : String(error),
        } satisfies CrossEncoderResponse),
      );
  });
}

main().catch((error: unknown) => {
  port.postMessage({
    type: 'error',
    id: null,
    message: error instanceof Error ? error.message : String(error),
  } satisfies CrossEncoderResponse);
});
