import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { articleBody, makePassages, splitToWindow } from '../src/ingest/passages.ts';
import { splitSentences } from '../src/text/sentences.ts';
import type { Article } from '../src/types.ts';

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
    assert.deepEqual(passages.map((p) => [p.position, p.paragraphStart, p.paragraphEnd]), [[0, 0, 0], [1, 1, 1]]);
    const body = articleBody(a);
    assert.equal(body.slice(passages[1]!.charStart, passages[1]!.charEnd), a.paragraphs[1]);
  });

  it('GIVEN a 3-word paragraph THEN it merges with the next', () => {
    const passages = makePassages(article(['Nearly 8,000 detained', `${words(20)}.`]), { countTokens: countWords, maxTokens: 100 });
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
