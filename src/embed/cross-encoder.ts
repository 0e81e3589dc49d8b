/**
 * The optional re-ranker (RERANK_MODEL): a cross-encoder reads the question and each of the best
 * few passages together and scores how well the passage answers it. A sentence encoder compares
 * two vectors made apart, so it cannot tell "the article mentions the strike" from "the article
 * says what the strike cost"; a cross-encoder can, which is what a confident "no answer" needs.
 *
 * The model is a Transformers.js sequence-classification folder (Xenova/ms-marco-MiniLM-L-6-v2,
 * downloaded once into DATA_DIR/models, or any folder given by path for air-gapped installs).
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { EngineConfig } from '../config.ts';
import { CitebotError, UserError } from '../errors.ts';
import { spawnWorker } from '../workers.ts';
import type { CrossEncoderInit, CrossEncoderResponse } from './cross-encoder-worker.ts';
import { downloadHubModel, modelFolderFiles, modelsDir, readJson, readModelFolderSettings } from './models.ts';

export const DEFAULT_RERANKER_ID = 'Xenova/ms-marco-MiniLM-L-6-v2';
const RERANKER_ALIASES: Record<string, string> = {
  'ms-marco': DEFAULT_RERANKER_ID,
  'ms-marco-minilm-l-6-v2': DEFAULT_RERANKER_ID,
};
/**
 * A passage whose relevance is at least this answers the question. 0.5 is a logit of 0, where an
 * MS MARCO re-ranker is as likely to call a pair relevant as not. Not calibrated on this
 * project's sets (the hub is unreachable where they were measured); a folder's citebot.json
 * ({"threshold": …}) or RERANK_THRESHOLD replaces it after `npm run eval -- --calibrate`.
 */
export const DEFAULT_RERANK_THRESHOLD = 0.5;

export interface CrossEncoderSpec {
  id: string;
  dir: string;
  quantized: boolean;
  maxTokens: number;
  threshold: number;
}

/** Scores (question, passage) pairs: one relevance in [0, 1] per passage, in order. */
export interface Reranker {
  readonly spec: CrossEncoderSpec;
  /** How many of the best fused passages are read again. */
  readonly candidates: number;
  score(question: string, passages: readonly string[]): Promise<Float32Array>;
  close(): Promise<void>;
}

/** Describes a re-ranker folder: config.json, tokenizer.json and onnx/model(_quantized).onnx. */
export function crossEncoderFromFolder(dir: string, id: string, thresholdOverride: number | null): CrossEncoderSpec {
  const files = modelFolderFiles(dir);
  if (!files) {
    throw new UserError(
      'model_missing',
      `RERANK_MODEL: ${dir} is not a usable re-ranker folder: it needs config.json, tokenizer.json and onnx/model.onnx (or onnx/model_quantized.onnx), as in ${DEFAULT_RERANKER_ID}; or unset RERANK_MODEL`,
    );
  }
  const settings = readModelFolderSettings(dir);
  const maxLength =
    readJson<{ model_max_length?: number }>(join(dir, 'tokenizer_config.json'))?.model_max_length ?? 512;
  return {
    id: settings.id ?? id,
    dir,
    quantized: files.quantized,
    maxTokens: Math.min(maxLength, 512),
    threshold: thresholdOverride ?? settings.threshold ?? DEFAULT_RERANK_THRESHOLD,
  };
}

/** RERANK_MODEL as a folder (an existing path) or a hub id (cached, else downloaded once). */
export async function resolveReranker(
  config: EngineConfig,
  notice: (message: string) => void,
): Promise<CrossEncoderSpec | null> {
  const wanted = config.rerankModel;
  if (!wanted) return null;
  const asPath = resolve(wanted);
  if (existsSync(asPath) && statSync(asPath).isDirectory())
    return crossEncoderFromFolder(asPath, `local:${wanted}`, config.rerankThreshold);
  const alias = wanted.toLowerCase();
  const id = Object.hasOwn(RERANKER_ALIASES, alias) ? RERANKER_ALIASES[alias]! : wanted;
  if (!/^[\w.-]+\/[\w.-]+$/.test(id)) {
    throw new UserError(
      'config_invalid',
      `RERANK_MODEL "${wanted}" is neither a folder nor a model id like ${DEFAULT_RERANKER_ID}; fix it or unset RERANK_MODEL`,
    );
  }
  const cached = join(modelsDir(config), id);
  if (existsSync(join(cached, 'onnx/model_quantized.onnx')))
    return crossEncoderFromFolder(cached, id, config.rerankThreshold);
  if (config.offline) {
    throw new UserError(
      'model_missing',
      `the re-ranker ${id} is not in ${modelsDir(config)} and CITEBOT_OFFLINE is set; copy its folder there (or anywhere, and set RERANK_MODEL to its path), or unset RERANK_MODEL`,
    );
  }
  notice(`trying to download the re-ranker ${id} (about 23 MB, once) into ${modelsDir(config)}`);
  try {
    return crossEncoderFromFolder(await downloadHubModel(config, id), id, config.rerankThreshold);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    throw new UserError(
      'model_missing',
      `${error.message}; set RERANK_MODEL to a copy of the folder, or unset it to answer without re-ranking`,
      { cause: error },
    );
  }
}

