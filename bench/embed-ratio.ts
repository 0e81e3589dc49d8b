/**
 * citebot's embedding pool against the hardware's floor, in one run: the same MiniLM-shaped int8
 * graph, the same news and XQuAD paragraphs, the same batches (16, by token length), on one worker
 * per core with one ONNX thread each. The floor is raw onnxruntime-node sessions fed token ids
 * prepared before timing (bench/raw/raw-ort-worker.ts); citebot's figure includes everything its
 * ingest pays: tokenizing, tensors, pooling, copies and messages. `ratio` = citebot / raw.
 *
 *   npx tsx bench/embed-ratio.ts [--json] [--passes 3] [--paragraphs 360]
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { AutoTokenizer, env } from '@xenova/transformers';
import { PROJECT_ROOT } from '../src/config.ts';
import { EmbeddingPool } from '../src/embed/pool.ts';
import { makePassages } from '../src/ingest/passages.ts';
import type { ModelSpec } from '../src/embed/model-spec.ts';
import { spawnWorker } from '../src/workers.ts';
import { cachedModel } from './embed-throughput.ts';
import { createMiniLmShapedModel } from './minilm-shaped.ts';
import { SHARED_DIR } from './shared.ts';

export interface EmbedRatio {
  citebot_per_s: number;
  raw_ort_per_s: number;
  ratio: number;
}

const BATCH = 16;

/**
 * The passages citebot makes of the news and XQuAD paragraphs (news first), as its ingest embeds
 * them: split at sentences to fit the model's window.
 */
export async function benchPassages(spec: ModelSpec, count: number): Promise<string[]> {
  const sets = [join(PROJECT_ROOT, 'eval/news-en.json'), join(SHARED_DIR, 'eval/xquad-en.json')];
  const articles = sets.flatMap(
    (file) =>
      (JSON.parse(readFileSync(file, 'utf8')) as { articles: { id: string; title: string; paragraphs: string[] }[] })
        .articles,
  );
  const tokenizer = await loadTokenizer(spec);
  const countTokens = (text: string) => (tokenizer.encode(text) as number[]).length;
  const passages: string[] = [];
  for (const a of articles) {
    if (passages.length >= count) break;
    const article = {
      id: a.id,
      title: a.title,
      date: null,
      source: null,
      section: null,
      url: null,
      paragraphs: a.paragraphs,
    };
    passages.push(...makePassages(article, { countTokens, maxTokens: spec.maxTokens }).map((p) => p.text));
  }
  return passages.slice(0, count);
}

async function loadTokenizer(spec: ModelSpec): Promise<{ encode: (text: string) => unknown }> {
  env.localModelPath = dirname(spec.dir);
  env.allowLocalModels = true;
  env.allowRemoteModels = false;
  return (await AutoTokenizer.from_pretrained(basename(spec.dir))) as unknown as { encode: (text: string) => unknown };
}

interface TokenBatch {
  ids: BigInt64Array;
  mask: BigInt64Array;
  rows: number;
  length: number;
}

/** Token ids in batches of 16 by token length, padded to each batch's longest. */
async function tokenBatches(spec: ModelSpec, texts: string[]): Promise<TokenBatch[]> {
  const tokenizer = await loadTokenizer(spec);
  const encoded = texts.map((t) => tokenizer.encode(t) as number[]);
  encoded.sort((a, b) => a.length - b.length);
  const batches: TokenBatch[] = [];
  for (let i = 0; i < encoded.length; i += BATCH) {
    const rows = encoded.slice(i, i + BATCH);
    const length = Math.max(...rows.map((r) => r.length));
    const ids = new BigInt64Array(rows.length * length);
    const mask = new BigInt64Array(rows.length * length);
    rows.forEach((row, r) => row.forEach((id, t) => ((ids[r * length + t] = BigInt(id)), (mask[r * length + t] = 1n))));
    batches.push({ ids, mask, rows: rows.length, length });
  }
  return batches;
}

