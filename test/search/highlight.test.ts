/** Which sentence of a passage is highlighted (src/search/highlight.ts), without a model: lexical evidence only. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { highlightHits } from '../../src/search/highlight.ts';
import { analyzeQuestion } from '../../src/search/lexical.ts';
import type { Hit, SearchResult } from '../../src/search/search.ts';

function resultFor(question: string, title: string, text: string): SearchResult {
  const hit = {
    passage: {
      rowid: 1,
      article_rowid: 1,
      position: 0,
      paragraph_start: 0,
      paragraph_end: 0,
      char_start: 0,
      char_end: text.length,
      text,
    },
    article: { rowid: 1, id: 'a', title, collection: 'library' },
    score: 1,
    cosine: 0,
    coverage: 1,
    relevance: null,
    alsoIn: [],
  } as unknown as Hit;
  return {
    hits: [hit],
    shown: [hit],
    confidence: 1,
    relevance: null,
    verdict: 'answered',
    answered: true,
    questionTokens: analyzeQuestion(question),
    questionVector: null,
    idf: () => 1,
  };
}

describe('highlighting with the headline as evidence', () => {
  test("GIVEN a sentence repeating the headline's names and one holding the rest of the question THEN the latter is highlighted", async () => {
    const question = 'What did Marsh call the budget?';
    const text =
      'Finance Minister Helena Marsh presented the budget on Tuesday. She called it "a turning point for working households".';
    const [highlighted] = await highlightHits(
      question,
      resultFor(question, 'Marsh unveils her first budget', text),
      null,
    );
    assert.match(highlighted!.highlight, /turning point for working households/);
  });
  test("GIVEN the same passage under a headline sharing none of the question's words THEN the sentence with the names wins", async () => {
    const question = 'What did Marsh call the budget?';
    const text =
      'Finance Minister Helena Marsh presented the budget on Tuesday. She called it "a turning point for working households".';
    const [highlighted] = await highlightHits(question, resultFor(question, 'Energy VAT cut announced', text), null);
    assert.match(highlighted!.highlight, /presented the budget/);
  });
});
