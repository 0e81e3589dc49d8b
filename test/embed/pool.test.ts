/**
 * The embedding pool: its own pooling gives Transformers.js's vectors, the pool embeds as the
 * pipeline does on a real (generated) model, and its workers start one after another so that
 * onnxruntime-node is never loaded by two at the same moment (a native abort at start).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { basename, dirname } from 'node:path';
import { describe, it } from 'node:test';
import { env, mean_pooling, pipeline, Tensor } from '@xenova/transformers';
import { EmbeddingPool } from '../../src/embed/pool.ts';
import { poolAndNormalize } from '../../src/embed/pooling.ts';
import type { ModelSpec } from '../../src/embed/model-spec.ts';
import { seededRandom } from '../../src/seeded-random.ts';
import { tinyModel } from '../helpers/engine.ts';

function assertClose(actual: Float32Array, expected: Float32Array, tolerance = 1e-5): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++)
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tolerance, `element ${i}: ${actual[i]} vs ${expected[i]}`);
}

describe('poolAndNormalize', () => {
  it('GIVEN token vectors and a padded mask THEN mean pooling and normalizing give what Transformers.js gives', () => {
    const random = seededRandom(7);
    const [rows, length, dim] = [3, 5, 8];
    const hidden = Float32Array.from({ length: rows * length * dim }, () => random() * 2 - 1);
    const lengths = [5, 2, 3];
    const mask = BigInt64Array.from({ length: rows * length }, (_, i) =>
      i % length < lengths[Math.floor(i / length)]! ? 1n : 0n,
    );
    const expected = (
      mean_pooling(
        new Tensor('float32', hidden, [rows, length, dim]),
        new Tensor('int64', mask, [rows, length]),
      ) as Tensor
    ).normalize(2, -1);
    const { data, dim: pooledDim } = poolAndNormalize(hidden, [rows, length, dim], mask, 'mean');
    assert.equal(pooledDim, dim);
    assertClose(data, expected.data as Float32Array);
  });

  it('GIVEN cls pooling THEN each row is its first token, normalized', () => {
    const hidden = Float32Array.from({ length: 2 * 3 * 2 }, (_, i) => i + 1);
    const { data } = poolAndNormalize(hidden, [2, 3, 2], [1n, 1n, 0n, 1n, 0n, 0n], 'cls');
    assertClose(
      data,
      Float32Array.from([1 / Math.hypot(1, 2), 2 / Math.hypot(1, 2), 7 / Math.hypot(7, 8), 8 / Math.hypot(7, 8)]),
    );
  });
});

describe('EmbeddingPool', () => {
  it("GIVEN texts of different lengths THEN the pool gives the feature-extraction pipeline's vectors, in input order", async () => {
    const dir = await tinyModel();
    const spec: ModelSpec = { id: 'citebot-tiny', dir, quantized: false, pooling: 'mean', maxTokens: 128 };
    const texts = [
      'Ferries resumed.',
      'The harbour master said the ferry to Skerra Island would run an extra sailing at dawn on Saturday for commuters.',
      'Gulls.',
      '',
    ];
    const pool = await EmbeddingPool.start(spec, { size: 2, batchSize: 2, threadsPerWorker: 1 });
    let vectors: Float32Array[];
    try {
      vectors = await pool.embed(texts);
    } finally {
      await pool.close();
    }
    env.localModelPath = dirname(dir);
    env.allowLocalModels = true;
    env.allowRemoteModels = false;
    const extractor = await pipeline('feature-extraction', basename(dir), { quantized: false });
    for (const [i, text] of texts.entries()) {
      const expected = (await extractor([text.trim() === '' ? ' ' : text], {
        pooling: 'mean',
        normalize: true,
      })) as Tensor;
      assertClose(vectors[i]!, expected.data as Float32Array);
    }
  });

  it('GIVEN repeated starts of a two-worker pool in fresh processes THEN none crashes (scripts/start-loop.ts; run it with --runs 400 for the audit)', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/start-loop.ts', '--runs', '3', '--json'], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    assert.equal(run.status, 0, run.stderr + run.stdout);
    const result = JSON.parse(run.stdout) as { runs: number; crashed: number };
    assert.deepEqual({ runs: result.runs, crashed: result.crashed }, { runs: 3, crashed: 0 });
  });
});
