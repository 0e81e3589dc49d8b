/**
 * The scale bench in a CI-friendly size: it runs end to end (store filled with synthetic vectors,
 * index rebuilt and saved, questions, one article added and removed, recall, a cold start in a
 * fresh process) and reports the figures the published table is made of.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatScaleSizes, runScaleSizesBench } from '../../bench/scale-sizes.ts';

describe('bench: scale sizes', () => {
  it('GIVEN a library of 1,500 passages THEN every figure is measured, HNSW finds the exact neighbours, and the table prints them', async () => {
    const result = await runScaleSizesBench({
      sizes: [1_500],
      questions: 5,
      changes: 1,
      recallQueries: 10,
      embedding: false,
    });
    assert.equal(result.sizes.length, 1);
    const [size] = result.sizes;
    assert.ok(size!.n >= 1_500 && size!.n < 1_520, `n = ${size!.n}`);
    for (const key of [
      'ask_ms_p50',
      'ask_ms_p99',
      'add_article_ms',
      'remove_article_ms',
      'rebuild_vectors_per_s',
      'cold_start_s',
      'rss_mb',
      'cold_start_rss_mb',
    ] as const) {
      const value = size![key] ?? NaN;
      assert.ok(Number.isFinite(value) && value > 0, `${key} = ${value}`);
    }
    assert.ok(size!.ask_ms_p99 >= size!.ask_ms_p50);
    // 1,500 vectors with ef 64: the graph search is as good as exact.
    assert.ok(size!.recall_at_10 >= 0.98, `recall@10 = ${size!.recall_at_10}`);
    assert.ok(
      Object.keys(size!.ask_profile ?? {}).some((part) => part.startsWith('src/')),
      JSON.stringify(size!.ask_profile),
    );
    assert.ok((size!.ask_profile ?? {})['question embedding (wall, in a worker)']! > 0);
    assert.deepEqual(
      Object.keys(size!.recall_by_ef ?? {}).filter((k) => k.endsWith('recall_at_10')),
      ['ef_32_recall_at_10', 'ef_64_recall_at_10', 'ef_128_recall_at_10', 'ef_256_recall_at_10'],
    );
    assert.match(result.note, /synthetic clustered normalized 384-d vectors/);
    assert.match(formatScaleSizes(result), /passages.*ask p50 ms.*recall@10[\s\S]*\n\s+\d{4}\s/);
  });
});
