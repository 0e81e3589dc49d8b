/**
 * The CLI's answer text: a confident answer, the closest passages below the threshold, and nothing.
 *   node --import tsx --test test/format/text.test.ts
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AskResult } from '../../src/engine-api.ts';
import { CLOSEST_ONLY, formatAnswer, NO_ANSWER } from '../../src/format/text.ts';

const passage = {
  rank: 1,
  text: 'Nearly 8,000 people were held. "As of January 10, 7,939 people have been detained," the ministry said.',
  highlight: '"As of January 10, 7,939 people have been detained," the ministry said.',
  score: 0.43,
  citation: {
    title: 'Kazakhstan unrest',
    source: 'TRT World',
    date: '2022-01-10',
    url: null,
    article_id: 'a1',
    paragraph: 8,
  },
  also_in: [],
};
const base: AskResult = {
  question: 'how many were arrested?',
  answered: true,
  answer: '7,939',
  passages: [passage],
  articlesSearched: 7,
  tookMs: 12,
  questionId: null,
  indexRebuilding: null,
  filter: null,
};

describe('formatAnswer', () => {
  test('GIVEN a confident answer THEN the answer line comes first, then the cited passage', () => {
    const text = formatAnswer(base).replace(/\*\*/g, '');
    assert.ok(text.startsWith('Answer: 7,939\n'), text);
    assert.match(text, /\[1\] Kazakhstan unrest · TRT World · 2022-01-10 · paragraph 8/);
    assert.doesNotMatch(text, new RegExp(CLOSEST_ONLY.slice(0, 20)));
  });
  test('GIVEN only the closest passages THEN a caution heads them and no answer is claimed', () => {
    const text = formatAnswer({ ...base, answered: false, answer: null }).replace(/\*\*/g, '');
    assert.ok(text.startsWith(CLOSEST_ONLY), text);
    assert.doesNotMatch(text, /Answer:/);
    assert.match(text, /7,939 people have been detained/);
    assert.match(text, /paragraph 8/);
  });
  test('GIVEN nothing related THEN it says so and suggests listing the sources', () => {
    const text = formatAnswer({ ...base, answered: false, answer: null, passages: [] }).replace(/\*\*/g, '');
    assert.ok(text.startsWith(NO_ANSWER));
    assert.match(text, /npm run sources/);
  });
  test('GIVEN a passage other articles hold too THEN up to three are named under its citation, with links, and the rest counted', () => {
    const copy = (n: number) => ({
      title: `Copy ${n}`,
      source: `Outlet ${n}`,
      date: '2022-01-11',
      url: n === 1 ? 'https://outlet.example/1' : null,
      article_id: `c${n}`,
      paragraph: n,
    });
    const text = formatAnswer({ ...base, passages: [{ ...passage, also_in: [1, 2, 3, 4, 5].map(copy) }] }).replace(
      /\*\*/g,
      '',
    );
    assert.match(
      text,
      /paragraph 8\n {4}also in: Copy 1 · Outlet 1 · 2022-01-11 · paragraph 1\n {13}https:\/\/outlet\.example\/1\n {4}also in: Copy 2 · Outlet 2 · 2022-01-11 · paragraph 2\n {4}also in: Copy 3/,
    );
    assert.doesNotMatch(text, /Copy 4/);
    assert.match(text, /and in 2 more articles\n {4}Nearly 8,000/);
  });
});
