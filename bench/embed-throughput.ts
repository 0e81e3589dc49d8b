/**
 * Embedding throughput and memory through the real Transformers.js pipeline, in-process.
 *
 *   npx tsx bench/embed-throughput.ts [--json] [--quantized] [--rounds N] [--passes N]
 *   node --expose-gc --import tsx bench/embed-throughput.ts   # RSS after a forced GC (more stable)
 *
 * Measures, for a model with exactly all-MiniLM-L6-v2's shape (random weights, real BERT tokenizer,
 * see bench/minilm-shaped.ts) and for the tiny test model: load time, sentences/s at batch sizes
 * 1, 8 and 32 over ~256 realistic sentences (best and median of --passes), and RSS over a long run
 * (--rounds passes at batch 8) with outputs released.
 *
 * Memory: Tensor in @xenova/transformers 2.17.2 has no dispose(); onnxruntime-node 1.14 copies each
 * output into a JS Float32Array and frees its native buffers inside run(), so an output's memory is
 * released by V8's GC once the last reference is dropped. We still call `dispose?.()` so the bench
 * keeps working (and releases eagerly) on transformers.js v3, whose tensors do have it.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { env, pipeline } from '@xenova/transformers';
import type { ModelSpec } from '../src/embed/model-spec.ts';
import { createTinyModel } from '../test/helpers/tiny-model.ts';
import { createMiniLmShapedModel } from './minilm-shaped.ts';
import { SHARED_DIR } from './shared.ts';

/** Bump when the generators change so cached model folders are rebuilt. */
export const BENCH_MODEL_VERSION = 3;
const CACHE_ROOT = join(tmpdir(), 'citebot-bench-models', `v${BENCH_MODEL_VERSION}`);
const ARTICLES_DIR = fileURLToPath(new URL('../examples/articles/', import.meta.url));
const XQUAD_PATH = join(SHARED_DIR, 'eval/xquad-en.json');
const TARGET_SENTENCES = 256;
const BATCH_SIZES = [1, 8, 32] as const;

export interface EmbedThroughputOptions {
  /** Also measure the dynamic-uint8 MiniLM-shaped variant (model_quantized.onnx). Default false. */
  quantized?: boolean;
  /** Passes over the sentence set (batch 8) in the memory run. Default 20. */
  rounds?: number;
  /** Timed passes per batch size; the best is reported (the host's 2 vCPUs are shared). Default 3. */
  passes?: number;
  /** Progress lines on stderr. Default false. */
  log?: (line: string) => void;
}

type Extractor = (
  texts: string | string[],
  options: { pooling: 'mean' | 'cls'; normalize: boolean },
) => Promise<unknown>;

// ---------------------------------------------------------------------------
// Sentences
// ---------------------------------------------------------------------------