function startRawWorker(spec: ModelSpec): Promise<Worker> {
  return new Promise((resolve, reject) => {
    const worker = spawnWorker(new URL('./raw/raw-ort-worker.ts', import.meta.url), {
      workerData: { modelDir: spec.dir, quantized: spec.quantized },
    });
    worker.once('message', () => resolve(worker));
    worker.once('error', reject);
  });
}

function runRaw(worker: Worker, batches: TokenBatch[]): Promise<number> {
  return new Promise((resolve) => {
    worker.once('message', (m: { vectors: number }) => resolve(m.vectors));
    worker.postMessage(batches);
  });
}

/** Raw sessions, one per worker, the batches dealt out in turn; returns vectors per second. */
async function rawRate(workers: Worker[], batches: TokenBatch[]): Promise<number> {
  const shares = workers.map((_, w) => batches.filter((_, i) => i % workers.length === w));
  const started = performance.now();
  const counts = await Promise.all(workers.map((worker, w) => runRaw(worker, shares[w]!)));
  return (counts.reduce((a, b) => a + b, 0) / (performance.now() - started)) * 1000;
}

async function citebotRate(pool: EmbeddingPool, texts: string[]): Promise<number> {
  const started = performance.now();
  await pool.embed(texts);
  return (texts.length / (performance.now() - started)) * 1000;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function runEmbedRatioBench(
  options: { passes?: number; paragraphs?: number; log?: (line: string) => void } = {},
): Promise<EmbedRatio> {
  const log = options.log ?? (() => {});
  const passes = options.passes ?? 3;
  const cores = availableParallelism();
  const { spec } = await cachedModel('minilm-shaped-q8', (dir) =>
    createMiniLmShapedModel(dir, undefined, { quantized: true }),
  );
  const texts = await benchPassages(spec, options.paragraphs ?? 360);
  const batches = await tokenBatches(spec, texts);
  const raw = await Promise.all(Array.from({ length: cores }, () => startRawWorker(spec)));
  const pool = await EmbeddingPool.start(spec, { size: cores, batchSize: BATCH, threadsPerWorker: 1 });
  try {
    await rawRate(raw, batches.slice(0, cores));
    await pool.embed(texts.slice(0, BATCH * cores));
    const citebot: number[] = [];
    const floor: number[] = [];
    // Interleaved, so both see the same load from the rest of the machine.
    for (let pass = 0; pass < passes; pass++) {
      floor.push(await rawRate(raw, batches));
      citebot.push(await citebotRate(pool, texts));
      log(
        `embedding pass ${pass + 1}: citebot ${citebot.at(-1)!.toFixed(0)}/s, raw onnxruntime-node ${floor.at(-1)!.toFixed(0)}/s (${texts.length} passages, ${cores} workers × 1 thread)`,
      );
    }
    const result = { citebot_per_s: median(citebot), raw_ort_per_s: median(floor) };
    return { ...result, ratio: result.citebot_per_s / result.raw_ort_per_s };
  } finally {
    await pool.close();
    // Not terminate(): onnxruntime-node aborts when a worker that used it ends and another starts.
    for (const w of raw) w.unref();
  }
}

if (process.argv[1]?.endsWith('bench/embed-ratio.ts')) {
  const args = process.argv.slice(2);
  const value = (flag: string) => (args.includes(flag) ? Number(args[args.indexOf(flag) + 1]) : undefined);
  const result = await runEmbedRatioBench({
    passes: value('--passes'),
    paragraphs: value('--paragraphs'),
    log: (l) => process.stderr.write(`${l}\n`),
  });
  if (args.includes('--json')) console.log(JSON.stringify(result));
  else
    console.log(
      `citebot ${result.citebot_per_s.toFixed(1)}/s, raw onnxruntime-node ${result.raw_ort_per_s.toFixed(1)}/s, ratio ${result.ratio.toFixed(3)}`,
    );
  process.exit(0);
}
