/**
 * Weight tuning aid: asks every set's questions in hybrid mode under a grid of fusion
 * weights, on one temporary index per set, and prints hit@1 / hit@5 / MRR per setting.
 * Question vectors are embedded once and reused across settings (scoring is unchanged).
 *
 *   npx tsx src/eval/tune.ts <set.json>... [--dense 1] [--words 0.4] [--synonyms 0,0.25] [--lexical 0.2,0.3,0.5] [--sentence 0,0.3] [--answer-shape 0,0.05] [--answer-shape-untrusted 0,0.1] [--trust-coverage 0,0.45]
 */
import { Command } from 'commander';
import type { FusionWeights } from '../search/fusion.ts';
import type { EmbedFn } from '../search/search.ts';
import { summarize, type Metrics } from './metrics.ts';
import { askAll, ingestSet, itemsOf, openTempIndex, type TempIndex } from './runner.ts';
import { loadEvalSet, type EvalSet } from './set.ts';

const list = (value: string): number[] => value.split(',').map(Number);

/** Caches the engine's embeddings of single texts (questions), keyed by text. */
function cacheEmbeddings(index: TempIndex): void {
  const pool = index.engine.internals.embeddingPool();
  if (!pool) return;
  const original = pool.embed.bind(pool);
  const cache = new Map<string, Float32Array>();
  const cached: EmbedFn = async (texts) => {
    const missing = texts.filter((t) => !cache.has(t));
    if (missing.length > 0) (await original(missing, { priority: true })).forEach((v, i) => cache.set(missing[i]!, v));
    return texts.map((t) => cache.get(t)!);
  };
  pool.embed = (texts, options) => (options?.onBatch ? original(texts, options) : cached([...texts]));
}

async function main(
  paths: string[],
  o: {
    dense: string;
    words: string;
    synonyms: string;
    lexical: string;
    sentence: string;
    answerShape: string;
    answerShapeUntrusted: string;
    trustCoverage: string;
    model?: string;
  },
): Promise<void> {
  const sets: EvalSet[] = paths.map(loadEvalSet);
  const indexes: { set: EvalSet; index: TempIndex }[] = [];
  try {
    for (const set of sets) {
      const index = await openTempIndex({ model: o.model });
      indexes.push({ set, index });
      await ingestSet(index.engine, set.articles);
      cacheEmbeddings(index);
    }
    const grid: Partial<FusionWeights>[] = list(o.dense).flatMap((dense) =>
      list(o.words).flatMap((words) =>
        list(o.synonyms).flatMap((synonyms) =>
          list(o.lexical).flatMap((lexical) =>
            list(o.sentence).flatMap((sentence) =>
              list(o.answerShape).flatMap((answerShape) =>
                list(o.answerShapeUntrusted).flatMap((answerShapeUntrusted) =>
                  list(o.trustCoverage).map((trustCoverage) => ({
                    dense,
                    words,
                    synonyms,
                    lexical,
                    sentence,
                    answerShape,
                    answerShapeUntrusted,
                    trustCoverage,
                  })),
                ),
              ),
            ),
          ),
        ),
      ),
    );
    for (const weights of grid) {
      const cells: string[] = [];
      for (const { set, index } of indexes) {
        index.engine.internals.setFusionWeights(weights);
        const outcomes = await askAll(index.engine, itemsOf(set), { mode: 'hybrid', k: 10, highlight: false });
        const fmt = (m: Metrics) => `${m['hit@1'].toFixed(4)}/${m['hit@5'].toFixed(4)}/${m['mrr@10'].toFixed(4)}`;
        cells.push(`${set.name} ${fmt(summarize(outcomes))}`);
        for (const style of [...new Set(outcomes.map((x) => x.style).filter((s) => s !== null))]) {
          cells.push(`${style} ${fmt(summarize(outcomes.filter((x) => x.style === style)))}`);
        }
      }
      process.stdout.write(
        `dense ${weights.dense} words ${weights.words} synonyms ${weights.synonyms} lexical ${weights.lexical} sentence ${weights.sentence} shape ${weights.answerShape}+${weights.answerShapeUntrusted} trust ${weights.trustCoverage}  |  ${cells.join('  |  ')}\n`,
      );
    }
  } finally {
    for (const { index } of indexes) await index.close();
  }
}

new Command()
  .argument('<sets...>')
  .option('--dense <list>', 'dense weights', '1')
  .option('--words <list>', 'word-vector cosine weights', '0')
  .option('--synonyms <list>', 'thesaurus-synonym coverage weights', '0')
  .option('--lexical <list>', 'lexical weights', '0.1,0.2,0.3,0.4,0.5,0.7')
  .option('--sentence <list>', 'best-sentence coverage weights', '0,0.15,0.3')
  .option('--answer-shape <list>', 'answer-shape bonuses', '0.05')
  .option('--answer-shape-untrusted <list>', 'further answer-shape bonuses when keyword evidence is untrusted', '0.1')
  .option(
    '--trust-coverage <list>',
    'best-candidate coverage at which keyword evidence counts fully (0 = always)',
    '0.45',
  )
  .option('--model <name>', 'embedding model')
  .action(main)
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
