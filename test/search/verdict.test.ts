/**
 * The one rule for answered / shown / nothing (src/search/verdict.ts), and the calibration
 * record it is fed from (src/search/calibration.ts).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SHIPPED_CALIBRATIONS, calibrationFor, cutoffsFrom, UNCALIBRATED } from '../../src/search/calibration.ts';
import { fusionWeightsFor } from '../../src/search/fusion.ts';
import { decide, type Cutoffs } from '../../src/search/verdict.ts';

const hit = (score: number, relevance: number | null = null) => ({ score, relevance });
const cut: Cutoffs = { threshold: 0.9, floor: 0.5, rerankThreshold: null };

describe('decide', () => {
  test('GIVEN no hits THEN nothing', () => {
    assert.deepEqual(decide([], 0, null, cut), { verdict: 'nothing', shown: [] });
  });
  test('GIVEN a best score at or above the threshold THEN answered, showing only the hits at or above the floor', () => {
    const hits = [hit(0.95), hit(0.6), hit(0.4)];
    const d = decide(hits, 0.95, null, cut);
    assert.equal(d.verdict, 'answered');
    assert.deepEqual(d.shown, [hits[0], hits[1]]);
  });
  test('GIVEN a best score between the floor and the threshold THEN shown, hedged', () => {
    const d = decide([hit(0.7), hit(0.45)], 0.7, null, cut);
    assert.equal(d.verdict, 'shown');
    assert.equal(d.shown.length, 1);
  });
  test('GIVEN a best score below the floor THEN nothing is shown', () => {
    assert.equal(decide([hit(0.49)], 0.49, null, cut).verdict, 'nothing');
  });
  test('GIVEN a floor above the threshold THEN the threshold is the floor', () => {
    assert.equal(
      decide([hit(0.8)], 0.8, null, { threshold: 0.7, floor: 0.9, rerankThreshold: null }).verdict,
      'answered',
    );
  });
  test('GIVEN a re-ranker THEN its relevance decides the answer, and a passage it finds answering is shown whatever its fused score', () => {
    const rr: Cutoffs = { ...cut, rerankThreshold: 0.5 };
    const low = [hit(0.2, 0.8), hit(0.1, 0.1)];
    const d = decide(low, 0.2, 0.8, rr);
    assert.equal(d.verdict, 'answered');
    assert.deepEqual(d.shown, [low[0]]);
    assert.equal(decide([hit(0.95, 0.3)], 0.95, 0.3, rr).verdict, 'shown');
  });
  test('GIVEN an uncalibrated ranking (bm25 or dense mode) THEN any hit is an answer', () => {
    assert.equal(decide([hit(0.01)], 0.01, null, cut, false).verdict, 'answered');
  });
});

describe('calibration records', () => {
  test('GIVEN each shipped calibration THEN its weights are the ones its model ships with (change the weights, recalibrate)', () => {
    for (const c of SHIPPED_CALIBRATIONS) {
      assert.deepEqual(
        c.weights,
        fusionWeightsFor(c.model),
        `${c.model}: the weights changed since its calibration of ${c.date}; run npm run eval -- --calibrate and update SHIPPED_CALIBRATIONS`,
      );
      assert.ok(c.floor <= c.threshold && c.sets.length > 0 && /^\d{4}-\d\d-\d\d$/.test(c.date));
    }
  });
  test('GIVEN weights that differ from the calibrated ones THEN no calibration applies and the cut-offs are the uncalibrated ones', () => {
    const changed = { ...fusionWeightsFor('use-lite'), lexical: 0.71 };
    assert.equal(calibrationFor('use-lite', changed), null);
    assert.deepEqual(cutoffsFrom(calibrationFor('use-lite', changed)), { ...UNCALIBRATED, rerankThreshold: null });
    assert.equal(calibrationFor('use-lite', fusionWeightsFor('use-lite'))?.threshold, 0.9535);
  });
  test('GIVEN a stored self-calibration for the same model and weights THEN it wins over the shipped one', () => {
    const weights = fusionWeightsFor('use-lite');
    const own = {
      model: 'use-lite',
      weights,
      threshold: 0.8,
      floor: 0.5,
      sets: ['news-en'],
      date: '2026-12-03',
      origin: 'self' as const,
    };
    assert.equal(calibrationFor('use-lite', weights, [own])?.threshold, 0.8);
  });
  test('GIVEN ANSWER_THRESHOLD or a model folder floor THEN they override the calibration', () => {
    assert.deepEqual(cutoffsFrom({ threshold: 0.9, floor: 0.5 }, { threshold: 0.7, floor: null }), {
      threshold: 0.7,
      floor: 0.5,
      rerankThreshold: null,
    });
  });
});

describe('calibration records across changes of the terms', () => {
  const weights = fusionWeightsFor('keyword');
  const record = (w: Record<string, number>) => ({
    model: 'keyword',
    weights: w as typeof weights,
    threshold: 0.8,
    floor: 0.5,
    sets: ['news-en'],
    date: '2026-12-03',
    origin: 'self' as const,
  });
  test('GIVEN a stored record made before a term was added (at weight 0) THEN it still applies', () => {
    const { lead: _added, ...before } = weights;
    assert.equal(calibrationFor('keyword', weights, [record(before)])?.threshold, 0.8);
  });
  test('GIVEN a stored record with a term since removed at a weight other than 0 THEN it does not apply', () => {
    assert.equal(calibrationFor('keyword', weights, [record({ ...weights, retired: 0.2 })])?.threshold, 0.2489);
    assert.equal(calibrationFor('keyword', weights, [record({ ...weights, retired: 0 })])?.threshold, 0.8);
  });
});
