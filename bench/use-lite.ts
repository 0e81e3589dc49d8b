/**
 * Universal Sentence Encoder lite: conversion cost, warm start, and embedding
 * throughput through Transformers.js (ONNX Runtime) vs the TF.js original (cpu
 * backend) on the same sentences with the same batch size, in the same run.
 *
 *   npx tsx bench/use-lite.ts [--json] [--sentences 500] [--batch 16]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { env, pipeline } from '@xenova/transformers';
import { ensureUseLiteModel } from '../src/embed/use-lite/index.ts';
import { parityTexts } from '../test/helpers/use-lite/sample-texts.ts';
import { embedInBatches, loadTfjsReference, writeCachedReference } from '../test/helpers/use-lite/tfjs-reference.ts';
import { cosine } from '../src/embed/similarity.ts';

export interface UseLiteBenchOptions {
  sentences?: number;
  batchSize?: number;
  log?: (message: string) => void;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await fn();
  return [value, performance.now() - start];
}

export async function runUseLiteBench(options: UseLiteBenchOptions = {}): Promise<Record<string, number>> {
  const { sentences = 500, batchSize = 16, log = () => undefined } = options;
  const texts = parityTexts(sentences);
  const modelsDir = await mkdtemp(join(tmpdir(), 'citebot-use-lite-bench-'));
  try {
    const [spec, convertColdMs] = await timed(() => ensureUseLiteModel(modelsDir));
    log(`converted in ${convertColdMs.toFixed(0)} ms`);
    const [, warmStartMs] = await timed(() => ensureUseLiteModel(modelsDir));

    env.localModelPath = dirname(spec.dir);
    env.allowRemoteModels = false;
    const [extractor, pipelineLoadMs] = await timed(() =>
      pipeline('feature-extraction', basename(spec.dir), { quantized: false }),
    );
    const onnxEmbed = async (batch: string[]): Promise<Float32Array[]> => {
      const out = await extractor(batch, { pooling: 'cls', normalize: true });
      const data = out.data as Float32Array;
      return batch.map((_, i) => data.slice(i * 512, (i + 1) * 512));
    };
    await onnxEmbed(texts.slice(0, batchSize)); // warm-up, not timed
    const [onnxVectors, onnxMs] = await timed(() => embedInBatches(onnxEmbed, texts, batchSize));
    log(`onnx: ${texts.length} sentences in ${onnxMs.toFixed(0)} ms`);

    const [reference, tfjsLoadMs] = await timed(() => loadTfjsReference());
    await reference.embed(texts.slice(0, batchSize)); // warm-up, not timed
    const [tfjsVectors, tfjsMs] = await timed(() => embedInBatches(reference.embed, texts, batchSize));
    log(`tfjs: ${texts.length} sentences in ${tfjsMs.toFixed(0)} ms`);
    reference.dispose();
    await writeCachedReference(texts, batchSize, tfjsVectors); // lets the parity test skip the slow TF.js run

    const cosines = texts.map((_, i) => cosine(onnxVectors[i]!, tfjsVectors[i]!));
    const onnxPerS = texts.length / (onnxMs / 1000);
    const tfjsPerS = texts.length / (tfjsMs / 1000);
    return {
      sentences: texts.length,
      batch_size: batchSize,
      convert_cold_ms: Math.round(convertColdMs),
      warm_start_ms: Number(warmStartMs.toFixed(2)),
      pipeline_load_ms: Math.round(pipelineLoadMs),
      tfjs_load_ms: Math.round(tfjsLoadMs),
      onnx_sentences_per_s: Number(onnxPerS.toFixed(2)),
      tfjs_sentences_per_s: Number(tfjsPerS.toFixed(2)),
      onnx_over_tfjs_speedup: Number((onnxPerS / tfjsPerS).toFixed(1)),
      min_cosine: Number(Math.min(...cosines).toFixed(6)),
    };
  } finally {
    await rm(modelsDir, { recursive: true, force: true });
  }
}

function argValue(args: string[], name: string): number | undefined {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const result = await runUseLiteBench({
    sentences: argValue(args, '--sentences'),
    batchSize: argValue(args, '--batch'),
    log: json ? undefined : (m) => console.error(m),
  });
  if (json) {
    console.log(JSON.stringify(result));
    return;
  }
  for (const [k, v] of Object.entries(result)) console.log(`${k.padEnd(24)} ${v}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
