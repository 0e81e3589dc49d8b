/**
 * Self-calibration (src/eval/self-calibrate.ts) on a generated model whose scores are known:
 * its fusion weights are dense 0.3 and lexical 1, so a question holding every content word of
 * its paragraph scores at least 1, and one sharing no word scores at most 0.3 (a cosine is ≤ 1).
 * The chosen threshold must fall between the two, be kept in the store and be used from then on.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { openEngine, type CitebotEngine } from '../../src/engine.ts';
import { selfCalibrate, selfCalibrateOffThread } from '../../src/eval/self-calibrate.ts';
import { parseEvalSet, type EvalSet } from '../../src/eval/set.ts';
import { testEnv } from '../helpers/engine.ts';
import { createTinyModel } from '../helpers/tiny-model.ts';

/** A set of `n` one-paragraph articles, each about its own made-up words, asked about those words. */
function knownSet(name: string, words: string[][]): EvalSet {
  return parseEvalSet(knownSetJson(name, words), name);
}

function knownSetJson(name: string, words: string[][]) {
  return {
    articles: words.map((w, i) => ({
      id: `${name}-${i}`,
      title: `${name} report ${i}`,
      paragraphs: [`The ${w[0]} met the ${w[1]} beside the ${w[2]} on Tuesday.`],
    })),
    questions: words.map((w, i) => ({
      q: `where did the ${w[0]} meet the ${w[1]}?`,
      answer: w[2]!,
      article_id: `${name}-${i}`,
      paragraph_index: 0,
    })),
    unanswerable: ['which quasar emits gamma bursts?', 'how tall is the lighthouse of pharos?'],
  };
}

describe('self-calibration on a generated model', () => {
  let root: string;
  let modelDir: string;
  let dataDir: string;
  let engine: CitebotEngine;
  const words = {
    alpha: [
      ['kestrel', 'ferryman', 'quarry'],
      ['walrus', 'tinsmith', 'orchard'],
      ['heron', 'cobbler', 'viaduct'],
    ],
    beta: [
      ['marmot', 'glazier', 'lagoon'],
      ['osprey', 'cooper', 'foundry'],
      ['badger', 'weaver', 'causeway'],
    ],
  };
  const sets = [knownSet('alpha', words.alpha), knownSet('beta', words.beta)];
  const open = () => openEngine(loadConfig(testEnv(dataDir, modelDir)));

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'citebot-selfcal-'));
    modelDir = join(root, 'uncalibrated-tiny');
    const spec = await createTinyModel(modelDir, { id: 'citebot-tiny-uncalibrated' });
    // Weights but no threshold or floor: a model nobody has calibrated.
    writeFileSync(
      join(modelDir, 'citebot.json'),
      JSON.stringify({
        id: spec.id,
        pooling: spec.pooling,
        maxTokens: spec.maxTokens,
        fusion: {
          dense: 0.3,
          lexical: 1,
          sentence: 0,
          answerShape: 0,
          answerShapeUntrusted: 0,
          trustCoverage: 0,
          tieBreak: 0,
          heldPlace: 0,
        },
      }),
    );
    dataDir = join(root, 'data');
    engine = await open();
  });
  after(async () => {
    await engine.close();
    rmSync(root, { recursive: true, force: true });
  });

  test('GIVEN a model with no calibration THEN it needs one, and stats says its cut-offs are not calibrated', async () => {
    assert.equal(engine.needsCalibration(), true);
    assert.equal((await engine.stats()).calibration?.origin, 'uncalibrated');
  });

  test('GIVEN self-calibration on sets whose scores are known THEN the threshold falls between the answerable (≥ 1) and the unanswerable (≤ 0.3) scores, and it is used at once', async () => {
    const phases = new Set<string>();
    const calibration = await selfCalibrate(engine, {
      sets,
      env: testEnv(dataDir, modelDir),
      onProgress: (phase) => phases.add(phase),
      today: '2026-12-03',
    });
    assert.ok(calibration.threshold > 0.3 && calibration.threshold < 1, String(calibration.threshold));
    assert.ok(calibration.floor <= calibration.threshold);
    assert.deepEqual(calibration.sets, ['alpha', 'beta']);
    assert.equal(calibration.model, 'citebot-tiny-uncalibrated');
    assert.ok(
      [...phases].some((p) => p.includes('ingest')) && [...phases].some((p) => p.includes('answerable')),
      [...phases].join(),
    );
    assert.equal(engine.needsCalibration(), false);
    assert.deepEqual(engine.internals.cutoffs(), { threshold: calibration.threshold, floor: calibration.floor });
    assert.deepEqual((await engine.stats()).calibration, {
      threshold: calibration.threshold,
      floor: calibration.floor,
      origin: 'self',
      sets: ['alpha', 'beta'],
      date: '2026-12-03',
    });
  });

  test('GIVEN the engine reopened THEN the calibration comes back from the store', async () => {
    const cutoffs = engine.internals.cutoffs();
    await engine.close();
    engine = await open();
    assert.equal(engine.needsCalibration(), false);
    assert.deepEqual(engine.internals.cutoffs(), cutoffs);
    assert.equal(engine.internals.calibration()?.origin, 'self');
  });

  test('GIVEN other fusion weights THEN the stored calibration does not apply to them', () => {
    engine.internals.setFusionWeights({ lexical: 0.5 });
    assert.equal(engine.internals.calibration(), null);
    assert.equal(engine.needsCalibration(), true);
  });

  test("GIVEN the bot's off-thread calibration on the same sets (as files) THEN it chooses what the in-process one chose, keeps it in the store and the engine uses it", async () => {
    engine.internals.setFusionWeights({ lexical: 1 }); // back to the weights calibrated above
    const expected = engine.internals.calibration();
    assert.ok(expected, 'the in-process calibration of these weights');
    const otherData = join(root, 'data-off-thread');
    const fresh = await openEngine(loadConfig(testEnv(otherData, modelDir)));
    try {
      assert.equal(fresh.needsCalibration(), true);
      const setPaths = (['alpha', 'beta'] as const).map((name) => {
        const path = join(root, `${name}.json`);
        writeFileSync(path, JSON.stringify(knownSetJson(name, words[name])));
        return path;
      });
      const calibration = await selfCalibrateOffThread(fresh, {
        setPaths,
        env: testEnv(otherData, modelDir),
        today: '2026-12-03',
      }).done;
      assert.equal(calibration.threshold, expected.threshold);
      assert.equal(calibration.floor, expected.floor);
      assert.deepEqual(calibration.sets, ['alpha', 'beta']);
      assert.equal(fresh.needsCalibration(), false);
      assert.deepEqual(fresh.internals.cutoffs(), { threshold: expected.threshold, floor: expected.floor });
    } finally {
      await fresh.close();
    }
  });
});
