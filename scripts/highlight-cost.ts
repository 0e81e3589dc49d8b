#!/usr/bin/env -S npx tsx
/**
 * How much of answering a question is the highlight's sentence embedding (issue 21, ask path):
 * asks every question of the sets as `ask` does — retrieve, then highlight the shown passages,
 * embedding the first one's sentences — and prints the time of each step, as shares of the total
 * within this one run (ratios, not absolute times: the machine is shared).
 *
 *   npx tsx scripts/highlight-cost.ts eval/news-en.json [--model use-lite]
 */
import { highlightHits } from '../src/search/highlight.ts';
import { EVAL_COLLECTION, ingestSet, itemsOf, openTempIndex } from '../src/eval/runner.ts';
import { loadEvalSet } from '../src/eval/set.ts';

async function main(args: string[]): Promise<void> {
  const modelAt = args.indexOf('--model');
  const model = modelAt >= 0 ? args[modelAt + 1] : undefined;
  const paths = args.filter((a, i) => !a.startsWith('--') && i !== modelAt + 1);
  const index = await openTempIndex({ model });
  try {
    const sets = paths.map(loadEvalSet);
    await ingestSet(
      index.engine,
      sets.flatMap((s) => s.articles),
    );
    const embed = index.engine.internals.embedder();
    let retrieveMs = 0;
    let highlightMs = 0;
    let lexicalMs = 0;
    let questions = 0;
    for (const item of sets.flatMap(itemsOf)) {
      const t0 = performance.now();
      const result = await index.engine.internals.retrieve(item.q, { collections: [EVAL_COLLECTION], k: 3 });
      const t1 = performance.now();
      if (result.shown.length > 0) await highlightHits(item.q, { ...result, hits: result.shown }, embed);
      const t2 = performance.now();
      if (result.shown.length > 0) await highlightHits(item.q, { ...result, hits: result.shown }, null);
      const t3 = performance.now();
      retrieveMs += t1 - t0;
      highlightMs += t2 - t1;
      lexicalMs += t3 - t2;
      questions++;
    }
    const total = retrieveMs + highlightMs;
    process.stdout.write(
      `${JSON.stringify({
        questions,
        retrieve_share: retrieveMs / total,
        highlight_share: highlightMs / total,
        highlight_without_embedding_share: lexicalMs / total,
        mean_retrieve_ms: retrieveMs / questions,
        mean_highlight_ms: highlightMs / questions,
        mean_highlight_without_embedding_ms: lexicalMs / questions,
      })}\n`,
    );
  } finally {
    await index.close();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