function textsFromFile(name: string, raw: string): string[] {
  const ext = extname(name).toLowerCase();
  if (ext === '.html' || ext === '.htm') {
    return raw
      .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
      .split(/<\/(?:p|h\d|li|div)>/i)
      .map((s) =>
        s
          .replace(/<[^>]+>/g, ' ')
          .replace(/&nbsp;/g, ' ')
          .replace(/&amp;/g, '&'),
      );
  }
  if (ext === '.json' || ext === '.ndjson') {
    const values: unknown[] = ext === '.json' ? [safeJson(raw)] : raw.split('\n').map(safeJson);
    const out: string[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === 'string') out.push(v);
      else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    values.forEach(walk);
    return out;
  }
  return raw.split(/\n\s*\n/).map((p) => p.replace(/^#+\s*/gm, ''));
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return null;
  }
}

function splitSentences(paragraph: string): string[] {
  return paragraph
    .replace(/\s+/g, ' ')
    .split(/(?<=[.!?])\s+(?=["“'A-Z0-9])/)
    .map((s) => s.trim())
    .filter((s) => s.length >= 30 && s.length <= 600 && /[a-z]/.test(s));
}

/** ~256 sentences: the example news articles first, topped up with XQuAD (Wikipedia) paragraphs. */
export async function loadBenchSentences(target = TARGET_SENTENCES): Promise<{ sentences: string[]; sources: string }> {
  const sentences: string[] = [];
  const used: string[] = [];
  if (existsSync(ARTICLES_DIR)) {
    for (const name of (await readdir(ARTICLES_DIR)).sort()) {
      if (!/\.(txt|md|html?|json|ndjson)$/i.test(name)) continue;
      const raw = await readFile(join(ARTICLES_DIR, name), 'utf8');
      for (const p of textsFromFile(name, raw)) sentences.push(...splitSentences(p));
    }
    used.push('examples/articles');
  }
  if (sentences.length < target && existsSync(XQUAD_PATH)) {
    const xquad = JSON.parse(await readFile(XQUAD_PATH, 'utf8')) as { articles: { paragraphs: string[] }[] };
    outer: for (const article of xquad.articles) {
      for (const p of article.paragraphs) {
        sentences.push(...splitSentences(p));
        if (sentences.length >= target) break outer;
      }
    }
    used.push('xquad-en');
  }
  if (sentences.length === 0) throw new Error(`citebot bench: no sentences found in ${ARTICLES_DIR} or ${XQUAD_PATH}`);
  return { sentences: sentences.slice(0, target), sources: used.join(' + ') };
}

// ---------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------

/** Generates a model folder once per BENCH_MODEL_VERSION under os.tmpdir(); returns spec and generation ms (0 when cached). */
export async function cachedModel(
  name: string,
  create: (dir: string) => Promise<ModelSpec>,
): Promise<{ spec: ModelSpec; generateMs: number }> {
  const dir = join(CACHE_ROOT, name);
  const marker = join(dir, 'bench-complete.json');
  if (existsSync(marker)) {
    return { spec: JSON.parse(await readFile(marker, 'utf8')) as ModelSpec, generateMs: 0 };
  }
  // Generate beside the final folder and rename, so an interrupted run never leaves a half-written model.
  const staging = `${dir}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  const t0 = performance.now();
  const staged = await create(staging);
  const generateMs = performance.now() - t0;
  const spec: ModelSpec = { ...staged, dir };
  await writeFile(join(staging, 'bench-complete.json'), JSON.stringify(spec, null, 2));
  await rm(dir, { recursive: true, force: true });
  await rename(staging, dir);
  return { spec, generateMs };
}

/** Loads exactly as the engine's embedding worker does. */
async function loadExtractor(spec: ModelSpec): Promise<{ extractor: Extractor; loadMs: number }> {
  env.localModelPath = dirname(spec.dir);
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  const t0 = performance.now();
  const extractor = (await pipeline('feature-extraction', basename(spec.dir), {
    quantized: spec.quantized,
  })) as unknown as Extractor;
  return { extractor, loadMs: performance.now() - t0 };
}

function release(output: unknown): void {
  (output as { dispose?: () => void } | null)?.dispose?.();
}

function rssMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss / 2 ** 20;
}

/** Wall and process CPU milliseconds to embed all sentences in batches of `batch`. */
async function embedAll(
  extractor: Extractor,
  spec: ModelSpec,
  sentences: string[],
  batch: number,
): Promise<{ wallMs: number; cpuMs: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < sentences.length; i += batch) {
    const out = await extractor(sentences.slice(i, i + batch), { pooling: spec.pooling, normalize: true });
    release(out);
  }
  const cpu = process.cpuUsage(cpu0);
  return { wallMs: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 };
}

async function measureModel(
  label: string,
  spec: ModelSpec,
  generateMs: number,
  sentences: string[],
  rounds: number,
  passes: number,
  log: (line: string) => void,
): Promise<Record<string, number>> {
  const r: Record<string, number> = {};
  r[`${label}.generate_ms`] = round(generateMs);
  const rssBeforeLoad = rssMb();
  const { extractor, loadMs } = await loadExtractor(spec);
  r[`${label}.load_ms`] = round(loadMs);
  r[`${label}.load_rss_delta_mb`] = round(rssMb() - rssBeforeLoad);
  log(`${label}: load ${round(loadMs)} ms`);

  // Warm-up: the first runs allocate onnxruntime's arenas for the largest shapes.
  for (const b of BATCH_SIZES) await embedAll(extractor, spec, sentences.slice(0, b * 2), b);

  for (const b of BATCH_SIZES) {
    const rates: number[] = [];
    const cpuMsPerSentence: number[] = [];
    for (let p = 0; p < passes; p++) {
      const { wallMs, cpuMs } = await embedAll(extractor, spec, sentences, b);
      rates.push((sentences.length / wallMs) * 1000);
      cpuMsPerSentence.push(cpuMs / sentences.length);
    }
    rates.sort((x, y) => x - y);
    r[`${label}.batch${b}.sentences_per_s`] = round(rates.at(-1)!);
    r[`${label}.batch${b}.sentences_per_s_median`] = round(rates[Math.floor(rates.length / 2)]!);
    // CPU time is less sensitive than wall time to other processes on a shared host.
    r[`${label}.batch${b}.cpu_ms_per_sentence`] = round(Math.min(...cpuMsPerSentence));
    log(`${label}: batch ${b}: ${rates.map(round).join(', ')} sentences/s`);
  }

  // Padding: a batch runs at the length of its longest text, so length-sorted batches waste less compute.
  const sorted = [...sentences].sort((a, b) => a.length - b.length);
  const bs = BATCH_SIZES.at(-1)!;
  const sortedRun = await embedAll(extractor, spec, sorted, bs);
  r[`${label}.batch${bs}_length_sorted.sentences_per_s`] = round((sorted.length / sortedRun.wallMs) * 1000);
  r[`${label}.batch${bs}_length_sorted.cpu_ms_per_sentence`] = round(sortedRun.cpuMs / sorted.length);
  log(`${label}: batch ${bs}, length-sorted: ${r[`${label}.batch${bs}_length_sorted.sentences_per_s`]} sentences/s`);

  // Long run: RSS should stay flat once outputs are released.
  const rssStart = rssMb();
  let embedded = 0;
  for (let i = 0; i < rounds; i++) {
    await embedAll(extractor, spec, sentences, 8);
    embedded += sentences.length;
  }
  const rssEnd = rssMb();
  r[`${label}.longrun.sentences`] = embedded;
  r[`${label}.longrun.rss_start_mb`] = round(rssStart);
  r[`${label}.longrun.rss_end_mb`] = round(rssEnd);
  r[`${label}.longrun.rss_growth_mb`] = round(rssEnd - rssStart);
  log(`${label}: ${embedded} sentences, RSS ${round(rssStart)} → ${round(rssEnd)} MB`);
  return r;
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

/** Runs the whole benchmark; keys are `<model>.<metric>`, e.g. `minilm.batch32.sentences_per_s`. */
export async function runEmbedThroughputBench(options: EmbedThroughputOptions = {}): Promise<Record<string, number>> {
  const rounds = options.rounds ?? 20;
  const passes = options.passes ?? 3;
  const log = options.log ?? ((): void => {});
  await mkdir(CACHE_ROOT, { recursive: true });
  const { sentences, sources } = await loadBenchSentences();
  log(`${sentences.length} sentences from ${sources}`);

  const result: Record<string, number> = {
    cpus: cpus().length,
    // A load average above `cpus` means other processes competed for the CPU: wall-clock rates are then pessimistic.
    loadavg_1m_start: round(loadavg()[0]!),
    sentences: sentences.length,
    mean_chars_per_sentence: round(sentences.reduce((s, x) => s + x.length, 0) / sentences.length),
    rss_start_mb: round(rssMb()),
  };

  const minilm = await cachedModel('minilm-shaped', (dir) => createMiniLmShapedModel(dir));
  Object.assign(result, await measureModel('minilm', minilm.spec, minilm.generateMs, sentences, rounds, passes, log));

  if (options.quantized) {
    const q = await cachedModel('minilm-shaped-q8', (dir) =>
      createMiniLmShapedModel(dir, undefined, { quantized: true }),
    );
    Object.assign(result, await measureModel('minilm_q8', q.spec, q.generateMs, sentences, rounds, passes, log));
  }

  const tiny = await cachedModel('tiny', (dir) => createTinyModel(dir));
  Object.assign(result, await measureModel('tiny', tiny.spec, tiny.generateMs, sentences, rounds, passes, log));

  for (const b of BATCH_SIZES) {
    const m = result[`minilm.batch${b}.sentences_per_s`]!;
    result[`tiny_over_minilm.batch${b}.speed_ratio`] = round(result[`tiny.batch${b}.sentences_per_s`]! / m);
  }
  result.rss_end_mb = round(rssMb());
  result.loadavg_1m_end = round(loadavg()[0]!);
  return result;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const numberArg = (flag: string): number | undefined => {
    const i = args.indexOf(flag);
    const v = i >= 0 ? Number(args[i + 1]) : NaN;
    return Number.isFinite(v) ? v : undefined;
  };
  const rounds = numberArg('--rounds');
  const passes = numberArg('--passes');
  const result = await runEmbedThroughputBench({
    quantized: args.includes('--quantized'),
    ...(rounds !== undefined ? { rounds } : {}),
    ...(passes !== undefined ? { passes } : {}),
    log: json ? undefined : (line) => process.stderr.write(`${line}\n`),
  });
  if (json) {
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  } else {
    const width = Math.max(...Object.keys(result).map((k) => k.length));
    for (const [k, v] of Object.entries(result)) process.stdout.write(`${k.padEnd(width)}  ${v}\n`);
    if (!(globalThis as { gc?: unknown }).gc) {
      process.stdout.write(
        '(RSS read without forced GC; run with node --expose-gc --import tsx for steadier numbers)\n',
      );
    }
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