interface Job {
  id: number;
  question: string;
  passages: string[];
  resolve: (scores: Float32Array) => void;
  reject: (error: Error) => void;
}

/**
 * One worker per model and process, reused by every engine: as for the embedding pool,
 * terminating a worker that used onnxruntime-node and starting another aborts the process.
 */
class CrossEncoderWorker {
  private readonly queue: Job[] = [];
  private busy: Job | null = null;
  private nextId = 1;
  users = 0;

  /** Set once the worker has died: every later job fails at once instead of waiting forever. */
  private failure: CitebotError | null = null;

  constructor(readonly worker: Worker) {
    worker.on('message', (message: CrossEncoderResponse) => this.settle(message));
    worker.on('error', (error) =>
      this.fail(new CitebotError('internal', `the re-ranker worker crashed: ${error.message}`, { cause: error })),
    );
    worker.on('exit', (code) =>
      this.fail(new CitebotError('internal', `the re-ranker worker stopped (exit code ${code})`)),
    );
  }

  score(question: string, passages: string[]): Promise<Float32Array> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, question, passages, resolve, reject });
      this.dispatch();
    });
  }

  private fail(error: CitebotError): void {
    this.failure ??= error;
    for (const job of [...(this.busy ? [this.busy] : []), ...this.queue.splice(0)]) job.reject(this.failure);
    this.busy = null;
  }

  async idle(): Promise<void> {
    while (this.busy || this.queue.length > 0) await new Promise((r) => setTimeout(r, 5));
  }

  private dispatch(): void {
    if (this.busy || this.queue.length === 0) return;
    const job = this.queue.shift()!;
    this.busy = job;
    this.worker.postMessage({ id: job.id, question: job.question, passages: job.passages });
  }

  private settle(message: CrossEncoderResponse): void {
    const job = this.busy;
    if (!job || message.type === 'ready') return;
    this.busy = null;
    if (message.type === 'scores') job.resolve(message.scores);
    else job.reject(new CitebotError('internal', `re-ranking failed: ${message.message}`));
    this.dispatch();
  }
}

const WORKER_URL = new URL('./cross-encoder-worker.ts', import.meta.url);
const WORKERS = new Map<string, Promise<CrossEncoderWorker>>();

function startWorker(init: CrossEncoderInit): Promise<CrossEncoderWorker> {
  return new Promise((resolvePromise, reject) => {
    const worker = spawnWorker(WORKER_URL, { workerData: init });
    const fail = (message: string): void => {
      worker.unref();
      reject(
        new UserError(
          'model_invalid',
          `the re-ranker in ${init.dir} could not be loaded (${message}); RERANK_MODEL must be a sequence-classification (cross-encoder) model folder such as ${DEFAULT_RERANKER_ID}, or unset it`,
        ),
      );
    };
    worker.once('message', (message: CrossEncoderResponse) => {
      if (message.type === 'ready') resolvePromise(new CrossEncoderWorker(worker));
      else fail(message.type === 'error' ? message.message : 'unexpected message');
    });
    worker.once('error', (error) => fail(error.message));
  });
}

/** Starts (or takes back) the worker for the model; `close` releases this user's hold. */
export async function openReranker(
  spec: CrossEncoderSpec,
  options: { candidates: number; threads: number },
): Promise<Reranker> {
  const key = JSON.stringify([spec.dir, spec.quantized, spec.maxTokens, options.threads]);
  let entry = WORKERS.get(key);
  if (!entry) {
    entry = startWorker({
      dir: spec.dir,
      quantized: spec.quantized,
      maxTokens: spec.maxTokens,
      threads: options.threads,
    });
    WORKERS.set(key, entry);
    entry.catch(() => WORKERS.delete(key));
  }
  const shared = await entry;
  shared.users++;
  shared.worker.ref();
  let closed = false;
  return {
    spec,
    candidates: options.candidates,
    score: (question, passages) => {
      if (closed) return Promise.reject(new CitebotError('internal', 'the re-ranker is closed'));
      return shared.score(question, [...passages]);
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await shared.idle();
      if (--shared.users === 0) shared.worker.unref();
    },
  };
}
