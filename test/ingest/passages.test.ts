import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { articleBody, makePassages, makePassagesYielding, splitToWindow } from '../../src/ingest/passages.ts';
import { CitebotError } from '../../src/errors.ts';
import { splitSentences } from '../../src/text/sentences.ts';
import type { Article } from '../../src/types.ts';

const words = (n: number, word = 'word') => Array.from({ length: n }, (_, i) => `${word}${i}`).join(' ');
const countWords = (text: string) => text.split(/\s+/).filter(Boolean).length;

function article(paragraphs: string[]): Article {
  return { id: 'a', title: 'T', date: null, source: null, section: null, url: null, paragraphs };
}

describe('makePassages', () => {
  it('GIVEN normal paragraphs THEN each becomes one passage with its position and offsets', () => {
    const a = article([`${words(20, 'a')}.`, `${words(20, 'b')}.`]);
    const passages = makePassages(a, { countTokens: countWords, maxTokens: 100 });
    assert.equal(passages.length, 2);
    assert.deepEqual(
      passages.map((p) => [p.position, p.paragraphStart, p.paragraphEnd]),
      [
        [0, 0, 0],
        [1, 1, 1],
      ],
    );
    const body = articleBody(a);
    assert.equal(body.slice(passages[1]!.charStart, passages[1]!.charEnd), a.paragraphs[1]);
  });

  it('GIVEN a 3-word paragraph THEN it merges with the next', () => {
    const passages = makePassages(article(['Nearly 8,000 detained', `${words(20)}.`]), {
      countTokens: countWords,
      maxTokens: 100,
    });
    assert.equal(passages.length, 1);
    assert.match(passages[0]!.text, /^Nearly 8,000 detained word0/);
    assert.deepEqual([passages[0]!.paragraphStart, passages[0]!.paragraphEnd], [0, 1]);
  });

  it('GIVEN a short last paragraph THEN it merges into the previous one', () => {
    const passages = makePassages(article([`${words(20)}.`, 'The end.']), { countTokens: countWords, maxTokens: 100 });
    assert.equal(passages.length, 1);
    assert.match(passages[0]!.text, /The end\.$/);
  });

  it('GIVEN a paragraph longer than the window THEN it splits at sentence boundaries within the window', () => {
    const sentences = Array.from({ length: 6 }, (_, i) => `Sentence ${i} has ${words(8, `w${i}x`)}.`);
    const passages = makePassages(article([sentences.join(' ')]), { countTokens: countWords, maxTokens: 25 });
    assert.ok(passages.length >= 3);
    for (const p of passages) {
      assert.ok(countWords(p.text) <= 25, `passage over the window: ${countWords(p.text)} words`);
      assert.match(p.text, /^Sentence \d/);
      assert.match(p.text, /\.$/);
      assert.equal(p.paragraphStart, 0);
    }
    assert.equal(passages.map((p) => p.text).join(' '), sentences.join(' '));
  });

  it('GIVEN one sentence longer than the window THEN it is cut between words', () => {
    const pieces = splitToWindow(words(50), countWords, 20);
    assert.deepEqual(pieces.map(countWords), [20, 20, 10]);
  });
});

describe('splitSentences', () => {
  it('GIVEN abbreviations and quotes THEN sentences are not cut after Mr. or inside a quote', () => {
    assert.deepEqual(splitSentences('Mr. Smith arrived on Jan. 10. "Why?" she asked. It rained.'), [
      'Mr. Smith arrived on Jan. 10.',
      '"Why?" she asked.',
      'It rained.',
    ]);
  });
});

