#!/usr/bin/env -S npx tsx
/**
 * Per-question features of the hybrid ranking, for studying how sure a reply may be (issue 21 §5):
 * one JSON line per question with the best and second fused scores, whether the first passage is
 * also the closest in meaning, its coverage and cosine, and whether it is the gold passage.
 *
 *   npx tsx scripts/confidence-features.ts eval/news-en.json … [--model use-lite] > features.jsonl
 */
import { firstHitRank } from '../src/eval/metrics.ts';
import { EVAL_COLLECTION, ingestSet, itemsOf, openTempIndex, rankedPassage } from '../src/eval/runner.ts';
import { loadEvalSet } from '../src/eval/set.ts';

async function main(args: string[]): Promise<void> {
  const modelAt = args.indexOf('--model');
  const model = modelAt >= 0 ? args[modelAt + 1] : undefined;
  const paths = args.filter((a, i) => !a.startsWith('--') && i !== modelAt + 1);
  for (const path of paths) {
    const set = loadEvalSet(path);
    const index = await openTempIndex({ model });
    try {
      await ingestSet(index.engine, set.articles);
      for (const item of itemsOf(set)) {
        const r = await index.engine.internals.retrieve(item.q, { collections: [EVAL_COLLECTION], k: 10 });
        const [first, second] = r.hits;
        const closest = r.hits.reduce((a, b) => (b.cosine > a.cosine ? b : a), r.hits[0]!);
        const line = {
          set: set.name,
          style: item.style ?? (item.gold ? 'answerable' : 'unanswerable'),
          answerable: item.gold !== null,
          right:
            item.gold !== null && r.hits.length > 0 && firstHitRank(r.hits.map(rankedPassage), item.gold, 1) !== null,
          s1: first?.score ?? 0,
          s2: second?.score ?? 0,
          agree: first !== undefined && first === closest,
          cov1: first?.coverage ?? 0,
          cos1: first?.cosine ?? 0,
          cos2: second?.cosine ?? 0,
          verdict: r.verdict,
        };
        process.stdout.write(`${JSON.stringify(line)}\n`);
      }
    } finally {
      await index.close();
    }
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