describe('makePassages: exact offsets, linear time, a cap', () => {
  const para = (i: number) => `Paragraph ${i} says the council met on Tuesday and agreed the budget.`;
  const normalize = (s: string) => s.split(/\s+/).filter(Boolean).join(' ');

  it('GIVEN one- and two-word paragraphs merged across blank lines THEN every passage is exactly its body slice', () => {
    const paragraphs = Array.from({ length: 60 }, (_, i) =>
      i % 3 === 0 ? `Update ${i}:` : i % 7 === 0 ? 'Photo' : `${para(i)}  Extra  spaces  here.`,
    );
    const a = article(paragraphs);
    const body = articleBody(a);
    const passages = makePassages(a, { countTokens: countWords, maxTokens: 40 });
    let previousEnd = 0;
    for (const p of passages) {
      const slice = body.slice(p.charStart, p.charEnd);
      assert.equal(normalize(slice), normalize(p.text), `passage ${p.position} drifted`);
      assert.equal(slice, slice.trim(), 'a slice starts and ends on the text, not on whitespace');
      assert.ok(p.charStart >= previousEnd);
      previousEnd = p.charEnd;
    }
  });

  it('GIVEN a paragraph split at sentences THEN each piece is exactly its body slice', () => {
    const text = Array.from({ length: 30 }, (_, i) => `Sentence ${i} has ${words(6, `w${i}x`)}.`).join('   ');
    const a = article([para(0), text]);
    const body = articleBody(a);
    for (const p of makePassages(a, { countTokens: countWords, maxTokens: 30 })) {
      assert.equal(normalize(body.slice(p.charStart, p.charEnd)), p.text);
    }
  });

  it('GIVEN 8 times the paragraphs (short ones merged across blank lines) THEN it takes well under 8² times as long', () => {
    const build = (n: number) => article(Array.from({ length: n }, (_, i) => (i % 3 === 0 ? `Update ${i}:` : para(i))));
    const time = (a: Article) => {
      const started = performance.now();
      makePassages(a, { countTokens: countWords, maxTokens: 256, maxPassages: 1e9 });
      return performance.now() - started;
    };
    const small = build(5_000);
    const large = build(40_000);
    // The best of three runs each, so a garbage collection or a busy core doesn't decide.
    const best = (a: Article) => Math.min(time(a), time(a), time(a));
    const ratio = best(large) / best(small);
    // Linear is ~8; the old indexOf search made it ~40 times longer at this size.
    assert.ok(ratio < 24, `ratio ${ratio.toFixed(1)}`);
  });

  it('GIVEN an article that would make more passages than the cap THEN input_too_large names it and says what to do', () => {
    const a = { ...article(Array.from({ length: 120 }, (_, i) => para(i))), title: 'Endless list' };
    assert.throws(
      () => makePassages(a, { countTokens: countWords, maxTokens: 256, maxPassages: 100 }),
      (e: unknown) =>
        e instanceof CitebotError &&
        e.code === 'input_too_large' &&
        e.message ===
          '"Endless list" would make more than 100 passages, the most one article may have; split it into smaller articles',
    );
    assert.equal(makePassages(a, { countTokens: countWords, maxTokens: 256, maxPassages: 120 }).length, 120);
  });

  it('GIVEN a big page (one 2 MB paragraph, or 40,000 paragraphs) THEN makePassagesYielding gives the event loop turns all along', async () => {
    const huge = article([Array.from({ length: 200_000 }, (_, i) => `word${i}`).join(' ')]);
    const many = article(Array.from({ length: 40_000 }, (_, i) => para(i)));
    for (const a of [huge, many]) {
      let last = performance.now();
      let worstGap = 0;
      let turns = 0;
      const timer = setInterval(() => {
        const now = performance.now();
        worstGap = Math.max(worstGap, now - last);
        last = now;
        turns++;
      }, 2);
      const started = performance.now();
      const passages = await makePassagesYielding(a, { countTokens: countWords, maxTokens: 256, maxPassages: 1e9 });
      const took = performance.now() - started;
      clearInterval(timer);
      assert.deepEqual(passages, makePassages(a, { countTokens: countWords, maxTokens: 256, maxPassages: 1e9 }));
      // Built in one go, the event loop would get no turn at all for the whole `took`. (Loose bounds: 2 shared cores.)
      assert.ok(turns >= 10, `${turns} turns in ${took.toFixed(0)} ms`);
      assert.ok(
        worstGap < Math.max(400, took / 4),
        `the event loop waited ${worstGap.toFixed(0)} ms of ${took.toFixed(0)} ms`,
      );
    }
  });
});
